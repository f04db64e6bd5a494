//! Values read from memory (issue 9): `p x` and `pp x` at the prompt print
//! exactly what `{:?}` and `{:#?}` print, never a wrong value.
//!
//! The truth comes from Rust in the same run: each test of
//! tests/fixtures/values.rs writes `{:?}` and `{:#?}` of its locals to the
//! file `$VALUES_TRUTH` before it fails; the session then asks the prompt for
//! `p x` and `pp x` of each and the answers must be the same text. One
//! fixture build per opt-level (the fixture's own crate at 0 and at 1).

use std::collections::BTreeMap;

use autopsy_e2e::{Fixture, Run};

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 180;

/// The fixture, its own crate built at `opt` (its dependencies at 0).
fn fixture(opt: u8) -> Fixture {
    let name = format!("values_o{opt}");
    let mut extra = String::new();
    for (krate, version) in [
        ("regex", "1"),
        ("smallvec", "1"),
        ("indexmap", "2"),
        ("uuid", "1"),
        ("bytes", "1"),
        ("serde_json", "1"),
        ("chrono", "0.4"),
    ] {
        extra.push_str(&format!(
            "\n[dev-dependencies.{krate}]\nversion = \"{version}\"\n"
        ));
    }
    extra.push_str(&format!(
        "\n[profile.dev.package.{name}]\nopt-level = {opt}\n"
    ));
    Fixture::with_source(&name, "values", &extra)
}

/// What a test printed as the truth: name -> (`{:?}`, `{:#?}`), in order.
type Truth = Vec<(String, String, String)>;

/// A prompt session on `values::TEST`: `p`/`pp` of every name in
/// `names` plus the truth's, `extra` commands after them, then `c`.
struct Session {
    truth: Truth,
    answers: BTreeMap<String, String>,
    run: Run,
}

fn session(opt: u8, test: &str, names: &[&str], extra: &[&str]) -> Session {
    session_after(opt, test, &[], names, extra)
}

/// [`session`], with `pre` commands (`up`) before the first `p`.
fn session_after(opt: u8, test: &str, pre: &[&str], names: &[&str], extra: &[&str]) -> Session {
    let f = fixture(opt);
    let truth_path = f.dir.join(format!("truth-{test}.txt"));
    let _ = std::fs::remove_file(&truth_path);
    // A first run without a prompt writes the truth (names are needed to
    // build the commands).
    let truth_env = truth_path.to_str().unwrap();
    let (run, killed) = f.run_timeout(
        &[&format!("values::{test}"), "--exact"],
        &[("VALUES_TRUTH", truth_env)],
        None,
        LIMIT,
    );
    assert!(!killed, "the run hung:\n{}\n{}", run.stdout, run.stderr);
    let truth = read_truth(&truth_path);
    let _ = std::fs::remove_file(&truth_path);
    let mut cmds: Vec<String> = pre.iter().map(|c| c.to_string()).collect();
    let mut all: Vec<String> = truth.iter().map(|t| t.0.clone()).collect();
    all.extend(names.iter().map(|n| n.to_string()));
    for n in &all {
        cmds.push(format!("p {n}"));
        cmds.push(format!("pp {n}"));
    }
    cmds.extend(extra.iter().map(|c| c.to_string()));
    cmds.push("c".into());
    let stdin: String = cmds.iter().map(|c| format!("{c}\n")).collect();
    // The memory reader alone: these tests are about reading values from
    // memory; calling the values' own `Debug` impls is tests/debug_impl.rs'.
    let (run, killed) = f.run_timeout(
        &["--pdb", &format!("values::{test}"), "--exact"],
        &[("VALUES_TRUTH", truth_env), ("AUTOPSY_CALLS", "0")],
        Some(&stdin),
        LIMIT,
    );
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    let truth2 = read_truth(&truth_path);
    assert_eq!(
        truth.iter().map(|t| &t.0).collect::<Vec<_>>(),
        truth2.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    let mut answers = BTreeMap::new();
    for chunk in run.stdout.split("(autopsy) ").skip(1) {
        let (command, answer) = chunk.split_once('\n').unwrap_or((chunk, ""));
        answers
            .entry(command.to_string())
            .or_insert_with(|| answer.strip_suffix('\n').unwrap_or(answer).to_string());
    }
    assert!(
        answers.contains_key("c"),
        "no prompt opened:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    // The truth of this run (the second), whose addresses the prompt saw.
    Session {
        truth: truth2,
        answers,
        run,
    }
}

fn read_truth(path: &std::path::Path) -> Truth {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the fixture wrote no truth to {}: {e}", path.display()));
    text.split('\x1e')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let mut p = r.split('\x1f');
            let (n, d, pr) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
            (n.to_string(), d.to_string(), pr.to_string())
        })
        .collect()
}

impl Session {
    fn answer(&self, command: &str) -> &str {
        self.answers
            .get(command)
            .unwrap_or_else(|| panic!("no `{command}` in:\n{}", self.run.stdout))
    }

    /// Every truth value must print exactly, in both forms, except those
    /// in `optimized` which may instead say they are optimized out.
    fn assert_exact(&self, optimized_ok: bool) -> (usize, usize) {
        let mut wrong = Vec::new();
        let (mut exact, mut total) = (0, 0);
        for (name, debug, pretty) in &self.truth {
            for (cmd, want) in [(format!("p {name}"), debug), (format!("pp {name}"), pretty)] {
                total += 1;
                let got = self.answer(&cmd);
                if got == want {
                    exact += 1;
                } else if !(optimized_ok && is_unavailable(got)) {
                    wrong.push(format!("{cmd}\n    Rust:    {want}\n    autopsy: {got}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {total} answers differ from Rust's:\n{}",
            wrong.len(),
            wrong
                .iter()
                .map(|w| w.chars().take(600).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        );
        (exact, total)
    }
}

/// An answer that says honestly the value is not there.
fn is_unavailable(got: &str) -> bool {
    got.contains("optimized out") || got.starts_with("*** no local named")
}

fn exact(opt: u8, test: &str) -> Session {
    exact_with(opt, test, &[])
}

/// [`exact`], also asking for `names` (values without a truth).
fn exact_with(opt: u8, test: &str, names: &[&str]) -> Session {
    let s = session(opt, test, names, &[]);
    let (exact, total) = s.assert_exact(opt > 0);
    eprintln!("{test} at opt-level {opt}: {exact} of {total} exact");
    s
}

#[test]
fn wrong_data_is_never_shown_o0() {
    exact(0, "wrong_data");
}

#[test]
fn wrong_data_is_never_shown_o1() {
    exact(1, "wrong_data");
}

#[test]
fn std_hand_written_debug_types_o0() {
    exact(0, "std_debug");
}

#[test]
fn std_hand_written_debug_types_o1() {
    exact(1, "std_debug");
}

#[test]
fn zero_sized_values_o0() {
    exact(0, "zero_sized");
}

#[test]
fn zero_sized_values_need_no_memory_o1() {
    // Zero-sized values are printed even where the compiler kept no place.
    let s = session(1, "zero_sized", &[], &[]);
    let (exact, total) = s.assert_exact(false);
    assert_eq!(exact, total);
}

#[test]
fn sizes_print_in_full_and_say_what_is_left_out() {
    let s = exact_with(0, "sizes", &["huge", "huge_text", "cyclic"]);
    // Past the limits: how much was left out, and cycles stopped.
    let huge = s.answer("p huge");
    assert!(
        huge.ends_with(", .. 50000 more]"),
        "{}",
        &huge[huge.len().saturating_sub(100)..]
    );
    let text = s.answer("p huge_text");
    assert_eq!(text.len(), (1 << 20) + 2 + r#".. (10 more bytes)"#.len());
    assert!(
        text.ends_with(r#"xx".. (10 more bytes)"#),
        "{}",
        &text[text.len() - 40..]
    );
    let cyclic = s.answer("p cyclic");
    assert!(
        cyclic.starts_with(r#"Graph { label: "a", peers: RefCell { value: [<cycle: Rc at 0x"#),
        "{cyclic}"
    );
}

#[test]
fn sizes_o1() {
    exact(1, "sizes");
}

#[test]
fn invalid_values_are_shown_as_invalid() {
    let re = regex::Regex::new(
        r"^<invalid: moved-from or uninitialised Vec \(data pointer 0x[0-9a-f]*[13579bdf] for 4-aligned elements\)>$",
    )
    .unwrap();
    for opt in [0, 1] {
        let names = [
            "vec_len_over_cap",
            "vec_wild_ptr",
            "not_utf8",
            "bad_bool",
            "bad_char",
            "bad_color",
            "bad_shape",
            "vec_misaligned",
        ];
        let s = session(opt, "invalid", &names, &[]);
        let skewed = s.answer("p vec_misaligned");
        assert!(
            re.is_match(skewed) || (opt > 0 && is_unavailable(skewed)),
            "{skewed}"
        );
        s.assert_exact(opt > 0);
        let expect = [
            (
                "vec_len_over_cap",
                "<invalid: moved-from or uninitialised Vec (length 1000 > capacity 4)>",
            ),
            (
                "vec_wild_ptr",
                "<invalid: moved-from or uninitialised Vec (data at unreadable address 0x10)>",
            ),
            (
                "not_utf8",
                "<invalid: moved-from or uninitialised String (not UTF-8: \"\\xFF\\xFE\\xFD\\xFC\")>",
            ),
            (
                "bad_bool",
                "<invalid: moved-from or uninitialised bool (2)>",
            ),
            (
                "bad_char",
                "<invalid: moved-from or uninitialised char (0xd800)>",
            ),
            (
                "bad_color",
                "<invalid: moved-from or uninitialised values_o_::Color (discriminant 7)>",
            ),
            (
                "bad_shape",
                "<invalid: moved-from or uninitialised values_o_::Shape (discriminant 9)>",
            ),
        ];
        for (name, want) in expect {
            let want = want.replace("values_o_", &format!("values_o{opt}"));
            for cmd in [format!("p {name}"), format!("pp {name}")] {
                let got = s.answer(&cmd);
                if opt > 0 && is_unavailable(got) {
                    continue;
                }
                assert_eq!(got, want, "{cmd} at opt-level {opt}");
            }
        }
    }
}

#[test]
fn types_whose_debug_is_not_known_are_marked() {
    let s = session(0, "fallback", &[], &[]);
    // The user's own derived Debug is exact; regex's hand-written one is
    // not known (until it can be called): its fields, marked.
    let (name, debug, pretty) = &s.truth[1];
    assert_eq!(name, "ours");
    assert_eq!(s.answer("p ours"), debug);
    assert_eq!(s.answer("pp ours"), pretty);
    let got = s.answer("p regex");
    assert!(got.starts_with("<fields> Regex { "), "{got}");
    assert_ne!(got, s.truth[0].1);
    // The user's own hand-written Debug is not its fields either.
    assert_eq!(s.truth[2].1, "Secret(****)");
    assert_eq!(s.answer("p secret"), r#"<fields> Secret("hunter2")"#);
    assert_eq!(s.answer("p derived_around_secret"), s.truth[3].1);
}

#[test]
fn locals_in_registers_of_a_caller_frame_o1() {
    // At opt-level 1 the test's locals live in callee-saved registers
    // across the call that fails; `up` there and print them.
    for opt in [0, 1] {
        let s = session_after(opt, "registers", &["up"], &[], &[]);
        let (exact, total) = s.assert_exact(false);
        assert_eq!(exact, total);
    }
}

#[test]
fn release_code_never_shows_a_wrong_value_o3() {
    // opt-level 3: whatever the prompt can still read is exact; the rest
    // says it is optimized out.
    for test in ["wrong_data", "std_debug", "zero_sized", "registers"] {
        let pre: &[&str] = if test == "registers" { &["up"] } else { &[] };
        let s = session_after(3, test, pre, &[], &[]);
        let (exact, total) = s.assert_exact(true);
        eprintln!("{test} at opt-level 3: {exact} of {total} exact");
    }
}

#[test]
fn expressions_read_std_types_through_the_same_providers() {
    let s = session(
        0,
        "std_debug",
        &[],
        &[
            "p deque[0]",
            "p deque[3]",
            "p deque[4]",
            "p list[2]",
            "p guard_of_locked[1]",
            "p cell_ref",
            "p *pinned",
            "p sock4",
        ],
    );
    for (cmd, want) in [
        ("p deque[0]", "2"),
        ("p deque[3]", "5"),
        (
            "p deque[4]",
            "*** index 4 out of range for VecDeque of length 4",
        ),
        ("p list[2]", "\"c\""),
        ("p guard_of_locked[1]", "2"),
        ("p cell_ref", "10"),
        ("p *pinned", "41"),
        ("p sock4", "127.0.0.1:8080"),
    ] {
        assert_eq!(s.answer(cmd), want, "{cmd}");
    }
    let s = session(
        0,
        "wrong_data",
        &[],
        &["p rc_u16[2]", "p nested[1]", "p arc_dyn.name", "p *rc_dyn"],
    );
    for (cmd, want) in [
        ("p rc_u16[2]", "9"),
        ("p nested[1]", "\"yz\""),
        ("p arc_dyn.name", "\"rex\""),
        ("p *rc_dyn", "Dog { name: \"fido\", age: 5 }"),
    ] {
        assert_eq!(s.answer(cmd), want, "{cmd}");
    }
}

#[test]
fn crates_types_are_their_fields_marked_never_passed_off_as_debug() {
    // Until their own Debug can be called, a dependency's types print their
    // fields, marked; never as if that were their Debug, never garbage.
    let s = session(0, "crates", &[], &[]);
    assert_eq!(s.truth.len(), 6);
    for (name, debug, _) in &s.truth {
        for cmd in [format!("p {name}"), format!("pp {name}")] {
            let got = s.answer(&cmd);
            assert!(got == debug || got.starts_with("<fields> "), "{cmd}: {got}");
            assert!(
                !got.contains("<unsupported") && !got.contains("<invalid"),
                "{cmd}: {got}"
            );
        }
    }
}
