//! `.debug_aranges`: which unit holds the code (and, from LLVM, the data)
//! at an address, parsed once per process into a [`RangeGrid`].

use super::dwarf::Binary;
use super::grid::RangeGrid;

impl Binary {
    /// `.debug_aranges`, parsed and indexed once per process.
    pub(super) fn arange_index(&self) -> &RangeGrid {
        self.arange_index.get_or_init(|| {
            let entries = self.aranges_fast().unwrap_or_else(|| {
                let mut out = Vec::new();
                self.aranges_slow(&mut out);
                out
            });
            RangeGrid::new(&entries)
        })
    }

    /// The common case (little-endian, DWARF32, 8-byte addresses) on an
    /// aligned copy of the section, as u64 words: a few instructions per
    /// entry even when built at opt-level 0. Entries at address 0 are code
    /// the linker dropped.
    fn aranges_fast(&self) -> Option<Vec<(u64, u64, usize)>> {
        let d = self.aranges;
        if self.big_endian() || d.len() & 7 != 0 {
            return None;
        }
        let mut words = vec![0u64; d.len() / 8];
        // SAFETY: `words` has exactly `d.len()` bytes of room.
        unsafe {
            std::ptr::copy_nonoverlapping(d.as_ptr(), words.as_mut_ptr().cast::<u8>(), d.len())
        };
        let w: &[u64] = &words;
        let mut entries = vec![(0u64, 0u64, 0usize); w.len() / 2];
        let out: &mut [(u64, u64, usize)] = &mut entries;
        let mut n = 0usize;
        let mut k = 0usize;
        while k + 2 <= w.len() {
            let len = w[k] & 0xffff_ffff;
            let info_off = ((w[k] >> 48) | ((w[k + 1] & 0xffff) << 16)) as usize;
            let asz = (w[k + 1] >> 16) & 0xff;
            let bytes = 4 + len as usize;
            if len == 0xffff_ffff || asz != 8 || bytes & 7 != 0 {
                return None;
            }
            let end = (k + bytes / 8).min(w.len());
            let mut e = k + 2;
            while e + 1 < end {
                let (a, l) = (w[e], w[e + 1]);
                e += 2;
                if a != 0 && l != 0 {
                    out[n] = (a, a.wrapping_add(l), info_off);
                    n += 1;
                }
            }
            k = end;
        }
        entries.truncate(n);
        Some(entries)
    }

    fn aranges_slow(&self, out: &mut Vec<(u64, u64, usize)>) {
        let d = self.aranges;
        let rd = |o: usize, n: usize| -> Option<u64> {
            let b = d.get(o..o + n)?;
            let mut v = 0u64;
            for (i, x) in b.iter().enumerate() {
                if self.big_endian() {
                    v = (v << 8) | *x as u64;
                } else {
                    v |= (*x as u64) << (8 * i);
                }
            }
            Some(v)
        };
        let mut pos = 0usize;
        while pos + 12 <= d.len() {
            let Some(mut len) = rd(pos, 4) else { break };
            let (mut hdr, off_size) = (pos + 4, 4);
            let off_size = if len == 0xffff_ffff {
                let Some(l) = rd(pos + 4, 8) else { break };
                len = l;
                hdr += 8;
                8
            } else {
                off_size
            };
            let end = hdr + len as usize;
            // version (2), debug_info_offset, address_size (1), segment size (1)
            let (Some(info_off), Some(asz)) = (rd(hdr + 2, off_size), rd(hdr + 2 + off_size, 1))
            else {
                break;
            };
            let asz = asz as usize;
            if asz == 0 || asz > 8 {
                pos = end;
                continue;
            }
            let tuple = 2 * asz;
            let start = hdr + 2 + off_size + 2;
            let hdr_total = start - pos;
            let mut e = pos + hdr_total.div_ceil(tuple) * tuple;
            while e + tuple <= end.min(d.len()) {
                let a = rd(e, asz).unwrap_or(0);
                let l = rd(e + asz, asz).unwrap_or(0);
                e += tuple;
                if a == 0 && l == 0 {
                    break;
                }
                if a != 0 && l != 0 {
                    out.push((a, a.wrapping_add(l), info_off as usize));
                }
            }
            pos = end;
        }
    }
}
