//! The post-mortem of programs (issue 10 §1): `autopsy::install!();` in a
//! binary crate, run as a user runs it: from a terminal (a real
//! pseudo-terminal), with `AUTOPSY_PDB=1` and commands piped on stdin, with
//! `AUTOPSY_PDB=0`, and from a cron-like job with no terminal.
//!
//! The program is the seed's batch job (examples/batch/src/main.rs, copied
//! under target/e2e/ at the same relative path). Values are checked against
//! Rust itself: the job prints `{:?}` of its configuration before it runs.

#[path = "support/batch_prompt.rs"]
mod batch_prompt;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use autopsy_e2e::{normalize, run_killed_after, Fixture, Package, Run};

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// The example package `batch-job`, laid out as in the repository.
fn batch() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::from_example("batch-program", "examples/batch", "batch"))
}

/// Builds the batch job's program; its path.
fn program() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| autopsy_e2e::build_batch_program(batch()))
        .clone()
}

/// The program with a clean environment, started in the fixture's workspace
/// root on the example's input.
fn job(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(program());
    cmd.current_dir(&batch().dir)
        .arg("examples/batch/data/nightly.txt")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AUTOPSY_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the job with `stdin` (`None`: /dev/null).
fn run_job(env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    autopsy_e2e::run_command(job(env), stdin, LIMIT)
}

/// The header the prompt opens with, computed from the source.
fn expected_header() -> String {
    let f = "examples/batch/src/main.rs";
    let frame = |needle: &str, function: &str| {
        format!(
            "  File \"{f}\", line {}, in batch_job::{function}\n    {}\n",
            autopsy_e2e::batch_main_line(needle),
            needle.trim()
        )
    };
    let load = autopsy_e2e::batch_main_line("    config[key]");
    [
        "\n>>> autopsy post-mortem: main\n".to_string(),
        format!("thread 'main' panicked at {f}:{load}:11:\n"),
        "no entry found for key\n\nTraceback (most recent call last):\n".to_string(),
        frame("let totals = run_batch(&rows, &config);", "main"),
        frame(
            "rows.iter().map(|row| transform(row, config)).collect()",
            "run_batch",
        ),
        frame(
            "rows.iter().map(|row| transform(row, config)).collect()",
            "run_batch::{{closure}}",
        ),
        frame("let limit = load(&config.settings, &row.key);", "transform"),
        frame("config[key]", "load"),
        format!("\n> {f}({load})load()\n-> config[key]\n"),
    ]
    .concat()
}

const PANIC_LINE: &str = "thread 'main' panicked at examples/batch/src/main.rs:";

#[test]
fn autopsy_pdb_1_reads_piped_commands_in_the_failing_frame() {
    let run = run_job(
        &[("AUTOPSY_PDB", "1")],
        Some("p config\np key\nup\np row\nc\n"),
    );
    assert_eq!(
        autopsy_e2e::prompt_header(&run.stdout),
        expected_header(),
        "{}",
        run.stderr
    );
    let ex = autopsy_e2e::prompt_answers(&run.stdout);
    let settings = autopsy_e2e::printed_settings(&run.stdout);
    assert_eq!(ex[0], ("p config".into(), format!("{settings}\n")));
    assert_eq!(ex[1], ("p key".into(), "\"timeout\"\n".into()));
    let transform = autopsy_e2e::batch_main_line("let limit = load(&config.settings, &row.key);");
    assert_eq!(
        ex[2].1,
        format!(
            "> examples/batch/src/main.rs({transform})transform()\n\
             -> let limit = load(&config.settings, &row.key);\n"
        )
    );
    assert_eq!(ex[3].1, "Row { id: 2, key: \"timeout\", amount: 0.25 }\n");
    // After `c` the panic goes on: std's message, the status of a panic.
    assert!(
        normalize(&run.stderr).contains(PANIC_LINE),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(101));
}

#[test]
fn a_terminal_opens_the_prompt_and_quit_exits_101() {
    let mut cmd = job(&[]);
    cmd.env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let config_line = p
        .exp_string(">>> autopsy post-mortem: main")
        .expect("the prompt opens");
    let settings = autopsy_e2e::printed_settings(&config_line.replace('\r', ""));
    p.exp_string("-> config[key]").expect("in load()");
    let rest = batch_prompt::p_config_up_p_row_quit(&mut p, &settings);
    assert!(rest.contains("autopsy: quit at the prompt"), "{rest}");
    let status = format!("{:?}", p.process().wait().unwrap());
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 101)"),
        "{status}"
    );
}

#[test]
fn autopsy_pdb_0_turns_the_prompt_off_even_on_a_terminal() {
    let mut cmd = job(&[("AUTOPSY_PDB", "0")]);
    cmd.env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let all = p.exp_eof().expect("the job ends by itself");
    assert!(!all.contains(">>> autopsy"), "{all}");
    assert!(normalize(&all).contains(PANIC_LINE), "{all}");
}

/// A program whose worker thread panics: the prompt opens on that thread.
#[test]
fn a_panic_in_another_thread_opens_on_that_thread() {
    let pkg = Package::new(
        "program-threads",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"program-threads\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[workspace]\n\n[dependencies]\nautopsy = { path = \"{harness}\" }\n",
            ),
            (
                "src/main.rs",
                r#"autopsy::install!();

fn pick(batch: &[u32], index: usize) -> u32 {
    batch[index]
}

fn main() {
    let batch = vec![3, 4];
    let worker = std::thread::Builder::new()
        .name("loader".into())
        .spawn(move || pick(&batch, 9))
        .unwrap();
    let joined = worker.join();
    println!("joined: {}", joined.is_err());
}
"#,
            ),
        ],
    );
    let lock = std::fs::read_to_string(autopsy_e2e::root().join("Cargo.lock")).unwrap();
    std::fs::write(pkg.dir.join("Cargo.lock"), lock).unwrap();
    let run = pkg.cargo(
        &["run", "-q"],
        &[("AUTOPSY_PDB", "1")],
        Some("p batch\np index\nc\n"),
    );
    let out = normalize(&run.stdout);
    assert!(
        out.contains(
            "\n>>> autopsy post-mortem: loader\nthread 'loader' panicked at src/main.rs:4:5:\n\
             index out of bounds: the len is 2 but the index is 9\n"
        ),
        "{out}\n{}",
        run.stderr
    );
    let ex = autopsy_e2e::prompt_answers(&out);
    assert_eq!(ex[0].1, "[3, 4]\n");
    assert_eq!(ex[1].1, "9\n");
    // The main thread goes on: the join reports the panic.
    assert!(out.ends_with("joined: true\n"), "{out}");
    assert_eq!(run.code, Some(0));
}

/// `post_mortem!(&err)` in a program with no terminal: the traceback, and a
/// dump that reopens the prompt at the macro, showing the error.
#[test]
fn post_mortem_with_no_terminal_writes_a_dump() {
    let pkg = Package::new(
        "program-caught",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"program-caught\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[workspace]\n\n[dependencies]\nautopsy = { path = \"{harness}\" }\n",
            ),
            (
                "src/main.rs",
                r#"autopsy::install!();

fn parse(field: &str) -> Result<u32, std::num::ParseIntError> {
    field.trim().parse()
}

fn main() {
    let field = " 12x";
    if let Err(err) = parse(field) {
        autopsy::post_mortem!(&err);
    }
    println!("went on");
}
"#,
            ),
        ],
    );
    let lock = std::fs::read_to_string(autopsy_e2e::root().join("Cargo.lock")).unwrap();
    std::fs::write(pkg.dir.join("Cargo.lock"), lock).unwrap();
    let scratch = autopsy_e2e::scratch("program-caught");
    let dir = scratch.join("dumps");
    let run = pkg.cargo(
        &["run", "-q"],
        &[("AUTOPSY_DUMP", dir.to_str().unwrap())],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "went on\n");
    let dump: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dump.len(), 1);
    let path = dump[0].display();
    assert!(
        run.stderr.starts_with(
            "autopsy: post_mortem!() at src/main.rs:10 (no prompt: no terminal)\n\
             Traceback (most recent call last):\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(&format!(
            "Error: ParseIntError {{ kind: InvalidDigit }}\n\
             autopsy: post-mortem dump written to {path} (it holds this process's memory: \
             readable by you only; `cargo autopsy open {path}` reopens the prompt)\n"
        )),
        "{}",
        run.stderr
    );
    let mut open = Command::new(autopsy_e2e::cargo_autopsy());
    open.current_dir(&scratch)
        .args(["autopsy", "open"])
        .arg(&dump[0])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (opened, killed) = run_killed_after(open, Some("p field\nc\n"), LIMIT);
    assert!(!killed);
    assert!(
        opened.stdout.starts_with(
            "\n>>> autopsy post-mortem: main\nthread 'main' caught an error at src/main.rs:10:\n\
             ParseIntError { kind: InvalidDigit }\n"
        ),
        "{}\n{}",
        opened.stdout,
        opened.stderr
    );
    assert!(
        opened.stdout.contains("(autopsy) p field\n\" 12x\"\n"),
        "{}",
        opened.stdout
    );
}
