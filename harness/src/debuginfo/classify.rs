//! Whose code a frame is: the user's, std's, a dependency's or autopsy's,
//! by its source path when DWARF gives one, else by its function's crate.
//! The prompt opens in the user's frames, `bt` folds autopsy's, and a
//! value's `Debug` is trusted or its fields shown by the same verdict.

use std::sync::OnceLock;

use super::{Frame, FrameKind};

static AUTOPSY_DIR: OnceLock<&'static str> = OnceLock::new();

/// Sets autopsy's own source directory (frames from there are
/// [`FrameKind::Autopsy`]).
pub fn set_autopsy_dir(dir: &'static str) {
    let _ = AUTOPSY_DIR.set(dir);
}

static USER_CRATES: OnceLock<Vec<String>> = OnceLock::new();
/// How to find the user's crates when asked, if nobody named them.
static USER_CRATES_GUESS: OnceLock<fn() -> Vec<String>> = OnceLock::new();

/// Names the crates whose functions are the user's own (the test crate's,
/// the first segment of its tests' `module_path!()`; the package's library).
/// Only needed where there is no DWARF to tell by source path. The first
/// naming stands.
pub fn set_user_crates(crates: Vec<String>) {
    let _ = USER_CRATES.set(crates);
}

/// Names how to find the user's crates, run the first time they are needed
/// (a look at every test: a worker, unoptimized in the user's build, must
/// not pay it at start for a prompt that most runs never open).
pub fn guess_user_crates(guess: fn() -> Vec<String>) {
    let _ = USER_CRATES_GUESS.set(guess);
}

fn user_crate_list() -> Option<&'static [String]> {
    match USER_CRATES.get() {
        Some(named) => Some(named),
        None => {
            let guess = USER_CRATES_GUESS.get()?;
            Some(USER_CRATES.get_or_init(guess))
        }
    }
}

/// The user's crates, as [`set_user_crates`] named them.
pub fn user_crates() -> Vec<String> {
    user_crate_list()
        .map(<[String]>::to_vec)
        .unwrap_or_default()
}

/// autopsy's own source directory, as [`set_autopsy_dir`] set it.
pub fn autopsy_dir() -> Option<&'static str> {
    AUTOPSY_DIR.get().copied()
}

/// Whether `krate` is one of the user's crates (`None`: nobody said).
pub(super) fn is_user_crate(krate: &str) -> Option<bool> {
    user_crate_list().map(|u| u.iter().any(|c| c == krate))
}

/// The toolchain's own crates besides `std`, `core` and `alloc`.
pub(super) const STD_CRATES: &[&str] = &[
    "test",
    "panic_unwind",
    "panic_abort",
    "compiler_builtins",
    "std_detect",
    "hashbrown",
    "rustc_demangle",
    "addr2line",
    "gimli",
    "object",
    "miniz_oxide",
    "adler2",
    "unwind",
];

/// autopsy's own dependencies: on the stack only as its machinery.
const AUTOPSY_DEPS: &[&str] = &[
    "backtrace",
    "libc",
    "memmap2",
    "rustyline",
    "clap",
    "clap_builder",
    "memchr",
    "regex_lite",
    "thiserror",
    "tempfile",
    "owo_colors",
];

/// The crate a demangled function path starts with (`<a::B as c::D>::f`
/// and `<&a::B as ..>` count as `a`); `None` for non-Rust symbols.
fn crate_of(function: &str) -> Option<&str> {
    let f = function.trim_start_matches(['<', '&', '*', '(', '[']);
    let f = f
        .strip_prefix("mut ")
        .or_else(|| f.strip_prefix("const "))
        .or_else(|| f.strip_prefix("dyn "))
        .unwrap_or(f);
    let (head, _) = f.split_once("::")?;
    (!head.is_empty() && head.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(head)
}

/// The closure libtest's `#[test]` wraps each test in (`t::name::{{closure}}`
/// at the test's own line, calling `t::name`) is harness glue, as autopsy's
/// registration closure is.
pub(super) fn mark_libtest_closures(frames: &mut [Frame]) {
    for i in 1..frames.len() {
        let (inner, outer) = frames.split_at_mut(i);
        let callee = &inner[i - 1];
        let f = &mut outer[0];
        if f.kind == FrameKind::User
            && f.function.strip_suffix("::{{closure}}") == Some(callee.function.as_str())
        {
            f.kind = FrameKind::Autopsy;
        }
    }
}

pub(super) fn classify(function: &str, file: Option<&str>) -> FrameKind {
    classify_with(function, file, user_crate_list())
}

fn classify_with(function: &str, file: Option<&str>, user: Option<&[String]>) -> FrameKind {
    // The closure `#[autopsy::test]` registers around a test that returns a
    // `Result` (`crate::_::__AUTOPSY_TEST::{{closure}}`) sits in the user's
    // file but is autopsy's code.
    if function.contains("::__AUTOPSY_TEST::") {
        return FrameKind::Autopsy;
    }
    let f = function.trim_start_matches('<');
    let std_fn = ["std::", "core::", "alloc::", "test::", "backtrace::"]
        .iter()
        .any(|p| f.starts_with(p))
        || function.starts_with("__rust")
        || function.starts_with("rust_")
        || function.starts_with("__rdl_")
        || function.starts_with("__rg_");
    if let Some(file) = file {
        if file.starts_with("/rustc/") || file.contains("/lib/rustlib/src/") {
            return FrameKind::Std;
        }
        if let Some(dir) = AUTOPSY_DIR.get() {
            if file.starts_with(dir) {
                return FrameKind::Autopsy;
            }
        }
        if f.starts_with("autopsy::") {
            return FrameKind::Autopsy;
        }
        if file.contains("/.cargo/registry/") || file.contains("/.cargo/git/") {
            // A function of the user's crate whose line is another crate's
            // macro (`proptest!`, `quickcheck!` write the test's body) is
            // the user's; so is the crate under test when its package is
            // itself unpacked from the registry.
            let users = crate_of(function).and_then(|k| user.map(|u| u.iter().any(|c| c == k)));
            return match users {
                Some(true) => FrameKind::User,
                _ => FrameKind::Dependency,
            };
        }
        if std_fn {
            return FrameKind::Std;
        }
        return FrameKind::User;
    }
    if std_fn {
        return FrameKind::Std;
    }
    if f.starts_with("autopsy::") {
        return FrameKind::Autopsy;
    }
    // No source path (no DWARF for this pc): tell by the function's crate.
    let Some(krate) = crate_of(function) else {
        return FrameKind::Unknown;
    };
    if STD_CRATES.contains(&krate) {
        return FrameKind::Std;
    }
    if krate.starts_with("autopsy") {
        return FrameKind::Autopsy;
    }
    match user {
        Some(user) if !user.is_empty() => {
            if user.iter().any(|u| u == krate) {
                FrameKind::User
            } else {
                FrameKind::Dependency
            }
        }
        // Nobody said which crates are the user's: any Rust code that is
        // not std's or autopsy's.
        _ if AUTOPSY_DEPS.contains(&krate) => FrameKind::Dependency,
        _ => FrameKind::User,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_frames() {
        assert_eq!(
            classify(
                "core::panicking::panic",
                Some("/rustc/abc/library/core/src/panicking.rs")
            ),
            FrameKind::Std
        );
        assert_eq!(
            classify(
                "regex::Regex::new",
                Some("/home/u/.cargo/registry/src/x/regex-1/src/lib.rs")
            ),
            FrameKind::Dependency
        );
        assert_eq!(
            classify("batch::load", Some("/home/u/batch/src/lib.rs")),
            FrameKind::User
        );
        assert_eq!(classify("std::rt::lang_start", None), FrameKind::Std);
        assert_eq!(classify("0x1234", None), FrameKind::Unknown);
    }

    #[test]
    fn classifies_frames_without_dwarf_by_path() {
        let user = ["batch".to_string()];
        let c = |f: &str| classify_with(f, None, Some(&user));
        assert_eq!(c("batch::load"), FrameKind::User);
        assert_eq!(c("batch::run_batch::{{closure}}"), FrameKind::User);
        assert_eq!(
            c("<batch::Config as core::clone::Clone>::clone"),
            FrameKind::User
        );
        assert_eq!(c("std::panicking::begin_panic_handler"), FrameKind::Std);
        assert_eq!(
            c("<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once"),
            FrameKind::Std
        );
        assert_eq!(c("__rustc::rust_begin_unwind"), FrameKind::Std);
        assert_eq!(c("rust_begin_unwind"), FrameKind::Std);
        assert_eq!(c("core::option::expect_failed"), FrameKind::Std);
        assert_eq!(c("autopsy::runner::worker::run_one"), FrameKind::Autopsy);
        assert_eq!(c("regex::Regex::new"), FrameKind::Dependency);
        assert_eq!(c("start_thread"), FrameKind::Unknown);
        assert_eq!(c("0x7f0012345678"), FrameKind::Unknown);
        // Without a list of the user's crates: any Rust code outside std,
        // autopsy and autopsy's own dependencies.
        let d = |f: &str| classify_with(f, None, None);
        assert_eq!(d("batch::load"), FrameKind::User);
        assert_eq!(d("regex_lite::Regex::new"), FrameKind::Dependency);
        assert_eq!(d("core::panicking::panic"), FrameKind::Std);
        // A test a dependency's macro wrote: its lines are the macro's.
        let sugar = Some("/home/u/.cargo/registry/src/x/proptest-1/src/sugar.rs");
        assert_eq!(
            classify_with("batch::tests::prop", sugar, Some(&user)),
            FrameKind::User
        );
        assert_eq!(
            classify_with("proptest::test_runner::run", sugar, Some(&user)),
            FrameKind::Dependency
        );
        assert_eq!(
            classify_with("batch::tests::prop", sugar, None),
            FrameKind::Dependency
        );
        // The attribute's registration closure, in the user's file.
        assert_eq!(
            classify_with(
                "batch::_::__AUTOPSY_TEST::{{closure}}",
                Some("tests/batch.rs"),
                None
            ),
            FrameKind::Autopsy
        );
    }
}
