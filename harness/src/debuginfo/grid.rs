//! Address ranges bucketed by address, for lookups by pc.
//!
//! Built in three linear passes with counting, never a comparison sort: the
//! crate is usually built at opt-level 0 (the user's test profile), where
//! sorting the 100k+ ranges of `.debug_aranges` or of the symbol table
//! costs a couple of hundred milliseconds, and the loops here index plain
//! slices (no iterator or `Vec` calls per element).

/// `(start, end, value)` ranges, `start < end`, found by address.
#[derive(Default)]
pub(super) struct RangeGrid {
    base: u64,
    shift: u32,
    /// Bucket `b` holds `items[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    items: Vec<(u64, u64, usize)>,
}

impl RangeGrid {
    /// Indexes `ranges`; empty ranges (`start >= end`) are left out.
    pub fn new(ranges: &[(u64, u64, usize)]) -> RangeGrid {
        let n = ranges.len();
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        let mut i = 0;
        while i < n {
            let (a, b, _) = ranges[i];
            if a < b {
                if a < lo {
                    lo = a;
                }
                if b > hi {
                    hi = b;
                }
            }
            i += 1;
        }
        if lo >= hi {
            return RangeGrid::default();
        }
        // About as many buckets as ranges, of at least 64 bytes.
        let span = hi - lo;
        let mut shift = 6u32;
        while shift < 63 && (span >> shift) > n as u64 {
            shift += 1;
        }
        let nb = (span >> shift) as usize + 1;
        // Pass 1: how many ranges touch each bucket (shifted by one, so
        // that the prefix sums below give each bucket's start).
        let mut starts = vec![0usize; nb + 1];
        let s: &mut [usize] = &mut starts;
        let mut total = 0usize;
        i = 0;
        while i < n {
            let (a, b, _) = ranges[i];
            i += 1;
            if a >= b {
                continue;
            }
            let (first, last) = (
                ((a - lo) >> shift) as usize,
                ((b - 1 - lo) >> shift) as usize,
            );
            let mut k = first;
            while k <= last {
                s[k + 1] += 1;
                k += 1;
            }
            total += last - first + 1;
        }
        let mut k = 1;
        while k <= nb {
            s[k] += s[k - 1];
            k += 1;
        }
        // Pass 2: fill each bucket in input order.
        let mut items = vec![(0u64, 0u64, 0usize); total];
        let it: &mut [(u64, u64, usize)] = &mut items;
        let mut next = starts.clone();
        let nx: &mut [usize] = &mut next;
        i = 0;
        while i < n {
            let r = ranges[i];
            i += 1;
            if r.0 >= r.1 {
                continue;
            }
            let (first, last) = (
                ((r.0 - lo) >> shift) as usize,
                ((r.1 - 1 - lo) >> shift) as usize,
            );
            let mut k = first;
            while k <= last {
                it[nx[k]] = r;
                nx[k] += 1;
                k += 1;
            }
        }
        RangeGrid {
            base: lo,
            shift,
            starts,
            items,
        }
    }

    /// The ranges that may contain `addr` (check each one).
    fn bucket(&self, addr: u64) -> &[(u64, u64, usize)] {
        if addr < self.base || self.starts.len() < 2 {
            return &[];
        }
        let b = ((addr - self.base) >> self.shift) as usize;
        if b + 1 >= self.starts.len() {
            return &[];
        }
        &self.items[self.starts[b]..self.starts[b + 1]]
    }

    /// The value of the first range (in input order) containing `addr`.
    pub fn first(&self, addr: u64) -> Option<usize> {
        let items = self.bucket(addr);
        let mut i = 0;
        while i < items.len() {
            let (a, b, v) = items[i];
            if a <= addr && addr < b {
                return Some(v);
            }
            i += 1;
        }
        None
    }

    /// The value of the range containing `addr` that starts last (the
    /// innermost of nested ranges); the first in input order on ties.
    pub fn innermost(&self, addr: u64) -> Option<usize> {
        let items = self.bucket(addr);
        let mut best: Option<(u64, usize)> = None;
        let mut i = 0;
        while i < items.len() {
            let (a, b, v) = items[i];
            if a <= addr && addr < b && best.is_none_or(|(s, _)| a > s) {
                best = Some((a, v));
            }
            i += 1;
        }
        best.map(|b| b.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ranges_like_a_linear_scan() {
        let mut ranges = Vec::new();
        let mut x = 0x1234_5678u64;
        for v in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let start = 0x40_0000 + (x >> 40) % 0x10_0000;
            let len = 1 + (x >> 20) % 0x400;
            ranges.push((start, start + len, v));
        }
        ranges.push((0x50_0000, 0x50_0000, 9999)); // empty: ignored
        ranges.push((0x40_0000, 0x60_0000, 5000)); // spans everything
        let g = RangeGrid::new(&ranges);
        for probe in (0x3f_ff00u64..0x60_0100).step_by(97) {
            let first = ranges
                .iter()
                .find(|r| r.0 <= probe && probe < r.1)
                .map(|r| r.2);
            assert_eq!(g.first(probe), first, "{probe:#x}");
            let inner = ranges
                .iter()
                .filter(|r| r.0 <= probe && probe < r.1)
                .fold(None::<(u64, usize)>, |b, r| match b {
                    Some((s, _)) if s >= r.0 => b,
                    _ => Some((r.0, r.2)),
                })
                .map(|b| b.1);
            assert_eq!(g.innermost(probe), inner, "{probe:#x}");
        }
        assert_eq!(RangeGrid::new(&[]).first(5), None);
        assert_eq!(RangeGrid::new(&[(10, 20, 1)]).first(19), Some(1));
        assert_eq!(RangeGrid::new(&[(10, 20, 1)]).first(20), None);
    }
}
