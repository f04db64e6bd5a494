//! Links the library so that loading it costs each process little.
//!
//! `-Bsymbolic-functions`: its calls to its own functions are bound when it
//! is linked, not looked up by the dynamic loader in every process that
//! loads it. Without it, each of the library's ~23,000 exported functions
//! that its own code calls through the GOT costs a symbol lookup at every
//! start (`BIND_NOW`): one test of 300 (`--exact NAME`, what nextest runs
//! per test) took 7.0 ms, against 3.1 ms for a test binary with autopsy
//! linked in and 1.7 ms under libtest; with it, 4.3 ms. What binds
//! differently: a function defined both here and in the test binary is
//! called here in its own copy, which is the same code; data still binds
//! as before. (The test binary's own `#[global_allocator]` is not used
//! with or without it: see the docs.)
//!
//! `-z pack-relative-relocs` (RELR), where the C library that builds it
//! can load it (glibc 2.36 or later; a library built so names the glibc
//! version it needs, and an older glibc refuses it): the ~42,000 relative
//! relocations take ~1 MB as RELA entries, which every process reads (and
//! faults in) at start; packed, a few KB. 4.3 → 3.95 ms for the test above.
//! Not when cross-compiling: the host's glibc says nothing of the target's.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    println!("cargo:rustc-link-arg=-Wl,-Bsymbolic-functions");
    let native = std::env::var("HOST").ok() == std::env::var("TARGET").ok();
    if native && glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this build script runs on glibc `major.minor` or later (it runs
/// on the host's C library, the one the library will load with).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_at_least(major: u32, minor: u32) -> bool {
    extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
    // SAFETY: glibc returns a static NUL-terminated string such as "2.36".
    let version = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
    let mut parts = version.to_str().unwrap_or("").split('.');
    let mut next = || {
        parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    (next(), next()) >= (major, minor)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_at_least(_: u32, _: u32) -> bool {
    false
}
