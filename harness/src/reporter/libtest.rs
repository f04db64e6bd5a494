//! libtest's own output, byte for byte where tools read it: `running N
//! tests`, `test NAME ... ok`, the failures section and `test result:`.

use std::collections::HashSet;
use std::io::Write;

use super::{Attempt, Event, Reporter, Status, TestRecord};
use crate::__private::ShouldPanic;
use crate::cli::Format;
use crate::list::TestCase;
use crate::styles::Styles;

/// libtest's `QUIET_MODE_MAX_COLUMN`: a terse line holds 87 results and its
/// progress count.
const TERSE_COLUMNS: usize = 88;

pub(crate) struct LibtestReporter {
    format: Format,
    styles: Styles,
    show_output: bool,
    /// Characters printed on the current terse line.
    terse_column: usize,
    /// Tests reported so far, and to report: terse's ` 87/2000` progress.
    terse_count: usize,
    terse_total: usize,
    /// `#[should_panic]` tests: libtest writes `test NAME - should panic ... ok`.
    should_panic: HashSet<&'static str>,
    /// The test whose `test NAME ... ` is on screen, waiting for its status
    /// (see [`Event::Begin`]).
    open_line: Option<&'static str>,
    /// `--report-time`: each test's duration after its status.
    report_time: bool,
}

impl LibtestReporter {
    /// `tests` are the binary's tests (for libtest's ` - should panic`).
    pub fn new(format: Format, styles: Styles, show_output: bool, tests: &[TestCase]) -> Self {
        LibtestReporter {
            format,
            styles,
            show_output,
            terse_column: 0,
            terse_count: 0,
            terse_total: 0,
            should_panic: tests
                .iter()
                .filter(|c| c.test.should_panic != ShouldPanic::No)
                .map(|c| c.name)
                .collect(),
            open_line: None,
            report_time: false,
        }
    }

    /// libtest's `--report-time`: ` <0.123s>` after each status.
    pub fn report_time(mut self, on: bool) -> Self {
        self.report_time = on;
        self
    }

    fn line(&mut self, record: &TestRecord) -> String {
        let s = &self.styles;
        let status = match &record.status {
            Status::Passed => Styles::paint(s.ok, "ok"),
            Status::Failed if record.attempts.len() > 1 => format!(
                "{} (failed all {} attempts)",
                Styles::paint(s.failed, "FAILED"),
                record.attempts.len()
            ),
            Status::Failed
                if record
                    .attempts
                    .last()
                    .and_then(|a| a.failure.as_ref())
                    .is_some_and(|f| f.time_limit) =>
            {
                format!(
                    "{} (time limit exceeded)",
                    Styles::paint(s.failed, "FAILED")
                )
            }
            Status::Failed => Styles::paint(s.failed, "FAILED"),
            Status::Flaky { passed_on, total } => format!(
                "{} ({})",
                Styles::paint(s.ok, "ok"),
                Styles::paint(
                    s.flaky,
                    format!("flaky: passed on attempt {passed_on} of {total}")
                )
            ),
            Status::Ignored { reason: "" } => Styles::paint(s.ignored, "ignored"),
            // libtest paints the reason too.
            Status::Ignored { reason } => Styles::paint(s.ignored, format!("ignored, {reason}")),
        };
        // libtest's `--report-time`: ` <0.123s>` after a test that ran.
        let status = match record.attempts.last() {
            Some(a) if self.report_time => format!("{status} <{:.3}s>", a.duration.as_secs_f64()),
            _ => status,
        };
        if self.open_line.take() == Some(record.name) {
            return format!("{status}\n");
        }
        format!("{}{status}\n", self.prefix(record.name))
    }

    /// `test NAME ... `, and libtest's ` - should panic` mark.
    fn prefix(&self, name: &str) -> String {
        // (Most suites have no such test: no name hashed per line then.)
        let mode = if !self.should_panic.is_empty() && self.should_panic.contains(name) {
            " - should panic"
        } else {
            ""
        };
        format!("test {name}{mode} ... ")
    }

    /// libtest's terse `.` or `i`: 87 to a line, each line ended by its
    /// progress (` 87/2000`). `counts` is false for our own `R` (a rerun),
    /// which is not a test's result.
    fn terse_char(&mut self, c: String, counts: bool) -> String {
        self.terse_count += counts as usize;
        self.terse_column += 1;
        if self.terse_column % TERSE_COLUMNS == TERSE_COLUMNS - 1 {
            self.terse_column = 0;
            format!("{c} {}/{}\n", self.terse_count, self.terse_total)
        } else {
            c
        }
    }

    /// libtest's terse failure: its own line, `NAME --- FAILED`, after the
    /// progress of the line it cuts short.
    fn terse_failed(&mut self, name: &str) -> String {
        let mut out = String::new();
        if self.terse_column != 0 {
            out = format!(" {}/{}\n", self.terse_count, self.terse_total);
            self.terse_column = 0;
        }
        self.terse_count += 1;
        out + &format!(
            "{name} --- {}\n",
            Styles::paint(self.styles.failed, "FAILED")
        )
    }
}

/// libtest's `write_results`: `KIND:`, the sections (after a blank line)
/// when any test had something to show, then `KIND:` again and the names.
/// The sections are written in place, into room reserved for them: a
/// suite's failing output (80 MB for 200 chatty tests) built in a string
/// of its own, then copied, cost more page faults and copies than the
/// tests' own writes.
fn results(
    out: &mut String,
    kind: &str,
    records: &[&TestRecord],
    sections: impl FnOnce(&mut String),
) {
    out.push_str(&format!("\n{kind}:\n"));
    let blank = out.len();
    out.push('\n');
    sections(out);
    if out.len() == blank + 1 {
        out.truncate(blank);
    }
    out.push_str(&format!("\n{kind}:\n"));
    for r in records {
        out.push_str(&format!("    {}\n", r.name));
    }
}

/// About what [`section`] writes for these attempts (their output, notes
/// and headers), to reserve at once.
fn shown_size<'a>(attempts: impl Iterator<Item = &'a Attempt>) -> usize {
    attempts
        .map(|a| a.output.len() + a.failure.as_ref().map_or(0, |f| f.note.len()) + 128)
        .sum()
}

/// `---- NAME stdout ----` and the output, as libtest prints a capture;
/// nothing at all when there is neither output nor a note (as libtest).
fn section(out: &mut String, name: &str, label: &str, attempt: &Attempt) {
    let note = attempt.failure.as_ref().map_or("", |f| f.note.as_str());
    if attempt.output.is_empty() && note.is_empty() {
        return;
    }
    out.push_str(&format!("---- {name} stdout{label} ----\n"));
    let text = String::from_utf8_lossy(&attempt.output);
    out.push_str(&text);
    if !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
    // libtest appends a failure's note to the output (`note: test did not
    // panic as expected`) and then one newline: no blank line after a note.
    if note.is_empty() {
        out.push('\n');
    } else {
        out.push_str(note);
        if !note.ends_with('\n') {
            out.push('\n');
        }
    }
}

/// ` (attempt 2 of 4)`: of the attempts allowed, as the `RERUN` and flaky
/// lines count them; a test that failed them all has made every one of them.
fn attempt_label(record: &TestRecord, attempt: &Attempt) -> String {
    let total = match record.status {
        Status::Flaky { total, .. } => total as usize,
        _ => record.attempts.len(),
    };
    if total > 1 {
        format!(" (attempt {} of {total})", attempt.number)
    } else {
        String::new()
    }
}

impl Reporter for LibtestReporter {
    fn report(&mut self, event: Event<'_>) {
        let mut out = String::new();
        match event {
            Event::Started {
                to_run,
                shuffle_seed,
                replayed,
            } => {
                let s = if to_run == 1 { "" } else { "s" };
                let seed =
                    shuffle_seed.map_or(String::new(), |seed| format!(" (shuffle seed: {seed})"));
                if !replayed {
                    out.push_str(&format!("\nrunning {to_run} test{s}{seed}\n"));
                }
                self.terse_total = to_run;
            }
            Event::Begin { replayed: true, .. } => {}
            Event::Begin { name, announce, .. } => {
                // (A test whose worker was gone before it started starts
                // again: its line is already open.)
                if announce && self.format == Format::Pretty && self.open_line != Some(name) {
                    out = self.prefix(name);
                    self.open_line = Some(name);
                }
            }
            Event::Rerun {
                name,
                attempt,
                total,
            } => {
                if self.format == Format::Pretty {
                    let prefix = if self.open_line.take() == Some(name) {
                        String::new()
                    } else {
                        format!("test {name} ... ")
                    };
                    let why = attempt
                        .failure
                        .as_ref()
                        .map(|f| f.message.as_str())
                        .unwrap_or("");
                    let why = why.lines().next().unwrap_or("");
                    out.push_str(&format!(
                        "{prefix}{} (attempt {} of {total} failed{}{why})\n",
                        Styles::paint(self.styles.flaky, "RERUN"),
                        attempt.number,
                        if why.is_empty() { "" } else { ": " },
                    ));
                } else {
                    out = self.terse_char(Styles::paint(self.styles.flaky, "R"), false);
                }
            }
            Event::Finished { record } => {
                out = match self.format {
                    Format::Pretty => self.line(record),
                    Format::Terse | Format::Json => match record.status {
                        Status::Passed | Status::Flaky { .. } => {
                            self.terse_char(Styles::paint(self.styles.ok, "."), true)
                        }
                        Status::Ignored { .. } => {
                            self.terse_char(Styles::paint(self.styles.ignored, "i"), true)
                        }
                        Status::Failed => self.terse_failed(record.name),
                    },
                };
            }
            Event::Done {
                records,
                summary,
                elapsed,
                ok,
            } => {
                // libtest leaves a short terse line as it is: `..` then
                // `\ntest result:` on the next line, without a blank one.
                if self.show_output {
                    let mut shown: Vec<&TestRecord> = records
                        .iter()
                        .filter(|r| matches!(r.status, Status::Passed | Status::Flaky { .. }))
                        .collect();
                    shown.sort_by_key(|r| r.name);
                    out.reserve(shown_size(shown.iter().filter_map(|r| r.attempts.last())));
                    // Printed even when no test passed, as libtest does.
                    results(&mut out, "successes", &shown, |out| {
                        for r in &shown {
                            let last = r.attempts.last().expect("a run test has an attempt");
                            section(out, r.name, "", last);
                        }
                    });
                }
                let mut flaky: Vec<&TestRecord> = records
                    .iter()
                    .filter(|r| matches!(r.status, Status::Flaky { .. }))
                    .collect();
                flaky.sort_by_key(|r| r.name);
                if !flaky.is_empty() {
                    // Failed attempts of tests that passed later: not
                    // failures, but the evidence of flakiness.
                    out.push_str("\nreruns:\n\n");
                    for r in &flaky {
                        for a in r.attempts.iter().filter(|a| a.failure.is_some()) {
                            section(&mut out, r.name, &attempt_label(r, a), a);
                        }
                    }
                }
                let mut failed: Vec<&TestRecord> = records
                    .iter()
                    .filter(|r| r.status == Status::Failed)
                    .collect();
                // Completion order depends on scheduling; name order does not.
                failed.sort_by_key(|r| r.name);
                // libtest lists tests that passed too slowly (--ensure-time)
                // in a section of their own, after the failures.
                let (timed, failed): (Vec<&TestRecord>, Vec<&TestRecord>) =
                    failed.into_iter().partition(|r| {
                        r.attempts
                            .last()
                            .and_then(|a| a.failure.as_ref())
                            .is_some_and(|f| f.time_limit)
                    });
                for (kind, group) in [
                    ("failures", &failed),
                    ("failures (time limit exceeded)", &timed),
                ] {
                    if group.is_empty() {
                        continue;
                    }
                    out.reserve(shown_size(group.iter().flat_map(|r| &r.attempts)));
                    results(&mut out, kind, group, |out| {
                        for r in group {
                            for a in &r.attempts {
                                section(out, r.name, &attempt_label(r, a), a);
                            }
                        }
                    });
                }
                if !ok
                    && summary.failed == 0
                    && !summary.quit
                    && !summary.interrupted
                    && !flaky.is_empty()
                {
                    // --fail-on-flaky: say why a run without failures failed.
                    out.push_str("\nflaky tests fail the run (--fail-on-flaky):\n");
                    for r in &flaky {
                        out.push_str(&format!("    {}\n", r.name));
                    }
                }
                if summary.quit {
                    out.push_str("\nquit at the prompt: the run was stopped early\n");
                }
                if summary.interrupted {
                    out.push_str("\ninterrupted (Ctrl-C): the run was stopped early\n");
                }
                let verdict = if ok {
                    Styles::paint(self.styles.ok, "ok")
                } else {
                    Styles::paint(self.styles.failed, "FAILED")
                };
                out.push_str(&format!(
                    "\ntest result: {verdict}. {} passed; {} failed; {} ignored; 0 measured; \
                     {} filtered out; finished in {:.2}s\n",
                    summary.passed,
                    summary.failed,
                    summary.ignored,
                    summary.filtered_out,
                    elapsed.as_secs_f64()
                ));
                if summary.flaky > 0 || summary.reruns > 0 {
                    // Its own line, so the one above stays libtest's. Flaky
                    // tests passed: they are among the passed above, so
                    // passed + failed + ignored is still the tests that ran.
                    out.push_str(&format!(
                        "{} flaky (counted in passed); {} rerun{}\n",
                        summary.flaky,
                        summary.reruns,
                        if summary.reruns == 1 { "" } else { "s" }
                    ));
                }
                out.push('\n');
                // libtest's terse run of one test that is ignored with a
                // reason says the reason, which no `i` can.
                if self.format == Format::Terse && self.terse_total == 1 {
                    if let [TestRecord {
                        name,
                        status: Status::Ignored { reason },
                        ..
                    }] = records
                    {
                        if !reason.is_empty() {
                            out.push_str(&format!("test: {name}, ignore_message: {reason}\n\n"));
                        }
                    }
                }
            }
        }
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.as_bytes());
        let _ = stdout.flush();
    }
}
