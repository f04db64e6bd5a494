//! Post-mortem dumps: the failing state kept in a file and reopened later,
//! anywhere, by `cargo autopsy open` ([`open`]), with the same prompt.
//!
//! The file is a minidump ([`format`]), so that crash tools open it too,
//! with autopsy's own data in a stream of its own ([`stream`]); the
//! container is written and read by hand ([`minidump`]). Written by
//! [`write`] from the panic hook (and [`signal`]'s handler). A dump holds the
//! process's memory (whatever secrets its locals held): it is written
//! readable by its owner only (0600, in a 0700 directory).

pub mod cli;
pub mod format;
pub mod minidump;
mod modules;
pub mod open;
pub(crate) mod signal;
pub(crate) mod stream;
pub(crate) mod write;

/// The first words of the line that names a written dump.
pub(crate) const WRITTEN: &str = "autopsy: post-mortem dump written to ";

/// The dump's path, if `line` is the line that names a written dump.
pub(crate) fn dump_named_in(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(WRITTEN)?;
    rest.split_once(" (it holds this process's memory")
        .map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_line_names_the_dump() {
        let w = super::write::Written {
            path: "/tmp/d/x y.autopsy".into(),
            left_out: 0,
        };
        let line = super::write::line(&w);
        assert_eq!(super::dump_named_in(&line), Some("/tmp/d/x y.autopsy"));
        assert_eq!(super::dump_named_in("autopsy: other"), None);
    }
}
