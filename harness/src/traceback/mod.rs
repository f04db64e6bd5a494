//! Python's `traceback` module, for Rust: capture the current thread's
//! frames, print them in Python's layout, with each frame's locals if you
//! like, and print an error with its `source()` chain as Python prints
//! chained exceptions.
//!
//! ```no_run
//! fn load(config: &std::collections::HashMap<&str, u64>, key: &str) -> u64 {
//!     if !config.contains_key(key) {
//!         // For a log written at a failure: where we are, and every local.
//!         eprint!("{}", autopsy::Traceback::capture().with_locals());
//!     }
//!     config.get(key).copied().unwrap_or(0)
//! }
//! ```
//!
//! prints
//!
//! ```text
//! Traceback (most recent call last):
//!   File "src/main.rs", line 14, in batch::main
//!     let limit = load(&config, "timeout");
//!     config = {"retries": 3}
//!   File "src/main.rs", line 5, in batch::load
//!     eprint!("{}", autopsy::Traceback::capture().with_locals());
//!     config = {"retries": 3}
//!     key = "timeout"
//! ```
//!
//! The same code prints the traceback in the header of autopsy's prompt and
//! the locals of `--showlocals`.
//!
//! ## Limitations
//!
//! - Linux only, like the rest of autopsy. Frames, files and lines come from
//!   the executable's own debug info, read lazily on the first capture
//!   (tens to hundreds of milliseconds for a large test binary; build
//!   autopsy with `opt-level = 3` to make it fast, see the crate's docs).
//!   Later captures reuse it. Without debug info, functions are still named
//!   from the symbol table, without files and lines.
//! - "Your frames" are those whose source is not the toolchain's, not a
//!   registry or git dependency's, and not autopsy's: frames of crates in
//!   your workspace (path dependencies too) count as yours.
//! - Locals are read from memory through the debug info and rendered as
//!   `{:?}` renders std's types and derived `Debug`; a hand-written `Debug`
//!   impl is not called, optimised code shows `<optimized out>`. Call
//!   [`Traceback::with_locals`] at once, on the thread that captured
//!   (`Traceback::capture().with_locals()`): after the captured functions
//!   return their locals are gone. Locals are shown in declaration order
//!   (arguments first), not sorted by name as Python sorts them.
//! - A Rust error carries no traceback of its own: [`format_error`] prints
//!   the chain of messages only; print a [`Traceback`] beside it for where
//!   the error was caught.

mod error;

pub use error::format_error;

use std::fmt;

use crate::debuginfo::{self, DebugInfo, Frame, FrameKind, RawFrame};
use crate::postmortem::source::Sources;
use crate::styles::Styles;

/// The first line Python prints over a traceback.
const HEADER: &str = "Traceback (most recent call last):";

/// The frames of one thread at one moment, oldest first (Python's
/// `StackSummary`, as `traceback.extract_stack()` returns it).
///
/// `Display` prints Python's layout, limited to your own frames;
/// `{:#}` prints every frame (std's, dependencies', autopsy's).
#[derive(Clone)]
pub struct Traceback {
    frames: Vec<FrameSummary>,
    /// The debugger's frames behind `frames`, same order: what
    /// [`Traceback::with_locals`] reads from.
    debug_frames: Vec<Frame>,
    thread: std::thread::ThreadId,
    /// Why there are no frames, when there are none.
    problem: Option<String>,
}

/// One frame of a [`Traceback`] (Python's `FrameSummary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSummary {
    file: Option<String>,
    line: Option<u32>,
    function: String,
    source: Option<String>,
    user: bool,
    locals: Vec<(String, String)>,
}

impl FrameSummary {
    /// The source file, as `file!()` names it when it lies in the workspace
    /// the capturing code was built in (else as the debug info records it).
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The line the frame is at: the call it made, or the capture itself.
    pub fn line(&self) -> Option<u32> {
        self.line
    }

    /// The function's path, demangled, without hash (`batch::load`,
    /// `batch::run::{{closure}}`).
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The source line, trimmed, when the file can be read.
    pub fn source_line(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Whether this is your code (see the module's limitations).
    pub fn is_user(&self) -> bool {
        self.user
    }

    /// `(name, value as {:?})` of each local, after
    /// [`Traceback::with_locals`]; arguments first.
    pub fn locals(&self) -> &[(String, String)] {
        &self.locals
    }
}

impl Traceback {
    /// The current thread's frames, from the caller of `capture` outward
    /// (Python's `traceback.extract_stack()`).
    #[track_caller]
    #[inline(never)]
    pub fn capture() -> Traceback {
        let caller = std::panic::Location::caller().file();
        let raw = debuginfo::capture_stack();
        Traceback::from_raw(raw, caller)
    }

    /// Symbolises `raw` (innermost first), dropping autopsy's frames on top,
    /// on a thread with room for the debug-info reader. `rel_file` is a
    /// `file!()` of the capturing code, to show paths as `file!()` does.
    pub(crate) fn from_raw(raw: Vec<RawFrame>, rel_file: &str) -> Traceback {
        debuginfo::set_autopsy_dir(env!("CARGO_MANIFEST_DIR"));
        let thread = std::thread::current().id();
        let symbolised = crate::postmortem::on_helper_thread(move || {
            DebugInfo::get().map(|info| info.frames(&raw))
        });
        let frames = match symbolised {
            Some(Ok(frames)) => frames,
            Some(Err(e)) => return Traceback::unavailable(thread, e.to_string()),
            None => return Traceback::unavailable(thread, "internal error".into()),
        };
        let ours = ours_on_top(&frames);
        let root = root_of(&frames, rel_file);
        Traceback::from_frames(&frames[ours..], root.as_deref())
    }

    fn unavailable(thread: std::thread::ThreadId, why: String) -> Traceback {
        Traceback {
            frames: Vec::new(),
            debug_frames: Vec::new(),
            thread,
            problem: Some(why),
        }
    }

    /// A traceback of the debugger's frames (innermost first, as unwound);
    /// `root` is stripped from absolute paths.
    pub(crate) fn from_frames(frames: &[Frame], root: Option<&str>) -> Traceback {
        let mut sources = Sources::default();
        let summaries = frames
            .iter()
            .rev()
            .map(|f| FrameSummary {
                file: f.file.as_deref().map(|p| display_path(p, root)),
                line: f.line,
                function: f.function.clone(),
                source: f
                    .file
                    .as_deref()
                    .zip(f.line)
                    .and_then(|(file, line)| sources.line(file, line)),
                user: f.kind == FrameKind::User,
                locals: Vec::new(),
            })
            .collect();
        Traceback {
            frames: summaries,
            debug_frames: frames.iter().rev().cloned().collect(),
            thread: std::thread::current().id(),
            problem: None,
        }
    }

    /// Adds each of your frames' locals (Python's `capture_locals=True`),
    /// read now: call it right after [`Traceback::capture`], on the same
    /// thread, while the captured frames are still running. On another
    /// thread it adds nothing. A binary without debug info for locals gets
    /// none.
    #[must_use]
    pub fn with_locals(mut self) -> Traceback {
        if self.thread != std::thread::current().id() {
            return self;
        }
        let wanted: Vec<(usize, Frame)> = self
            .frames
            .iter()
            .zip(&self.debug_frames)
            .enumerate()
            .filter(|(_, (s, _))| s.user)
            .map(|(i, (_, f))| (i, f.clone()))
            .collect();
        let read = crate::postmortem::on_helper_thread(move || {
            let info = DebugInfo::get().ok().filter(|i| i.has_locals())?;
            Some(
                wanted
                    .into_iter()
                    .map(|(i, f)| (i, locals_of(info, &f)))
                    .collect::<Vec<_>>(),
            )
        });
        for (i, locals) in read.flatten().unwrap_or_default() {
            self.frames[i].locals = locals;
        }
        self
    }

    /// [`Traceback::with_locals`] on this thread, for the debugger's own
    /// thread (which has the stack the reader needs).
    pub(crate) fn read_locals(&mut self, info: &DebugInfo) {
        if !info.has_locals() {
            return;
        }
        for (s, f) in self.frames.iter_mut().zip(&self.debug_frames) {
            if s.user {
                s.locals = locals_of(info, f);
            }
        }
    }

    /// Every frame, oldest first (the last is the caller of `capture`).
    pub fn frames(&self) -> &[FrameSummary] {
        &self.frames
    }

    /// Your frames, oldest first: what `Display` prints.
    pub fn user_frames(&self) -> impl Iterator<Item = &FrameSummary> {
        self.frames.iter().filter(|f| f.user)
    }

    /// The text `Display` prints, in `styles`; `all`: every frame.
    pub(crate) fn render(&self, all: bool, styles: &Styles) -> String {
        let mut out = String::new();
        out.push_str(HEADER);
        out.push('\n');
        if let Some(why) = &self.problem {
            out.push_str(&format!("  <no frames: {why}>\n"));
        }
        for f in self.frames.iter().filter(|f| all || f.user) {
            let file = f.file.as_deref().unwrap_or("<unknown>");
            let file = Styles::paint(styles.location, format!("\"{file}\""));
            match f.line {
                Some(line) => {
                    out.push_str(&format!("  File {file}, line {line}, in {}\n", f.function))
                }
                None => out.push_str(&format!("  File {file}, in {}\n", f.function)),
            }
            if let Some(src) = &f.source {
                out.push_str(&format!("    {src}\n"));
            }
            for (name, value) in &f.locals {
                out.push_str(&format!(
                    "    {} = {value}\n",
                    Styles::paint(styles.name, name)
                ));
            }
        }
        out
    }
}

impl fmt::Debug for Traceback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Traceback")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Traceback {
    /// Python's layout, every line ending in a newline (print it with
    /// `eprint!`): `Traceback (most recent call last):`, then per frame
    /// `  File "FILE", line N, in FUNCTION`, its source line and its locals
    /// indented by four. Your frames only; `{:#}` prints all of them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(f.alternate(), &Styles::plain()))
    }
}

/// How many frames on top (innermost first) are the capture's own: the
/// unwinder (`backtrace`, libgcc), `capture_stack`, `capture`,
/// `post_mortem`, up to the last of autopsy's before the first frame of the
/// user's or a dependency's code.
fn ours_on_top(frames: &[Frame]) -> usize {
    let mut ours = 0;
    for (i, f) in frames.iter().enumerate() {
        if f.kind == FrameKind::Autopsy || f.function.starts_with("autopsy::") {
            ours = i + 1;
        } else if matches!(f.kind, FrameKind::User | FrameKind::Dependency)
            && !f.function.starts_with("backtrace::")
        {
            break;
        }
    }
    ours
}

/// A frame's locals as `(name, {:?})`; none when they cannot be read.
fn locals_of(info: &DebugInfo, frame: &Frame) -> Vec<(String, String)> {
    match info.locals(frame) {
        Ok(vars) => vars
            .into_iter()
            .map(|v| (v.name, v.value.debug()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The directory `rel_file` (a `file!()`) is relative to: the prefix of the
/// first frame's absolute path that ends in it.
pub(crate) fn root_of(frames: &[Frame], rel_file: &str) -> Option<String> {
    if rel_file.is_empty() || rel_file.starts_with('/') {
        return None;
    }
    frames
        .iter()
        .filter_map(|f| f.file.as_deref())
        .find_map(|abs| {
            let head = abs.strip_suffix(rel_file)?;
            head.ends_with('/').then(|| head.to_string())
        })
}

/// `file` relative to `root` when it lies under it.
fn display_path(file: &str, root: Option<&str>) -> String {
    root.and_then(|r| file.strip_prefix(r))
        .map(|rel| rel.trim_start_matches('/').to_string())
        .unwrap_or_else(|| file.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(file: &str, line: u32, function: &str, user: bool) -> FrameSummary {
        FrameSummary {
            file: Some(file.into()),
            line: Some(line),
            function: function.into(),
            source: Some(format!("{function}_line()")),
            user,
            locals: Vec::new(),
        }
    }

    fn traceback(frames: Vec<FrameSummary>) -> Traceback {
        Traceback {
            frames,
            debug_frames: Vec::new(),
            thread: std::thread::current().id(),
            problem: None,
        }
    }

    #[test]
    fn pythons_layout_user_frames_by_default_all_with_alternate() {
        let mut tb = traceback(vec![
            frame(
                "/rustc/x/library/std/src/rt.rs",
                9,
                "std::rt::lang_start",
                false,
            ),
            frame("src/main.rs", 14, "batch::main", true),
            frame("src/main.rs", 5, "batch::load", true),
        ]);
        tb.frames[2].locals = vec![("key".into(), "\"timeout\"".into())];
        assert_eq!(
            tb.to_string(),
            "Traceback (most recent call last):\n  File \"src/main.rs\", line 14, in batch::main\n    batch::main_line()\n  File \"src/main.rs\", line 5, in batch::load\n    batch::load_line()\n    key = \"timeout\"\n"
        );
        assert!(format!("{tb:#}").starts_with(
            "Traceback (most recent call last):\n  File \"/rustc/x/library/std/src/rt.rs\", line 9, in std::rt::lang_start\n    std::rt::lang_start_line()\n"
        ));
        assert_eq!(tb.user_frames().count(), 2);
    }

    #[test]
    fn a_frame_without_line_or_file() {
        let tb = traceback(vec![FrameSummary {
            file: None,
            line: None,
            function: "batch::main".into(),
            source: None,
            user: true,
            locals: Vec::new(),
        }]);
        assert_eq!(
            tb.to_string(),
            "Traceback (most recent call last):\n  File \"<unknown>\", in batch::main\n"
        );
    }

    #[test]
    fn paths_relative_to_the_workspace() {
        assert_eq!(display_path("/w/src/a.rs", Some("/w/")), "src/a.rs");
        assert_eq!(display_path("/x/src/a.rs", Some("/w/")), "/x/src/a.rs");
        assert_eq!(display_path("/x/src/a.rs", None), "/x/src/a.rs");
    }
}
