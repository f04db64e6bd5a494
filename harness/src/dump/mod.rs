//! Post-mortem dumps: the failing state kept in a file and reopened later,
//! anywhere, by `cargo autopsy open` ([`open`]), with the same prompt.
//!
//! The format is autopsy's own ([`format`]): a versioned sequence of
//! sections. Written by [`write`] from the panic hook. A dump holds the
//! process's memory (whatever secrets its locals held): it is written
//! readable by its owner only (0600, in a 0700 directory).

pub mod cli;
pub mod format;
pub mod open;
pub(crate) mod write;
