//! # autopsy-dylib
//!
//! [autopsy](../autopsy/index.html), built as a shared library. Rename the
//! dependency and nothing else changes: your tests still write
//! `#[autopsy::test]` and `autopsy::main!()`.
//!
//! ```toml
//! [dev-dependencies]
//! autopsy = { package = "autopsy-dylib", path = "../dylib" }
//! ```
//!
//! ## Why
//!
//! A test binary that links autopsy statically carries the harness, the
//! debugger and their dependencies, with their debug info: about 50 MB in
//! a dev build, which the linker writes again after every edit of a test.
//! Linked this way, the harness lives in one `libautopsy_dylib.so` (built
//! once, shared by every test target of the workspace) and a test binary
//! holds only your code: the rebuild after an edit links what libtest's
//! does. `bench/speed.sh` prints both.
//!
//! ## What it costs
//!
//! - The test binary needs the shared libraries at run time:
//!   `libautopsy_dylib.so` in `target/<profile>/deps/` and the toolchain's
//!   `libstd-*.so` (a Rust `dylib` links std dynamically; `rustc --print
//!   target-libdir` names its directory). `cargo test` and cargo-nextest
//!   set the library path; to run a test binary by hand, set
//!   `LD_LIBRARY_PATH` to those two directories.
//! - So it is for tests, not for a program you ship with
//!   `autopsy::install!()`: keep the plain `autopsy` there.
//! - The library holds std and its allocator: a `#[global_allocator]` in
//!   the test crate is not used (rustc says nothing), so a test that counts
//!   allocations or needs its allocator keeps the plain `autopsy`.
//! - Each test process starts about 1.2 ms later (the loader maps the
//!   library and relocates it): under cargo-nextest, which starts a
//!   process per test, that is 1.2 ms per test.
//!
//! Everything else is autopsy's own: the workspace's `tests/dylib.rs`
//! runs one suite against both crates (the full harness, unit tests under
//! libtest, `--trace`, `install!()`, dumps) and compares what they print.

#![warn(missing_docs)]

pub use autopsy::*;
