//! Breakpoints and displays: `b`, `tbreak`, `cl`, `display`.

use std::fmt::Write as _;

use super::Session;

impl Session {
    /// The file a bare `b LINE` means: the stop's own file (as `file!()`
    /// names it) when the stop's frame is selected.
    pub(super) fn current_file(&self) -> Option<String> {
        let f = self.frame()?;
        let file = f.file.as_deref()?;
        Some(self.display_path(file))
    }

    pub(super) fn set_break(&mut self, arg: &str, temporary: bool, out: &mut String) {
        if arg.is_empty() {
            let st = crate::postmortem::trace::state();
            if st.breakpoints.is_empty() {
                out.push_str("No breakpoints.\n");
                return;
            }
            out.push_str("Num Type         Disp Enb   Where\n");
            for b in &st.breakpoints {
                let disp = if b.temporary { "del " } else { "keep" };
                let _ = writeln!(
                    out,
                    "{:<3} breakpoint   {disp} yes   at {}:{}",
                    b.id, b.file, b.line
                );
                if b.hits > 0 {
                    let _ = writeln!(
                        out,
                        "\tbreakpoint already hit {} time{}",
                        b.hits,
                        if b.hits == 1 { "" } else { "s" }
                    );
                }
            }
            return;
        }
        let (file, line) = match arg.rsplit_once(':') {
            Some((f, l)) => (Some(f.trim().to_string()), l.trim()),
            None => (self.current_file(), arg),
        };
        let Ok(line) = line.parse::<u32>() else {
            let _ = writeln!(out, "*** usage: b(reak) [LINE | FILE:LINE], got '{arg}'");
            return;
        };
        let Some(file) = file else {
            out.push_str("*** no current file: use b FILE:LINE\n");
            return;
        };
        if let Some(lines) = self.sources.lines(&file) {
            if line == 0 || line as usize > lines.len() {
                let _ = writeln!(
                    out,
                    "*** line {line} is out of range for {file} ({} lines)",
                    lines.len()
                );
                return;
            }
        }
        let mut st = crate::postmortem::trace::state();
        let id = st.next_id;
        st.next_id += 1;
        st.breakpoints.push(crate::postmortem::trace::Breakpoint {
            id,
            file: file.clone(),
            line,
            temporary,
            hits: 0,
        });
        let kind = if temporary {
            "Temporary breakpoint"
        } else {
            "Breakpoint"
        };
        let _ = writeln!(out, "{kind} {id} at {file}:{line}");
    }

    pub(super) fn clear(&mut self, arg: &str, out: &mut String) {
        let mut st = crate::postmortem::trace::state();
        if arg.is_empty() {
            for b in st.breakpoints.drain(..) {
                let _ = writeln!(out, "Deleted breakpoint {} at {}:{}", b.id, b.file, b.line);
            }
            return;
        }
        for word in arg.split_whitespace() {
            match word
                .parse::<usize>()
                .ok()
                .and_then(|n| st.breakpoints.iter().position(|b| b.id == n))
            {
                Some(i) => {
                    let b = st.breakpoints.remove(i);
                    let _ = writeln!(out, "Deleted breakpoint {} at {}:{}", b.id, b.file, b.line);
                }
                None => {
                    let _ = writeln!(out, "*** no breakpoint number {word}");
                }
            }
        }
    }

    /// The function whose displays this stop shows (pdb's are per frame).
    pub(super) fn display_function(&self) -> String {
        self.frame().map(|f| f.function.clone()).unwrap_or_default()
    }

    pub(super) fn display(&mut self, expr: &str, out: &mut String) {
        let here = self.display_function();
        if expr.is_empty() {
            let st = crate::postmortem::trace::state();
            let mine: String = st
                .displays
                .iter()
                .filter(|d| d.function == here)
                .map(|d| format!("{}\n", d.expr))
                .collect();
            if mine.is_empty() {
                out.push_str("No expressions displayed.\n");
            }
            out.push_str(&mine);
            return;
        }
        let value = self.eval(expr).unwrap_or_else(|e| format!("*** {e}"));
        let _ = writeln!(out, "display {expr}: {value}");
        let mut st = crate::postmortem::trace::state();
        st.displays
            .retain(|d| !(d.expr == expr && d.function == here));
        st.displays.push(crate::postmortem::trace::Display {
            expr: expr.to_string(),
            last: Some(value),
            function: here,
        });
    }
}
