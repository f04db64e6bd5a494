//! autopsy inside libtest: the post-mortem for test targets that keep
//! libtest's harness (unit tests in `src/`, integration tests without
//! `harness = false`).
//!
//! There libtest owns `main`, the command line, output capture, the summary
//! and the exit code. autopsy comes in through two doors:
//!
//! - a constructor (an `.init_array` entry, run before `main`) that
//!   `autopsy::install!()` and every `#[autopsy::test]` plant in the test
//!   binary: it reads `AUTOPSY_PDB`, `AUTOPSY_SHOWLOCALS` and
//!   `AUTOPSY_TRACE`, and takes autopsy's own flags (`--pdb`, ...) out of
//!   the command line before libtest parses it, so that
//!   `cargo test -- --pdb` works on every target of a package;
//! - [`enter`], the first statement of each `#[autopsy::test]` body under
//!   libtest, which arms `--trace`'s stops for that test.
//!
//! With no `AUTOPSY_*` variable and no autopsy flag, the constructor reads
//! three variables and returns: no debug info is read, no hook is changed.

use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::__private::{Registry, ShouldPanic};
use crate::postmortem::{self, Host};

/// What the constructor found.
#[derive(Debug, Default, Clone, Copy)]
struct Armed {
    pdb: bool,
    showlocals: bool,
    trace: bool,
}

impl Armed {
    fn any(self) -> bool {
        self.pdb || self.showlocals || self.trace
    }
}

static ARMED: OnceLock<Armed> = OnceLock::new();

/// The signature of an `.init_array` entry as glibc calls it.
pub type Init = unsafe extern "C" fn(c_int, *mut *mut c_char, *mut *mut c_char);

/// The body of the constructor `#[autopsy::test]` plants under libtest;
/// `registry` is what the test binary registered (`__registry!()` where
/// the attribute expands).
///
/// # Safety
/// As [`install`]: called from an `.init_array` entry, with the process's
/// own argc/argv, before anything else runs.
pub unsafe fn init_in(argc: c_int, argv: *mut *mut c_char, registry: Registry) {
    crate::registry::set_image(registry);
    // SAFETY: the caller's promise.
    unsafe { install(Installed::Libtest, argc, argv) };
}

/// Where `autopsy::install!()` was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// A test target that keeps libtest.
    Libtest,
    /// A `harness = false` test target: `autopsy::main!()`'s runner arms
    /// the post-mortem from its own command line.
    Harness,
    /// A program.
    Program,
}

/// [`install`] from the constructor `autopsy::install!()` plants, which
/// also names its crate (`CARGO_CRATE_NAME`): in a program, the user's
/// own code when frames have no source path to tell it by, and the types
/// whose `Debug` is derived there; and passes what its binary registered
/// (`__registry!()` where the macro expands).
///
/// # Safety
/// As [`install`].
pub unsafe fn install_in(
    kind: Installed,
    krate: Option<&'static str>,
    argc: c_int,
    argv: *mut *mut c_char,
    registry: Registry,
) {
    crate::registry::set_image(registry);
    if kind == Installed::Program {
        crate::program::set_crate(krate);
    }
    // SAFETY: the caller's promise.
    unsafe { install(kind, argc, argv) }
}

/// The constructor's work. Runs once, however many constructors call it.
///
/// # Safety
/// `argv` holds `argc` valid C strings and may be written: what glibc hands
/// an `.init_array` entry, before `main`.
pub unsafe fn install(kind: Installed, argc: c_int, argv: *mut *mut c_char) {
    static ONCE: AtomicBool = AtomicBool::new(false);
    if kind == Installed::Harness || ONCE.swap(true, Ordering::SeqCst) {
        return;
    }
    if kind == Installed::Program {
        crate::program::install();
        return;
    }
    let mut armed = Armed {
        pdb: env_flag("AUTOPSY_PDB"),
        showlocals: env_flag("AUTOPSY_SHOWLOCALS"),
        trace: env_flag("AUTOPSY_TRACE"),
    };
    // SAFETY: the caller's promise.
    unsafe { take_flags(argc, argv, &mut armed) };
    let _ = ARMED.set(armed);
    if !armed.any() {
        return;
    }
    if armed.pdb || armed.trace {
        // One prompt at a time: libtest then runs the tests one by one.
        std::env::set_var("RUST_TEST_THREADS", "1");
    }
    arm(armed);
}

/// As clap's `FalseyValueParser` reads the full harness's env twins.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off" | "n" | "f"
        )
    })
}

/// What stands in for a flag taken out of the command line: a `--skip` whose
/// pattern, with its spaces, can match no test name, so libtest's counts
/// stay as they were.
const SPENT: &CStr = c"--skip=(an autopsy flag, taken by autopsy)";

/// Flags of the full harness that mean nothing under libtest, and whether
/// each takes a value.
const HARNESS_ONLY: &[(&str, bool)] = &[
    ("--reruns", true),
    ("--reruns-delay", true),
    ("--only-rerun", true),
    ("--rerun-except", true),
    ("--timeout", true),
    ("--junit", true),
    ("--fail-on-flaky", false),
    ("--lf", false),
    ("--last-failed", false),
    ("--ff", false),
    ("--failed-first", false),
];

/// Takes autopsy's flags out of `argv` in place (libtest would refuse them).
///
/// # Safety
/// `argv` holds `argc` valid C strings, and may be written.
unsafe fn take_flags(argc: c_int, argv: *mut *mut c_char, armed: &mut Armed) {
    if argv.is_null() {
        return;
    }
    let mut ignored = Vec::new();
    let mut i = 1;
    while i < argc as usize {
        let slot = argv.add(i);
        let arg = CStr::from_ptr(*slot).to_string_lossy().into_owned();
        if arg == "--" {
            break;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, _)) => (n.to_string(), true),
            None => (arg.clone(), false),
        };
        let spend = |slot: *mut *mut c_char| *slot = SPENT.as_ptr().cast_mut();
        match name.as_str() {
            "--pdb" => armed.pdb = true,
            "--trace" => armed.trace = true,
            "--showlocals" | "-l" => armed.showlocals = true,
            _ => match HARNESS_ONLY.iter().find(|(n, _)| *n == name) {
                Some((_, takes_value)) => {
                    ignored.push(name.clone());
                    if *takes_value && !inline && i + 1 < argc as usize {
                        i += 1;
                        spend(argv.add(i));
                    }
                }
                None => {
                    i += 1;
                    continue;
                }
            },
        }
        spend(slot);
        i += 1;
    }
    if !ignored.is_empty() {
        eprintln!(
            "autopsy: {} need autopsy's own runner (`harness = false` and \
             `autopsy::main!();`); this target runs under libtest, which ignores them",
            ignored.join(", ")
        );
    }
}

/// The prompt's host under libtest, set once.
fn host(armed: Armed) {
    use std::io::IsTerminal;
    static HOST: LibtestHost = LibtestHost;
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        postmortem::set_host(&HOST);
        let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        // libtest captures through `print!`; the prompt writes to the terminal.
        postmortem::configure_with(color, armed.showlocals, false, armed.trace);
    });
}

/// `autopsy::breakpoint!()` in a libtest binary opens the prompt without
/// any flag, as under autopsy's runner: the host comes when first needed.
pub(crate) fn host_for_breakpoint() {
    if let Some(armed) = ARMED.get() {
        host(*armed);
    }
}

/// Arms the post-mortem for the rest of the process.
fn arm(armed: Armed) {
    host(armed);
    crate::__private::PDB_ARMED.store(armed.pdb || armed.trace, Ordering::Relaxed);
    postmortem::chain_panic_hook();
}

/// Held for the length of an `#[autopsy::test]` body under libtest.
#[must_use]
pub struct Entered {
    traced: bool,
}

thread_local! {
    /// The running test's `#[should_panic]`, on its own thread.
    static SHOULD_PANIC: std::cell::Cell<ShouldPanic> =
        const { std::cell::Cell::new(ShouldPanic::No) };
}

/// The first statement of an `#[autopsy::test]` body under libtest: notes
/// whether the test expects to panic (an expected panic opens no prompt)
/// and, under `AUTOPSY_TRACE`, stops at the test's first statement.
/// `file` and `stops`: the body's trace stops (see `Test::stops`).
pub fn enter(should_panic: ShouldPanic, file: &'static str, stops: &'static [u32]) -> Entered {
    SHOULD_PANIC.with(|s| s.set(should_panic));
    postmortem::trace::enter_test(file, stops);
    let traced = ARMED.get().is_some_and(|a| a.trace);
    if traced {
        postmortem::trace::arm_for_test();
    }
    Entered { traced }
}

impl Drop for Entered {
    fn drop(&mut self) {
        SHOULD_PANIC.with(|s| s.set(ShouldPanic::No));
        if self.traced {
            postmortem::trace::disarm();
        }
    }
}

/// The prompt's host under libtest: the terminal is the process's own.
struct LibtestHost;

impl Host for LibtestHost {
    fn interactive(&self, f: &mut dyn FnMut()) {
        postmortem::one_prompt_at_a_time(f);
    }

    fn output_so_far(&self) -> Vec<u8> {
        // libtest keeps it (and `configure_with` says nothing is captured).
        Vec::new()
    }

    fn expects_panic(&self, message: &str) -> bool {
        SHOULD_PANIC.with(|s| s.get()).expects(message)
    }

    fn attempt(&self) -> Option<(u32, u32)> {
        None
    }

    fn quit(&self) -> ! {
        eprintln!("autopsy: quit; libtest's summary is not printed");
        std::process::exit(101);
    }
}
