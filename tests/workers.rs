//! The runner's workers: the first ones are copies of the runner (made by
//! `fork` before it starts a thread), so a constructor does not run again
//! in them; a worker started later (after a crash), or any worker of a
//! binary whose constructors started a thread, starts the binary again and
//! runs its constructors. Told by `tests/fixtures/workers.rs`, whose
//! constructor and tests write their process ids to a log.

use std::collections::BTreeMap;

use autopsy_e2e::Fixture;

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
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut entries: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for line in text.lines() {
        let (what, pid) = line.split_once(' ').unwrap();
        entries
            .entry(what.to_string())
            .or_default()
            .push(pid.parse().unwrap());
    }
    (run, entries)
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
