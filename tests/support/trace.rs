//! What tests/trace.rs and tests/trace_runs.rs share: the trace fixture,
//! transcripts built from its source, and piped sessions.
#![allow(dead_code)]

use autopsy_e2e::{normalize, Fixture, Run};

/// The fixture (tests/fixtures/trace.rs): one crate, tests picked by name.
pub(crate) fn trace() -> Fixture {
    Fixture::new("trace", "")
}

pub(crate) fn fixture_source() -> String {
    std::fs::read_to_string(autopsy_e2e::root().join("tests/fixtures/trace.rs")).unwrap()
}

/// The line of the fixture that contains `needle` (the only one).
pub(crate) fn line(needle: &str) -> usize {
    let src = fixture_source();
    let found: Vec<usize> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "{needle:?} must be on exactly one line");
    found[0]
}

/// What a stop shows: pdb's `> file(line)function()` and `-> statement`.
pub(crate) fn at(func: &str, needle: &str) -> String {
    let n = line(needle);
    let text = fixture_source()
        .lines()
        .nth(n - 1)
        .unwrap()
        .trim()
        .to_string();
    format!("> tests/trace.rs({n}){func}()\n-> {text}\n")
}

/// `sticky`'s view: the function that holds `current`, from its `fn` line
/// to its closing brace, with the current line marked.
pub(crate) fn sticky_view(fn_needle: &str, current: &str) -> String {
    let src = fixture_source();
    let lines: Vec<&str> = src.lines().collect();
    let first = line(fn_needle);
    let last = (first..=lines.len())
        .find(|&n| lines[n - 1] == "}")
        .unwrap();
    let cur = line(current);
    (first..=last)
        .map(|n| {
            let text = lines[n - 1];
            if n == cur {
                format!("{n:>4} -> {text}\n")
            } else {
                format!("{n:>4}    {text}\n")
            }
        })
        .collect()
}

/// A command as a piped session shows it: the prompt, then the line read.
pub(crate) fn cmd(c: &str) -> String {
    format!("(autopsy) {c}\n")
}

/// `until` the loop's body.
pub(crate) fn until_body() -> String {
    format!("until {}", line("total += scale(i, 2);"))
}

/// No run may hang: everything is killed after this many seconds.
pub(crate) const LIMIT: u64 = 120;

/// Runs `cargo test --test trace -- ARGS` with `commands` piped, one a line.
pub(crate) fn session(args: &[&str], env: &[(&str, &str)], commands: &[&str]) -> Run {
    let f = trace();
    let stdin: String = commands.iter().map(|c| format!("{c}\n")).collect();
    let (run, killed) = f.run_timeout(args, env, Some(&stdin), LIMIT);
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// What a one-test run printed between `running 1 test` and the blank
/// line before `test result:`.
pub(crate) fn body(run: &Run) -> String {
    let out = normalize(&run.stdout);
    let start = out
        .find("running 1 test\n")
        .unwrap_or_else(|| panic!("not a one-test run:\n{out}\n{}", run.stderr))
        + "running 1 test\n".len();
    let end = out[start..]
        .find("\ntest result: ")
        .map(|e| start + e)
        .unwrap_or(out.len());
    out[start..end].to_string()
}

/// Asserts two transcripts are equal, showing both in full when not.
#[track_caller]
pub(crate) fn same(actual: &str, expected: &str) {
    assert!(
        actual == expected,
        "transcript differs\n--- expected ---\n{expected}\n--- actual ---\n{actual}\n--- end ---"
    );
}

/// The `test NAME ... RESULT` lines.
pub(crate) fn result_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .map(String::from)
        .collect()
}

pub(crate) const ONE_PASSED: &str =
    "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 7 filtered out; finished in X.XXs";
