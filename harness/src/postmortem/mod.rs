//! The post-mortem: a pdb-style prompt in the failing frame, opened from the
//! panic hook on the panicking thread before unwinding, so every frame of the
//! failure is still on the stack and its locals can be read.
//!
//! The hook captures the stack on the panicking thread (only that thread can
//! unwind itself), then runs the session on a helper thread with a large
//! stack: parsing DWARF at opt-level 0 needs more stack than a test thread
//! has, and a panic in the debugger must not become a panic inside the panic
//! hook (which aborts): the helper's panic is caught by `join`.

mod frames;
mod input;
mod session;
mod source;
pub(crate) mod trace;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::HiArgs;
use crate::debuginfo::{self, DebugInfo, RawFrame};
use crate::runner::worker;
use crate::styles::Styles;
use input::{Completion, Input, Lines};
pub(crate) use session::{Action, Session, Stop};

static COLOR: AtomicBool = AtomicBool::new(false);
static SHOWLOCALS: AtomicBool = AtomicBool::new(false);
static CAPTURED: AtomicBool = AtomicBool::new(true);

const DEBUGGER_THREAD: &str = "autopsy-debugger";

/// `AUTOPSY_LATENCY=1`: print how long the prompt took to appear (from the
/// panic, or from the last stepping command), for the benchmarks.
fn latency_wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| std::env::var_os("AUTOPSY_LATENCY").is_some_and(|v| v == "1"))
}

/// When the event that opens the next prompt began.
static LATENCY_FROM: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

fn latency_start() {
    if latency_wanted() {
        *LATENCY_FROM.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
    }
}

/// Remembers what the prompt needs from the command line.
pub(crate) fn configure(args: &HiArgs) {
    COLOR.store(args.color, Ordering::Relaxed);
    SHOWLOCALS.store(args.showlocals, Ordering::Relaxed);
    CAPTURED.store(args.capture, Ordering::Relaxed);
    trace::configure(args.trace);
    debuginfo::set_autopsy_dir(env!("CARGO_MANIFEST_DIR"));
    debuginfo::set_user_crates(user_crates());
}

/// The test crate (first segment of its tests' `module_path!()`) and, under
/// `cargo test`, the package's library: the user's own code when frames
/// have no DWARF to tell by source path.
fn user_crates() -> Vec<String> {
    let mut crates: Vec<String> = inventory::iter::<crate::__private::Test>
        .into_iter()
        .map(|t| t.module_path.split("::").next().unwrap_or("").to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if let Ok(pkg) = std::env::var("CARGO_PKG_NAME") {
        crates.push(pkg.replace('-', "_"));
    }
    crates.sort();
    crates.dedup();
    crates
}

fn styles() -> Styles {
    Styles::new(COLOR.load(Ordering::Relaxed))
}

fn thread_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_string()
}

fn on_debugger_thread() -> bool {
    std::thread::current().name() == Some(DEBUGGER_THREAD)
}

/// Whether the panic hook has anything to do for this process.
pub(crate) fn wants_panics() -> bool {
    SHOWLOCALS.load(Ordering::Relaxed) || crate::__private::PDB_ARMED.load(Ordering::Relaxed)
}

/// Called from the worker's panic hook, on the panicking thread.
pub(crate) fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    if on_debugger_thread() {
        return;
    }
    latency_start();
    let raw = debuginfo::capture_stack();
    let message = info.payload_as_str().unwrap_or("Box<dyn Any>").to_string();
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "<unknown>".into());
    let stop = Stop::Panic {
        message,
        location,
        thread: thread_name(),
    };
    if SHOWLOCALS.load(Ordering::Relaxed) {
        on_helper_thread(|| show_locals(&raw, &stop));
    }
    if crate::__private::PDB_ARMED.load(Ordering::Relaxed) {
        open(stop, raw);
    }
}

/// `?` in a test body is about to return an error (under `--pdb`).
pub(crate) fn on_question(file: &'static str, line: u32) {
    if on_debugger_thread() {
        return;
    }
    let raw = debuginfo::capture_stack();
    let location = format!("{file}:{line}");
    let stop = Stop::Question {
        error: String::new(),
        location,
        thread: thread_name(),
    };
    open(stop, raw);
}

/// Runs `f` on a thread with room for DWARF parsing, catching its panics.
fn on_helper_thread<R: Send>(f: impl FnOnce() -> R + Send) -> Option<R> {
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name(DEBUGGER_THREAD.into())
            .stack_size(256 << 20)
            .spawn_scoped(s, f);
        match spawned.map(|h| h.join()) {
            Ok(Ok(r)) => Some(r),
            Ok(Err(p)) => {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!("autopsy: internal error in the debugger (the test goes on): {msg}");
                None
            }
            Err(e) => {
                eprintln!("autopsy: cannot start the debugger thread: {e}");
                None
            }
        }
    })
}

/// `--showlocals`: the failing frame's locals, into the test's output.
fn show_locals(raw: &[RawFrame], stop: &Stop) {
    let Ok(info) = DebugInfo::get() else { return };
    let frames = info.frames(raw);
    // The stop's location lets paths read as in the panic message.
    let mut session = Session::new(Some(info), frames, stop.clone(), None, Styles::plain());
    let Some(f) = session.frames.get(session.selected).cloned() else {
        return;
    };
    let mut out = String::new();
    session.locals(false, &mut out);
    let at = if f.file.is_some() {
        format!(" at {}", session.location(&f))
    } else {
        String::new()
    };
    let mut text = format!("\nlocals of {}{at}:\n", f.function);
    for l in out.lines() {
        text.push_str("    ");
        text.push_str(l);
        text.push('\n');
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Opens the prompt for `stop` over the captured stack; returns when the
/// user continues. `q(uit)` ends the process after telling the coordinator.
pub(crate) fn open(stop: Stop, raw: Vec<RawFrame>) -> Option<Action> {
    let Some(state) = worker::state() else {
        eprintln!(
            "autopsy: no prompt for {}: not running under the autopsy harness",
            stop.describe()
        );
        return None;
    };
    if trace::input_ended() {
        return Some(Action::Continue);
    }
    let panicking = matches!(stop, Stop::Panic { .. });
    let output = CAPTURED
        .load(Ordering::Relaxed)
        .then(|| state.output_so_far());
    let action = on_helper_thread(move || {
        state.interactive(|| {
            let info = DebugInfo::get();
            let mut stop = stop;
            let mut session = match info {
                Ok(info) => {
                    let frames = info.frames(&raw);
                    if let Stop::Question { error, .. } = &mut stop {
                        *error = question_value(info, &frames);
                    }
                    Session::new(Some(info), frames, stop, output, styles())
                }
                Err(e) => {
                    println!("autopsy: cannot read this binary's debug info: {e}");
                    Session::new(None, Vec::new(), stop, output, styles())
                }
            };
            session.attempt = state
                .current
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .map(|a| (a.attempt, a.total_attempts));
            run_prompt(&mut session)
        })
    });
    if action == Some(Action::Quit) {
        if panicking {
            // The hook prints the panic's message into the capture first,
            // so the report of the quit test still says why it failed.
            QUIT.store(true, Ordering::Relaxed);
        } else {
            quit_now();
        }
    }
    action
}

/// `q(uit)` was typed at a panic's prompt: the worker's hook ends the run
/// once the default hook has printed the message.
static QUIT: AtomicBool = AtomicBool::new(false);

pub(crate) fn quit_requested() -> bool {
    QUIT.load(Ordering::Relaxed)
}

/// Tells the coordinator the user quit, and ends this worker.
pub(crate) fn quit_now() -> ! {
    if let Some(state) = worker::state() {
        state.send(&crate::runner::protocol::Report::Quit);
    }
    crate::runner::unix::flush_all();
    std::process::exit(101);
}

/// The value `?` was applied to, read from `question`'s own frame: no
/// `Debug` bound is needed on the user's error type.
fn question_value(info: &DebugInfo, frames: &[debuginfo::Frame]) -> String {
    let Some(f) = frames
        .iter()
        .find(|f| f.function.starts_with("autopsy::__private::question"))
    else {
        return "(the error value is not available)".into();
    };
    match info.eval(f, "value") {
        // The error alone, as the report's `Error:` line shows it.
        Ok(v) => {
            let text = v.debug();
            match text.strip_prefix("Err(").and_then(|t| t.strip_suffix(')')) {
                Some(inner) => inner.to_string(),
                None => text,
            }
        }
        Err(e) => format!("(the error value cannot be read: {e})"),
    }
}

fn run_prompt(session: &mut Session) -> Action {
    let mut stdout = std::io::stdout();
    let header = match session.stop {
        Stop::Trace { .. } => {
            let first = !std::mem::replace(&mut trace::state().announced, true);
            let mut text = String::new();
            if first {
                text = format!("\n>>> autopsy trace: {}\n", session.stop.thread_name());
            }
            text + &session.trace_stop_text()
        }
        _ => session.header(),
    };
    let _ = stdout.write_all(header.as_bytes());
    if let Some(from) = LATENCY_FROM
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        let _ = writeln!(
            stdout,
            "autopsy-latency-ms: {:.1}",
            from.elapsed().as_secs_f64() * 1000.0
        );
    }
    let _ = stdout.flush();
    let mut lines = Lines::open();
    let action = loop {
        lines.set_completion(Completion {
            commands: session::command_names(),
            locals: session.local_names(),
        });
        match lines.read("(autopsy) ") {
            Input::Line(line) => {
                let mut out = String::new();
                let action = session.execute(&line, &mut out);
                if matches!(
                    action,
                    Action::Next | Action::Step | Action::Return | Action::Until(_)
                ) {
                    latency_start();
                }
                let _ = stdout.write_all(out.as_bytes());
                let _ = stdout.flush();
                if action != Action::Stay {
                    break action;
                }
            }
            Input::Interrupted => continue,
            Input::Eof => {
                // End of piped input: everything goes on as without a
                // prompt. Ctrl-D on a terminal only continues: the next
                // failure opens its own prompt.
                if !lines.is_terminal() {
                    trace::end_of_input();
                }
                break Action::Continue;
            }
        }
    };
    lines.save();
    action
}
