//! `--junit PATH` as a user meets it: the report of a real suite with
//! reruns, flaky tests and hostile output, checked by an XML parser against
//! Surefire's structure; a report that cannot be written; JUnit beside
//! another reporter of the same run.

use autopsy_e2e::{normalize, scratch, snapshot, Fixture, FLAKY_EXTRA};

/// The flaky suite (tests/fixtures/flaky.rs), as tests/flaky.rs builds it.
fn fixture() -> Fixture {
    Fixture::new("flaky", FLAKY_EXTRA)
}

/// Parses the report with Python's XML parser (expat: it rejects any
/// character XML forbids), checks it against Surefire's structure and
/// prints it as an indented outline without timings. (ANSI escapes are
/// dropped from the report, as nextest's quick-junit drops them.)
const JUNIT_CHECK: &str = r#"
import sys, xml.etree.ElementTree as ET
raw = open(sys.argv[1], 'rb').read()
bad = sorted({b for b in raw if b < 0x20 and b not in (9, 10, 13)})
if bad:
    sys.exit(f'error: forbidden bytes {bad}')
root = ET.fromstring(raw)
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
CASE_CHILDREN = {'skipped', 'error', 'failure', 'rerunFailure', 'rerunError', 'flakyFailure', 'flakyError', 'system-out', 'system-err'}
RERUN_CHILDREN = {'stackTrace', 'system-out', 'system-err'}
need(root.tag == 'testsuites', 'root is testsuites')
for suite in root:
    need(suite.tag == 'testsuite', 'testsuites holds testsuite')
    cases = list(suite)
    need(all(c.tag == 'testcase' for c in cases), 'testsuite holds testcase')
    need(int(suite.get('tests')) == len(cases), 'testsuite tests= count')
    need(int(suite.get('failures')) == sum(1 for c in cases if c.find('failure') is not None), 'failures= count')
    need(int(suite.get('skipped')) == sum(1 for c in cases if c.find('skipped') is not None), 'skipped= count')
    need(int(suite.get('errors')) == sum(1 for c in cases if c.find('error') is not None), 'errors= count')
    float(suite.get('time'))
    for c in cases:
        need(c.get('name') and c.get('classname'), 'testcase name and classname')
        float(c.get('time'))
        for k in c:
            need(k.tag in CASE_CHILDREN, f'testcase child {k.tag}')
            if k.tag in ('failure', 'rerunFailure', 'flakyFailure'):
                need(k.get('message') is not None and k.get('type'), f'{k.tag} message and type')
            if k.tag in ('rerunFailure', 'flakyFailure'):
                float(k.get('time'))
                need(all(g.tag in RERUN_CHILDREN for g in k), f'{k.tag} children')
        need(len(c.findall('failure')) <= 1, 'one failure per testcase')
        need(not (c.find('failure') is not None and c.find('flakyFailure') is not None), 'flaky or failed, not both')
        need(not (c.find('failure') is None and c.find('rerunFailure') is not None), 'rerunFailure only with failure')
need(int(root.get('tests')) == sum(int(s.get('tests')) for s in root), 'testsuites tests=')
need(int(root.get('failures')) == sum(int(s.get('failures')) for s in root), 'testsuites failures=')
if errors:
    sys.exit('error: ' + '; '.join(errors))
def dump(e, depth):
    # Attribute order means nothing in XML: name first, then by name.
    keys = sorted(e.attrib, key=lambda k: (k != 'name', k))
    attrs = ''.join(f' {k}={e.attrib[k]!r}' for k in keys if k != 'time')
    print('  ' * depth + e.tag + attrs)
    for line in (e.text or '').strip('\n').split('\n') if (e.text or '').strip() else []:
        print('  ' * depth + '| ' + line)
    for k in e:
        dump(k, depth + 1)
dump(root, 0)
"#;

fn check_junit(path: &std::path::Path) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", JUNIT_CHECK])
        .arg(path)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} is not valid JUnit:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    normalize(&stdout)
}

#[test]
fn junit_report_keeps_every_attempt_and_stays_valid_xml() {
    let path = scratch("junit").join("deep/dir/report.xml");
    let run = fixture().run(&[
        "xml::",
        "flaky::aborts_first",
        "--reruns",
        "2",
        "--junit",
        path.to_str().unwrap(),
        // One worker at a time: which attempt is a worker's first panic
        // (and so prints the RUST_BACKTRACE note) is then always the same.
        "--test-threads",
        "1",
    ]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    let raw = std::fs::read(&path).unwrap();
    for forbidden in [&b"\x1b"[..], b"\x00", b"\x07", b"]]>"] {
        assert!(
            !raw.windows(forbidden.len()).any(|w| w == forbidden),
            "{forbidden:?} in the report"
        );
    }
    let outline = check_junit(&path);
    snapshot("flaky_junit", &outline);

    // The flaky test: one flakyFailure with the first attempt's output, then
    // the passing attempt's output; no failure.
    // One testcase's outline, its own lines unindented to column 0.
    let case = |name: &str| {
        let head = format!("    testcase name='{name}'");
        let mut lines = outline.lines().skip_while(|l| !l.starts_with(&head));
        let first = lines.next().unwrap_or_else(|| panic!("{name}:\n{outline}"));
        let rest = lines.take_while(|l| !l.starts_with("    testcase"));
        std::iter::once(first)
            .chain(rest)
            .map(|l| format!("{}\n", &l[4..]))
            .collect::<String>()
    };
    let flaky = case("nasty_flaky");
    assert_eq!(flaky.matches("\n  flakyFailure ").count(), 1, "{flaky}");
    assert!(!flaky.contains("\n  failure "), "{flaky}");
    assert!(flaky.contains(
        "\n  flakyFailure message='first <tag a=\"1\"> & ]]> red nul:: bell:: é ✓' type='panic'\n"
    ), "{flaky}");
    assert!(
        flaky.contains("\n    | out 1: <tag a=\"1\"> & ]]> red nul:: bell:: é ✓\n"),
        "{flaky}"
    );
    assert!(flaky.contains("\n  | out 2: "), "{flaky}");
    // The failing test: its last attempt as <failure>, the two before as
    // rerunFailure, each with its own output.
    let failing = case("nasty_failing");
    assert_eq!(failing.matches("\n  failure ").count(), 1, "{failing}");
    assert_eq!(failing.matches("\n  rerunFailure ").count(), 2, "{failing}");
    for n in 1..=3 {
        assert!(failing.contains(&format!("| out {n}: <tag")), "{failing}");
        assert!(failing.contains(&format!("| fails {n} <tag")), "{failing}");
    }
    assert!(
        failing.contains("| invalid utf-8: \u{fffd}\u{fffd}\n"),
        "{failing}"
    );
    // A crash is a failure of type crash.
    let crash = case("aborts_first");
    assert!(crash.contains(
        "\n  flakyFailure message='process terminated by signal 6 (SIGABRT: aborted)' type='crash'\n"
    ), "{crash}");
    assert!(outline.starts_with("testsuites name='flaky' errors='0' failures='1' skipped='1' tests='5'\n  testsuite name='flaky' errors='0' failures='1' skipped='1' tests='5'\n"), "{outline}");
}

#[test]
fn unwritable_junit_report_fails_the_run() {
    // Paths no one can write, root included: a directory, and a file's
    // "subdirectory".
    let dir = scratch("junit-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let fx = fixture();
    for (path, why) in [
        (dir.clone(), "Is a directory"),
        (file.join("report.xml"), "File exists"),
    ] {
        let run = fx.run(&["flaky::steady", "--junit", path.to_str().unwrap()]);
        // The tests passed and say so; the run fails for the missing report.
        assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("\ntest result: ok. 1 passed;"),
            "{}",
            run.stdout
        );
        let line = format!(
            "error: cannot write the JUnit report to {}: ",
            path.display()
        );
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with(&line) && l.contains(why)),
            "{}",
            run.stderr
        );
    }
    // Failing tests keep their exit code.
    let run = fx.run(&["flaky::always_fails", "--junit", dir.to_str().unwrap()]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert!(run
        .stderr
        .contains("error: cannot write the JUnit report to "));
}

#[test]
fn junit_and_json_are_reporters_of_the_same_run() {
    // Two reporters at once: libtest's JSON on stdout, JUnit in a file, each
    // with every test of the one run.
    let path = scratch("junit-json").join("report.xml");
    let run = fixture().run(&[
        "xml::",
        "--reruns",
        "1",
        "-Z",
        "unstable-options",
        "--format",
        "json",
        "--junit",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let results: Vec<(String, String)> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["type"] == "test" && e["event"] != "started")
        .map(|e| {
            let name = e["name"].as_str().unwrap().trim_start_matches("xml::");
            (name.to_string(), e["event"].as_str().unwrap().to_string())
        })
        .collect();
    let mut results = results;
    results.sort();
    let outline = check_junit(&path);
    let cases: Vec<(String, String)> = outline
        .split("\n    testcase ")
        .skip(1)
        .map(|case| {
            let name = case.split('\'').nth(1).unwrap().to_string();
            let status = if case.contains("\n      failure ") {
                "failed"
            } else if case.contains("\n      skipped ") {
                "ignored"
            } else {
                "ok"
            };
            (name, status.to_string())
        })
        .collect();
    assert_eq!(results, cases, "{}\n{outline}", run.stdout);
    assert_eq!(results.len(), 4, "{results:?}");
}
