//! The validated model of the command line: what the runner and reporters
//! read. Conflicts and impossible values are rejected here, once, with a
//! message that names the flag.

use std::path::PathBuf;
use std::time::Duration;

use regex_lite::Regex;

use super::lowargs::{ColorSetting, FormatSetting, LowArgs};

/// An error in the command line, reported before anything runs.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// Clap's own error (unknown flag, missing value, `--help`).
    #[error("{0}")]
    Clap(#[from] clap::Error),
    /// A value that parsed but makes no sense.
    #[error("invalid value for {flag}: {why}")]
    Invalid {
        /// The flag, as typed.
        flag: &'static str,
        /// Why it was refused.
        why: String,
    },
}

/// Which tests the filters select.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filters: Vec<String>,
    pub skip: Vec<String>,
    pub exact: bool,
    pub ignored: Ignored,
    /// `--exclude-should-panic`: `#[should_panic]` tests are filtered out.
    pub exclude_should_panic: bool,
    /// `--bench` without `--test`: libtest runs benchmarks only, and
    /// reports every test it would have run as ignored. There are no
    /// benchmarks here, so nothing runs (`cargo bench --all-targets`).
    pub benchmarks_only: bool,
}

/// `--ignored` / `--include-ignored`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ignored {
    /// Ignored tests are reported as ignored.
    #[default]
    Skip,
    /// Only ignored tests run.
    Only,
    /// Ignored tests run too.
    Include,
}

impl Selection {
    /// Whether `name` passes the filters and `--skip`.
    pub fn matches(&self, name: &str) -> bool {
        let hit = |f: &String| {
            if self.exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        (self.filters.is_empty() || self.filters.iter().any(hit)) && !self.skip.iter().any(hit)
    }
}

/// How reruns are decided.
#[derive(Debug, Clone, Default)]
pub struct RerunPolicy {
    pub reruns: u32,
    pub delay: Duration,
    pub only: Vec<Regex>,
    pub except: Vec<Regex>,
    pub fail_on_flaky: bool,
}

impl RerunPolicy {
    /// Whether a failure with this message may be rerun.
    pub fn allows(&self, message: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|r| r.is_match(message)))
            && !self.except.iter().any(|r| r.is_match(message))
    }
}

/// What to print, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pretty,
    Terse,
    /// libtest's `--format json`: one JSON object per event and line.
    Json,
}

/// The validated configuration of one run.
#[derive(Debug, Clone)]
pub struct HiArgs {
    pub selection: Selection,
    pub list: bool,
    pub threads: Threads,
    pub capture: bool,
    pub show_output: bool,
    pub format: Format,
    pub color: bool,
    pub timeout: Option<Duration>,
    pub pdb: bool,
    pub trace: bool,
    pub showlocals: bool,
    pub reruns: RerunPolicy,
    pub last_failed: bool,
    pub failed_first: bool,
    pub junit: Option<PathBuf>,
    /// `--logfile PATH`: libtest's (deprecated) log of results.
    pub logfile: Option<PathBuf>,
    /// `--dump DIR`: every failing test writes a post-mortem dump there.
    pub dump: Option<PathBuf>,
    /// `--shuffle` / `--shuffle-seed`: the seed of the order, when shuffled.
    pub shuffle_seed: Option<u64>,
    /// `--report-time` (or `--ensure-time`): each test's duration is printed.
    pub report_time: bool,
    /// `--partition`: the shard of the tests this run takes.
    pub partition: Option<super::partition::Partition>,
    /// `--ensure-time`: a passing test over its critical time fails.
    pub ensure_time: Option<crate::list::TimeLimits>,
}

/// How many tests run at once: `--test-threads`, else one per core.
///
/// The number of cores is looked up the first time it is asked for: std
/// reads the cgroup's CPU quota for it (~30-50 us, unoptimized callers
/// aside), and the run of one test in this process, what nextest and IDEs
/// start for each test, never asks.
#[derive(Debug, Clone)]
pub struct Threads {
    given: Option<usize>,
    cores: std::sync::OnceLock<usize>,
}

impl Threads {
    /// The number, as libtest computes its concurrency.
    pub fn get(&self) -> usize {
        match self.given {
            Some(n) => n,
            None => *self
                .cores
                .get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}

fn seconds(flag: &'static str, secs: f64) -> Result<Duration, ArgsError> {
    Duration::try_from_secs_f64(secs).map_err(|_| ArgsError::Invalid {
        flag,
        why: format!("`{secs}` is not a duration in seconds"),
    })
}

fn regexes(flag: &'static str, pats: &[String]) -> Result<Vec<Regex>, ArgsError> {
    pats.iter()
        .map(|p| {
            Regex::new(p).map_err(|e| ArgsError::Invalid {
                flag,
                why: e.to_string(),
            })
        })
        .collect()
}

impl HiArgs {
    /// Parses `args` (without the program name).
    pub fn parse<I, T>(args: I) -> Result<HiArgs, ArgsError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let low = match super::quick::parse(&args) {
            Some(low) => low,
            None => {
                let argv = std::iter::once(std::ffi::OsString::from("test-binary")).chain(args);
                <LowArgs as clap::Parser>::try_parse_from(argv)?
            }
        };
        HiArgs::from_low(low)
    }

    fn from_low(low: LowArgs) -> Result<HiArgs, ArgsError> {
        let format = match (low.format, low.quiet) {
            // libtest wants `-Z unstable-options` (and, since 1.70, a nightly
            // or `RUSTC_BOOTSTRAP=1`) for this; IDEs pass both. autopsy takes
            // it either way: refusing would only lose an IDE's test run.
            (Some(FormatSetting::Json), _) => Format::Json,
            (Some(FormatSetting::Junit), _) => {
                return Err(ArgsError::Invalid {
                    flag: "--format",
                    why: "use --junit PATH to write a JUnit report".into(),
                })
            }
            (Some(FormatSetting::Terse), _) | (None, true) => Format::Terse,
            // `cargo test -q` gives libtest's targets `--quiet`, not ours.
            (None, false) if super::cargo::is_quiet() => Format::Terse,
            (Some(FormatSetting::Pretty), _) | (None, false) => Format::Pretty,
        };
        let color = match low.color.unwrap_or_default() {
            ColorSetting::Always => true,
            ColorSetting::Never => false,
            ColorSetting::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
            }
        };
        if low.test_threads == Some(0) {
            return Err(ArgsError::Invalid {
                flag: "--test-threads",
                why: "must be at least 1".into(),
            });
        }
        if low.ignored && low.include_ignored {
            return Err(ArgsError::Invalid {
                flag: "--ignored",
                why: "cannot be used with --include-ignored".into(),
            });
        }
        if low.last_failed && low.failed_first {
            return Err(ArgsError::Invalid {
                flag: "--lf",
                why: "cannot be used with --ff".into(),
            });
        }
        let timeout = match low.timeout {
            Some(s) if s <= 0.0 => {
                return Err(ArgsError::Invalid {
                    flag: "--timeout",
                    why: "must be more than 0 seconds".into(),
                })
            }
            Some(s) => Some(seconds("--timeout", s)?),
            None => None,
        };
        let delay = seconds("--reruns-delay", low.reruns_delay.unwrap_or(0.0))?;
        // The prompt needs the terminal to itself: one test at a time.
        let interactive = low.pdb || low.trace;
        let threads = Threads {
            given: if interactive {
                Some(1)
            } else {
                low.test_threads
            },
            cores: std::sync::OnceLock::new(),
        };
        Ok(HiArgs {
            selection: Selection {
                filters: low.filters,
                skip: low.skip,
                exact: low.exact,
                ignored: if low.ignored {
                    Ignored::Only
                } else if low.include_ignored {
                    Ignored::Include
                } else {
                    Ignored::Skip
                },
                exclude_should_panic: low.exclude_should_panic,
                benchmarks_only: low.bench && !low.test,
            },
            list: low.list,
            threads,
            capture: !low.nocapture,
            show_output: low.show_output,
            format,
            color,
            timeout,
            pdb: low.pdb,
            trace: low.trace,
            showlocals: low.showlocals,
            reruns: RerunPolicy {
                reruns: low.reruns.unwrap_or(0),
                delay,
                only: regexes("--only-rerun", &low.only_rerun)?,
                except: regexes("--rerun-except", &low.rerun_except)?,
                fail_on_flaky: low.fail_on_flaky,
            },
            last_failed: low.last_failed,
            failed_first: low.failed_first,
            junit: low.junit,
            logfile: low.logfile,
            dump: low.dump.filter(|d| !d.as_os_str().is_empty()),
            report_time: low.report_time || low.ensure_time,
            partition: low
                .partition
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|why| ArgsError::Invalid {
                    flag: "--partition",
                    why,
                })?,
            ensure_time: if low.ensure_time {
                Some(
                    crate::list::TimeLimits::from_env().map_err(|why| ArgsError::Invalid {
                        flag: "--ensure-time",
                        why,
                    })?,
                )
            } else {
                None
            },
            shuffle_seed: match (low.shuffle_seed, low.shuffle) {
                (Some(seed), _) => Some(seed),
                // libtest seeds from the clock too; the seed is printed.
                (None, true) => Some(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as u64),
                ),
                (None, false) => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<HiArgs, ArgsError> {
        HiArgs::parse(args.iter().copied())
    }

    #[test]
    fn filters_and_skip() {
        let a = parse(&["foo", "bar", "--skip", "bar::slow", "--skip", "x"]).unwrap();
        assert!(a.selection.matches("a::foo"));
        assert!(a.selection.matches("bar::fast"));
        assert!(!a.selection.matches("bar::slow"));
        assert!(!a.selection.matches("baz"));
    }

    #[test]
    fn exact() {
        let a = parse(&["--exact", "a::foo"]).unwrap();
        assert!(a.selection.matches("a::foo"));
        assert!(!a.selection.matches("a::foo2"));
    }

    #[test]
    fn unknown_flag_is_named() {
        let e = parse(&["--frobnicate"]).unwrap_err().to_string();
        assert!(e.contains("--frobnicate"), "{e}");
        assert!(e.contains("--help"), "{e}");
    }

    #[test]
    fn compat_flags_are_accepted() {
        parse(&[
            "-Z",
            "unstable-options",
            "--report-time",
            "--no-capture",
            "--shuffle",
        ])
        .unwrap();
    }

    #[test]
    fn pdb_runs_serially() {
        assert_eq!(
            parse(&["--pdb", "--test-threads", "4"])
                .unwrap()
                .threads
                .get(),
            1
        );
    }

    #[test]
    fn bad_values() {
        assert!(parse(&["--timeout", "-1"]).is_err());
        assert!(parse(&["--only-rerun", "("]).is_err());
        assert!(parse(&["--test-threads", "0"]).is_err());
    }

    /// `regex-lite`'s syntax, as the README states it.
    #[test]
    fn rerun_patterns() {
        let args = parse(&[
            "--only-rerun",
            r"\bconn\w+ refused",
            "--rerun-except",
            "^OOM",
        ])
        .unwrap();
        let only = &args.reruns.only[0];
        assert!(only.is_match("connection refused"));
        assert!(!only.is_match("reconnection refused"));
        assert!(!only.is_match("connexión refused"), "\\w is ASCII-only");
        let err = parse(&["--only-rerun", r"\p{L}"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("--only-rerun"), "{err}");
    }
}
