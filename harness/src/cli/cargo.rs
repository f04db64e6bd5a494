//! `cargo test -q`, which cargo does not pass on to a `harness = false`
//! target.
//!
//! cargo adds `--quiet` to the command line of every libtest target when it
//! is quiet itself (`-q`, `--quiet`, `CARGO_TERM_QUIET=true`), but not to a
//! target with `harness = false` (rust-lang/cargo#15465). So without this,
//! `cargo test -q` would print libtest's dots for every other target and a
//! line per test for autopsy's. cargo starts each test binary itself and
//! sets `CARGO` to its own path for it: when the parent process's command
//! line begins with that path, the run is cargo's, and its flags say
//! whether it is quiet.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// Whether the `cargo` that started this binary is quiet. Costs one read of
/// `/proc/<parent>/cmdline`, and only when `CARGO` is set (cargo-nextest sets
/// it too; its processes are skipped by `NEXTEST`, their parent is not cargo).
pub(super) fn is_quiet() -> bool {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return false;
    };
    if std::env::var_os("NEXTEST").is_some() {
        return false;
    }
    let parent = std::os::unix::process::parent_id();
    let Ok(cmdline) = std::fs::read(format!("/proc/{parent}/cmdline")) else {
        return false;
    };
    let env_quiet = std::env::var_os("CARGO_TERM_QUIET");
    quiet_in(&cmdline, &cargo, env_quiet.as_deref())
}

/// Whether `cmdline` (NUL-separated, as `/proc` gives it) is a run of the
/// cargo at `cargo` that was asked to be quiet: `-q` or `--quiet` before the
/// `--` that starts the test binaries' own arguments, or, without `-v` or
/// `--verbose` there, `CARGO_TERM_QUIET=true`, which cargo reads as its
/// `term.quiet` setting.
fn quiet_in(cmdline: &[u8], cargo: &OsStr, env_quiet: Option<&OsStr>) -> bool {
    let mut args = cmdline.split(|b| *b == 0);
    if args.next() != Some(cargo.as_bytes()) {
        return false;
    }
    let mut verbose = false;
    for arg in args.take_while(|a| *a != b"--") {
        match arg {
            b"-q" | b"--quiet" => return true,
            b"-v" | b"-vv" | b"--verbose" => verbose = true,
            _ => {}
        }
    }
    !verbose && env_quiet.is_some_and(|v| v == "true")
}

#[cfg(test)]
mod tests {
    use super::quiet_in;
    use std::ffi::OsStr;

    const CARGO: &str = "/toolchain/bin/cargo";

    fn quiet(args: &[&str], env: Option<&str>) -> bool {
        let mut cmdline = Vec::new();
        for arg in args {
            cmdline.extend_from_slice(arg.as_bytes());
            cmdline.push(0);
        }
        quiet_in(&cmdline, OsStr::new(CARGO), env.map(OsStr::new))
    }

    #[test]
    fn cargo_quiet_flags_before_the_separator() {
        assert!(quiet(&[CARGO, "test", "-q"], None));
        assert!(quiet(&[CARGO, "--quiet", "test", "--test", "x"], None));
        assert!(quiet(
            &[CARGO, "t", "--test", "x", "-q", "--", "--pdb"],
            None
        ));
        assert!(!quiet(&[CARGO, "test", "--", "-q"], None));
        assert!(!quiet(&[CARGO, "test", "--features", "q"], None));
        assert!(!quiet(&[CARGO, "test"], None));
    }

    #[test]
    fn cargo_term_quiet_unless_verbose() {
        assert!(quiet(&[CARGO, "test"], Some("true")));
        assert!(!quiet(&[CARGO, "test"], Some("false")));
        assert!(!quiet(&[CARGO, "test", "-v"], Some("true")));
        assert!(quiet(&[CARGO, "test", "-q"], Some("false")));
    }

    #[test]
    fn only_the_cargo_named_by_cargo() {
        // cargo-nextest, a `target.runner`, or a shell: not cargo.
        assert!(!quiet(
            &["/usr/local/bin/cargo-nextest", "nextest", "run", "-q"],
            None
        ));
        assert!(!quiet(&["bash", "-q"], Some("true")));
        assert!(!quiet(&[], Some("true")));
    }
}
