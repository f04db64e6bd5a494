//! The executable's function symbols indexed by address (names of frames
//! without DWARF, and of drop glue in vtables).

use object::{Object, ObjectSymbol};

use super::grid::RangeGrid;

/// The executable's function symbols, by address.
pub(super) struct Symbols {
    /// Value: index into the symbol table (or into `names`).
    grid: RangeGrid,
    names: SymbolNames,
}

enum SymbolNames {
    /// ELF64 little-endian: the raw table as words, and its string table.
    Raw {
        syms: &'static [u64],
        strs: &'static [u8],
    },
    Listed(Vec<&'static str>),
}

impl Symbols {
    /// The common case (64-bit little-endian ELF, the table aligned in the
    /// mapping): `Elf64_Sym` read as three words, no per-symbol calls.
    pub(super) fn elf64_le(
        obj: &object::File<'static, &'static [u8]>,
        syms: &'static [u8],
        strs: &'static [u8],
    ) -> Option<Symbols> {
        if !obj.is_64() || !obj.is_little_endian() || obj.format() != object::BinaryFormat::Elf {
            return None;
        }
        // SAFETY: any bytes are valid u64s; `align_to` only yields aligned
        // whole words.
        let (head, words, _) = unsafe { syms.align_to::<u64>() };
        if !head.is_empty() || !syms.len().is_multiple_of(24) {
            return None;
        }
        let n = words.len() / 3;
        let mut ranges = vec![(0u64, 0u64, 0usize); n];
        let out: &mut [(u64, u64, usize)] = &mut ranges;
        let mut m = 0usize;
        let mut i = 0usize;
        while i < n {
            // st_name: u32, st_info: u8, st_other: u8, st_shndx: u16.
            let (w0, value, size) = (words[3 * i], words[3 * i + 1], words[3 * i + 2]);
            let ty = (w0 >> 32) & 0xf;
            let shndx = w0 >> 48;
            // STT_FUNC or STT_GNU_IFUNC, defined.
            if (ty == 2 || ty == 10) && shndx != 0 && value != 0 {
                out[m] = (value, value.saturating_add(size.max(1)), i);
                m += 1;
            }
            i += 1;
        }
        ranges.truncate(m);
        Some(Symbols {
            grid: RangeGrid::new(&ranges),
            names: SymbolNames::Raw { syms: words, strs },
        })
    }

    /// Any other object file, through `object` (slow at opt-level 0).
    pub(super) fn generic(obj: &object::File<'static, &'static [u8]>) -> Symbols {
        let mut ranges = Vec::new();
        let mut names = Vec::new();
        let mut tables = [obj.symbols(), obj.dynamic_symbols()];
        for it in &mut tables {
            for s in it {
                if !s.is_definition() || s.kind() != object::SymbolKind::Text || s.address() == 0 {
                    continue;
                }
                if let Ok(name) = s.name() {
                    ranges.push((
                        s.address(),
                        s.address().saturating_add(s.size().max(1)),
                        names.len(),
                    ));
                    names.push(name);
                }
            }
            if !names.is_empty() {
                break;
            }
        }
        Symbols {
            grid: RangeGrid::new(&ranges),
            names: SymbolNames::Listed(names),
        }
    }

    /// The address of the first function symbol whose name contains
    /// `needle` (ELF64 tables only; one `memmem` over the string table).
    pub(super) fn address_of_containing(&self, needle: &[u8]) -> Option<u64> {
        let SymbolNames::Raw { syms, strs } = &self.names else {
            return None;
        };
        // SAFETY: both ranges are valid for their lengths; memmem only reads.
        let hit = unsafe {
            libc::memmem(
                strs.as_ptr().cast(),
                strs.len(),
                needle.as_ptr().cast(),
                needle.len(),
            )
        };
        if hit.is_null() {
            return None;
        }
        let at = hit as usize - strs.as_ptr() as usize;
        let start = strs[..at]
            .iter()
            .rposition(|&b| b == 0)
            .map_or(0, |i| i + 1) as u64;
        (0..syms.len() / 3)
            .find(|&i| syms[3 * i] & 0xffff_ffff == start && syms[3 * i + 1] != 0)
            .map(|i| syms[3 * i + 1])
    }

    pub(super) fn at(&self, addr: u64) -> Option<&'static str> {
        let i = self.grid.innermost(addr)?;
        match &self.names {
            SymbolNames::Raw { syms, strs } => {
                let off = (*syms.get(3 * i)? & 0xffff_ffff) as usize;
                let tail = strs.get(off..)?;
                let len = tail.iter().position(|&b| b == 0)?;
                std::str::from_utf8(&tail[..len]).ok()
            }
            SymbolNames::Listed(names) => names.get(i).copied(),
        }
    }
}
