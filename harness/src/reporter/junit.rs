//! `--junit PATH`: a reporter that writes JUnit XML as Maven Surefire and
//! nextest write it, through `quick-junit` (the library nextest uses): a
//! flaky test passes with a `<flakyFailure>` for each failed attempt before
//! it, a test that failed every attempt has its last as `<failure>` and the
//! ones before as `<rerunFailure>`, each with its own output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use super::{Attempt, Event, Failure, ReportError, Reporter, Status, TestRecord};

/// Text for XML: quick-junit drops ANSI escapes and the control characters
/// XML 1.0 forbids; the two non-characters it forbids as well go here.
fn text(s: &str) -> String {
    s.replace(['\u{FFFE}', '\u{FFFF}'], "")
}

fn output(attempt: &Attempt) -> String {
    // A test's stdout and stderr are captured together, interleaved as they
    // were written; they go to system-out whole (no separate system-err).
    let out = text(&String::from_utf8_lossy(&attempt.output));
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
    text(f.message.lines().next().unwrap_or(""))
}

/// The failure's message, then its note when it says more (a crash's note
/// only repeats the message).
fn details(f: &Failure) -> String {
    if f.note.is_empty() || f.note == format!("note: {}", f.message) {
        text(&f.message)
    } else {
        text(&format!("{}\n{}", f.message, f.note))
    }
}

/// A failed attempt before the last, with its own time and output.
fn rerun(attempt: &Attempt) -> TestRerun {
    let f = attempt.failure.as_ref().expect("failed attempt");
    let mut r = TestRerun::new(NonSuccessKind::Failure);
    r.set_time(attempt.duration)
        .set_message(first_line(f))
        .set_type(kind(f))
        .set_stack_trace(details(f))
        .set_system_out(output(attempt));
    r
}

fn test_case(suite: &str, r: &TestRecord) -> TestCase {
    let (classname, name) = match r.name.rsplit_once("::") {
        Some((module, name)) => (format!("{suite}::{module}"), name),
        None => (suite.to_string(), r.name),
    };
    let failed_attempts = || r.attempts.iter().filter(|a| a.failure.is_some()).map(rerun);
    let status = match &r.status {
        Status::Ignored { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(text(reason));
            s
        }
        Status::Passed => TestCaseStatus::success(),
        Status::Flaky { .. } => TestCaseStatus::Success {
            flaky_runs: failed_attempts().collect(),
        },
        Status::Failed => {
            let (last, earlier) = r.attempts.split_last().expect("a failed test has attempts");
            let f = last
                .failure
                .as_ref()
                .expect("a failed test's last attempt failed");
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(first_line(f))
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
        case.set_system_out(output(last));
    }
    case
}

/// Builds the report (kept apart from the write for the unit tests).
pub(crate) fn render(suite: &str, records: &[TestRecord], elapsed: Duration) -> String {
    // Name order, as `--list` prints them: the same report for the same
    // results, whatever order the workers finished in.
    let mut records: Vec<&TestRecord> = records.iter().collect();
    records.sort_by_key(|r| r.name);
    let mut test_suite = TestSuite::new(suite);
    test_suite.set_time(elapsed);
    test_suite.add_test_cases(records.into_iter().map(|r| test_case(suite, r)));
    let mut report = Report::new(suite);
    report.set_time(elapsed).add_test_suite(test_suite);
    report
        .to_string()
        .expect("a report in memory always serializes")
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
