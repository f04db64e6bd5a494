//! Functions of the binary found by (part of) their mangled name in the
//! symbol table, without demangling the whole table.

use object::{Object, ObjectSection, ObjectSymbol};

use super::super::dwarf::{demangle, Binary};

/// A function symbol of the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::debuginfo) struct Function {
    /// Demangled, without the `::h<hash>` suffix.
    pub name: String,
    /// Link-time address.
    pub addr: u64,
    /// Mangled with the v0 scheme, which spells generic arguments out (std
    /// is built so); legacy names show the impl's parameters instead.
    pub v0: bool,
}

/// The defined functions whose mangled name contains `needle`, demangled.
/// One pass over the symbol table with `memmem`; only the matches are
/// demangled.
// Used by tests today; meant for calls from expressions (issue 9 §7).
#[cfg_attr(not(test), allow(dead_code))]
pub(in crate::debuginfo) fn functions_containing(bin: &Binary, needle: &[u8]) -> Vec<Function> {
    symbols_containing(bin, needle)
        .into_iter()
        .filter_map(|(name, addr)| demangled(name, addr))
        .collect()
}

/// The mangled names (and link-time addresses) of the defined functions
/// whose name contains `needle`.
pub(in crate::debuginfo) fn symbols_containing(
    bin: &Binary,
    needle: &[u8],
) -> Vec<(&'static [u8], u64)> {
    let mut raw = Vec::new();
    if !scan_elf64(bin.object(), needle, &mut raw) {
        scan_generic(bin.object(), needle, &mut raw);
    }
    raw
}

pub(in crate::debuginfo) fn demangled(name: &[u8], addr: u64) -> Option<Function> {
    let s = std::str::from_utf8(name).ok()?;
    Some(Function {
        name: demangle(s),
        addr,
        v0: s.starts_with("_R"),
    })
}

pub(in crate::debuginfo) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // SAFETY: memmem reads only within the two slices.
    !unsafe {
        libc::memmem(
            haystack.as_ptr().cast(),
            haystack.len(),
            needle.as_ptr().cast(),
            needle.len(),
        )
    }
    .is_null()
}

/// 64-bit little-endian ELF with a `.symtab`: the table read as words.
pub(in crate::debuginfo) fn scan_elf64(
    obj: &object::File<'static, &'static [u8]>,
    needle: &[u8],
    out: &mut Vec<(&'static [u8], u64)>,
) -> bool {
    if !obj.is_64() || !obj.is_little_endian() || obj.format() != object::BinaryFormat::Elf {
        return false;
    }
    let section = |name: &str| {
        obj.section_by_name(name)
            .and_then(|s| s.data().ok())
            .filter(|d| !d.is_empty())
    };
    let (Some(syms), Some(strs)) = (section(".symtab"), section(".strtab")) else {
        return false;
    };
    // SAFETY: any bytes are valid u64s; `align_to` yields aligned words.
    let (head, words, _) = unsafe { syms.align_to::<u64>() };
    if !head.is_empty() || !syms.len().is_multiple_of(24) || strs.last() != Some(&0) {
        return false;
    }
    for sym in words.chunks_exact(3) {
        // st_name: u32, st_info: u8, st_other: u8, st_shndx: u16; value.
        let (w0, value) = (sym[0], sym[1]);
        let ty = (w0 >> 32) & 0xf;
        let shndx = w0 >> 48;
        if !(ty == 2 || ty == 10) || shndx == 0 || value == 0 {
            continue;
        }
        let off = (w0 & 0xffff_ffff) as usize;
        if off >= strs.len() {
            continue;
        }
        // SAFETY: the string table ends with a NUL, so strlen stays in it.
        let len = unsafe { libc::strlen(strs.as_ptr().add(off).cast()) };
        let name = &strs[off..off + len];
        if contains(name, needle) {
            out.push((name, value));
        }
    }
    true
}

/// Any other object file, through `object`.
pub(in crate::debuginfo) fn scan_generic(
    obj: &object::File<'static, &'static [u8]>,
    needle: &[u8],
    out: &mut Vec<(&'static [u8], u64)>,
) {
    for table in [obj.symbols(), obj.dynamic_symbols()] {
        for s in table {
            if !s.is_definition() || s.kind() != object::SymbolKind::Text || s.address() == 0 {
                continue;
            }
            if let Ok(name) = s.name_bytes() {
                if contains(name, needle) {
                    out.push((name, s.address()));
                }
            }
        }
        if !out.is_empty() {
            break;
        }
    }
}
