//! The coordinator: hands tests to a few worker processes (copies of this
//! process made before it starts any thread, later this same binary started
//! again; see `dispatch::start_first_workers`), collects how each ended,
//! decides reruns, and emits events for the reporter. A worker that dies
//! takes only its current test down: the test is reported with the signal or
//! exit status and its output so far, and a fresh worker takes over the rest.

mod dispatch;
mod inline;
mod outcome;
pub(crate) mod protocol;
mod resume;
pub(crate) mod unix;
mod watch;
pub(crate) mod worker;

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::process::ExitStatus;
use std::time::Instant;

use protocol::Report;

use crate::cli::HiArgs;
use crate::history::LastFailed;
use crate::list::{dispositions, Disposition, TestCase, Tests};
use crate::reporter::{Attempt, Event, Reporter, Summary, TestRecord};

/// How many tests a worker holds at once: the running one and the next, so
/// that a worker never waits on the coordinator between two tests.
const PIPELINE: usize = 2;

/// How many once its tests come and go in under [`QUICK`]: more than two
/// then spares the worker waiting on a coordinator that shares the CPU
/// with it (2,000 trivial tests on 2 cores: 0.115 s with two, 0.095 s with
/// eight). The cost: when a slow test follows quick ones, the tests
/// behind it wait for it (at most seven, and only while the queue still
/// holds a test for every worker: see `dispatch`).
const PIPELINE_QUICK: usize = 8;

/// A test this quick counts towards [`PIPELINE_QUICK`]; two in a row do.
const QUICK: std::time::Duration = std::time::Duration::from_millis(1);

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
    /// How many of its last tests in a row took under [`QUICK`].
    quick: u8,
}

impl Slot {
    /// How many tests it may hold while the queue is long.
    fn pipeline(&self) -> usize {
        if self.quick >= 2 {
            PIPELINE_QUICK
        } else {
            PIPELINE
        }
    }

    /// Its front test took `duration`.
    fn ran_for(&mut self, duration: std::time::Duration) {
        self.quick = if duration < QUICK {
            self.quick.saturating_add(1)
        } else {
            0
        };
    }
}

struct Coordinator<'a> {
    args: &'a HiArgs,
    cases: Vec<TestCase>,
    /// Attempts so far of each case, by index into `cases`.
    attempts: Vec<Vec<Attempt>>,
    queue: VecDeque<Job>,
    delayed: Vec<(Instant, Job)>,
    slots: Vec<Slot>,
    watch: watch::Watch,
    reporter: &'a mut dyn Reporter,
    /// When the run started (in the first image, if this one reports a
    /// test that ended it: see `resume`).
    started: Instant,
    /// What the first image left this one to report.
    resumed: Option<resume::Resumed>,
    records: Vec<TestRecord>,
    summary: Summary,
    last_failed: LastFailed,
    /// Whether any rerun was queued: until one is, no queued job can be a
    /// rerun, and `dispatch` need not look through the queue for one (a
    /// scan per dispatch made a whole run quadratic in its tests).
    reruns_queued: bool,
}

/// Runs the selected tests and reports them.
pub(crate) fn run(args: &HiArgs, tests: &Tests, reporter: &mut dyn Reporter) -> Conclusion {
    let resumed = resume::take();
    let start = resumed
        .as_ref()
        .map_or_else(Instant::now, |r| r.run_started);
    let last_failed = LastFailed::load();
    let mut summary = Summary {
        filtered_out: tests.filtered_out,
        ..Summary::default()
    };
    let tests = &tests.selected[..];
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
        replayed: resumed.is_some(),
    });

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
        watch: watch::Watch::default(),
        reporter,
        started: start,
        resumed,
        records: Vec::new(),
        summary,
        last_failed,
        reruns_queued: false,
    };
    if !c.run_inline() {
        // Before any thread of the coordinator's: see `start_first_workers`.
        c.start_first_workers();
        match unix::catch_interrupts() {
            Ok(pipe) => c.watch.interrupts(pipe),
            Err(e) => eprintln!("autopsy: cannot catch Ctrl-C: {e}"),
        }
    }
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
