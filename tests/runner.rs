//! The runner as a libtest user meets it: `cargo test -- ...` on a real suite
//! (`tests/fixtures/runner.rs`, 19 tests: one of everything libtest users
//! rely on, tests that crash, and two that can tell whether they overlap).
//!
//! Where the output is the product it is compared whole with a snapshot in
//! `tests/snapshots/runner_*.txt` (`AUTOPSY_BLESS=1` rewrites them; they are
//! what libtest prints for the same suite, plus autopsy's known additions:
//! output of child processes and C code is captured, crashes are reported).

use autopsy_e2e::{normalize, snapshot, Fixture, Run};

fn fixture() -> Fixture {
    Fixture::new("runner", "")
}

/// Every test of the fixture, in libtest's (name) order.
const ALL: &[&str] = &[
    "capture::child_process",
    "capture::quiet_pass",
    "crash::aborts",
    "crash::exits",
    "crash::overflows_stack",
    "crash::segfaults",
    "crash::sleeps",
    "fails_assert",
    "ignored_plain",
    "ignored_reason",
    "outer::inner::passes",
    "parallel::signals",
    "parallel::waits",
    "result_err",
    "result_ok",
    "should_panic_any",
    "should_panic_but_passes",
    "should_panic_expected",
    "should_panic_wrong_message",
];

/// Leaves out the tests that crash, hang or wait for each other.
const CALM: &[&str] = &["--skip", "crash::", "--skip", "parallel::"];

fn args<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

/// Asserts that each of `lines` is a whole line of `text`.
#[track_caller]
fn has_lines(text: &str, lines: &[&str]) {
    for want in lines {
        assert!(
            text.lines().any(|l| l == *want),
            "no line {want:?} in:\n{text}"
        );
    }
}

/// The closing line, normalized.
#[track_caller]
fn summary(run: &Run) -> String {
    let text = run.normalized();
    let line = text.lines().find(|l| l.starts_with("test result: "));
    line.unwrap_or_else(|| panic!("no `test result:` line in:\n{}\n{}", run.stdout, run.stderr))
        .to_string()
}

/// The `test NAME ... STATUS` lines, sorted (parallel runs finish in any order).
fn result_lines(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .map(String::from)
        .collect();
    v.sort();
    v
}

#[test]
fn full_report_matches_libtest() {
    // Serially, the lines come in name order and the report is stable.
    let run = fixture().run(&args(CALM, &["--test-threads", "1"]));
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    // Output of passing tests is not shown.
    assert!(!run.stdout.contains("passing output"), "{}", run.stdout);
    assert!(!run.stdout.contains("hello from passes"), "{}", run.stdout);
    snapshot("runner_full", &run.normalized());
    // cargo's own line, as after any failing libtest binary.
    assert!(
        run.stderr
            .contains("error: test failed, to rerun pass `--test runner`"),
        "{}",
        run.stderr
    );
}

#[test]
fn terse_format() {
    let fx = fixture();
    let quiet = fx.run(&args(CALM, &["-q", "--test-threads", "1"]));
    assert_eq!(quiet.code, Some(101), "{}", quiet.stderr);
    snapshot("runner_terse", &quiet.normalized());
    let terse = fx.run(&args(CALM, &["--format", "terse", "--test-threads", "1"]));
    assert_eq!(terse.normalized(), quiet.normalized());
    // One test, ignored: libtest adds its reason after the summary.
    let twin = fx.libtest_twin();
    for one in [
        &["-q", "--exact", "ignored_reason"][..],
        &["-q", "--exact", "ignored_plain"],
        &["-q", "ignored_"],
    ] {
        let ours = fx.run_binary(one, &[]);
        let theirs = twin.run_binary(one, &[]);
        assert_eq!(ours.normalized(), theirs.normalized(), "{one:?}");
    }
    let ours = fx.run_binary(&["-q", "--exact", "ignored_reason"], &[]);
    assert!(
        ours.stdout
            .contains("\ntest: ignored_reason, ignore_message: "),
        "{}",
        ours.stdout
    );
}

#[test]
fn cargo_test_quiet_is_terse_as_for_libtest() {
    // cargo passes `--quiet` to libtest's targets, never to a `harness =
    // false` one (rust-lang/cargo#15465): the runner reads it from cargo.
    let fx = fixture();
    let twin = fx.libtest_twin();
    fx.build();
    twin.build();
    // Passing tests only, one at a time: their report is libtest's, byte
    // for byte.
    let calm = [
        "outer",
        "result_ok",
        "should_panic_any",
        "ignored_plain",
        "--test-threads",
        "1",
    ];
    let cargo_test = |f: &Fixture, cargo: &[&str], env: &[(&str, &str)], after: &[&str]| {
        let mut cmd = f.cargo_test(cargo, &[&calm[..], after].concat());
        Run::from(cmd.envs(env.iter().copied()).output().unwrap())
    };
    let quiet_env = [("CARGO_TERM_QUIET", "true")];
    for (cargo, env) in [(&["-q"][..], &[][..]), (&[], &quiet_env[..])] {
        let ours = cargo_test(&fx, cargo, env, &[]);
        let theirs = cargo_test(&twin, cargo, env, &[]);
        assert_eq!(ours.code, Some(0), "{}", ours.stderr);
        assert!(!ours.stdout.contains(" ... ok"), "{}", ours.stdout);
        assert_eq!(
            ours.normalized(),
            theirs.normalized(),
            "cargo {cargo:?} {env:?}"
        );
        // A failing run: the same as `-- -q`.
        let failing = cargo_test(&fx, cargo, env, &["fails_assert"]);
        let flag = fx.run(&[&calm[..], &["fails_assert", "-q"]].concat());
        assert_eq!(failing.code, Some(101), "{}", failing.stderr);
        assert_eq!(failing.normalized(), flag.normalized());
    }
    // A format of one's own still wins, and a plain `cargo test` is pretty.
    let pretty = cargo_test(&fx, &["-q"], &[], &["--format", "pretty"]);
    let plain = cargo_test(&fx, &[], &[], &[]);
    assert!(
        plain.stdout.contains("\ntest result_ok ... ok\n"),
        "{}",
        plain.stdout
    );
    assert_eq!(pretty.normalized(), plain.normalized());
    assert_eq!(
        plain.normalized(),
        cargo_test(&twin, &[], &[], &[]).normalized()
    );
}

#[test]
fn libtests_other_flags_do_what_they_do_there() {
    // `--logfile`, `--bench`, `--exclude-should-panic` and an empty
    // `--list`, each against the libtest build of the same file.
    let fx = fixture();
    let twin = fx.libtest_twin();
    let unstable = [("RUSTC_BOOTSTRAP", "1")];
    let log = |f: &Fixture, args: &[&str]| {
        let path = f.dir.join("results.log");
        let _ = std::fs::remove_file(&path);
        let p = path.to_str().unwrap();
        let run = f.run_binary(&[args, &["--logfile", p]].concat(), &unstable);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        // Durations differ; the ` <0.000s>` after each result stays.
        let text = text
            .lines()
            .map(|l| match l.rsplit_once(" <") {
                Some((head, _)) => format!("{head} <X>\n"),
                None => format!("{l}\n"),
            })
            .collect::<String>();
        (run, text)
    };
    let serial = args(CALM, &["--test-threads", "1"]);
    for extra in [
        &[][..],
        &["--report-time", "-Z", "unstable-options"],
        &["--list"],
    ] {
        let a = args(&serial, extra);
        let ((ours, mine), (_, theirs)) = (log(&fx, &a), log(&twin, &a));
        assert_eq!(mine, theirs, "--logfile with {extra:?}");
        assert!(mine.lines().count() > 10, "{mine}");
        assert!(
            ours.stderr.contains("warning: `--logfile` is deprecated"),
            "{}",
            ours.stderr
        );
    }
    // A log that cannot be made stops the run before it starts.
    let run = fx.run_binary(&["--logfile", "/nonexistent/results.log"], &[]);
    assert_eq!(run.code, Some(101));
    assert!(!run.stdout.contains("running"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("error: cannot write the log file /nonexistent/results.log: "),
        "{}",
        run.stderr
    );

    for flags in [
        &["--bench"][..],
        &["--bench", "--test"],
        &["--bench", "--include-ignored"],
        &["--exclude-should-panic", "-Z", "unstable-options"],
        &["--list", "--exact", "no_such_test"],
        &["--list", "--exclude-should-panic", "-Z", "unstable-options"],
    ] {
        // (Child processes' output is captured here, libtest's is not.)
        let a = args(&args(&serial, &["--skip", "capture::"]), flags);
        let ours = fx.run_binary(&a, &unstable);
        let theirs = twin.run_binary(&a, &unstable);
        assert_eq!(ours.normalized(), theirs.normalized(), "{flags:?}");
        assert_eq!(ours.code, theirs.code, "{flags:?}");
    }
}

#[test]
fn crashes_are_reported_as_their_tests_failures() {
    // In parallel, among passing tests: each crash fails its own test only.
    let fx = fixture();
    let run = fx.run(&[
        "crash::",
        "outer",
        "quiet_pass",
        "result_ok",
        "should_panic_any",
        "--timeout",
        "1",
    ]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(
        result_lines(&run),
        [
            "test capture::quiet_pass ... ok",
            "test crash::aborts ... FAILED",
            "test crash::exits ... FAILED",
            "test crash::overflows_stack ... FAILED",
            "test crash::segfaults ... FAILED",
            "test crash::sleeps ... FAILED",
            "test outer::inner::passes ... ok",
            "test result_ok ... ok",
            "test should_panic_any - should panic ... ok",
        ]
    );
    assert_eq!(
        summary(&run),
        "test result: FAILED. 4 passed; 5 failed; 0 ignored; 0 measured; 10 filtered out; finished in X.XXs"
    );
    has_lines(
        &run.stdout,
        &[
            "note: process terminated by signal 6 (SIGABRT: aborted)",
            "note: process terminated by signal 11 (SIGSEGV: invalid memory reference)",
            "note: process exited with status 3 during the test",
            "note: test timed out after 1s (--timeout 1) and was killed",
        ],
    );
    // Serially, with the timeout from its environment twin: the whole report.
    let run = fx.run_with(
        &["crash::", "outer", "--test-threads", "1"],
        &[("AUTOPSY_TIMEOUT", "1")],
        "",
    );
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    snapshot("runner_crash", &run.normalized());
}

#[test]
fn show_output_and_nocapture() {
    let fx = fixture();
    let run = fx.run(&[
        "--show-output",
        "--test-threads",
        "1",
        "outer",
        "capture::",
        "result_",
    ]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    snapshot("runner_show_output", &run.normalized());

    // --nocapture: straight through, Rust, C and child processes alike; the
    // report then has no captured output to show.
    for flag in ["--nocapture", "--no-capture"] {
        let run = fx.run(&[flag, "--test-threads", "1", "capture::"]);
        assert_eq!(run.code, Some(101), "{}", run.stderr);
        // One test at a time, libtest prints `test NAME ... ` before the
        // test runs, so its output sits between the name and the status.
        // (C's stdio, fully buffered on a pipe, comes out at the worker's
        // exit, as it would at libtest's.)
        assert!(
            run.stdout.contains(
                "\nrunning 2 tests\ntest capture::child_process ... rust stdout\nchild stdout\nFAILED\n\
                 test capture::quiet_pass ... passing output\nok\n"
            ),
            "{}",
            run.stdout
        );
        has_lines(&run.stdout, &["c stdio"]);
        has_lines(
            &run.stderr,
            &["rust stderr", "child stderr", "show me the output"],
        );
        assert!(
            !run.stdout
                .contains("---- capture::child_process stdout ----"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("\nfailures:\n\nfailures:\n    capture::child_process\n"),
            "{}",
            run.stdout
        );
        assert_eq!(
            summary(&run),
            "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 17 filtered out; finished in X.XXs"
        );
    }
}

#[test]
fn filters_exact_and_skip() {
    let fx = fixture();
    // Several positional filters: substrings, any of them.
    let run = fx.run(&["outer", "result_", "--test-threads", "1"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    has_lines(&run.stdout, &["running 3 tests"]);
    assert_eq!(
        result_lines(&run),
        [
            "test outer::inner::passes ... ok",
            "test result_err ... FAILED",
            "test result_ok ... ok"
        ]
    );
    assert_eq!(
        summary(&run),
        "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 16 filtered out; finished in X.XXs"
    );
    has_lines(
        &run.stdout,
        &["Error: ParseIntError { kind: InvalidDigit }"],
    );

    // --exact: whole names only.
    let run = fx.run(&["--exact", "outer::inner::passes", "result_ok", "outer"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        result_lines(&run),
        ["test outer::inner::passes ... ok", "test result_ok ... ok"]
    );
    assert_eq!(
        summary(&run),
        "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 17 filtered out; finished in X.XXs"
    );

    // --skip, repeated; what is left passes.
    let run = fx.run(&[
        "--skip",
        "crash::",
        "--skip",
        "parallel::",
        "--skip",
        "capture::child",
        "--skip",
        "should_panic_but",
        "--skip",
        "should_panic_wrong",
        "--skip",
        "fails_",
        "--skip",
        "result_err",
    ]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        result_lines(&run),
        [
            "test capture::quiet_pass ... ok",
            "test ignored_plain ... ignored",
            "test ignored_reason ... ignored, needs the network",
            "test outer::inner::passes ... ok",
            "test result_ok ... ok",
            "test should_panic_any - should panic ... ok",
            "test should_panic_expected - should panic ... ok",
        ]
    );
    assert_eq!(
        summary(&run),
        "test result: ok. 5 passed; 0 failed; 2 ignored; 0 measured; 12 filtered out; finished in X.XXs"
    );

    // Nothing selected: libtest's empty run.
    let run = fx.run(&["--exact", "outer"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.normalized(),
        "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 19 filtered out; finished in X.XXs\n\n"
    );
}

#[test]
fn ignored_and_include_ignored() {
    let fx = fixture();
    let run = fx.run(&["--ignored", "--test-threads", "1"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(
        result_lines(&run),
        [
            "test ignored_plain ... ok",
            "test ignored_reason ... FAILED"
        ]
    );
    assert!(run.stdout.contains("ran an ignored test"), "{}", run.stdout);
    assert_eq!(
        summary(&run),
        "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 17 filtered out; finished in X.XXs"
    );

    let run = fx.run(&["--include-ignored", "ignored", "outer"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(
        result_lines(&run),
        [
            "test ignored_plain ... ok",
            "test ignored_reason ... FAILED",
            "test outer::inner::passes ... ok"
        ]
    );
    assert_eq!(
        summary(&run),
        "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 16 filtered out; finished in X.XXs"
    );
}

#[test]
fn list() {
    let fx = fixture();
    let run = fx.run(&["--list"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let names: String = ALL.iter().map(|n| format!("{n}: test\n")).collect();
    assert_eq!(run.stdout, format!("{names}\n19 tests, 0 benchmarks\n"));

    // What nextest reads: `name: test` lines and nothing else.
    let run = fx.run(&["--list", "--format", "terse"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, names);
    let run = fx.run(&["--list", "--format", "terse", "--ignored"]);
    assert_eq!(run.stdout, "ignored_plain: test\nignored_reason: test\n");
    let run = fx.run(&[
        "--list",
        "--format",
        "terse",
        "--exact",
        "result_ok",
        "--skip",
        "x",
    ]);
    assert_eq!(run.stdout, "result_ok: test\n");
}

#[test]
fn test_threads() {
    // `parallel::waits` sees `parallel::signals` running only when two
    // tests run at once.
    let fx = fixture();
    let serial = |run: Run| {
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        has_lines(&run.stdout, &["ran alone", "was not seen"]);
    };
    serial(fx.run(&["parallel::", "--show-output", "--test-threads", "1"]));
    serial(fx.run_with(
        &["parallel::", "--show-output"],
        &[("RUST_TEST_THREADS", "1")],
        "",
    ));
    let run = fx.run(&["parallel::", "--show-output", "--test-threads", "2"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    has_lines(&run.stdout, &["ran in parallel", "was seen running"]);
}

#[test]
fn color() {
    let fx = fixture();
    let run = fx.run(&["--color", "always", "outer", "fails_assert", "ignored_"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    has_lines(
        &run.stdout,
        &[
            "test outer::inner::passes ... \x1b[32mok\x1b[0m",
            "test fails_assert ... \x1b[31mFAILED\x1b[0m",
            "test ignored_plain ... \x1b[33mignored\x1b[0m",
            "test ignored_reason ... \x1b[33mignored, needs the network\x1b[0m",
        ],
    );
    assert!(
        run.stdout
            .contains("test result: \x1b[31mFAILED\x1b[0m. 1 passed;"),
        "{}",
        run.stdout
    );
    // Piped, `auto` is plain.
    let run = fx.run(&["outer"]);
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);

    // On a terminal: coloured by default, plain under NO_COLOR, and an
    // explicit --color always wins over NO_COLOR.
    let on_tty = |extra: &[&str], no_color: bool| -> String {
        let mut cmd = fx.command(&args(&["outer"], extra));
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
        p.exp_eof().expect("the run ends")
    };
    fx.build();
    assert!(on_tty(&[], false).contains("test outer::inner::passes ... \x1b[32mok\x1b[0m"));
    let plain = on_tty(&[], true);
    assert!(
        plain.contains("test outer::inner::passes ... ok"),
        "{plain:?}"
    );
    assert!(!plain.contains("\x1b[32m"), "{plain:?}");
    assert!(on_tty(&["--color", "always"], true).contains("... \x1b[32mok\x1b[0m"));
    assert!(!on_tty(&["--color", "never"], false).contains("\x1b[32m"));
}

#[test]
fn command_line_errors_help_and_compat_flags() {
    let fx = fixture();
    let run = fx.run(&["--frobnicate"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(
            "error: unknown flag '--frobnicate' for the autopsy test binary 'runner'\n\n\
             Run with --help to list every flag (libtest's and autopsy's).\n"
        ),
        "{}",
        run.stderr
    );

    let run = fx.run(&["--help"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let flags = [
        "--exact",
        "--skip <FILTER>",
        "--ignored",
        "--include-ignored",
        "--list",
        "--test-threads <N>",
        "--nocapture",
        "--no-capture",
        "--show-output",
        "-q, --quiet",
        "--color <auto|always|never>",
        "--format <pretty|terse|json>",
        "--timeout <SECS>",
        "--pdb",
        "--trace",
        "--reruns <N>",
        "--lf",
        "--ff",
        "--junit <PATH>",
        "--partition <count:K/N|hash:K/N>",
        "-Z <FLAG>",
        "--report-time",
        "-h, --help",
    ];
    for flag in flags {
        assert!(
            run.stdout.contains(flag),
            "--help does not show {flag}:\n{}",
            run.stdout
        );
    }
    for env in [
        "RUST_TEST_THREADS",
        "AUTOPSY_TIMEOUT",
        "AUTOPSY_PDB",
        "AUTOPSY_TRACE",
        "AUTOPSY_RERUNS",
        "AUTOPSY_JUNIT",
        "AUTOPSY_PARTITION",
    ] {
        assert!(
            run.stdout.contains(&format!("[env: {env}=]")),
            "--help does not show {env}:\n{}",
            run.stdout
        );
    }

    // What IDEs and cargo pass: accepted, and the run is a normal one, with
    // libtest's ` <0.001s>` after each status under --report-time.
    let run = fx.run(&["-Z", "unstable-options", "--report-time", "outer"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let timed = regex::Regex::new(r" <\d+\.\d{3}s>\n").unwrap();
    assert_eq!(
        timed.replace_all(&run.normalized(), " <T>\n"),
        "\nrunning 1 test\ntest outer::inner::passes ... ok <T>\n\n\
         test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 18 filtered out; finished in X.XXs\n\n"
    );

    // --shuffle as libtest's: the seed in the header, the same seed the same
    // order (not name order), and RUST_TEST_SHUFFLE_SEED as its twin.
    let shuffled = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec![
            "--test-threads",
            "1",
            "--skip",
            "crash::",
            "--skip",
            "parallel::",
        ];
        all.extend_from_slice(args);
        let run = fx.run_with(&all, env, "");
        assert!(
            run.stdout
                .starts_with("\nrunning 12 tests (shuffle seed: 7)\n"),
            "{}",
            run.stdout
        );
        run.stdout
            .lines()
            .filter(|l| l.starts_with("test ") && l.contains(" ... "))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let first = shuffled(&["--shuffle-seed", "7"], &[]);
    let again = shuffled(&[], &[("RUST_TEST_SHUFFLE_SEED", "7")]);
    assert_eq!(first, again);
    let mut sorted = first.clone();
    sorted.sort();
    assert_ne!(first, sorted, "seed 7 kept name order");
    let run = fx.run(&["--shuffle", "outer"]);
    assert!(
        regex::Regex::new(r"^\nrunning 1 test \(shuffle seed: \d+\)\n")
            .unwrap()
            .is_match(&run.stdout),
        "{}",
        run.stdout
    );

    // A bad value names its flag.
    let run = fx.run(&["--test-threads", "0"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--test-threads"), "{}", run.stderr);
}

#[test]
fn cargo_nextest_runs_the_binary() {
    let fx = fixture();
    fx.build();
    let nextest = |args: &[&str]| {
        let out = fx
            .cargo()
            .arg("nextest")
            .args(args)
            .output()
            .expect("cargo nextest");
        let run = Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        };
        assert!(
            !run.stderr.contains("no such command"),
            "cargo-nextest is not installed (cargo install cargo-nextest --locked)"
        );
        run
    };
    // Every test, by name (ignored ones under --run-ignored).
    let run = nextest(&[
        "list",
        "--run-ignored",
        "all",
        "--message-format",
        "oneline",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let listed: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("runner::runner "))
        .collect();
    assert_eq!(listed, ALL);

    // A run: each test in its own process through `--exact NAME --nocapture`.
    let run = nextest(&[
        "run",
        "--no-fail-fast",
        "--color",
        "never",
        "-E",
        "not test(=crash::sleeps)",
    ]);
    assert_eq!(run.code, Some(100), "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("16 tests run: 7 passed, 9 failed, 3 skipped"),
        "{all}"
    );
    for name in [
        "outer::inner::passes",
        "result_ok",
        "should_panic_any",
        "parallel::waits",
    ] {
        let passed = all
            .lines()
            .any(|l| l.trim_start().starts_with("PASS") && l.ends_with(&format!(" {name}")));
        assert!(passed, "{name} did not pass:\n{all}");
    }
    // nextest runs each test alone (`--exact NAME --nocapture`, stdin
    // `/dev/null`): autopsy runs it in its own process, as libtest does,
    // and a crash is nextest's to report, as for a libtest binary.
    for (signal, name) in [
        ("SIGSEGV", "crash::segfaults"),
        ("SIGABRT", "crash::aborts"),
    ] {
        let crashed = all
            .lines()
            .any(|l| l.trim_start().starts_with(signal) && l.ends_with(&format!(" {name}")));
        assert!(crashed, "{name} did not end with {signal}:\n{all}");
    }
    // A test that exits fails, where under libtest its status would decide.
    assert!(
        all.contains("autopsy: process exited with status 3 during the test"),
        "{all}"
    );
    for name in [
        "crash::exits",
        "fails_assert",
        "result_err",
        "should_panic_but_passes",
    ] {
        let failed = all
            .lines()
            .any(|l| l.trim_start().starts_with("FAIL") && l.ends_with(&format!(" {name}")));
        assert!(failed, "{name} did not fail:\n{all}");
    }

    // What nextest runs for one test: that test alone, its output on the terminal.
    let out = std::process::Command::new(fx.binary())
        .args(["--exact", "outer::inner::passes", "--nocapture"])
        .env_remove("RUST_TEST_THREADS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        normalize(&String::from_utf8_lossy(&out.stdout)),
        "\nrunning 1 test\nhello from passes\ntest outer::inner::passes ... ok\n\n\
         test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 18 filtered out; finished in X.XXs\n\n"
    );
}

/// `#[should_panic]` under `--pdb`, `--showlocals` and `AUTOPSY_DUMP`: the
/// panic a test expects is how it passes, so (as pytest's `--pdb` skips an
/// exception `pytest.raises` expects) it opens no prompt, prints no locals
/// and writes no dump; a panic with the wrong message is a failure like any
/// other. The verdicts are those of the same run without the flags.
#[test]
fn an_expected_panic_is_no_failure_to_debug() {
    let fx = fixture();
    let args = ["should_panic", "--test-threads", "1"];
    let plain = fx.run(&args);
    let pdb = fx.run_with(
        &[&args[..], &["--pdb", "--showlocals"]].concat(),
        &[],
        "c\nc\nc\nc\n",
    );
    assert_eq!(result_lines(&pdb), result_lines(&plain), "{}", pdb.stdout);
    assert_eq!(pdb.code, plain.code);
    let opened: Vec<&str> = pdb
        .stdout
        .lines()
        .filter_map(|l| l.split(">>> autopsy post-mortem: ").nth(1))
        .collect();
    assert_eq!(opened, ["should_panic_wrong_message"], "{}", pdb.stdout);
    // Without a prompt: a dump for the failure only.
    let dumps = autopsy_e2e::scratch("expected-panic-dumps");
    let dumps_s = dumps.display().to_string();
    let run = fx.run_binary(&[&args[..], &["--dump", &dumps_s]].concat(), &[]);
    assert_eq!(result_lines(&run), result_lines(&plain), "{}", run.stdout);
    let mut written: Vec<String> = std::fs::read_dir(&dumps)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].contains("should_panic_wrong_message"),
        "{written:?}"
    );
}
