//! One prompt session: the frames of a stopped thread and pdb's commands
//! over them. Output is built as text and printed by the caller, so every
//! command is testable without a terminal.

use std::fmt::Write as _;

mod breaks;
mod listing;
mod navigate;
mod stop;
mod values;

pub(crate) use stop::Stop;

use super::frames;
use super::source::{simple_name, Sources};
use crate::debuginfo::{DebugInfo, Frame, FrameKind};
use crate::styles::Styles;

/// What the prompt does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Stay,
    Continue,
    Quit,
    /// `s(tep)`: the next trace stop anywhere.
    Step,
    /// `n(ext)`: the next stop in this function (or its caller).
    Next,
    /// `r(eturn)`: the next stop after this function returns.
    Return,
    /// `unt(il) LINE`: a stop at or after LINE in this function.
    Until(u32),
}

/// The commands, for `help` and completion: (names, usage, what it does).
pub(crate) const COMMANDS: &[(&[&str], &str, &str)] = &[
    (&["h", "help"], "h(elp) [command]", "List the commands, or describe one."),
    (&["w", "where", "bt"], "w(here) | bt [full]", "Your frames, oldest first, the selected one marked with >; `bt full` shows every frame."),
    (&["u", "up"], "u(p) [count]", "Select an older frame of your code (count times)."),
    (&["d", "down"], "d(own) [count]", "Select a newer frame of your code (count times)."),
    (&["f", "frame"], "f(rame) N", "Select frame #N as numbered by `where` and `bt full` (any frame)."),
    (&["l", "list"], "l(ist) [first[, last]] | l .", "Source around the current line; again to continue; an empty line repeats it."),
    (&["ll", "longlist"], "ll | longlist", "The whole function of the selected frame."),
    (&["p"], "p EXPR", "Print EXPR as {:?} would: a Rust expression of locals and statics, `cfg.name`, `rows[1..3]`, `m[\"key\"]`, `v.len()`, `n + 1 > limit`, `transform(&rows[1])`."),
    (&["pp"], "pp EXPR", "Print EXPR as {:#?} would."),
    (&["whatis"], "whatis EXPR", "The type of EXPR."),
    (&["locals"], "locals", "Every live local of the selected frame, `name = value`."),
    (&["a", "args"], "a(rgs)", "The arguments of the selected frame's function."),
    (&["panic"], "panic", "The panic's message, location and thread."),
    (&["out"], "out", "The test's captured output so far."),
    (&["n", "next"], "n(ext)", "Run to the next statement of this function (--trace, breakpoint!())."),
    (&["s", "step"], "s(tep)", "Run to the next statement anywhere, into #[autopsy::trace] functions."),
    (&["r", "return"], "r(eturn)", "Run until this function returns."),
    (&["unt", "until"], "unt(il) [LINE]", "Run until a line at or after LINE (default: the next line) in this function."),
    (&["b", "break"], "b(reak) [LINE | FILE:LINE]", "Set a breakpoint on an instrumented statement; no argument lists them."),
    (&["tbreak"], "tbreak [LINE | FILE:LINE]", "A breakpoint removed when first hit."),
    (&["cl", "clear"], "cl(ear) [N ...]", "Delete breakpoints N, or all of them."),
    (&["display"], "display [EXPR]", "Show EXPR at every stop when it changed; no argument lists them."),
    (&["undisplay"], "undisplay [EXPR]", "Stop displaying EXPR, or everything."),
    (&["sticky"], "sticky", "Toggle showing the whole function at every stop (pdb++)."),
    (&["c", "cont", "continue"], "c(ontinue)", "After a failure: leave the prompt, the test fails as it would have and the run goes on. When stepping: run to the next breakpoint or the end of the test."),
    (&["q", "quit", "exit"], "q(uit)", "Stop the whole run now and print the summary of what ran."),
];

/// Every command name, for completion.
pub(crate) fn command_names() -> Vec<&'static str> {
    COMMANDS
        .iter()
        .flat_map(|(names, _, _)| names.iter().copied())
        .collect()
}

pub(crate) struct Session {
    info: Option<&'static DebugInfo>,
    pub frames: Vec<Frame>,
    pub selected: usize,
    pub stop: Stop,
    /// `(attempt, total)` when the test has reruns, for the header.
    pub attempt: Option<(u32, u32)>,
    output: Option<Vec<u8>>,
    styles: Styles,
    sources: Sources,
    /// Where a repeated `l` goes on from: (file, first line to show).
    list_next: Option<(String, u32)>,
    last: String,
    told_no_locals: bool,
    /// The prefix stripped from absolute paths for display.
    root: Option<String>,
}

fn is_user(f: &Frame) -> bool {
    f.kind == FrameKind::User
}

impl Session {
    /// `output` is `None` when output is not captured (`--nocapture`).
    pub fn new(
        info: Option<&'static DebugInfo>,
        frames: Vec<Frame>,
        stop: Stop,
        output: Option<Vec<u8>>,
        styles: Styles,
    ) -> Session {
        let selected = frames::opening_frame(&frames);
        let root = frames::source_root(&frames, stop.location());
        Session {
            attempt: None,
            root,
            info,
            frames,
            selected,
            stop,
            output,
            styles,
            sources: Sources::default(),
            list_next: None,
            last: String::new(),
            told_no_locals: false,
        }
    }

    fn frame(&self) -> Option<&Frame> {
        self.frames.get(self.selected)
    }

    /// The names a user may complete in the selected frame.
    pub fn local_names(&self) -> Vec<String> {
        match (self.info, self.frame()) {
            (Some(info), Some(f)) if info.has_locals() => info.local_names(f),
            _ => Vec::new(),
        }
    }

    /// Fields and methods of an expression's value in the selected frame,
    /// for completion after `.`.
    pub fn member_completer(&self) -> Option<crate::postmortem::input::Members> {
        let info = self.info.filter(|i| i.has_locals())?;
        let frame = self.frame()?.clone();
        Some(Box::new(move |expr: &str| info.members(&frame, expr)))
    }

    /// A frame's file as the panic message names it: relative to where
    /// cargo ran the compiler (the workspace root), found by matching the
    /// stop's own relative location against the frames' absolute paths.
    fn display_path(&self, file: &str) -> String {
        if let Some(root) = &self.root {
            if let Some(rel) = file.strip_prefix(root.as_str()) {
                return rel.trim_start_matches('/').to_string();
            }
        }
        file.to_string()
    }

    pub(crate) fn location(&self, f: &Frame) -> String {
        match (&f.file, f.line) {
            (Some(file), Some(line)) => format!("{}:{line}", self.display_path(file)),
            (Some(file), None) => self.display_path(file),
            _ => "<unknown>".into(),
        }
    }

    /// The source line a frame stopped at, trimmed.
    fn source_line(&mut self, f: &Frame) -> Option<String> {
        self.sources.line(f.file.as_deref()?, f.line?)
    }

    /// The text before the first prompt: captured output, the stop, the
    /// traceback of the user's frames, and pdb's current-line marker.
    pub fn header(&mut self) -> String {
        let mut out = String::new();
        let what = match &self.stop {
            Stop::Breakpoint { .. } => "breakpoint",
            Stop::Trace { .. } => "trace",
            _ => "post-mortem",
        };
        let _ = writeln!(
            out,
            "\n{}",
            Styles::paint(
                self.styles.header,
                match self.attempt {
                    Some((n, total)) if total > 1 => {
                        format!(
                            ">>> autopsy {what}: {} (attempt {n} of {total})",
                            self.stop.thread()
                        )
                    }
                    _ => format!(">>> autopsy {what}: {}", self.stop.thread()),
                }
            )
        );
        if let Some(output) = &self.output {
            if !output.is_empty() {
                let text = String::from_utf8_lossy(output);
                let _ = writeln!(out, "---- {} output so far ----", self.stop.thread());
                out.push_str(&text);
                if !text.ends_with('\n') {
                    out.push('\n');
                }
                out.push('\n');
            }
        }
        let _ = writeln!(
            out,
            "{}",
            Styles::paint(self.styles.error, self.stop.describe())
        );
        // The same text as `autopsy::Traceback`'s Display.
        let tb = crate::traceback::Traceback::from_frames(&self.frames, self.root.as_deref());
        if tb.user_frames().next().is_some() {
            out.push('\n');
            out.push_str(&tb.render(false, &self.styles));
        }
        // No locals at all, or split debug info (a `.dwp`/`.dwo`, a
        // stripped binary's debug file) that these frames need is missing.
        if self
            .info
            .is_some_and(|i| !i.has_locals() || i.missing_debug_info().is_some())
        {
            out.push_str(&self.no_locals_note());
        }
        out.push('\n');
        out.push_str(&self.current_marker());
        out
    }

    fn no_locals_note(&mut self) -> String {
        if std::mem::replace(&mut self.told_no_locals, true) {
            return String::new();
        }
        // Debug info the binary points at but that cannot be read: the
        // file that is needed.
        if let Some(missing) = self.info.and_then(|i| i.missing_debug_info()) {
            return format!("\nnote: {missing}, so `p`, `locals` and `args` cannot read values.\n");
        }
        format!(
            "\nnote: this test binary has no debug info for locals, so `p`, `locals` and `args` \
             cannot read values. Build the tests with debug info to get them back: remove \
             `debug = false` / `strip` from {} (or set `debug = true` there).\n",
            frames::profiles_of(crate::history::profile_dir_name().as_deref())
        )
    }

    /// `> file(line)function()` and `-> source`, as pdb prints them.
    pub fn current_marker(&mut self) -> String {
        let Some(f) = self.frame().cloned() else {
            return "> <no frames>\n".into();
        };
        let mut out = String::new();
        let name = simple_name(&f.function);
        match (f.file.as_deref().map(|p| self.display_path(p)), f.line) {
            (Some(file), Some(line)) => {
                let file = Styles::paint(self.styles.location, file);
                let _ = writeln!(out, "> {file}({line}){name}()");
            }
            (Some(file), None) => {
                let file = Styles::paint(self.styles.location, file);
                let _ = writeln!(out, "> {file}{name}()");
            }
            // No line table: the function's whole path is all there is.
            (None, _) => {
                let _ = writeln!(out, "> {}()", f.function);
            }
        }
        if let Some(src) = self.source_line(&f) {
            let _ = writeln!(out, "-> {src}");
        }
        out
    }

    /// Runs one command line, appending what it prints to `out`.
    pub fn execute(&mut self, line: &str, out: &mut String) -> Action {
        let mut line = line.trim().to_string();
        if line.is_empty() {
            // pdb repeats the last command; for us that matters for `l`,
            // `u` and `d`, and for the `n` or `s` that led to this stop
            // (each stop has its own session).
            if self.last.is_empty() && self.stop.is_live() {
                if let Some(cmd) = crate::postmortem::trace::state().repeat {
                    self.last = cmd.to_string();
                }
            }
            let first = self.last.split_whitespace().next().unwrap_or("");
            if matches!(
                first,
                "l" | "list" | "u" | "up" | "d" | "down" | "n" | "next" | "s" | "step"
            ) {
                line = if matches!(first, "l" | "list") {
                    "l".into()
                } else {
                    self.last.clone()
                };
            } else {
                return Action::Stay;
            }
        } else {
            self.last = line.clone();
        }
        let (cmd, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line.as_str(), ""),
        };
        match cmd {
            "h" | "help" => self.help(rest, out),
            "w" | "where" => self.where_(false, out),
            "bt" => self.where_(rest == "full", out),
            "u" | "up" => self.move_frame(rest, true, out),
            "d" | "down" => self.move_frame(rest, false, out),
            "f" | "frame" => self.select_frame(rest, out),
            "l" | "list" => self.list(rest, out),
            "ll" | "longlist" => self.longlist(out),
            "p" => self.print(rest, false, out),
            "pp" => self.print(rest, true, out),
            "whatis" => self.whatis(rest, out),
            "locals" => self.locals(false, out),
            "a" | "args" => self.locals(true, out),
            "panic" => {
                let _ = writeln!(out, "{}", self.stop.describe());
            }
            "out" => match &self.output {
                None => out.push_str("(output is not captured: the run has --nocapture)\n"),
                Some(o) if o.is_empty() => out.push_str("(no output yet)\n"),
                Some(o) => {
                    let text = String::from_utf8_lossy(o);
                    out.push_str(&text);
                    if !text.ends_with('\n') {
                        out.push('\n');
                    }
                }
            },
            "c" | "cont" | "continue" => return Action::Continue,
            "n" | "next" | "s" | "step" | "r" | "return" | "unt" | "until" => {
                if !self.stop.is_live() {
                    out.push_str(if matches!(self.stop, Stop::Caught { .. }) {
                        "*** post_mortem!() does not step: c goes on after it, q quits\n"
                    } else {
                        "*** the test has failed: there is nothing left to step through; c continues, q quits\n"
                    });
                    return Action::Stay;
                }
                return match cmd {
                    "n" | "next" => Action::Next,
                    "s" | "step" => Action::Step,
                    "r" | "return" => Action::Return,
                    _ => match rest.parse::<u32>() {
                        Ok(l) => Action::Until(l),
                        Err(_) if rest.is_empty() => {
                            Action::Until(self.frame().and_then(|f| f.line).unwrap_or(0) + 1)
                        }
                        Err(_) => {
                            out.push_str("*** usage: unt(il) [LINE]\n");
                            Action::Stay
                        }
                    },
                };
            }
            "b" | "break" => self.set_break(rest, false, out),
            "tbreak" => self.set_break(rest, true, out),
            "cl" | "clear" => self.clear(rest, out),
            "display" => self.display(rest, out),
            "undisplay" => {
                let here = self.display_function();
                let mut st = crate::postmortem::trace::state();
                if rest.is_empty() {
                    st.displays.retain(|d| d.function != here);
                } else if let Some(i) = st
                    .displays
                    .iter()
                    .position(|d| d.expr == rest && d.function == here)
                {
                    st.displays.remove(i);
                } else {
                    let _ = writeln!(out, "*** not displaying {rest}");
                }
            }
            "sticky" => {
                let mut st = crate::postmortem::trace::state();
                st.sticky = !st.sticky;
                let on = st.sticky;
                drop(st);
                if on {
                    self.longlist(out);
                } else {
                    out.push_str("sticky mode off\n");
                }
            }
            "q" | "quit" | "exit" => return Action::Quit,
            _ => {
                // pdb evaluates what is not a command; so do we, for names.
                let looks_like_expr = line
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || "_*&(!-\"'".contains(c));
                match self.eval(&line) {
                    Ok(v) if looks_like_expr => {
                        let _ = writeln!(out, "{v}");
                    }
                    _ => {
                        let _ =
                            writeln!(out, "*** unknown command '{cmd}': type help for the list");
                    }
                }
            }
        }
        Action::Stay
    }

    /// What a trace stop shows: the current line, changed displays, and
    /// the whole function in sticky mode.
    pub fn trace_stop_text(&mut self) -> String {
        let mut out = String::new();
        let sticky = crate::postmortem::trace::state().sticky;
        if sticky {
            self.longlist(&mut out);
        } else {
            out.push_str(&self.current_marker());
        }
        let here = self.display_function();
        let exprs: Vec<(String, Option<String>)> = crate::postmortem::trace::state()
            .displays
            .iter()
            .filter(|d| d.function == here)
            .map(|d| (d.expr.clone(), d.last.clone()))
            .collect();
        let mut updated = Vec::new();
        for (expr, last) in exprs {
            let value = self.eval(&expr).unwrap_or_else(|e| format!("*** {e}"));
            if last.as_deref() != Some(value.as_str()) {
                match &last {
                    Some(old) => {
                        let _ = writeln!(out, "display {expr}: {value}  [old: {old}]");
                    }
                    None => {
                        let _ = writeln!(out, "display {expr}: {value}");
                    }
                }
            }
            updated.push((expr, value));
        }
        let mut st = crate::postmortem::trace::state();
        for (expr, value) in updated {
            if let Some(d) = st
                .displays
                .iter_mut()
                .find(|d| d.expr == expr && d.function == here)
            {
                d.last = Some(value);
            }
        }
        out
    }

    fn help(&self, topic: &str, out: &mut String) {
        if topic.is_empty() {
            out.push_str("Commands (pdb's names and abbreviations):\n\n");
            for (_, usage, what) in COMMANDS {
                let _ = writeln!(out, "  {usage:<30} {what}");
            }
            out.push_str("\nAn empty line repeats `list`, `next` and `step`. Ctrl-C cancels the line; Ctrl-D continues.\n");
            return;
        }
        match COMMANDS.iter().find(|(names, _, _)| names.contains(&topic)) {
            Some((_, usage, what)) => {
                let _ = writeln!(out, "{usage}\n    {what}");
            }
            None => {
                let _ = writeln!(out, "*** no help on '{topic}': type help for the list");
            }
        }
    }
}
