//! The coordinator's collecting half: how each test ended (a report, a
//! worker's death, a timeout, Ctrl-C), reruns, the `--lf` record, and the
//! workers' shutdown.

use std::io;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::protocol::{self, Report};
use super::{unix, Coordinator, Job, Msg};
use crate::reporter::{Attempt, Event, Failure, Status, TestRecord};

impl Coordinator<'_> {
    pub(super) fn on_report(&mut self, i: usize, report: Report) {
        match report {
            Report::Finished {
                verdict,
                duration,
                output,
            } => {
                let slot = &mut self.slots[i];
                let Some(job) = slot.inflight.pop_front() else {
                    return;
                };
                slot.started = (!slot.inflight.is_empty()).then(Instant::now);
                slot.ran_for(duration);
                self.conclude(
                    job,
                    Attempt {
                        number: job.attempt,
                        duration,
                        output,
                        failure: verdict.into_failure(),
                    },
                );
                if !self.attempts[job.case].is_empty() {
                    // A rerun is coming, for a fresh worker (see `fill`):
                    // this one finishes what it holds, then exits.
                    self.slots[i].commands = None;
                }
                // The worker went straight on to the next test it holds.
                if let Some(&next) = self.slots[i].inflight.front() {
                    self.began(next);
                }
            }
            Report::Retiring => {
                // What it was given goes to the next worker, in order.
                let slot = &mut self.slots[i];
                slot.commands = None;
                slot.started = None;
                for j in slot.inflight.drain(..).rev() {
                    self.queue.push_front(j);
                }
            }
            Report::Paused => self.slots[i].started = None,
            Report::Resumed => self.slots[i].started = Some(Instant::now()),
            Report::Quit => {
                self.summary.quit = true;
                if let Some(job) = self.slots[i].inflight.pop_front() {
                    let output = self.slots[i]
                        .capture
                        .as_ref()
                        .map(unix::read_capture)
                        .unwrap_or_default();
                    let failure = Failure {
                        message: "quit at the prompt".into(),
                        note: String::new(),
                        time_limit: false,
                    };
                    self.conclude(
                        job,
                        Attempt {
                            number: job.attempt,
                            duration: Duration::ZERO,
                            output,
                            failure: Some(failure),
                        },
                    );
                }
                self.queue.clear();
                self.delayed.clear();
            }
        }
    }

    pub(super) fn on_exit(&mut self, i: usize, status: io::Result<ExitStatus>) {
        let slot = &mut self.slots[i];
        slot.alive = false;
        slot.commands = None;
        if status.as_ref().is_ok_and(unix::ended_by_ctrl_c) {
            // The terminal's Ctrl-C reached the workers too: the run is
            // over, and the test it stopped did not fail.
            self.summary.interrupted = true;
            slot.inflight.clear();
            return;
        }
        let Some(job) = slot.inflight.pop_front() else {
            return;
        };
        // The tests queued behind the dead one go back to the front.
        for j in slot.inflight.drain(..).rev() {
            self.queue.push_front(j);
        }
        let elapsed = slot.started.take().map(|s| s.elapsed()).unwrap_or_default();
        let output = slot
            .capture
            .as_ref()
            .map(unix::read_capture)
            .unwrap_or_default();
        let failure = if slot.timed_out {
            let secs = self.args.timeout.map_or(0.0, |t| t.as_secs_f64());
            Failure {
                message: format!("test timed out after {secs}s"),
                note: format!(
                    "note: test timed out after {secs}s (--timeout {secs}) and was killed"
                ),
                time_limit: false,
            }
        } else {
            protocol::ended_process(match status {
                Ok(s) => unix::describe_exit(s),
                Err(e) => format!("the worker process was lost: {e}"),
            })
        };
        self.conclude(
            job,
            Attempt {
                number: job.attempt,
                duration: elapsed,
                output,
                failure: Some(failure),
            },
        );
    }

    pub(super) fn enforce_timeouts(&mut self) {
        let Some(limit) = self.args.timeout else {
            return;
        };
        for slot in &mut self.slots {
            if slot.alive && !slot.timed_out && slot.started.is_some_and(|s| s.elapsed() >= limit) {
                slot.timed_out = true;
                unix::kill(slot.pid);
            }
        }
    }

    /// Records an attempt; schedules a rerun or reports the test's end.
    pub(super) fn conclude(&mut self, job: Job, mut attempt: Attempt) {
        let name = self.cases[job.case].name;
        if let Some(limits) = &self.args.ensure_time {
            // libtest's `TrTimedFail`: passed, but too slowly.
            if attempt.failure.is_none()
                && attempt.duration >= limits.critical(self.cases[job.case].test)
            {
                attempt.failure = Some(Failure {
                    message: "time limit exceeded".into(),
                    note: String::new(),
                    time_limit: true,
                });
            }
        }
        let total = self.total_attempts(job.case);
        let failed = attempt.failure.clone();
        self.attempts[job.case].push(attempt);
        let status = match &failed {
            None if job.attempt == 1 => Status::Passed,
            None => Status::Flaky {
                passed_on: job.attempt,
                total,
            },
            Some(f)
                if job.attempt < total
                    && !self.summary.quit
                    && self.args.reruns.allows(&f.message) =>
            {
                let attempt = self.attempts[job.case].last().expect("just pushed");
                self.reporter.report(Event::Rerun {
                    name,
                    attempt,
                    total,
                });
                let next = Job {
                    attempt: job.attempt + 1,
                    ..job
                };
                let delay = self.reruns_delay(job.case);
                self.reruns_queued = true;
                if delay.is_zero() {
                    self.queue.push_front(next);
                } else {
                    self.delayed.push((Instant::now() + delay, next));
                }
                return;
            }
            Some(_) => Status::Failed,
        };
        let record = TestRecord {
            name,
            status,
            attempts: std::mem::take(&mut self.attempts[job.case]),
        };
        self.last_failed
            .record(name, record.status == Status::Failed);
        if record.status == Status::Failed {
            // Saved as failures happen, so a killed run still remembers them.
            self.last_failed.save();
        }
        self.reporter.report(Event::Finished { record: &record });
        self.summary.add(&record);
        self.records.push(record);
    }

    pub(super) fn shut_down(&mut self) {
        for slot in &mut self.slots {
            slot.commands = None;
            if (self.summary.quit || self.summary.interrupted) && slot.alive {
                unix::kill(slot.pid);
            }
        }
        // Reap the workers, without waiting on one stuck in a leaked thread.
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.slots.iter().any(|s| s.alive) {
            match self.watch.next(Some(deadline)) {
                Some(Msg::Exited(i, g, _)) if self.slots[i].generation == g => {
                    self.slots[i].alive = false
                }
                Some(_) => {}
                None => break,
            }
        }
    }
}
