//! Choices the prompt makes about the captured frames: which one it opens
//! at, where paths are shown relative to, which are autopsy's own (folded
//! by `bt full`), and which profiles to name when there is no debug info.

use crate::debuginfo::{Frame, FrameKind};

/// The profiles that built this binary, by cargo's output directory:
/// `cargo test` builds tests with [profile.test], which inherits
/// [profile.dev] (both in `debug/`); `cargo test --release` with
/// [profile.bench], which inherits [profile.release] (in `release/`).
pub(super) fn profiles_of(dir: Option<&str>) -> String {
    match dir {
        Some("debug") => "[profile.dev] or [profile.test]".into(),
        Some("release") => "[profile.release] or [profile.bench]".into(),
        Some(custom) => format!("[profile.{custom}]"),
        None => "the profile that built it ([profile.test] under `cargo test`, \
                 [profile.bench] under `cargo test --release`)"
            .into(),
    }
}

/// std's frames that raise a panic: `panic_fmt`, the handler, the hook's
/// caller, and the cold `expect_failed`/`unwrap_failed` of `Option` and
/// `Result`.
fn panic_machinery(f: &Frame) -> bool {
    let n = f.function.trim_start_matches('<');
    n.starts_with("core::panicking::")
        || n.starts_with("std::panicking::")
        || n.contains("rust_begin_unwind")
        || n.contains("__rust_end_short_backtrace")
        || (n.starts_with("core::") && n.ends_with("_failed"))
}

/// A frame with a function name, not a bare address.
fn named(f: &Frame) -> bool {
    !f.function.is_empty() && !f.function.starts_with("0x")
}

/// The frames at the top that took the stack: autopsy's own, `backtrace`'s
/// included (a dependency's, but never the user's failure).
fn capture_frames(frames: &[Frame]) -> usize {
    frames
        .iter()
        .take_while(|f| f.kind == FrameKind::Autopsy || f.function.starts_with("backtrace::"))
        .count()
}

/// The frame the prompt opens at: the deepest of the user's own code;
/// failing that, the first below the stack's capture that is outside std
/// and autopsy and has a name (a bare address tells nothing); failing that
/// (optimised code inlined into std's, no debug info), the first named one
/// below the panic's own frames; the first named one below the capture;
/// the top.
pub(super) fn opening_frame(frames: &[Frame]) -> usize {
    let top = capture_frames(frames);
    let below_panic = frames
        .iter()
        .position(panic_machinery)
        .and_then(|start| (start..frames.len()).find(|&i| !panic_machinery(&frames[i])))
        .unwrap_or(frames.len());
    let from = |start: usize, pick: &dyn Fn(&Frame) -> bool| {
        (start..frames.len()).find(|&i| pick(&frames[i]))
    };
    from(0, &|f| f.kind == FrameKind::User)
        .or_else(|| {
            from(top, &|f| {
                !matches!(f.kind, FrameKind::Std | FrameKind::Autopsy) && named(f)
            })
        })
        .or_else(|| from(below_panic, &|f| f.kind != FrameKind::Autopsy && named(f)))
        .or_else(|| from(top, &|f| f.kind != FrameKind::Autopsy && named(f)))
        .unwrap_or(0)
}

/// The stop's `file:line[:col]` split into its file.
fn stop_file(location: &str) -> &str {
    let mut s = location;
    for _ in 0..2 {
        if let Some((head, tail)) = s.rsplit_once(':') {
            if tail.chars().all(|c| c.is_ascii_digit()) {
                s = head;
            }
        }
    }
    s
}

/// Where cargo ran the compiler (the workspace root), which paths are shown
/// relative to, as `file!()` and panic messages show them: found by
/// matching such a path (the stop's; else a test's, when the stop is in
/// std's code) against the frames' absolute paths.
pub(super) fn source_root(frames: &[Frame], stop_location: &str) -> Option<String> {
    let test_files: std::collections::BTreeSet<&str> =
        crate::registry::tests().iter().map(|t| t.file).collect();
    std::iter::once(stop_file(stop_location))
        .chain(test_files)
        .filter(|rel| !rel.is_empty() && !rel.starts_with('/'))
        .find_map(|rel| {
            frames
                .iter()
                .filter_map(|f| f.file.as_deref())
                .find_map(|abs| {
                    let head = abs.strip_suffix(rel)?;
                    head.ends_with('/').then(|| head.to_string())
                })
        })
}

/// Which frames `bt full` folds: autopsy's own (the harness around the
/// test, the panic hook and the stack capture above it, `backtrace`'s
/// included), unless selected.
pub(super) fn folded(frames: &[Frame], selected: usize) -> Vec<bool> {
    let top = capture_frames(frames);
    (0..frames.len())
        .map(|i| (i < top || frames[i].kind == FrameKind::Autopsy) && i != selected)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_by_output_directory() {
        assert_eq!(
            profiles_of(Some("debug")),
            "[profile.dev] or [profile.test]"
        );
        assert_eq!(
            profiles_of(Some("release")),
            "[profile.release] or [profile.bench]"
        );
        assert_eq!(profiles_of(Some("ci")), "[profile.ci]");
    }

    #[test]
    fn never_opens_in_the_stack_capture() {
        use FrameKind::*;
        let stack = |frames: &[(&str, FrameKind)]| -> Vec<Frame> {
            frames.iter().map(|(f, k)| Frame::bare(f, *k)).collect()
        };
        // A test a dependency's macro wrote, its frame not known as the
        // user's: the capture (backtrace's frames, a dependency's) and the
        // hook are above the panic, the test below it.
        let mut frames = stack(&[
            ("backtrace::backtrace::libunwind::trace", Dependency),
            ("backtrace::backtrace::trace_unsynchronized", Dependency),
            ("autopsy::debuginfo::capture_stack", Autopsy),
            ("autopsy::__private::hook", Autopsy),
            ("std::panicking::panic_with_hook", Std),
            ("__rustc::rust_begin_unwind", Std),
            ("core::panicking::panic_fmt", Std),
            ("prost::encoding::test::trial", Dependency),
            ("core::ops::function::FnOnce::call_once", Std),
        ]);
        assert_eq!(opening_frame(&frames), 7);
        // The user's own frame wins wherever it is below the panic.
        frames.insert(7, Frame::bare("batch::load", User));
        assert_eq!(opening_frame(&frames), 7);
        // A stop that is no panic (a breakpoint): below the capture, above
        // libtest's `catch_unwind` (std's panicking module).
        let mut frames = stack(&[
            ("backtrace::backtrace::libunwind::trace", Dependency),
            ("autopsy::breakpoint", Autopsy),
            ("regex::Regex::new", Dependency),
            ("std::panicking::catch_unwind", Std),
            ("test::run_test_in_process", Std),
        ]);
        assert_eq!(opening_frame(&frames), 2);
        assert_eq!(folded(&frames, 2), [true, true, false, false, false]);
        frames.insert(3, Frame::bare("batch::breaks", User));
        assert_eq!(opening_frame(&frames), 3);
    }

    #[test]
    fn stop_files() {
        assert_eq!(stop_file("tests/a.rs:3:9"), "tests/a.rs");
        assert_eq!(stop_file("tests/a.rs:3"), "tests/a.rs");
        assert_eq!(stop_file("<unknown>"), "<unknown>");
    }
}
