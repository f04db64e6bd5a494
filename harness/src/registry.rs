//! What the attributes register: the tests of a `harness = false` target
//! (`#[autopsy::test]`) and the trace stops of `#[autopsy::trace]` helpers.
//!
//! Each is a `static` that the attribute places in a link section
//! (`autopsy_tests`, `autopsy_traced`; `#[used]`, so that the compiler keeps
//! it). The linker lays a section's statics end to end and defines
//! `__start_<section>` and `__stop_<section>` around them (ELF does this for
//! every section whose name is a C identifier), so each kind is one array,
//! read in place: nothing runs before `main` and nothing is allocated.
//!
//! This replaced an `inventory` registration each: a constructor function
//! and a list node, which cost every start a relocation and a call per
//! test, and cost the compiler about 3,700 bytes of expanded tokens per test
//! (twice the test's own), on every build.
//!
//! The statics are contiguous because LLVM gives a global with an explicit
//! section exactly its type's alignment (never more, so no padding), and a
//! Rust type's size is a multiple of its alignment. [`slice`] checks each
//! section's length against that anyway.

use crate::__private::{Test, Traced};

/// One section's array: `$empty` makes the section exist in a binary
/// without any of its statics (else the linker would not define the
/// bounds), and ties it to `$read`, whose object refers to the bounds.
/// `static mut` because the registered statics hold relocations, so their
/// section is writable, and one section's flags should agree.
macro_rules! section {
    ($read:ident, $ty:ty, $section:literal, $empty:ident, $start:ident, $stop:ident) => {
        #[used]
        #[unsafe(link_section = $section)]
        static mut $empty: [$ty; 0] = [];

        unsafe extern "Rust" {
            #[link_name = concat!("__start_", $section)]
            static $start: $ty;
            #[link_name = concat!("__stop_", $section)]
            static $stop: $ty;
        }

        /// Every one registered in the binary, in link order (the same in
        /// every process that runs the binary).
        pub fn $read() -> &'static [$ty] {
            let empty = &raw const $empty;
            // SAFETY: the linker bounds the section, which holds only
            // statics of this type (the attribute's, and the empty array
            // above), laid end to end; they live for the whole program and
            // are never written.
            unsafe { slice($section, &raw const $start, &raw const $stop, empty.cast()) }
        }
    };
}

section!(
    tests,
    Test,
    "autopsy_tests",
    NO_TESTS,
    TESTS_START,
    TESTS_STOP
);
section!(
    traced,
    Traced,
    "autopsy_traced",
    NO_TRACED,
    TRACED_START,
    TRACED_STOP
);

/// The array between `start` and `stop`.
///
/// # Safety
///
/// `start..stop` holds only `T`s, laid end to end, alive and never written.
unsafe fn slice<T>(
    section: &str,
    start: *const T,
    stop: *const T,
    empty: *const T,
) -> &'static [T] {
    let bytes = (stop as usize).saturating_sub(start as usize);
    let size = std::mem::size_of::<T>();
    assert!(
        bytes.is_multiple_of(size),
        "autopsy: the `{section}` section holds {bytes} bytes, not a whole number of entries: \
         something else put data in it"
    );
    // The empty array is in the section: its address lies within the bounds.
    debug_assert!(start as usize <= empty as usize && empty as usize <= stop as usize);
    // SAFETY: as the caller promises.
    unsafe { std::slice::from_raw_parts(start, bytes / size) }
}
