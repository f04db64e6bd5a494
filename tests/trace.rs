//! `--trace` (issue 4) as a user meets it: `cargo test -- --trace` on a real
//! suite (tests/fixtures/trace.rs), driven through piped stdin, asserting
//! the text a person reads at each stop: next, step, return, until,
//! breakpoints, displays and sticky. tests/trace_runs.rs has
//! `autopsy::breakpoint!()`, failures, end of input, a real terminal, and
//! `--pdb` with `--reruns`.
//!
//! Expected transcripts are built from the fixture's own source: lines are
//! found by their text, so the fixture may move.

#[path = "support/trace.rs"]
mod support;
use support::*;

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
