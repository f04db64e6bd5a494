//! `autopsy-dylib`: the same suite built against `autopsy` (linked into
//! each test binary) and against `autopsy-dylib` renamed to `autopsy` (one
//! shared library), run the same ways; every output must be the same, and
//! the shared build must really be shared.

use autopsy_e2e::{normalize, prompts, Package, Run, TOKIO};

const RUNNER: &str = include_str!("fixtures/dylib/runner.rs");
const LIB: &str = include_str!("fixtures/setups/lib.rs");
const TRACED: &str = include_str!("fixtures/setups/traced.rs");
/// `async` tests on tokio and on the built-in executor, `harness = false`.
const FULL: &str = include_str!("fixtures/setups/full.rs");
/// A plain `#[test]` suite under `autopsy::install!()`.
const INSTALLED: &str = "autopsy::install!();

#[test]
fn sums() {
    let rows = vec![1, 2, 3];
    let total: i32 = rows.iter().sum();
    assert_eq!(total, 7);
}
";

/// The package, with `dependency` as its `autopsy` line.
fn package(name: &str, dependency: &str) -> Package {
    let manifest = autopsy_e2e::manifest(
        name,
        &format!(
            r#"[lib]
doctest = false

[dev-dependencies]
{dependency}
{TOKIO}

[[test]]
name = "runner"
harness = false

[[test]]
name = "full"
harness = false
"#
        ),
    );
    Package::new(
        name,
        &[
            ("Cargo.toml", &manifest),
            ("src/lib.rs", LIB),
            ("tests/runner.rs", RUNNER),
            ("tests/traced.rs", TRACED),
            ("tests/installed.rs", INSTALLED),
            ("tests/full.rs", FULL),
        ],
    )
}

fn both() -> (Package, Package) {
    (
        package("dylib-static", r#"autopsy = { path = "{harness}" }"#),
        package(
            "dylib-shared",
            r#"autopsy = { package = "autopsy-dylib", path = "{harness}/../dylib" }"#,
        ),
    )
}

/// What a run printed, with the package's directory made neutral.
fn text(p: &Package, run: &Run) -> String {
    normalize(&format!("{}\n--- stderr\n{}", run.stdout, run.stderr))
        .replace(&p.dir.display().to_string(), "<package>")
        .replace("dylib-static", "<name>")
        .replace("dylib-shared", "<name>")
        .replace("dylib_static", "<name>")
        .replace("dylib_shared", "<name>")
}

/// Runs `args` (with `stdin`) in both packages; asserts the same output
/// and exit code, and returns the shared build's run.
fn same(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let (linked, shared) = both();
    let a = linked.cargo(args, env, stdin);
    let b = shared.cargo(args, env, stdin);
    // cargo's own lines (Compiling ..., Running ...) differ with the
    // dependencies; what the test binary printed must not.
    let strip = |p: &Package, r: &Run| {
        text(p, r)
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.starts_with("Compiling")
                    || l.starts_with("Finished")
                    || l.starts_with("Running")
                    || l.starts_with("Blocking")
                    || l.starts_with("warning: unused manifest key"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&linked, &a),
        strip(&shared, &b),
        "cargo {args:?} printed differently"
    );
    assert_eq!(a.code, b.code, "cargo {args:?}");
    b
}

/// The line `name = ...` that the test printed with `{:?}`.
fn printed<'a>(out: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name} = ");
    out.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("the test did not print {name}:\n{out}"))
}

#[test]
fn a_harness_false_target_lists_runs_and_reports_the_same() {
    let list = same(
        &["test", "-q", "--test", "runner", "--", "--list"],
        &[],
        None,
    );
    assert!(
        list.stdout.contains("fails_deep: test\n"),
        "{}",
        list.stdout
    );
    // One at a time: libtest prints results as tests end.
    let run = same(
        &[
            "test",
            "-q",
            "--test",
            "runner",
            "--",
            "--test-threads",
            "1",
        ],
        &[],
        None,
    );
    assert!(
        run.stdout
            .contains("test result: FAILED. 2 passed; 2 failed; 2 ignored;"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(101));

    // A lone test that aborts, run in the runner's process: the binary
    // (with the library) starts again to report it with its output.
    let args = [
        "test",
        "-q",
        "--test",
        "runner",
        "--",
        "--ignored",
        "--exact",
        "aborts",
    ];
    let run = same(&args, &[], None);
    assert!(
        run.stdout.contains(
            "---- aborts stdout ----\nabout to abort\nnote: process terminated by signal 6 (SIGABRT: aborted)\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(101));
}

#[test]
fn the_prompt_answers_the_same_and_as_debug_prints() {
    let run = same(
        &["test", "-q", "--test", "runner", "--", "--pdb"],
        &[],
        Some("p sum\np label\nup\np values\np label\np index\nc\np words\np out\nc\n"),
    );
    let prompts = prompts(&run.stdout);
    assert_eq!(prompts.len(), 2, "{}\n{}", run.stdout, run.stderr);
    let deep = &prompts[0];
    for (name, answer) in [
        ("values", printed(&run.stdout, "values")),
        ("label", printed(&run.stdout, "label")),
        ("index", printed(&run.stdout, "index")),
    ] {
        assert!(
            deep.contains(&format!("(autopsy) p {name}\n{answer}\n")),
            "p {name} is not {answer}:\n{deep}"
        );
    }
    assert!(deep.contains("(autopsy) p sum\n6\n"), "{deep}");
    // The failing `?` in the traced helper stops in the helper's frame.
    let words = printed(&run.stdout, "words");
    assert!(prompts[1].contains("(autopsy) p words\n"), "{}", prompts[1]);
    assert!(prompts[1].contains(&format!("{words}\n")), "{}", prompts[1]);
}

#[test]
fn libtest_targets_get_the_same_prompt_and_trace() {
    let run = same(
        &["test", "-q", "--lib", "--", "--pdb"],
        &[],
        Some("p key\nup\np config\nc\np n\nc\n"),
    );
    let prompts = prompts(&run.stdout);
    assert_eq!(prompts.len(), 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        prompts[0].contains("(autopsy) p config\n{\"retries\": 3}\n"),
        "{}",
        prompts[0]
    );
    // --trace, breakpoint!() and install!(): what each prompt answers.
    for (target, args, stdin, answer) in [
        (
            "traced",
            &["--trace", "stepped"][..],
            "n\np total\nn\np total\nc\n",
            "(autopsy) p total\n2\n",
        ),
        (
            "traced",
            &["breaks"],
            "p marker\nc\n",
            "(autopsy) p marker\n7\n",
        ),
        (
            "installed",
            &["--pdb"],
            "p rows\np total\nc\n",
            "(autopsy) p rows\n[1, 2, 3]\n(autopsy) p total\n6\n",
        ),
    ] {
        let argv = [&["test", "-q", "--test", target, "--"][..], args].concat();
        let run = same(&argv, &[], Some(stdin));
        assert!(run.stdout.contains(answer), "{argv:?}\n{}", run.stdout);
    }
}

#[test]
fn a_dump_of_either_build_reopens_the_same() {
    let (linked, shared) = both();
    let mut reopened = Vec::new();
    for p in [&linked, &shared] {
        let dir = autopsy_e2e::scratch(&format!(
            "{}-dumps",
            p.dir.file_name().unwrap().to_string_lossy()
        ));
        let dir_s = dir.display().to_string();
        p.cargo(
            &["test", "-q", "--test", "runner", "--", "fails_deep"],
            &[("AUTOPSY_DUMP", &dir_s)],
            None,
        );
        let dump = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.extension().is_some_and(|e| e == "autopsy"))
            .unwrap_or_else(|| panic!("no dump in {dir_s}"));
        let mut open = autopsy_e2e::clean_command(&autopsy_e2e::cargo_autopsy());
        open.current_dir(&p.dir)
            .arg("autopsy")
            .arg("open")
            .arg(&dump);
        let run = autopsy_e2e::run_command(open, Some("p sum\nup\np values\np index\nq\n"), 60);
        reopened.push(text(p, &run).replace(&dir_s, "<dumps>"));
    }
    assert!(
        reopened[1]
            .contains("(autopsy) p values\n[1, 2, 3]\n(autopsy) p index\n{\"a\": 1, \"b\": 2}\n"),
        "{}",
        reopened[1]
    );
    // The dump's file name carries the binary's name and hash.
    let strip = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains(".autopsy"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&reopened[0]), strip(&reopened[1]));
}

#[test]
fn async_tests_run_and_stop_the_same() {
    let run = same(
        &["test", "-q", "--test", "full", "--", "--test-threads", "1"],
        &[],
        None,
    );
    assert!(
        run.stdout
            .contains("test result: FAILED. 4 passed; 1 failed;"),
        "{}",
        run.stdout
    );
    // The prompt in the async body's frame, on tokio's runtime.
    let run = same(
        &[
            "test",
            "-q",
            "--test",
            "full",
            "--",
            "--pdb",
            "full_tokio_below",
        ],
        &[],
        Some("p answer\nc\n"),
    );
    assert!(
        run.stdout.contains("(autopsy) p answer\n42\n"),
        "{}",
        run.stdout
    );
}

/// The path of the `runner` test binary `cargo test --no-run` built.
fn runner_binary(p: &Package) -> std::path::PathBuf {
    let run = p.cargo(&["test", "--no-run", "--test", "runner"], &[], None);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("tests/runner.rs ("))
        .unwrap_or_else(|| panic!("no runner executable:\n{}", run.stderr));
    let start = line.find('(').unwrap() + 1;
    std::path::PathBuf::from(&line[start..line.len() - 1])
}

#[test]
fn the_shared_build_is_shared() {
    let (linked, shared) = both();
    let (a, b) = (runner_binary(&linked), runner_binary(&shared));
    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len();
    // The harness, the debugger and their debug info are in the library.
    assert!(
        size(&b) * 10 < size(&a),
        "{} is {} bytes, {} is {}",
        b.display(),
        size(&b),
        a.display(),
        size(&a)
    );
    // Run by hand, it needs the library path, and says which library.
    let out = std::process::Command::new(&b)
        .arg("--list")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lib"), "{err}");
    // With the two directories the docs name, it runs.
    let sysroot = std::process::Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .unwrap();
    let libdir = String::from_utf8(sysroot.stdout).unwrap();
    let deps = b.parent().unwrap();
    let out = std::process::Command::new(&b)
        .arg("--list")
        .env(
            "LD_LIBRARY_PATH",
            format!("{}:{}", deps.display(), libdir.trim()),
        )
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("fails_deep: test\n"),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
