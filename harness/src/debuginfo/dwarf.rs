//! Lazy access to the DWARF of the running executable.
//!
//! Nothing here ever scans all DIEs of the binary: a pc is mapped to its
//! compilation unit through `.debug_aranges` (or, without it, through the
//! unit headers' root ranges), and only those units are parsed (once per
//! process, cached): one pass over the unit collects its subprogram ranges,
//! namespace paths and vtable variables; its line program is decoded once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{constants as dw, AttributeValue};
use object::{Object, ObjectSection};

use super::grid::RangeGrid;
use super::symbols::Symbols;
use super::types::{Type, TypeRef};

pub(super) type R = gimli::EndianSlice<'static, gimli::RunTimeEndian>;
pub(super) type Die = gimli::DebuggingInformationEntry<R>;

/// The parsed executable.
pub(super) struct Binary {
    /// The executable's DWARF (or its split debug file's): skeleton units
    /// only, for the units built with split DWARF ([`super::dwo`]).
    pub dwarf: Arc<gimli::Dwarf<R>>,
    /// The executable's path, where its `.dwp` package is looked for.
    pub path: String,
    /// The `.dwp` package beside the executable (loaded on the first
    /// skeleton unit met), with its path: `None` when there is none.
    #[allow(clippy::type_complexity)]
    pub(super) dwp:
        OnceLock<Option<(String, Result<gimli::DwarfPackage<R>, super::dwo::DwoError>)>>,
    /// Why the first skeleton unit whose split half was needed could not
    /// be read (names the file that is needed).
    pub(super) split_error: OnceLock<String>,
    /// Runtime address minus link-time address (PIE load bias).
    pub bias: u64,
    /// Raw `.debug_aranges` (parsed once, on the first lookup).
    pub(super) aranges: &'static [u8],
    /// `.debug_aranges` indexed by address (value: unit offset).
    pub(super) arange_index: OnceLock<RangeGrid>,
    /// The function symbols indexed by address.
    symbols: OnceLock<Symbols>,
    /// Link-time address range of the executable sections.
    text: (u64, u64),
    big_endian: bool,
    /// Offsets of all unit headers (only computed when needed).
    unit_offsets: OnceLock<Vec<usize>>,
    units: Mutex<HashMap<usize, Arc<Cu>>>,
    obj: object::File<'static, &'static [u8]>,
    pub has_info: bool,
    pub has_vars: OnceLock<bool>,
}

/// One parsed compilation unit.
pub(super) struct Cu {
    /// The unit's offset in the executable's `.debug_info` (its skeleton's,
    /// for split DWARF): what frames and type references name it by.
    pub off: usize,
    /// The unit whose DIEs describe the code: a skeleton's split half (from
    /// the `.dwp` or `.dwo`), else the unit at `off`.
    pub unit: gimli::Unit<R>,
    /// The sections `unit` is read with: the split half's own (with the
    /// executable's `.debug_addr` and `.debug_ranges`), else the binary's.
    pub dwarf: Arc<gimli::Dwarf<R>>,
    /// The skeleton at `off` when `unit` is its split half: the line table
    /// and the code ranges are the skeleton's.
    pub skeleton: Option<gimli::Unit<R>>,
    /// Why a skeleton's split half could not be read (`unit` is then the
    /// skeleton, with no DIEs below its root).
    pub split_error: Option<String>,
    pub comp_dir: Option<String>,
    index: OnceLock<CuIndex>,
    pub(super) lines: OnceLock<Lines>,
    pub types: Mutex<HashMap<usize, Arc<Type>>>,
    /// Struct types looked up by qualified name (rare; see `find_type`).
    pub named: Mutex<HashMap<String, Option<usize>>>,
}

impl Cu {
    /// The unit holding the line table and the code ranges: the skeleton
    /// of a split unit, else the unit itself.
    pub fn line_unit(&self) -> &gimli::Unit<R> {
        self.skeleton.as_ref().unwrap_or(&self.unit)
    }
}

#[derive(Default)]
pub(super) struct CuIndex {
    /// `(low, high, subprogram DIE offset)`, sorted by `low`.
    pub funcs: Vec<(u64, u64, usize)>,
    /// Namespace DIEs: `(start, end, parent, qualified path)`, sorted by start.
    pub namespaces: Vec<(usize, usize, Option<usize>, String)>,
    /// `(address, variable DIE offset)` of `<T as Trait>::{vtable}` globals.
    pub vtables: Vec<(u64, usize)>,
    /// Whether any subprogram has a variable or parameter with a location.
    pub has_vars: bool,
}

/// A line-table row: `(address, file index, line, column)`.
pub(super) type Row = (u64, u32, u32, u32);

#[derive(Default)]
pub(super) struct Lines {
    /// Sequences: `(start, end, rows)`.
    pub(super) seqs: Vec<(u64, u64, Vec<Row>)>,
    pub(super) files: Vec<Option<String>>,
}

/// One step of the location of a pc inside a function: the subprogram or an
/// inlined subroutine.
pub(super) struct Scope {
    pub die: usize,
    pub function: String,
    pub call_file: Option<String>,
    pub call_line: Option<u32>,
}

fn load_section(
    obj: &object::File<'static, &'static [u8]>,
    id: gimli::SectionId,
    endian: gimli::RunTimeEndian,
) -> R {
    section_named(obj, Some(id.name()), endian)
}

/// The section called `name` of `obj`, decompressed if need be (and then
/// kept for the rest of the process); empty when there is none.
pub(super) fn section_named(
    obj: &object::File<'static, &'static [u8]>,
    name: Option<&str>,
    endian: gimli::RunTimeEndian,
) -> R {
    let data: &'static [u8] = match name.and_then(|n| obj.section_by_name(n)) {
        Some(s) => match s.uncompressed_data() {
            Ok(std::borrow::Cow::Borrowed(b)) => b,
            Ok(std::borrow::Cow::Owned(v)) => Box::leak(v.into_boxed_slice()),
            Err(_) => &[],
        },
        None => &[],
    };
    gimli::EndianSlice::new(data, endian)
}

/// The object file at `path`, mapped for the rest of the process.
fn parse(path: &str) -> Result<object::File<'static, &'static [u8]>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    // SAFETY: the executable is not modified while we run.
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("cannot map {path}: {e}"))?;
    let map: &'static memmap2::Mmap = Box::leak(Box::new(map));
    let data: &'static [u8] = &map[..];
    object::File::parse(data).map_err(|e| format!("cannot parse {path}: {e}"))
}

/// Load bias of the main executable, from `dl_iterate_phdr`.
fn main_bias() -> u64 {
    unsafe extern "C" fn cb(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: called by the loader with a valid info; data is our u64.
        unsafe {
            *(data as *mut u64) = (*info).dlpi_addr;
        }
        1 // the first object is the main program: stop
    }
    let mut bias = 0u64;
    // SAFETY: the callback only writes the u64 we pass.
    unsafe {
        libc::dl_iterate_phdr(Some(cb), &mut bias as *mut u64 as *mut libc::c_void);
    }
    bias
}

impl Binary {
    /// This process's executable at `path`, at its own load bias.
    pub fn load(path: &str) -> Result<Binary, String> {
        Binary::load_at(path, None, None)
    }

    /// The executable at `path`; `bias`: where it was loaded in the
    /// process its addresses come from (`None`: this one); `debug`: a
    /// split debug file holding its DWARF (see [`super::split`]), the
    /// binary keeping its symbols and addresses.
    pub fn load_at(path: &str, bias: Option<u64>, debug: Option<&str>) -> Result<Binary, String> {
        let obj = parse(path)?;
        let split;
        let dobj = match debug {
            Some(d) => {
                split = parse(d)?;
                &split
            }
            None => &obj,
        };
        // A debug file of another build would show wrong frames and values
        // (split::find checks the file on disk; this, the one mapped).
        if let (Some(d), Ok(Some(want)), Ok(Some(found))) = (debug, obj.build_id(), dobj.build_id())
        {
            if want != found {
                return Err(format!(
                    "{d} is not the debug info of {path}: their build ids differ"
                ));
            }
        }
        let endian = if obj.is_little_endian() {
            gimli::RunTimeEndian::Little
        } else {
            gimli::RunTimeEndian::Big
        };
        let has_info = dobj
            .section_by_name(".debug_info")
            .is_some_and(|s| s.size() > 0);
        let dwarf = gimli::Dwarf::load(|id| Ok::<R, ()>(load_section(dobj, id, endian)))
            .map_err(|_| format!("cannot load DWARF of {}", debug.unwrap_or(path)))?;
        let dwarf = Arc::new(dwarf);
        let aranges: &'static [u8] = dobj
            .section_by_name(".debug_aranges")
            .and_then(|s| match s.uncompressed_data().ok()? {
                std::borrow::Cow::Borrowed(b) => Some(b),
                std::borrow::Cow::Owned(v) => Some(&*Box::leak(v.into_boxed_slice())),
            })
            .unwrap_or(&[]);
        let mut text = (u64::MAX, 0u64);
        for s in obj.sections() {
            if s.kind() == object::SectionKind::Text && s.size() > 0 {
                text.0 = text.0.min(s.address());
                text.1 = text.1.max(s.address() + s.size());
            }
        }
        Ok(Binary {
            dwarf,
            path: path.to_string(),
            dwp: OnceLock::new(),
            split_error: OnceLock::new(),
            bias: bias.unwrap_or_else(main_bias),
            aranges,
            arange_index: OnceLock::new(),
            symbols: OnceLock::new(),
            text,
            big_endian: !obj.is_little_endian(),
            unit_offsets: OnceLock::new(),
            units: Mutex::new(HashMap::new()),
            obj,
            has_info,
            has_vars: OnceLock::new(),
        })
    }

    /// Whether the executable names a debug file (`.gnu_debuglink`).
    pub fn has_debuglink(&self) -> bool {
        self.obj.gnu_debuglink().ok().flatten().is_some()
    }

    /// The GNU build id (`.note.gnu.build-id`), in hex.
    pub fn build_id(&self) -> Option<String> {
        let id = self.obj.build_id().ok()??;
        Some(id.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The unit at a given `.debug_info` offset (parsed once); a skeleton
    /// unit comes with its split half ([`super::dwo`]).
    pub fn cu(&self, off: usize) -> Option<Arc<Cu>> {
        if let Some(cu) = self.units.lock().ok()?.get(&off) {
            return Some(cu.clone());
        }
        let unit = self.plain_unit(off)?;
        Some(self.cu_of(off, unit))
    }

    /// The unit at a `.debug_info` offset of the executable, as it is
    /// there (a skeleton is not followed).
    fn plain_unit(&self, off: usize) -> Option<gimli::Unit<R>> {
        let header = self
            .dwarf
            .debug_info
            .header_from_offset(gimli::DebugInfoOffset(off))
            .ok()?;
        self.dwarf.unit(header).ok()
    }

    /// Caches the unit parsed at `off`, with its split half if it is a
    /// skeleton.
    fn cu_of(&self, off: usize, unit: gimli::Unit<R>) -> Arc<Cu> {
        let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned());
        let (unit, dwarf, skeleton, split_error) = match unit.dwo_id {
            None => (unit, self.dwarf.clone(), None, None),
            Some(id) => match self.split_half(&unit, id) {
                Ok((dwarf, half)) => (half, Arc::new(dwarf), Some(unit), None),
                Err(e) => {
                    let e = e.to_string();
                    let _ = self.split_error.set(e.clone());
                    (unit, self.dwarf.clone(), None, Some(e))
                }
            },
        };
        let cu = Arc::new(Cu {
            off,
            unit,
            dwarf,
            skeleton,
            split_error,
            comp_dir,
            index: OnceLock::new(),
            lines: OnceLock::new(),
            types: Mutex::new(HashMap::new()),
            named: Mutex::new(HashMap::new()),
        });
        if let Ok(mut units) = self.units.lock() {
            return units.entry(off).or_insert(cu).clone();
        }
        cu
    }

    pub(super) fn unit_offsets(&self) -> &[usize] {
        self.unit_offsets.get_or_init(|| {
            let mut v = Vec::new();
            let mut it = self.dwarf.units();
            while let Ok(Some(h)) = it.next() {
                if let Some(o) = h.debug_info_offset() {
                    v.push(o.0);
                }
            }
            v
        })
    }

    /// The unit containing a `.debug_info` offset (for `DW_FORM_ref_addr`).
    pub fn cu_containing(&self, info_off: usize) -> Option<Arc<Cu>> {
        let offs = self.unit_offsets();
        let i = offs.partition_point(|&o| o <= info_off);
        self.cu(*offs.get(i.checked_sub(1)?)?)
    }

    pub fn big_endian(&self) -> bool {
        self.big_endian
    }

    /// Whether a link-time address is in the executable's code.
    pub fn in_text(&self, pc: u64) -> bool {
        self.text.0 <= pc && pc < self.text.1
    }

    /// The unit whose code contains the link-time address `pc`.
    pub fn cu_for_pc(&self, pc: u64) -> Option<Arc<Cu>> {
        if !self.aranges.is_empty() {
            return self.cu(self.arange_index().first(pc)?);
        }
        if !self.in_text(pc) {
            return None;
        }
        // No aranges: look at each unit's root ranges (headers + root DIE
        // only, never the whole tree; a skeleton's split half is read only
        // for the unit found).
        for &off in self.unit_offsets() {
            if let Some(cu) = self.units.lock().ok().and_then(|u| u.get(&off).cloned()) {
                if self.unit_has_pc(cu.line_unit(), pc) {
                    return Some(cu);
                }
                continue;
            }
            let Some(unit) = self.plain_unit(off) else {
                continue;
            };
            if self.unit_has_pc(&unit, pc) {
                return Some(self.cu_of(off, unit));
            }
        }
        None
    }

    /// Whether a unit of the executable's (a skeleton's) code ranges hold
    /// `pc`.
    fn unit_has_pc(&self, unit: &gimli::Unit<R>, pc: u64) -> bool {
        if let Ok(mut ranges) = self.dwarf.unit_ranges(unit) {
            while let Ok(Some(r)) = ranges.next() {
                if r.begin <= pc && pc < r.end {
                    return true;
                }
            }
        }
        false
    }

    /// Finds the unit holding a global variable at link-time address `addr`
    /// (vtables). `.debug_aranges` from LLVM also covers data.
    pub fn cu_for_data(&self, addr: u64) -> Option<Arc<Cu>> {
        self.cu_for_pc(addr)
    }

    /// The function symbols, indexed once per process.
    fn symbols(&self) -> &Symbols {
        self.symbols.get_or_init(|| {
            let section = |name: &str| {
                self.obj
                    .section_by_name(name)
                    .and_then(|s| s.data().ok())
                    .filter(|d| !d.is_empty())
            };
            // `strip -s` keeps only the dynamic symbols.
            let tables = [(".symtab", ".strtab"), (".dynsym", ".dynstr")];
            for (syms, strs) in tables {
                let (Some(syms), Some(strs)) = (section(syms), section(strs)) else {
                    continue;
                };
                if let Some(t) = Symbols::elf64_le(&self.obj, syms, strs) {
                    return t;
                }
            }
            Symbols::generic(&self.obj)
        })
    }

    /// The parsed object file (for lookups by symbol name).
    pub fn object(&self) -> &object::File<'static, &'static [u8]> {
        &self.obj
    }

    /// The link-time address of the first function whose symbol name
    /// contains `needle`.
    pub fn function_named_like(&self, needle: &str) -> Option<u64> {
        self.symbols().address_of_containing(needle.as_bytes())
    }

    /// Name of the function symbol containing the link-time `addr` (used
    /// for frames without DWARF).
    pub fn symbol(&self, addr: u64) -> Option<&'static str> {
        if !self.in_text(addr) {
            return None;
        }
        self.symbols().at(addr)
    }

    pub fn attr_str(&self, cu: &Cu, v: AttributeValue<R>) -> Option<String> {
        cu.dwarf
            .attr_string(&cu.unit, v)
            .ok()
            .map(|s| s.to_string_lossy().into_owned())
    }

    pub fn index<'a>(&self, cu: &'a Cu) -> &'a CuIndex {
        cu.index.get_or_init(|| {
            self.build_index_fast(cu)
                .or_else(|| self.build_index(cu).ok())
                .unwrap_or_default()
        })
    }

    pub(super) fn build_index(&self, cu: &Cu) -> gimli::Result<CuIndex> {
        let mut idx = CuIndex::default();
        let mut raw = cu.unit.entries_raw(None)?;
        // (depth, index into namespaces)
        let mut ns_stack: Vec<(isize, usize)> = Vec::new();
        let mut sub_depth: Option<isize> = None;
        while !raw.is_empty() {
            let depth = raw.next_depth();
            let off = raw.next_offset().0;
            let Some(abbrev) = raw.read_abbreviation()? else {
                continue;
            };
            while let Some(&(d, i)) = ns_stack.last() {
                if d >= depth {
                    idx.namespaces[i].1 = off;
                    ns_stack.pop();
                } else {
                    break;
                }
            }
            if sub_depth.is_some_and(|d| d >= depth) {
                sub_depth = None;
            }
            match abbrev.tag() {
                dw::DW_TAG_namespace => {
                    let mut name = String::new();
                    for spec in abbrev.attributes() {
                        let a = raw.read_attribute(*spec)?;
                        if a.name() == dw::DW_AT_name {
                            name = self.attr_str(cu, a.value()).unwrap_or_default();
                        }
                    }
                    let parent = ns_stack.last().map(|p| p.1);
                    let path = match parent {
                        Some(p) => format!("{}::{}", idx.namespaces[p].3, name),
                        None => name,
                    };
                    // A namespace without children (emitted at opt-level 1
                    // for emptied modules) contains nothing after it.
                    let end = if abbrev.has_children() {
                        usize::MAX
                    } else {
                        off + 1
                    };
                    idx.namespaces.push((off, end, parent, path));
                    if abbrev.has_children() {
                        ns_stack.push((depth, idx.namespaces.len() - 1));
                    }
                }
                dw::DW_TAG_subprogram => {
                    let (mut low, mut high, mut high_is_len, mut ranges) =
                        (None, None, false, None);
                    for spec in abbrev.attributes() {
                        let a = raw.read_attribute(*spec)?;
                        match a.name() {
                            dw::DW_AT_low_pc => low = cu.dwarf.attr_address(&cu.unit, a.value())?,
                            dw::DW_AT_high_pc => match a.value() {
                                AttributeValue::Udata(n) => {
                                    high = Some(n);
                                    high_is_len = true;
                                }
                                v => high = cu.dwarf.attr_address(&cu.unit, v)?,
                            },
                            dw::DW_AT_ranges => ranges = Some(a.value()),
                            _ => {}
                        }
                    }
                    if let (Some(l), Some(h)) = (low, high) {
                        let h = if high_is_len { l + h } else { h };
                        idx.funcs.push((l, h, off));
                    } else if let Some(rv) = ranges {
                        if let Ok(Some(mut it)) = cu.dwarf.attr_ranges(&cu.unit, rv) {
                            while let Ok(Some(r)) = it.next() {
                                idx.funcs.push((r.begin, r.end, off));
                            }
                        }
                    }
                    if abbrev.has_children() && sub_depth.is_none() {
                        sub_depth = Some(depth);
                    }
                }
                dw::DW_TAG_variable | dw::DW_TAG_formal_parameter if sub_depth.is_some() => {
                    if !idx.has_vars
                        && abbrev
                            .attributes()
                            .iter()
                            .any(|s| s.name() == dw::DW_AT_location)
                    {
                        idx.has_vars = true;
                    }
                    raw.skip_attributes(abbrev.attributes())?;
                }
                dw::DW_TAG_variable => {
                    let (mut name, mut loc) = (None, None);
                    for spec in abbrev.attributes() {
                        let a = raw.read_attribute(*spec)?;
                        match a.name() {
                            dw::DW_AT_name => name = Some(a.value()),
                            dw::DW_AT_location => loc = Some(a.value()),
                            _ => {}
                        }
                    }
                    let is_vtable = name
                        .and_then(|n| cu.dwarf.attr_string(&cu.unit, n).ok())
                        .is_some_and(|s| s.slice().ends_with(b"{vtable}"));
                    if let (true, Some(AttributeValue::Exprloc(e))) = (is_vtable, loc) {
                        if let Some(addr) = self.expr_addr(cu, e) {
                            idx.vtables.push((addr, off));
                        }
                    }
                }
                _ => raw.skip_attributes(abbrev.attributes())?,
            }
        }
        for &(_, i) in &ns_stack {
            idx.namespaces[i].1 = usize::MAX;
        }
        idx.funcs.sort_unstable();
        Ok(idx)
    }

    /// Qualified namespace path (`a::b`) of a DIE in this unit, if any.
    pub fn namespace_of<'a>(&self, cu: &'a Cu, die: usize) -> Option<&'a str> {
        let ns = &self.index(cu).namespaces;
        let i = ns.partition_point(|n| n.0 < die);
        let mut cur = i.checked_sub(1);
        while let Some(c) = cur {
            let n = &ns[c];
            if n.0 < die && die < n.1 {
                return Some(&n.3);
            }
            cur = n.2;
        }
        None
    }

    pub fn subprogram_at(&self, cu: &Cu, pc: u64) -> Option<usize> {
        let f = &self.index(cu).funcs;
        let i = f.partition_point(|r| r.0 <= pc);
        // Ranges do not overlap for concrete functions, but be lenient.
        f[..i].iter().rev().take(4).find(|r| pc < r.1).map(|r| r.2)
    }

    pub fn entry(&self, cu: &Cu, die: usize) -> Option<Die> {
        cu.unit.entry(gimli::UnitOffset(die)).ok()
    }

    pub fn die_contains(&self, cu: &Cu, e: &Die, pc: u64) -> bool {
        if let Ok(mut it) = cu.dwarf.die_ranges(&cu.unit, e) {
            while let Ok(Some(r)) = it.next() {
                if r.begin <= pc && pc < r.end {
                    return true;
                }
            }
        }
        false
    }

    /// Follows a reference attribute to a DIE, possibly in another unit.
    pub fn follow(&self, cu: &Arc<Cu>, v: AttributeValue<R>) -> Option<(Arc<Cu>, usize)> {
        match v {
            AttributeValue::UnitRef(o) => Some((cu.clone(), o.0)),
            // In a split half, `.debug_info` is its `.dwo`'s (or its part
            // of the `.dwp`'s).
            AttributeValue::DebugInfoRef(o) if cu.skeleton.is_some() => {
                let uo = o.to_unit_offset(&cu.unit.header)?;
                Some((cu.clone(), uo.0))
            }
            AttributeValue::DebugInfoRef(o) => {
                let other = self.cu_containing(o.0)?;
                if other.skeleton.is_some() {
                    return None;
                }
                let uo = o.to_unit_offset(&other.unit.header)?;
                Some((other, uo.0))
            }
            _ => None,
        }
    }

    /// A function's display name: demangled linkage name without hash, or
    /// the namespace path plus `DW_AT_name`; follows abstract origins and
    /// specifications.
    pub fn function_name(&self, cu: &Arc<Cu>, die: usize) -> Option<String> {
        let mut cur = (cu.clone(), die);
        for _ in 0..4 {
            let e = self.entry(&cur.0, cur.1)?;
            if let Some(l) = e
                .attr_value(dw::DW_AT_linkage_name)
                .or_else(|| e.attr_value(dw::DW_AT_MIPS_linkage_name))
            {
                if let Some(s) = self.attr_str(&cur.0, l) {
                    return Some(demangle(&s));
                }
            }
            if let Some(n) = e.attr_value(dw::DW_AT_name) {
                if let Some(s) = self.attr_str(&cur.0, n) {
                    return Some(match self.namespace_of(&cur.0, cur.1) {
                        Some(ns) => format!("{ns}::{s}"),
                        None => s,
                    });
                }
            }
            let next = e
                .attr_value(dw::DW_AT_abstract_origin)
                .or_else(|| e.attr_value(dw::DW_AT_specification))?;
            cur = self.follow(&cur.0, next)?;
        }
        None
    }

    pub fn file_name(&self, cu: &Cu, index: u64) -> Option<String> {
        self.lines(cu).files.get(index as usize).cloned().flatten()
    }

    /// `(file, line, column)` of a link-time pc from the unit's line table.
    pub fn line_at(&self, cu: &Cu, pc: u64) -> Option<(Option<String>, u32, u32)> {
        let lines = self.lines(cu);
        let i = lines.seqs.partition_point(|s| s.0 <= pc);
        let seq = lines.seqs[..i].iter().rev().take(8).find(|s| pc < s.1)?;
        let j = seq.2.partition_point(|r| r.0 <= pc);
        let row = seq.2.get(j.checked_sub(1)?)?;
        Some((
            lines.files.get(row.1 as usize).cloned().flatten(),
            row.2,
            row.3,
        ))
    }

    /// The address of a `DW_OP_addr` expression (`DW_OP_addrx` in a split
    /// unit, an index into the executable's `.debug_addr`).
    pub fn expr_addr(&self, cu: &Cu, e: gimli::Expression<R>) -> Option<u64> {
        let mut ops = e.operations(cu.unit.encoding());
        match ops.next() {
            Ok(Some(gimli::Operation::Address { address })) => Some(address),
            Ok(Some(gimli::Operation::AddressIndex { index })) => {
                cu.dwarf.address(&cu.unit, index).ok()
            }
            _ => None,
        }
    }

    pub fn type_ref(&self, cu: &Arc<Cu>, v: AttributeValue<R>) -> Option<TypeRef> {
        let (c, d) = self.follow(cu, v)?;
        Some(TypeRef { cu: c.off, die: d })
    }
}

/// Demangles a symbol without the `::h<hash>` suffix.
pub(super) fn demangle(s: &str) -> String {
    match rustc_demangle::try_demangle(s) {
        Ok(d) => format!("{d:#}"),
        Err(_) => s.to_string(),
    }
}
