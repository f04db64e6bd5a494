//! Who hosts the prompt: the seam between the debugger and what runs it.
//! A test worker registers itself at start ([`set_host`]); a user's program
//! and `cargo autopsy open` are the hosts to come. The debugger reaches its
//! host only through [`Host`], never the runner's modules.

use std::sync::OnceLock;

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
    /// `(attempt, total attempts)` of the current test, if any.
    fn attempt(&self) -> Option<(u32, u32)>;
    /// The user typed `q(uit)`: tell whoever waits, and end the process.
    fn quit(&self) -> !;
}

static HOST: OnceLock<&'static dyn Host> = OnceLock::new();

/// Makes `host` the prompt's host for the rest of the process.
pub(crate) fn set_host(host: &'static dyn Host) {
    let _ = HOST.set(host);
}

/// The prompt's host, when something hosts it.
pub(crate) fn host() -> Option<&'static dyn Host> {
    HOST.get().copied()
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
