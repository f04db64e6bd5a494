//! Helpers for autopsy's end-to-end tests: each fixture is a real crate,
//! written under `target/e2e/`, that depends on `harness/` by path, and is run
//! with `cargo test -- ...` as a user runs it. All fixtures share one target
//! directory so dependencies are built once per machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// The Cargo.toml addition of the flaky fixture (tests/flaky.rs and
/// tests/junit.rs): a second test target built from the same source, with
/// its own binary name, so its own last-failed record, which only the
/// `--lf`/`--ff` tests touch.
pub const FLAKY_EXTRA: &str = r#"
[[test]]
name = "flaky_lf"
path = "tests/flaky.rs"
harness = false
"#;

/// A fresh, empty directory for one test's files:
/// `target/e2e/scratch/<name>`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/e2e/scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory every fixture builds into. Apart from the
/// workspace's own, so the outer `cargo test` never holds its lock.
pub fn target_dir() -> PathBuf {
    root().join("target").join("e2e-target")
}

/// A test crate written from `tests/fixtures/<name>.rs` (and any helpers).
pub struct Fixture {
    pub dir: PathBuf,
    pub test: String,
    pub profile_extra: String,
}

fn build_lock() -> &'static Mutex<()> {
    static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| Mutex::new(()))
}

/// What a run printed, with its exit code.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        }
    }
}

impl Run {
    /// stdout with timings and thread ids made stable.
    pub fn normalized(&self) -> String {
        normalize(&self.stdout)
    }

    /// libtest's closing `test result: ...` line, normalized.
    pub fn test_result(&self) -> String {
        let line = self.stdout.lines().find(|l| l.starts_with("test result: "));
        normalize(
            line.unwrap_or_else(|| {
                panic!("no test result line:\n{}\n{}", self.stdout, self.stderr)
            }),
        )
    }
}

/// The `test NAME ... STATUS` lines of `out`, in the order printed.
pub fn result_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("test ") && l.contains(" ... "))
        .collect()
}

/// Compares `actual` with `tests/snapshots/NAME.txt`; `AUTOPSY_BLESS=1`
/// rewrites the file instead (read every blessed diff by eye).
pub fn snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("AUTOPSY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "snapshot {name} differs (AUTOPSY_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Replaces what changes between runs: durations, thread ids, addresses.
pub fn normalize(text: &str) -> String {
    let re_time = regex::Regex::new(r"finished in \d+\.\d+s").unwrap();
    let re_tid = regex::Regex::new(r"(thread '[^']*') \(\d+\)").unwrap();
    let t = re_time.replace_all(text, "finished in X.XXs");
    re_tid.replace_all(&t, "$1").into_owned()
}

/// A test package's `Cargo.toml`: the package `name` (version 0.1.0,
/// edition 2021, unpublished), a workspace of its own (not ours), then
/// `rest`: its targets and dependencies.
pub fn manifest(name: &str, rest: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n{rest}"
    )
}

impl Fixture {
    /// A crate named `name` whose test target `name` is
    /// `tests/fixtures/<name>.rs`; `extra_toml` is appended to Cargo.toml.
    pub fn new(name: &str, extra_toml: &str) -> Fixture {
        Fixture::with_source(name, name, extra_toml)
    }

    /// Like [`Fixture::new`], with the test target's source taken from
    /// `tests/fixtures/<source>.rs` (one source built under several
    /// profiles, each its own crate).
    pub fn with_source(name: &str, source: &str, extra_toml: &str) -> Fixture {
        let dir = root().join("target").join("e2e").join(name);
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let harness = root().join("harness");
        let toml = manifest(
            name,
            &format!(
                r#"[dev-dependencies]
autopsy = {{ path = "{}" }}

[[test]]
name = "{name}"
harness = false
{extra_toml}"#,
                harness.display()
            ),
        );
        write_if_changed(&dir.join("Cargo.toml"), &toml);
        write_if_changed(&dir.join("src/lib.rs"), "//! A fixture crate.\n");
        let src =
            std::fs::read_to_string(root().join("tests/fixtures").join(format!("{source}.rs")))
                .unwrap_or_else(|e| panic!("tests/fixtures/{source}.rs: {e}"));
        write_if_changed(&dir.join("tests").join(format!("{name}.rs")), &src);
        // The workspace's lock file: same versions, no registry look-ups.
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        write_if_changed(&dir.join("Cargo.lock"), &lock);
        Fixture {
            dir,
            test: name.to_string(),
            profile_extra: extra_toml.to_string(),
        }
    }

    /// `cargo` with a clean environment: nothing of the outer test run leaks
    /// into the user's run (backtraces, thread counts, colour).
    pub fn cargo(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env_remove("RUST_TEST_THREADS")
            .env_remove("NO_COLOR")
            .env_remove("CARGO_TERM_COLOR")
            .env_remove("CARGO_TERM_QUIET")
            .env("CARGO_TERM_PROGRESS_WHEN", "never");
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("AUTOPSY_") {
                cmd.env_remove(k);
            }
        }
        cmd
    }

    /// Builds the test binary (once at a time across the test process).
    pub fn build(&self) {
        let _guard = build_lock().lock().unwrap_or_else(|e| e.into_inner());
        output_ok(
            self.cargo()
                .args(["test", "--no-run", "-q", "--test", &self.test]),
            &format!("building {}", self.test),
        );
    }

    /// The `cargo test --test NAME` command, with `args` after `--`. Not
    /// `cargo test -q`: that makes the runner terse, as it makes libtest.
    pub fn command(&self, args: &[&str]) -> Command {
        self.cargo_test(&[], args)
    }

    /// `cargo test CARGO_ARGS --test NAME -- ARGS`.
    pub fn cargo_test(&self, cargo_args: &[&str], args: &[&str]) -> Command {
        let mut cmd = self.cargo();
        cmd.arg("test")
            .args(cargo_args)
            .args(["--test", &self.test, "--"])
            .args(args);
        cmd
    }

    /// The same test file built with libtest's own harness, the truth that
    /// autopsy's output is compared with: a crate beside this one
    /// (`target/e2e/<name>-libtest/`) whose `tests/<name>.rs` (the same path,
    /// so panics and source paths read the same) is the fixture with
    /// `#[autopsy::test]` written `#[test]` and without `autopsy::main!();`.
    pub fn libtest_twin(&self) -> Fixture {
        let dir = self.dir.with_file_name(format!(
            "{}-libtest",
            self.dir.file_name().unwrap().to_string_lossy()
        ));
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let name = &self.test;
        let toml = format!(
            "[package]\nname = \"{name}-libtest\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
             publish = false\n\n[workspace]\n\n[[test]]\nname = \"{name}\"\n"
        );
        write_if_changed(&dir.join("Cargo.toml"), &toml);
        write_if_changed(&dir.join("src/lib.rs"), "//! A fixture crate.\n");
        let src = std::fs::read_to_string(self.dir.join("tests").join(format!("{name}.rs")))
            .unwrap()
            .replace("#[autopsy::test]", "#[test]")
            .replace("autopsy::main!();", "");
        write_if_changed(&dir.join("tests").join(format!("{name}.rs")), &src);
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        write_if_changed(&dir.join("Cargo.lock"), &lock);
        Fixture {
            dir,
            test: name.clone(),
            profile_extra: String::new(),
        }
    }

    /// Runs the built test binary itself (as IDEs and nextest do), from the
    /// crate's directory, with `env` added to a clean environment.
    pub fn run_binary(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(self.binary());
        cmd.current_dir(&self.dir)
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env_remove("RUST_TEST_THREADS")
            .env_remove("RUSTC_BOOTSTRAP")
            .env_remove("NO_COLOR");
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("AUTOPSY_") || k.starts_with("RUST_TEST_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().unwrap())
    }

    /// Runs `cargo test --test NAME -- args` and collects what it printed.
    pub fn run(&self, args: &[&str]) -> Run {
        self.build();
        Run::from(self.command(args).output().unwrap())
    }

    /// Same, with extra environment variables and stdin.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        use std::io::Write;
        self.build();
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        Run::from(child.wait_with_output().unwrap())
    }

    /// The built test binary (for cargo-nextest and direct runs).
    pub fn binary(&self) -> PathBuf {
        self.build();
        let out = self
            .cargo()
            .args([
                "test",
                "--no-run",
                "--message-format=json",
                "-q",
                "--test",
                &self.test,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // The test target's artifact (its target's kind is `test`), not a
        // binary target of the package that cargo builds beside it.
        let re = regex::Regex::new(r#""executable":"([^"]+)""#).unwrap();
        let path = text
            .lines()
            .filter(|l| l.contains(r#""kind":["test"]"#))
            .filter_map(|l| re.captures(l))
            .next_back()
            .expect("an executable")
            .get(1)
            .unwrap()
            .as_str()
            .to_string();
        PathBuf::from(path)
    }
}

/// Writes `text` unless the file already holds it; atomically (a temporary
/// file renamed over it), as the tests of one file set up the same fixture
/// in parallel and cargo must never read a half-written `Cargo.lock`.
fn write_if_changed(path: &Path, text: &str) {
    // One writer at a time in this process: two tests preparing the same
    // fixture at once must not both find a file missing and both write it
    // (the second write would give it a newer mtime after the first test's
    // build, and cargo would relink the binary while that test runs it).
    static WRITING: Mutex<()> = Mutex::new(());
    let _one = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        // Renamed into place: a test building the same fixture at that
        // moment reads the old file or the new one, never a truncated one.
        let tmp = path.with_extension(format!(
            "tmp{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }
}

impl Fixture {
    /// A workspace under `target/e2e/<name>/` holding a copy of the package
    /// at `package` (relative to the repository root, e.g. `examples/batch`)
    /// at the same relative path, so file names in panics and the prompt read
    /// as in the repository (`examples/batch/tests/batch.rs`). The package's
    /// `autopsy` path dependency is pointed at `harness/`.
    pub fn from_example(name: &str, package: &str, test: &str) -> Fixture {
        let dir = root().join("target").join("e2e").join(name);
        let src = root().join(package);
        let dst = dir.join(package);
        // The manifest is not copied as it is: its `autopsy` path is
        // rewritten below. Copied first, it flipped on every call between
        // the two, and a test building at that moment read a path that
        // does not exist (`failed to read .../target/e2e/batch/harness/`).
        copy_tree(&src, &dst, &src.join("Cargo.toml"));
        let manifest = std::fs::read_to_string(src.join("Cargo.toml")).unwrap();
        let harness = root().join("harness");
        let manifest = regex::Regex::new(r#"autopsy = \{ path = "[^"]*" \}"#)
            .unwrap()
            .replace(
                &manifest,
                format!(r#"autopsy = {{ path = "{}" }}"#, harness.display()).as_str(),
            )
            .into_owned();
        write_if_changed(&dst.join("Cargo.toml"), &manifest);
        write_if_changed(
            &dir.join("Cargo.toml"),
            &format!("[workspace]\nmembers = [\"{package}\"]\nresolver = \"2\"\n"),
        );
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        write_if_changed(&dir.join("Cargo.lock"), &lock);
        Fixture {
            dir,
            test: test.to_string(),
            profile_extra: String::new(),
        }
    }

    /// Runs `cargo test --test NAME -- args` with `env` and `stdin`
    /// (`None`: stdin is /dev/null), killed after `secs` seconds; the
    /// second value says whether it had to be killed.
    pub fn run_timeout(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
        secs: u64,
    ) -> (Run, bool) {
        use std::process::Stdio;
        self.build();
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        run_killed_after(cmd, stdin, secs)
    }
}

/// Runs `cmd` (stdio already set up), feeding `stdin`, killing it after
/// `secs` seconds; the second value says whether it had to be killed.
pub fn run_killed_after(cmd: Command, stdin: Option<&str>, secs: u64) -> (Run, bool) {
    run_killed_after_bytes(cmd, stdin.map(str::as_bytes), secs)
}

/// [`run_killed_after`] with stdin as bytes (which need not be UTF-8).
pub fn run_killed_after_bytes(mut cmd: Command, stdin: Option<&[u8]>, secs: u64) -> (Run, bool) {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    // Its own process group, so a hang is killed with every worker.
    cmd.process_group(0);
    let mut child = cmd.spawn().unwrap();
    if let (Some(bytes), Some(mut input)) = (stdin, child.stdin.take()) {
        // A process may end without reading its input (an error at once).
        if let Err(e) = input.write_all(bytes) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {e}"
            );
        }
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut killed = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            killed = true;
            let _ = Command::new("kill")
                .args(["-9", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    };
    (Run::from(out), killed)
}

/// Copies the files under `src` to `dst` (only those that differ), all but
/// `except`.
fn copy_tree(src: &Path, dst: &Path, except: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.path() == except {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to, except);
        } else {
            write_if_changed(&to, &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
}

/// The `[dev-dependencies]` line of the packages with async tests: one
/// line for all, so that they share one build of tokio.
pub const TOKIO: &str = r#"tokio = { version = "1", features = ["rt", "rt-multi-thread", "macros", "time", "test-util"] }"#;

/// A package written under `target/e2e/<name>/` from `(path, text)` files,
/// for set-ups a single test file cannot show (unit tests in `src/`, several
/// targets, other crates' test macros). `Cargo.toml` is among the files;
/// `{harness}` in it stands for the path of `harness/`.
pub struct Package {
    pub dir: PathBuf,
}

impl Package {
    pub fn new(name: &str, files: &[(&str, &str)]) -> Package {
        let dir = root().join("target").join("e2e").join(name);
        let harness = root().join("harness");
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = text.replace("{harness}", &harness.display().to_string());
            write_if_changed(&path, &text);
        }
        Package { dir }
    }

    /// `cargo ARGS` in the package, environment cleaned as [`Fixture::cargo`]
    /// cleans it, with `env`, `stdin` (`None`: /dev/null), killed after 600 s.
    pub fn cargo(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        use std::process::Stdio;
        let fixture = Fixture {
            dir: self.dir.clone(),
            test: String::new(),
            profile_extra: String::new(),
        };
        let mut cmd = fixture.cargo();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let _guard = build_lock().lock().unwrap_or_else(|e| e.into_inner());
        let (run, killed) = run_killed_after(cmd, stdin, 600);
        assert!(
            !killed,
            "cargo {args:?} hung:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }
}

/// The prompt's part of `out`: from each `>>> autopsy post-mortem` header to
/// the `(autopsy) c` that leaves it, thread ids and timings normalized.
pub fn prompts(out: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        if line.contains(">>> autopsy post-mortem") {
            current = Some(String::new());
        }
        if let Some(text) = current.as_mut() {
            let line = line.split(">>> autopsy").last().unwrap_or(line);
            let line = if line.starts_with(" post-mortem") {
                format!(">>> autopsy{line}")
            } else {
                line.to_string()
            };
            text.push_str(&normalize(&line));
            text.push('\n');
            if line.starts_with("(autopsy) c") {
                found.push(current.take().unwrap());
            }
        }
    }
    found
}

/// `cargo-autopsy`, built once per test process into the fixtures' target
/// directory.
pub fn cargo_autopsy() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let _guard = build_lock().lock().unwrap_or_else(|e| e.into_inner());
            output_ok(
                Command::new(env!("CARGO"))
                    .current_dir(root())
                    .env("CARGO_TARGET_DIR", target_dir())
                    .env("CARGO_TERM_PROGRESS_WHEN", "never")
                    .args(["build", "-q", "-p", "autopsy", "--bin", "cargo-autopsy"]),
                "building cargo-autopsy",
            );
            target_dir().join("debug/cargo-autopsy")
        })
        .clone()
}

/// Runs `cmd` to its end and returns its output, failing the test with its
/// stderr (and `what` it was doing) when it did not succeed.
pub fn output_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `program` with the environment of a user's shell, without autopsy's
/// variables or backtraces (for programs and `cargo autopsy` run directly).
pub fn clean_command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AUTOPSY_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs `cmd` with `stdin` (`None`: /dev/null), killed and failed after
/// `secs` seconds.
pub fn run_command(mut cmd: Command, stdin: Option<&str>, secs: u64) -> Run {
    use std::process::Stdio;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let (run, killed) = run_killed_after(cmd, stdin, secs);
    assert!(!killed, "hung:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// The GNU build id of `binary`, from `readelf -n`.
pub fn gnu_build_id(binary: &Path) -> String {
    let out = Command::new("readelf")
        .arg("-n")
        .arg(binary)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .unwrap_or_else(|| panic!("no build id:\n{text}"))
        .to_string()
}

/// Builds the batch job's program (`examples/batch`, `[[bin]] batch-job`)
/// in `fixture`'s workspace; its path.
pub fn build_batch_program(fixture: &Fixture) -> PathBuf {
    output_ok(
        fixture
            .cargo()
            .args(["build", "-q", "-p", "batch-job", "--bin", "batch-job"]),
        "building batch-job",
    );
    target_dir().join("debug/batch-job")
}

/// Waits until `binary`, just written by this process, can be started: a
/// thread of the test process that forks meanwhile holds the written file
/// open in its child until that child execs (`ETXTBSY`).
pub fn settle_binary(binary: &Path) {
    use std::process::Stdio;
    for _ in 0..100 {
        let started = clean_command(binary)
            .arg("/nonexistent/input")
            .env("AUTOPSY_PDB", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match started {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            _ => return,
        }
    }
}

// --- prompt transcripts ------------------------------------------------------

/// The prompt's header in `stdout`: from `>>> autopsy` to the first prompt,
/// normalised.
pub fn prompt_header(stdout: &str) -> String {
    let start = stdout
        .find("\n>>> autopsy")
        .unwrap_or_else(|| panic!("no prompt opened:\n{stdout}"));
    let rest = &stdout[start..];
    normalize(&rest[..rest.find("(autopsy) ").expect("a prompt")])
}

/// What each piped command printed, in order: `(command, answer)`.
pub fn prompt_answers(stdout: &str) -> Vec<(String, String)> {
    stdout
        .split("(autopsy) ")
        .skip(1)
        .map(|chunk| {
            let (c, a) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (c.to_string(), a.to_string())
        })
        .collect()
}

/// The settings map of the `batch-job: config Config { .. }` line the batch
/// program printed (its `{:?}`, the truth `p config` is checked against).
pub fn printed_settings(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("batch-job: config "))
        .unwrap_or_else(|| panic!("no config line in:\n{stdout}"));
    let start = line.find("settings: ").expect("settings") + "settings: ".len();
    line[start..line.len() - 2].to_string()
}

/// The 1-based number of the first line of `file` (a path in this
/// repository) that contains `needle`.
pub fn line_in(file: &str, needle: &str) -> usize {
    let src = std::fs::read_to_string(root().join(file)).unwrap();
    src.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in {file}"))
        + 1
}

/// The line of examples/batch/src/main.rs that contains `needle`.
pub fn batch_main_line(needle: &str) -> usize {
    line_in("examples/batch/src/main.rs", needle)
}
