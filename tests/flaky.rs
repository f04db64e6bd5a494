//! Flaky tests (issue 5) as a user meets them: `cargo test -- --reruns N` on
//! a real suite, each failed attempt's output, the flaky verdict, the counts,
//! exit codes and `--lf`/`--ff` over several runs (the JUnit file: junit.rs).

use std::path::PathBuf;
use std::sync::Mutex;

use autopsy_e2e::{normalize, scratch, snapshot, Fixture, Run, FLAKY_EXTRA};

fn fixture() -> Fixture {
    Fixture::new("flaky", FLAKY_EXTRA)
}

/// The binary with the `--lf` record of its own.
fn lf_fixture() -> Fixture {
    Fixture {
        test: "flaky_lf".into(),
        ..fixture()
    }
}

/// How many tests the fixture has (the `filtered out` counts depend on it).
const TOTAL: usize = 21;

/// stdout as a person reads it, minus what changes between runs.
fn text(run: &Run) -> String {
    normalize(&run.stdout).replace(" (core dumped)", "")
}

fn test_result(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|l| l.starts_with("test result: "))
        .unwrap_or_else(|| panic!("no test result line:\n{}", run.stdout))
}

/// The line after `test result:` (flaky and rerun counts), if any.
fn counts_line(run: &Run) -> &str {
    let mut lines = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("test result: "));
    lines.next();
    lines.next().unwrap_or("")
}

/// The closing line with its duration made stable.
fn closing(run: &Run) -> String {
    normalize(test_result(run))
}

/// The `---- NAME stdout (attempt N of M) ----` section, up to the next one.
fn section<'a>(stdout: &'a str, header: &str) -> &'a str {
    let start = stdout
        .find(header)
        .unwrap_or_else(|| panic!("no section {header:?} in:\n{stdout}"));
    let rest = &stdout[start + header.len()..];
    let end = [
        rest.find("\n---- "),
        rest.find("\nfailures:"),
        rest.find("\ntest result:"),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(rest.len());
    rest[..end].trim_end_matches('\n')
}

#[test]
fn flaky_test_passes_on_third_attempt_with_every_attempt_shown() {
    let run = fixture().run(&[
        "flaky::passes_third_time",
        "flaky::steady",
        "--reruns",
        "3",
        "--test-threads",
        "1",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    snapshot("flaky_passes_third_time", &out);

    assert!(out.contains(
        "test flaky::passes_third_time ... RERUN (attempt 1 of 4 failed: transient failure on attempt 1)\n"
    ));
    assert!(out.contains(
        "test flaky::passes_third_time ... RERUN (attempt 2 of 4 failed: transient failure on attempt 2)\n"
    ));
    assert!(
        out.contains("test flaky::passes_third_time ... ok (flaky: passed on attempt 3 of 4)\n")
    );
    // Each failed attempt, with its own stdout, stderr and panic message,
    // under `reruns:`; the flaky test is no failure.
    let reruns = &out[out.find("\nreruns:\n").expect("a reruns section")..];
    for n in 1..=2 {
        let s = section(
            reruns,
            &format!("---- flaky::passes_third_time stdout (attempt {n} of 4) ----\n"),
        );
        assert!(s.contains(&format!("stdout of attempt {n} of 4\n")), "{s}");
        assert!(s.contains(&format!("stderr of attempt {n}\n")), "{s}");
        assert!(
            s.lines()
                .any(|l| l == format!("transient failure on attempt {n}")),
            "{s}"
        );
        for other in [1, 2, 3].into_iter().filter(|&o| o != n) {
            assert!(
                !s.contains(&format!("attempt {other}")),
                "attempt {other}'s output in attempt {n}'s:\n{s}"
            );
        }
    }
    // The passing attempt's output is not shown (no --show-output).
    assert!(!out.contains("stdout of attempt 3"));
    assert!(!out.contains("\nfailures:"));
    // libtest's closing line, unchanged; flaky tests are among the passed,
    // so passed + failed + ignored == the tests that ran.
    assert!(out.contains("\nrunning 2 tests\n"));
    assert_eq!(
        closing(&run),
        format!("test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 2)
    );
    assert_eq!(counts_line(&run), "1 flaky (counted in passed); 2 reruns");
}

#[test]
fn fail_on_flaky_fails_the_run() {
    let run = fixture().run(&[
        "flaky::passes_third_time",
        "--reruns",
        "3",
        "--fail-on-flaky",
    ]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(
        out.contains("test flaky::passes_third_time ... ok (flaky: passed on attempt 3 of 4)\n")
    );
    assert!(
        out.contains(
            "\nflaky tests fail the run (--fail-on-flaky):\n    flaky::passes_third_time\n"
        ),
        "{out}"
    );
    assert_eq!(
        closing(&run),
        format!(
            "test result: FAILED. 1 passed; 0 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs",
            TOTAL - 1
        )
    );
    assert_eq!(counts_line(&run), "1 flaky (counted in passed); 2 reruns");

    // Without a flaky test, --fail-on-flaky changes nothing.
    let run = fixture().run(&["flaky::steady", "--reruns", "3", "--fail-on-flaky"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(counts_line(&run), "");
}

#[test]
fn always_failing_test_shows_every_attempt() {
    let run = fixture().run(&["flaky::always_fails", "--reruns", "2"]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(out.contains("test flaky::always_fails ... RERUN (attempt 1 of 3 failed: permanent failure on attempt 1)\n"));
    assert!(out.contains("test flaky::always_fails ... RERUN (attempt 2 of 3 failed: permanent failure on attempt 2)\n"));
    assert!(
        out.contains("test flaky::always_fails ... FAILED (failed all 3 attempts)\n"),
        "{out}"
    );
    let failures = &out[out.find("\nfailures:\n").expect("a failures section")..];
    for n in 1..=3 {
        let s = section(
            failures,
            &format!("---- flaky::always_fails stdout (attempt {n} of 3) ----\n"),
        );
        assert!(
            s.contains(&format!("stdout of attempt {n}\nstderr of attempt {n}\n")),
            "{s}"
        );
        assert!(
            s.contains("thread 'flaky::always_fails' panicked at tests/flaky.rs:")
                && s.lines()
                    .any(|l| l == format!("permanent failure on attempt {n}")),
            "{s}"
        );
    }
    assert!(out.contains("\nfailures:\n    flaky::always_fails\n"));
    assert!(
        !out.contains("\nreruns:\n"),
        "no flaky test, no reruns section:\n{out}"
    );
    assert_eq!(
        closing(&run),
        format!("test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 1)
    );
    assert_eq!(counts_line(&run), "0 flaky (counted in passed); 2 reruns");
}

#[test]
fn crash_on_first_attempt_does_not_stop_the_next() {
    let run = fixture().run(&[
        "flaky::aborts_first",
        "flaky::segfaults_first",
        "flaky::steady",
        "--reruns",
        "1",
        "--test-threads",
        "1",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(out.contains(
        "test flaky::aborts_first ... RERUN (attempt 1 of 2 failed: process terminated by signal 6 (SIGABRT: aborted))\n"
    ), "{out}");
    assert!(out.contains("test flaky::aborts_first ... ok (flaky: passed on attempt 2 of 2)\n"));
    assert!(out.contains(
        "test flaky::segfaults_first ... RERUN (attempt 1 of 2 failed: process terminated by signal 11 (SIGSEGV: invalid memory reference))\n"
    ), "{out}");
    assert!(out.contains("test flaky::segfaults_first ... ok (flaky: passed on attempt 2 of 2)\n"));
    assert!(out.contains("test flaky::steady ... ok\n"));
    assert_eq!(
        section(
            &out,
            "---- flaky::aborts_first stdout (attempt 1 of 2) ----\n"
        ),
        "aborts_first attempt 1\nnote: process terminated by signal 6 (SIGABRT: aborted)"
    );
    assert_eq!(
        section(&out, "---- flaky::segfaults_first stdout (attempt 1 of 2) ----\n"),
        "segfaults_first attempt 1\nnote: process terminated by signal 11 (SIGSEGV: invalid memory reference)"
    );
    assert_eq!(
        closing(&run),
        format!("test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 3)
    );
    assert_eq!(counts_line(&run), "2 flaky (counted in passed); 2 reruns");

    // Without reruns, the same crash is a plain failure.
    let run = fixture().run(&["flaky::aborts_first"]);
    assert_eq!(run.code, Some(101));
    assert!(text(&run).contains("test flaky::aborts_first ... FAILED\n"));
}

#[test]
fn each_attempt_runs_in_a_fresh_process() {
    // Also with one worker slot, and with other tests queued behind it.
    for threads in ["1", "2"] {
        let run = fixture().run(&[
            "flaky::fresh_process",
            "flaky::steady",
            "flaky::passes_third_time",
            "--reruns",
            "2",
            "--test-threads",
            threads,
        ]);
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        let out = text(&run);
        assert!(
            out.contains("test flaky::fresh_process ... ok (flaky: passed on attempt 2 of 3)\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "test flaky::passes_third_time ... ok (flaky: passed on attempt 3 of 3)\n"
            ),
            "{out}"
        );
        assert!(
            !out.contains("runs in the process of an earlier attempt"),
            "{out}"
        );
    }
}

/// The two `filter::` tests fail their first attempt only: one with a
/// "network" message, one with a "logic" one.
fn filtered(args: &[&str]) -> (Run, String) {
    let mut all = vec!["filter::", "--reruns", "2", "--test-threads", "1"];
    all.extend_from_slice(args);
    let run = fixture().run(&all);
    let out = text(&run);
    (run, out)
}

const NETWORK_FLAKY: &str = "test filter::network ... ok (flaky: passed on attempt 2 of 3)\n";
const NETWORK_FAILED: &str = "test filter::network ... FAILED\n";
const LOGIC_FLAKY: &str = "test filter::logic ... ok (flaky: passed on attempt 2 of 3)\n";
const LOGIC_FAILED: &str = "test filter::logic ... FAILED\n";

#[test]
fn only_rerun_matches_the_failure_message() {
    let (run, out) = filtered(&[
        "--only-rerun",
        "connection (reset|refused)",
        "--only-rerun",
        "timed out",
    ]);
    assert_eq!(run.code, Some(101), "{out}");
    assert!(out.contains(
        "test filter::network ... RERUN (attempt 1 of 3 failed: connection reset by peer (attempt 1))\n"
    ), "{out}");
    assert!(out.contains(NETWORK_FLAKY), "{out}");
    // Not rerun: one attempt, reported as libtest reports a failure.
    assert!(out.contains(LOGIC_FAILED), "{out}");
    assert!(!out.contains("test filter::logic ... RERUN"), "{out}");
    assert!(out.contains("---- filter::logic stdout ----\n"), "{out}");
    assert!(out.contains("wrong answer: 41 (attempt 1)"), "{out}");
    assert_eq!(
        closing(&run),
        format!("test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 2)
    );
    assert_eq!(counts_line(&run), "1 flaky (counted in passed); 1 rerun");

    // Repeatable: any of the patterns lets a failure be rerun.
    let (run, out) = filtered(&[
        "--only-rerun",
        "connection reset",
        "--only-rerun",
        "^wrong answer",
    ]);
    assert_eq!(run.code, Some(0), "{out}");
    assert!(
        out.contains(NETWORK_FLAKY) && out.contains(LOGIC_FLAKY),
        "{out}"
    );
}

#[test]
fn rerun_except_matches_the_failure_message() {
    let (run, out) = filtered(&["--rerun-except", "wrong answer"]);
    assert_eq!(run.code, Some(101), "{out}");
    assert!(
        out.contains(NETWORK_FLAKY) && out.contains(LOGIC_FAILED),
        "{out}"
    );

    let (run, out) = filtered(&[
        "--rerun-except",
        "nothing matches this",
        "--rerun-except",
        "by peer",
    ]);
    assert_eq!(run.code, Some(101), "{out}");
    assert!(
        out.contains(NETWORK_FAILED) && out.contains(LOGIC_FLAKY),
        "{out}"
    );

    // Both: --only-rerun picks, --rerun-except vetoes.
    let (run, out) = filtered(&["--only-rerun", "attempt 1", "--rerun-except", "reset"]);
    assert_eq!(run.code, Some(101), "{out}");
    assert!(
        out.contains(NETWORK_FAILED) && out.contains(LOGIC_FLAKY),
        "{out}"
    );
}

#[test]
fn attribute_wins_over_command_line() {
    for args in [
        &["attr::two_reruns", "attr::no_reruns", "--reruns", "5"][..],
        &["attr::two_reruns", "attr::no_reruns"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--test-threads", "1"]);
        let run = fixture().run(&all);
        assert_eq!(run.code, Some(101));
        let out = text(&run);
        // `reruns = 2`: 3 attempts, and the test sees the total.
        assert!(
            out.contains(
                "test attr::two_reruns ... RERUN (attempt 1 of 3 failed: attempt 1 of 3)\n"
            ),
            "{args:?}\n{out}"
        );
        assert!(
            out.contains("test attr::two_reruns ... FAILED (failed all 3 attempts)\n"),
            "{args:?}\n{out}"
        );
        assert!(
            out.contains("---- attr::two_reruns stdout (attempt 3 of 3) ----\n"),
            "{out}"
        );
        // `reruns = 0`: never rerun.
        assert!(
            out.contains("test attr::no_reruns ... FAILED\n"),
            "{args:?}\n{out}"
        );
        assert!(out.contains("---- attr::no_reruns stdout ----\n"), "{out}");
        assert!(out.contains("\nattempt 1 of 1\n"), "{out}");
        assert_eq!(counts_line(&run), "0 flaky (counted in passed); 2 reruns");
    }
}

/// The `stamps` lines a test printed in each attempt, in ms since the epoch.
fn stamps(out: &str, label: &str) -> Vec<u128> {
    let re = regex::Regex::new(&format!(r"{label}: attempt (\d) at (\d+) ms")).unwrap();
    let mut v: Vec<(u32, u128)> = re
        .captures_iter(out)
        .map(|c| (c[1].parse().unwrap(), c[2].parse().unwrap()))
        .collect();
    v.sort();
    v.into_iter().map(|(_, ms)| ms).collect()
}

#[test]
fn reruns_delay_waits_between_attempts() {
    // --show-output adds the passing attempt's output.
    let run = fixture().run(&[
        "timed::stamps",
        "--reruns",
        "2",
        "--reruns-delay",
        "0.5",
        "--show-output",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(
        out.contains("test timed::stamps ... ok (flaky: passed on attempt 3 of 3)\n"),
        "{out}"
    );
    let at = stamps(&out, "stamps");
    assert_eq!(at.len(), 3, "{out}");
    for w in at.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (500..10_000).contains(&gap),
            "attempts {gap} ms apart with --reruns-delay 0.5:\n{out}"
        );
    }

    // The attribute's own delay (0.4 s), over a command line that says none.
    let run = fixture().run(&["attr::delayed", "--reruns-delay", "0", "--show-output"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(
        out.contains("test attr::delayed ... ok (flaky: passed on attempt 3 of 3)\n"),
        "{out}"
    );
    let at = stamps(&out, "delayed");
    assert_eq!(at.len(), 3, "{out}");
    for w in at.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (400..10_000).contains(&gap),
            "attempts {gap} ms apart with reruns_delay = 0.4:\n{out}"
        );
    }
}

#[test]
fn environment_twins() {
    let f = fixture();
    let run = f.run_with(
        &["flaky::passes_third_time"],
        &[("AUTOPSY_RERUNS", "2")],
        "",
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(text(&run)
        .contains("test flaky::passes_third_time ... ok (flaky: passed on attempt 3 of 3)\n"));

    let run = f.run_with(
        &["flaky::passes_third_time"],
        &[("AUTOPSY_RERUNS", "2"), ("AUTOPSY_FAIL_ON_FLAKY", "1")],
        "",
    );
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    // `0` (or `false`, `no`, `off`) leaves a flag unset.
    let run = f.run_with(
        &["flaky::passes_third_time"],
        &[("AUTOPSY_RERUNS", "2"), ("AUTOPSY_FAIL_ON_FLAKY", "0")],
        "",
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);

    // Too few reruns: fails after 2 attempts.
    let run = f.run_with(
        &["flaky::passes_third_time"],
        &[("AUTOPSY_RERUNS", "1")],
        "",
    );
    assert_eq!(run.code, Some(101), "{}", run.stdout);
    assert!(
        text(&run).contains("test flaky::passes_third_time ... FAILED (failed all 2 attempts)\n")
    );

    // The command line wins over the environment.
    let run = f.run_with(
        &["flaky::passes_third_time", "--reruns", "3"],
        &[("AUTOPSY_RERUNS", "1")],
        "",
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(text(&run).contains("ok (flaky: passed on attempt 3 of 4)\n"));

    let run = f.run_with(
        &["filter::", "--test-threads", "1"],
        &[
            ("AUTOPSY_RERUNS", "1"),
            ("AUTOPSY_ONLY_RERUN", "connection"),
            ("AUTOPSY_RERUNS_DELAY", "0.3"),
        ],
        "",
    );
    assert_eq!(run.code, Some(101), "{}", run.stdout);
    let out = text(&run);
    assert!(
        out.contains("test filter::network ... ok (flaky: passed on attempt 2 of 2)\n"),
        "{out}"
    );
    assert!(out.contains(LOGIC_FAILED), "{out}");

    let run = f.run_with(
        &["filter::", "--test-threads", "1"],
        &[
            ("AUTOPSY_RERUNS", "1"),
            ("AUTOPSY_RERUN_EXCEPT", "connection"),
        ],
        "",
    );
    let out = text(&run);
    assert!(out.contains(NETWORK_FAILED), "{out}");
    assert!(
        out.contains("test filter::logic ... ok (flaky: passed on attempt 2 of 2)\n"),
        "{out}"
    );

    let junit = scratch("env-junit").join("report.xml");
    let run = f.run_with(
        &["flaky::steady"],
        &[("AUTOPSY_JUNIT", junit.to_str().unwrap())],
        "",
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testcase name=\"steady\" classname=\"flaky::flaky\""));
}

#[test]
fn terse_format_marks_reruns() {
    let run = fixture().run(&[
        "flaky::passes_third_time",
        "flaky::steady",
        "--reruns",
        "3",
        "--format",
        "terse",
        "--test-threads",
        "1",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = text(&run);
    assert!(out.starts_with("\nrunning 2 tests\nR.R.\n"), "{out}");
    assert_eq!(counts_line(&run), "1 flaky (counted in passed); 2 reruns");
}

// --- --lf / --ff ---------------------------------------------------------

/// The `--lf`/`--ff` tests share one binary and its record: one at a time.
static LF: Mutex<()> = Mutex::new(());

fn lf_record() -> PathBuf {
    // Per package (`flaky`) and test target (`flaky_lf`).
    autopsy_e2e::target_dir().join("debug/autopsy/flaky.flaky_lf.lastfailed")
}

/// `lf::` tests; `lf::a_fails` fails and `lf::c_crashes` aborts while `fail`.
fn lf_run(args: &[&str], fail: bool) -> (Run, String) {
    let mut all = vec!["lf::", "--test-threads", "1"];
    all.extend_from_slice(args);
    let env: &[(&str, &str)] = if fail {
        &[("FLAKY_E2E_FAIL", "1")]
    } else {
        &[]
    };
    let run = lf_fixture().run_with(&all, env, "");
    let out = text(&run);
    (run, out)
}

/// The `test NAME ...` result lines of the tests that ran, in order.
/// (Ignored tests are left out: when one is reported, relative to the tests
/// in flight, is the runner's business, not this issue's.)
fn result_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... ") && !l.ends_with(" ... ignored"))
        .collect()
}

const IGNORED_LINE: &str = "\ntest lf::e_ignored ... ignored\n";

#[test]
fn last_failed_runs_only_what_failed() {
    let _one = LF.lock().unwrap_or_else(|e| e.into_inner());
    let _ = std::fs::remove_file(lf_record());
    lf_fixture().build();

    // No record: --lf runs everything selected.
    let (run, out) = lf_run(&["--lf"], true);
    assert_eq!(run.code, Some(101), "{out}");
    assert_eq!(
        result_lines(&out),
        [
            "test lf::a_fails ... FAILED",
            "test lf::b_passes ... ok",
            "test lf::c_crashes ... FAILED",
            "test lf::d_passes ... ok",
        ],
        "{out}"
    );
    assert!(out.contains(IGNORED_LINE), "{out}");
    // The failure and the crash are both remembered, under target/.
    assert_eq!(
        std::fs::read_to_string(lf_record()).unwrap(),
        "lf::a_fails\nlf::c_crashes\n"
    );

    // --lf: only those two run; everything else is filtered out.
    let (run, out) = lf_run(&["--lf"], false);
    assert_eq!(run.code, Some(0), "{out}");
    assert!(out.starts_with("\nrunning 2 tests\n"), "{out}");
    assert_eq!(
        result_lines(&out),
        ["test lf::a_fails ... ok", "test lf::c_crashes ... ok"],
        "{out}"
    );
    assert_eq!(
        closing(&run),
        format!("test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 2)
    );
    // Fixed: the record is empty, and --lf runs everything again.
    assert_eq!(std::fs::read_to_string(lf_record()).unwrap(), "");
    let (run, out) = lf_run(&["--last-failed"], false);
    assert_eq!(run.code, Some(0), "{out}");
    assert_eq!(result_lines(&out).len(), 4, "{out}");
    assert!(out.contains(IGNORED_LINE), "{out}");

    // A filter that selects none of the recorded failures: all of it runs.
    lf_run(&[], true);
    let run = lf_fixture().run(&["lf::b_passes", "--lf"]);
    assert_eq!(result_lines(&text(&run)), ["test lf::b_passes ... ok"]);
    // Tests that did not run keep their record.
    assert_eq!(
        std::fs::read_to_string(lf_record()).unwrap(),
        "lf::a_fails\nlf::c_crashes\n"
    );

    // Still failing: stays recorded; fixed by a plain run: forgotten.
    let (run, _) = lf_run(&["--lf", "--reruns", "1"], true);
    assert_eq!(run.code, Some(101));
    assert_eq!(
        std::fs::read_to_string(lf_record()).unwrap(),
        "lf::a_fails\nlf::c_crashes\n"
    );
    lf_run(&[], false);
    assert_eq!(std::fs::read_to_string(lf_record()).unwrap(), "");

    // The environment twin.
    lf_run(&[], true);
    let run = lf_fixture().run_with(&["lf::", "--test-threads", "1"], &[("AUTOPSY_LF", "1")], "");
    assert_eq!(
        result_lines(&text(&run)),
        ["test lf::a_fails ... ok", "test lf::c_crashes ... ok"]
    );
}

#[test]
fn failed_first_runs_failures_first() {
    let _one = LF.lock().unwrap_or_else(|e| e.into_inner());
    let _ = std::fs::remove_file(lf_record());

    // No record: name order.
    let (run, out) = lf_run(&["--ff"], true);
    assert_eq!(run.code, Some(101), "{out}");
    assert_eq!(
        result_lines(&out),
        [
            "test lf::a_fails ... FAILED",
            "test lf::b_passes ... ok",
            "test lf::c_crashes ... FAILED",
            "test lf::d_passes ... ok",
        ],
        "{out}"
    );
    assert!(out.contains(IGNORED_LINE), "{out}");
    // Second run: last time's failures first, then the rest, all of them.
    let (run, out) = lf_run(&["--failed-first"], false);
    assert_eq!(run.code, Some(0), "{out}");
    assert_eq!(
        result_lines(&out),
        [
            "test lf::a_fails ... ok",
            "test lf::c_crashes ... ok",
            "test lf::b_passes ... ok",
            "test lf::d_passes ... ok",
        ],
        "{out}"
    );
    assert!(out.contains(IGNORED_LINE), "{out}");
    assert_eq!(
        closing(&run),
        format!("test result: ok. 4 passed; 0 failed; 1 ignored; 0 measured; {} filtered out; finished in X.XXs", TOTAL - 5)
    );

    // --lf and --ff together make no sense.
    let (run, _) = lf_run(&["--lf", "--ff"], false);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("invalid value for --lf: cannot be used with --ff"),
        "{}",
        run.stderr
    );
}
