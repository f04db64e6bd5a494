//! `--logfile PATH`: libtest's log of a run, one line per test as it ends
//! (`ok NAME`, `failed NAME`, `ignored: REASON NAME`, ` <0.001s>` after it
//! under `--report-time`), and of `--list` (`test NAME`). libtest has
//! deprecated the flag (1.86) but still writes the file, and so does this.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Event, LibtestResult, ReportError, Reporter, TestRecord};

/// Creates (or empties) the log file, as libtest does before it runs or
/// lists anything, and says the flag is deprecated, as libtest does.
pub(crate) fn create(path: &Path) -> Result<File, ReportError> {
    eprintln!("warning: `--logfile` is deprecated");
    File::create(path).map_err(|source| error(path, source))
}

fn error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Logfile {
        path: path.to_path_buf(),
        source,
    }
}

/// `--list`'s lines.
pub(crate) fn write_list(
    mut file: File,
    path: &Path,
    names: impl Iterator<Item = &'static str>,
) -> Result<(), ReportError> {
    let text: String = names.map(|name| format!("test {name}\n")).collect();
    file.write_all(text.as_bytes())
        .map_err(|source| error(path, source))
}

/// Writes each result as the test ends (a line per `write`, as libtest).
pub(crate) struct LogfileReporter {
    file: File,
    path: PathBuf,
    report_time: bool,
    /// The first write that failed: the run fails for it at the end.
    error: Option<std::io::Error>,
}

impl LogfileReporter {
    pub fn new(file: File, path: PathBuf, report_time: bool) -> Self {
        LogfileReporter {
            file,
            path,
            report_time,
            error: None,
        }
    }
}

/// libtest's `write_log_result` line for `record`.
fn line(record: &TestRecord, report_time: bool) -> String {
    let verdict = match record.libtest_result() {
        LibtestResult::Ok => "ok".to_string(),
        LibtestResult::Failed => "failed".to_string(),
        LibtestResult::FailedMsg(message) => format!("failed: {message}"),
        LibtestResult::TimedFail => "failed (time out)".to_string(),
        LibtestResult::Ignored("") => "ignored".to_string(),
        LibtestResult::Ignored(reason) => format!("ignored: {reason}"),
    };
    let mut line = format!("{verdict} {}", record.name);
    if let (true, Some(a)) = (report_time, record.attempts.last()) {
        line.push_str(&format!(" <{:.3}s>", a.duration.as_secs_f64()));
    }
    line.push('\n');
    line
}

impl Reporter for LogfileReporter {
    fn report(&mut self, event: Event<'_>) {
        let Event::Finished { record } = event else {
            return;
        };
        if self.error.is_none() {
            let text = line(record, self.report_time);
            if let Err(e) = self.file.write_all(text.as_bytes()) {
                self.error = Some(e);
            }
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        match self.error.take() {
            Some(source) => Err(error(&self.path, source)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reporter::{Attempt, Failure, Status};
    use std::time::Duration;

    fn record(status: Status, failure: Option<Failure>) -> TestRecord {
        TestRecord {
            name: "m::t",
            status,
            attempts: vec![Attempt {
                number: 1,
                duration: Duration::from_millis(12),
                output: Vec::new(),
                failure,
            }],
        }
    }

    fn failure(note: &str, time_limit: bool) -> Option<Failure> {
        Some(Failure {
            message: "boom".into(),
            note: note.into(),
            time_limit,
        })
    }

    #[test]
    fn lines_are_libtests() {
        let cases = [
            (record(Status::Passed, None), "ok m::t\n"),
            (
                record(Status::Ignored { reason: "" }, None),
                "ignored m::t\n",
            ),
            (
                record(Status::Ignored { reason: "slow" }, None),
                "ignored: slow m::t\n",
            ),
            (record(Status::Failed, failure("", false)), "failed m::t\n"),
            (
                record(
                    Status::Failed,
                    failure("note: test did not panic as expected", false),
                ),
                "failed: test did not panic as expected m::t\n",
            ),
            (
                record(Status::Failed, failure("", true)),
                "failed (time out) m::t\n",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(line(&r, false), want);
        }
        assert_eq!(
            line(&record(Status::Passed, None), true),
            "ok m::t <0.012s>\n"
        );
    }
}
