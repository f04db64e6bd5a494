//! Instrumentation overhead of `#[autopsy::test]` when nobody is tracing
//! (issue 4): the same CPU-bound loop, ~10^8 statements, once in the
//! instrumented test body and once in a plain function the test calls.
//! Each test prints `bench-ns NAME N` (run with `--nocapture`).

use std::hint::black_box;
use std::time::Instant;

/// Four statements per iteration: 25M iterations execute 10^8 statements.
const ITERS: u64 = 25_000_000;

fn report(name: &str, t0: Instant, x: u64) {
    black_box(x);
    println!("bench-ns {name} {}", t0.elapsed().as_nanos());
}

#[autopsy::test]
fn instrumented() {
    let t0 = Instant::now();
    let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
    let mut i: u64 = 0;
    while i < ITERS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    report("instrumented", t0, x);
}

/// The same body, not instrumented: `#[autopsy::test]` rewrites only the
/// test function's own body.
fn plain_body() {
    let t0 = Instant::now();
    let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
    let mut i: u64 = 0;
    while i < ITERS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    report("plain", t0, x);
}

#[autopsy::test]
fn plain() {
    plain_body()
}

autopsy::main!();
