//! # autopsy
//!
//! A test harness for `cargo test` with Python's post-mortem debugging:
//! `cargo test -- --pdb` stops at a failure and opens a pdb-style prompt in
//! the failing frame with every local intact; `--trace` breaks at the start of
//! each test and steps through it; flaky tests are rerun with each attempt's
//! output kept.
//!
//! It speaks libtest's command line and output, captures output at the
//! file-descriptor level (child processes and C code included), and survives
//! tests that abort, segfault, overflow their stack or exit.
//!
//! ## Use
//!
//! ```toml
//! [dev-dependencies]
//! autopsy = { path = "../harness" }
//!
//! [[test]]
//! name = "batch"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/batch.rs
//! use std::collections::HashMap;
//!
//! fn load(config: &HashMap<&str, u64>) -> u64 {
//!     config["timeout"]
//! }
//!
//! #[autopsy::test]
//! fn loads_config() {
//!     let config = HashMap::from([("retries", 3)]);
//!     assert_eq!(load(&config), 30);
//! }
//!
//! #[autopsy::test]
//! fn parses() -> Result<(), std::num::ParseIntError> {
//!     let n: u32 = "42".parse()?;
//!     assert_eq!(n, 42);
//!     Ok(())
//! }
//!
//! autopsy::main!();
//! ```
//!
//! Then `cargo test --test batch -- --pdb`.
//!
//! ## In your own code
//!
//! - [`breakpoint!`] opens the prompt where it stands; [`post_mortem!`]
//!   opens it where you caught an error (or prints the traceback with
//!   locals when there is no prompt to open).
//! - A failing `?` in an `#[autopsy::trace]` function stops there under
//!   `--pdb`, as one in a test body does.
//! - [`Traceback`] and [`traceback::format_error`] are Python's `traceback`
//!   module: frames, source lines and locals of the current thread in
//!   Python's layout, and an error's `source()` chain; in plain programs
//!   too.
//!
//! ## Limitations
//!
//! - Linux only (the runner uses `fork`/`exec` workers, `dup2` capture and
//!   `process_vm_readv` to read memory safely).
//! - Locals come from DWARF: a test profile without debug info still gets the
//!   prompt, frames and source lines, but no locals.
//! - `p`/`pp` call the value's own `Debug` impl when the binary contains it,
//!   isolated in a forked child with a deadline; otherwise values are read
//!   from memory and rendered the way `{:?}` renders std's types and derived
//!   `Debug`.

#![warn(missing_docs)]

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

mod cli;
mod debuginfo;
mod dump;
mod executor;
mod history;
mod isolate;
mod libtest_mode;
mod list;
mod postmortem;
mod program;
mod registry;
mod reporter;
mod runner;
mod styles;
pub mod traceback;

pub use traceback::Traceback;

/// Marks a test: `#[autopsy::test]`, with `#[ignore]`, `#[should_panic]`, a
/// `Result` return type, and `#[autopsy::test(reruns = 3, reruns_delay = 0.5)]`.
pub use autopsy_macros::test;

/// Makes a helper function steppable under `--trace`; under `--pdb` a `?`
/// that fails in it opens the prompt there.
pub use autopsy_macros::trace;

pub use autopsy_macros::main;

pub use autopsy_macros::install;

/// Python's `breakpoint()`: opens the prompt in the caller's frame when run
/// under autopsy with a terminal or piped commands; goes on at end of input.
#[macro_export]
macro_rules! breakpoint {
    () => {
        $crate::__private::breakpoint(::core::file!(), ::core::line!())
    };
}

/// Python's `pdb.post_mortem()` for an error you caught: `post_mortem!(&err)`
/// opens the prompt in the caller's frame, its header showing the error as
/// `{:?}` and the traceback of the caller's frames, when the code runs under
/// the autopsy harness with a terminal or piped commands (`q` ends the run,
/// `c` goes on after the macro). Otherwise (no terminal, a plain program) it
/// prints the same to stderr, with each frame's locals, and goes on:
///
/// ```text
/// autopsy: post_mortem!() at src/main.rs:20 (no prompt: not running under the autopsy harness)
/// Traceback (most recent call last):
///   File "src/main.rs", line 20, in batch::main
///     autopsy::post_mortem!(&err);
///     err = ParseIntError { kind: InvalidDigit }
/// Error: ParseIntError { kind: InvalidDigit }
/// ```
///
/// Takes a reference to anything `Debug` (every error type is).
#[macro_export]
macro_rules! post_mortem {
    ($err:expr $(,)?) => {
        $crate::__private::post_mortem($err, ::core::file!(), ::core::line!())
    };
}

/// Parses the command line and runs (or lists) the tests; never returns.
pub(crate) fn main_impl() -> ! {
    let args = match cli::HiArgs::parse(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(cli::ArgsError::Clap(e)) => cli::exit_with(e),
        Err(e) => {
            eprintln!("error: {e}\n\nFor more information, try '--help'.");
            std::process::exit(2);
        }
    };
    if let Some(spec) = std::env::var_os(runner::unix::WORKER_ENV) {
        runner::worker::run(&args, &spec.to_string_lossy());
    }
    let tests = list::all_tests(|name| args.selection.matches(name));
    // libtest creates its log before it lists or runs anything.
    let log = args.logfile.as_deref().map(|path| {
        let file = reporter::logfile::create(path).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(101);
        });
        (file, path)
    });
    if args.list {
        let names = list::print_list(&args, &tests.selected);
        if let Some((file, path)) = log {
            if let Err(e) = reporter::logfile::write_list(file, path, names.into_iter()) {
                eprintln!("error: {e}");
                std::process::exit(101);
            }
        }
        std::process::exit(0);
    }
    let styles = styles::Styles::new(args.color);
    // Every output is a reporter of the same events: the screen's, then
    // each report file.
    let screen: Box<dyn reporter::Reporter> = match args.format {
        cli::Format::Json => Box::new(reporter::JsonReporter::new(
            args.show_output,
            args.report_time,
        )),
        _ => Box::new(
            reporter::LibtestReporter::new(args.format, styles, args.show_output, &tests.selected)
                .report_time(args.report_time),
        ),
    };
    let mut reporters = vec![screen];
    if let Some((file, path)) = log {
        reporters.push(Box::new(reporter::LogfileReporter::new(
            file,
            path.to_path_buf(),
            args.report_time,
        )));
    }
    if let Some(path) = &args.junit {
        reporters.push(Box::new(reporter::JunitReporter::new(
            path.clone(),
            history::binary_name(),
        )));
    }
    let mut reporters = reporter::FanOut::new(reporters);
    let conclusion = runner::run(&args, &tests, &mut reporters);
    if let Err(e) = reporter::Reporter::finish(&mut reporters) {
        // The tests' verdict stands (101 when they failed); a run whose
        // tests passed but whose report is missing fails too.
        eprintln!("error: {e}");
        std::process::exit(if conclusion.ok {
            1
        } else {
            conclusion.exit_code()
        });
    }
    std::process::exit(conclusion.exit_code())
}
