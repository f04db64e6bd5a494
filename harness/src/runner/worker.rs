//! A worker process: runs the tests the coordinator assigns, one at a time,
//! each on a fresh thread named after the test (as libtest does), with its
//! output captured, and reports how each ended.

use std::fs::File;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::protocol::{Assignment, Report, Verdict};
use super::unix::{self, Capture};
use crate::__private::{ShouldPanic, Test, PDB_ARMED};

use crate::cli::HiArgs;
use crate::list::TestCase;

/// What the panic hook and the prompt need to reach from any thread.
pub(crate) struct WorkerState {
    pub capture: Option<Capture>,
    reports: Mutex<File>,
    /// The test running now and its attempt.
    pub current: Mutex<Option<Assignment>>,
}

static STATE: OnceLock<WorkerState> = OnceLock::new();

impl WorkerState {
    /// Tells the coordinator something now (the prompt opened or closed, or
    /// the user quit).
    pub fn send(&self, report: &Report) {
        let mut w = self.reports.lock().unwrap_or_else(|e| e.into_inner());
        let _ = report.send(&mut *w);
    }

    /// Runs `f` with the terminal on fds 1 and 2, with the timeout clock
    /// stopped: the prompt.
    pub fn interactive<R>(&self, f: impl FnOnce() -> R) -> R {
        self.send(&Report::Paused);
        let r = match &self.capture {
            Some(c) => c.with_terminal(f),
            None => f(),
        };
        self.send(&Report::Resumed);
        r
    }

    /// The current test's output so far.
    pub fn output_so_far(&self) -> Vec<u8> {
        self.capture
            .as_ref()
            .and_then(|c| c.contents().ok())
            .unwrap_or_default()
    }
}

/// The worker hosts the prompt: the terminal behind the capture, the
/// attempt of the test running, and quitting through the coordinator.
impl crate::postmortem::Host for WorkerState {
    fn interactive(&self, f: &mut dyn FnMut()) {
        WorkerState::interactive(self, f)
    }

    fn output_so_far(&self) -> Vec<u8> {
        WorkerState::output_so_far(self)
    }

    fn attempt(&self) -> Option<(u32, u32)> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|a| (a.attempt, a.total_attempts))
    }

    fn quit(&self) -> ! {
        self.send(&Report::Quit);
        unix::flush_all();
        std::process::exit(101);
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// How the test's own thread ended.
enum Ending {
    Returned,
    ReturnedErr(String),
    Panicked(String),
}

fn run_one(test: &'static Test, name: &str) -> Ending {
    let run = test.run;
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(run);
    match spawned.map(|h| h.join()) {
        Ok(Ok(Ok(()))) => Ending::Returned,
        Ok(Ok(Err(e))) => Ending::ReturnedErr(e),
        Ok(Err(payload)) => Ending::Panicked(panic_message(&*payload)),
        Err(e) => Ending::Panicked(format!("autopsy could not start the test's thread: {e}")),
    }
}

fn verdict(test: &Test, ending: Ending) -> Verdict {
    let failed = |message: String, note: String| Verdict::Failed { message, note };
    match (ending, test.should_panic) {
        (Ending::Returned, ShouldPanic::No) => Verdict::Passed,
        (Ending::Returned, _) => failed(
            "test did not panic as expected".into(),
            format!(
                "note: test did not panic as expected at {}:{}:{}",
                test.file, test.line, test.column
            ),
        ),
        (Ending::ReturnedErr(e), _) => {
            // libtest's `Termination` prints the error to the test's stderr.
            let _ = writeln!(std::io::stderr(), "Error: {e}");
            failed(format!("Error: {e}"), String::new())
        }
        (Ending::Panicked(_), ShouldPanic::Yes) => Verdict::Passed,
        (Ending::Panicked(msg), ShouldPanic::Expected(want)) if msg.contains(want) => {
            Verdict::Passed
        }
        (Ending::Panicked(msg), ShouldPanic::Expected(want)) => {
            let note = format!(
                "note: panic did not contain expected string\n      panic message: {msg:?}\n expected substring: {want:?}"
            );
            failed(msg, note)
        }
        (Ending::Panicked(msg), ShouldPanic::No) => failed(msg, String::new()),
    }
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::postmortem::wants_panics() {
            crate::postmortem::on_panic(info);
        }
        default(info);
        if crate::postmortem::quit_requested() {
            crate::postmortem::quit_now();
        }
    }));
}

/// Runs this process as a worker until the coordinator closes its pipe.
pub(crate) fn run(args: &HiArgs, spec: &str) -> ! {
    // A test that starts this binary again must not get a worker.
    std::env::remove_var(unix::WORKER_ENV);
    let Some((mut commands, reports, capture)) = unix::worker_fds(spec) else {
        eprintln!("autopsy: malformed {} in the environment", unix::WORKER_ENV);
        std::process::exit(2);
    };
    let capture = match capture
        .filter(|_| args.capture)
        .map(Capture::install)
        .transpose()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("autopsy: cannot capture output: {e}");
            std::process::exit(2);
        }
    };
    let state = STATE.get_or_init(|| WorkerState {
        capture,
        reports: Mutex::new(reports),
        current: Mutex::new(None),
    });
    crate::postmortem::set_host(state);
    crate::postmortem::configure(args);
    install_panic_hook();
    let tests: std::collections::HashMap<&str, TestCase> = crate::list::all_tests()
        .into_iter()
        .map(|c| (c.name, c))
        .collect();

    while let Ok(Some(assignment)) = Assignment::recv(&mut commands) {
        let Some(case) = tests.get(assignment.name.as_str()).copied() else {
            eprintln!("autopsy: no test named {}", assignment.name);
            std::process::exit(2);
        };
        if let Some(c) = &state.capture {
            let _ = c.reset();
        }
        // SAFETY-ish: set_var races with threads reading the environment;
        // between tests only threads leaked by earlier tests can run.
        std::env::set_var("AUTOPSY_ATTEMPT", assignment.attempt.to_string());
        std::env::set_var(
            "AUTOPSY_TOTAL_ATTEMPTS",
            assignment.total_attempts.to_string(),
        );
        // Under --trace a failure opens the post-mortem too, as under --pdb.
        let traced = args.trace && assignment.attempt == assignment.total_attempts;
        let pdb = (assignment.pdb || traced) && !crate::postmortem::trace::input_ended();
        PDB_ARMED.store(pdb, Ordering::Relaxed);
        if traced {
            crate::postmortem::trace::arm_for_test();
        }
        *state.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(assignment.clone());

        let start = Instant::now();
        let ending = run_one(case.test, case.name);
        let verdict = verdict(case.test, ending);
        let duration = start.elapsed();

        PDB_ARMED.store(false, Ordering::Relaxed);
        crate::postmortem::trace::disarm();
        let output = state.output_so_far();
        let report = Report::Finished {
            name: assignment.name,
            verdict,
            duration,
            output,
        };
        state.send(&report);
    }
    unix::flush_all();
    std::process::exit(0);
}
