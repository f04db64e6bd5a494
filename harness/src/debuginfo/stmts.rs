//! Where an instrumented function's statements begin in its machine code:
//! the addresses `--trace` plants its breakpoints at.
//!
//! `#[autopsy::test]` and `#[autopsy::trace]` list the lines of `file!()`
//! where a statement of the body begins. Each function compiled from that
//! body (the function itself, each generic instance, the body of an `async
//! fn` or of a test's runtime block) has code on those lines; its stop for a
//! line is the lowest address the line table gives that line within the
//! function, where the statement's code starts, as `break FILE:LINE` in gdb
//! picks it. A loop's later passes over the head line (an iterator's `next`,
//! the jump back) lie above that address and are not stops, so a loop stops
//! at each statement of its body, not at its head, on every pass.
//!
//! Closures are functions of their own whose code may share a statement's
//! line (`xs.iter().map(|x| x + 1)`): they are left out, as the attribute
//! leaves their bodies uninstrumented.

use std::collections::{BTreeMap, HashSet};

use super::dwarf::Binary;
use super::DebugInfo;

impl Binary {
    /// The link-time start of each `(function, line)` for `lines` of `file`
    /// (a `file!()` path: relative to where cargo ran rustc, or absolute).
    fn statement_starts(&self, file: &str, lines: &[u32]) -> Vec<(u64, u32)> {
        let wanted: HashSet<u32> = lines.iter().copied().collect();
        let base = file.rsplit('/').next().unwrap_or(file);
        let mut out = Vec::new();
        for &off in self.unit_offsets() {
            let Some(cu) = self.cu(off) else { continue };
            // The file table is read before any row is decoded: most units
            // (std's, the dependencies') never name the file.
            if !self.names_file(&cu, base) {
                continue;
            }
            let table = self.lines(&cu);
            let files: HashSet<u32> = table
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| f.as_deref().is_some_and(|f| same_file(f, file)))
                .map(|(i, _)| i as u32)
                .collect();
            if files.is_empty() {
                continue;
            }
            // Each function's rows on this file, closures left out.
            let mut funcs: BTreeMap<usize, Vec<(u64, u32)>> = BTreeMap::new();
            let mut closures: BTreeMap<usize, bool> = BTreeMap::new();
            for (_, _, rows) in &table.seqs {
                for &(addr, f, line, _) in rows {
                    if !files.contains(&f) || line == 0 {
                        continue;
                    }
                    let Some(func) = self.subprogram_at(&cu, addr) else {
                        continue;
                    };
                    let closure = *closures
                        .entry(func)
                        .or_insert_with(|| self.is_closure(&cu, func));
                    if !closure {
                        funcs.entry(func).or_default().push((addr, line));
                    }
                }
            }
            for rows in funcs.values_mut() {
                rows.sort_unstable();
                out.extend(function_stops(rows, &wanted));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the subprogram is a closure's body. Its `DW_AT_name` says so
    /// (`{closure#0}`); the linkage name cannot tell it from an `async`
    /// body (both demangle to `{{closure}}`), which holds stops.
    fn is_closure(&self, cu: &super::dwarf::Cu, die: usize) -> bool {
        let mut at = die;
        for _ in 0..4 {
            let Some(e) = self.entry(cu, at) else {
                return false;
            };
            if let Some(name) = e.attr_value(gimli::constants::DW_AT_name) {
                return self
                    .attr_str(cu, name)
                    .is_some_and(|n| n.starts_with("{closure#"));
            }
            // A concrete instance names its abstract origin within the unit.
            match e.attr_value(gimli::constants::DW_AT_abstract_origin) {
                Some(gimli::AttributeValue::UnitRef(o)) => at = o.0,
                _ => return false,
            }
        }
        false
    }

    /// Whether the unit's line table names a file called `base`.
    fn names_file(&self, cu: &super::dwarf::Cu, base: &str) -> bool {
        let Some(prog) = &cu.unit.line_program else {
            return false;
        };
        prog.header().file_names().iter().any(|f| {
            self.dwarf
                .attr_string(&cu.unit, f.path_name())
                .is_ok_and(|n| n.slice().ends_with(base.as_bytes()))
        })
    }
}

/// One function's stops, from its rows on the file sorted by address.
///
/// For each wanted line: the start of its first run of rows (its lowest
/// address), where the statement's code starts in a function laid out in
/// source order; and the start of any later run of it that directly follows
/// the first run of an earlier statement. That second kind serves code not
/// laid out in source order: in an `async` body the state machine's
/// dispatch comes first and holds the resumption of an `.await`, so the
/// await's line first appears there, while the code that runs after the
/// line before it lies further on. A later run that follows anything else (a
/// loop's jump back to its head, a `let` storing what a block computed, the
/// continuation after an overflow check's panic path) continues a statement
/// that already stopped, and is not a stop.
///
/// A wanted line inside the function with no code of its own (a tail
/// expression already in the return register, `let x;`) stops where the code
/// after it begins, the first address of a later line, unless another stop
/// is there already.
fn function_stops(rows: &[(u64, u32)], wanted: &HashSet<u32>) -> Vec<(u64, u32)> {
    let mut seen: HashSet<u32> = HashSet::new();
    let mut out: Vec<(u64, u32)> = Vec::new();
    // The previous row's line, and whether its run was that line's first.
    let mut prev: Option<(u32, bool)> = None;
    for &(addr, line) in rows {
        if prev.is_some_and(|(l, _)| l == line) {
            continue;
        }
        let first = seen.insert(line);
        if wanted.contains(&line) {
            let after_a_statement =
                prev.is_some_and(|(l, was_first)| was_first && l < line && wanted.contains(&l));
            if first || after_a_statement {
                out.push((addr, line));
            }
        }
        prev = Some((line, first));
    }
    let (Some(low), Some(high)) = (
        rows.iter().map(|r| r.1).min(),
        rows.iter().map(|r| r.1).max(),
    ) else {
        return Vec::new();
    };
    let taken: HashSet<u64> = out.iter().map(|s| s.0).collect();
    for &line in wanted {
        if seen.contains(&line) || line <= low || line >= high {
            continue;
        }
        let after = rows.iter().find(|r| r.1 > line).map(|r| r.0);
        if let Some(addr) = after.filter(|a| !taken.contains(a)) {
            out.push((addr, line));
        }
    }
    out
}

/// Whether the line table's `path` (absolute) is the `file!()` path `file`.
fn same_file(path: &str, file: &str) -> bool {
    path == file
        || path
            .strip_suffix(file)
            .is_some_and(|head| head.ends_with('/') && !file.starts_with('/'))
}

impl DebugInfo {
    /// Where each trace stop of an instrumented function begins: for every
    /// function with code on one of `lines` of `file` (closures left out),
    /// the lowest runtime address of each line, sorted.
    pub fn statement_starts(&self, file: &str, lines: &[u32]) -> Vec<(usize, u32)> {
        let bias = self.bias();
        self.bin
            .statement_starts(file, lines)
            .into_iter()
            .map(|(pc, line)| (pc.wrapping_add(bias) as usize, line))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{function_stops, same_file};
    use std::collections::HashSet;

    #[test]
    fn a_line_without_code_stops_where_the_next_code_begins() {
        // fn on 12; statements on 13, 14 and 15 (a tail expression with no
        // code); 16 the epilogue; a panic path of 13 placed last.
        let rows = [
            (0x10, 12),
            (0x18, 13),
            (0x20, 14),
            (0x28, 13),
            (0x30, 14),
            (0x33, 16),
            (0x40, 13),
        ];
        let wanted: HashSet<u32> = [13, 14, 15].into();
        let mut stops = function_stops(&rows, &wanted);
        stops.sort();
        // 14 again at 0x30 continues after 13's panic path: not a stop.
        assert_eq!(stops, [(0x18, 13), (0x20, 14), (0x33, 15)]);
        // `let x;` on 13 before 14: 14's own stop is where 13 would go.
        let rows = [(0x10, 12), (0x20, 14), (0x30, 16)];
        let wanted: HashSet<u32> = [13, 14].into();
        assert_eq!(function_stops(&rows, &wanted), [(0x20, 14)]);
    }

    #[test]
    fn code_after_an_await_stops_where_the_line_before_it_ends() {
        // An `async` body: fn on 85; the dispatch holds 90's resumption;
        // statements 86..=91 follow, 90's own code right after 89's.
        let rows = [
            (0x10, 85),
            (0x18, 90),
            (0x20, 85),
            (0x30, 86),
            (0x40, 89),
            (0x50, 90),
            (0x60, 92),
            (0x70, 90),
            (0x80, 91),
        ];
        let wanted: HashSet<u32> = [86, 89, 90, 91].into();
        let mut stops = function_stops(&rows, &wanted);
        stops.sort();
        assert_eq!(
            stops,
            [(0x18, 90), (0x30, 86), (0x40, 89), (0x50, 90), (0x80, 91)]
        );
    }

    #[test]
    fn a_loops_jump_back_to_its_head_is_not_a_stop() {
        // `for` on 3 (set-up, then `next` at 0x18), body on 4, the jump back
        // attributed to 3 again after the body.
        let rows = [
            (0x10, 2),
            (0x14, 3),
            (0x18, 3),
            (0x20, 4),
            (0x28, 3),
            (0x30, 6),
        ];
        let wanted: HashSet<u32> = [3, 4, 6].into();
        assert_eq!(
            function_stops(&rows, &wanted),
            [(0x14, 3), (0x20, 4), (0x30, 6)]
        );
    }

    #[test]
    fn files_match_on_a_path_boundary() {
        assert!(same_file("/w/tests/trace.rs", "tests/trace.rs"));
        assert!(same_file("/w/tests/trace.rs", "/w/tests/trace.rs"));
        assert!(!same_file("/w/tests/xtrace.rs", "trace.rs"));
        assert!(!same_file("/w/other/trace.rs", "tests/trace.rs"));
    }
}
