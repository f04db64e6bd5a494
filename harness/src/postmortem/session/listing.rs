//! Source listings: `l(ist)`, `ll`.

use std::fmt::Write as _;

use super::Session;
use crate::styles::Styles;

impl Session {
    pub(super) fn show_lines(
        &mut self,
        file: &str,
        first: u32,
        last: u32,
        out: &mut String,
    ) -> bool {
        let current = self.frame().and_then(|f| {
            (f.file.as_deref() == Some(file))
                .then_some(f.line)
                .flatten()
        });
        let styles = self.styles;
        let Some(lines) = self.sources.lines(file) else {
            let _ = writeln!(out, "*** source not found: {file}");
            return false;
        };
        let last = last.min(lines.len() as u32);
        if first > last {
            out.push_str("[EOF]\n");
            return false;
        }
        for n in first..=last {
            let text = &lines[n as usize - 1];
            if Some(n) == current {
                let _ = writeln!(
                    out,
                    "{}",
                    Styles::paint(styles.current, format!("{n:>4} -> {text}"))
                );
            } else {
                let _ = writeln!(out, "{n:>4}    {text}");
            }
        }
        true
    }

    pub(super) fn list(&mut self, arg: &str, out: &mut String) {
        let Some(f) = self.frame().cloned() else {
            return out.push_str("*** no frame\n");
        };
        let Some(file) = f.file.clone() else {
            return out.push_str("*** no source for this frame\n");
        };
        let around = |line: u32| (line.saturating_sub(5).max(1), line + 5);
        let (first, last) = if arg.is_empty() {
            match &self.list_next {
                Some((nf, next)) if *nf == file => (*next, next + 10),
                _ => around(f.line.unwrap_or(1)),
            }
        } else if arg == "." {
            around(f.line.unwrap_or(1))
        } else {
            let parts: Vec<&str> = arg.split(',').map(str::trim).collect();
            let nums: Result<Vec<u32>, _> = parts.iter().map(|p| p.parse::<u32>()).collect();
            match nums.as_deref() {
                Ok([a]) => around(*a),
                // pdb: a second number smaller than the first is a count.
                Ok([a, b]) if b < a => (*a, a + b),
                Ok([a, b]) => (*a, *b),
                _ => {
                    return out.push_str("*** usage: l(ist) [first[, last]] | l .\n");
                }
            }
        };
        if self.show_lines(&file, first, last, out) {
            self.list_next = Some((file, last + 1));
        }
    }

    pub(super) fn longlist(&mut self, out: &mut String) {
        let Some(f) = self.frame().cloned() else {
            return out.push_str("*** no frame\n");
        };
        let (Some(file), Some(line)) = (f.file.clone(), f.line) else {
            return out.push_str("*** no source for this frame\n");
        };
        match self.sources.function_extent(&file, line, &f.function) {
            Some((a, b)) => {
                self.show_lines(&file, a, b, out);
            }
            None => {
                let _ = writeln!(out, "*** source not found: {file}");
            }
        }
    }
}
