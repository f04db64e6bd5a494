//! Instrumentation overhead of `#[autopsy::test]` when nobody is tracing
//! (issue 4): the same CPU-bound loop, ~10^8 statements, in instrumented test
//! bodies and in plain functions the tests call. `tight` is the worst case
//! (each statement is ~4 instructions); `mixed` is a more typical body.
//! Each test prints `bench-ns NAME N` (run with `--nocapture`).
//!
//! Where a hot loop lands in the binary moves its speed by up to ~15% at
//! opt-level 0 (the same code at two addresses), more than the 3% bound. So
//! every body is stamped out COPIES times, each copy at its own address and
//! with its loop shifted by a different number of no-op statements before it
//! (copies of one function otherwise put the loop at the same offset from a
//! 16-byte-aligned start), and the benchmark compares the fastest
//! instrumented copy with the fastest plain copy: both sides then get their
//! best placement.

use std::hint::black_box;
use std::time::Instant;

/// Four statements per iteration: 25M iterations execute 10^8 statements.
const ITERS: u64 = 25_000_000;

fn report(name: &str, t0: Instant, x: u64) {
    black_box(x);
    println!("bench-ns {name} {}", t0.elapsed().as_nanos());
}

/// The tight body, as a test's own (instrumented) body or a plain fn's.
macro_rules! tight {
    ($name:expr, $($pad:tt)*) => {{
        $(black_box(stringify!($pad));)*
        let t0 = Instant::now();
        let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
        let mut i: u64 = 0;
        while i < ITERS {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            i += 1;
        }
        report($name, t0, x);
    }};
}

/// A more typical body: calls (at opt-level 0 `wrapping_mul` and `push` are
/// calls), a Vec, a branch. Four statements per iteration again.
macro_rules! mixed {
    ($name:expr, $($pad:tt)*) => {{
        $(black_box(stringify!($pad));)*
        let t0 = Instant::now();
        let mut v: Vec<u64> = Vec::with_capacity(1024);
        let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
        let mut i: u64 = 0;
        while i < ITERS {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            v.push(x >> 33);
            if v.len() == 1024 {
                v.clear();
            }
            i += 1;
        }
        report($name, t0, x ^ v.len() as u64);
    }};
}

/// `#[autopsy::test]` lists the statements of its own body, so the body
/// must be written out in it (a `macro_rules!` call in a test body stays
/// opaque to the attribute): these macros write whole tests.
macro_rules! instrumented_tests {
    ($($name:ident [$($pad:tt)*]),*) => {$(
        #[autopsy::test]
        fn $name() {
            $(black_box(stringify!($pad));)*
            let t0 = Instant::now();
            let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
            let mut i: u64 = 0;
            while i < ITERS {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                i += 1;
            }
            report(stringify!($name), t0, x);
        }
    )*};
}

macro_rules! instrumented_mixed_tests {
    ($($name:ident [$($pad:tt)*]),*) => {$(
        #[autopsy::test]
        fn $name() {
            $(black_box(stringify!($pad));)*
            let t0 = Instant::now();
            let mut v: Vec<u64> = Vec::with_capacity(1024);
            let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
            let mut i: u64 = 0;
            while i < ITERS {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.push(x >> 33);
                if v.len() == 1024 {
                    v.clear();
                }
                i += 1;
            }
            report(stringify!($name), t0, x ^ v.len() as u64);
        }
    )*};
}

/// Plain copies: the body in a function the test calls, not instrumented.
macro_rules! plain_tests {
    ($body:ident: $($name:ident [$($pad:tt)*]),*) => {$(
        #[autopsy::test]
        fn $name() {
            #[inline(never)]
            fn body() {
                $body!(stringify!($name), $($pad)*)
            }
            body()
        }
    )*};
}

instrumented_tests!(instrumented_0 [], instrumented_1 [a], instrumented_2 [a b], instrumented_3 [a b c]);
plain_tests!(tight: plain_0 [], plain_1 [a], plain_2 [a b], plain_3 [a b c]);
instrumented_mixed_tests!(
    instrumented_mixed_0 [],
    instrumented_mixed_1 [a],
    instrumented_mixed_2 [a b],
    instrumented_mixed_3 [a b c]
);
plain_tests!(mixed: plain_mixed_0 [], plain_mixed_1 [a], plain_mixed_2 [a b], plain_mixed_3 [a b c]);

autopsy::main!();
