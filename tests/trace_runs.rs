//! `--trace` and `autopsy::breakpoint!()` (issue 4) over whole runs:
//! `breakpoint!()` without `--trace`, a failure mid-trace, the env twin, end
//! of input (CI), a real pseudo-terminal; and `--pdb` with `--reruns`
//! (issue 5): the prompt opens once, on the last failing attempt. Stepping
//! itself is in tests/trace.rs.
//!
//! Expected transcripts are built from the fixture's own source: lines are
//! found by their text, so the fixture may move.

use std::process::Command;

use autopsy_e2e::{normalize, Run};

#[path = "support/trace.rs"]
mod support;
use support::*;

// --- breakpoint!(), failures ------------------------------------------------

#[test]
fn breakpoint_macro_in_library_code_opens_in_the_helper_then_next_goes_on_in_the_caller() {
    // No --trace: the macro alone opens the prompt.
    let run = session(
        &["uses_breakpoint", "--exact"],
        &[],
        &["locals", "a", "up", "p values", "down", "n", "locals", "n"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let bp = line("autopsy::breakpoint!();");
    let call = line("let doubled = library_helper(&values);");
    let expected = [
        "\n>>> autopsy breakpoint: uses_breakpoint\n".to_string(),
        format!("thread 'uses_breakpoint' stopped at breakpoint!() in tests/trace.rs:{bp}\n"),
        "\nTraceback (most recent call last):\n".into(),
        format!("  File \"tests/trace.rs\", line {call}, in trace::uses_breakpoint\n    let doubled = library_helper(&values);\n"),
        format!("  File \"tests/trace.rs\", line {bp}, in trace::library_helper\n    autopsy::breakpoint!();\n"),
        "\n".into(),
        at("library_helper", "autopsy::breakpoint!();"),
        cmd("locals"),
        "values = [4, 5]\ntotal = 9\n".into(),
        cmd("a"),
        "values = [4, 5]\n".into(),
        cmd("up"),
        at("uses_breakpoint", "let doubled = library_helper(&values);"),
        cmd("p values"),
        "[4, 5]\n".into(),
        cmd("down"),
        at("library_helper", "autopsy::breakpoint!();"),
        // The helper is not instrumented: `n` stops next in its caller,
        // with the call's result in place, and no second header.
        cmd("n"),
        at("uses_breakpoint", "assert_eq!(doubled, 18);"),
        cmd("locals"),
        "values = [4, 5]\ndoubled = 18\n".into(),
        cmd("n"),
        "test uses_breakpoint ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
    assert_eq!(run.test_result(), ONE_PASSED);
}

#[test]
fn a_failure_mid_trace_opens_the_post_mortem() {
    let run = session(
        &["--trace", "fails_midway", "--exact"],
        &[],
        &["n", "n", "p sum", "n", "n", "p sum", "c"],
    );
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let failing = line("assert_eq!(sum, 7,");
    let expected = [
        "\n>>> autopsy trace: fails_midway\n".to_string(),
        at("fails_midway", "let values = vec![1, 2, 3];"),
        cmd("n"),
        at("fails_midway", "let sum: u32 = values.iter().sum();"),
        cmd("n"),
        at("fails_midway", "assert_eq!(sum, 7,"),
        cmd("p sum"),
        "6\n".into(),
        cmd("n"),
        "\n>>> autopsy post-mortem: fails_midway\n".into(),
        format!("thread 'fails_midway' panicked at tests/trace.rs:{failing}:5:\n"),
        "assertion `left == right` failed: sum of [1, 2, 3]\n  left: 6\n right: 7\n".into(),
        "\nTraceback (most recent call last):\n".into(),
        format!(
            "  File \"tests/trace.rs\", line {failing}, in trace::fails_midway\n    assert_eq!(sum, 7, \"sum of {{values:?}}\");\n"
        ),
        "\n".into(),
        at("fails_midway", "assert_eq!(sum, 7,"),
        // A failed test has nothing left to step through.
        cmd("n"),
        "*** the test has failed: there is nothing left to step through; c continues, q quits\n"
            .into(),
        cmd("p sum"),
        "6\n".into(),
        cmd("c"),
        "test fails_midway ... FAILED\n".into(),
    ]
    .concat();
    let b = body(&run);
    assert!(
        b.starts_with(&expected),
        "transcript differs\n--- expected (start) ---\n{expected}\n--- actual ---\n{b}"
    );
    // Then the failure is reported as without --trace.
    assert!(
        b.contains(&format!(
            "\n---- fails_midway stdout ----\n\nthread 'fails_midway' panicked at tests/trace.rs:{failing}:5:\nassertion `left == right` failed: sum of [1, 2, 3]\n  left: 6\n right: 7\n"
        )),
        "{b}"
    );
    assert_eq!(
        run.test_result(),
        "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 7 filtered out; finished in X.XXs"
    );
}

// --- the env twin, end of input ---------------------------------------------

#[test]
fn autopsy_trace_env_is_the_twin_of_the_flag() {
    let commands = ["n", "s", "p x", "c"];
    let flag = session(&["--trace", "over_plain", "--exact"], &[], &commands);
    let env = session(
        &["over_plain", "--exact"],
        &[("AUTOPSY_TRACE", "1")],
        &commands,
    );
    assert_eq!(env.code, Some(0), "{}", env.stderr);
    let expected = [
        "\n>>> autopsy trace: over_plain\n".to_string(),
        at("over_plain", "let a = plain_add(1, 2);"),
        cmd("n"),
        at("over_plain", "let b = scale(a, 3);"),
        cmd("s"),
        at("scale", "let doubled = x * factor;"),
        cmd("p x"),
        "3\n".into(),
        cmd("c"),
        "test over_plain ... ok\n".into(),
    ]
    .concat();
    same(&body(&env), &expected);
    same(&body(&flag), &expected);
}

/// The sorted result lines, the `failures:` list, the summary and the exit
/// code of a whole-suite run: what must not change under `--trace` when
/// nobody answers.
fn outcome(run: &Run) -> (Vec<String>, String, String, Option<i32>) {
    let mut lines = result_lines(&run.stdout);
    lines.sort();
    let failures = run
        .stdout
        .rsplit("\nfailures:\n")
        .next()
        .map(|t| t.split("\n\n").next().unwrap_or("").to_string())
        .unwrap_or_default();
    (lines, failures, run.test_result(), run.code)
}

#[test]
fn end_of_input_leaves_every_result_untouched() {
    let f = trace();
    let (plain, killed) = f.run_timeout(&[], &[], None, LIMIT);
    assert!(!killed, "the plain run hung:\n{}", plain.stdout);
    let want = outcome(&plain);
    assert_eq!(want.3, Some(101));
    assert_eq!(
        want.0,
        [
            "test fails_midway ... FAILED",
            "test kinds ... ok",
            "test over_plain ... ok",
            "test reruns::always_fails ... FAILED",
            "test reruns::passes_second ... FAILED",
            "test steps ... ok",
            "test traced_async ... ok",
            "test uses_breakpoint ... ok",
        ]
    );
    assert_eq!(
        want.1,
        "    fails_midway\n    reruns::always_fails\n    reruns::passes_second"
    );
    // CI: stdin is /dev/null. The first test's prompt reads end of input;
    // from then on nothing stops.
    let (ci, killed) = f.run_timeout(&["--trace"], &[], None, LIMIT);
    assert!(!killed, "--trace < /dev/null hung:\n{}", ci.stdout);
    assert_eq!(outcome(&ci), want, "{}", ci.stdout);
    assert_eq!(ci.stdout.matches("(autopsy) ").count(), 1, "{}", ci.stdout);
    assert!(
        ci.stdout.contains(&format!(
            "\n>>> autopsy trace: fails_midway\n{}(autopsy) \ntest fails_midway ... FAILED\n",
            at("fails_midway", "let values = vec![1, 2, 3];")
        )),
        "{}",
        ci.stdout
    );
    assert!(
        !ci.stdout.contains(">>> autopsy post-mortem"),
        "{}",
        ci.stdout
    );
    // Input that ends in the middle of a test: it runs to its end, and so
    // do the others.
    let run = session(&["--trace"], &[], &["n", "n"]);
    assert_eq!(outcome(&run), want, "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("(autopsy) ").count(),
        3,
        "{}",
        run.stdout
    );
    // The same through the environment.
    let (env, killed) = f.run_timeout(&[], &[("AUTOPSY_TRACE", "1")], None, LIMIT);
    assert!(!killed, "AUTOPSY_TRACE=1 < /dev/null hung:\n{}", env.stdout);
    assert_eq!(outcome(&env), want, "{}", env.stdout);
}

// --- a real terminal --------------------------------------------------------

/// PTY text without the line editor's escape sequences and with `\n` line
/// ends.
fn plain(text: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    re.replace_all(text, "")
        .replace("\r\n", "\n")
        .replace('\r', "")
}

fn pty_command(args: &[&str]) -> Command {
    let f = trace();
    f.build();
    let mut cmd = f.command(args);
    cmd.env("NO_COLOR", "1").env("TERM", "xterm");
    cmd
}

/// Sends `line` and returns what the terminal showed up to the next prompt.
fn pty_cmd(p: &mut rexpect::session::PtySession, line: &str) -> String {
    p.send_line(line).unwrap();
    let got = p
        .exp_string("(autopsy) ")
        .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
    plain(&got)
}

#[test]
fn pty_trace_next_step_return_breakpoint_display_sticky() {
    let cmd = pty_command(&["--trace", "steps", "--exact"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let head = plain(&p.exp_string("(autopsy) ").expect("the first stop"));
    assert!(
        head.ends_with(&format!(
            "\n>>> autopsy trace: steps\n{}",
            at("steps", "let mut total = 0;")
        )),
        "{head:?}"
    );
    let got = pty_cmd(&mut p, "n");
    assert!(
        got.ends_with(&format!(
            "n\n{}",
            at("steps", "let cfg = Config { timeout: 30")
        )),
        "{got:?}"
    );
    // An empty line repeats `n`.
    let got = pty_cmd(&mut p, "");
    assert!(got.ends_with(&at("steps", "for i in 0..3 {")), "{got:?}");
    let got = pty_cmd(&mut p, "display total");
    assert!(
        got.ends_with("display total\ndisplay total: 0\n"),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "n");
    assert!(
        got.ends_with(&at("steps", "total += scale(i, 2);")),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "s");
    assert!(
        got.ends_with(&at("scale", "let doubled = x * factor;")),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "locals");
    assert!(got.ends_with("locals\nx = 0\nfactor = 2\n"), "{got:?}");
    let got = pty_cmd(&mut p, "r");
    assert!(
        got.ends_with(&format!(
            "r\n{}display total: 1  [old: 0]\n",
            at("steps", "total += scale(i, 2);")
        )),
        "{got:?}"
    );
    let label = line("let label = format!");
    let got = pty_cmd(&mut p, &format!("b tests/trace.rs:{label}"));
    assert!(
        got.ends_with(&format!("Breakpoint 1 at tests/trace.rs:{label}\n")),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "c");
    assert!(
        got.ends_with(&format!(
            "c\n{}display total: 9  [old: 1]\n",
            at("steps", "let label = format!")
        )),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "sticky");
    assert!(
        got.ends_with(&sticky_view("fn steps() {", "let label = format!")),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "n");
    assert!(
        got.ends_with(&sticky_view(
            "fn steps() {",
            "assert_eq!(label, \"batch-9\");"
        )),
        "{got:?}"
    );
    // Ctrl-D continues: to the end of the test.
    p.send_control('d').unwrap();
    p.exp_string("test steps ... ok").expect("continued");
    p.exp_string("test result: ok. 1 passed")
        .expect("the summary");
    p.exp_eof().expect("the run ends");
}

#[test]
fn pty_breakpoint_macro_then_a_failure_under_trace() {
    let cmd = pty_command(&["uses_breakpoint", "--exact"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let head = plain(&p.exp_string("(autopsy) ").expect("the breakpoint"));
    assert!(
        head.contains("\n>>> autopsy breakpoint: uses_breakpoint\n"),
        "{head:?}"
    );
    assert!(
        head.ends_with(&at("library_helper", "autopsy::breakpoint!();")),
        "{head:?}"
    );
    let got = pty_cmd(&mut p, "p total");
    assert!(got.ends_with("p total\n9\n"), "{got:?}");
    let got = pty_cmd(&mut p, "n");
    assert!(
        got.ends_with(&format!(
            "n\n{}",
            at("uses_breakpoint", "assert_eq!(doubled, 18);")
        )),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "p doubled");
    assert!(got.ends_with("p doubled\n18\n"), "{got:?}");
    p.send_line("c").unwrap();
    p.exp_string("test uses_breakpoint ... ok").unwrap();
    p.exp_eof().expect("the run ends");

    let cmd = pty_command(&["--trace", "fails_midway", "--exact"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string(">>> autopsy trace: fails_midway").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    let got = pty_cmd(&mut p, "until 100");
    assert!(
        got.contains("\n>>> autopsy post-mortem: fails_midway\n"),
        "{got:?}"
    );
    assert!(
        got.ends_with(&at("fails_midway", "assert_eq!(sum, 7,")),
        "{got:?}"
    );
    let got = pty_cmd(&mut p, "p values");
    assert!(got.ends_with("p values\n[1, 2, 3]\n"), "{got:?}");
    p.send_line("c").unwrap();
    p.exp_string("test fails_midway ... FAILED").unwrap();
    p.exp_string("test result: FAILED. 0 passed; 1 failed")
        .unwrap();
    p.exp_eof().expect("the run ends");
}

// --- issue 5: --pdb with reruns -----------------------------------------------

#[test]
fn pdb_with_reruns_opens_once_on_the_last_failing_attempt() {
    // Enough `c`s for a prompt per attempt: only one may be used.
    let run = session(
        &["--pdb", "--reruns", "2", "reruns::always_fails", "--exact"],
        &[],
        &["p attempt", "c", "c", "c", "c"],
    );
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let out = normalize(&run.stdout);
    assert_eq!(out.matches(">>> autopsy post-mortem:").count(), 1, "{out}");
    let fail = line("panic!(\"failed on attempt {attempt}\");");
    let expected = [
        "test reruns::always_fails ... RERUN (attempt 1 of 3 failed: failed on attempt 1)\n"
            .to_string(),
        "test reruns::always_fails ... RERUN (attempt 2 of 3 failed: failed on attempt 2)\n".into(),
        "\n>>> autopsy post-mortem: reruns::always_fails (attempt 3 of 3)\n".into(),
        format!("thread 'reruns::always_fails' panicked at tests/trace.rs:{fail}:9:\n"),
        "failed on attempt 3\n".into(),
        "\nTraceback (most recent call last):\n".into(),
        format!(
            "  File \"tests/trace.rs\", line {fail}, in trace::reruns::always_fails\n    panic!(\"failed on attempt {{attempt}}\");\n"
        ),
        "\n".into(),
        at("always_fails", "panic!(\"failed on attempt {attempt}\");"),
        cmd("p attempt"),
        "3\n".into(),
        cmd("c"),
        "test reruns::always_fails ... FAILED (failed all 3 attempts)\n".into(),
    ]
    .concat();
    let b = body(&run);
    assert!(
        b.starts_with(&expected),
        "transcript differs\n--- expected (start) ---\n{expected}\n--- actual ---\n{b}"
    );
    // Each attempt's output is still reported.
    for n in 1..=3 {
        assert!(
            out.contains(&format!(
                "---- reruns::always_fails stdout (attempt {n} of 3) ----\n"
            )),
            "{out}"
        );
    }
}

#[test]
fn pdb_with_reruns_opens_nothing_for_a_test_that_passes_on_a_rerun() {
    let run = session(
        &["--pdb", "--reruns", "2", "reruns::passes_second", "--exact"],
        &[],
        &["c", "c", "c"],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = normalize(&run.stdout);
    assert!(!out.contains(">>> autopsy"), "{out}");
    assert!(!out.contains("(autopsy) "), "{out}");
    assert!(
        out.contains(
            "test reruns::passes_second ... RERUN (attempt 1 of 3 failed: flaky failure on attempt 1)\n\
             test reruns::passes_second ... ok (flaky: passed on attempt 2 of 3)\n"
        ),
        "{out}"
    );
    assert_eq!(run.test_result(), ONE_PASSED);
}
