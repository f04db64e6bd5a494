//! Who hosts the prompt: the seam between the debugger and the process it
//! runs in. A test worker of autopsy's own runner pauses its timeout clock
//! and hands the prompt the terminal; a test under libtest has the terminal
//! already. The debugger asks the host; it never reaches into the runner.

use std::sync::OnceLock;

/// What the prompt needs from the process that hosts it.
pub(crate) trait Host: Sync {
    /// Runs `f` with the terminal on fds 1 and 2 (the prompt).
    fn interactive(&self, f: &mut dyn FnMut());
    /// The current test's captured output so far, when the host has it.
    fn output_so_far(&self) -> Option<Vec<u8>>;
    /// Whether the running test expects this panic (`#[should_panic]`): it
    /// then passes, and opens no prompt.
    fn expects_panic(&self, _message: &str) -> bool {
        false
    }
    /// The current attempt and the number of attempts, under reruns.
    fn attempt(&self) -> Option<(u32, u32)>;
    /// `q(uit)`: ends the run now.
    fn quit(&self) -> !;
}

static HOST: OnceLock<&'static dyn Host> = OnceLock::new();

/// Makes `host` the prompt's host for the rest of the process.
pub(crate) fn set(host: &'static dyn Host) {
    let _ = HOST.set(host);
}

/// The host, once one was set.
pub(crate) fn get() -> Option<&'static dyn Host> {
    HOST.get().copied()
}
