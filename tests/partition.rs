//! `--partition count:K/N` and `hash:K/N` (`AUTOPSY_PARTITION`): CI spreads
//! a suite over N machines. Each shard here runs from its own copy of the
//! test binary with its own temporary directory, so that its `--lf` record
//! is its own, as on its own machine; the shards together must be the full
//! run, each test in exactly one of them, in the results, the JUnit reports
//! and the `--lf` records.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use autopsy_e2e::{Fixture, Run};

fn fixture() -> Fixture {
    Fixture::new("runner", "")
}

/// Leaves out the tests that crash, hang or wait for each other.
const CALM: &[&str] = &["--skip", "crash::", "--skip", "parallel::"];

/// The runner fixture's ignored tests.
const IGNORED: &[&str] = &["ignored_plain", "ignored_reason"];

/// One machine: a directory with a copy of the binary and its own TMPDIR
/// (where a binary outside a cargo target directory keeps its `--lf` record).
struct Machine {
    dir: PathBuf,
    bin: PathBuf,
}

impl Machine {
    fn new(fx: &Fixture, name: &str) -> Machine {
        let dir = autopsy_e2e::root()
            .join("target/e2e/partition-scratch")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let bin = dir.join("runner");
        std::fs::copy(fx.binary(), &bin).unwrap();
        Machine { dir, bin }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.dir)
            .args(CALM)
            .args(["--junit", "report.xml", "--test-threads", "2"])
            .args(args)
            .env("TMPDIR", self.dir.join("tmp"))
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_TEST_THREADS");
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("AUTOPSY_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        }
    }

    /// The tests of the JUnit report, as `name status`.
    fn junit(&self) -> BTreeSet<String> {
        let xml = std::fs::read_to_string(self.dir.join("report.xml")).unwrap();
        let case =
            regex::Regex::new(r#"<testcase name="([^"]+)" classname="runner(?:::([^"]+))?""#)
                .unwrap();
        case.captures_iter(&xml)
            .map(|c| match c.get(2) {
                Some(module) => format!("{}::{}", module.as_str(), &c[1]),
                None => c[1].to_string(),
            })
            .collect()
    }

    /// The `--lf` record: the tests that failed.
    fn record(&self) -> BTreeSet<String> {
        // Named after the package and the binary (`PKG.runner.lastfailed`).
        let dir = self.dir.join("tmp/autopsy");
        let path = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("runner.lastfailed"));
        path.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

/// The `test NAME ... STATUS` lines as `NAME STATUS`.
fn results(run: &Run) -> BTreeSet<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... "))
        .map(|(name, status)| {
            let name = name.trim_end_matches(" - should panic");
            format!(
                "{name} {}",
                status.split(' ').next().unwrap().trim_end_matches(',')
            )
        })
        .collect()
}

fn names(set: &BTreeSet<String>) -> BTreeSet<String> {
    set.iter()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect()
}

/// `passed; failed; ignored` and `filtered out` of the closing line.
fn counts(run: &Run) -> [usize; 4] {
    let re = regex::Regex::new(
        r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; 0 measured; (\d+) filtered out",
    )
    .unwrap();
    let c = re
        .captures(&run.stdout)
        .unwrap_or_else(|| panic!("{}{}", run.stdout, run.stderr));
    [1, 2, 3, 4].map(|i| c[i].parse().unwrap())
}

#[test]
fn shards_make_the_full_run_each_test_once() {
    let fx = fixture();
    let full_machine = Machine::new(&fx, "full");
    let full = full_machine.run(&[], &[]);
    assert_eq!(full.code, Some(101), "{}", full.stderr);
    let (full_results, full_junit, full_record) =
        (results(&full), full_machine.junit(), full_machine.record());
    assert!(full_results.len() > 10 && !full_record.is_empty());
    let total = counts(&full).iter().sum::<usize>();

    for kind in ["count", "hash"] {
        let n = 3;
        let mut union = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut summed = [0; 3];
        for k in 1..=n {
            let spec = format!("{kind}:{k}/{n}");
            let m = Machine::new(&fx, &format!("{kind}-{k}"));
            // The flag, or its environment twin.
            let run = if k == 2 {
                m.run(&[], &[("AUTOPSY_PARTITION", &spec)])
            } else {
                m.run(&["--partition", &spec], &[])
            };
            let (res, junit, record) = (results(&run), m.junit(), m.record());
            assert!(!res.is_empty(), "{spec}: {}", run.stdout);
            // Each part stands on its own: its report and its record are
            // its tests', and its closing line counts the rest as filtered.
            assert_eq!(junit, names(&res), "{spec}");
            assert!(record.is_subset(&names(&res)), "{spec}");
            let c = counts(&run);
            assert_eq!(c[3], total - c[0] - c[1] - c[2], "{spec}: {}", run.stdout);
            for (s, x) in summed.iter_mut().zip(c) {
                *s += x;
            }
            // No test in two shards.
            assert!(
                union.0.is_disjoint(&res),
                "{spec}: {res:?} vs {:?}",
                union.0
            );
            assert!(union.1.is_disjoint(&junit) && union.2.is_disjoint(&record));
            union.0.extend(res);
            union.1.extend(junit);
            union.2.extend(record.iter().cloned());

            // --lf on this machine: this shard's failures only.
            let again = m.run(&["--partition", &spec, "--lf"], &[]);
            if !record.is_empty() {
                assert_eq!(names(&results(&again)), record, "{spec}: {}", again.stdout);
            }
        }
        assert_eq!(union.0, full_results, "{kind}");
        assert_eq!(union.1, full_junit, "{kind}");
        assert_eq!(union.2, full_record, "{kind}");
        assert_eq!(summed, counts(&full)[..3], "{kind}");
    }
}

/// `--list` of a shard: the tests cargo-nextest puts in the same shard (it
/// leaves ignored tests out; autopsy deals them out apart, one shard each).
#[test]
fn shards_are_nextests() {
    let fx = fixture();
    fx.build();
    for spec in ["count:1/3", "count:2/3", "hash:1/3", "hash:3/3", "hash:2/2"] {
        let out = fx
            .cargo()
            .args([
                "nextest",
                "list",
                "--message-format",
                "oneline",
                "--partition",
                spec,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let nextest: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("runner::runner "))
            .map(String::from)
            .collect();
        let list = Command::new(fx.binary())
            .args(["--list", "--format", "terse", "--partition", spec])
            .output()
            .unwrap();
        let ours: Vec<String> = String::from_utf8_lossy(&list.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .filter(|n| !IGNORED.contains(n))
            .map(String::from)
            .collect();
        assert!(!ours.is_empty(), "{spec}");
        assert_eq!(ours, nextest, "{spec}");
    }
}

#[test]
fn bad_partition_is_refused() {
    let fx = fixture();
    for bad in ["count:0/3", "count:4/3", "hash:1", "slice:1/2"] {
        let run = fx.run(&["--partition", bad]);
        assert_eq!(run.code, Some(2), "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains("invalid value for --partition: "),
            "{bad}: {}",
            run.stderr
        );
    }
}
