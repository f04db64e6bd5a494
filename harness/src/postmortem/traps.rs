//! `--trace`'s stops as breakpoints in the running code, planted and served
//! in-process.
//!
//! The attribute leaves a function's code as written and only lists the
//! lines where its statements begin ([`crate::__private::Test::stops`],
//! [`crate::__private::Traced`]). While something may stop (stepping, or a
//! breakpoint set with `b`), each of those statements' first instruction
//! ([`crate::debuginfo::DebugInfo::statement_starts`]) gets an `int3`; when
//! nothing may stop, the original bytes are back and the code runs as
//! compiled. Which stops are armed follows [`super::trace`]'s mode: all of
//! them while stepping, only those a breakpoint names otherwise.
//!
//! A hit raises SIGTRAP on the thread that reached the statement. The
//! handler hands the stop to [`super::trace`] on that thread (the prompt
//! itself runs on the debugger's thread meanwhile), then resumes the
//! statement: it puts the original byte back, runs that one instruction
//! with the trap flag set, and at the single-step trap plants the `int3`
//! again. The stop runs inside a signal handler, which is sound here for
//! the same reason a call at the statement would be: the thread is at a
//! statement boundary of the user's own code, holding no lock of the
//! allocator or of autopsy.
//!
//! Limits: x86_64 Linux only (elsewhere `--trace` says so). Another thread
//! passing a statement during the one instruction its breakpoint is lifted
//! does not stop there. An `int3` that is not autopsy's gets the signal's
//! previous disposition.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// One planted (or plantable) stop.
struct Patch {
    /// The code's own first byte there.
    orig: u8,
    file: &'static str,
    line: u32,
    armed: bool,
}

struct Traps {
    /// Functions whose stops were looked up, by their line list's address.
    resolved: BTreeSet<usize>,
    /// Stops by runtime address.
    patches: BTreeMap<usize, Patch>,
}

static TRAPS: Mutex<Traps> = Mutex::new(Traps {
    resolved: BTreeSet::new(),
    patches: BTreeMap::new(),
});

/// Whether any stop is armed (so disarming everything is free when none is).
static ANY_ARMED: AtomicBool = AtomicBool::new(false);

/// The functions whose stops may be armed: the running test's, set by
/// [`set_current`], and every `#[autopsy::trace]` helper.
static CURRENT: Mutex<Option<(&'static str, &'static [u32])>> = Mutex::new(None);

/// Why breakpoints cannot be planted.
#[derive(thiserror::Error, Debug, Clone)]
pub(crate) enum TrapError {
    #[error("--trace plants breakpoints, which autopsy supports on x86_64 Linux only")]
    Unsupported,
    #[error("cannot read this binary's debug info to find the statements: {0}")]
    DebugInfo(String),
}

fn traps() -> std::sync::MutexGuard<'static, Traps> {
    TRAPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running test's stops (`file!()` and its statements' lines).
pub(crate) fn set_current(file: &'static str, lines: &'static [u32]) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some((file, lines));
}

/// Arms exactly the stops `want(file, line)` accepts and disarms the rest.
/// Looks up the stops of functions not seen before first (this reads the
/// debug info once per process).
pub(crate) fn arm(want: &dyn Fn(&'static str, u32) -> bool) -> Result<(), TrapError> {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        return Err(TrapError::Unsupported);
    }
    install_handler();
    let current = *CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    let helpers = crate::registry::traced().iter().map(|t| (t.file, t.lines));
    let mut t = traps();
    for (file, lines) in current.into_iter().chain(helpers) {
        if !t.resolved.insert(lines.as_ptr() as usize) || lines.is_empty() {
            continue;
        }
        let info =
            crate::debuginfo::DebugInfo::get().map_err(|e| TrapError::DebugInfo(e.to_string()))?;
        for (addr, line) in info.statement_starts(file, lines) {
            // SAFETY: `addr` is an instruction of this executable's code,
            // found in its own line table: mapped and readable.
            let orig = unsafe { std::ptr::read_volatile(addr as *const u8) };
            t.patches.entry(addr).or_insert(Patch {
                orig,
                file,
                line,
                armed: false,
            });
        }
    }
    let mut any = false;
    for (&addr, p) in t.patches.iter_mut() {
        let on = want(p.file, p.line);
        if on != p.armed {
            // SAFETY: a statement's first byte in our own code; `orig` is
            // what the compiler put there.
            unsafe { poke(addr, if on { INT3 } else { p.orig }) };
            p.armed = on;
        }
        any |= on;
    }
    ANY_ARMED.store(any, Ordering::Relaxed);
    Ok(())
}

/// Lifts every stop: the code is as compiled again.
pub(crate) fn disarm_all() {
    if !ANY_ARMED.swap(false, Ordering::Relaxed) {
        return;
    }
    let mut t = traps();
    for (&addr, p) in t.patches.iter_mut() {
        if p.armed {
            // SAFETY: as in `arm`.
            unsafe { poke(addr, p.orig) };
            p.armed = false;
        }
    }
}

const INT3: u8 = 0xCC;

/// Writes one byte of code: the page is made writable for the write and
/// given back its read-and-execute protection.
unsafe fn poke(addr: usize, byte: u8) {
    let page = page_size();
    let start = addr & !(page - 1);
    // SAFETY: the caller's address is in our executable's text, whose
    // pages are mapped read-execute; x86 keeps instruction fetch coherent
    // with the store.
    unsafe {
        libc::mprotect(
            start as *mut libc::c_void,
            page,
            libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
        );
        std::ptr::write_volatile(addr as *mut u8, byte);
        libc::mprotect(
            start as *mut libc::c_void,
            page,
            libc::PROT_READ | libc::PROT_EXEC,
        );
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 {
        size as usize
    } else {
        4096
    }
}

// --- the SIGTRAP handler ----------------------------------------------------

/// The disposition SIGTRAP had before ours: an `int3` that is not one of
/// our stops goes there.
static PREVIOUS: Mutex<Option<libc::sigaction>> = Mutex::new(None);

thread_local! {
    /// The stop this thread is stepping over (its `int3` lifted for one
    /// instruction), 0 when none.
    static STEPPING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn install_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // SAFETY: installs a handler for SIGTRAP, keeping the old action.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_trap as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGTRAP, &action, &mut old);
            *PREVIOUS.lock().unwrap_or_else(|e| e.into_inner()) = Some(old);
        }
    });
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod regs {
    pub const RIP: usize = libc::REG_RIP as usize;
    pub const EFL: usize = libc::REG_EFL as usize;
    /// The trap flag of `eflags`: one instruction, then a SIGTRAP.
    pub const TRAP_FLAG: i64 = 0x100;
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
extern "C" fn on_trap(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes the interrupted context to an SA_SIGINFO
    // handler; it is ours to read and change until we return.
    let gregs = unsafe { &mut (*(ctx as *mut libc::ucontext_t)).uc_mcontext.gregs };
    let stepped = STEPPING.with(|s| s.replace(0));
    if stepped != 0 {
        // The lifted instruction ran: plant its stop again if still wanted.
        gregs[regs::EFL] &= !regs::TRAP_FLAG;
        let t = traps();
        if t.patches.get(&stepped).is_some_and(|p| p.armed) {
            // SAFETY: as in `arm`.
            unsafe { poke(stepped, INT3) };
        }
        return;
    }
    let rip = gregs[regs::RIP] as usize;
    let addr = rip.wrapping_sub(1);
    let stop = traps().patches.get(&addr).map(|p| (p.file, p.line));
    let Some((file, line)) = stop else {
        return not_ours(sig, info, ctx);
    };
    // SAFETY: `addr` is one of our stops: mapped code.
    if unsafe { std::ptr::read_volatile(addr as *const u8) } != INT3 {
        // Lifted by another thread since this one trapped: not a stop any
        // more; run the statement.
        gregs[regs::RIP] = addr as i64;
        return;
    }
    // The stop, with the statement not yet run. A panic in the debugger
    // must not unwind through the signal frame.
    let _ = std::panic::catch_unwind(|| super::trace::trap(file, line, rip));
    // Resume at the statement: its own first instruction, stepped over with
    // the `int3` lifted when the stop is (still, or again) armed.
    gregs[regs::RIP] = addr as i64;
    let t = traps();
    if let Some(p) = t.patches.get(&addr).filter(|p| p.armed) {
        // SAFETY: as in `arm`.
        unsafe { poke(addr, p.orig) };
        STEPPING.with(|s| s.set(addr));
        gregs[regs::EFL] |= regs::TRAP_FLAG;
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
extern "C" fn on_trap(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    not_ours(sig, info, ctx)
}

/// An `int3` or single step that is not ours: what SIGTRAP did before.
fn not_ours(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let previous = *PREVIOUS.lock().unwrap_or_else(|e| e.into_inner());
    let handler = previous.map_or(libc::SIG_DFL, |p| p.sa_sigaction);
    if handler == libc::SIG_IGN {
        return;
    }
    if handler == libc::SIG_DFL {
        // SAFETY: the default action again, and the signal raised: it is
        // delivered when this handler returns and ends the process as it
        // would have without autopsy.
        unsafe {
            libc::signal(libc::SIGTRAP, libc::SIG_DFL);
            libc::raise(libc::SIGTRAP);
        }
        return;
    }
    let siginfo = previous.is_some_and(|p| p.sa_flags & libc::SA_SIGINFO != 0);
    // SAFETY: the previous handler, called as the kernel would have.
    unsafe {
        if siginfo {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(sig);
        }
    }
}
