#![allow(redundant_semicolons)]
//! Scratch comparison of the per-statement check: none, `if tracing() {..}`
//! (AtomicBool, as harness/src/private.rs does), and an x86_64 `asm!` goto
//! (`cmp byte ptr [rip + TRACING], 0; jne stop`). Run: bash run.sh
use std::hint::black_box; use std::time::Instant;
const N: u64 = 25_000_000;
macro_rules! body { ($($chk:tt)*) => {{
    let t0 = Instant::now();
    let mut v: Vec<u64> = Vec::with_capacity(1024);
    let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15); let mut i = 0u64;
    while i < N {
        $($chk)*; x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        $($chk)*; v.push(x >> 33);
        $($chk)*; if v.len() == 1024 { v.clear(); }
        $($chk)*; i += 1;
    }
    black_box((x, v.len())); t0.elapsed().as_secs_f64()*1000.0 }} }
macro_rules! tight { ($($chk:tt)*) => {{
    let t0 = Instant::now(); let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15); let mut i = 0u64;
    while i < N { $($chk)*; x ^= x << 13; $($chk)*; x ^= x >> 7; $($chk)*; x ^= x << 17; $($chk)*; i += 1; }
    black_box(x); t0.elapsed().as_secs_f64()*1000.0 }} }
#[inline(never)] fn mixed_none() -> f64 { body!() }
#[inline(never)] fn mixed_atomic() -> f64 { body!(flag::check_atomic!()) }
#[inline(never)] fn mixed_asm() -> f64 { body!(flag::check_asm!()) }
#[inline(never)] fn tight_none() -> f64 { tight!() }
#[inline(never)] fn tight_atomic() -> f64 { tight!(flag::check_atomic!()) }
#[inline(never)] fn tight_asm() -> f64 { tight!(flag::check_asm!()) }
fn main() {
    let fs: [(&str, fn() -> f64); 6] = [("mixed none", mixed_none), ("mixed atomic", mixed_atomic), ("mixed asm-goto", mixed_asm),
        ("tight none", tight_none), ("tight atomic", tight_atomic), ("tight asm-goto", tight_asm)];
    let mut best = [f64::MAX; 6];
    for _ in 0..7 { for (k, (_, f)) in fs.iter().enumerate() { best[k] = best[k].min(f()); } }
    for (k, (n, _)) in fs.iter().enumerate() { println!("{n:16} {:7.1} ms  ratio {:.3}", best[k], best[k] / best[k / 3 * 3]); }
}
