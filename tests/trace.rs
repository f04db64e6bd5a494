//! `--trace` and `autopsy::breakpoint!()` (issue 4) as a user meets them:
//! `cargo test -- --trace` on a real suite (tests/fixtures/trace.rs), driven
//! through piped stdin and through a real pseudo-terminal, asserting the
//! text a person reads at each stop. Also `--pdb` with `--reruns` (issue 5):
//! the prompt opens once, on the last failing attempt.
//!
//! Expected transcripts are built from the fixture's own source: lines are
//! found by their text, so the fixture may move.

use std::process::Command;

use autopsy_e2e::{normalize, Fixture, Run};

/// The fixture (tests/fixtures/trace.rs): one crate, tests picked by name.
fn trace() -> Fixture {
    Fixture::new("trace", "")
}

fn fixture_source() -> String {
    std::fs::read_to_string(autopsy_e2e::root().join("tests/fixtures/trace.rs")).unwrap()
}

/// The line of the fixture that contains `needle` (the only one).
fn line(needle: &str) -> usize {
    let src = fixture_source();
    let found: Vec<usize> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "{needle:?} must be on exactly one line");
    found[0]
}

/// What a stop shows: pdb's `> file(line)function()` and `-> statement`.
fn at(func: &str, needle: &str) -> String {
    let n = line(needle);
    let text = fixture_source()
        .lines()
        .nth(n - 1)
        .unwrap()
        .trim()
        .to_string();
    format!("> tests/trace.rs({n}){func}()\n-> {text}\n")
}

/// `sticky`'s view: the function that holds `current`, from its `fn` line
/// to its closing brace, with the current line marked.
fn sticky_view(fn_needle: &str, current: &str) -> String {
    let src = fixture_source();
    let lines: Vec<&str> = src.lines().collect();
    let first = line(fn_needle);
    let last = (first..=lines.len())
        .find(|&n| lines[n - 1] == "}")
        .unwrap();
    let cur = line(current);
    (first..=last)
        .map(|n| {
            let text = lines[n - 1];
            if n == cur {
                format!("{n:>4} -> {text}\n")
            } else {
                format!("{n:>4}    {text}\n")
            }
        })
        .collect()
}

/// A command as a piped session shows it: the prompt, then the line read.
fn cmd(c: &str) -> String {
    format!("(autopsy) {c}\n")
}

/// `until` the loop's body.
fn until_body() -> String {
    format!("until {}", line("total += scale(i, 2);"))
}

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// Runs `cargo test --test trace -- ARGS` with `commands` piped, one a line.
fn session(args: &[&str], env: &[(&str, &str)], commands: &[&str]) -> Run {
    let f = trace();
    let stdin: String = commands.iter().map(|c| format!("{c}\n")).collect();
    let (run, killed) = f.run_timeout(args, env, Some(&stdin), LIMIT);
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// What a one-test run printed between `running 1 test` and the blank
/// line before `test result:`.
fn body(run: &Run) -> String {
    let out = normalize(&run.stdout);
    let start = out
        .find("running 1 test\n")
        .unwrap_or_else(|| panic!("not a one-test run:\n{out}\n{}", run.stderr))
        + "running 1 test\n".len();
    let end = out[start..]
        .find("\ntest result: ")
        .map(|e| start + e)
        .unwrap_or(out.len());
    out[start..end].to_string()
}

/// Asserts two transcripts are equal, showing both in full when not.
#[track_caller]
fn same(actual: &str, expected: &str) {
    assert!(
        actual == expected,
        "transcript differs\n--- expected ---\n{expected}\n--- actual ---\n{actual}\n--- end ---"
    );
}

/// The `test NAME ... RESULT` lines.
fn result_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .map(String::from)
        .collect()
}

const ONE_PASSED: &str =
    "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 7 filtered out; finished in X.XXs";

// --- next, locals, loops ----------------------------------------------------

#[test]
fn trace_opens_before_the_first_statement_and_next_walks_the_loop() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[
            "locals", "n", "locals", "n", "locals", "n", "p i", "n", "p i", "n", "n", "locals",
            "n", "p label", "c",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let cfg = "cfg = Config { timeout: 30, name: \"batch\" }\n";
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("locals"),
        // Before the first `let`, nothing is shown.
        "(no locals)\n".into(),
        cmd("n"),
        at("steps", "let cfg = Config { timeout: 30"),
        cmd("locals"),
        "total = 0\n".into(),
        cmd("n"),
        at("steps", "for i in 0..3 {"),
        cmd("locals"),
        format!("total = 0\n{cfg}"),
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        cmd("p i"),
        "0\n".into(),
        // `n` runs the whole call, and comes back to the loop body.
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        cmd("p i"),
        "1\n".into(),
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        cmd("n"),
        at("steps", "let label = format!"),
        cmd("locals"),
        // After the loop: `i` is gone, `label` not there yet.
        format!("total = 9\n{cfg}"),
        cmd("n"),
        at("steps", "assert_eq!(label, \"batch-9\");"),
        cmd("p label"),
        "\"batch-9\"\n".into(),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
    assert_eq!(run.test_result(), ONE_PASSED);
}

#[test]
fn locals_inside_the_loop_show_the_loop_variable() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[&until_body(), "locals", "c"],
    );
    // Only the lines a person wrote: `total`, `cfg` and `i`. (The for
    // loop's hidden iterator, if listed, is noise but not wrong: it is
    // not asserted either way here.)
    let b = body(&run);
    let answer = b
        .split(&cmd("locals"))
        .nth(1)
        .unwrap_or_else(|| panic!("no locals answer:\n{b}"));
    let answer = &answer[..answer.find("(autopsy) ").unwrap()];
    let user: Vec<&str> = answer
        .lines()
        .filter(|l| !l.starts_with("iter = "))
        .collect();
    assert_eq!(
        user,
        [
            "total = 0",
            "cfg = Config { timeout: 30, name: \"batch\" }",
            "i = 0"
        ],
        "{b}"
    );
}

#[test]
fn locals_after_each_step_print_as_debug_does() {
    // The test prints Rust's own `{:?}` of every local on its last line.
    let run = session(
        &["--trace", "kinds", "--exact", "--nocapture"],
        &[],
        &[
            "locals", "n", "locals", "n", "locals", "n", "locals", "n", "locals", "n", "locals",
            "n",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let b = body(&run);
    let rust_line = b
        .lines()
        .find_map(|l| l.strip_prefix("rust: "))
        .unwrap_or_else(|| panic!("the test did not print its locals:\n{b}"));
    let rust: Vec<&str> = rust_line.split("; ").collect();
    assert_eq!(rust.len(), 5, "{rust_line}");
    // One `locals` answer per stop, each the locals whose `let` has run,
    // in order, each exactly as Rust printed it.
    let answers: Vec<Vec<String>> = b
        .split(&cmd("locals"))
        .skip(1)
        .map(|chunk| {
            chunk[..chunk.find("(autopsy) ").unwrap()]
                .lines()
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(answers.len(), 6, "{b}");
    assert_eq!(answers[0], ["(no locals)"], "{b}");
    for (i, answer) in answers.iter().enumerate().skip(1) {
        assert_eq!(answer, &rust[..i], "stop {i}:\n{b}");
    }
    assert!(
        b.ends_with(&format!(
            "{}rust: {rust_line}\ntest kinds ... ok\n",
            cmd("n")
        )),
        "{b}"
    );
}

// --- step, return, until ----------------------------------------------------

#[test]
fn step_into_a_traced_helper_and_return_to_the_caller() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[
            &until_body(),
            "s",
            "locals",
            "n",
            "locals",
            "w",
            "r",
            "p total",
            "p i",
            "c",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let call = line("total += scale(i, 2);");
    let helper = line("let shifted = doubled + 1;");
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd(&until_body()),
        at("steps", "total += scale(i, 2);"),
        cmd("s"),
        // Inside `#[autopsy::trace] fn scale`: its arguments only.
        at("scale", "let doubled = x * factor;"),
        cmd("locals"),
        "x = 0\nfactor = 2\n".into(),
        cmd("n"),
        at("scale", "let shifted = doubled + 1;"),
        cmd("locals"),
        "x = 0\nfactor = 2\ndoubled = 0\n".into(),
        cmd("w"),
        format!(
            "  #{}  tests/trace.rs:{call} in trace::steps\n        total += scale(i, 2);\n",
            "X"
        ),
        format!(
            "> #{}  tests/trace.rs:{helper} in trace::scale\n        let shifted = doubled + 1;\n",
            "X"
        ),
        cmd("r"),
        // Back in the caller: the call has returned (total = 0 + 1) and the
        // loop has come round to its body again.
        at("steps", "total += scale(i, 2);"),
        cmd("p total"),
        "1\n".into(),
        cmd("p i"),
        "1\n".into(),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    // Frame numbers depend on the runner's own frames.
    let actual = regex::Regex::new(r"(?m)^([ >]) #\d+ +")
        .unwrap()
        .replace_all(&body(&run), "$1 #X  ")
        .into_owned();
    same(&actual, &expected);
}

#[test]
fn an_async_test_and_each_instance_of_a_generic_helper_have_stops() {
    let run = session(
        &["--trace", "traced_async", "--exact"],
        &[],
        &["n", "s", "p at", "r", "s", "p at", "r", "s", "c"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // As std's backtraces name them.
    let body_fn = "traced_async::{{closure}}";
    let expected = [
        "\n>>> autopsy trace: traced_async\n".to_string(),
        at(body_fn, "let words = vec![\"a\", \"b\"];"),
        cmd("n"),
        at(body_fn, "let first = pick(&words, 0);"),
        cmd("s"),
        at("pick", "let chosen = items[at].clone();"),
        cmd("p at"),
        "0\n".into(),
        cmd("r"),
        at(body_fn, "let n = pick(&[7u8, 8], 1);"),
        cmd("s"),
        at("pick", "let chosen = items[at].clone();"),
        cmd("p at"),
        "1\n".into(),
        cmd("r"),
        at(
            body_fn,
            "let lens: Vec<usize> = words.iter().map(|w| w.len()).collect();",
        ),
        // Not into the closure: it has no stops.
        cmd("s"),
        at(body_fn, "std::future::ready(()).await;"),
        cmd("c"),
        "test traced_async ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn step_runs_over_a_plain_function_and_an_empty_line_repeats_it() {
    let run = session(
        &["--trace", "over_plain", "--exact"],
        &[],
        &["p a", "s", "p a", "s", "", "", "", "locals", "s", "c"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: over_plain\n".to_string(),
        at("over_plain", "let a = plain_add(1, 2);"),
        cmd("p a"),
        "*** no local named `a` in `trace::over_plain`\n".into(),
        cmd("s"),
        // `plain_add` is not `#[autopsy::trace]`: `s` does not stop in it.
        at("over_plain", "let b = scale(a, 3);"),
        cmd("p a"),
        "3\n".into(),
        cmd("s"),
        at("scale", "let doubled = x * factor;"),
        // Each empty line is another `s`.
        cmd(""),
        at("scale", "let shifted = doubled + 1;"),
        cmd(""),
        at("scale", "    shifted"),
        cmd(""),
        at("over_plain", "let c = a + b;"),
        cmd("locals"),
        "a = 3\nb = 10\n".into(),
        cmd("s"),
        at("over_plain", "assert_eq!(c, 13);"),
        cmd("c"),
        "test over_plain ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn an_empty_line_repeats_next() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &["n", "", "", "", "", "", "c"],
    );
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("n"),
        at("steps", "let cfg = Config { timeout: 30"),
        cmd(""),
        at("steps", "for i in 0..3 {"),
        cmd(""),
        at("steps", "total += scale(i, 2);"),
        cmd(""),
        at("steps", "total += scale(i, 2);"),
        cmd(""),
        at("steps", "total += scale(i, 2);"),
        cmd(""),
        at("steps", "let label = format!"),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn until_a_line_leaves_the_loop() {
    let after = line("let label = format!");
    let until = format!("until {after}");
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &["n", "n", "n", "p i", &until, "locals", "c"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("n"),
        at("steps", "let cfg = Config { timeout: 30"),
        cmd("n"),
        at("steps", "for i in 0..3 {"),
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        cmd("p i"),
        "0\n".into(),
        cmd(&until),
        // The two other rounds of the loop ran without a stop.
        at("steps", "let label = format!"),
        cmd("locals"),
        "total = 9\ncfg = Config { timeout: 30, name: \"batch\" }\n".into(),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

// --- breakpoints ------------------------------------------------------------

#[test]
fn breakpoints_by_line_and_file_line_listed_hit_and_cleared() {
    let label = line("let label = format!");
    let shifted = line("let shifted = doubled + 1;");
    let b_line = format!("b {label}");
    let b_file = format!("b tests/trace.rs:{shifted}");
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[
            "b", &b_line, &b_file, "b", "c", "p x", "b", "cl 2", "b", "c", "cl", "b", "c",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let header = "Num Type         Disp Enb   Where\n";
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("b"),
        "No breakpoints.\n".into(),
        cmd(&b_line),
        format!("Breakpoint 1 at tests/trace.rs:{label}\n"),
        cmd(&b_file),
        format!("Breakpoint 2 at tests/trace.rs:{shifted}\n"),
        cmd("b"),
        format!(
            "{header}1   breakpoint   keep yes   at tests/trace.rs:{label}\n\
             2   breakpoint   keep yes   at tests/trace.rs:{shifted}\n"
        ),
        // `c` runs to the first breakpoint reached: inside the helper.
        cmd("c"),
        at("scale", "let shifted = doubled + 1;"),
        cmd("p x"),
        "0\n".into(),
        cmd("b"),
        format!(
            "{header}1   breakpoint   keep yes   at tests/trace.rs:{label}\n\
             2   breakpoint   keep yes   at tests/trace.rs:{shifted}\n\
             \tbreakpoint already hit 1 time\n"
        ),
        cmd("cl 2"),
        format!("Deleted breakpoint 2 at tests/trace.rs:{shifted}\n"),
        cmd("b"),
        format!("{header}1   breakpoint   keep yes   at tests/trace.rs:{label}\n"),
        // With 2 gone, the loop's other rounds run through.
        cmd("c"),
        at("steps", "let label = format!"),
        cmd("cl"),
        format!("Deleted breakpoint 1 at tests/trace.rs:{label}\n"),
        cmd("b"),
        "No breakpoints.\n".into(),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn tbreak_stops_once_then_is_gone() {
    let body_line = line("total += scale(i, 2);");
    let tb = format!("tbreak trace.rs:{body_line}");
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[&tb, "b", "c", "p i", "b", "c"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd(&tb),
        format!("Temporary breakpoint 1 at trace.rs:{body_line}\n"),
        cmd("b"),
        format!(
            "Num Type         Disp Enb   Where\n1   breakpoint   del  yes   at trace.rs:{body_line}\n"
        ),
        cmd("c"),
        at("steps", "total += scale(i, 2);"),
        cmd("p i"),
        "0\n".into(),
        cmd("b"),
        "No breakpoints.\n".into(),
        // The loop body runs twice more: no stop.
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

// --- display, sticky --------------------------------------------------------

#[test]
fn display_shows_changed_values_at_each_stop_until_undisplay() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[
            "n",
            "display total",
            "display cfg.name",
            "display",
            "n",
            "n",
            "n",
            "n",
            "undisplay total",
            "display",
            "n",
            "undisplay",
            "display",
            "n",
            "c",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("n"),
        at("steps", "let cfg = Config { timeout: 30"),
        cmd("display total"),
        "display total: 0\n".into(),
        // Not yet assigned: the error is shown, then the value once it is.
        cmd("display cfg.name"),
        "display cfg.name: *** no local named `cfg` in `trace::steps`\n".into(),
        cmd("display"),
        "total\ncfg.name\n".into(),
        cmd("n"),
        at("steps", "for i in 0..3 {"),
        "display cfg.name: \"batch\"  [old: *** no local named `cfg` in `trace::steps`]\n".into(),
        cmd("n"),
        // Nothing changed: nothing displayed.
        at("steps", "total += scale(i, 2);"),
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        "display total: 1  [old: 0]\n".into(),
        cmd("n"),
        at("steps", "total += scale(i, 2);"),
        "display total: 4  [old: 1]\n".into(),
        cmd("undisplay total"),
        cmd("display"),
        "cfg.name\n".into(),
        cmd("n"),
        // total went 4 -> 9: no longer displayed.
        at("steps", "let label = format!"),
        cmd("undisplay"),
        cmd("display"),
        "No expressions displayed.\n".into(),
        cmd("n"),
        at("steps", "assert_eq!(label, \"batch-9\");"),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn a_display_belongs_to_the_function_it_was_set_in() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &[
            "display total",
            &until_body(),
            "s",
            "display",
            "display x",
            "n",
            "r",
            "display",
            "c",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("display total"),
        "display total: *** no local named `total` in `trace::steps`\n".into(),
        cmd(&until_body()),
        at("steps", "total += scale(i, 2);"),
        "display total: 0  [old: *** no local named `total` in `trace::steps`]\n".into(),
        // In the helper, `total` is not displayed (pdb's are per frame).
        cmd("s"),
        at("scale", "let doubled = x * factor;"),
        cmd("display"),
        "No expressions displayed.\n".into(),
        cmd("display x"),
        "display x: 0\n".into(),
        cmd("n"),
        at("scale", "let shifted = doubled + 1;"),
        // Back in the caller: its own display, not the helper's.
        cmd("r"),
        at("steps", "total += scale(i, 2);"),
        "display total: 1  [old: 0]\n".into(),
        cmd("display"),
        "total\n".into(),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

#[test]
fn sticky_redraws_the_whole_function_at_each_stop() {
    let run = session(
        &["--trace", "steps", "--exact"],
        &[],
        &["sticky", "n", &until_body(), "s", "sticky", "n", "c"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected = [
        "\n>>> autopsy trace: steps\n".to_string(),
        at("steps", "let mut total = 0;"),
        cmd("sticky"),
        sticky_view("fn steps() {", "let mut total = 0;"),
        cmd("n"),
        sticky_view("fn steps() {", "let cfg = Config { timeout: 30"),
        cmd(&until_body()),
        sticky_view("fn steps() {", "total += scale(i, 2);"),
        // Into the helper: its own function is drawn.
        cmd("s"),
        sticky_view("fn scale(", "let doubled = x * factor;"),
        cmd("sticky"),
        "sticky mode off\n".into(),
        cmd("n"),
        at("scale", "let shifted = doubled + 1;"),
        cmd("c"),
        "test steps ... ok\n".into(),
    ]
    .concat();
    same(&body(&run), &expected);
}

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
