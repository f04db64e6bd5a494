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

use std::sync::OnceLock;

use crate::__private::{Test, Traced};

/// What one linked image registered: the executable's own sections, read by
/// code expanded in the user's crate (`autopsy::main!()`, the constructor
/// `#[autopsy::test]` plants under libtest, `autopsy::install!()`).
///
/// The bounds a `__start_<section>` reference resolves to are those of the
/// image that holds the reference. When autopsy is linked into the test
/// binary (the default), that is the one image there is. When it is linked
/// as a shared library (`autopsy-dylib`), the harness's own references name
/// the library's sections, which hold none of the user's statics: read from
/// the library, every test would vanish and the run would report 0 tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Registry {
    /// The `harness = false` tests.
    pub tests: &'static [Test],
    /// The `#[autopsy::trace]` helpers.
    pub traced: &'static [Traced],
}

impl Registry {
    /// The arrays between each section's bounds: each argument is that
    /// section's `[start, stop, anchor]`, the anchor being the caller's
    /// empty array in it.
    ///
    /// # Safety
    ///
    /// Each `start..stop` holds only statics of its type, laid end to end,
    /// alive for the whole program and never written; each anchor lies in
    /// its section. What `__registry!()` passes.
    #[doc(hidden)]
    pub unsafe fn from_bounds(tests: [*const Test; 3], traced: [*const Traced; 3]) -> Registry {
        let [start, stop, empty] = tests;
        let [t_start, t_stop, t_empty] = traced;
        // SAFETY: the caller's promise.
        unsafe {
            Registry {
                tests: slice("autopsy_tests", start, stop, empty),
                traced: slice("autopsy_traced", t_start, t_stop, t_empty),
            }
        }
    }
}

/// Reads the registrations of the image it is expanded in: anchors an empty
/// array in each section (else a binary without any such static would have
/// no section, and the linker would not define its bounds) and reads each
/// section between its bounds. `static mut` because the registered statics
/// hold relocations, so their section is writable, and one section's flags
/// should agree.
#[doc(hidden)]
#[macro_export]
macro_rules! __registry {
    () => {{
        #[used]
        #[unsafe(link_section = "autopsy_tests")]
        static mut NO_TESTS: [$crate::__private::Test; 0] = [];
        #[used]
        #[unsafe(link_section = "autopsy_traced")]
        static mut NO_TRACED: [$crate::__private::Traced; 0] = [];
        unsafe extern "Rust" {
            #[link_name = "__start_autopsy_tests"]
            static TESTS_START: $crate::__private::Test;
            #[link_name = "__stop_autopsy_tests"]
            static TESTS_STOP: $crate::__private::Test;
            #[link_name = "__start_autopsy_traced"]
            static TRACED_START: $crate::__private::Traced;
            #[link_name = "__stop_autopsy_traced"]
            static TRACED_STOP: $crate::__private::Traced;
        }
        // SAFETY: the linker bounds each section, which holds only statics
        // of its type (the attributes', and the anchors above), laid end to
        // end; they live for the whole program and are never written.
        unsafe {
            $crate::__private::Registry::from_bounds(
                [
                    &raw const TESTS_START,
                    &raw const TESTS_STOP,
                    (&raw const NO_TESTS).cast(),
                ],
                [
                    &raw const TRACED_START,
                    &raw const TRACED_STOP,
                    (&raw const NO_TRACED).cast(),
                ],
            )
        }
    }};
}

/// The image the entry points named; before any did (or in a process none
/// runs in), the harness's own, which is the binary's when autopsy is linked
/// in.
static IMAGE: OnceLock<Registry> = OnceLock::new();

/// Records the registrations `__registry!()` read in the user's image; the
/// first call wins (every entry point of one binary reads the same image).
pub(crate) fn set_image(registry: Registry) {
    let _ = IMAGE.set(registry);
}

fn image() -> Registry {
    *IMAGE.get_or_init(|| crate::__registry!())
}

/// Every test registered in the binary, in link order (the same in every
/// process that runs the binary).
pub fn tests() -> &'static [Test] {
    image().tests
}

/// Every `#[autopsy::trace]` helper registered in the binary.
pub fn traced() -> &'static [Traced] {
    image().traced
}

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
