//! `--junit PATH`: a reporter that writes JUnit XML as Maven Surefire and
//! nextest write it (the same elements, attributes and indentation as
//! nextest's `quick-junit`, written by hand in [`super::xml`]): a flaky test
//! passes with a `<flakyFailure>` for each failed attempt before it, a test
//! that failed every attempt has its last as `<failure>` and the ones
//! before as `<rerunFailure>`, each with its own output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::xml::{clean, Xml};
use super::{Attempt, Event, Failure, ReportError, Reporter, Status, TestRecord};

fn output(attempt: &Attempt) -> String {
    // A test's stdout and stderr are captured together, interleaved as they
    // were written; they go to system-out whole (no separate system-err).
    let out = clean(&String::from_utf8_lossy(&attempt.output));
    // A post-mortem dump the attempt wrote (`--dump`): CI servers (Jenkins,
    // GitLab, Azure) attach the file a `[[ATTACHMENT|path]]` line names.
    let mut attachments = String::new();
    for line in out.lines() {
        if let Some(path) = crate::dump::dump_named_in(line) {
            attachments.push_str(&format!("[[ATTACHMENT|{path}]]\n"));
        }
    }
    if attachments.is_empty() {
        return out;
    }
    let sep = if out.is_empty() || out.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{out}{sep}{attachments}")
}

/// The `type` attribute: how the attempt ended.
fn kind(f: &Failure) -> &'static str {
    let m = f.message.as_str();
    if f.time_limit || m.starts_with("test timed out") {
        "timeout"
    } else if m.starts_with("process terminated by signal")
        || m.starts_with("process exited with status")
        || m.starts_with("the worker process was lost")
    {
        "crash"
    } else if m.starts_with("Error: ") {
        "error"
    } else {
        "panic"
    }
}

/// The failure's first line, for the `message` attribute.
fn first_line(f: &Failure) -> String {
    clean(f.message.lines().next().unwrap_or(""))
}

/// The failure's message, then its note when it says more (a crash's note
/// only repeats the message).
fn details(f: &Failure) -> String {
    if f.note.is_empty() || f.note == format!("note: {}", f.message) {
        clean(&f.message)
    } else {
        clean(&format!("{}\n{}", f.message, f.note))
    }
}

/// Seconds with three decimals.
fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// A failed attempt before the last (`flakyFailure`, `rerunFailure`), with
/// its own time and output.
fn rerun(x: &mut Xml, tag: &str, attempt: &Attempt) {
    let f = attempt.failure.as_ref().expect("failed attempt");
    let time = seconds(attempt.duration);
    x.open(
        tag,
        &[
            ("time", &time),
            ("message", &first_line(f)),
            ("type", kind(f)),
        ],
    );
    x.element("stackTrace", &[], &details(f));
    x.element("system-out", &[], &output(attempt));
    x.close(tag);
}

fn test_case(x: &mut Xml, suite: &str, r: &TestRecord) {
    let (classname, name) = match r.name.rsplit_once("::") {
        Some((module, name)) => (format!("{suite}::{module}"), name),
        None => (suite.to_string(), r.name),
    };
    let (name, classname, time) = (clean(name), clean(&classname), seconds(r.duration()));
    let attrs = [
        ("name", &*name),
        ("classname", &*classname),
        ("time", &*time),
    ];
    let failed_attempts = || r.attempts.iter().filter(|a| a.failure.is_some());
    let has_status = match &r.status {
        Status::Passed => false,
        Status::Flaky { .. } => failed_attempts().next().is_some(),
        Status::Ignored { .. } | Status::Failed => true,
    };
    let output = r.attempts.last().map(output);
    if !has_status && output.is_none() {
        x.empty("testcase", &attrs);
        return;
    }
    x.open("testcase", &attrs);
    match &r.status {
        Status::Ignored { reason } => x.empty("skipped", &[("message", &clean(reason))]),
        Status::Passed => {}
        Status::Flaky { .. } => {
            for attempt in failed_attempts() {
                rerun(x, "flakyFailure", attempt);
            }
        }
        Status::Failed => {
            let (last, earlier) = r.attempts.split_last().expect("a failed test has attempts");
            let f = last
                .failure
                .as_ref()
                .expect("a failed test's last attempt failed");
            x.element(
                "failure",
                &[("message", &first_line(f)), ("type", kind(f))],
                &details(f),
            );
            for attempt in earlier {
                rerun(x, "rerunFailure", attempt);
            }
        }
    }
    if let Some(output) = output {
        x.element("system-out", &[], &output);
    }
    x.close("testcase");
}

/// Builds the report (kept apart from the write for the unit tests).
pub(crate) fn render(suite: &str, records: &[TestRecord], elapsed: Duration) -> String {
    // Name order, as `--list` prints them: the same report for the same
    // results, whatever order the workers finished in.
    let mut records: Vec<&TestRecord> = records.iter().collect();
    records.sort_by_key(|r| r.name);
    let count = |f: fn(&Status) -> bool| records.iter().filter(|r| f(&r.status)).count();
    let tests = records.len().to_string();
    let failures = count(|s| matches!(s, Status::Failed)).to_string();
    let skipped = count(|s| matches!(s, Status::Ignored { .. })).to_string();
    let (name, time) = (clean(suite), seconds(elapsed));
    let mut x = Xml::new();
    x.open(
        "testsuites",
        &[
            ("name", &name),
            ("tests", &tests),
            ("skipped", &skipped),
            ("failures", &failures),
            ("errors", "0"),
            ("time", &time),
        ],
    );
    let suite_attrs = [
        ("name", &*name),
        ("tests", &tests),
        ("skipped", &skipped),
        ("errors", "0"),
        ("failures", &failures),
        ("time", &time),
    ];
    if records.is_empty() {
        x.empty("testsuite", &suite_attrs);
    } else {
        x.open("testsuite", &suite_attrs);
        for r in records {
            test_case(&mut x, suite, r);
        }
        x.close("testsuite");
    }
    x.close("testsuites");
    x.finish()
}

/// Writes the JUnit report when the run is done; a report that cannot be
/// written is the run's error (see [`Reporter::finish`]).
pub(crate) struct JunitReporter {
    path: PathBuf,
    suite: String,
    error: Option<std::io::Error>,
}

impl JunitReporter {
    /// A report at `path` for the suite named `suite` (the test binary).
    pub fn new(path: PathBuf, suite: String) -> Self {
        JunitReporter {
            path,
            suite,
            error: None,
        }
    }
}

fn write(path: &Path, xml: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, xml)
}

impl Reporter for JunitReporter {
    fn report(&mut self, event: Event<'_>) {
        if let Event::Done {
            records, elapsed, ..
        } = event
        {
            let xml = render(&self.suite, records, elapsed);
            self.error = write(&self.path, &xml).err();
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        match self.error.take() {
            None => Ok(()),
            Some(source) => Err(ReportError::Junit {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report as nextest's `quick-junit` writes it: what autopsy wrote
    /// through it before the XML was written by hand.
    fn reference(suite: &str, records: &[TestRecord], elapsed: Duration) -> String {
        use quick_junit::{
            FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
        };
        let text = |s: &str| s.replace(['\u{FFFE}', '\u{FFFF}'], "");
        let out = |a: &Attempt| {
            let raw = String::from_utf8_lossy(&a.output).replace(['\u{FFFE}', '\u{FFFF}'], "");
            let mut attachments = String::new();
            for line in raw.lines() {
                if let Some(path) = crate::dump::dump_named_in(line) {
                    attachments.push_str(&format!("[[ATTACHMENT|{path}]]\n"));
                }
            }
            let sep = if attachments.is_empty() || raw.is_empty() || raw.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            format!("{raw}{sep}{attachments}")
        };
        let details = |f: &Failure| {
            if f.note.is_empty() || f.note == format!("note: {}", f.message) {
                text(&f.message)
            } else {
                text(&format!("{}\n{}", f.message, f.note))
            }
        };
        let first = |f: &Failure| text(f.message.lines().next().unwrap_or(""));
        let rerun = |a: &Attempt| {
            let f = a.failure.as_ref().unwrap();
            let mut r = TestRerun::new(NonSuccessKind::Failure);
            r.set_time(a.duration)
                .set_message(first(f))
                .set_type(kind(f))
                .set_stack_trace(details(f))
                .set_system_out(out(a));
            r
        };
        let mut records: Vec<&TestRecord> = records.iter().collect();
        records.sort_by_key(|r| r.name);
        let mut test_suite = TestSuite::new(suite);
        test_suite.set_time(elapsed);
        test_suite.add_test_cases(records.into_iter().map(|r| {
            let (classname, name) = match r.name.rsplit_once("::") {
                Some((module, name)) => (format!("{suite}::{module}"), name),
                None => (suite.to_string(), r.name),
            };
            let failed = || r.attempts.iter().filter(|a| a.failure.is_some()).map(rerun);
            let status = match &r.status {
                Status::Ignored { reason } => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(text(reason));
                    s
                }
                Status::Passed => TestCaseStatus::success(),
                Status::Flaky { .. } => TestCaseStatus::Success {
                    flaky_runs: failed().collect(),
                },
                Status::Failed => {
                    let (last, earlier) = r.attempts.split_last().unwrap();
                    let f = last.failure.as_ref().unwrap();
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(first(f))
                        .set_type(kind(f))
                        .set_description(details(f))
                        .add_reruns(earlier.iter().map(rerun))
                        .set_rerun_kind(FlakyOrRerun::Rerun);
                    s
                }
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(classname).set_time(r.duration());
            if let Some(last) = r.attempts.last() {
                case.set_system_out(out(last));
            }
            case
        }));
        let mut report = Report::new(suite);
        report.set_time(elapsed).add_test_suite(test_suite);
        report.to_string().unwrap()
    }

    fn attempt(number: u32, ms: u64, output: &str, failure: Option<(&str, &str)>) -> Attempt {
        Attempt {
            number,
            duration: Duration::from_millis(ms),
            output: output.as_bytes().to_vec(),
            failure: failure.map(|(message, note)| Failure {
                message: message.into(),
                note: note.into(),
                time_limit: false,
            }),
        }
    }

    #[test]
    fn writes_what_quick_junit_writes() {
        let colours =
            "\x1b[1;31mred\x1b[0m plain \x1b]8;;http://x\x07link\x1b]8;;\x1b\\ \x1b(B\x1b[2K\n";
        let odd = "a\x1b[1\nmb \x1bPq#0;2\x1b\\c \x1b[3\x18md \x1b_apc\x07e\x1b\\ \x1b[?25l\x1b[38;5;208mf\x1b";
        let controls = "tab\there\r\ncr \u{1}\u{7f} \u{FFFF}\u{FFFE} quotes ' \" <&> é \u{85}\n";
        let records = vec![
            TestRecord {
                name: "a::passes",
                status: Status::Passed,
                attempts: vec![attempt(1, 2, "", None)],
            },
            TestRecord {
                name: "a::prints",
                status: Status::Passed,
                attempts: vec![attempt(1, 3, colours, None)],
            },
            TestRecord {
                name: "b::c::ignored",
                status: Status::Ignored { reason: "" },
                attempts: vec![],
            },
            TestRecord {
                name: "ignored_why",
                status: Status::Ignored {
                    reason: "needs <the> \"network\"",
                },
                attempts: vec![],
            },
            TestRecord {
                name: "m::flaky",
                status: Status::Flaky {
                    passed_on: 3,
                    total: 3,
                },
                attempts: vec![
                    attempt(1, 4, controls, Some(("boom <&>\nsecond line", ""))),
                    attempt(
                        2,
                        5,
                        "out 2",
                        Some((
                            "process terminated by signal 11 (SIGSEGV)",
                            "note: process terminated by signal 11 (SIGSEGV)",
                        )),
                    ),
                    attempt(3, 6, "fine\n", None),
                ],
            },
            TestRecord {
                name: "m::fails",
                status: Status::Failed,
                attempts: vec![
                    attempt(1, 7, "one", Some(("test timed out after 1s", "note: more"))),
                    attempt(2, 8, colours, Some(("Error: \"bad\"", ""))),
                ],
            },
            TestRecord {
                name: "odd::sequences",
                status: Status::Failed,
                attempts: vec![attempt(1, 9, odd, Some((odd, odd)))],
            },
            TestRecord {
                name: "r#type",
                status: Status::Failed,
                attempts: vec![attempt(
                    1,
                    1234,
                    controls,
                    Some(("assertion failed", "note: x.rs:1:2")),
                )],
            },
        ];
        let elapsed = Duration::from_millis(1500);
        assert_eq!(
            render("suite", &records, elapsed),
            reference("suite", &records, elapsed)
        );
        assert_eq!(
            render("empty", &[], elapsed),
            reference("empty", &[], elapsed)
        );
    }

    #[test]
    fn flaky_attempts_nest_and_text_stays_xml() {
        let fail = |n| Attempt {
            number: n,
            duration: Duration::from_millis(1),
            output: "out \u{1} \x1b[31mred\x1b[0m \u{FFFF}".into(),
            failure: Some(Failure {
                message: "boom <&>".into(),
                note: String::new(),
                time_limit: false,
            }),
        };
        let pass = Attempt {
            failure: None,
            ..fail(2)
        };
        let r = TestRecord {
            name: "m::t",
            status: Status::Flaky {
                passed_on: 2,
                total: 3,
            },
            attempts: vec![fail(1), pass],
        };
        let x = render("suite", &[r], Duration::from_millis(100));
        assert!(
            x.contains("<testcase name=\"t\" classname=\"suite::m\""),
            "{x}"
        );
        assert!(
            x.contains("<flakyFailure time=\"0.001\" message=\"boom &lt;&amp;&gt;\""),
            "{x}"
        );
        assert!(x.contains("out  red "), "{x}");
        assert!(!x.contains('\u{1}') && !x.contains('\u{1b}') && !x.contains('\u{FFFF}'));
    }

    #[test]
    fn unwritable_report_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = JunitReporter::new(dir.path().to_path_buf(), "s".into());
        r.report(Event::Done {
            records: &[],
            summary: &Default::default(),
            elapsed: Duration::ZERO,
            ok: true,
        });
        let e = r.finish().unwrap_err().to_string();
        assert!(e.starts_with("cannot write the JUnit report to "), "{e}");
    }
}
