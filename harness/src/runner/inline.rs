//! One test run in the runner's own process, as libtest runs it: nextest's
//! way of running a suite (`--exact NAME --nocapture`, a process per test),
//! when nothing the test asks for needs a worker process.
//!
//! A worker gives a lone test nothing then: no capture to keep apart, no
//! prompt (its stdin cannot bring commands: nextest gives tests
//! `/dev/null`), no rerun in a fresh process, no timeout to enforce by
//! killing, no dump. Under capture a worker stays: a test that crashes
//! there is reported with the output it captured, which a crash of this
//! process would lose (as libtest loses it). What a worker would cost (a fork, a pipe each way, a
//! reader thread, a second process to end) was a fifth of such a run. A
//! test that crashes takes the run down with it, as under libtest (nextest
//! reports the signal). A test that calls `std::process::exit` fails: an
//! exit handler says so and ends the run with 101, where libtest would
//! exit with the test's status (0 passes).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::protocol::Verdict;
use super::worker;
use crate::__private::Test;
use crate::cli::HiArgs;

/// Whether the run's one test can run here: see the module's comment.
pub(super) fn eligible(args: &HiArgs, attempts: u32) -> bool {
    !args.capture
        && !args.pdb
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
}

impl crate::postmortem::Host for Inline {
    fn interactive(&self, f: &mut dyn FnMut()) {
        f();
    }

    fn output_so_far(&self) -> Vec<u8> {
        // Nothing is captured.
        Vec::new()
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
        super::unix::flush_all();
        std::process::exit(101);
    }
}

/// Runs `test` on a thread named after it, as a worker would, and says how
/// it ended and how long it took.
pub(super) fn run(
    args: &HiArgs,
    test: &'static Test,
    name: &'static str,
) -> (Verdict, std::time::Duration) {
    crate::postmortem::configure(args);
    let host: &'static Inline = Box::leak(Box::new(Inline { name }));
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
    (worker::verdict(test, ending), duration)
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
