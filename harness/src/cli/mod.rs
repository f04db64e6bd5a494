//! The command line: `lowargs` is what was typed, `hiargs` what it means.

mod cargo;
pub(crate) mod hiargs;
pub(crate) mod lowargs;
pub(crate) mod partition;
mod quick;

pub(crate) use hiargs::{ArgsError, Format, HiArgs, Ignored};

/// Prints clap's verdict and exits: help and usage as clap renders them, an
/// unknown flag as one line that names it and points at `--help` (clap's own
/// "tip" about `-- --flag` is wrong here: cargo already consumed the `--`).
pub(crate) fn exit_with(e: clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    if e.kind() == ErrorKind::UnknownArgument {
        if let Some(arg) = e.get(ContextKind::InvalidArg) {
            let exe = crate::history::binary_name();
            eprintln!(
                "error: unknown flag '{arg}' for the autopsy test binary '{exe}'\n\n\
                 Run with --help to list every flag (libtest's and autopsy's)."
            );
            std::process::exit(2);
        }
    }
    e.exit()
}
