//! The tests of this binary: read from their link section, named as libtest
//! names them, and selected by the command line.

use std::time::Duration;

use crate::__private::{ShouldPanic, Test};
use crate::cli::{HiArgs, Ignored};

/// A registered test with its libtest name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TestCase {
    pub name: &'static str,
    pub test: &'static Test,
    /// Its place in registration order (see [`registered`]).
    pub index: u32,
}

impl TestCase {
    pub fn is_ignored(&self) -> bool {
        self.test.ignore.is_some()
    }
}

/// `outer::inner::name` from the test's `module_path!()::name`: the crate's
/// own name is dropped, as libtest does. No allocation: a slice of a
/// string the compiler joined.
pub(crate) fn test_name(t: &Test) -> &'static str {
    t.path
        .split_once("::")
        .map_or(t.path, |(_crate, rest)| rest)
}

/// The binary's tests as the filters see them.
pub(crate) struct Tests {
    /// Those whose names the filters keep, sorted by name as libtest sorts
    /// them.
    pub selected: Vec<TestCase>,
    /// How many the filters left out: only counted (`N filtered out`).
    pub filtered_out: usize,
}

/// Every test of the binary, split by `selected`. A test left out is only
/// counted: building and sorting an entry for each of 20,000 tests, in the
/// user's unoptimized dev build of autopsy, cost `--exact NAME`, which
/// selects one, much of its start.
pub(crate) fn all_tests(selected: impl Fn(&str) -> bool) -> Tests {
    // The tests of a binary are nearly always one crate's: once its name
    // is known, a test's is found by one compare of bytes (a `memcmp`)
    // instead of a search for `::` per test, which (unoptimized, in the
    // user's build) cost a 2,000-test binary's start more than any other
    // step of its own.
    let mut krate = "";
    let mut tests = Tests {
        selected: Vec::new(),
        filtered_out: 0,
    };
    for (index, test) in crate::registry::tests().iter().enumerate() {
        let name = match test.path.as_bytes().starts_with(krate.as_bytes()) {
            true if !krate.is_empty() => &test.path[krate.len()..],
            _ => {
                let name = test_name(test);
                krate = &test.path[..test.path.len() - name.len()];
                name
            }
        };
        if selected(name) {
            tests.selected.push(TestCase {
                name,
                test,
                index: index as u32,
            });
        } else {
            tests.filtered_out += 1;
        }
    }
    tests.selected.sort_by(|a, b| a.name.cmp(b.name));
    tests
}

/// What the command line does to one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    Run,
    /// Reported as `ignored` (with its reason).
    Ignore,
    /// Not counted at all but as "filtered out".
    FilteredOut,
}

fn disposition(args: &HiArgs, case: &TestCase) -> Disposition {
    let selection = &args.selection;
    if !selection.matches(case.name)
        || (selection.exclude_should_panic && case.test.should_panic != ShouldPanic::No)
    {
        return Disposition::FilteredOut;
    }
    match (selection.ignored, case.is_ignored()) {
        (Ignored::Only, false) => Disposition::FilteredOut,
        (Ignored::Skip, true) => Disposition::Ignore,
        // libtest's `--bench`: what would run is reported ignored.
        _ if selection.benchmarks_only => Disposition::Ignore,
        (Ignored::Only, true) | (Ignored::Include, _) | (Ignored::Skip, false) => Disposition::Run,
    }
}

/// What the command line does to each of `tests` (in name order): the
/// filters, then `--partition`, which deals out the tests that run and,
/// apart, the ignored ones, so that each test is in one shard only (the
/// tests that run are dealt as nextest deals them: it leaves ignored tests
/// out of its count).
pub(crate) fn dispositions(args: &HiArgs, tests: &[TestCase]) -> Vec<Disposition> {
    let dealer = || args.partition.map(|p| p.dealer());
    let (mut run, mut ignored) = (dealer(), dealer());
    tests
        .iter()
        .map(|case| {
            let d = disposition(args, case);
            let dealer = match d {
                Disposition::Run => run.as_mut(),
                Disposition::Ignore => ignored.as_mut(),
                Disposition::FilteredOut => None,
            };
            let in_shard = dealer.is_none_or(|dealer| dealer.deals(case.name));
            if in_shard {
                d
            } else {
                Disposition::FilteredOut
            }
        })
        .collect()
}

/// `--list`: `name: test` lines; the pretty form adds libtest's count, the
/// JSON form is libtest's `discovered` events. Returns the names listed.
pub(crate) fn print_list(args: &HiArgs, tests: &[TestCase]) -> Vec<&'static str> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let listed: Vec<&TestCase> = tests
        .iter()
        .zip(dispositions(args, tests))
        .filter(|(_, d)| *d != Disposition::FilteredOut)
        .map(|(c, _)| c)
        .collect();
    if args.format == crate::cli::Format::Json {
        // Under --ignored and --include-ignored the selected tests run, so
        // libtest lists none as ignored (its reason stays).
        let runs_ignored = args.selection.ignored != Ignored::Skip;
        let _ = out.write_all(crate::reporter::json::discovery(&listed, runs_ignored).as_bytes());
        return listed.iter().map(|c| c.name).collect();
    }
    for case in &listed {
        let _ = writeln!(out, "{}: test", case.name);
    }
    let n = listed.len();
    if args.format == crate::cli::Format::Pretty {
        // libtest leaves the blank line out when it listed nothing.
        let gap = if n == 0 { "" } else { "\n" };
        let s = if n == 1 { "" } else { "s" };
        let _ = writeln!(out, "{gap}{n} test{s}, 0 benchmarks");
    }
    listed.iter().map(|c| c.name).collect()
}

/// `--shuffle-seed`: `items` (the selected tests, in name order, named by
/// `name`) in the order libtest runs them for the same seed
/// (`library/test/src/helpers/shuffle.rs`): std's `DefaultHasher` hashes
/// the test names, then a generator of hashes of (state, names' hash)
/// picks each place in turn.
pub(crate) fn shuffle<T>(items: &mut [T], name: impl Fn(&T) -> &str, seed: u64) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    // libtest hashes a `Vec<&TestName>`: its length, then each name as the
    // derived `Hash` of the `TestName::AlignedTestName(name, PadNone)` that
    // `with_padding` made of it (discriminants 2 and 0 around the string).
    let mut h = DefaultHasher::new();
    h.write_usize(items.len());
    for item in items.iter() {
        h.write_isize(2);
        name(item).hash(&mut h);
        h.write_isize(0);
    }
    let names_hash = h.finish();
    let mut state = seed;
    for i in 0..items.len() {
        let mut h = DefaultHasher::new();
        (state, names_hash).hash(&mut h);
        state = h.finish();
        let j = i + (state % (items.len() - i) as u64) as usize;
        items.swap(i, j);
    }
}

/// libtest's `--ensure-time` limits: a passing test that runs for its
/// critical time or longer fails. Unit tests (under `src/`) and the others
/// (integration tests, under `tests/`, and anything else) have their own,
/// from `RUST_TEST_TIME_UNIT` and `RUST_TEST_TIME_INTEGRATION` (`WARN,CRITICAL`
/// in milliseconds), with libtest's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeLimits {
    pub unit: Duration,
    pub integration: Duration,
}

impl TimeLimits {
    /// Reads the environment as libtest does; a malformed value is an error
    /// that names the variable.
    pub fn from_env() -> Result<TimeLimits, String> {
        Ok(TimeLimits {
            unit: critical_from_env("RUST_TEST_TIME_UNIT", Duration::from_millis(100))?,
            integration: critical_from_env(
                "RUST_TEST_TIME_INTEGRATION",
                Duration::from_millis(1000),
            )?,
        })
    }

    /// The critical time of `test`: rustc calls a test in a crate rooted
    /// under `src/` a unit test, and the rest get the integration limits.
    pub fn critical(&self, test: &Test) -> Duration {
        let kind = std::path::Path::new(test.file)
            .ancestors()
            .skip(1)
            .find_map(|dir| match dir.file_name()?.to_str()? {
                "src" => Some(self.unit),
                "tests" => Some(self.integration),
                _ => None,
            });
        kind.unwrap_or(self.integration)
    }
}

fn critical_from_env(var: &str, default: Duration) -> Result<Duration, String> {
    let Ok(value) = std::env::var(var) else {
        return Ok(default);
    };
    let parts: Vec<&str> = value.split(',').collect();
    let numbers: Option<Vec<u64>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    match numbers.as_deref() {
        Some([warn, critical]) if warn <= critical => Ok(Duration::from_millis(*critical)),
        _ => Err(format!(
            "{var} must be two numbers of milliseconds, WARN,CRITICAL, with WARN <= CRITICAL \
             (got `{value}`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_in(file: &'static str) -> Test {
        Test {
            path: "c::t",
            file,
            line: 1,
            column: 4,
            end_column: 5,
            ignore: None,
            should_panic: crate::__private::ShouldPanic::No,
            reruns: None,
            reruns_delay: None,
            stops: &[],
            run: crate::__private::Run::Unit(|| {}),
        }
    }

    #[test]
    fn names_drop_the_crate() {
        let mut t = test_in("tests/a.rs");
        assert_eq!(test_name(&t), "t");
        t.path = "c::m::n::t";
        assert_eq!(test_name(&t), "m::n::t");
        assert_eq!((t.module_path(), t.name()), ("c::m::n", "t"));
    }

    #[test]
    fn unit_and_integration_limits() {
        let limits = TimeLimits {
            unit: Duration::from_millis(1),
            integration: Duration::from_millis(2),
        };
        assert_eq!(limits.critical(&test_in("src/lib.rs")), limits.unit);
        assert_eq!(limits.critical(&test_in("member/src/a/b.rs")), limits.unit);
        assert_eq!(limits.critical(&test_in("tests/x.rs")), limits.integration);
        assert_eq!(
            limits.critical(&test_in("examples/e.rs")),
            limits.integration
        );
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let names: Vec<String> = (0..50).map(|i| format!("t{i:02}")).collect();
        let shuffled = |seed| {
            let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
            shuffle(&mut v, |n| n, seed);
            v
        };
        let a = shuffled(7);
        assert_eq!(a, shuffled(7));
        assert_ne!(a, shuffled(8));
        assert_ne!(a, names);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, names);
    }

    #[test]
    fn malformed_limits_name_the_variable() {
        let e = critical_from_env("PATH", Duration::ZERO).unwrap_err();
        assert!(e.starts_with("PATH must be"), "{e}");
    }
}
