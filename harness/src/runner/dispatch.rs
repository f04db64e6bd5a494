//! The coordinator's dispatching half: which test goes to which worker
//! when (the queue, reruns in fresh workers, the pipeline, ignored tests in
//! libtest's order), starting workers, and the loop that waits for what
//! they say.

use std::collections::VecDeque;
use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use super::protocol::{self, Assignment};
use super::{inline, resume, unix, Coordinator, Job, Msg, Slot};
use crate::reporter::{Attempt, Event, Status, TestRecord};

/// A worker process started, whose reader is not yet.
struct Launched {
    slot: usize,
    child: unix::WorkerChild,
    reports: File,
}

impl Coordinator<'_> {
    pub(super) fn total_attempts(&self, case: usize) -> u32 {
        let t = self.cases[case].test;
        1 + t.reruns.unwrap_or(self.args.reruns.reruns)
    }

    pub(super) fn reruns_delay(&self, case: usize) -> Duration {
        match self.cases[case].test.reruns_delay {
            Some(s) => Duration::try_from_secs_f64(s).unwrap_or_default(),
            None => self.args.reruns.delay,
        }
    }

    pub(super) fn busy(&self) -> bool {
        !self.queue.is_empty()
            || !self.delayed.is_empty()
            || self.slots.iter().any(|s| !s.inflight.is_empty())
    }

    pub(super) fn run_queue(&mut self) {
        while self.busy() && !self.summary.quit && !self.summary.interrupted {
            self.promote_delayed();
            self.dispatch();
            if !self.busy() {
                // The last jobs were ignored tests, reported by dispatch.
                break;
            }
            let deadline = self.next_deadline();
            let msg = self.watch.next(deadline);
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
                // Nothing is listened to and nothing is due: nothing can come.
                None if deadline.is_none() => break,
                None => self.enforce_timeouts(),
            }
        }
        self.shut_down();
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        if self.args.timeout.is_none() && self.delayed.is_empty() {
            return None;
        }
        let timeouts = self.args.timeout.into_iter().flat_map(|t| {
            self.slots
                .iter()
                .filter_map(move |s| s.started.map(|at| at + t))
        });
        timeouts.chain(self.delayed.iter().map(|(at, _)| *at)).min()
    }

    pub(super) fn promote_delayed(&mut self) {
        // Called once per report: nothing to allocate when no rerun waits.
        if self.delayed.is_empty() {
            return;
        }
        let now = Instant::now();
        let (ready, later): (Vec<_>, Vec<_>) =
            self.delayed.drain(..).partition(|(at, _)| *at <= now);
        self.delayed = later;
        for (_, job) in ready.into_iter().rev() {
            self.queue.push_front(job);
        }
    }

    pub(super) fn report_ignored(&mut self, job: Job) {
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
    pub(super) fn ignored_must_wait(&self) -> bool {
        self.args.threads.get() == 1 && self.slots.iter().any(|s| !s.inflight.is_empty())
    }

    pub(super) fn dispatch(&mut self) {
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
        if live >= self.args.threads.get()
            && self.reruns_queued
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
            && self.slots.iter().filter(|s| s.alive).count() < self.args.threads.get()
        {
            let Some(i) = self.start_worker() else { return };
            self.fill(i, 1);
        }
        // Pipelines only while plenty is left: near the end of the run a
        // queued test would wait behind a long one instead of going to the
        // next free worker.
        if self.queue.len() >= self.args.threads.get() {
            for i in 0..self.slots.len() {
                self.fill(i, self.slots[i].pipeline());
            }
        }
    }

    /// Sends worker `i` tests until it holds `max` (or less, see `depth`).
    pub(super) fn fill(&mut self, i: usize, max: usize) {
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
                index: self.cases[job.case].index,
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
                // The worker is gone; its exit will come through the reader.
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
    pub(super) fn began(&mut self, job: Job) {
        let name = self.cases[job.case].name;
        let announce = self.announces_starts();
        self.reporter.report(Event::Begin {
            name,
            announce,
            replayed: false,
        });
    }

    /// libtest's serial `--nocapture` run: `test NAME ... ` before the
    /// test's own output, its status after. (The prompt of `--pdb` and
    /// `--trace` starts lines of its own, so not there.)
    pub(super) fn announces_starts(&self) -> bool {
        !self.args.capture && !self.args.pdb && !self.args.trace && self.args.threads.get() == 1
    }

    /// Runs the run's one test in this process when it needs no worker
    /// (see `inline`); says whether it did. In an image started again after
    /// that test ended the process, reports how it did instead.
    pub(super) fn run_inline(&mut self) -> bool {
        let job = match self.queue.front() {
            Some(&job) if self.queue.len() == 1 && !job.ignore => Some(job),
            _ => None,
        };
        if let Some(resumed) = self.resumed.take() {
            return self.report_resumed(job, resumed);
        }
        let Some(job) = job else {
            return false;
        };
        if !inline::eligible(self.args, self.total_attempts(job.case)) {
            return false;
        }
        let case = self.cases[job.case];
        let (args, started) = (self.args, self.started);
        let Some(ran) = inline::run(args, case.test, case.name, started, || self.began(job)) else {
            return false;
        };
        self.queue.pop_front();
        let attempt = Attempt {
            number: job.attempt,
            duration: ran.duration,
            output: ran.output,
            failure: ran.verdict.into_failure(),
        };
        self.conclude(job, attempt);
        true
    }

    /// The first image's test ended the process (see `resume`): reported
    /// as a worker's death, with its captured output.
    fn report_resumed(&mut self, job: Option<Job>, resumed: resume::Resumed) -> bool {
        let name = resumed.name.as_str();
        let Some(job) = job.filter(|j| self.cases[j.case].name == name) else {
            eprintln!(
                "autopsy: test {name} ended the process, and the run started again to report it \
                 selects other tests"
            );
            std::process::exit(101);
        };
        self.queue.pop_front();
        self.reporter.report(Event::Begin {
            name: self.cases[job.case].name,
            announce: false,
            replayed: true,
        });
        let attempt = Attempt {
            number: job.attempt,
            duration: resumed.test_started.elapsed(),
            output: unix::read_capture(&resumed.capture),
            failure: Some(protocol::ended_process(unix::describe_exit(
                resumed.death.status(),
            ))),
        };
        self.conclude(job, attempt);
        true
    }

    /// Starts the run's first workers, as many as will be busy, before the
    /// coordinator has any thread of its own: while it has none, a worker
    /// can be a copy of it (`fork` without `exec`), which skips what
    /// starting the test binary again costs (the loader, relocations, every
    /// test's constructor, parsing the arguments) and shares its pages.
    /// Workers started later (after a crash, for a rerun, after one
    /// retires) start the binary again: by then threads run.
    pub(super) fn start_first_workers(&mut self) {
        let busy = self.queue.iter().filter(|j| !j.ignore).count();
        let mut started = Vec::new();
        for _ in 0..busy.min(self.args.threads.get()) {
            let pending: Vec<_> = started
                .iter()
                .map(|w: &Launched| w.reports.as_raw_fd())
                .collect();
            match self.launch(Some(&pending)) {
                Some(started_one) => started.push(started_one),
                None => break,
            }
        }
        for worker in started {
            self.watch(worker);
        }
    }

    /// Starts a worker in a free slot (reusing a dead one) and its reader.
    pub(super) fn start_worker(&mut self) -> Option<usize> {
        let worker = self.launch(None)?;
        let i = worker.slot;
        self.watch(worker);
        Some(i)
    }

    /// Starts a worker process in a free slot (reusing a dead one): a copy
    /// of this process when `fork` holds the descriptors of workers started
    /// but not yet watched and a copy is sound, else the binary again.
    fn launch(&mut self, fork: Option<&[RawFd]>) -> Option<Launched> {
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
                    quick: 0,
                });
                self.slots.len() - 1
            }
        };
        // A fresh capture file for each worker: a process a test of the
        // last one left running may still write into the old one.
        if self.args.capture {
            match unix::capture_file() {
                Ok(f) => self.slots[i].capture = Some(f),
                Err(e) => {
                    eprintln!("autopsy: cannot create a capture file: {e}");
                    std::process::exit(101);
                }
            }
        }
        let args = self.args;
        let serve = move |commands, reports, capture| {
            super::worker::serve(args, commands, reports, capture)
        };
        let copy = fork.filter(|_| !crate::program::armed() && unix::single_threaded());
        let fork = copy.map(|pending| unix::Fork {
            foreign: self
                .slots
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, s)| [s.commands.as_ref(), s.capture.as_ref()])
                .flatten()
                .map(|f| f.as_raw_fd())
                .chain(pending.iter().copied())
                .collect(),
            serve: &serve,
        });
        let worker = match unix::spawn_worker(self.slots[i].capture.as_ref(), fork) {
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
        slot.quick = 0;
        Some(Launched {
            slot: i,
            child: worker.child,
            reports: worker.reports,
        })
    }

    /// Listens to what worker `i` reports, and for its end.
    fn watch(&mut self, worker: Launched) {
        let i = worker.slot;
        let generation = self.slots[i].generation;
        self.watch.add(i, generation, worker.child, worker.reports);
    }
}
