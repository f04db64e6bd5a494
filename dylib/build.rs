//! Links the library with `-Bsymbolic-functions`: its calls to its own
//! functions are bound when it is linked, not looked up by the dynamic
//! loader in every process that loads it.
//!
//! Without it, each of the library's ~23,000 exported functions that its
//! own code calls through the GOT costs a symbol lookup at every start
//! (`BIND_NOW`): one test of 300 (`--exact NAME`, what nextest runs per
//! test) took 7.0 ms, against 3.1 ms for a test binary with autopsy
//! linked in and 1.7 ms under libtest; with it, 4.3 ms. What binds
//! differently: a function defined both here and in the test binary is
//! called here in its own copy, which is the same code; data still binds
//! as before. (The test binary's own `#[global_allocator]` is not used
//! with or without it: see the docs.)

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg=-Wl,-Bsymbolic-functions");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
