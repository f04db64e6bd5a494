//! `--trace`, breakpoints and `autopsy::breakpoint!()`: the stepping state,
//! consulted at every trace stop reached ([`super::traps`] plants them).
//!
//! Frames are told apart by their canonical frame address (the stack
//! pointer their caller had): the same for every stop of one activation,
//! lower in a callee, higher in a caller (stacks grow down).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::session::{Action, Stop};
use super::traps;
use crate::debuginfo::{self, RawFrame};

/// `--trace` (or `AUTOPSY_TRACE`) is on for this process.
static TRACE: AtomicBool = AtomicBool::new(false);

/// Where execution should stop next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only at breakpoints.
    Run,
    /// At the next trace stop anywhere (`s`, and the start of a test).
    Step,
    /// At the next stop in this frame (by its CFA) or a caller (`n`).
    Next(usize),
    /// At the next stop in a caller (`r`).
    Return(usize),
    /// At a line at or after `line` in this frame, or in a caller (`until`).
    Until(usize, u32),
}

/// A breakpoint set with `b` or `tbreak`.
#[derive(Debug, Clone)]
pub(crate) struct Breakpoint {
    pub id: usize,
    pub file: String,
    pub line: u32,
    pub temporary: bool,
    pub hits: usize,
}

impl Breakpoint {
    /// `file` is the instrumented code's `file!()`; the breakpoint's file may
    /// be any suffix of it on a path boundary (`trace.rs`, `tests/trace.rs`).
    pub fn matches(&self, file: &str, line: u32) -> bool {
        line == self.line
            && (file == self.file
                || file.ends_with(&format!("/{}", self.file))
                || self.file.ends_with(&format!("/{file}")))
    }
}

/// `display EXPR`: shown at each stop when its value changed.
#[derive(Debug, Clone)]
pub(crate) struct Display {
    pub expr: String,
    pub last: Option<String>,
    /// The function of the frame it was set in: as pdb's displays are per
    /// frame, it is shown only at stops in that function.
    pub function: String,
}

#[derive(Debug)]
pub(crate) struct State {
    pub mode: Mode,
    pub breakpoints: Vec<Breakpoint>,
    pub next_id: usize,
    pub displays: Vec<Display>,
    pub sticky: bool,
    /// Input ended: nothing opens a prompt any more in this process.
    pub input_ended: bool,
    /// The current test's first stop has been announced.
    pub announced: bool,
    /// What an empty line repeats at the next stop: the `n` or `s` that
    /// left the previous one (each stop has its own session).
    pub repeat: Option<&'static str>,
}

pub(crate) static STATE: Mutex<State> = Mutex::new(State {
    mode: Mode::Run,
    breakpoints: Vec::new(),
    next_id: 1,
    displays: Vec::new(),
    sticky: false,
    input_ended: false,
    announced: false,
    repeat: None,
});

pub(crate) fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps the planted breakpoints in step with the state: every statement
/// while stepping, those a breakpoint names otherwise, none once input
/// ended.
fn sync_traps(st: &State) {
    let on = !st.input_ended && (st.mode != Mode::Run || !st.breakpoints.is_empty());
    if !on {
        traps::disarm_all();
        return;
    }
    let stepping = st.mode != Mode::Run;
    let breakpoints: Vec<Breakpoint> = st.breakpoints.clone();
    let want = move |file: &'static str, line: u32| {
        stepping || breakpoints.iter().any(|b| b.matches(file, line))
    };
    if let Err(e) = traps::arm(&want) {
        static SAID: AtomicBool = AtomicBool::new(false);
        if !SAID.swap(true, Ordering::Relaxed) {
            eprintln!("autopsy: {e}");
        }
    }
}

/// The running test's trace stops: `n` from a `breakpoint!()` in a helper
/// stops in it, with or without `--trace`.
pub(crate) fn enter_test(file: &'static str, stops: &'static [u32]) {
    traps::set_current(file, stops);
}

pub(crate) fn configure(trace: bool) {
    TRACE.store(trace, Ordering::Relaxed);
}

/// Whether input ended (then `--trace` and `--pdb` leave tests alone).
pub(crate) fn input_ended() -> bool {
    state().input_ended
}

/// Called when the prompt read end of input.
pub(crate) fn end_of_input() {
    let mut st = state();
    st.input_ended = true;
    st.mode = Mode::Run;
    sync_traps(&st);
}

/// Before a test runs: under `--trace`, stop at its first statement.
pub(crate) fn arm_for_test() {
    if !TRACE.load(Ordering::Relaxed) {
        return;
    }
    let mut st = state();
    st.mode = Mode::Step;
    st.announced = false;
    st.repeat = None;
    sync_traps(&st);
}

/// After a test: stepping ends with it; breakpoints stay, as in pdb.
pub(crate) fn disarm() {
    let mut st = state();
    st.mode = Mode::Run;
    st.announced = false;
    st.repeat = None;
    sync_traps(&st);
}

/// A planted trace stop reached: `rip` is the thread's instruction pointer
/// just past the `int3`, which names its frame among the unwound ones.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
pub(crate) fn trap(file: &'static str, line: u32, rip: usize) {
    if super::on_debugger_thread() {
        return;
    }
    let raw = debuginfo::capture_stack();
    let Some(cfa) = raw.iter().find(|f| f.ip == rip).map(|f| f.cfa) else {
        return;
    };
    hit(file, line, false, raw, cfa);
}

/// `autopsy::breakpoint!()`, called from `__private::breakpoint`, whose
/// caller's frame is the stop's.
#[inline(never)]
pub(crate) fn forced(file: &'static str, line: u32) {
    if super::on_debugger_thread() {
        return;
    }
    let raw = debuginfo::capture_stack();
    // The frame below `__private::breakpoint`'s.
    let marker = crate::__private::breakpoint as *const () as usize;
    let mut below_marker = false;
    let mut cfa = None;
    backtrace::trace(|f| {
        if below_marker {
            cfa = Some(f.sp() as usize);
            return false;
        }
        below_marker = f.symbol_address() as usize == marker;
        true
    });
    let cfa = cfa.unwrap_or_else(|| raw.last().map_or(0, |f| f.cfa));
    hit(file, line, true, raw, cfa);
}

/// A stop at `file:line` in the frame whose CFA is `cfa` (`forced` for
/// `breakpoint!()`): opens the prompt if the mode or a breakpoint says so.
fn hit(file: &'static str, line: u32, forced: bool, raw: Vec<RawFrame>, cfa: usize) {
    {
        let mut st = state();
        if st.input_ended {
            return;
        }
        let by_mode = match st.mode {
            Mode::Run => false,
            Mode::Step => true,
            // Stacks grow down: a caller's CFA is higher.
            Mode::Next(d) => cfa >= d,
            Mode::Return(d) => cfa > d,
            Mode::Until(d, l) => cfa > d || (cfa == d && line >= l),
        };
        let mut by_breakpoint = false;
        st.breakpoints.retain_mut(|b| {
            if b.matches(file, line) {
                b.hits += 1;
                by_breakpoint = true;
                !b.temporary
            } else {
                true
            }
        });
        if !(forced || by_mode || by_breakpoint) {
            return;
        }
        if forced {
            // `breakpoint!()`'s header names the test: stepping on from it
            // does not announce it again.
            st.announced = true;
        }
        sync_traps(&st);
    }
    let location = format!("{file}:{line}");
    let thread = super::thread_name();
    let stop = if forced {
        Stop::Breakpoint { location, thread }
    } else {
        Stop::Trace { location, thread }
    };
    let action = super::open(stop, raw).unwrap_or(Action::Continue);
    let mut st = state();
    st.mode = match action {
        Action::Step => Mode::Step,
        Action::Next => Mode::Next(cfa),
        Action::Return => Mode::Return(cfa),
        Action::Until(l) => Mode::Until(cfa, l),
        Action::Continue | Action::Stay | Action::Quit => Mode::Run,
    };
    st.repeat = match action {
        Action::Next => Some("n"),
        Action::Step => Some("s"),
        _ => None,
    };
    sync_traps(&st);
}
