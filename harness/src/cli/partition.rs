//! `--partition count:K/N` and `--partition hash:K/N` (`AUTOPSY_PARTITION`):
//! one shard of the binary's tests, as cargo-nextest names and cuts them, so
//! that CI can spread a suite over N machines deterministically.
//!
//! - `count:K/N`: round-robin over the selected tests in name order (after
//!   the filters): the first test goes to shard 1, the second to shard 2...
//! - `hash:K/N`: by the xxHash64 (seed 0) of the test's name, as nextest's
//!   0.9 series hashes it: a test stays in its shard whatever is added or
//!   filtered around it.

use std::str::FromStr;

/// How the tests are dealt out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    Count,
    Hash,
}

/// Shard `shard` (from 1) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub kind: PartitionKind,
    pub shard: u64,
    pub total: u64,
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        let (kind, rest) = if let Some(rest) = s.strip_prefix("count:") {
            (PartitionKind::Count, rest)
        } else if let Some(rest) = s.strip_prefix("hash:") {
            (PartitionKind::Hash, rest)
        } else {
            return Err(format!(
                "`{s}` must be count:K/N or hash:K/N (shard K of N, from 1)"
            ));
        };
        let numbers = rest
            .split_once('/')
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
        match numbers {
            Some((shard, total)) if (1..=total).contains(&shard) => {
                Ok(Partition { kind, shard, total })
            }
            Some((shard, total)) => Err(format!(
                "`{s}`: shard {shard} is not between 1 and {total}, inclusive"
            )),
            None => Err(format!(
                "`{s}` must be count:K/N or hash:K/N (shard K of N, from 1)"
            )),
        }
    }
}

impl Partition {
    /// A fresh dealer: `count` counts the tests it is asked about.
    pub fn dealer(self) -> Dealer {
        Dealer {
            partition: self,
            next: 0,
        }
    }
}

/// Says, test after test (in name order), which are in the shard.
#[derive(Debug)]
pub struct Dealer {
    partition: Partition,
    /// `count`'s shard (from 0) of the next test.
    next: u64,
}

impl Dealer {
    /// Whether `name`, the next selected test, is in the shard.
    pub fn deals(&mut self, name: &str) -> bool {
        let p = self.partition;
        let slot = match p.kind {
            PartitionKind::Count => {
                let slot = self.next;
                self.next = (self.next + 1) % p.total;
                slot
            }
            PartitionKind::Hash => xxhash_rust::xxh64::xxh64(name.as_bytes(), 0) % p.total,
        };
        slot == p.shard - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_nextest_does() {
        let p: Partition = "hash:2/3".parse().unwrap();
        assert_eq!(
            p,
            Partition {
                kind: PartitionKind::Hash,
                shard: 2,
                total: 3
            }
        );
        assert!("count:1/1".parse::<Partition>().is_ok());
        for bad in [
            "foo",
            "hash",
            "hash:",
            "hash:1",
            "hash:1/",
            "hash:0/2",
            "hash:3/2",
            "hash:m/2",
            "hash:1/n",
            "hash:1/2/3",
            "count:0/0",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let names: Vec<String> = (0..100).map(|i| format!("m::t{i}")).collect();
        for kind in ["count", "hash"] {
            let mut seen = vec![0; names.len()];
            for k in 1..=3 {
                let mut d = format!("{kind}:{k}/3")
                    .parse::<Partition>()
                    .unwrap()
                    .dealer();
                for (i, n) in names.iter().enumerate() {
                    seen[i] += d.deals(n) as u32;
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "{kind}: {seen:?}");
        }
        // count: round-robin.
        let mut d = "count:2/3".parse::<Partition>().unwrap().dealer();
        let dealt: Vec<bool> = (0..6).map(|i| d.deals(&i.to_string())).collect();
        assert_eq!(dealt, [false, true, false, false, true, false]);
    }

    #[test]
    fn hash_is_xxh64_of_the_name() {
        // xxHash64's reference value for the empty input, seed 0.
        assert_eq!(xxhash_rust::xxh64::xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
    }
}
