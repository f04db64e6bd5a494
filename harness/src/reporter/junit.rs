//! `--junit PATH`: JUnit XML as Maven Surefire and nextest write it, with
//! `<flakyFailure>` for failed attempts of a test that passed later and
//! `<rerunFailure>` for the reruns of a test that never passed.

use std::fmt::Write as _;
use std::path::Path;

use super::{Attempt, Failure, Status, Summary, TestRecord};

/// Text that XML 1.0 can hold: characters it forbids (most C0 controls,
/// lone surrogates cannot occur in a Rust string) are dropped, markup escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn output(x: &mut String, indent: &str, attempt: &Attempt) {
    let text = String::from_utf8_lossy(&attempt.output);
    // A test's stdout and stderr are captured together, interleaved as they
    // were written; they go to system-out whole (no separate system-err).
    let _ = writeln!(x, "{indent}<system-out>{}</system-out>", escape(&text));
}

/// The `type` attribute: how the attempt ended.
fn kind(f: &Failure) -> &'static str {
    let m = f.message.as_str();
    if m.starts_with("test timed out") {
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

/// The failure's message, then its note when it says more (a crash's note
/// only repeats the message).
fn details(f: &Failure) -> String {
    if f.note.is_empty() || f.note == format!("note: {}", f.message) {
        escape(&f.message)
    } else {
        format!("{}\n{}", escape(&f.message), escape(&f.note))
    }
}

fn failure_element(x: &mut String, tag: &str, attempt: &Attempt) {
    let f = attempt.failure.as_ref().expect("failed attempt");
    let first = f.message.lines().next().unwrap_or("");
    let _ = writeln!(
        x,
        "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
        escape(first),
        kind(f),
        details(f)
    );
}

/// A failed attempt before the last: Surefire's `flakyFailure` or
/// `rerunFailure`, with its own output.
fn nested(x: &mut String, tag: &str, attempt: &Attempt) {
    let f = attempt.failure.as_ref().expect("failed attempt");
    let _ = writeln!(
        x,
        "      <{tag} message=\"{}\" type=\"{}\" time=\"{:.3}\">",
        escape(f.message.lines().next().unwrap_or("")),
        kind(f),
        attempt.duration.as_secs_f64()
    );
    let _ = writeln!(x, "        <stackTrace>{}</stackTrace>", details(f));
    output(x, "        ", attempt);
    let _ = writeln!(x, "      </{tag}>");
}

/// Renders the report (kept apart from the write for the unit tests).
pub(crate) fn render(suite: &str, records: &[TestRecord], summary: &Summary, secs: f64) -> String {
    let mut x = String::new();
    let tests = records.len();
    let _ = writeln!(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        x,
        "<testsuites name=\"{0}\" tests=\"{tests}\" failures=\"{1}\" errors=\"0\" time=\"{secs:.3}\">",
        escape(suite),
        summary.failed
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{0}\" tests=\"{tests}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\" time=\"{secs:.3}\">",
        escape(suite),
        summary.failed,
        summary.ignored
    );
    // Name order, as `--list` prints them: the same report for the same
    // results, whatever order the workers finished in.
    let mut records: Vec<&TestRecord> = records.iter().collect();
    records.sort_by_key(|r| r.name);
    for r in records {
        let (classname, name) = match r.name.rsplit_once("::") {
            Some((module, name)) => (format!("{suite}::{module}"), name),
            None => (suite.to_string(), r.name),
        };
        let _ = writeln!(
            x,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
            escape(name),
            escape(&classname),
            r.duration().as_secs_f64()
        );
        match &r.status {
            Status::Ignored { reason } => {
                let _ = writeln!(x, "      <skipped message=\"{}\"/>", escape(reason));
            }
            Status::Passed => {
                if let Some(a) = r.attempts.last() {
                    output(&mut x, "      ", a);
                }
            }
            Status::Flaky { .. } => {
                for a in r.attempts.iter().filter(|a| a.failure.is_some()) {
                    nested(&mut x, "flakyFailure", a);
                }
                if let Some(a) = r.attempts.last() {
                    output(&mut x, "      ", a);
                }
            }
            Status::Failed => {
                let (last, earlier) = r.attempts.split_last().expect("a failed test has attempts");
                failure_element(&mut x, "failure", last);
                for a in earlier {
                    nested(&mut x, "rerunFailure", a);
                }
                output(&mut x, "      ", last);
            }
        }
        let _ = writeln!(x, "    </testcase>");
    }
    let _ = writeln!(x, "  </testsuite>");
    let _ = writeln!(x, "</testsuites>");
    x
}

pub(crate) fn write_junit(
    path: &Path,
    suite: &str,
    records: &[TestRecord],
    summary: &Summary,
    secs: f64,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(suite, records, summary, secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn escapes_what_xml_forbids() {
        assert_eq!(
            escape("a<b>&\"'\u{1b}[31m\u{0}"),
            "a&lt;b&gt;&amp;&quot;&apos;[31m"
        );
    }

    #[test]
    fn flaky_attempts_nest() {
        let fail = |n| Attempt {
            number: n,
            duration: Duration::from_millis(1),
            output: b"out \x01".to_vec(),
            failure: Some(Failure {
                message: "boom".into(),
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
        let x = render("suite", &[r], &Summary::default(), 0.1);
        assert!(
            x.contains("<testcase name=\"t\" classname=\"suite::m\""),
            "{x}"
        );
        assert!(x.contains("<flakyFailure message=\"boom\""), "{x}");
        assert!(!x.contains('\u{1}'));
    }
}
