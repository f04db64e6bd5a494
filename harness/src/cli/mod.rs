//! The command line: `lowargs` is what was typed, `hiargs` what it means.

pub(crate) mod hiargs;
pub(crate) mod lowargs;

pub(crate) use hiargs::{ArgsError, Format, HiArgs, Ignored};
