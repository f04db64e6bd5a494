//! Who hosts the prompt: the seam between the debugger and what runs it.
//! A test worker registers itself at start ([`set_host`]), as do libtest
//! mode and a user's program (`autopsy::install!()`). The debugger reaches its
//! host only through [`Host`], never the runner's modules.

use std::sync::RwLock;

/// What the prompt needs from its host.
pub(crate) trait Host: Sync {
    /// Runs `f` with the terminal on fds 1 and 2 and the host's clocks
    /// (timeouts) stopped: the prompt.
    fn interactive(&self, f: &mut dyn FnMut());
    /// The current test's captured output so far.
    fn output_so_far(&self) -> Vec<u8>;
    /// Whether the running test expects this panic (`#[should_panic]`): it
    /// then passes, and opens no prompt.
    fn expects_panic(&self, _message: &str) -> bool {
        false
    }
    /// Whether the prompt's stdin can bring commands (a terminal, a pipe):
    /// the host's own stdin, which a test worker's capture hides.
    fn prompt_input(&self) -> bool {
        super::input::prompt_input()
    }
    /// The name of the running test, if any.
    fn test_name(&self) -> Option<String> {
        None
    }
    /// `(attempt, total attempts)` of the current test, if any.
    fn attempt(&self) -> Option<(u32, u32)>;
    /// The user typed `q(uit)`: tell whoever waits, and end the process.
    fn quit(&self) -> !;
}

static HOST: RwLock<Option<&'static dyn Host>> = RwLock::new(None);

/// Makes `host` the prompt's host for the rest of the process. The last
/// one set wins: `autopsy::install!()` sets the program's host from a
/// constructor, before `main`; if that binary turns out to be autopsy's
/// runner or one of its workers (a `harness = false` target), the worker's
/// own host replaces it.
pub(crate) fn set_host(host: &'static dyn Host) {
    *HOST.write().unwrap_or_else(|e| e.into_inner()) = Some(host);
}

/// The prompt's host, when something hosts it.
pub(crate) fn host() -> Option<&'static dyn Host> {
    *HOST.read().unwrap_or_else(|e| e.into_inner())
}

/// [`Host::interactive`] for a closure that returns a value.
pub(crate) fn interactive<R>(host: &dyn Host, f: impl FnOnce() -> R) -> R {
    let mut f = Some(f);
    let mut out = None;
    host.interactive(&mut || {
        if let Some(f) = f.take() {
            out = Some(f());
        }
    });
    out.expect("the host ran the prompt")
}

/// Runs `f` while no other thread shows a prompt: the hosts whose terminal
/// is the process's own (libtest's tests with `--test-threads`, a program
/// whose threads panic at once) take turns.
pub(crate) fn one_prompt_at_a_time(f: &mut dyn FnMut()) {
    static PROMPT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = PROMPT.lock().unwrap_or_else(|e| e.into_inner());
    f();
}
