//! Values: `p`, `pp`, `whatis`, `locals`, `a(rgs)`.

use std::fmt::Write as _;

use super::Session;
use crate::debuginfo::{DebugInfo, Frame};
use crate::styles::Styles;

impl Session {
    pub(super) fn locals_available(
        &mut self,
        out: &mut String,
    ) -> Option<(&'static DebugInfo, Frame)> {
        let info = match self.info {
            Some(i) if i.has_locals() => i,
            _ => {
                let note = self.no_locals_note();
                if note.is_empty() {
                    out.push_str("*** no debug info for locals (see the note above)\n");
                } else {
                    out.push_str(note.trim_start());
                }
                return None;
            }
        };
        let frame = self.frame()?.clone();
        Some((info, frame))
    }

    pub(super) fn eval(&mut self, expr: &str) -> Result<String, String> {
        let info = self
            .info
            .filter(|i| i.has_locals())
            .ok_or("no debug info for locals")?;
        let frame = self.frame().ok_or("no frame")?;
        info.eval(frame, expr)
            .map(|v| v.debug())
            .map_err(|e| e.to_string())
    }

    pub(super) fn print(&mut self, expr: &str, pretty: bool, out: &mut String) {
        if expr.is_empty() {
            return out.push_str("*** usage: p EXPR\n");
        }
        let Some((info, frame)) = self.locals_available(out) else {
            return;
        };
        match info.eval(&frame, expr) {
            Ok(v) => {
                let _ = writeln!(out, "{}", if pretty { v.debug_pretty() } else { v.debug() });
            }
            Err(e) => {
                let _ = writeln!(out, "*** {e}");
            }
        }
    }

    pub(super) fn whatis(&mut self, expr: &str, out: &mut String) {
        if expr.is_empty() {
            return out.push_str("*** usage: whatis EXPR\n");
        }
        let Some((info, frame)) = self.locals_available(out) else {
            return;
        };
        match info.eval(&frame, expr) {
            Ok(v) => {
                let _ = writeln!(out, "{}", v.type_name());
            }
            Err(e) => {
                let _ = writeln!(out, "*** {e}");
            }
        }
    }

    /// `locals` and `args`: one `name = value` per line, each value cut at
    /// [`LOCALS_WIDTH`] characters (`p` prints one in full).
    pub fn locals(&mut self, args_only: bool, out: &mut String) {
        let Some((info, frame)) = self.locals_available(out) else {
            return;
        };
        match info.locals(&frame) {
            Ok(vars) => {
                let vars: Vec<_> = vars
                    .into_iter()
                    .filter(|v| !args_only || v.is_arg)
                    .collect();
                if vars.is_empty() {
                    out.push_str(if args_only {
                        "(no arguments)\n"
                    } else {
                        "(no locals)\n"
                    });
                }
                for v in vars {
                    let _ = writeln!(
                        out,
                        "{} = {}",
                        Styles::paint(self.styles.name, &v.name),
                        v.value.debug_abbreviated(LOCALS_WIDTH)
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(out, "*** {e}");
            }
        }
    }
}

/// The longest value `locals` and `args` print (characters), about where
/// pytest's `saferepr` cuts a local's repr: a runtime handle or a large
/// buffer stays one readable line, which says how much it left out; `p NAME`
/// prints it whole.
const LOCALS_WIDTH: usize = 240;
