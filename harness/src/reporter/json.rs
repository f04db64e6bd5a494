//! libtest's JSON lines (`-Z unstable-options --format json`), as IDE test
//! explorers (rust-analyzer's, RustRover's) read them: one object per line,
//! laid out as libtest lays them out, with the same fields.
//!
//! What libtest cannot say (reruns, flaky tests) goes in one extra field,
//! `"autopsy"`, on the events libtest already has, as nextest puts its own
//! under `"nextest"`: parsers that know libtest's fields ignore the others,
//! whereas a new event kind would break rust-analyzer's (it reads `event` as
//! one of `started`, `ok`, `failed`, `ignored`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;

use super::{Attempt, Event, LibtestResult, Reporter, Status, TestRecord};
use crate::list::TestCase;

/// A string as libtest's `EscapedString` writes it: `"`, `\` and control
/// characters escaped, everything else as is.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `--list --format json`: libtest's discovery events for `listed`;
/// `runs_ignored`: `--ignored` or `--include-ignored`, under which no test
/// is listed as ignored.
///
/// libtest writes `ignore_message` unescaped (a reason with a `"` makes the
/// line invalid JSON); here it is escaped like every other string.
pub(crate) fn discovery(listed: &[&TestCase], runs_ignored: bool) -> String {
    let ignored = |c: &TestCase| c.is_ignored() && !runs_ignored;
    let mut out = String::from("{ \"type\": \"suite\", \"event\": \"discovery\" }\n");
    for case in listed {
        let t = case.test;
        let _ = writeln!(
            out,
            "{{ \"type\": \"test\", \"event\": \"discovered\", \"name\": \"{}\", \"ignore\": {}, \
             \"ignore_message\": \"{}\", \"source_path\": \"{}\", \"start_line\": {}, \
             \"start_col\": {}, \"end_line\": {}, \"end_col\": {} }}",
            escape(case.name),
            ignored(case),
            escape(t.ignore.unwrap_or("")),
            escape(t.file),
            t.line,
            t.column,
            t.line,
            t.end_column,
        );
    }
    let ignored = listed.iter().filter(|c| ignored(c)).count();
    let _ = writeln!(
        out,
        "{{ \"type\": \"suite\", \"event\": \"completed\", \"tests\": {0}, \"benchmarks\": 0, \
         \"total\": {0}, \"ignored\": {ignored} }}",
        listed.len()
    );
    out
}

/// Renders a run as libtest's JSON lines.
pub(crate) struct JsonReporter {
    /// `--show-output`: passing tests' output too.
    show_output: bool,
    /// `--report-time` / `--ensure-time`: each test's `exec_time`.
    report_time: bool,
    /// Tests whose `started` line is out: one per test, reruns included.
    started: HashSet<&'static str>,
}

impl JsonReporter {
    pub fn new(show_output: bool, report_time: bool) -> Self {
        JsonReporter {
            show_output,
            report_time,
            started: HashSet::new(),
        }
    }

    fn started_line(&mut self, name: &'static str) -> String {
        if !self.started.insert(name) {
            return String::new();
        }
        format!(
            "{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"{}\" }}\n",
            escape(name)
        )
    }

    /// The result line, as libtest's `write_event`: type, name, event, then
    /// `exec_time`, `stdout`, and `message` or `reason`.
    fn result_line(&self, record: &TestRecord) -> String {
        let last = record.attempts.last();
        let event = match record.status {
            Status::Passed | Status::Flaky { .. } => "ok",
            Status::Failed => "failed",
            Status::Ignored { .. } => "ignored",
        };
        let mut line = format!(
            "{{ \"type\": \"test\", \"name\": \"{}\", \"event\": \"{event}\"",
            escape(record.name)
        );
        if let (true, Some(a)) = (self.report_time, last) {
            let _ = write!(line, ", \"exec_time\": {}", a.duration.as_secs_f64());
        }
        let shows_output = record.status == Status::Failed || self.show_output;
        if let (true, Some(a)) = (shows_output, last) {
            if !a.output.is_empty() {
                let _ = write!(line, ", \"stdout\": \"{}\"", output(a));
            }
        }
        match record.libtest_result() {
            LibtestResult::Ignored(message) | LibtestResult::FailedMsg(message)
                if !message.is_empty() =>
            {
                let _ = write!(line, ", \"message\": \"{}\"", escape(message));
            }
            LibtestResult::TimedFail => line.push_str(", \"reason\": \"time limit exceeded\""),
            _ => {}
        }
        if record.attempts.len() > 1 {
            line.push_str(&reruns(record));
        }
        line.push_str(" }\n");
        line
    }
}

fn output(a: &Attempt) -> String {
    escape(&String::from_utf8_lossy(&a.output))
}

/// `, "autopsy": { ... }` on the result of a test that was rerun: how many
/// attempts it took, whether it was flaky, and each failed attempt before
/// the last (its message, output and time).
fn reruns(record: &TestRecord) -> String {
    let (_, earlier) = record
        .attempts
        .split_last()
        .expect("a rerun test has attempts");
    let mut out = format!(
        ", \"autopsy\": {{ \"attempts\": {}, \"flaky\": {}, \"reruns\": [",
        record.attempts.len(),
        matches!(record.status, Status::Flaky { .. })
    );
    for (i, a) in earlier.iter().enumerate() {
        let message = a.failure.as_ref().map_or("", |f| f.message.as_str());
        let _ = write!(
            out,
            "{}{{ \"attempt\": {}, \"exec_time\": {}, \"message\": \"{}\", \"stdout\": \"{}\" }}",
            if i == 0 { " " } else { ", " },
            a.number,
            a.duration.as_secs_f64(),
            escape(message),
            output(a)
        );
    }
    out.push_str(" ] }");
    out
}

impl Reporter for JsonReporter {
    fn report(&mut self, event: Event<'_>) {
        let out = match event {
            Event::Started { replayed: true, .. } => String::new(),
            Event::Started {
                to_run,
                shuffle_seed,
                ..
            } => {
                let seed =
                    shuffle_seed.map_or(String::new(), |s| format!(", \"shuffle_seed\": {s}"));
                format!(
                    "{{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": {to_run}{seed} }}\n"
                )
            }
            Event::Begin {
                name,
                replayed: true,
                ..
            } => {
                self.started.insert(name);
                String::new()
            }
            Event::Begin { name, .. } => self.started_line(name),
            // Said once the test is over, on its result line.
            Event::Rerun { .. } => String::new(),
            Event::Finished { record } => {
                // An ignored test has its `started` line too, as in libtest.
                self.started_line(record.name) + &self.result_line(record)
            }
            Event::Done {
                summary,
                elapsed,
                ok,
                ..
            } => {
                let mut line = format!(
                    "{{ \"type\": \"suite\", \"event\": \"{}\", \"passed\": {}, \"failed\": {}, \
                     \"ignored\": {}, \"measured\": 0, \"filtered_out\": {}, \"exec_time\": {}",
                    if ok { "ok" } else { "failed" },
                    summary.passed,
                    summary.failed,
                    summary.ignored,
                    summary.filtered_out,
                    elapsed.as_secs_f64()
                );
                if summary.flaky > 0 || summary.reruns > 0 || summary.quit {
                    let _ = write!(
                        line,
                        ", \"autopsy\": {{ \"flaky\": {}, \"reruns\": {}, \"quit\": {} }}",
                        summary.flaky, summary.reruns, summary.quit
                    );
                }
                line.push_str(" }\n");
                line
            }
        };
        if out.is_empty() {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.as_bytes());
        let _ = stdout.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reporter::Failure;
    use std::time::Duration;

    #[test]
    fn escapes_as_libtest_does() {
        assert_eq!(
            escape("a\"b\\c\n\t\r\u{1}\u{7f}\u{8}\u{c}é✓"),
            "a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f\\b\\fé✓"
        );
    }

    fn attempt(n: u32, failure: Option<&str>) -> Attempt {
        Attempt {
            number: n,
            duration: Duration::from_millis(5),
            output: format!("out {n}\n").into_bytes(),
            failure: failure.map(|m| Failure {
                message: m.into(),
                note: String::new(),
                time_limit: false,
            }),
        }
    }

    #[test]
    fn flaky_result_keeps_libtests_fields_and_adds_one() {
        let r = TestRecord {
            name: "m::t",
            status: Status::Flaky {
                passed_on: 2,
                total: 3,
            },
            attempts: vec![attempt(1, Some("boom \"x\"")), attempt(2, None)],
        };
        let line = JsonReporter::new(false, false).result_line(&r);
        assert_eq!(
            line,
            "{ \"type\": \"test\", \"name\": \"m::t\", \"event\": \"ok\", \"autopsy\": { \
             \"attempts\": 2, \"flaky\": true, \"reruns\": [ { \"attempt\": 1, \"exec_time\": \
             0.005, \"message\": \"boom \\\"x\\\"\", \"stdout\": \"out 1\\n\" } ] } }\n"
        );
    }

    #[test]
    fn failure_note_is_libtests_message() {
        let mut a = attempt(1, Some("test did not panic as expected"));
        a.output.clear();
        a.failure.as_mut().unwrap().note =
            "note: test did not panic as expected at t.rs:1:4".into();
        let r = TestRecord {
            name: "t",
            status: Status::Failed,
            attempts: vec![a],
        };
        assert_eq!(
            JsonReporter::new(false, false).result_line(&r),
            "{ \"type\": \"test\", \"name\": \"t\", \"event\": \"failed\", \"message\": \
             \"test did not panic as expected at t.rs:1:4\" }\n"
        );
    }
}
