//! The coordinator: hands tests to a few worker processes (this same binary,
//! started again), collects how each ended, decides reruns, and emits events
//! for the reporter. A worker that dies takes only its current test down: the
//! test is reported with the signal or exit status and its output so far, and
//! a fresh worker takes over the rest.

pub(crate) mod protocol;
pub(crate) mod unix;
pub(crate) mod worker;

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::process::ExitStatus;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use protocol::{Assignment, Report, Verdict};

use crate::cli::HiArgs;
use crate::history::LastFailed;
use crate::list::{dispositions, Disposition, TestCase};
use crate::reporter::{Attempt, Event, Failure, Reporter, Status, Summary, TestRecord};

/// How many tests a worker holds at once: the running one and the next, so
/// that a worker never waits on the coordinator between two tests.
const PIPELINE: usize = 2;

/// How a run ended.
#[must_use]
pub(crate) struct Conclusion {
    pub ok: bool,
    /// Ctrl-C stopped the run.
    pub interrupted: bool,
}

impl Conclusion {
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            // A shell's code for a command ended by SIGINT (128 + 2).
            130
        } else if self.ok {
            0
        } else {
            101
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Job {
    case: usize,
    attempt: u32,
    /// Reported as ignored when its turn comes, without a worker, so that
    /// results print in the order libtest prints them.
    ignore: bool,
}

enum Msg {
    Report(usize, u64, Report),
    Exited(usize, u64, io::Result<ExitStatus>),
    /// Ctrl-C.
    Interrupted,
}

struct Slot {
    generation: u64,
    pid: u32,
    commands: Option<File>,
    capture: Option<File>,
    inflight: VecDeque<Job>,
    /// When the front job started; `None` while paused at the prompt.
    started: Option<Instant>,
    timed_out: bool,
    alive: bool,
    /// Has been given a test: reruns go only to workers that have not.
    used: bool,
}

struct Coordinator<'a> {
    args: &'a HiArgs,
    cases: Vec<TestCase>,
    /// Attempts so far of each case, by index into `cases`.
    attempts: Vec<Vec<Attempt>>,
    queue: VecDeque<Job>,
    delayed: Vec<(Instant, Job)>,
    slots: Vec<Slot>,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    reporter: &'a mut dyn Reporter,
    records: Vec<TestRecord>,
    summary: Summary,
    last_failed: LastFailed,
}

/// Runs the selected tests and reports them.
pub(crate) fn run(args: &HiArgs, tests: &[TestCase], reporter: &mut dyn Reporter) -> Conclusion {
    let start = Instant::now();
    let last_failed = LastFailed::load();
    let mut summary = Summary::default();
    let mut order: Vec<(TestCase, Disposition)> = Vec::new();
    // --lf: only the selected tests that failed last time, the others (the
    // ignored too) filtered out; when none of them did (no record, or all
    // fixed since), everything selected runs, as with pytest.
    // (--partition comes first: a shard is the same tests whatever failed.)
    let dispositions = dispositions(args, tests);
    let only_failed = args.last_failed
        && tests
            .iter()
            .zip(&dispositions)
            .any(|(c, d)| *d != Disposition::FilteredOut && last_failed.contains(c.name));
    for (case, d) in tests.iter().zip(dispositions) {
        match d {
            Disposition::FilteredOut => summary.filtered_out += 1,
            _ if only_failed && !last_failed.contains(case.name) => summary.filtered_out += 1,
            d => order.push((*case, d)),
        }
    }
    if let Some(seed) = args.shuffle_seed {
        crate::list::shuffle(&mut order, |(case, _)| case.name, seed);
    }
    if args.failed_first {
        // Stable: failures first, each group in name (or shuffled) order.
        order.sort_by_key(|(c, _)| !last_failed.contains(c.name));
    }
    reporter.report(Event::Started {
        to_run: order.len(),
        shuffle_seed: args.shuffle_seed,
    });

    let (tx, rx) = mpsc::channel();
    let on_ctrl_c = tx.clone();
    if let Err(e) = unix::catch_interrupts(move || {
        let _ = on_ctrl_c.send(Msg::Interrupted);
    }) {
        eprintln!("autopsy: cannot catch Ctrl-C: {e}");
    }
    let mut cases = Vec::new();
    let mut queue = VecDeque::new();
    for (case, d) in order {
        queue.push_back(Job {
            case: cases.len(),
            attempt: 1,
            ignore: d == Disposition::Ignore,
        });
        cases.push(case);
    }
    let mut c = Coordinator {
        args,
        attempts: vec![Vec::new(); cases.len()],
        cases,
        queue,
        delayed: Vec::new(),
        slots: Vec::new(),
        tx,
        rx,
        reporter,
        records: Vec::new(),
        summary,
        last_failed,
    };
    c.run_queue();
    c.last_failed.save();
    let s = &c.summary;
    let ok =
        !(s.failed > 0 || s.quit || s.interrupted || (args.reruns.fail_on_flaky && s.flaky > 0));
    let elapsed = start.elapsed();
    c.reporter.report(Event::Done {
        records: &c.records,
        summary: s,
        elapsed,
        ok,
    });
    Conclusion {
        ok,
        interrupted: s.interrupted,
    }
}

impl Coordinator<'_> {
    fn total_attempts(&self, case: usize) -> u32 {
        let t = self.cases[case].test;
        1 + t.reruns.unwrap_or(self.args.reruns.reruns)
    }

    fn reruns_delay(&self, case: usize) -> Duration {
        match self.cases[case].test.reruns_delay {
            Some(s) => Duration::try_from_secs_f64(s).unwrap_or_default(),
            None => self.args.reruns.delay,
        }
    }

    fn busy(&self) -> bool {
        !self.queue.is_empty()
            || !self.delayed.is_empty()
            || self.slots.iter().any(|s| !s.inflight.is_empty())
    }

    fn run_queue(&mut self) {
        while self.busy() && !self.summary.quit && !self.summary.interrupted {
            self.promote_delayed();
            self.dispatch();
            if !self.busy() {
                // The last jobs were ignored tests, reported by dispatch.
                break;
            }
            let wait = self
                .next_deadline()
                .map(|d| d.saturating_duration_since(Instant::now()));
            let msg = match wait {
                Some(w) => match self.rx.recv_timeout(w) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match self.rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                },
            };
            match msg {
                Some(Msg::Report(slot, generation, report))
                    if self.slots[slot].generation == generation =>
                {
                    self.on_report(slot, report)
                }
                Some(Msg::Exited(slot, generation, status))
                    if self.slots[slot].generation == generation =>
                {
                    self.on_exit(slot, status)
                }
                Some(Msg::Interrupted) => self.summary.interrupted = true,
                Some(_) => {}
                None => self.enforce_timeouts(),
            }
        }
        self.shut_down();
    }

    fn next_deadline(&self) -> Option<Instant> {
        let timeouts = self.args.timeout.into_iter().flat_map(|t| {
            self.slots
                .iter()
                .filter_map(move |s| s.started.map(|at| at + t))
        });
        timeouts.chain(self.delayed.iter().map(|(at, _)| *at)).min()
    }

    fn promote_delayed(&mut self) {
        let now = Instant::now();
        let (ready, later): (Vec<_>, Vec<_>) =
            self.delayed.drain(..).partition(|(at, _)| *at <= now);
        self.delayed = later;
        for (_, job) in ready.into_iter().rev() {
            self.queue.push_front(job);
        }
    }

    fn report_ignored(&mut self, job: Job) {
        let case = self.cases[job.case];
        let status = Status::Ignored {
            reason: case.test.ignore.unwrap_or(""),
        };
        let record = TestRecord {
            name: case.name,
            status,
            attempts: Vec::new(),
        };
        self.reporter.report(Event::Finished { record: &record });
        self.summary.add(&record);
        self.records.push(record);
    }

    /// One test at a time prints in name order, as libtest does: an ignored
    /// test waits for the test before it to finish.
    fn ignored_must_wait(&self) -> bool {
        self.args.threads == 1 && self.slots.iter().any(|s| !s.inflight.is_empty())
    }

    fn dispatch(&mut self) {
        while self.queue.front().is_some_and(|j| j.ignore) && !self.ignored_must_wait() {
            let job = self.queue.pop_front().expect("front exists");
            self.report_ignored(job);
        }
        // A test for every idle worker, starting workers up to
        // --test-threads, before any worker gets a second (the pipeline, at
        // the end): two slow tests must not queue behind each other in one
        // worker while another idles.
        for i in 0..self.slots.len() {
            self.fill(i, 1);
        }
        // A rerun waits for a fresh worker: when no more can start, retire
        // the least busy used one (it finishes what it holds, then exits).
        let live = self.slots.iter().filter(|s| s.alive).count();
        if live >= self.args.threads
            && self.queue.iter().any(|j| j.attempt > 1)
            && !self.slots.iter().any(|s| s.alive && s.commands.is_none())
        {
            let busy = |s: &&mut Slot| s.inflight.len();
            if let Some(s) = self
                .slots
                .iter_mut()
                .filter(|s| s.alive && s.used)
                .min_by_key(busy)
            {
                s.commands = None;
            }
        }
        while !self.queue.is_empty()
            && self.slots.iter().filter(|s| s.alive).count() < self.args.threads
        {
            let Some(i) = self.start_worker() else { return };
            self.fill(i, 1);
        }
        // Pipelines only while plenty is left: near the end of the run a
        // queued test would wait behind a long one instead of going to the
        // next free worker.
        if self.queue.len() >= self.args.threads {
            for i in 0..self.slots.len() {
                self.fill(i, PIPELINE);
            }
        }
    }

    /// Sends worker `i` tests until it holds `max` (or less, see `depth`).
    fn fill(&mut self, i: usize, max: usize) {
        let one_at_a_time = self.args.timeout.is_some() || self.announces_starts();
        let depth = if one_at_a_time || self.args.pdb || self.args.trace {
            1
        } else {
            max
        };
        // A rerun starts in a worker that has run nothing yet: a fresh
        // process, without the statics, leaked threads or poisoned locks of
        // earlier attempts. A used worker takes the first job that is not a
        // rerun. (A worker without `commands` is retiring: see `on_report`.)
        while self.slots[i].alive
            && self.slots[i].commands.is_some()
            && self.slots[i].inflight.len() < depth
        {
            let at = if self.slots[i].used {
                self.queue.iter().position(|j| j.attempt == 1)
            } else {
                Some(0)
            };
            let Some(job) = at.and_then(|at| self.queue.remove(at)) else {
                return;
            };
            if job.ignore {
                if self.ignored_must_wait() {
                    self.queue.push_front(job);
                    return;
                }
                self.report_ignored(job);
                continue;
            }
            let total = self.total_attempts(job.case);
            let assignment = Assignment {
                name: self.cases[job.case].name.to_string(),
                attempt: job.attempt,
                total_attempts: total,
                // With reruns, only the last attempt opens the prompt.
                pdb: self.args.pdb && job.attempt == total,
            };
            let starts_now = self.slots[i].inflight.is_empty();
            if starts_now {
                // Said before the worker hears of it: under --nocapture the
                // test's own output must come after `test NAME ... `.
                self.began(job);
            }
            let slot = &mut self.slots[i];
            let sent = slot.commands.as_mut().map(|w| assignment.send(w));
            if !matches!(sent, Some(Ok(()))) {
                // The worker is gone; its exit will come through the reader
                // (and the test starts again elsewhere).
                self.queue.push_front(job);
                slot.alive = false;
                return;
            }
            if starts_now {
                slot.started = Some(Instant::now());
            }
            slot.used = true;
            slot.inflight.push_back(job);
        }
    }

    /// `job` starts now.
    fn began(&mut self, job: Job) {
        let name = self.cases[job.case].name;
        let announce = self.announces_starts();
        self.reporter.report(Event::Begin { name, announce });
    }

    /// libtest's serial `--nocapture` run: `test NAME ... ` before the
    /// test's own output, its status after. (The prompt of `--pdb` and
    /// `--trace` starts lines of its own, so not there.)
    fn announces_starts(&self) -> bool {
        self.args.threads == 1 && !self.args.capture && !self.args.pdb && !self.args.trace
    }

    /// Starts a worker in a free slot (reusing a dead one) and its reader.
    fn start_worker(&mut self) -> Option<usize> {
        let i = match self
            .slots
            .iter()
            .position(|s| !s.alive && s.inflight.is_empty())
        {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    pid: 0,
                    commands: None,
                    capture: None,
                    inflight: VecDeque::new(),
                    started: None,
                    timed_out: false,
                    alive: false,
                    used: false,
                });
                self.slots.len() - 1
            }
        };
        // A fresh capture file for each worker: a process a test of the
        // last one left running may still write into the old one.
        if self.args.capture {
            match tempfile::tempfile() {
                Ok(f) => self.slots[i].capture = Some(f),
                Err(e) => {
                    eprintln!("autopsy: cannot create a capture file: {e}");
                    std::process::exit(101);
                }
            }
        }
        let worker = match unix::spawn_worker(self.slots[i].capture.as_ref()) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("autopsy: cannot start a worker process: {e}");
                std::process::exit(101);
            }
        };
        let slot = &mut self.slots[i];
        slot.generation += 1;
        slot.pid = worker.child.id();
        slot.commands = Some(worker.commands);
        slot.alive = true;
        slot.timed_out = false;
        slot.used = false;
        let (tx, generation) = (self.tx.clone(), slot.generation);
        let (mut child, mut reports) = (worker.child, worker.reports);
        std::thread::spawn(move || {
            while let Ok(Some(r)) = Report::recv(&mut reports) {
                if tx.send(Msg::Report(i, generation, r)).is_err() {
                    break;
                }
            }
            let _ = tx.send(Msg::Exited(i, generation, child.wait()));
        });
        Some(i)
    }

    fn on_report(&mut self, i: usize, report: Report) {
        match report {
            Report::Finished {
                name,
                verdict,
                duration,
                output,
            } => {
                let slot = &mut self.slots[i];
                let Some(job) = slot.inflight.pop_front() else {
                    return;
                };
                debug_assert_eq!(self.cases[job.case].name, name);
                slot.started = (!slot.inflight.is_empty()).then(Instant::now);
                let failure = match verdict {
                    Verdict::Passed => None,
                    Verdict::Failed { message, note } => Some(Failure {
                        message,
                        note,
                        time_limit: false,
                    }),
                };
                self.conclude(
                    job,
                    Attempt {
                        number: job.attempt,
                        duration,
                        output,
                        failure,
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

    fn on_exit(&mut self, i: usize, status: io::Result<ExitStatus>) {
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
            let why = match status {
                Ok(s) => unix::describe_exit(s),
                Err(e) => format!("the worker process was lost: {e}"),
            };
            Failure {
                message: why.clone(),
                note: format!("note: {why}"),
                time_limit: false,
            }
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

    fn enforce_timeouts(&mut self) {
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
    fn conclude(&mut self, job: Job, mut attempt: Attempt) {
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

    fn shut_down(&mut self) {
        for slot in &mut self.slots {
            slot.commands = None;
            if (self.summary.quit || self.summary.interrupted) && slot.alive {
                unix::kill(slot.pid);
            }
        }
        // Reap the workers, without waiting on one stuck in a leaked thread.
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.slots.iter().any(|s| s.alive) {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Msg::Exited(i, g, _)) if self.slots[i].generation == g => {
                    self.slots[i].alive = false
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
}
