//! The tests of this binary: collected from `inventory`, named as libtest
//! names them, and selected by the command line.

use crate::__private::Test;
use crate::cli::{HiArgs, Ignored};

/// A registered test with its libtest name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TestCase {
    pub name: &'static str,
    pub test: &'static Test,
}

impl TestCase {
    pub fn is_ignored(&self) -> bool {
        self.test.ignore.is_some()
    }
}

/// `outer::inner::name` from `module_path!()` and the function: the crate's
/// own name is dropped, as libtest does.
fn test_name(t: &Test) -> String {
    match t.module_path.split_once("::") {
        Some((_crate, rest)) => format!("{rest}::{}", t.name),
        None => t.name.to_string(),
    }
}

/// Every test of the binary, sorted by name as libtest sorts them.
pub(crate) fn all_tests() -> Vec<TestCase> {
    let mut tests: Vec<TestCase> = inventory::iter::<Test>
        .into_iter()
        // Names live as long as the process; leaking them once keeps
        // `TestCase` `Copy` and cheap to hand around.
        .map(|test| TestCase {
            name: Box::leak(test_name(test).into_boxed_str()),
            test,
        })
        .collect();
    tests.sort_by(|a, b| a.name.cmp(b.name));
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

pub(crate) fn disposition(args: &HiArgs, case: &TestCase) -> Disposition {
    if !args.selection.matches(case.name) {
        return Disposition::FilteredOut;
    }
    match (args.selection.ignored, case.is_ignored()) {
        (Ignored::Only, false) => Disposition::FilteredOut,
        (Ignored::Only, true) | (Ignored::Include, _) | (Ignored::Skip, false) => Disposition::Run,
        (Ignored::Skip, true) => Disposition::Ignore,
    }
}

/// `--list`: `name: test` lines; the pretty form adds libtest's count.
pub(crate) fn print_list(args: &HiArgs, tests: &[TestCase]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let mut n = 0;
    for case in tests {
        if disposition(args, case) != Disposition::FilteredOut {
            n += 1;
            let _ = writeln!(out, "{}: test", case.name);
        }
    }
    if args.format == crate::cli::Format::Pretty {
        let s = if n == 1 { "" } else { "s" };
        let _ = writeln!(out, "\n{n} test{s}, 0 benchmarks");
    }
}
