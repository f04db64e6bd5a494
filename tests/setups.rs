//! Every set-up of a Rust test suite, run as a user runs it: `#[autopsy::test]`
//! under libtest (unit tests in `src/`, an integration target that keeps
//! libtest), `autopsy::install!()` on plain `#[test]` suites with other
//! crates' test macros, `async` tests, `cargo test -- --pdb` at a package's
//! root, and the set-ups that used to lose tests in silence.

use autopsy_e2e::{normalize, prompts, result_lines, Package, TOKIO};

const LIB: &str = include_str!("fixtures/setups/lib.rs");
const PLAIN: &str = include_str!("fixtures/setups/plain.rs");
const ASYNCS: &str = include_str!("fixtures/setups/asyncs.rs");
const FULL: &str = include_str!("fixtures/setups/full.rs");
const PROPS: &str = include_str!("fixtures/setups/props.rs");
const TRACED: &str = include_str!("fixtures/setups/traced.rs");

/// The package under test: unit tests, a libtest integration target, async
/// tests and a `harness = false` target.
fn suite() -> Package {
    let manifest = autopsy_e2e::manifest(
        "setups",
        &format!(
            r#"[lib]
doctest = false

[dev-dependencies]
autopsy = {{ path = "{{harness}}" }}
{TOKIO}

[[test]]
name = "full"
harness = false
"#
        ),
    );
    Package::new(
        "setups",
        &[
            ("Cargo.toml", &manifest),
            ("src/lib.rs", LIB),
            ("tests/plain.rs", PLAIN),
            ("tests/asyncs.rs", ASYNCS),
            ("tests/full.rs", FULL),
            ("tests/traced.rs", TRACED),
        ],
    )
}

/// The same unit and integration tests written for libtest alone (another
/// package name: cargo names a root package's artifacts without its path).
fn libtest_twin() -> Package {
    let manifest = autopsy_e2e::manifest("setups-twin", "[lib]\ndoctest = false\n");
    let twin = |s: &str| s.replace("#[autopsy::test]", "#[test]");
    Package::new(
        "setups-libtest",
        &[
            ("Cargo.toml", &manifest),
            ("src/lib.rs", &twin(LIB)),
            ("tests/plain.rs", &twin(PLAIN)),
        ],
    )
}

fn sorted(lines: Vec<&str>) -> Vec<String> {
    let mut v: Vec<String> = lines.into_iter().map(normalize).collect();
    v.sort();
    v
}

fn summary(out: &str) -> String {
    normalize(
        out.lines()
            .find(|l| l.starts_with("test result:"))
            .unwrap_or("<no test result line>"),
    )
}

#[test]
fn unit_and_libtest_integration_tests_match_libtest() {
    let ours = suite();
    let twin = libtest_twin();
    for target in [["--lib", ""], ["--test", "plain"]] {
        let args: Vec<&str> = target.iter().copied().filter(|a| !a.is_empty()).collect();
        let list = |p: &Package| {
            let mut a = vec!["test", "-q"];
            a.extend(&args);
            a.extend(["--", "--list"]);
            p.cargo(&a, &[], None)
        };
        let (mine, theirs) = (list(&ours), list(&twin));
        assert_eq!(
            mine.stdout, theirs.stdout,
            "--list of {args:?}\n{}",
            mine.stderr
        );
        let run = |p: &Package| {
            let mut a = vec!["test"];
            a.extend(&args);
            p.cargo(&a, &[], None)
        };
        let (mine, theirs) = (run(&ours), run(&twin));
        assert_eq!(
            sorted(result_lines(&mine.stdout)),
            sorted(result_lines(&theirs.stdout)),
            "{args:?}\n{}\n{}",
            mine.stdout,
            mine.stderr
        );
        assert_eq!(summary(&mine.stdout), summary(&theirs.stdout));
        assert_eq!(mine.code, theirs.code);
    }
}

#[test]
fn pdb_opens_in_a_unit_test() {
    let p = suite();
    let run = p.cargo(
        &["test", "-q", "--lib", "--", "--pdb"],
        &[],
        Some("p key\nup\np config\nc\np n\nc\n"),
    );
    let prompts = prompts(&run.stdout.replace(&format!("{}/", p.dir.display()), ""));
    assert_eq!(prompts.len(), 2, "{}\n{}", run.stdout, run.stderr);
    let fails = &prompts[0];
    assert!(
        fails.starts_with(">>> autopsy post-mortem: tests::fails\n"),
        "{fails}"
    );
    for line in [
        "> src/lib.rs(7)load()\n-> config[key]\n(autopsy) p key\n\"timeout\"\n(autopsy) up\n",
        "> src/lib.rs(23)fails()\n-> assert_eq!(load(&config, key), 30);\n(autopsy) p config\n{\"retries\": 3}\n(autopsy) c\n",
    ] {
        assert!(fails.contains(line), "{line}\nnot in\n{fails}");
    }
    // The `?` that returned the error opens in the test's frame.
    assert!(prompts[1].contains(">>> autopsy post-mortem: tests::returns_err\n"));
    assert!(prompts[1].contains("(autopsy) p n\n"), "{}", prompts[1]);
    // libtest's own summary and exit code.
    assert_eq!(
        summary(&run.stdout),
        "test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in X.XXs"
    );
    assert_eq!(run.code, Some(101));
}

#[test]
fn env_twins_and_showlocals_under_libtest() {
    let p = suite();
    let run = p.cargo(
        &["test", "-q", "--test", "plain"],
        &[("AUTOPSY_SHOWLOCALS", "1")],
        None,
    );
    // The failing frame's locals, inside libtest's captured output.
    let section = run
        .stdout
        .split("---- sums stdout ----")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        section.contains("  File \"tests/plain.rs\", line 7, in plain::sums\n    assert_eq!(total, 7);\n    rows = [1, 2, 3]\n    total = 6\n"),
        "{section}"
    );
    // `AUTOPSY_PDB=1` does what `--pdb` does.
    let run = p.cargo(
        &["test", "-q", "--test", "plain"],
        &[("AUTOPSY_PDB", "1")],
        Some("p total\nc\n"),
    );
    let prompts = prompts(&run.stdout);
    assert_eq!(prompts.len(), 1, "{}", run.stdout);
    assert!(
        prompts[0].contains("(autopsy) p total\n6\n"),
        "{}",
        prompts[0]
    );
}

#[test]
fn async_tests_in_both_orders() {
    let p = suite();
    let run = p.cargo(&["test", "--test", "asyncs"], &[], None);
    assert_eq!(
        sorted(result_lines(&run.stdout)),
        [
            "test no_runtime ... ok",
            "test paused_clock ... ok",
            "test tokio_above ... ok",
            "test tokio_below ... FAILED",
        ],
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let run = p.cargo(
        &["test", "--test", "asyncs", "--", "--pdb"],
        &[],
        Some("p seen\nlocals\nc\n"),
    );
    let prompts = prompts(&run.stdout);
    assert_eq!(prompts.len(), 1, "{}", run.stdout);
    let prompt = &prompts[0];
    assert!(
        prompt.contains("-> assert_eq!(seen.len(), 3, \"{:?}\", runtime.runtime_flavor());\n"),
        "{prompt}"
    );
    // Compiler-made locals (`_task_context`) are not listed, and a runtime
    // handle is one line of at most 240 characters.
    assert!(
        prompt.contains("(autopsy) p seen\n[1, 2]\n(autopsy) locals\nseen = [1, 2]\nruntime = "),
        "{prompt}"
    );
    let handle = prompt
        .lines()
        .find(|l| l.starts_with("runtime = "))
        .unwrap();
    // Cut after 240 characters, saying how many were left out.
    assert!(
        handle.chars().count() <= "runtime = ".len() + 270,
        "{handle}"
    );
    assert!(handle.contains(" more chars]"), "{handle}");
    assert!(!prompt.contains("_task_context"), "{prompt}");
    // The same tests under autopsy's own runner.
    let run = p.cargo(&["test", "--test", "full"], &[], None);
    assert_eq!(
        sorted(result_lines(&run.stdout)),
        [
            "test full_catches_its_own_panic ... ok",
            "test full_no_runtime ... ok",
            "test full_test_below ... ok",
            "test full_tokio_above ... ok",
            "test full_tokio_below ... FAILED",
        ],
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn pdb_at_the_package_root() {
    let p = suite();
    let run = p.cargo(
        &["test", "-q", "--no-fail-fast", "--", "--pdb"],
        &[],
        Some(&"c\n".repeat(12)),
    );
    assert!(
        !run.stderr.contains("Unrecognized option"),
        "{}",
        run.stderr
    );
    let names: Vec<String> = prompts(&run.stdout)
        .iter()
        .map(|p| p.lines().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            ">>> autopsy post-mortem: tests::fails",
            ">>> autopsy post-mortem: tests::returns_err",
            ">>> autopsy post-mortem: tokio_below",
            ">>> autopsy post-mortem: full_tokio_below",
            ">>> autopsy post-mortem: sums",
        ],
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(run.code, Some(101));
}

fn props(install: bool) -> Package {
    let name = if install { "props" } else { "props-twin" };
    let manifest = autopsy_e2e::manifest(
        name,
        &format!(
            r#"[dev-dependencies]
autopsy = {{ path = "{{harness}}" }}
proptest = {{ version = "1", default-features = false, features = ["std"] }}
quickcheck = {{ version = "1", default-features = false }}
rstest = {{ version = "0.26", default-features = false }}
{TOKIO}
"#
        ),
    );
    let src = if install {
        PROPS.to_string()
    } else {
        PROPS.replace("autopsy::install!();", "")
    };
    Package::new(
        name,
        &[
            ("Cargo.toml", &manifest),
            ("src/lib.rs", ""),
            ("tests/props.rs", &src),
        ],
    )
}

#[test]
fn install_serves_plain_test_suites() {
    let ours = props(true);
    let twin = props(false);
    let args = ["test", "--test", "props"];
    let (mine, theirs) = (ours.cargo(&args, &[], None), twin.cargo(&args, &[], None));
    assert_eq!(
        sorted(result_lines(&mine.stdout)),
        sorted(result_lines(&theirs.stdout)),
        "{}\n{}",
        mine.stdout,
        mine.stderr
    );
    assert_eq!(summary(&mine.stdout), summary(&theirs.stdout));
    assert_eq!(mine.code, theirs.code);

    // One prompt per failing test; none for the panics the tests and the
    // property-testing crates catch (shrinking included).
    let run = ours.cargo(
        &["test", "--test", "props", "--", "--pdb"],
        &[],
        Some(&"c\n".repeat(20)),
    );
    let mut names: Vec<String> = prompts(&run.stdout)
        .iter()
        .map(|p| p.lines().next().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ">>> autopsy post-mortem: halves::case_2",
            ">>> autopsy post-mortem: plain_fails",
            ">>> autopsy post-mortem: prop_assert_fails",
            ">>> autopsy post-mortem: prop_fails",
            ">>> autopsy post-mortem: qc_fails",
            ">>> autopsy post-mortem: tokio_plain",
        ],
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(summary(&run.stdout), summary(&theirs.stdout));

    // A prompt for a plain `#[test]` reads its locals.
    let run = ours.cargo(
        &[
            "test",
            "-q",
            "--test",
            "props",
            "--",
            "--pdb",
            "plain_fails",
        ],
        &[],
        Some("up\np wanted\nc\n"),
    );
    let prompts = prompts(&run.stdout);
    assert!(
        prompts[0].contains("(autopsy) p wanted\n4\n"),
        "{}",
        prompts[0]
    );

    // A panic in the code a dependency's macro wrote (proptest's, when a
    // `prop_assert!` fails) opens in the test's function, whose lines are
    // the macro's: never in the stack capture above the panic.
    let run = ours.cargo(
        &[
            "test",
            "--test",
            "props",
            "--",
            "--pdb",
            "prop_assert_fails",
        ],
        &[],
        Some("c\n"),
    );
    let prompt = &autopsy_e2e::prompts(&run.stdout)[0];
    let opened = prompt
        .lines()
        .find(|l| l.starts_with("> "))
        .unwrap_or_else(|| panic!("{prompt}"));
    assert!(opened.ends_with(")prop_assert_fails()"), "{prompt}");
    assert!(
        prompt.contains(", in props::prop_assert_fails\n"),
        "{prompt}"
    );
}

/// A `harness = false` target with `file` as its source; what building it
/// printed.
fn harness_false(name: &str, file: &str) -> autopsy_e2e::Run {
    let manifest = autopsy_e2e::manifest(
        name,
        r#"[dev-dependencies]
autopsy = { path = "{harness}" }
quickcheck = { version = "1", default-features = false }

[[test]]
name = "t"
harness = false
"#,
    );
    let p = Package::new(
        name,
        &[
            ("Cargo.toml", &manifest),
            ("src/lib.rs", ""),
            ("tests/t.rs", file),
        ],
    );
    p.cargo(&["test", "-q", "--test", "t"], &[], None)
}

#[test]
fn harness_false_never_loses_a_test_in_silence() {
    let run = harness_false(
        "lost-above",
        "#[test]\n#[autopsy::test]\nfn above() {}\n\nautopsy::main!();\n",
    );
    assert!(
        run.stderr.contains(
            "error: tests/t.rs:1: `#[test]` above `#[autopsy::test]` deletes the test in a \
             `harness = false` target: remove `#[test]` (`#[autopsy::test]` registers the test)"
        ),
        "{}",
        run.stderr
    );
    let run = harness_false(
        "lost-quickcheck",
        "use quickcheck::quickcheck;\n#[autopsy::test]\nfn mine() {}\n\nquickcheck! {\n    fn prop(n: u32) -> bool { n == n }\n}\n\nautopsy::main!();\n",
    );
    assert!(
        run.stderr
            .contains("error: tests/t.rs:5: `quickcheck!` makes a `#[test]` function")
            && run.stderr.contains("`autopsy::install!();`"),
        "{}",
        run.stderr
    );
    let run = harness_false("no-main", "#[autopsy::test]\nfn mine() {}\n");
    assert!(
        run.stderr.contains(
            "error[E0277]: this test target has `harness = false` but no `autopsy::main!();`"
        ),
        "{}",
        run.stderr
    );
    assert_ne!(run.code, Some(0));
}

/// Tests are statics in a link section that the linker bounds: a target
/// with none still links (the harness keeps the section in being) and
/// runs nothing, as libtest does.
#[test]
fn a_harness_false_target_without_tests_runs_none() {
    let run = harness_false("no-tests", "autopsy::main!();\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in <t>"
            .replace("<t>", run.stdout.trim().rsplit("finished in ").next().unwrap()),
        "{}",
        run.stdout
    );
}

#[test]
fn trace_and_breakpoints_under_libtest() {
    let p = suite();
    let run = p.cargo(
        &["test", "--test", "traced", "--", "--trace", "stepped"],
        &[],
        Some("n\nn\np total\nc\n"),
    );
    let out = normalize(&run.stdout);
    let at = out
        .find(">>> autopsy trace: stepped")
        .unwrap_or_else(|| panic!("{out}\n{}", run.stderr));
    let expected = "\
>>> autopsy trace: stepped
> tests/traced.rs(5)stepped()
-> let mut total = 0;
(autopsy) n
> tests/traced.rs(6)stepped()
-> total += 2;
(autopsy) n
> tests/traced.rs(7)stepped()
-> total += 3;
(autopsy) p total
2
(autopsy) c
";
    assert!(out[at..].starts_with(expected), "{}", &out[at..]);
    assert!(out.contains("test result: ok. 1 passed; 0 failed"), "{out}");
    // `breakpoint!()` stops without --trace, with piped commands.
    let run = p.cargo(
        &["test", "--test", "traced", "--", "breaks"],
        &[],
        Some("p marker\nc\n"),
    );
    assert!(
        run.stdout.contains("(autopsy) p marker\n7\n"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("test result: ok. 1 passed; 0 failed"),
        "{}",
        run.stdout
    );
}

/// `cargo check` (what an editor runs on each save) builds no binary, so
/// `#[autopsy::test]` registers nothing there and leaves the body as
/// written. What it reports must still be what the build reports: the same
/// warnings inside test bodies (target `w`) and the same errors (`e`).
#[test]
fn cargo_check_reports_what_the_build_reports() {
    let warnings = "\
#[autopsy::test]
fn unused_inside() {
    fn helper() {}
    let x = 5;
}

#[autopsy::test]
fn question() -> Result<(), std::num::ParseIntError> {
    let n: u8 = \"300\".parse()?;
    assert_eq!(n, 1);
    Ok(())
}

autopsy::main!();
";
    let errors = "\
#[autopsy::test]
fn returns_a_number() -> u32 {
    1
}

#[autopsy::test]
fn type_error() {
    let s: u32 = \"no\";
    assert_eq!(s, 1);
}

autopsy::main!();
";
    let p = Package::new(
        "check-parity",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"check-parity\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[workspace]\n\n[dev-dependencies]\n\
                 autopsy = { path = \"{harness}\" }\n\n[[test]]\nname = \"w\"\nharness = false\n\n\
                 [[test]]\nname = \"e\"\nharness = false\n",
            ),
            ("src/lib.rs", ""),
            ("tests/w.rs", warnings),
            ("tests/e.rs", errors),
        ],
    );
    let diagnostics = |args: &[&str], target: &str| -> Vec<String> {
        let mut args = args.to_vec();
        args.extend(["--message-format=short", "--test", target]);
        let run = p.cargo(&args, &[], None);
        let mut lines: Vec<String> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("tests/"))
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let mut check = diagnostics(&["check", "-q"], "w");
    check.extend(diagnostics(&["check", "-q"], "e"));
    let mut build = diagnostics(&["test", "--no-run", "-q"], "w");
    build.extend(diagnostics(&["test", "--no-run", "-q"], "e"));
    assert_eq!(check, build);
    let has = |what: &str| check.iter().any(|l| l.contains(what));
    assert!(
        has("w.rs:3:8: warning: function `helper` is never used"),
        "{check:#?}"
    );
    assert!(has("w.rs:4:9: warning: unused variable: `x`"), "{check:#?}");
    assert!(
        has("e.rs:8:18: error[E0308]: mismatched types"),
        "{check:#?}"
    );
    assert!(
        has("e.rs:2:4: error[E0277]: `#[autopsy::test]` functions return"),
        "{check:#?}"
    );
    assert_eq!(check.len(), 4, "{check:#?}");
}
