//! A test that damages its worker harms no other (issue 11): tests that
//! close or redirect fds 1 and 2, replace the panic hook, leave processes
//! running or read stdin, a prompt fed bytes that are not UTF-8, and Ctrl-C
//! in the middle of a run. The suite is `tests/fixtures/hostile.rs`; each
//! module there is one case, run one test at a time so that its tests
//! share a worker.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use autopsy_e2e::{normalize, result_lines, run_killed_after_bytes, Fixture, Run};

fn fixture() -> Fixture {
    Fixture::new("hostile", "")
}

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// The line of tests/fixtures/hostile.rs that contains `needle`.
fn line_of(needle: &str) -> usize {
    autopsy_e2e::line_in("tests/fixtures/hostile.rs", needle)
}

/// Runs `cargo test --test hostile -- args` with `stdin` piped (bytes, as
/// given) and checks it did not hang.
fn run_piped(fx: &Fixture, args: &[&str], stdin: &[u8]) -> Run {
    fx.build();
    let mut cmd = fx.command(args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (run, killed) = run_killed_after_bytes(cmd, Some(stdin), LIMIT);
    assert!(!killed, "the run hung:\n{}\n{}", run.stdout, run.stderr);
    run
}

#[track_caller]
fn contains(text: &str, want: &str) {
    assert!(text.contains(want), "no {want:?} in:\n{text}");
}

#[track_caller]
fn lacks(text: &str, unwanted: &str) {
    assert!(!text.contains(unwanted), "{unwanted:?} in:\n{text}");
}

#[test]
fn a_test_that_closes_or_redirects_fds_1_and_2_silences_no_later_test() {
    let fx = fixture();
    let later = format!(
        "---- fd::c_fails_later stdout ----\nc: output of a later test\n\n\
         thread 'fd::c_fails_later' panicked at tests/hostile.rs:{}:9:\n\
         c: the later test's reason\n",
        line_of("panic!(\"c: the later test's reason\")")
    );
    // Captured: the later test's output and reason are in its report.
    let run = fx.run(&["fd::", "--test-threads", "1"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(
        result_lines(&run.stdout),
        [
            "test fd::a_closes_stdout_and_stderr ... ok",
            "test fd::b_points_them_at_dev_null ... ok",
            "test fd::c_fails_later ... FAILED",
            "test fd::d_closes_them_and_fails ... FAILED",
        ]
    );
    contains(&run.normalized(), &later);
    // The test that closed them keeps its output up to then, and its
    // reason (which its stderr could no longer say) is noted.
    contains(
        &run.stdout,
        "---- fd::d_closes_them_and_fails stdout ----\nd: before the damage\n\
         note: the test panicked: d: its own reason\n",
    );

    // --show-output: the damaging tests keep their output up to the damage.
    let run = fx.run(&["fd::", "--test-threads", "1", "--show-output"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    contains(
        &run.stdout,
        "---- fd::a_closes_stdout_and_stderr stdout ----\n\
         a: stdout before the damage\na: stderr before the damage\n\n",
    );
    contains(
        &run.stdout,
        "---- fd::b_points_them_at_dev_null stdout ----\nb: stdout before the damage\n\n",
    );
    lacks(&run.stdout, "after the damage");
    contains(&run.normalized(), &later);

    // --nocapture: straight through, before the damage and after it.
    let run = fx.run(&["fd::", "--test-threads", "1", "--nocapture"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    contains(
        &run.stdout,
        "test fd::a_closes_stdout_and_stderr ... a: stdout before the damage\nok\n",
    );
    contains(&run.stderr, "a: stderr before the damage\n");
    contains(
        &run.stdout,
        "test fd::c_fails_later ... c: output of a later test\nFAILED\n",
    );
    contains(&run.stderr, "c: the later test's reason\n");
    lacks(&run.stdout, "after the damage");
}

#[test]
fn a_replaced_panic_hook_leaves_pdb_and_showlocals_on_for_later_tests() {
    let fx = fixture();
    let replaced = "autopsy: this test replaced the panic hook (std::panic::set_hook or \
                    take_hook): its own hook ran instead of the post-mortem\n";
    let run = run_piped(
        &fx,
        &["--pdb", "hook::", "--test-threads", "1"],
        b"p secret\nc\n",
    );
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let out = normalize(&run.stdout);
    assert_eq!(
        result_lines(&out),
        [
            "test hook::a_takes_the_hook ... ok",
            "test hook::b_sets_its_own_hook ... FAILED",
            "test hook::c_fails_later ... FAILED",
        ]
    );
    // The later test gets its post-mortem; the one with its own hook, one
    // line saying why it got none.
    contains(&out, "\n>>> autopsy post-mortem: hook::c_fails_later\n");
    contains(&out, "(autopsy) p secret\n42\n");
    lacks(&out, "post-mortem: hook::b_sets_its_own_hook");
    contains(
        &out,
        &format!("---- hook::b_sets_its_own_hook stdout ----\nb: my own hook ran\n{replaced}"),
    );
    assert_eq!(out.matches(replaced).count(), 1, "{out}");

    // --showlocals, the same way.
    let run = fx.run(&["--showlocals", "hook::", "--test-threads", "1"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let out = normalize(&run.stdout);
    let c = out
        .split("---- hook::c_fails_later stdout ----")
        .nth(1)
        .unwrap_or_else(|| panic!("no report of c:\n{out}"));
    contains(c, "\n    secret = 42\n");
    contains(
        &out,
        &format!("---- hook::b_sets_its_own_hook stdout ----\nb: my own hook ran\n{replaced}"),
    );
    // Without --pdb or --showlocals nothing was lost: no line.
    let run = fx.run(&["hook::", "--test-threads", "1"]);
    lacks(&run.stdout, "replaced the panic hook");
}

#[test]
fn a_process_left_running_never_prints_under_another_tests_name() {
    let fx = fixture();
    for extra in [&[][..], &["--show-output"][..]] {
        let mut args = vec!["child::", "--test-threads", "1"];
        args.extend_from_slice(extra);
        let run = fx.run(&args);
        assert_eq!(run.code, Some(101), "{}", run.stderr);
        assert_eq!(
            result_lines(&run.stdout),
            [
                "test child::a_leaves_a_child_running ... ok",
                "test child::b_leaves_a_grandchild_running ... ok",
                "test child::c_fails_later ... FAILED",
            ]
        );
        contains(
            &run.stdout,
            "---- child::c_fails_later stdout ----\nc: output of a later test\n\n",
        );
        lacks(&run.stdout, "late output");
    }
}

#[test]
fn under_pdb_a_test_reading_stdin_leaves_the_commands_to_the_prompt() {
    let fx = fixture();
    let run = run_piped(&fx, &["--pdb", "stdin::"], b"p seen\nc\n");
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    // Under capture the test reads an empty stdin, as under pytest.
    contains(&run.stdout, "the test read \"\"\n");
    contains(&run.stdout, "(autopsy) p seen\n1000\n");
    contains(&run.stdout, "test stdin::reads_stdin ... FAILED\n");

    // --nocapture: the test has the run's stdin, commands and all.
    let run = run_piped(&fx, &["--pdb", "--nocapture", "stdin::"], b"p seen\nc\n");
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    contains(&run.stdout, "the test read \"p seen\\nc\\n\"\n");
}

#[test]
fn a_prompt_line_that_is_not_utf8_is_reported_and_reading_goes_on() {
    let fx = fixture();
    let run = run_piped(&fx, &["--pdb", "stdin::"], b"p \xff\xfe\np seen\nc\n");
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    contains(
        &run.stdout,
        "(autopsy) p \u{fffd}\u{fffd}\n*** this line is not UTF-8, ignored\n\
         (autopsy) p seen\n1000\n(autopsy) c\n",
    );
}

#[test]
fn ctrl_c_prints_the_summary_of_what_finished_and_exits_130() {
    let fx = fixture();
    let marker = autopsy_e2e::root().join("target/e2e/hostile-interrupt.marker");
    let _ = std::fs::remove_file(&marker);
    let mut child = Command::new(fx.binary())
        .args(["interrupt::", "--test-threads", "1"])
        .env("HOSTILE_MARKER", &marker)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_TEST_THREADS")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, as a terminal's foreground job is: Ctrl-C
        // reaches the runner and its workers alike.
        .process_group(0)
        .spawn()
        .unwrap();
    let group = child.id() as i32;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(LIMIT);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "interrupt::c never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-INT", "--", &format!("-{group}")])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status();
            panic!("the run did not end after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = normalize(&reader.join().unwrap());
    let stderr = err_reader.join().unwrap();
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert_eq!(
        result_lines(&stdout),
        [
            "test interrupt::a_passes ... ok",
            "test interrupt::b_fails ... FAILED",
        ]
    );
    contains(&stdout, "---- interrupt::b_fails stdout ----\n");
    contains(
        &stdout,
        "\nfailures:\n    interrupt::b_fails\n\n\
         interrupted (Ctrl-C): the run was stopped early\n\n\
         test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; ",
    );
    lacks(&stdout, "c_is_interrupted");
}
