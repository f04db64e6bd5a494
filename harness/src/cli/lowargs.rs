//! The raw command line, as parsed: libtest's flags (after libtest-mimic's
//! `Arguments`, which takes one filter only and lacks `--no-capture`,
//! `--report-time` and friends), plus autopsy's own. Nothing here is checked
//! beyond its type; `hiargs` turns it into the model the runner uses.

// A flag's environment twin reads `0`, `false`, `no`, `off` (and empty) as
// unset and anything else as set: `AUTOPSY_LF=1` works, not only `=true`.
use clap::builder::FalseyValueParser;
use clap::{ArgAction, Parser, ValueEnum};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorSetting {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FormatSetting {
    /// One line per test.
    #[default]
    Pretty,
    /// One character per test.
    Terse,
    /// libtest's JSON lines (`-Z unstable-options --format json`), for IDEs.
    Json,
    /// libtest's unstable JUnit is not spoken on stdout: use `--junit PATH`.
    Junit,
}

/// The command line of an autopsy test binary.
#[derive(Debug, Parser, Default, PartialEq)]
#[command(
    name = "TEST-BINARY",
    bin_name = "TEST-BINARY",
    about = "An autopsy test harness: libtest's command line plus post-mortem debugging.",
    after_help = "Every autopsy flag has an environment twin (shown as [env: ...]), for \
                  workspaces where `cargo test -- --flag` also reaches libtest binaries \
                  that reject unknown flags.",
    disable_version_flag = true
)]
pub struct LowArgs {
    /// Run only tests whose names contain one of these (several allowed).
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Filters match whole test names, not substrings.
    #[arg(long)]
    pub exact: bool,

    /// Skip tests whose names contain this (repeatable; whole names with --exact).
    #[arg(long, value_name = "FILTER", action = ArgAction::Append)]
    pub skip: Vec<String>,

    /// Run only ignored tests.
    #[arg(long)]
    pub ignored: bool,

    /// Run ignored tests too.
    #[arg(long = "include-ignored")]
    pub include_ignored: bool,

    /// List the tests instead of running them.
    #[arg(long)]
    pub list: bool,

    /// Run this many tests at once [default: one per core].
    #[arg(long = "test-threads", value_name = "N", env = "RUST_TEST_THREADS")]
    pub test_threads: Option<usize>,

    /// Do not capture the tests' output.
    #[arg(long, visible_alias = "no-capture", env = "RUST_TEST_NOCAPTURE", value_parser = FalseyValueParser::new())]
    pub nocapture: bool,

    /// Show the captured output of passing tests too.
    #[arg(long = "show-output")]
    pub show_output: bool,

    /// Print one character per test (same as --format terse).
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_enum, value_name = "auto|always|never")]
    pub color: Option<ColorSetting>,

    /// How to print results (json: libtest's JSON lines, as IDEs read them).
    #[arg(long, value_enum, value_name = "pretty|terse|json")]
    pub format: Option<FormatSetting>,

    /// Fail a test that runs longer than SECS (off by default).
    #[arg(long, value_name = "SECS", env = "AUTOPSY_TIMEOUT")]
    pub timeout: Option<f64>,

    /// On a failure, open a post-mortem prompt in the failing frame (tests run one at a time).
    #[arg(long, env = "AUTOPSY_PDB", value_parser = FalseyValueParser::new())]
    pub pdb: bool,

    /// Open the prompt at the start of each test and step through it.
    #[arg(long, env = "AUTOPSY_TRACE", value_parser = FalseyValueParser::new())]
    pub trace: bool,

    /// Print the failing frame's locals in each failure's report (pytest's -l).
    #[arg(long, short = 'l', env = "AUTOPSY_SHOWLOCALS", value_parser = FalseyValueParser::new())]
    pub showlocals: bool,

    /// Rerun a failing test up to N more times.
    #[arg(long, value_name = "N", env = "AUTOPSY_RERUNS")]
    pub reruns: Option<u32>,

    /// Wait SECS between attempts.
    #[arg(
        long = "reruns-delay",
        value_name = "SECS",
        env = "AUTOPSY_RERUNS_DELAY"
    )]
    pub reruns_delay: Option<f64>,

    /// Rerun only failures whose message matches REGEX (repeatable).
    #[arg(long = "only-rerun", value_name = "REGEX", env = "AUTOPSY_ONLY_RERUN", action = ArgAction::Append)]
    pub only_rerun: Vec<String>,

    /// Do not rerun failures whose message matches REGEX (repeatable).
    #[arg(long = "rerun-except", value_name = "REGEX", env = "AUTOPSY_RERUN_EXCEPT", action = ArgAction::Append)]
    pub rerun_except: Vec<String>,

    /// Exit non-zero when any test was flaky.
    #[arg(long = "fail-on-flaky", env = "AUTOPSY_FAIL_ON_FLAKY", value_parser = FalseyValueParser::new())]
    pub fail_on_flaky: bool,

    /// Run only the tests that failed last time (all when there is no record).
    #[arg(long = "lf", visible_alias = "last-failed", env = "AUTOPSY_LF", value_parser = FalseyValueParser::new())]
    pub last_failed: bool,

    /// Run the tests that failed last time first.
    #[arg(long = "ff", visible_alias = "failed-first", env = "AUTOPSY_FF", value_parser = FalseyValueParser::new())]
    pub failed_first: bool,

    /// Run one shard of the tests: count:K/N (round-robin) or hash:K/N (by name), as nextest.
    #[arg(long, value_name = "count:K/N|hash:K/N", env = "AUTOPSY_PARTITION")]
    pub partition: Option<String>,

    /// Write a post-mortem dump of every failing test into DIR (`cargo autopsy open` reopens it).
    #[arg(long, value_name = "DIR", env = "AUTOPSY_DUMP")]
    pub dump: Option<std::path::PathBuf>,

    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH", env = "AUTOPSY_JUNIT")]
    pub junit: Option<std::path::PathBuf>,

    // --- The rest of libtest's flags, which cargo, IDEs and nextest pass. ---
    /// Run tests (libtest's; the default, and with --bench, run them too).
    #[arg(long, hide_short_help = true)]
    pub test: bool,
    /// Run benchmarks only (libtest's): there are none, every test is reported ignored.
    #[arg(long, hide_short_help = true)]
    pub bench: bool,
    /// Accepted for libtest compatibility: unstable options (`-Z unstable-options`).
    #[arg(short = 'Z', value_name = "FLAG", hide_short_help = true, action = ArgAction::Append)]
    pub unstable: Vec<String>,
    /// Print each test's duration (libtest's; thresholds from RUST_TEST_TIME_*).
    #[arg(long = "report-time", hide_short_help = true)]
    pub report_time: bool,
    /// Fail a passing test over its critical time (libtest's; RUST_TEST_TIME_UNIT, RUST_TEST_TIME_INTEGRATION).
    #[arg(long = "ensure-time", hide_short_help = true)]
    pub ensure_time: bool,
    /// Run the tests in a random order (the seed is printed to rerun it).
    #[arg(long, env = "RUST_TEST_SHUFFLE", value_parser = clap::builder::FalseyValueParser::new())]
    pub shuffle: bool,
    /// Run the tests in the order this seed gives (implies --shuffle).
    #[arg(
        long = "shuffle-seed",
        value_name = "SEED",
        env = "RUST_TEST_SHUFFLE_SEED"
    )]
    pub shuffle_seed: Option<u64>,
    /// Write each test's result to PATH as well (libtest's, deprecated there).
    #[arg(long, value_name = "PATH", hide_short_help = true)]
    pub logfile: Option<std::path::PathBuf>,
    /// Leave out `#[should_panic]` tests (libtest's).
    #[arg(long = "exclude-should-panic", hide_short_help = true)]
    pub exclude_should_panic: bool,
    /// Accepted for libtest compatibility.
    #[arg(long = "force-run-in-process", hide_short_help = true)]
    pub force_run_in_process: bool,
}

/// Every environment variable clap reads as a flag's twin (`env = ...`
/// above). `quick` leaves a command line to clap when one is set; the test
/// below keeps the list and the attributes the same.
pub(crate) const TWINS: &[&str] = &[
    "RUST_TEST_THREADS",
    "RUST_TEST_NOCAPTURE",
    "RUST_TEST_SHUFFLE",
    "RUST_TEST_SHUFFLE_SEED",
    "AUTOPSY_TIMEOUT",
    "AUTOPSY_PDB",
    "AUTOPSY_TRACE",
    "AUTOPSY_SHOWLOCALS",
    "AUTOPSY_RERUNS",
    "AUTOPSY_RERUNS_DELAY",
    "AUTOPSY_ONLY_RERUN",
    "AUTOPSY_RERUN_EXCEPT",
    "AUTOPSY_FAIL_ON_FLAKY",
    "AUTOPSY_LF",
    "AUTOPSY_FF",
    "AUTOPSY_PARTITION",
    "AUTOPSY_DUMP",
    "AUTOPSY_JUNIT",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_are_the_variables_clap_reads() {
        let command = <LowArgs as clap::CommandFactory>::command();
        let mut read: Vec<String> = command
            .get_arguments()
            .filter_map(|a| a.get_env())
            .map(|e| e.to_string_lossy().into_owned())
            .collect();
        let mut listed: Vec<String> = TWINS.iter().map(|t| t.to_string()).collect();
        read.sort();
        listed.sort();
        assert_eq!(read, listed);
    }
}
