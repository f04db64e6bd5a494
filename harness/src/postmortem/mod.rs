//! The post-mortem: a pdb-style prompt in the failing frame, opened from the
//! panic hook on the panicking thread before unwinding, so every frame of the
//! failure is still on the stack and its locals can be read.
//!
//! The hook captures the stack on the panicking thread (only that thread can
//! unwind itself), then runs the session on a helper thread with a large
//! stack: parsing DWARF at opt-level 0 needs more stack than a test thread
//! has, and a panic in the debugger must not become a panic inside the panic
//! hook (which aborts): the helper's panic is caught by `join`.
//!
//! The prompt reaches what hosts it (a test worker) only through
//! [`Host`]: the debugger does not import the runner.

mod frames;
pub(crate) mod host;
mod input;
mod session;
pub(crate) mod source;
pub(crate) mod trace;
pub(crate) mod traps;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::HiArgs;
use crate::debuginfo::{self, DebugInfo, RawFrame};
use crate::styles::Styles;
use crate::traceback::Traceback;
pub(crate) use host::{one_prompt_at_a_time, set_host, Host};
pub(crate) use input::prompt_input;
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
    configure_with(args.color, args.showlocals, args.capture, args.trace);
}

/// [`configure`] from its parts (libtest's runs have no [`HiArgs`]).
pub(crate) fn configure_with(color: bool, showlocals: bool, captured: bool, trace: bool) {
    COLOR.store(color, Ordering::Relaxed);
    SHOWLOCALS.store(showlocals, Ordering::Relaxed);
    CAPTURED.store(captured, Ordering::Relaxed);
    trace::configure(trace);
    debuginfo::set_autopsy_dir(env!("CARGO_MANIFEST_DIR"));
    debuginfo::guess_user_crates(user_crates);
}

/// The test crate (first segment of its tests' `module_path!()`) and, under
/// `cargo test`, the package's library: the user's own code when frames
/// have no DWARF to tell by source path.
fn user_crates() -> Vec<String> {
    let mut crates: Vec<String> = Vec::new();
    for t in crate::registry::tests() {
        // One name per crate, not per test: a worker's start paid a String
        // per test, then sorted 20,000 equal strings. A test of a crate
        // already seen is recognised by a prefix compare, cheaper than
        // splitting its path (unoptimized, in the user's build).
        let path = t.module_path();
        let known = crates.iter().any(|c| {
            path.starts_with(c.as_str())
                && (path.len() == c.len() || path[c.len()..].starts_with("::"))
        });
        if known {
            continue;
        }
        let c = path.split("::").next().unwrap_or("");
        if !c.is_empty() {
            crates.push(c.to_string());
        }
    }
    if let Ok(pkg) = std::env::var("CARGO_PKG_NAME") {
        crates.push(pkg.replace('-', "_"));
    }
    crates.sort();
    crates.dedup();
    crates
}

pub(crate) fn styles() -> Styles {
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

/// Writes a post-mortem dump of a panic (no prompt can open), from the
/// panic hook on the panicking thread; `None` when the panic is one the
/// code catches or expects, or the dump could not be written (said on
/// stderr).
pub(crate) fn dump_panic(
    info: &std::panic::PanicHookInfo<'_>,
    test: String,
    dir: std::path::PathBuf,
) -> Option<crate::dump::write::Written> {
    if on_debugger_thread() || crate::isolate::in_child() {
        return None;
    }
    let raw = debuginfo::capture_stack();
    if caught_by_the_test(&raw) {
        return None;
    }
    let message = info.payload_as_str().unwrap_or("Box<dyn Any>").to_string();
    let host = host::host();
    if host.is_some_and(|h| h.expects_panic(&message)) {
        return None;
    }
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "<unknown>".into());
    let failure = crate::dump::write::Failure {
        kind: crate::dump::format::StopKind::Panic,
        tid: crate::dump::write::current_tid(),
        context: None,
        signal: None,
        message,
        location,
        thread: thread_name(),
        test,
        attempt: host.and_then(|h| h.attempt()),
        output: host
            .filter(|_| CAPTURED.load(Ordering::Relaxed))
            .map(|h| h.output_so_far()),
    };
    match on_helper_thread(move || crate::dump::write::write(failure, &raw, dir))? {
        Ok(w) => Some(w),
        Err(e) => {
            eprintln!("autopsy: no post-mortem dump: {e}");
            None
        }
    }
}

/// Called from the worker's panic hook, on the panicking thread.
pub(crate) fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    // A call the debugger made (a Debug impl) panicked in its forked child.
    if on_debugger_thread() || crate::isolate::in_child() {
        return;
    }
    latency_start();
    let raw = debuginfo::capture_stack();
    if caught_by_the_test(&raw) {
        return;
    }
    let message = info.payload_as_str().unwrap_or("Box<dyn Any>").to_string();
    if host::host().is_some_and(|h| h.expects_panic(&message)) {
        return;
    }
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
        let file = info.location().map_or("", |l| l.file());
        on_helper_thread(|| show_locals(&raw, file));
    }
    if crate::__private::PDB_ARMED.load(Ordering::Relaxed) {
        open(stop, raw);
    }
}

/// Whether the code that called the innermost `catch_unwind` around the panic
/// is the test's own (or a crate it calls, such as a property-testing
/// framework running and shrinking cases): then the panic is caught and
/// handled there, and opens no prompt. The test's own thread is started
/// inside a `catch_unwind` of std's, libtest's or autopsy's, whose callers
/// are not the user's.
fn caught_by_the_test(raw: &[RawFrame]) -> bool {
    let Ok(info) = DebugInfo::get() else {
        return false;
    };
    let frames = info.frames(raw);
    let is_catch = |f: &str| {
        f == "__rust_try"
            || f.contains("panicking::catch_unwind")
            || f.contains("panicking::try")
            || f.starts_with("std::panic::catch_unwind")
    };
    let Some(catch) = frames.iter().position(|f| is_catch(&f.function)) else {
        return false;
    };
    frames[catch..]
        .iter()
        .find(|f| !is_catch(&f.function) && f.kind != debuginfo::FrameKind::Std)
        .is_some_and(|caller| {
            matches!(
                caller.kind,
                debuginfo::FrameKind::User | debuginfo::FrameKind::Dependency
            )
        })
}

/// Chains the post-mortem in front of the panic hook in place: the prompt
/// (or `--showlocals`), then the hook's own message, then `q(uit)`. For the
/// hosts whose process is the user's own (libtest's tests, a program); a
/// test worker keeps its own hook, which also writes dumps.
pub(crate) fn chain_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if wants_panics() {
            on_panic(info);
        }
        default(info);
        if quit_requested() {
            quit_now();
        }
    }));
}

/// `?` in a test body or an `#[autopsy::trace]` function is about to
/// return an error (under `--pdb`). Once a `?` has stopped, the same error
/// going up through the `?`s of its callers does not stop again.
pub(crate) fn on_question(file: &'static str, line: u32) {
    if on_debugger_thread() {
        return;
    }
    let raw = debuginfo::capture_stack();
    if LAST_QUESTION.with(|last| propagating(&last.borrow(), &raw)) {
        return;
    }
    let location = format!("{file}:{line}");
    let kept = raw.clone();
    if !crate::__private::PDB_ARMED.load(Ordering::Relaxed) {
        dump_question(location, raw);
    } else {
        let stop = Stop::Question {
            error: String::new(),
            location,
            thread: thread_name(),
        };
        open(stop, raw);
    }
    LAST_QUESTION.with(|last| *last.borrow_mut() = kept);
}

/// Where a failing `?` writes its dump under `--dump` (no prompt).
static QUESTION_DUMPS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Makes a failing `?` write a dump into `dir` when no prompt opens.
pub(crate) fn dump_questions_to(dir: std::path::PathBuf) {
    let _ = QUESTION_DUMPS.set(dir);
}

/// A failing `?` under `--dump`: a dump of the error where it arose, and
/// the line naming it in the test's output.
fn dump_question(location: String, raw: Vec<RawFrame>) {
    let Some(dir) = QUESTION_DUMPS.get().cloned() else {
        return;
    };
    let host = host::host();
    let mut failure = crate::dump::write::Failure {
        kind: crate::dump::format::StopKind::Question,
        tid: crate::dump::write::current_tid(),
        context: None,
        signal: None,
        message: String::new(),
        location,
        thread: thread_name(),
        test: host.and_then(|h| h.test_name()).unwrap_or_default(),
        attempt: host.and_then(|h| h.attempt()),
        output: host
            .filter(|_| CAPTURED.load(Ordering::Relaxed))
            .map(|h| h.output_so_far()),
    };
    let written = on_helper_thread(move || {
        if let Ok(info) = DebugInfo::get() {
            failure.message = question_value(info, &info.frames(&raw));
        }
        crate::dump::write::write(failure, &raw, dir)
    });
    match written {
        Some(Ok(w)) => eprintln!("{}", crate::dump::write::line(&w)),
        Some(Err(e)) => eprintln!("autopsy: no post-mortem dump: {e}"),
        None => {}
    }
}

thread_local! {
    /// The stack (innermost first) of this thread's last `?` stop.
    static LAST_QUESTION: std::cell::RefCell<Vec<RawFrame>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether a failing `?` with stack `now` is in one of the callers of an
/// earlier `?` stop with stack `prev`, in the same activation: the
/// earlier error on its way up. Both stacks reach the hook through the same
/// frames; their outer frames are equal, and the first frame that differs
/// going inward is the function of the new `?`, at the same stack address
/// as in `prev` (only its return address moved on).
fn propagating(prev: &[RawFrame], now: &[RawFrame]) -> bool {
    if prev.len() <= now.len() {
        return false;
    }
    let common = prev
        .iter()
        .rev()
        .zip(now.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 || common >= now.len() {
        return false;
    }
    prev[prev.len() - common - 1].cfa == now[now.len() - common - 1].cfa
}

/// Runs `f` on a thread with room for DWARF parsing, catching its panics.
pub(crate) fn on_helper_thread<R: Send>(f: impl FnOnce() -> R + Send) -> Option<R> {
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

/// `--showlocals`: the traceback of the user's frames with their locals,
/// into the test's output, above the panic's message (as pytest prints
/// them); `file` is the panic's `file!()`.
fn show_locals(raw: &[RawFrame], file: &str) {
    let Ok(info) = DebugInfo::get() else { return };
    let frames = info.frames(raw);
    let root = crate::traceback::root_of(&frames, file);
    let mut tb = Traceback::from_frames(&frames, root.as_deref());
    tb.read_locals(info);
    // `eprint!`, not fd 2: under libtest it lands in the test's captured
    // output (this thread inherits the test thread's capture); under
    // autopsy's runner fd 2 is the capture anyway.
    eprint!("\n{tb}");
}

/// `autopsy::post_mortem!(&err)` at `file:line`; `error` is its `{:?}`.
/// Under the harness with a terminal or piped commands, the prompt opens in
/// the caller's frame; otherwise the error and the traceback of the
/// caller's frames, with their locals, go to stderr.
pub(crate) fn on_caught(error: String, file: &'static str, line: u32) {
    if on_debugger_thread() {
        return;
    }
    let raw = debuginfo::capture_stack();
    let location = format!("{file}:{line}");
    let why = if CAUGHT_DUMPS.get().is_some() {
        "no terminal"
    } else if host::host().is_none() {
        "not running under the autopsy harness"
    } else if trace::input_ended() || !host::host().is_some_and(|h| h.prompt_input()) {
        "no terminal or piped commands"
    } else {
        let stop = Stop::Caught {
            error,
            location,
            thread: thread_name(),
        };
        open(stop, raw);
        return;
    };
    let written = CAUGHT_DUMPS.get().cloned().and_then(|dir| {
        let failure = crate::dump::write::Failure {
            kind: crate::dump::format::StopKind::Caught,
            tid: crate::dump::write::current_tid(),
            context: None,
            signal: None,
            message: error.clone(),
            location: location.clone(),
            thread: thread_name(),
            test: String::new(),
            attempt: None,
            output: None,
        };
        let raw = raw.clone();
        match on_helper_thread(move || crate::dump::write::write(failure, &raw, dir))? {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("autopsy: no post-mortem dump: {e}");
                None
            }
        }
    });
    let tb = Traceback::from_raw(raw, file).with_locals();
    let mut text =
        format!("autopsy: post_mortem!() at {location} (no prompt: {why})\n{tb}Error: {error}\n");
    if let Some(w) = written {
        text.push_str(&crate::dump::write::line(&w));
        text.push('\n');
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Where `post_mortem!()` writes a dump when no prompt can open: set in a
/// program with no terminal.
static CAUGHT_DUMPS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Makes `post_mortem!()` write dumps into `dir` when no prompt can open.
pub(crate) fn dump_caught_errors(dir: std::path::PathBuf) {
    let _ = CAUGHT_DUMPS.set(dir);
}

/// Opens the prompt for `stop` over the captured stack; returns when the
/// user continues. `q(uit)` ends the process after telling the coordinator.
pub(crate) fn open(stop: Stop, raw: Vec<RawFrame>) -> Option<Action> {
    let Some(host) = host::host() else {
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
        .then(|| host.output_so_far());
    let action = on_helper_thread(move || {
        host::interactive(host, || {
            let info = DebugInfo::get();
            let mut stop = stop;
            let mut session = match info {
                Ok(info) => {
                    let mut frames = info.frames(&raw);
                    if let Stop::Trace { location, .. } = &stop {
                        // A statement with no code of its own (a tail
                        // expression already in the return register) stops
                        // where the next code begins: it shows its own line.
                        let line = location.rsplit_once(':').and_then(|(_, l)| l.parse().ok());
                        let at = frames::opening_frame(&frames);
                        if let (Some(line), Some(f)) = (line, frames.get_mut(at)) {
                            f.line = Some(line);
                        }
                    }
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
            session.attempt = host.attempt();
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

/// Tells the host the user quit, and ends the process.
pub(crate) fn quit_now() -> ! {
    match host::host() {
        Some(host) => host.quit(),
        None => std::process::exit(101),
    }
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

pub(crate) fn run_prompt(session: &mut Session) -> Action {
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
            members: session.member_completer(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ip: usize, cfa: usize) -> RawFrame {
        RawFrame { ip, cfa }
    }

    #[test]
    fn a_callers_question_is_the_same_error_going_up() {
        // hook, helper, test body, runner: innermost first.
        let prev = [f(1, 100), f(2, 200), f(3, 300), f(4, 400)];
        // hook, test body (further on), runner.
        let up = [f(1, 150), f(5, 300), f(4, 400)];
        assert!(propagating(&prev, &up));
        // Another activation of the test body's function (a new test).
        let other = [f(1, 150), f(5, 310), f(4, 400)];
        assert!(!propagating(&prev, &other));
        // Deeper than the earlier stop: a new error.
        assert!(!propagating(&up, &prev));
        assert!(!propagating(&[], &up));
    }
}
