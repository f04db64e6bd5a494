//! The post-mortem: a pdb-style prompt in the failing frame.

use std::panic::PanicHookInfo;

use crate::cli::HiArgs;

/// Remembers what the prompt needs from the command line (colour, locals).
pub(crate) fn configure(_args: &HiArgs) {}

/// Called from the worker's panic hook, on the panicking thread, before
/// unwinding, when `--pdb` is armed for the current attempt.
pub(crate) fn on_panic(_info: &PanicHookInfo<'_>) {}
