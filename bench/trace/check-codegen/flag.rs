use std::sync::atomic::{AtomicBool, Ordering};
pub static TRACING: AtomicBool = AtomicBool::new(false);
#[inline(always)]
pub fn tracing() -> bool { TRACING.load(Ordering::Relaxed) }
#[inline(never)]
pub fn trace_stop(_f: &'static str, l: u32) { std::hint::black_box(l); }
#[macro_export]
macro_rules! check_atomic { () => { if $crate::tracing() { $crate::trace_stop(file!(), line!()) } } }
#[macro_export]
macro_rules! check_asm { () => {
    #[cfg(target_arch = "x86_64")]
    unsafe { core::arch::asm!("cmp byte ptr [rip + {f}], 0", "jne {stop}", f = sym $crate::TRACING,
        stop = label { $crate::trace_stop(file!(), line!()) }, options(nostack)) }
} }
