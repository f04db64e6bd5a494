//! Registers of the failing thread's frames, for variables the compiler
//! keeps in registers (optimised code).
//!
//! The prompt runs on another thread than the one that failed, so registers
//! cannot be read when a location asks for them. When the stack is
//! captured ([`super::capture_stack`], on the failing thread), this walks it
//! once more with the system unwinder (`_Unwind_Backtrace`), which restores
//! for each frame the callee-saved registers (`rbx`, `rbp`, `r12`-`r15`
//! on x86_64) from where its callees saved them, and keeps them by frame
//! (return address and CFA). Caller-saved registers are unknown in any frame
//! but the innermost (which is the unwinder's own) and are never used.

use std::ffi::c_void;
use std::sync::Mutex;

/// DWARF register numbers that survive calls (x86_64).
#[cfg(target_arch = "x86_64")]
const CALLEE_SAVED: &[u16] = &[3, 6, 12, 13, 14, 15];
#[cfg(not(target_arch = "x86_64"))]
const CALLEE_SAVED: &[u16] = &[];

/// Register values of one frame (DWARF numbering); `None`: unknown.
pub(super) type Regs = [Option<u64>; 17];

/// One frame as the system unwinder saw it.
#[derive(Clone)]
struct Captured {
    ip: u64,
    cfa: u64,
    regs: Regs,
}

/// The last few captured stacks (one per failure or trace step).
static CAPTURES: Mutex<Vec<Vec<Captured>>> = Mutex::new(Vec::new());
/// How many captured stacks are kept.
const KEEP: usize = 8;

#[allow(non_camel_case_types)]
type _Unwind_Trace_Fn = extern "C" fn(ctx: *mut c_void, arg: *mut c_void) -> i32;

extern "C" {
    fn _Unwind_Backtrace(trace: _Unwind_Trace_Fn, arg: *mut c_void) -> i32;
    fn _Unwind_GetIP(ctx: *mut c_void) -> usize;
    fn _Unwind_GetCFA(ctx: *mut c_void) -> usize;
    fn _Unwind_GetGR(ctx: *mut c_void, index: i32) -> usize;
}

extern "C" fn each(ctx: *mut c_void, arg: *mut c_void) -> i32 {
    // SAFETY: `arg` is the `Vec` passed by `capture`, alive for the walk;
    // `ctx` is the unwinder's context for this frame. Only callee-saved
    // registers are asked for (`_Unwind_GetGR(rsp)` is known to crash).
    let out = unsafe { &mut *(arg as *mut Vec<Captured>) };
    let mut regs: Regs = [None; 17];
    let (ip, cfa) = unsafe { (_Unwind_GetIP(ctx) as u64, _Unwind_GetCFA(ctx) as u64) };
    for &r in CALLEE_SAVED {
        regs[r as usize] = Some(unsafe { _Unwind_GetGR(ctx, r as i32) } as u64);
    }
    out.push(Captured { ip, cfa, regs });
    // _URC_NO_REASON continues, _URC_END_OF_STACK (5) stops.
    if out.len() < super::MAX_FRAMES {
        0
    } else {
        5
    }
}

/// Records the registers of every frame of the current stack.
#[inline(never)]
pub(super) fn capture() {
    if CALLEE_SAVED.is_empty() {
        return;
    }
    let mut out: Vec<Captured> = Vec::with_capacity(64);
    // SAFETY: the callback only touches `out`.
    unsafe {
        _Unwind_Backtrace(each, &mut out as *mut Vec<Captured> as *mut c_void);
    }
    if let Ok(mut all) = CAPTURES.lock() {
        if all.len() >= KEEP {
            all.remove(0);
        }
        all.push(out);
    }
}

/// The registers of the frame whose return address is `ip` and whose CFA
/// is `cfa` (as [`super::RawFrame`] has them), and those of its caller.
pub(super) fn of_frame(ip: u64, cfa: u64) -> Option<(Regs, Option<Regs>)> {
    let all = CAPTURES.lock().ok()?;
    for stack in all.iter().rev() {
        if let Some(i) = stack.iter().position(|c| c.ip == ip && c.cfa == cfa) {
            return Some((stack[i].regs, stack.get(i + 1).map(|c| c.regs)));
        }
    }
    None
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn registers_are_kept_for_the_frames_backtrace_sees() {
        let raw = super::super::capture_stack();
        // The frames both unwinders saw (all but each one's own innermost).
        let found = raw
            .iter()
            .filter(|f| of_frame(f.ip as u64, f.cfa as u64).is_some())
            .count();
        assert!(found + 3 >= raw.len(), "{found} of {}", raw.len());
        let f = raw[raw.len() / 2];
        let (regs, caller) = of_frame(f.ip as u64, f.cfa as u64).unwrap();
        assert!(CALLEE_SAVED.iter().all(|&r| regs[r as usize].is_some()));
        assert!(regs[0].is_none() && caller.is_some());
    }
}
