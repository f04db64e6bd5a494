//! The tests `#[autopsy::test]` registers in a `harness = false` target.
//!
//! Each test is a `static` [`Test`] that the attribute places in the
//! `autopsy_tests` link section (`#[used]`, so that the compiler keeps it).
//! The linker lays the section's statics end to end and defines
//! `__start_autopsy_tests` and `__stop_autopsy_tests` around them (ELF does
//! this for every section whose name is a C identifier), so the tests are
//! one array, read in place: nothing runs before `main` and nothing is
//! allocated.
//!
//! This replaced an `inventory` registration per test: a constructor
//! function and a list node each, which cost every start a relocation and
//! a call per test, and cost the compiler about 3,700 bytes of expanded
//! tokens per test (twice the test's own), on every `cargo check`.
//!
//! The statics are contiguous because LLVM gives a global with an explicit
//! section exactly its type's alignment (never more, so no padding), and a
//! Rust type's size is a multiple of its alignment. [`tests`] checks the
//! section's length against that anyway.

use crate::__private::Test;

/// Makes the section exist in a binary without tests (else the linker
/// would not define the bounds), and ties it to [`tests`]: the object that
/// holds this static is the one that refers to the bounds. `static mut`
/// because the tests' statics hold relocations, so their section is
/// writable, and one section's flags should agree.
#[used]
#[unsafe(link_section = "autopsy_tests")]
static mut NONE: [Test; 0] = [];

unsafe extern "Rust" {
    #[link_name = "__start_autopsy_tests"]
    static START: Test;
    #[link_name = "__stop_autopsy_tests"]
    static STOP: Test;
}

/// Every test of the binary, in link order (the same in every process that
/// runs the binary).
pub fn tests() -> &'static [Test] {
    let none = &raw const NONE;
    let start = &raw const START;
    let stop = &raw const STOP;
    let bytes = (stop as usize).saturating_sub(start as usize);
    let size = std::mem::size_of::<Test>();
    assert!(
        bytes.is_multiple_of(size),
        "autopsy: the `autopsy_tests` section holds {bytes} bytes, not a whole number of tests: \
         something else put data in it"
    );
    // `NONE` is in the section: its address lies within the bounds.
    debug_assert!(start as usize <= none as usize && none as usize <= stop as usize);
    // SAFETY: the linker bounds the section, which holds only `Test`
    // statics (the attribute's, and the empty array above), laid end to
    // end; they live for the whole program and are never written.
    unsafe { std::slice::from_raw_parts(start, bytes / size) }
}
