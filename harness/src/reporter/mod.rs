//! Rendering the run. The runner decides what happened and hands each event
//! to a [`Reporter`]: one for the screen (libtest's text, which cargo and CI
//! read, or libtest's JSON, which IDEs read) and one per report file (JUnit,
//! libtest's `--logfile`), all fed the same events through a [`FanOut`], as
//! nextest feeds its own.

pub(crate) mod json;
mod junit;
mod libtest;
pub(crate) mod logfile;
mod xml;

use std::time::Duration;

pub(crate) use json::JsonReporter;
pub(crate) use junit::JunitReporter;
pub(crate) use libtest::LibtestReporter;
pub(crate) use logfile::LogfileReporter;

/// One attempt at a test, as kept for the reports.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub number: u32,
    pub duration: Duration,
    pub output: Vec<u8>,
    /// `None` when this attempt passed.
    pub failure: Option<Failure>,
}

/// Why an attempt failed.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// Short reason, matched by `--only-rerun` and written to JUnit.
    pub message: String,
    /// Printed after the output (e.g. the signal that killed the test).
    pub note: String,
    /// The test passed but ran past its critical time (`--ensure-time`):
    /// libtest's `TrTimedFail`.
    pub time_limit: bool,
}

/// The final word on one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    Passed,
    Failed,
    /// Passed on a rerun: attempt `passed_on` of `total`.
    Flaky {
        passed_on: u32,
        total: u32,
    },
    Ignored {
        reason: &'static str,
    },
}

/// A test's record: its status and every attempt, in order.
#[derive(Debug, Clone)]
pub(crate) struct TestRecord {
    pub name: &'static str,
    pub status: Status,
    pub attempts: Vec<Attempt>,
}

impl TestRecord {
    pub fn duration(&self) -> Duration {
        self.attempts.iter().map(|a| a.duration).sum()
    }

    /// The record as libtest's `TestResult`, which its JSON events and its
    /// log file spell out.
    pub fn libtest_result(&self) -> LibtestResult<'_> {
        let failure = self.attempts.last().and_then(|a| a.failure.as_ref());
        match (&self.status, failure) {
            (Status::Passed | Status::Flaky { .. }, _) => LibtestResult::Ok,
            (Status::Ignored { reason }, _) => LibtestResult::Ignored(reason),
            (Status::Failed, Some(f)) if f.time_limit => LibtestResult::TimedFail,
            // should_panic's verdicts (and a crash's): the note the text
            // format prints after the output, without `note: `.
            (Status::Failed, Some(f)) if !f.note.is_empty() => {
                LibtestResult::FailedMsg(f.note.strip_prefix("note: ").unwrap_or(&f.note))
            }
            (Status::Failed, _) => LibtestResult::Failed,
        }
    }
}

/// libtest's `TestResult` of a test (without benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LibtestResult<'a> {
    Ok,
    Failed,
    /// A failure with its own message (`TrFailedMsg`).
    FailedMsg(&'a str),
    /// Passed, but past its critical time (`--ensure-time`).
    TimedFail,
    /// With its reason, empty when none was given.
    Ignored(&'a str),
}

/// Counts for the closing line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Tests that passed, flaky ones included.
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
    pub filtered_out: usize,
    /// Tests that passed on a rerun (also counted in `passed`).
    pub flaky: usize,
    /// Failed attempts that were rerun.
    pub reruns: usize,
    /// `q(uit)` at the prompt stopped the run early.
    pub quit: bool,
    /// Ctrl-C stopped the run early.
    pub interrupted: bool,
}

impl Summary {
    pub fn add(&mut self, record: &TestRecord) {
        match record.status {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            // A flaky test passed in the end: counted in `passed` (as
            // pytest-rerunfailures and nextest count it) and again apart.
            Status::Flaky { .. } => {
                self.passed += 1;
                self.flaky += 1;
            }
            Status::Ignored { .. } => self.ignored += 1,
        }
        self.reruns += record.attempts.len().saturating_sub(1);
    }
}

/// What a run tells its reporters, in order.
#[derive(Clone, Copy)]
pub(crate) enum Event<'a> {
    Started {
        to_run: usize,
        /// Printed as libtest does: `running N tests (shuffle seed: S)`.
        shuffle_seed: Option<u64>,
        /// Already reported, by the image this one replaced (see
        /// `runner::resume`): reporters keep its state, print nothing.
        replayed: bool,
    },
    /// A test starts (each attempt: a rerun starts again).
    Begin {
        name: &'static str,
        /// Its output goes straight to the screen (one test at a time under
        /// `--nocapture`): libtest prints `test NAME ... ` now and the status
        /// when it ends, so the output sits between them.
        announce: bool,
        /// As [`Event::Started`]'s.
        replayed: bool,
    },
    /// A failed attempt that will be rerun.
    Rerun {
        name: &'static str,
        attempt: &'a Attempt,
        total: u32,
    },
    Finished {
        record: &'a TestRecord,
    },
    Done {
        records: &'a [TestRecord],
        summary: &'a Summary,
        elapsed: Duration,
        ok: bool,
    },
}

/// A report that could not be made: the run fails for it, so that CI does
/// not go green without it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    /// `--junit PATH` could not be written.
    #[error("cannot write the JUnit report to {}: {source}", path.display())]
    Junit {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// `--logfile PATH` could not be written.
    #[error("cannot write the log file {}: {source}", path.display())]
    Logfile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Renders events.
pub(crate) trait Reporter {
    fn report(&mut self, event: Event<'_>);

    /// After the run: whether everything this reporter owes was written.
    fn finish(&mut self) -> Result<(), ReportError> {
        Ok(())
    }
}

/// Several reporters, each given every event, in the order they were added.
pub(crate) struct FanOut(Vec<Box<dyn Reporter>>);

impl FanOut {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Self {
        FanOut(reporters)
    }
}

impl Reporter for FanOut {
    fn report(&mut self, event: Event<'_>) {
        for r in &mut self.0 {
            r.report(event);
        }
    }

    /// Every reporter finishes; the first error is returned, later ones
    /// printed.
    fn finish(&mut self) -> Result<(), ReportError> {
        let mut first = Ok(());
        for r in &mut self.0 {
            if let Err(e) = r.finish() {
                if first.is_ok() {
                    first = Err(e);
                } else {
                    eprintln!("error: {e}");
                }
            }
        }
        first
    }
}
