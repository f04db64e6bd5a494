//! The post-mortem of programs: `autopsy::install!();` at the top level of
//! a binary crate (`python -m pdb -c continue`).
//!
//! The constructor the macro plants runs before `main` and decides once:
//!
//! - `AUTOPSY_PDB=0` (or `false`, `no`, `off`): nothing is armed, no hook
//!   is set, no debug info is read;
//! - the program has a terminal (stdin is one), or `AUTOPSY_PDB=1` with
//!   commands piped on stdin: a panic in any thread opens the prompt in the
//!   failing frame, on that thread, before unwinding;
//! - otherwise (cron, a service, CI), nobody can answer a prompt: a panic
//!   writes a post-mortem dump (see [`crate::dump`]) and one line on
//!   stderr, after std's message, saying where; `cargo autopsy open`
//!   reopens the prompt from it later. So does `post_mortem!(&err)`, and a
//!   fatal signal ([`crate::dump::signal`]).
//!
//! After the prompt the panic goes on as usual: std's hook prints its
//! message, and the exit status is what it would have been. `q(uit)` ends
//! the program at once with status 101, a panic's status.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;

use crate::postmortem::{self, Host};

/// What `AUTOPSY_PDB` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wish {
    /// Unset: decide by the terminal.
    Auto,
    /// Set to a true value: the prompt, even without a terminal.
    On,
    /// Set to a false value: nothing at all.
    Off,
}

fn wish() -> Wish {
    match std::env::var("AUTOPSY_PDB") {
        Err(_) => Wish::Auto,
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" => Wish::Auto,
            "0" | "false" | "no" | "off" | "n" | "f" => Wish::Off,
            _ => Wish::On,
        },
    }
}

/// What a panic of this program does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing (as without autopsy).
    Off,
    /// The prompt.
    Prompt,
    /// A post-mortem dump, and a line saying where.
    Dump,
}

fn mode(wish: Wish, terminal: bool, commands: bool) -> Mode {
    match wish {
        Wish::Off => Mode::Off,
        Wish::Auto if terminal => Mode::Prompt,
        Wish::On if commands => Mode::Prompt,
        Wish::Auto | Wish::On => Mode::Dump,
    }
}

/// The program's crate, as `install!()` named it.
static CRATE: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Notes the program's crate (`CARGO_CRATE_NAME` where `install!()` was
/// written).
pub(crate) fn set_crate(krate: Option<&'static str>) {
    if let Some(k) = krate {
        let _ = CRATE.set(k);
    }
}

/// `install()` armed this process (a hook, a host, perhaps signal handlers).
static ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `autopsy::install!()` armed this process: autopsy's runner then
/// starts its workers by `exec`, where they arm themselves as workers, not
/// as copies of a process that holds a program's hooks and handlers.
pub(crate) fn armed() -> bool {
    ARMED.load(Ordering::Relaxed)
}

/// `autopsy::install!()` in a program: arms the post-mortem before `main`.
pub(crate) fn install() {
    // autopsy's runner starts its workers from the same binary (a
    // `harness = false` target that also wrote `install!()`): they arm
    // themselves.
    if std::env::var_os(crate::runner::unix::WORKER_ENV).is_some() {
        return;
    }
    let mode = mode(
        wish(),
        std::io::stdin().is_terminal(),
        crate::postmortem::prompt_input(),
    );
    if mode == Mode::Off {
        return;
    }
    ARMED.store(true, Ordering::Relaxed);
    if let Some(k) = CRATE.get() {
        // Before `configure_with`, whose guess (the tests' crates) is
        // empty in a program.
        crate::debuginfo::set_user_crates(vec![k.to_string()]);
    }
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    // The program's output went to its terminal: nothing is captured.
    postmortem::configure_with(color, false, false, false);
    if mode == Mode::Dump {
        let default = std::panic::take_hook();
        crate::dump::signal::install();
        postmortem::dump_caught_errors(crate::dump::write::default_dir());
        std::panic::set_hook(Box::new(move |info| {
            let written =
                postmortem::dump_panic(info, String::new(), crate::dump::write::default_dir());
            default(info);
            if let Some(w) = written {
                eprintln!("{}", crate::dump::write::line(&w));
            }
        }));
        return;
    }
    // Only a program that can prompt hosts the prompt: in dump mode its
    // stdin stays its own, also for `post_mortem!()` and `breakpoint!()`.
    static HOST: ProgramHost = ProgramHost;
    postmortem::set_host(&HOST);
    crate::__private::PDB_ARMED.store(true, Ordering::Relaxed);
    postmortem::chain_panic_hook();
}

/// The prompt's host in a program: the terminal is the process's own.
struct ProgramHost;

impl Host for ProgramHost {
    fn interactive(&self, f: &mut dyn FnMut()) {
        postmortem::one_prompt_at_a_time(f);
    }

    fn output_so_far(&self) -> Vec<u8> {
        Vec::new()
    }

    fn attempt(&self) -> Option<(u32, u32)> {
        None
    }

    fn quit(&self) -> ! {
        eprintln!("autopsy: quit at the prompt");
        std::process::exit(101);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_decides_unless_autopsy_pdb_says() {
        assert_eq!(mode(Wish::Auto, true, true), Mode::Prompt);
        assert_eq!(mode(Wish::Auto, false, true), Mode::Dump);
        assert_eq!(mode(Wish::On, false, true), Mode::Prompt);
        assert_eq!(mode(Wish::On, false, false), Mode::Dump);
        assert_eq!(mode(Wish::Off, true, true), Mode::Off);
    }
}
