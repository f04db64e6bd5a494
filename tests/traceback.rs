//! The traceback API, `post_mortem!` and `?` in `#[autopsy::trace]`
//! helpers (issue 10 §5 and §6), as a user meets them: a real crate
//! (tests/fixtures/tracebacks*.rs) with a library, a small program and a
//! test suite, run with `cargo run` and `cargo test -- ...`.
//!
//! Values are checked against Rust itself: the fixture prints `{:?}` of
//! each local next to the traceback that shows it.

use std::process::Stdio;
use std::sync::OnceLock;

use autopsy_e2e::{normalize, run_killed_after, Fixture, Run};

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// The fixture crate `tracebacks`: its library (src/lib.rs), its program
/// `batchjob` (src/main.rs) and its test target `tracebacks`.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let harness = autopsy_e2e::root().join("harness");
        let f = Fixture::new(
            "tracebacks",
            &format!(
                "\n[dependencies]\nautopsy = {{ path = \"{}\" }}\n\n[[bin]]\nname = \"batchjob\"\npath = \"src/main.rs\"\n",
                harness.display()
            ),
        );
        for (fixture, to) in [
            ("tracebacks_lib.rs", "src/lib.rs"),
            ("tracebacks_main.rs", "src/main.rs"),
        ] {
            let text = std::fs::read_to_string(autopsy_e2e::root().join("tests/fixtures").join(fixture))
                .unwrap();
            std::fs::write(f.dir.join(to), text).unwrap();
        }
        f
    })
}

/// The line of tests/fixtures/`file` that contains `needle` (the first).
fn line_in(file: &str, needle: &str) -> usize {
    autopsy_e2e::line_in(&format!("tests/fixtures/{file}"), needle)
}

/// `  File "FILE", line N, in FUNCTION` and the source line, as Python
/// prints a frame, the line found by its text.
fn frame(file: &str, fixture: &str, needle: &str, function: &str) -> String {
    format!(
        "  File \"{file}\", line {}, in {function}\n    {}\n",
        line_in(fixture, needle),
        needle.trim()
    )
}

/// The value a `NAME = {:?}` line of the output gives.
fn printed<'a>(out: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name} = ");
    out.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no `{name} = ` line in:\n{out}"))
}

/// The text between the line `start` and the line `end` (`""`: the end).
fn section<'a>(out: &'a str, start: &str, end: &str) -> &'a str {
    let from = out
        .find(&format!("{start}\n"))
        .unwrap_or_else(|| panic!("no {start:?} in:\n{out}"))
        + start.len()
        + 1;
    let rest = &out[from..];
    if end.is_empty() {
        return rest;
    }
    &rest[..rest
        .find(&format!("\n{end}\n"))
        .map_or(rest.len(), |i| i + 1)]
}

/// Runs the program with stdin closed to /dev/null.
fn run_program() -> Run {
    let f = fixture();
    f.build();
    let mut cmd = f.cargo();
    cmd.args(["run", "-q", "--bin", "batchjob"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (run, killed) = run_killed_after(cmd, None, LIMIT);
    assert!(!killed, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    run
}

#[test]
fn program_captures_and_prints_pythons_layout_with_locals() {
    let run = run_program();
    let out = &run.stdout;
    let row = printed(out, "row");
    let limit = printed(out, "limit");
    let main = "src/main.rs";
    let locals = format!("    row = {row}\n    limit = {limit}\n");
    let expected = [
        "Traceback (most recent call last):\n".to_string(),
        frame(
            main,
            "tracebacks_main.rs",
            "capture_demo();",
            "batchjob::main",
        ),
        frame(
            main,
            "tracebacks_main.rs",
            "let tb = report(&row, limit);",
            "batchjob::capture_demo",
        ),
        locals.clone(),
        frame(
            "src/lib.rs",
            "tracebacks_lib.rs",
            "autopsy::Traceback::capture().with_locals()",
            "tracebacks::report",
        ),
        locals,
    ]
    .concat();
    assert_eq!(section(out, "---- display", "---- alternate"), expected);
    // with_locals() reads on the capturing thread, and only there: here
    // `row`, `limit` and `tb` of capture_demo.
    assert_eq!(
        section(out, "---- threads", "---- accessors"),
        "this thread: 3\nanother thread: 0\n"
    );

    // `{:#}`: every frame, the user's among them, std's outside them.
    let all = section(out, "---- alternate", "---- threads");
    assert!(
        all.starts_with("Traceback (most recent call last):\n"),
        "{all}"
    );
    assert!(all.contains("in std::rt::lang_start"), "{all}");
    let user_part = &expected["Traceback (most recent call last):\n".len()..];
    assert!(all.contains(user_part), "{all}");
    let frames = all.matches("\n  File \"").count();
    assert!(frames > 3, "{all}");
    // The innermost frame is the caller of capture(), none of autopsy's.
    assert!(all.ends_with(&format!("    limit = {limit}\n")), "{all}");
    assert!(!all.contains(", in autopsy::"), "{all}");

    // The accessors: your frames, oldest first.
    let report_line = line_in("tracebacks_lib.rs", "autopsy::Traceback::capture()");
    assert_eq!(
        section(out, "---- accessors", "").lines().collect::<Vec<_>>()[..3],
        [
            format!(
                "batchjob::main | src/main.rs | {} | Some(\"capture_demo();\") | []",
                line_in("tracebacks_main.rs", "capture_demo();")
            ),
            format!(
                "batchjob::capture_demo | src/main.rs | {} | Some(\"let tb = report(&row, limit);\") | [(\"row\", {row:?}), (\"limit\", {limit:?})]",
                line_in("tracebacks_main.rs", "let tb = report(&row, limit);")
            ),
            format!(
                "tracebacks::report | src/lib.rs | {report_line} | Some(\"autopsy::Traceback::capture().with_locals()\") | [(\"row\", {row:?}), (\"limit\", {limit:?})]"
            ),
        ]
    );
}

#[test]
fn program_formats_a_three_level_chain_oldest_cause_first() {
    let run = run_program();
    assert_eq!(
        section(&run.stdout, "---- chain", "---- post_mortem"),
        concat!(
            "Error: invalid digit found in string\n",
            "\n",
            "The above error was the direct cause of the following error:\n",
            "\n",
            "Error: bad amount in row 2\n",
            "\n",
            "The above error was the direct cause of the following error:\n",
            "\n",
            "Error: cannot load batch.csv\n",
        )
    );
}

#[test]
fn program_post_mortem_without_the_harness_prints_the_traceback_with_locals() {
    let run = run_program();
    let err = printed(&run.stdout, "err");
    let at = line_in("tracebacks_main.rs", "autopsy::post_mortem!(&err);");
    assert_eq!(
        run.stderr,
        [
            format!("autopsy: post_mortem!() at src/main.rs:{at} (no prompt: not running under the autopsy harness)\n"),
            "Traceback (most recent call last):\n".into(),
            frame("src/main.rs", "tracebacks_main.rs", "chain_demo();", "batchjob::main"),
            frame(
                "src/main.rs",
                "tracebacks_main.rs",
                "autopsy::post_mortem!(&err);",
                "batchjob::chain_demo"
            ),
            format!("    err = {err}\n"),
            format!("Error: {err}\n"),
        ]
        .concat()
    );
    // The program goes on after it.
    assert!(run.stdout.ends_with("---- after\n"), "{}", run.stdout);
}

/// `cargo test --test tracebacks -- args` with `stdin` (None: /dev/null).
fn suite(args: &[&str], stdin: Option<&str>) -> Run {
    let (run, killed) = fixture().run_timeout(args, &[], stdin, LIMIT);
    assert!(!killed, "hung:\n{}\n{}", run.stdout, run.stderr);
    Run {
        stdout: normalize(&run.stdout),
        ..run
    }
}

const SUITE: &str = "tracebacks.rs";

#[test]
fn suite_captures_and_formats_in_tests() {
    let run = suite(
        &["--show-output", "captures_in_a_test", "formats_a_chain"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let captured = section(out, "---- captures_in_a_test stdout ----", "");
    let row = printed(captured, "row");
    let file = "tests/tracebacks.rs";
    let locals = format!("    row = {row}\n    limit = 3\n");
    let expected = [
        format!("row = {row}\n"),
        "Traceback (most recent call last):\n".into(),
        frame(
            file,
            SUITE,
            "let tb = report(&row, limit);",
            "tracebacks::captures_in_a_test",
        ),
        locals.clone(),
        frame(
            "src/lib.rs",
            "tracebacks_lib.rs",
            "autopsy::Traceback::capture().with_locals()",
            "tracebacks::report",
        ),
        locals,
        "\n".into(),
    ]
    .concat();
    assert!(
        captured.starts_with(&expected),
        "{captured}\n---- expected\n{expected}"
    );
    let chain = section(out, "---- formats_a_chain stdout ----", "");
    assert!(
        chain.starts_with(concat!(
            "Error: invalid digit found in string\n",
            "\n",
            "The above error was the direct cause of the following error:\n",
            "\n",
            "Error: bad amount in row 2\n",
            "\n",
            "The above error was the direct cause of the following error:\n",
            "\n",
            "Error: cannot load batch.csv\n",
            "\n",
        )),
        "{chain}"
    );
}

/// Everything up to the first prompt.
fn header(stdout: &str) -> &str {
    let start = stdout.find("\n>>> autopsy").expect("a prompt header");
    let end = stdout.find("(autopsy) ").expect("a prompt");
    &stdout[start..end]
}

/// What each command printed, in order, after the header.
fn answers(stdout: &str) -> Vec<(&str, &str)> {
    stdout
        .split("(autopsy) ")
        .skip(1)
        .map(|chunk| chunk.split_once('\n').unwrap_or((chunk, "")))
        .collect()
}

#[test]
fn post_mortem_opens_the_prompt_in_the_callers_frame() {
    let run = suite(
        &["--pdb", "caught_error", "--exact"],
        Some("p input\np err\nwhere\nn\nc\n"),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let err_debug = "ParseIntError { kind: InvalidDigit }";
    let at = line_in(SUITE, "autopsy::post_mortem!(err);");
    assert_eq!(
        header(out),
        [
            "\n>>> autopsy post-mortem: caught_error\n".to_string(),
            "---- caught_error output so far ----\n".into(),
            format!("err = {err_debug}\n\n"),
            format!(
                "thread 'caught_error' caught an error at tests/tracebacks.rs:{at}:\n{err_debug}\n"
            ),
            "\nTraceback (most recent call last):\n".into(),
            frame(
                "tests/tracebacks.rs",
                SUITE,
                "autopsy::post_mortem!(err);",
                "tracebacks::caught_error"
            ),
            "\n".into(),
            format!("> tests/tracebacks.rs({at})caught_error()\n"),
            "-> autopsy::post_mortem!(err);\n".into(),
        ]
        .concat()
    );
    let ex = answers(out);
    assert_eq!(ex[0], ("p input", "\"12x\"\n"));
    assert_eq!(ex[1], ("p err", &*format!("{err_debug}\n")));
    // `where`: the caller's frame is the one selected.
    let selected = ex[2].1.lines().find(|l| l.starts_with("> #"));
    assert!(
        selected.is_some_and(|l| l.ends_with(&format!(
            " tests/tracebacks.rs:{at} in tracebacks::caught_error"
        ))),
        "{}",
        ex[2].1
    );
    assert_eq!(
        ex[3],
        (
            "n",
            "*** post_mortem!() does not step: c goes on after it, q quits\n"
        )
    );
    assert_eq!(ex[4].0, "c");
    // `c` goes on after the macro; the test passes.
    assert!(ex[4].1.contains("test caught_error ... ok\n"), "{out}");
}

#[test]
fn post_mortem_without_input_prints_the_traceback_into_the_output() {
    let run = suite(&["--pdb", "--show-output", "caught_error", "--exact"], None);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(!out.contains("(autopsy)"), "{out}");
    let at = line_in(SUITE, "autopsy::post_mortem!(err);");
    let err_debug = "ParseIntError { kind: InvalidDigit }";
    let captured = section(out, "---- caught_error stdout ----", "");
    let expected = [
        format!("err = {err_debug}\n"),
        format!("autopsy: post_mortem!() at tests/tracebacks.rs:{at} (no prompt: no terminal or piped commands)\n"),
        "Traceback (most recent call last):\n".into(),
        frame(
            "tests/tracebacks.rs",
            SUITE,
            "autopsy::post_mortem!(err);",
            "tracebacks::caught_error",
        ),
        "    input = \"12x\"\n".into(),
        format!("    parsed = Err({err_debug})\n"),
        format!("    err = {err_debug}\n"),
        format!("Error: {err_debug}\n"),
        "after post_mortem\n".into(),
    ]
    .concat();
    assert!(
        captured.starts_with(&expected),
        "{captured}\n---- expected\n{expected}"
    );
}

#[test]
fn question_in_a_traced_helper_stops_in_the_helper() {
    let run = suite(
        &["--pdb", "question_in_helper", "--exact"],
        Some("p trimmed\nup\np first\nc\n"),
    );
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let q = line_in(SUITE, "let amount: u32 = trimmed.parse()?;");
    assert_eq!(
        header(out),
        [
            "\n>>> autopsy post-mortem: question_in_helper\n".to_string(),
            "---- question_in_helper output so far ----\n".into(),
            "trimmed = \"7\"\ntrimmed = \"n/a\"\n\n".into(),
            format!("thread 'question_in_helper' returned early at tests/tracebacks.rs:{q} through `?`:\n"),
            "ParseIntError { kind: InvalidDigit }\n".into(),
            "\nTraceback (most recent call last):\n".into(),
            frame(
                "tests/tracebacks.rs",
                SUITE,
                "let second = parse_amount(\" n/a\")?;",
                "tracebacks::question_in_helper"
            ),
            frame(
                "tests/tracebacks.rs",
                SUITE,
                "let amount: u32 = trimmed.parse()?;",
                "tracebacks::parse_amount"
            ),
            "\n".into(),
            format!("> tests/tracebacks.rs({q})parse_amount()\n"),
            "-> let amount: u32 = trimmed.parse()?;\n".into(),
        ]
        .concat()
    );
    let ex = answers(out);
    assert_eq!(ex[0], ("p trimmed", "\"n/a\"\n"));
    assert_eq!(ex[2], ("p first", "7\n"));
    // The same error going up through the test body's `?` does not stop
    // again: one prompt, then the test's failure.
    assert_eq!(out.matches("(autopsy) ").count(), 4, "{out}");
    assert!(
        out.contains("test question_in_helper ... FAILED\n"),
        "{out}"
    );
    assert!(
        out.contains("Error: ParseIntError { kind: InvalidDigit }\n"),
        "{out}"
    );
}
