//! Fatal signals in a program (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT):
//! a dump at the fault, then the death the signal would have brought.
//!
//! Best effort: the handler does what is not async-signal-safe (it
//! unwinds, allocates, starts the debugger's thread) because the process
//! is dying anyway; an alarm ends it should that deadlock (a fault inside
//! the allocator). Only the first fault is dumped. Afterwards the signal's
//! default action is restored and the signal raised again, so the exit
//! status (killed by the signal, a core dump where enabled) is unchanged.
//!
//! The handlers are installed before `main`, so std does not install its
//! own SIGSEGV/SIGBUS handler (it only takes default ones); the main
//! thread gets an alternate stack here, and a stack overflow there still
//! prints std's message. A stack overflow in another thread is killed by
//! the kernel without a message (no alternate stack to run on).

use std::sync::atomic::{AtomicBool, Ordering};

use super::format::{Context, Signal, StopKind};
use super::write::{self, Failure};

const SIGNALS: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGABRT,
];

/// The main thread's alternate stack.
const ALT_STACK: usize = 256 << 10;

/// Installs the handlers and the main thread's alternate stack.
pub(crate) fn install() {
    // SAFETY: plain syscalls on memory we own; the mapping is never freed
    // (the main thread's alternate stack lives as long as the process).
    unsafe {
        let stack = libc::mmap(
            std::ptr::null_mut(),
            ALT_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if stack != libc::MAP_FAILED {
            let ss = libc::stack_t {
                ss_sp: stack,
                ss_flags: 0,
                ss_size: ALT_STACK,
            };
            libc::sigaltstack(&ss, std::ptr::null_mut());
        }
        for sig in SIGNALS {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

fn name(sig: libc::c_int) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV (invalid memory reference)",
        libc::SIGBUS => "SIGBUS (access to undefined memory)",
        libc::SIGILL => "SIGILL (illegal instruction)",
        libc::SIGFPE => "SIGFPE (arithmetic exception)",
        libc::SIGABRT => "SIGABRT (abort)",
        _ => "a fatal signal",
    }
}

/// Whether `addr` is in the guard area just below this thread's stack.
fn overflowed(addr: usize) -> bool {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return false;
        }
        let mut low: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0usize;
        libc::pthread_attr_getstack(&attr, &mut low, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        let low = low as usize;
        addr < low + 4096 && addr + (1 << 20) >= low
    }
}

extern "C" fn on_fatal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    static ONCE: AtomicBool = AtomicBool::new(false);
    if !ONCE.swap(true, Ordering::SeqCst) {
        // SAFETY: the kernel passes a valid siginfo and ucontext to an
        // SA_SIGINFO handler.
        let (addr, code, context) = unsafe {
            (
                (*info).si_addr() as usize,
                (*info).si_code as u32,
                Context::from_ucontext(ctx),
            )
        };
        let thread = std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_string();
        if matches!(sig, libc::SIGSEGV | libc::SIGBUS) && overflowed(addr) {
            let text = format!(
                "\nthread '{thread}' has overflowed its stack\nfatal runtime error: stack overflow, aborting\n"
            );
            // SAFETY: write(2) of a buffer we own; then std's own ending
            // of a stack overflow: abort, with the default action.
            unsafe {
                libc::write(2, text.as_ptr().cast(), text.len());
                libc::signal(libc::SIGABRT, libc::SIG_DFL);
                libc::abort();
            }
        } else {
            // SAFETY: alarm(2) is async-signal-safe.
            unsafe { libc::alarm(20) };
            let signal = Signal {
                number: sig as u32,
                code,
                address: addr as u64,
            };
            dump(signal, context, thread);
        }
    }
    // SAFETY: restores the default action and raises the signal again: it
    // is delivered when this handler returns (or the faulting instruction
    // runs again), and ends the process as it would have without autopsy.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Writes the dump of `signal`, with the registers at the fault.
fn dump(signal: Signal, context: Option<Context>, thread: String) {
    let (sig, addr) = (signal.number as libc::c_int, signal.address);
    let raw = crate::debuginfo::capture_stack();
    let mut message = name(sig).to_string();
    if matches!(sig, libc::SIGSEGV | libc::SIGBUS) {
        message.push_str(&format!(" at address {addr:#x}"));
    }
    let failure = Failure {
        kind: StopKind::Signal,
        message: message.clone(),
        location: String::new(),
        thread: thread.clone(),
        test: String::new(),
        attempt: None,
        output: None,
        tid: write::current_tid(),
        context,
        signal: Some(signal),
    };
    let dir = write::default_dir();
    let written = crate::postmortem::on_helper_thread(move || write::write(failure, &raw, dir));
    let text = match written {
        Some(Ok(w)) => format!(
            "\nthread '{thread}' received a fatal signal: {message}\n{}\n",
            write::line(&w)
        ),
        Some(Err(e)) => format!("autopsy: no post-mortem dump of {message}: {e}\n"),
        None => String::new(),
    };
    // SAFETY: write(2) of a buffer we own.
    unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
}
