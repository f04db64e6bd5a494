//! Moving between frames: `w(here)`, `bt`, `u(p)`, `d(own)`, `f(rame)`.

use std::fmt::Write as _;

use super::{is_user, Session};
use crate::postmortem::frames;
use crate::styles::Styles;

impl Session {
    pub(super) fn frame_line(&mut self, i: usize, out: &mut String) {
        let f = self.frames[i].clone();
        let mark = if i == self.selected {
            Styles::paint(self.styles.current, ">")
        } else {
            " ".into()
        };
        let inl = if f.inlined { " [inlined]" } else { "" };
        let _ = writeln!(
            out,
            "{mark} #{i:<2} {} in {}{inl}",
            Styles::paint(self.styles.location, self.location(&f)),
            f.function
        );
        if let Some(src) = self.source_line(&f) {
            let _ = writeln!(out, "        {src}");
        }
    }

    pub(super) fn where_(&mut self, full: bool, out: &mut String) {
        let shown: Vec<usize> = (0..self.frames.len())
            .rev()
            .filter(|&i| full || is_user(&self.frames[i]) || i == self.selected)
            .collect();
        if shown.is_empty() {
            out.push_str("(no frames)\n");
        }
        let folded = frames::folded(&self.frames, self.selected);
        let folded = |i: usize| folded[i];
        let mut k = 0;
        while k < shown.len() {
            let first = shown[k];
            if !folded(first) {
                self.frame_line(first, out);
                k += 1;
                continue;
            }
            let mut last = first;
            while k < shown.len() && folded(shown[k]) {
                last = shown[k];
                k += 1;
            }
            let n = first - last + 1;
            let range = if n == 1 {
                format!("#{first:<2}")
            } else {
                format!("#{first}-#{last}")
            };
            let noun = if n == 1 { "frame" } else { "frames" };
            let _ = writeln!(out, "  {range} [autopsy: {n} {noun} of its own]");
        }
    }

    pub(super) fn count(arg: &str, out: &mut String) -> Option<usize> {
        if arg.is_empty() {
            return Some(1);
        }
        match arg.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                let _ = writeln!(out, "*** expected a count, got '{arg}'");
                None
            }
        }
    }

    pub(super) fn move_frame(&mut self, arg: &str, older: bool, out: &mut String) {
        let Some(n) = Self::count(arg, out) else {
            return;
        };
        let mut at = self.selected;
        for _ in 0..n {
            let next = if older {
                (at + 1..self.frames.len()).find(|&i| is_user(&self.frames[i]))
            } else {
                (0..at).rev().find(|&i| is_user(&self.frames[i]))
            };
            match next {
                Some(i) => at = i,
                None => break,
            }
        }
        if at == self.selected {
            out.push_str(if older {
                "*** Oldest frame\n"
            } else {
                "*** Newest frame\n"
            });
            return;
        }
        self.selected = at;
        self.list_next = None;
        out.push_str(&self.current_marker());
    }

    pub(super) fn select_frame(&mut self, arg: &str, out: &mut String) {
        match arg.trim_start_matches('#').parse::<usize>() {
            Ok(i) if i < self.frames.len() => {
                self.selected = i;
                self.list_next = None;
                out.push_str(&self.current_marker());
            }
            Ok(i) => {
                let _ = writeln!(
                    out,
                    "*** no frame #{i}: frames are #0 to #{}",
                    self.frames.len().saturating_sub(1)
                );
            }
            Err(_) => out.push_str("*** usage: frame N (numbers as `bt full` shows them)\n"),
        }
    }
}
