//! The runner's workers: the first ones are copies of the runner (made by
//! `fork` before it starts a thread), so a constructor does not run again
//! in them; a worker started later (after a crash), or any worker of a
//! binary whose constructors started a thread, starts the binary again and
//! runs its constructors. A lone test that needs no worker (nextest's
//! `--exact NAME --nocapture`, stdin that can bring no commands) runs in
//! the runner itself, as under libtest. Told by `tests/fixtures/workers.rs`,
//! whose constructor and tests write their process ids to a log.

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
