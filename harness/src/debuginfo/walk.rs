//! A lean, non-generic walk over one unit's DIEs to build its index.
//!
//! Same result as the gimli-based walk in `dwarf.rs`, but attributes that
//! are not needed are skipped by precomputed sizes, so that it stays fast
//! when the crate is built at opt-level 0 (the user's default test
//! profile). Returns `None` for anything unusual (DWARF64, `DW_FORM_strx`,
//! `DW_FORM_indirect`, ...): the caller then uses the gimli walk.

use gimli::{constants as dw, AttributeValue, DwForm, Section as _};

use super::dwarf::{Binary, Cu, CuIndex};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Namespace,
    Subprogram,
    /// A variable outside any subprogram (possible vtable).
    GlobalVar,
    /// A variable or parameter inside a subprogram.
    LocalVar,
    Skip,
}

struct Plan {
    tag: dw::DwTag,
    children: bool,
    /// Total size when every attribute has a fixed size.
    fixed: Option<usize>,
    /// `(attribute, form, implicit const)`.
    attrs: Vec<(dw::DwAt, DwForm)>,
    has_location: bool,
}

/// Size of a form's data, or `None` when it must be decoded.
fn fixed_size(form: DwForm, addr: usize) -> Option<usize> {
    Some(match form {
        dw::DW_FORM_addr => addr,
        dw::DW_FORM_data1
        | dw::DW_FORM_ref1
        | dw::DW_FORM_flag
        | dw::DW_FORM_strx1
        | dw::DW_FORM_addrx1 => 1,
        dw::DW_FORM_data2 | dw::DW_FORM_ref2 | dw::DW_FORM_strx2 | dw::DW_FORM_addrx2 => 2,
        dw::DW_FORM_strx3 | dw::DW_FORM_addrx3 => 3,
        dw::DW_FORM_data4
        | dw::DW_FORM_ref4
        | dw::DW_FORM_strp
        | dw::DW_FORM_line_strp
        | dw::DW_FORM_sec_offset
        | dw::DW_FORM_ref_addr
        | dw::DW_FORM_strx4
        | dw::DW_FORM_addrx4
        | dw::DW_FORM_strp_sup
        | dw::DW_FORM_ref_sup4 => 4,
        dw::DW_FORM_data8 | dw::DW_FORM_ref8 | dw::DW_FORM_ref_sig8 | dw::DW_FORM_ref_sup8 => 8,
        dw::DW_FORM_data16 => 16,
        dw::DW_FORM_flag_present | dw::DW_FORM_implicit_const => 0,
        _ => return None,
    })
}

struct Cursor<'a> {
    d: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *self.d.get(self.pos)?;
            self.pos += 1;
            if shift < 64 {
                v |= ((b & 0x7f) as u64) << shift;
            }
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }

    fn uint(&mut self, n: usize) -> Option<u64> {
        let b = self.d.get(self.pos..self.pos + n)?;
        self.pos += n;
        let mut v = 0u64;
        for (i, x) in b.iter().enumerate().take(8) {
            v |= (*x as u64) << (8 * i);
        }
        Some(v)
    }

    /// Skips one attribute value of `form`.
    fn skip(&mut self, form: DwForm, addr: usize) -> Option<()> {
        if let Some(n) = fixed_size(form, addr) {
            self.pos += n;
            return Some(());
        }
        match form {
            dw::DW_FORM_udata
            | dw::DW_FORM_sdata
            | dw::DW_FORM_ref_udata
            | dw::DW_FORM_strx
            | dw::DW_FORM_addrx
            | dw::DW_FORM_rnglistx
            | dw::DW_FORM_loclistx => {
                self.uleb()?;
            }
            dw::DW_FORM_exprloc | dw::DW_FORM_block => {
                let n = self.uleb()? as usize;
                self.pos += n;
            }
            dw::DW_FORM_block1 => {
                let n = self.uint(1)? as usize;
                self.pos += n;
            }
            dw::DW_FORM_block2 => {
                let n = self.uint(2)? as usize;
                self.pos += n;
            }
            dw::DW_FORM_block4 => {
                let n = self.uint(4)? as usize;
                self.pos += n;
            }
            dw::DW_FORM_string => {
                let rest = self.d.get(self.pos..)?;
                let n = rest.iter().position(|&b| b == 0)?;
                self.pos += n + 1;
            }
            _ => return None,
        }
        (self.pos <= self.d.len()).then_some(())
    }
}

impl Binary {
    pub(super) fn build_index_fast(&self, cu: &Cu) -> Option<CuIndex> {
        let h = &cu.unit.header;
        // A split unit's strings and addresses are indexed (`DW_FORM_strx`,
        // `DW_FORM_addrx`): the gimli walk reads them.
        if h.format() != gimli::Format::Dwarf32 || self.big_endian() || cu.skeleton.is_some() {
            return None;
        }
        let addr = h.address_size() as usize;
        let info = self.dwarf.debug_info.reader().slice();
        let start = cu.off + h.header_size();
        let end = cu.off + h.length_including_self();
        let d = info.get(..end)?;
        let abbrevs = &cu.unit.abbreviations;
        // Plans by abbreviation code (codes are small and dense in practice).
        let mut plans: Vec<Option<Plan>> = Vec::new();
        for code in 1..100_000u64 {
            let Some(a) = abbrevs.get(code) else { break };
            let attrs: Vec<_> = a
                .attributes()
                .iter()
                .map(|s| (s.name(), s.form()))
                .collect();
            let fixed = attrs
                .iter()
                .try_fold(0usize, |acc, &(_, f)| Some(acc + fixed_size(f, addr)?));
            let has_location = attrs.iter().any(|a| a.0 == dw::DW_AT_location);
            if plans.len() < code as usize {
                plans.resize_with(code as usize, || None);
            }
            plans.push(Some(Plan {
                tag: a.tag(),
                children: a.has_children(),
                fixed,
                attrs,
                has_location,
            }));
        }
        let str_section = self.dwarf.debug_str.reader().slice();
        let cstr = |off: u64| -> Option<&[u8]> {
            let s = str_section.get(off as usize..)?;
            Some(&s[..s.iter().position(|&b| b == 0)?])
        };
        let mut idx = CuIndex::default();
        let mut c = Cursor { d, pos: start };
        let mut depth: isize = 0;
        let mut ns_stack: Vec<(isize, usize)> = Vec::new();
        let mut sub_depth: Option<isize> = None;
        while c.pos < end {
            let off = c.pos - cu.off;
            let code = c.uleb()?;
            if code == 0 {
                depth -= 1;
                continue;
            }
            let plan = plans.get(code as usize)?.as_ref()?;
            let this_depth = depth;
            if plan.children {
                depth += 1;
            }
            while let Some(&(dd, i)) = ns_stack.last() {
                if dd >= this_depth {
                    idx.namespaces[i].1 = off;
                    ns_stack.pop();
                } else {
                    break;
                }
            }
            if sub_depth.is_some_and(|dd| dd >= this_depth) {
                sub_depth = None;
            }
            let want = match plan.tag {
                dw::DW_TAG_namespace => Want::Namespace,
                dw::DW_TAG_subprogram => Want::Subprogram,
                dw::DW_TAG_variable | dw::DW_TAG_formal_parameter if sub_depth.is_some() => {
                    Want::LocalVar
                }
                dw::DW_TAG_variable => Want::GlobalVar,
                _ => Want::Skip,
            };
            if want == Want::LocalVar && plan.has_location {
                idx.has_vars = true;
            }
            if matches!(want, Want::Skip | Want::LocalVar) {
                match plan.fixed {
                    Some(n) => c.pos += n,
                    None => {
                        for &(_, f) in &plan.attrs {
                            c.skip(f, addr)?;
                        }
                    }
                }
                continue;
            }
            // Name: a `.debug_str` offset or inline string range, resolved
            // only when needed (namespaces, vtables).
            let mut name_ref: Option<Result<u64, (usize, usize)>> = None;
            let (mut low, mut high, mut high_len, mut ranges, mut loc_addr) =
                (None, None, false, None, None);
            for &(at, f) in &plan.attrs {
                let before = c.pos;
                match (at, f) {
                    (dw::DW_AT_name, dw::DW_FORM_strp) => name_ref = Some(Ok(c.uint(4)?)),
                    (dw::DW_AT_name, dw::DW_FORM_string) => {
                        c.skip(f, addr)?;
                        name_ref = Some(Err((before, c.pos - 1)));
                    }
                    (dw::DW_AT_name, _) => return None,
                    (dw::DW_AT_low_pc, dw::DW_FORM_addr) => low = Some(c.uint(addr)?),
                    (dw::DW_AT_high_pc, dw::DW_FORM_addr) => high = Some(c.uint(addr)?),
                    (
                        dw::DW_AT_high_pc,
                        dw::DW_FORM_data1
                        | dw::DW_FORM_data2
                        | dw::DW_FORM_data4
                        | dw::DW_FORM_data8,
                    ) => {
                        high = Some(c.uint(fixed_size(f, addr)?)?);
                        high_len = true;
                    }
                    (dw::DW_AT_high_pc, dw::DW_FORM_udata) => {
                        high = Some(c.uleb()?);
                        high_len = true;
                    }
                    (dw::DW_AT_low_pc | dw::DW_AT_high_pc, _) => return None,
                    (dw::DW_AT_ranges, dw::DW_FORM_sec_offset) => ranges = Some(c.uint(4)?),
                    (dw::DW_AT_ranges, _) => return None,
                    (dw::DW_AT_location, dw::DW_FORM_exprloc) => {
                        let n = c.uleb()? as usize;
                        let e = d.get(c.pos..c.pos + n)?;
                        c.pos += n;
                        if e.len() == 1 + addr && e[0] == dw::DW_OP_addr.0 {
                            let mut v = 0u64;
                            for (i, x) in e[1..].iter().enumerate() {
                                v |= (*x as u64) << (8 * i);
                            }
                            loc_addr = Some(v);
                        }
                    }
                    _ => c.skip(f, addr)?,
                }
            }
            let name = || -> Option<&[u8]> {
                match name_ref? {
                    Ok(o) => cstr(o),
                    Err((a, b)) => d.get(a..b),
                }
            };
            match want {
                Want::Namespace => {
                    let name = String::from_utf8_lossy(name().unwrap_or_default()).into_owned();
                    let parent = ns_stack.last().map(|p| p.1);
                    let path = match parent {
                        Some(p) => format!("{}::{}", idx.namespaces[p].3, name),
                        None => name,
                    };
                    // A namespace without children (emitted at opt-level 1
                    // for emptied modules) contains nothing after it.
                    let end = if plan.children { usize::MAX } else { off + 1 };
                    idx.namespaces.push((off, end, parent, path));
                    if plan.children {
                        ns_stack.push((this_depth, idx.namespaces.len() - 1));
                    }
                }
                Want::Subprogram => {
                    if let (Some(l), Some(h)) = (low, high) {
                        let h = if high_len { l + h } else { h };
                        idx.funcs.push((l, h, off));
                    } else if let Some(r) = ranges {
                        let v =
                            AttributeValue::RangeListsRef(gimli::RawRangeListsOffset(r as usize));
                        if let Ok(Some(mut it)) = cu.dwarf.attr_ranges(&cu.unit, v) {
                            while let Ok(Some(r)) = it.next() {
                                idx.funcs.push((r.begin, r.end, off));
                            }
                        }
                    }
                    if plan.children && sub_depth.is_none() {
                        sub_depth = Some(this_depth);
                    }
                }
                Want::GlobalVar => {
                    if let (Some(a), true) =
                        (loc_addr, name().is_some_and(|n| n.ends_with(b"{vtable}")))
                    {
                        idx.vtables.push((a, off));
                    }
                }
                _ => {}
            }
        }
        idx.funcs.sort_unstable();
        Some(idx)
    }
}

/// Decodes a line program's rows without gimli's generic state machine
/// (same rows as `LineRows`; only what the line table needs).
/// Returns `None` (use gimli) for VLIW programs or malformed input.
pub(super) fn decode_lines(
    header: &gimli::LineProgramHeader<super::dwarf::R>,
) -> Option<Vec<(u64, u64, Vec<super::dwarf::Row>)>> {
    if header.maximum_operations_per_instruction() > 1 || header.line_range() == 0 {
        return None;
    }
    let prog = header.raw_program_buf();
    let d: &[u8] = prog.slice();
    let lens: &[u8] = header.standard_opcode_lengths().slice();
    let min_len = header.minimum_instruction_length() as u64;
    let line_base = header.line_base() as i64;
    let line_range = header.line_range() as u64;
    let opcode_base = header.opcode_base();
    let asz = header.address_size() as usize;
    let mut c = Cursor { d, pos: 0 };
    let sleb = |c: &mut Cursor| -> Option<i64> {
        let mut v = 0i64;
        let mut shift = 0;
        loop {
            let b = *c.d.get(c.pos)?;
            c.pos += 1;
            if shift < 64 {
                v |= ((b & 0x7f) as i64) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    v |= -1i64 << shift;
                }
                return Some(v);
            }
        }
    };
    let mut seqs = Vec::new();
    let mut rows: Vec<super::dwarf::Row> = Vec::new();
    let (mut addr, mut file, mut line, mut col) = (0u64, 1u64, 1i64, 0u64);
    while c.pos < d.len() {
        let op = d[c.pos];
        c.pos += 1;
        let mut emit = false;
        if op >= opcode_base {
            let adj = (op - opcode_base) as u64;
            addr = addr.wrapping_add((adj / line_range) * min_len);
            line += line_base + (adj % line_range) as i64;
            emit = true;
        } else {
            match op {
                0 => {
                    let len = c.uleb()? as usize;
                    let next = c.pos + len;
                    let sub = *d.get(c.pos)?;
                    c.pos += 1;
                    match sub {
                        1 => {
                            if let Some(first) = rows.first() {
                                let start = first.0;
                                seqs.push((start, addr, std::mem::take(&mut rows)));
                            }
                            rows.clear();
                            (addr, file, line, col) = (0, 1, 1, 0);
                        }
                        2 => addr = c.uint(asz)?,
                        _ => {}
                    }
                    c.pos = next;
                }
                1 => emit = true,
                2 => addr = addr.wrapping_add(c.uleb()?.wrapping_mul(min_len)),
                3 => line += sleb(&mut c)?,
                4 => file = c.uleb()?,
                5 => col = c.uleb()?,
                6 | 7 | 10 | 11 => {}
                8 => addr = addr.wrapping_add(((255 - opcode_base) as u64 / line_range) * min_len),
                9 => addr = addr.wrapping_add(c.uint(2)?),
                _ => {
                    let n = *lens.get(op as usize - 1)?;
                    for _ in 0..n {
                        c.uleb()?;
                    }
                }
            }
        }
        if emit {
            rows.push((addr, file as u32, line.max(0) as u32, col as u32));
        }
    }
    Some(seqs)
}

#[cfg(test)]
mod tests {
    use super::super::{capture_stack, DebugInfo};

    /// The lean walk finds exactly what the gimli walk finds.
    #[test]
    fn fast_walk_matches_gimli_walk() {
        let di = DebugInfo::get().unwrap();
        let bin = &di.bin;
        let raw = capture_stack();
        let mut checked = 0;
        for r in raw {
            let pc = (r.ip as u64).wrapping_sub(bin.bias).wrapping_sub(1);
            let Some(cu) = bin.cu_for_pc(pc) else {
                continue;
            };
            let fast = bin.build_index_fast(&cu).expect("fast walk");
            let slow = bin.build_index(&cu).expect("gimli walk");
            assert_eq!(fast.funcs, slow.funcs);
            assert_eq!(fast.namespaces, slow.namespaces);
            assert_eq!(fast.vtables, slow.vtables);
            assert_eq!(fast.has_vars, slow.has_vars);
            checked += 1;
        }
        assert!(checked > 2);
    }

    /// The lean line decoder yields the same rows as gimli's `LineRows`.
    #[test]
    fn fast_lines_match_gimli_rows() {
        let di = DebugInfo::get().unwrap();
        let bin = &di.bin;
        let mut checked = 0;
        for r in capture_stack() {
            let pc = (r.ip as u64).wrapping_sub(bin.bias).wrapping_sub(1);
            let Some(cu) = bin.cu_for_pc(pc) else {
                continue;
            };
            let prog = cu.line_unit().line_program.clone().unwrap();
            let fast = super::decode_lines(prog.header()).expect("fast lines");
            let mut slow = Vec::new();
            let mut cur = Vec::new();
            let mut rows = prog.rows();
            while let Some((_, row)) = rows.next_row().unwrap() {
                if row.end_sequence() {
                    if let Some(first) = cur.first() {
                        let start: (u64, u32, u32, u32) = *first;
                        slow.push((start.0, row.address(), std::mem::take(&mut cur)));
                    }
                    cur.clear();
                    continue;
                }
                let col = match row.column() {
                    gimli::ColumnType::LeftEdge => 0,
                    gimli::ColumnType::Column(c) => c.get() as u32,
                };
                let line = row.line().map(|l| l.get() as u32).unwrap_or(0);
                cur.push((row.address(), row.file_index() as u32, line, col));
            }
            assert_eq!(fast, slow);
            checked += 1;
        }
        assert!(checked > 2);
    }
}
