//! Instrumentation overhead of `#[autopsy::test]` when nobody is tracing
//! (issue 4): the same CPU-bound loop, ~10^8 statements, once in the
//! instrumented test body and once in a plain function the test calls.
//! `instrumented`/`plain` are the worst case (each statement is ~4
//! instructions); `*_mixed` is a more typical body. Each test prints `bench-ns NAME N` (run with `--nocapture`).
//!
//! `plain_again` and `plain_mixed_again` run second copies of the plain
//! bodies, the same code at other addresses: how far apart those two land
//! is the noise floor that code layout alone puts under every ratio.

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

/// `plain_body` again, at another address.
fn plain_body_again() {
    let t0 = Instant::now();
    let mut x: u64 = black_box(0x9E37_79B9_7F4A_7C15);
    let mut i: u64 = 0;
    while i < ITERS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    report("plain_again", t0, x);
}

#[autopsy::test]
fn plain_again() {
    plain_body_again()
}

/// A more typical body: calls (at opt-level 0 `wrapping_mul` and `push` are
/// calls), a Vec, a branch. Four statements per iteration again.
#[autopsy::test]
fn instrumented_mixed() {
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
    report("instrumented_mixed", t0, x ^ v.len() as u64);
}

fn plain_mixed_body() {
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
    report("plain_mixed", t0, x ^ v.len() as u64);
}

#[autopsy::test]
fn plain_mixed() {
    plain_mixed_body()
}

/// `plain_mixed_body` again, at another address.
fn plain_mixed_body_again() {
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
    report("plain_mixed_again", t0, x ^ v.len() as u64);
}

#[autopsy::test]
fn plain_mixed_again() {
    plain_mixed_body_again()
}

autopsy::main!();
