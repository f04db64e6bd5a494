//! The runner's workers: the first ones are copies of the runner (made by
//! `fork` before it starts a thread), so a constructor does not run again
//! in them; a worker started later (after a crash), or any worker of a
//! binary whose constructors started a thread, starts the binary again and
//! runs its constructors. A lone test that needs no worker (nextest's
//! `--exact NAME --nocapture`, `cargo test NAME`, stdin that can bring no
//! commands) runs in the runner itself, as under libtest. Told by
//! `tests/fixtures/workers.rs`, whose constructor and tests write their
//! process ids to a log. Such a test that ends the process under capture is
//! reported as a worker's crash is: checked on `tests/fixtures/runner.rs`
//! and `tests/fixtures/lone.rs` against the same binary with a worker.

use std::collections::BTreeMap;

use autopsy_e2e::{normalize, Fixture};

/// Runs the fixture with `args` and `env`, and returns the log (the file
/// `name`.log: tests run at once): for each entry (`ctor` or a test's
/// name), the process ids that wrote it.
fn run(
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (autopsy_e2e::Run, BTreeMap<String, Vec<u32>>) {
    let fixture = Fixture::new("workers", "");
    let log = fixture.dir.join(format!("{name}.log"));
    let _ = std::fs::remove_file(&log);
    let log_s = log.to_string_lossy().into_owned();
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("WORKERS_LOG", &log_s));
    let run = fixture.run_with(args, &env, "");
    (run, read_log(&log))
}

/// The log at `path`: for each entry, the process ids that wrote it.
fn read_log(path: &std::path::Path) -> BTreeMap<String, Vec<u32>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut entries: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for line in text.lines() {
        let (what, pid) = line.split_once(' ').unwrap();
        entries
            .entry(what.to_string())
            .or_default()
            .push(pid.parse().unwrap());
    }
    entries
}

#[test]
fn the_first_workers_are_copies_of_the_runner() {
    let (run, log) = run("copies", &["--test-threads", "2"], &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // The constructor ran once, in the runner; the tests ran in two other
    // processes that never ran it.
    let ctor = &log["ctor"];
    assert_eq!(ctor.len(), 1, "{log:?}");
    let mut test_pids: Vec<u32> = ["a_aborts", "b_slow", "c_last"]
        .iter()
        .map(|t| log[*t][0])
        .collect();
    test_pids.sort();
    test_pids.dedup();
    assert_eq!(test_pids.len(), 2, "two workers ran the tests: {log:?}");
    assert!(!test_pids.contains(&ctor[0]), "{log:?}");
}

#[test]
fn a_worker_after_a_crash_starts_the_binary_again() {
    let (run, log) = run("crash", &["--test-threads", "1"], &[("WORKERS_ABORT", "1")]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("test a_aborts ... FAILED"),
        "{}",
        run.stdout
    );
    // The crashed worker was a copy (no constructor of its own); its
    // successor started the binary again and ran the constructor.
    let (ctor, crashed, after) = (&log["ctor"], log["a_aborts"][0], log["b_slow"][0]);
    assert_eq!(ctor.len(), 2, "{log:?}");
    assert!(!ctor.contains(&crashed), "{log:?}");
    assert!(ctor.contains(&after), "{log:?}");
    assert_eq!(log["c_last"], vec![after], "{log:?}");
}

#[test]
fn a_binary_whose_constructor_started_a_thread_starts_every_worker_afresh() {
    let (run, log) = run(
        "thread",
        &["--test-threads", "2"],
        &[("WORKERS_CTOR_THREAD", "1")],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // A copy of a process with two threads could find a lock held forever:
    // each worker ran the constructor itself.
    let ctor = &log["ctor"];
    for t in ["a_aborts", "b_slow", "c_last"] {
        assert!(ctor.contains(&log[t][0]), "{t}: {log:?}");
    }
    assert_eq!(ctor.len(), 3, "{log:?}");
}

/// Runs the built binary as nextest does (stdin `/dev/null`) with
/// `WORKERS_LOG` at `name`.log and `env`.
fn run_binary(
    fixture: &Fixture,
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (autopsy_e2e::Run, BTreeMap<String, Vec<u32>>) {
    let log = fixture.dir.join(format!("{name}.log"));
    let _ = std::fs::remove_file(&log);
    let log_s = log.to_string_lossy().into_owned();
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("WORKERS_LOG", &log_s));
    let run = fixture.run_binary(args, &env);
    (run, read_log(&log))
}

#[test]
fn a_lone_test_runs_in_the_runner_as_under_libtest() {
    let fixture = Fixture::new("workers", "");
    fixture.build();
    let twin = fixture.libtest_twin();
    twin.build();
    let args = ["--exact", "c_last", "--nocapture"];
    let (run, log) = run_binary(&fixture, "nextest", &args, &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // One process, which ran the constructor and the test.
    assert_eq!(log["ctor"], log["c_last"], "{log:?}");
    let (truth, _) = run_binary(&twin, "nextest", &args, &[]);
    assert_eq!(normalize(&run.stdout), normalize(&truth.stdout));

    // A test that crashes ends the run, as it ends libtest's (nextest
    // reports the signal).
    let args = ["--exact", "a_aborts", "--nocapture"];
    let (run, _) = run_binary(&fixture, "nextest_abort", &args, &[("WORKERS_ABORT", "1")]);
    let (truth, _) = run_binary(&twin, "nextest_abort", &args, &[("WORKERS_ABORT", "1")]);
    assert_eq!(run.code, None, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(truth.code, None, "{}\n{}", truth.stdout, truth.stderr);
    assert_eq!(normalize(&run.stdout), normalize(&truth.stdout));

    // Under capture too (`cargo test NAME`, an IDE's run of one test).
    let (run, log) = run_binary(&fixture, "captured", &["--exact", "c_last"], &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(log["ctor"], log["c_last"], "{log:?}");
    // A crash there keeps its output: the process starts its binary again
    // (the same pid, its constructor twice) to report it as a worker would.
    let abort = [("WORKERS_ABORT", "1")];
    let (run, log) = run_binary(&fixture, "captured_abort", &["--exact", "a_aborts"], &abort);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(log["a_aborts"].len(), 1, "{log:?}");
    assert_eq!(log["ctor"], [log["a_aborts"][0]; 2], "{log:?}");
    let worker_env = [abort[0], ("AUTOPSY_TIMEOUT", "100")];
    let (worker, log) = run_binary(
        &fixture,
        "worker_abort",
        &["--exact", "a_aborts"],
        &worker_env,
    );
    assert_ne!(log["ctor"], log["a_aborts"], "{log:?}");
    assert_eq!(normalize(&run.stdout), normalize(&worker.stdout));
    assert!(
        run.stdout
            .contains("note: process terminated by signal 6 (SIGABRT: aborted)\n"),
        "{}",
        run.stdout
    );

    // With stdin a pipe a prompt could read commands: a worker runs it.
    let (piped, log) = crate::run("piped", &["--exact", "c_last", "--nocapture"], &[]);
    assert_eq!(piped.code, Some(0), "{}\n{}", piped.stdout, piped.stderr);
    assert_ne!(log["ctor"], log["c_last"], "{log:?}");
}

/// One test under capture (`cargo test NAME`, an IDE's run of one test)
/// runs in the runner's own process, and its report is the one a worker
/// gives, crashes included: a test that ends the process is reported with
/// its captured output and the signal or exit status, because the process
/// starts its binary again to say so. The truth is the same binary with a
/// worker (`AUTOPSY_TIMEOUT` needs one), in every output format.
#[test]
fn a_lone_captured_test_is_reported_as_a_worker_reports_it() {
    let fx = Fixture::new("runner", "");
    fx.build();
    let exec_time = regex::Regex::new(r#""exec_time": [0-9.e-]+"#).unwrap();
    let junit_time = regex::Regex::new(r#"(time|timestamp)="[^"]*""#).unwrap();
    let junit_tid = regex::Regex::new(r"&apos; \(\d+\)").unwrap();
    let scratch = autopsy_e2e::scratch("lone-captured");
    let names = [
        "crash::aborts",
        "crash::exits",
        "crash::overflows_stack",
        "crash::segfaults",
        "capture::child_process",
        "capture::quiet_pass",
        "fails_assert",
        "outer::inner::passes",
        "result_err",
        "should_panic_wrong_message",
    ];
    let formats: [&[&str]; 4] = [
        &[],
        &["--show-output"],
        &["--format", "terse"],
        &["-Z", "unstable-options", "--format", "json"],
    ];
    for name in names {
        for format in formats {
            let junit = |how: &str| scratch.join(format!("{}-{how}.xml", name.replace("::", "-")));
            let run = |how: &str, env: &[(&str, &str)]| {
                let junit = junit(how).display().to_string();
                let args = [&["--exact", name, "--junit", &junit][..], format].concat();
                let run = fx.run_binary(&args, env);
                let xml = std::fs::read_to_string(&junit).unwrap_or_default();
                let stdout = exec_time
                    .replace_all(&run.normalized(), r#""exec_time": T"#)
                    .into_owned();
                let xml = junit_time.replace_all(&xml, "$1=\"T\"");
                let xml = junit_tid.replace_all(&xml, "&apos;").into_owned();
                (run.code, stdout, xml)
            };
            let (code, stdout, xml) = run("inline", &[]);
            let worker = run("worker", &[("AUTOPSY_TIMEOUT", "100")]);
            assert_eq!(
                (code, &stdout, &xml),
                (worker.0, &worker.1, &worker.2),
                "{name} {format:?}"
            );
            assert!(
                stdout.contains(name) || format == ["--format", "terse"],
                "{stdout}"
            );
        }
    }
    // A crash's report, with its captured output (the worker's too).
    let run = fx.run_binary(&["--exact", "crash::segfaults"], &[]);
    assert_eq!(run.code, Some(101));
    let stdout = run.normalized();
    assert!(
        stdout.contains(
            "---- crash::segfaults stdout ----\nabout to segfault\n\
             note: process terminated by signal 11 (SIGSEGV: invalid memory reference)\n"
        ),
        "{stdout}"
    );
}

/// What a lone captured test can do to its process beyond the fixture's
/// crashes (`tests/fixtures/lone.rs`): crash on a thread of its own, exit
/// with 0, fork a child that crashes. Reported as a worker reports them
/// (`AUTOPSY_TIMEOUT` needs one); the forked child dies of its signal and
/// the test passes.
#[test]
fn a_lone_captured_test_that_forks_or_exits_is_reported_as_a_worker_reports_it() {
    let fx = Fixture::new("lone", "\n[dev-dependencies.libc]\nversion = \"0.2\"\n");
    fx.build();
    let cases = [
        (
            "crashes_on_a_thread",
            Some(101),
            "note: process terminated by signal 11",
        ),
        (
            "exits_zero",
            Some(101),
            "note: process exited with status 0 during the test",
        ),
        (
            "forked_child_crashes",
            Some(0),
            "test forked_child_crashes ... ok",
        ),
    ];
    for (name, code, says) in cases {
        for flags in [&[][..], &["--show-output"]] {
            let args = [&["--exact", name][..], flags].concat();
            let run = fx.run_binary(&args, &[]);
            let worker = fx.run_binary(&args, &[("AUTOPSY_TIMEOUT", "100")]);
            assert_eq!(run.code, code, "{name}: {}\n{}", run.stdout, run.stderr);
            assert_eq!(run.normalized(), worker.normalized(), "{name} {flags:?}");
            assert!(run.stdout.contains(says), "{name}: {}", run.stdout);
            assert_eq!(
                run.stdout.matches("running 1 test").count(),
                1,
                "{}",
                run.stdout
            );
        }
    }
    // A handler a constructor installed runs first, as in a worker.
    let handler = [("LONE_ABORT_HANDLER", "1")];
    let args = ["--exact", "moves_and_crashes"];
    let run = fx.run_binary(&args, &handler);
    let worker = fx.run_binary(&args, &[handler[0], ("AUTOPSY_TIMEOUT", "100")]);
    assert_eq!(run.normalized(), worker.normalized());
    assert!(
        run.stdout.contains(
            "a constructor's SIGABRT handler ran\nnote: process terminated by signal 6 (SIGABRT: aborted)\n"
        ),
        "{}",
        run.stdout
    );
    // A relative --junit path is the run's, not the test's new directory.
    let report = fx.dir.join("moved.xml");
    let _ = std::fs::remove_file(&report);
    let args = ["--exact", "moves_and_crashes", "--junit", "moved.xml"];
    let run = fx.run_binary(&args, &[]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    let xml = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(xml.contains("process terminated by signal 6"), "{xml}");
    for flag in ["--show-output", "--nocapture"] {
        let _ = std::fs::remove_file(&report);
        let args = ["--exact", "moves_and_passes", "--junit", "moved.xml", flag];
        let run = fx.run_binary(&args, &[]);
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        assert!(report.exists(), "{flag}: no {}", report.display());
    }
}
