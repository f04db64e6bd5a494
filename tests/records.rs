//! The `--lf` record (issue 11): two runs of one test binary at once each
//! keep their failures, and two workspace members with a test target of the
//! same name keep a record each.

use std::path::Path;
use std::process::{Command, Stdio};

use autopsy_e2e::{result_lines, root, Fixture, Run};

fn run_of(out: std::process::Output) -> Run {
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// The binary with a clean environment.
fn direct(bin: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env_remove("RUST_TEST_THREADS")
        .env_remove("AUTOPSY_LF")
        .env_remove("AUTOPSY_FF")
        .stdin(Stdio::null());
    cmd
}

/// Forgets the records whose file names start with one of `prefixes`.
fn forget(bin: &Path, prefixes: &[&str]) {
    let state = bin.parent().unwrap().parent().unwrap().join("autopsy");
    for entry in std::fs::read_dir(&state).into_iter().flatten() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p)) {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

#[test]
fn two_runs_at_once_each_keep_their_failures() {
    let fx = Fixture::new("records", "");
    let bin = fx.binary();
    forget(&bin, &["records."]);
    // Two filters, a failure in each, at the same time.
    let a = direct(&bin, &["slow::a_fails"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let b = direct(&bin, &["slow::b_fails"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (
        run_of(a.wait_with_output().unwrap()),
        run_of(b.wait_with_output().unwrap()),
    );
    assert_eq!(a.code, Some(101), "{}", a.stdout);
    assert_eq!(b.code, Some(101), "{}", b.stdout);
    // Both are remembered: --lf runs the two of them, and them only.
    let last = run_of(
        direct(&bin, &["--lf", "--test-threads", "1"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        result_lines(&last.stdout),
        [
            "test slow::a_fails ... FAILED",
            "test slow::b_fails ... FAILED"
        ],
        "{}",
        last.stdout
    );
}

/// A workspace of two members, each with a test target `suite` holding a
/// test `shared`, which fails in `records-alpha` only.
fn workspace() -> Fixture {
    let dir = root().join("target/e2e/records-ws");
    let harness = root().join("harness");
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text).unwrap();
        }
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    );
    write(
        "Cargo.lock",
        &std::fs::read_to_string(root().join("Cargo.lock")).unwrap(),
    );
    for (member, shared_passes) in [("alpha", false), ("beta", true)] {
        write(
            &format!("{member}/Cargo.toml"),
            &format!(
                "[package]\nname = \"records-{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[dev-dependencies]\nautopsy = {{ path = \"{}\" }}\n\n\
                 [[test]]\nname = \"suite\"\nharness = false\n",
                harness.display()
            ),
        );
        write(&format!("{member}/src/lib.rs"), "//! A member.\n");
        write(
            &format!("{member}/tests/suite.rs"),
            &format!(
                "#[autopsy::test]\nfn shared() {{\n    assert!({shared_passes}, \"fails in {member}\");\n}}\n\n\
                 #[autopsy::test]\nfn other() {{}}\n\nautopsy::main!();\n"
            ),
        );
    }
    Fixture {
        dir,
        test: "suite".into(),
        profile_extra: String::new(),
    }
}

#[test]
fn workspace_members_with_same_named_targets_keep_a_record_each() {
    let fx = workspace();
    let run = |member: &str, args: &[&str]| {
        let out = fx
            .cargo()
            .args(["test", "-p", member, "--test", "suite", "--"])
            .args(["--test-threads", "1"])
            .args(args)
            .env_remove("RUST_TEST_THREADS")
            .output()
            .unwrap();
        run_of(out)
    };
    // Built first, so that a record can be forgotten beside the binaries.
    let built = fx
        .cargo()
        .args(["test", "--no-run", "-q", "--test", "suite"])
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let state = autopsy_e2e::target_dir().join("debug/deps/x");
    forget(&state, &["suite.", "records-alpha.", "records-beta."]);

    let alpha = run("records-alpha", &[]);
    assert_eq!(alpha.code, Some(101), "{}", alpha.stdout);
    // The other member's `shared` passes: that says nothing of alpha's.
    let beta = run("records-beta", &[]);
    assert_eq!(beta.code, Some(0), "{}", beta.stdout);
    let again = run("records-alpha", &["--lf"]);
    assert_eq!(
        result_lines(&again.stdout),
        ["test shared ... FAILED"],
        "{}",
        again.stdout
    );
    let beta = run("records-beta", &["--lf"]);
    assert_eq!(
        result_lines(&beta.stdout),
        ["test other ... ok", "test shared ... ok"],
        "{}",
        beta.stdout
    );
}
