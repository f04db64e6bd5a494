//! The command lines a test binary gets most often, parsed without clap.
//!
//! nextest and IDEs start a test binary once per test (`--exact NAME
//! --nocapture`) and list its tests with `--list --format terse`. Parsing
//! those with clap builds its whole command first (and, in a debug build,
//! checks it), unoptimized in the user's dev build: that was the largest
//! part of one test's start that was autopsy's own. This parser takes only
//! those flags, each at most once, and positional filters; anything else
//! (another flag, a `--flag=value`, a value that looks like a flag, text
//! that is not UTF-8) and any environment twin set sends the whole command
//! line to clap, so errors, `--help` and every other flag stay clap's.
//! `agrees_with_clap` below checks that both parse the same.

use std::ffi::OsString;

use super::lowargs::{FormatSetting, LowArgs, TWINS};

/// `args` (without the program name) as clap would parse them, when they
/// are of the simple kind and no environment twin is set; else `None`.
pub(crate) fn parse(args: &[OsString]) -> Option<LowArgs> {
    if twin_set() {
        return None;
    }
    parse_plain(args)
}

/// Whether a variable clap reads as a flag's twin (`RUST_TEST_THREADS`,
/// `AUTOPSY_PDB`, ...) is set. Each is looked up by name: copying the
/// whole environment to scan it cost more than the rest of this parse.
fn twin_set() -> bool {
    TWINS.iter().any(|k| std::env::var_os(k).is_some())
}

/// [`parse`] without looking at the environment.
fn parse_plain(args: &[OsString]) -> Option<LowArgs> {
    let mut low = LowArgs::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.to_str()?;
        if !arg.starts_with('-') {
            low.filters.push(arg.to_string());
            continue;
        }
        // clap refuses a flag given twice (but `--skip`, `-Z`).
        let once = !matches!(arg, "--skip" | "-Z");
        if once {
            let canonical = match arg {
                "--no-capture" => "--nocapture",
                "-q" => "--quiet",
                a => a,
            };
            if seen.contains(&canonical) {
                return None;
            }
            seen.push(canonical);
        }
        let mut value = || {
            it.next()
                .and_then(|v| v.to_str())
                .filter(|v| !v.starts_with('-'))
        };
        match arg {
            "--exact" => low.exact = true,
            "--nocapture" | "--no-capture" => low.nocapture = true,
            "--ignored" => low.ignored = true,
            "--include-ignored" => low.include_ignored = true,
            "--list" => low.list = true,
            "--show-output" => low.show_output = true,
            "-q" | "--quiet" => low.quiet = true,
            "--format" => {
                low.format = Some(match value()? {
                    "pretty" => FormatSetting::Pretty,
                    "terse" => FormatSetting::Terse,
                    "json" => FormatSetting::Json,
                    _ => return None,
                })
            }
            "--test-threads" => {
                let v = value()?;
                // clap's usize parser: digits only (no `+`, no spaces).
                if !v.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                low.test_threads = Some(v.parse().ok()?);
            }
            "--skip" => low.skip.push(value()?.to_string()),
            "-Z" => low.unstable.push(value()?.to_string()),
            _ => return None,
        }
    }
    Some(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// Every command line this parser takes parses the same through clap,
    /// and those it leaves to clap include each kind it must not take.
    #[test]
    fn agrees_with_clap() {
        if twin_set() {
            // clap would read the twins; `parse` never runs beside them.
            panic!("run this test without the flags' environment twins set");
        }
        let taken: &[&[&str]] = &[
            &[],
            &["--exact", "group000::test_00000", "--nocapture"],
            &["--exact", "a::b", "--no-capture"],
            &["--list", "--format", "terse"],
            &["--list", "--format", "terse", "--ignored"],
            &[
                "--format",
                "json",
                "-Z",
                "unstable-options",
                "--show-output",
            ],
            &["foo", "bar", "--skip", "bar::slow", "--skip", "x"],
            &["--include-ignored", "-q", "--test-threads", "4", ""],
            &["--format", "pretty", "--test-threads", "0"],
        ];
        for args in taken {
            let quick = parse_plain(&os(args)).unwrap_or_else(|| panic!("{args:?} not taken"));
            let argv = std::iter::once("test-binary").chain(args.iter().copied());
            let clap = <LowArgs as clap::Parser>::try_parse_from(argv).unwrap();
            assert_eq!(quick, clap, "{args:?}");
        }
        let left: &[&[&str]] = &[
            &["--exact", "--exact"],
            &["--nocapture", "--no-capture"],
            &["-q", "--quiet"],
            &["--pdb"],
            &["--format=json"],
            &["--format", "junit"],
            &["--format"],
            &["--skip", "--exact"],
            &["--test-threads", "+4"],
            &["--test-threads", "-1"],
            &["--help"],
            &["-h"],
            &["--"],
            &["-l"],
            &["--frobnicate"],
        ];
        for args in left {
            assert_eq!(parse_plain(&os(args)), None, "{args:?}");
        }
    }
}
