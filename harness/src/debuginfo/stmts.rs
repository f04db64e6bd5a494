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
                    let closure = *closures.entry(func).or_insert_with(|| {
                        self.function_name(&cu, func)
                            .is_some_and(|n| n.contains("{closure#"))
                    });
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

/// One function's stops, from its rows on the file sorted by address: for
/// each wanted line, the lowest address of that line. A wanted line inside
/// the function with no code of its own (a tail expression that is already
/// in the return register, `let x;`) stops where the code after it begins,
/// the first address of a later line, unless another stop is there already.
fn function_stops(rows: &[(u64, u32)], wanted: &HashSet<u32>) -> Vec<(u64, u32)> {
    let mut starts: BTreeMap<u32, u64> = BTreeMap::new();
    for &(addr, line) in rows {
        if wanted.contains(&line) {
            starts.entry(line).or_insert(addr);
        }
    }
    let (Some(low), Some(high)) = (
        rows.iter().map(|r| r.1).min(),
        rows.iter().map(|r| r.1).max(),
    ) else {
        return Vec::new();
    };
    let taken: HashSet<u64> = starts.values().copied().collect();
    let mut out: Vec<(u64, u32)> = starts.iter().map(|(&l, &a)| (a, l)).collect();
    for &line in wanted {
        if starts.contains_key(&line) || line <= low || line >= high {
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
        assert_eq!(stops, [(0x18, 13), (0x20, 14), (0x33, 15)]);
        // `let x;` on 13 before 14: 14's own stop is where 13 would go.
        let rows = [(0x10, 12), (0x20, 14), (0x30, 16)];
        let wanted: HashSet<u32> = [13, 14].into();
        assert_eq!(function_stops(&rows, &wanted), [(0x20, 14)]);
    }

    #[test]
    fn files_match_on_a_path_boundary() {
        assert!(same_file("/w/tests/trace.rs", "tests/trace.rs"));
        assert!(same_file("/w/tests/trace.rs", "/w/tests/trace.rs"));
        assert!(!same_file("/w/tests/xtrace.rs", "trace.rs"));
        assert!(!same_file("/w/other/trace.rs", "tests/trace.rs"));
    }
}
