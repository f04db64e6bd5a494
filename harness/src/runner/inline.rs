//! One test run in the runner's own process, as libtest runs it: what
//! nextest runs per test (`--exact NAME --nocapture`), what an IDE or
//! `cargo test NAME` runs for one test, when nothing the test asks for
//! needs a worker process.
//!
//! A worker gives a lone test nothing then: no prompt (its stdin cannot
//! bring commands: nextest gives tests `/dev/null`), no rerun in a fresh
//! process, no timeout to enforce by killing, no dump. What a worker costs
//! (a fork of this process, a pipe each way, a reader thread, a second
//! process to end) was a fifth of such a run without capture, and a third
//! with it: one test of 300 (`--exact NAME`) took 3.2 ms with a worker and
//! 2.25 ms here (5.0 and 3.2 ms with autopsy as a shared library).
//!
//! Under capture fds 1 and 2 point at a capture file here, as in a worker,
//! and a test that ends the process (a signal, `abort`, `exit`) is reported
//! as a worker's death is, with the output it captured: the process starts
//! its binary again to say so (`resume`). Without capture a crash takes
//! the run down, as under libtest (nextest reports the signal), and a test
//! that calls `std::process::exit` fails: an exit handler says so and ends
//! the run with 101, where libtest would exit with the test's status.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::protocol::Verdict;
use super::resume;
use super::unix::{self, Streams};
use super::worker;
use crate::__private::Test;
use crate::cli::HiArgs;

/// Whether the run's one test can run here: see the module's comment.
pub(super) fn eligible(args: &HiArgs, attempts: u32) -> bool {
    !args.pdb
        && !args.trace
        && !args.showlocals
        && args.dump.is_none()
        && args.timeout.is_none()
        && attempts == 1
        && !crate::program::armed()
        && !crate::postmortem::prompt_input()
}

/// The prompt's host while a test runs here. No prompt can read commands
/// (see [`eligible`]); `breakpoint!()` and `post_mortem!()` still ask who
/// runs, and get the answers a worker would give.
struct Inline {
    name: &'static str,
    streams: &'static Streams,
}

impl crate::postmortem::Host for Inline {
    fn interactive(&self, f: &mut dyn FnMut()) {
        self.streams.with_terminal(f);
    }

    fn output_so_far(&self) -> Vec<u8> {
        self.streams.contents().unwrap_or_default()
    }

    fn prompt_input(&self) -> bool {
        false
    }

    fn test_name(&self) -> Option<String> {
        Some(self.name.to_string())
    }

    fn attempt(&self) -> Option<(u32, u32)> {
        Some((1, 1))
    }

    fn quit(&self) -> ! {
        unix::flush_all();
        std::process::exit(101);
    }
}

/// How the test ran: its verdict, how long it took and its output where
/// the report shows it (see `worker::shown`).
pub(super) struct Ran {
    pub verdict: Verdict,
    pub duration: std::time::Duration,
    pub output: Vec<u8>,
}

/// The test's fds 0, 1 and 2, set up once (one test runs here).
static STREAMS: OnceLock<Streams> = OnceLock::new();

/// Runs `test` on a thread named after it, as a worker would, and says how
/// it ended. `None`, having run nothing, when its output cannot be captured
/// here or a crash could not be reported: then a worker runs it.
/// `run_started` is when the run began, for the report after a crash;
/// `announce` reports the test's start, on the run's own output.
pub(super) fn run(
    args: &HiArgs,
    test: &'static Test,
    name: &'static str,
    run_started: Instant,
    announce: impl FnOnce(),
) -> Option<Ran> {
    if STREAMS.get().is_some() {
        return None;
    }
    let capture = match args.capture {
        true => Some(unix::capture_file().ok()?),
        false => None,
    };
    let streams = Streams::install(capture).ok()?;
    let streams = STREAMS.get_or_init(|| streams);
    // A test that moves does not move the run (its report files), as a
    // worker's move would not: restored after the test, and before a
    // restart after a crash.
    let cwd = std::env::current_dir().ok();
    let armed = match streams.raw_fds() {
        None => None,
        Some((capture, terminal)) => {
            let armed = resume::arm(name, terminal, capture, run_started, cwd.as_deref());
            if armed.is_none() {
                let _ = streams.uninstall();
                return None;
            }
            armed
        }
    };
    streams.with_terminal(announce);
    crate::postmortem::configure(args);
    let host: &'static Inline = Box::leak(Box::new(Inline { name, streams }));
    crate::postmortem::set_host(host);
    std::env::set_var("AUTOPSY_ATTEMPT", "1");
    std::env::set_var("AUTOPSY_TOTAL_ATTEMPTS", "1");
    crate::postmortem::trace::enter_test(test.file, test.stops);
    watch_exit();
    let start = Instant::now();
    RUNNING.store(true, Ordering::SeqCst);
    let ending = worker::run_one(test, name);
    RUNNING.store(false, Ordering::SeqCst);
    let duration = start.elapsed();
    drop(armed);
    if let Some(dir) = cwd {
        let _ = std::env::set_current_dir(dir);
    }
    let _ = streams.restore();
    let panicked = matches!(ending, worker::Ending::Panicked(_));
    let mut verdict = worker::verdict(test, ending);
    let output = match streams.captures() && worker::shown(args, &verdict) {
        true => streams.contents().unwrap_or_default(),
        false => Vec::new(),
    };
    if streams.captures() {
        worker::note_unseen_panic(&mut verdict, panicked, &output);
    }
    // The report goes where the run's output goes.
    let _ = streams.uninstall();
    Some(Ran {
        verdict,
        duration,
        output,
    })
}

/// A test runs here now.
static RUNNING: AtomicBool = AtomicBool::new(false);

#[cfg(target_env = "gnu")]
extern "C" {
    /// glibc's `on_exit(3)`: like `atexit`, and told the exit status.
    fn on_exit(
        f: extern "C" fn(libc::c_int, *mut libc::c_void),
        arg: *mut libc::c_void,
    ) -> libc::c_int;
}

/// Makes `exit` during the test a failure (see the module's comment).
fn watch_exit() {
    #[cfg(target_env = "gnu")]
    {
        extern "C" fn exited(status: libc::c_int, _: *mut libc::c_void) {
            during_test(Some(status));
        }
        // SAFETY: registers a handler that only reads an atomic, writes
        // to fd 2 and ends the process.
        unsafe { on_exit(exited, std::ptr::null_mut()) };
    }
    #[cfg(not(target_env = "gnu"))]
    {
        extern "C" fn exited() {
            during_test(None);
        }
        // SAFETY: as above.
        unsafe { libc::atexit(exited) };
    }
}

/// From the exit handler: if a test is running, says that it ended the
/// process, as a worker's report says, and exits 101.
fn during_test(status: Option<libc::c_int>) {
    if !RUNNING.load(Ordering::SeqCst) {
        return;
    }
    // Under capture: reported as a worker's exit, if armed.
    resume::exited(status.unwrap_or(-1));
    let status = status.map_or("unknown".to_string(), |s| s.to_string());
    let line = format!("\nautopsy: process exited with status {status} during the test\n");
    // Straight to fd 2: a thread of the test may hold stderr's lock.
    // SAFETY: write(2) of a live buffer; _exit(2) ends the process without
    // running the other handlers again.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::write(2, line.as_ptr().cast(), line.len());
        libc::_exit(101);
    }
}
