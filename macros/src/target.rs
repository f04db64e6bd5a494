//! Which harness the crate being compiled runs its tests under.
//!
//! Cargo compiles a test target that keeps libtest with `rustc --test`, and a
//! `harness = false` one without it, but passes `--cfg test` to both: only
//! the command line tells them apart. A proc macro runs inside rustc (or
//! `clippy-driver`, which takes the same arguments), so it reads rustc's own
//! arguments. Elsewhere (rust-analyzer's proc-macro server) there are no
//! rustc arguments, and the macros expand as for libtest, whose form is the
//! one IDEs recognise, without the checks that need to know.

use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    /// `rustc --test`: libtest's harness.
    Libtest,
    /// rustc without `--test`: a `harness = false` test target, or a program.
    Harness,
    /// rustdoc compiling a doctest: a program, whose source lines belong to
    /// the documented crate's files (rustdoc's own `--test` says nothing of
    /// how the doctest is compiled).
    Doctest,
    /// Not rustc: an IDE expanding the macros.
    Unknown,
}

pub(crate) fn target() -> Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    *TARGET.get_or_init(|| {
        let program = std::env::args().next().unwrap_or_default();
        let name = std::path::Path::new(&program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // rustdoc compiles a doctest in its own process, or runs rustc on it
        // with the documented file's name in this variable.
        if name.starts_with("rustdoc") || std::env::var_os("UNSTABLE_RUSTDOC_TEST_PATH").is_some() {
            Target::Doctest
        } else {
            classify(rustc_args())
        }
    })
}

/// Whether rustc will produce code: not under `cargo check` (nor clippy's
/// or rust-analyzer's check), which ask for metadata alone
/// (`--emit=dep-info,metadata`). Outside rustc, as if it would.
pub(crate) fn emits_code() -> bool {
    static EMITS: OnceLock<bool> = OnceLock::new();
    *EMITS.get_or_init(|| emits(rustc_args()))
}

fn emits(args: &[String]) -> bool {
    let mut kinds = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(list) = arg.strip_prefix("--emit=") {
            kinds.extend(list.split(','));
        } else if arg == "--emit" {
            kinds.extend(args.next().map(|l| l.split(',')).into_iter().flatten());
        }
    }
    // No `--emit`: rustc links.
    kinds.is_empty()
        || kinds.iter().any(|k| {
            let kind = k.split_once('=').map_or(*k, |(kind, _path)| kind);
            !matches!(kind, "dep-info" | "metadata")
        })
}

/// rustc's arguments, with `@file` argument files read in: once per
/// process, for [`target`] and [`emits_code`] both.
fn rustc_args() -> &'static [String] {
    static ARGS: OnceLock<Vec<String>> = OnceLock::new();
    ARGS.get_or_init(|| {
        let mut args = Vec::new();
        for arg in std::env::args().skip(1) {
            match arg.strip_prefix('@') {
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(text) => args.extend(text.lines().map(str::to_string)),
                    Err(_) => args.push(arg),
                },
                None => args.push(arg),
            }
        }
        args
    })
}

fn classify(args: &[String]) -> Target {
    if args.iter().any(|a| a == "--test") {
        Target::Libtest
    } else if args
        .iter()
        .any(|a| a == "--crate-name" || a.starts_with("--crate-name="))
    {
        Target::Harness
    } else {
        Target::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn tells_the_harnesses_apart() {
        assert_eq!(
            classify(&args(
                "--crate-name t --edition=2021 tests/t.rs --test --cfg test"
            )),
            Target::Libtest
        );
        assert_eq!(
            classify(&args("--crate-name t --edition=2021 tests/t.rs --cfg test")),
            Target::Harness
        );
        assert_eq!(classify(&args("")), Target::Unknown);
    }

    #[test]
    fn tells_a_check_from_a_build() {
        assert!(!emits(&args(
            "--crate-name t --emit=dep-info,metadata --cfg test"
        )));
        assert!(!emits(&args("--crate-name t --emit dep-info,metadata")));
        assert!(emits(&args(
            "--crate-name t --emit=dep-info,link --cfg test"
        )));
        assert!(emits(&args("--crate-name t --emit=dep-info,metadata,link")));
        assert!(emits(&args("--crate-name t --emit=link=/tmp/out")));
        assert!(emits(&args("--crate-name t --emit=obj")));
        assert!(emits(&args("--crate-name t --cfg test")));
    }
}
