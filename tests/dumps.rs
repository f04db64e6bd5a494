//! Post-mortem dumps and `cargo autopsy` (issue 10 §1-§4): the batch job
//! run with no terminal writes a dump; `cargo autopsy open` reopens the
//! same prompt from it (through a pipe and a pseudo-terminal, with the
//! source moved away), and refuses a rebuilt, missing or stripped binary
//! with an error that names it; mutated dumps never crash it; crash tools
//! read a fatal signal's dump (tests/crash_tools.rs reads a panic's).
//!
//! The live prompt of the same program is the truth for the header and the
//! navigation; the dumped run's own `{:?}` line is the truth for `p config`
//! (a `HashMap`'s order is its process's own).

#[path = "support/batch_prompt.rs"]
mod batch_prompt;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use autopsy_e2e::{cargo_autopsy, normalize, Fixture, Run};

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// The example package, laid out as in the repository, in its own
/// directory: tests here move its source away for a while.
fn batch() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::from_example("batch-dumps", "examples/batch", "batch"))
}

/// Builds `bin` of `package` in the fixture's workspace.
fn build(f: &Fixture, args: &[&str]) {
    autopsy_e2e::output_ok(f.cargo().args(["build", "-q"]).args(args), "cargo build");
}

/// The batch job's program, built once.
fn program() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            build(batch(), &["-p", "batch-job", "--bin", "batch-job"]);
            autopsy_e2e::target_dir().join("debug/batch-job")
        })
        .clone()
}

fn clean(program: &Path) -> Command {
    autopsy_e2e::clean_command(program)
}

fn run(cmd: Command, stdin: Option<&str>) -> Run {
    autopsy_e2e::run_command(cmd, stdin, LIMIT)
}

/// The job `binary` on the example's input, from the fixture's root.
fn job(binary: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = clean(binary);
    cmd.current_dir(&batch().dir)
        .arg("examples/batch/data/nightly.txt")
        .envs(env.iter().copied());
    cmd
}

/// Runs the job with no terminal, dumps into `dir`; the run and the dump.
fn dumped_run(binary: &Path, dir: &Path) -> (Run, PathBuf) {
    let r = run(
        job(binary, &[("AUTOPSY_DUMP", dir.to_str().unwrap())]),
        None,
    );
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", dir.display(), r.stderr))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}\n{}", r.stderr);
    (r, files[0].clone())
}

/// `cargo autopsy open DUMP` with `args`, commands piped, from `cwd`.
fn open(dump: &Path, args: &[&str], commands: &str, cwd: &Path) -> Run {
    let mut cmd = clean(&cargo_autopsy());
    cmd.current_dir(cwd)
        .arg("autopsy")
        .arg("open")
        .arg(dump)
        .args(args);
    run(cmd, Some(commands))
}

/// The commands both prompts answer; `p config` first.
const COMMANDS: &str = "p config\np key\nup\np row\nwhere\nll\nargs\nc\n";

#[test]
fn no_terminal_writes_a_dump_and_open_shows_the_live_prompt() {
    let scratch = autopsy_e2e::scratch("dumps-open");
    let dir = scratch.join("dumps");
    let (dumped, dump) = dumped_run(&program(), &dir);

    // The job failed as it would have, and said where its dump is.
    assert_eq!(dumped.code, Some(101));
    let path = dump.display();
    assert_eq!(
        normalize(&dumped.stderr),
        format!(
            "\nthread 'main' panicked at examples/batch/src/main.rs:{}:11:\n\
             no entry found for key\n\
             note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
             autopsy: post-mortem dump written to {path} (it holds this process's memory: \
             readable by you only; `cargo autopsy open {path}` reopens the prompt)\n",
            autopsy_e2e::batch_main_line("    config[key]")
        )
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dump), 0o600);
    assert_eq!(mode(&dir), 0o700);

    // The live prompt of the same program, piped.
    let live = run(job(&program(), &[("AUTOPSY_PDB", "1")]), Some(COMMANDS));
    // The dump, reopened elsewhere.
    let opened = open(&dump, &[], COMMANDS, &scratch);
    assert_eq!(opened.code, Some(0), "{}", opened.stderr);
    assert_eq!(
        autopsy_e2e::prompt_header(&opened.stdout),
        autopsy_e2e::prompt_header(&live.stdout)
    );
    let (want, got) = (
        autopsy_e2e::prompt_answers(&live.stdout),
        autopsy_e2e::prompt_answers(&opened.stdout),
    );
    assert_eq!(got.len(), COMMANDS.lines().count());
    // `p config` is the dumped process's own `{:?}`.
    assert_eq!(
        got[0],
        (
            "p config".into(),
            format!("{}\n", autopsy_e2e::printed_settings(&dumped.stdout))
        )
    );
    // Everything else as the live prompt answers it, but for `args`, whose
    // `config` holds the map: the dumped process's own `{:?}` again.
    assert_eq!(got[1..6], want[1..6]);
    let config = dumped
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("batch-job: config "))
        .unwrap();
    assert_eq!(
        got[6],
        (
            "args".into(),
            format!("row = Row {{ id: 2, key: \"timeout\", amount: 0.25 }}\nconfig = {config}\n")
        )
    );
    assert_eq!(got[7], want[7]);
    assert_eq!(got[3].1, "Row { id: 2, key: \"timeout\", amount: 0.25 }\n");

    // With the source moved away, the same: the lines travel in the dump.
    let source = batch().dir.join("examples/batch/src/main.rs");
    let moved = scratch.join("main.rs.moved");
    std::fs::rename(&source, &moved).unwrap();
    let away = open(&dump, &[], COMMANDS, &scratch);
    std::fs::rename(&moved, &source).unwrap();
    assert_eq!(away.stdout, opened.stdout, "{}", away.stderr);

    // `open` with no argument opens the newest; `list` names it.
    let mut newest = clean(&cargo_autopsy());
    newest
        .current_dir(&scratch)
        .args(["autopsy", "open"])
        .env("AUTOPSY_DUMP", &dir);
    let newest = run(newest, Some(COMMANDS));
    assert_eq!(newest.stdout, opened.stdout, "{}", newest.stderr);
    let mut list = clean(&cargo_autopsy());
    list.args(["autopsy", "list", "--dir"]).arg(&dir);
    let list = run(list, None);
    let re = regex::Regex::new(
        r"^(\S+)  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  batch-job  no entry found for key\n$",
    )
    .unwrap();
    let caps = re
        .captures(&list.stdout)
        .unwrap_or_else(|| panic!("{}", list.stdout));
    assert_eq!(&caps[1], dump.to_str().unwrap());
}

#[test]
fn open_through_a_terminal() {
    let scratch = autopsy_e2e::scratch("dumps-pty");
    let (dumped, dump) = dumped_run(&program(), &scratch.join("dumps"));
    let settings = autopsy_e2e::printed_settings(&dumped.stdout);
    let mut cmd = clean(&cargo_autopsy());
    cmd.current_dir(&scratch)
        .args(["autopsy", "open"])
        .arg(&dump)
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string(">>> autopsy post-mortem: main").unwrap();
    p.exp_string("-> config[key]").unwrap();
    batch_prompt::p_config_up_p_row_quit(&mut p, &settings);
}

#[test]
fn a_rebuilt_missing_or_stripped_binary_is_a_clear_error() {
    let scratch = autopsy_e2e::scratch("dumps-binary");
    // A copy of the job's binary writes the dump: the copy is what the
    // dump names, so it can be rebuilt, stripped and removed here.
    let binary = scratch.join("batch-job");
    std::fs::copy(program(), &binary).unwrap();
    autopsy_e2e::settle_binary(&binary);
    let (_, dump) = dumped_run(&binary, &scratch.join("dumps"));
    let want = autopsy_e2e::gnu_build_id(&binary);

    // Another build (a changed source) in its place.
    let other = scratch.join("other.rs");
    std::fs::write(&other, "fn main() { println!(\"{}\", 42); }\n").unwrap();
    let status = Command::new("rustc")
        .args(["-g", "-o"])
        .arg(&binary)
        .arg(&other)
        .status()
        .unwrap();
    assert!(status.success());
    let found = autopsy_e2e::gnu_build_id(&binary);
    assert_ne!(found, want);
    let r = open(&dump, &[], "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {} is not the binary that wrote the dump: its build id is {found}, \
             the dump needs {want} (it was rebuilt since); `--binary PATH` points at the \
             original, with debug info\n",
            binary.display()
        )
    );
    assert!(!r.stdout.contains(">>> autopsy"), "{}", r.stdout);

    // Missing.
    std::fs::remove_file(&binary).unwrap();
    let r = open(&dump, &[], "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: the dump needs the binary {} (build id {want}), which is missing; \
             `--binary PATH` points at a copy with debug info\n",
            binary.display()
        )
    );

    // Stripped, through --binary.
    let stripped = scratch.join("batch-job-stripped");
    let status = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(program())
        .arg(&stripped)
        .status()
        .unwrap();
    assert!(status.success());
    let r = open(
        &dump,
        &["--binary", stripped.to_str().unwrap()],
        "c\n",
        &scratch,
    );
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {s} has no debug info (stripped?) and no split debug info was found \
             (searched: /usr/lib/debug/.build-id/{}/{}.debug, (no .gnu_debuglink in {s})): the \
             dump needs it to show frames and values; `--binary PATH` points at a copy with \
             debug info\n",
            &want[..2],
            &want[2..],
            s = stripped.display()
        )
    );

    // The original, through --binary: the prompt.
    let r = open(
        &dump,
        &["--binary", program().to_str().unwrap()],
        "p key\nc\n",
        &scratch,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("(autopsy) p key\n\"timeout\"\n"),
        "{}",
        r.stdout
    );
}

// --- tests: `--dump DIR`, and `--pdb` with nobody at the prompt -------------

/// The example's test suite, in a directory of its own (the tests above
/// move the program's source away for a while).
fn suite() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::from_example("batch-dumps-suite", "examples/batch", "batch"))
}

/// The `.autopsy` files of `dir`, by name.
fn dumps_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn dump_writes_a_dump_per_failing_test_named_in_the_report_and_junit() {
    let scratch = autopsy_e2e::scratch("dumps-suite");
    let dir = scratch.join("dumps");
    let junit = scratch.join("junit.xml");
    let f = suite();
    let (r, killed) = f.run_timeout(
        &[
            "--dump",
            dir.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
        &[],
        None,
        LIMIT,
    );
    assert!(!killed);
    assert_eq!(r.code, Some(101), "{}", r.stderr);
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 2, "{files:?}\n{}", r.stdout);
    let named = |test: &str| {
        files
            .iter()
            .find(|p| p.to_string_lossy().ends_with(&format!("-{test}.autopsy")))
            .unwrap_or_else(|| panic!("no dump of {test}: {files:?}"))
            .clone()
    };
    let nightly = named("nightly_batch");
    let rows = named("parses_rows");
    // Each failure's report names its dump, under the panic's message.
    let out = normalize(&r.stdout);
    for (test, dump) in [("nightly_batch", &nightly), ("parses_rows", &rows)] {
        let report = out
            .split(&format!("---- {test} stdout ----\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no report of {test}:\n{out}"));
        let report = &report[..report.find("\n\n").unwrap_or(report.len())];
        let path = dump.display();
        assert!(
            report.ends_with(&format!(
                "autopsy: post-mortem dump written to {path} (it holds this process's memory: \
                 readable by you only; `cargo autopsy open {path}` reopens the prompt)"
            )),
            "{report}"
        );
    }
    // The JUnit file attaches it, in the test's system-out.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let case = xml
        .split("<testcase name=\"nightly_batch\"")
        .nth(1)
        .expect("a nightly_batch testcase");
    let case = &case[..case.find("</testcase>").unwrap()];
    let system_out = case
        .split("<system-out>")
        .nth(1)
        .and_then(|s| s.split("</system-out>").next())
        .unwrap_or_else(|| panic!("no system-out:\n{case}"));
    assert!(
        system_out.ends_with(&format!("[[ATTACHMENT|{}]]\n", nightly.display())),
        "{system_out}"
    );

    // The dump reopens the prompt the live `--pdb` opens.
    let commands = "p config\np key\nup\np row\nc\n";
    let (live, _) = f.run_timeout(
        &["--pdb", "nightly_batch", "--exact"],
        &[],
        Some(commands),
        LIMIT,
    );
    let opened = open(&nightly, &[], commands, &scratch);
    assert_eq!(opened.code, Some(0), "{}", opened.stderr);
    assert_eq!(
        autopsy_e2e::prompt_header(&opened.stdout),
        autopsy_e2e::prompt_header(&live.stdout)
    );
    let (want, got) = (
        autopsy_e2e::prompt_answers(&live.stdout),
        autopsy_e2e::prompt_answers(&opened.stdout),
    );
    assert_eq!(got[1..4], want[1..4]);
    assert_eq!(got[0].0, "p config");
}

#[test]
fn pdb_with_nobody_at_the_prompt_writes_dumps() {
    let scratch = autopsy_e2e::scratch("dumps-pdb-ci");
    let f = suite();
    // CI: stdin is /dev/null; dumps go to the default place.
    let (r, killed) = f.run_timeout(
        &["--pdb"],
        &[("XDG_STATE_HOME", scratch.to_str().unwrap())],
        None,
        LIMIT,
    );
    assert!(!killed);
    assert_eq!(r.code, Some(101));
    assert!(!r.stdout.contains("(autopsy) "), "{}", r.stdout);
    let dir = scratch.join("autopsy/dumps");
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 2, "{}", r.stdout);
    for f in &files {
        assert!(
            r.stdout.contains(&format!(
                "autopsy: post-mortem dump written to {} (",
                f.display()
            )),
            "{}",
            r.stdout
        );
    }
}

// --- hostile input: `cargo autopsy` never crashes, hangs or balloons ---------

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `bytes` with `flips` random bytes replaced by random values.
fn flipped(bytes: &[u8], rng: &mut Rng, flips: usize) -> Vec<u8> {
    let mut m = bytes.to_vec();
    for _ in 0..flips {
        let i = rng.below(m.len());
        m[i] = rng.next() as u8;
    }
    m
}

/// Whether `r` ended as `cargo autopsy` may end on bad input: the prompt
/// (0) or one clear error line (1), never a signal, a panic or a hang.
fn ended_cleanly(r: &Run) -> Result<(), String> {
    let ok = match r.code {
        Some(0) => !r.stderr.contains("panicked"),
        Some(1) => r.stderr.starts_with("cargo autopsy: ") && r.stderr.lines().count() == 1,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "status {:?}\n--- stderr\n{}\n--- stdout\n{}",
            r.code, r.stderr, r.stdout
        ))
    }
}

#[test]
fn thousands_of_flipped_and_truncated_dumps_are_clear_errors() {
    let scratch = autopsy_e2e::scratch("dumps-mutated");
    let (_, dump) = dumped_run(&program(), &scratch.join("real"));
    let bytes = std::fs::read(&dump).unwrap();
    let dir = scratch.join("mutants");
    // Fresh: a longer dump of an earlier run left more cuts behind.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut count = 0;
    // Every truncation (one in 7 bytes), and 3000 dumps with 1 to 16 bytes
    // flipped: each decoded by `list`, in one process.
    for n in (0..bytes.len()).step_by(7) {
        std::fs::write(dir.join(format!("cut-{n:06}.autopsy")), &bytes[..n]).unwrap();
        count += 1;
    }
    for i in 0..3000 {
        let flips = 1 + rng.below(16);
        let m = flipped(&bytes, &mut rng, flips);
        std::fs::write(dir.join(format!("flip-{i:04}.autopsy")), m).unwrap();
        count += 1;
    }
    let mut list = clean(&cargo_autopsy());
    list.args(["autopsy", "list", "--dir"]).arg(&dir);
    let r = run(list, None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout.lines().count(), count);
    // Every cut dump is refused; flips in the metadata are too.
    let cut_refused = r
        .stdout
        .lines()
        .filter(|l| l.contains("/cut-") && l.contains("(unreadable: "))
        .count();
    assert_eq!(cut_refused, bytes.len().div_ceil(7), "{}", r.stdout);

    // A sample opened through the whole prompt: flips land in memory,
    // frames and sources, and the renderer meets the garbage.
    let commands = "where\np config\np key\nup\np row\nll\nargs\nbt full\nc\n";
    let mut failures = Vec::new();
    let mut prompts = 0;
    for i in 0..150 {
        let flips = 1 + rng.below(3);
        let path = scratch.join(format!("open-{i:03}.autopsy"));
        std::fs::write(&path, flipped(&bytes, &mut rng, flips)).unwrap();
        let r = open(&path, &[], commands, &scratch);
        prompts += usize::from(r.stdout.contains("(autopsy) c\n"));
        if let Err(e) = ended_cleanly(&r) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Most flips land in memory: those dumps open, garbage and all.
    assert!(prompts > 50, "only {prompts} of 150 reached the prompt");
}

#[test]
fn a_corrupted_binary_is_an_error_not_a_crash() {
    let scratch = autopsy_e2e::scratch("dumps-bad-binary");
    let (_, dump) = dumped_run(&program(), &scratch.join("real"));
    let original = std::fs::read(program()).unwrap();
    let bad = scratch.join("batch-job-corrupted");
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut failures = Vec::new();
    for round in 0..6 {
        let m = match round {
            // Cut short.
            0 => original[..original.len() / 3].to_vec(),
            1 => original[..64].to_vec(),
            // Thousands of flips across the file (its DWARF, mostly).
            _ => flipped(&original, &mut rng, 5000),
        };
        std::fs::write(&bad, m).unwrap();
        let r = open(
            &dump,
            &["--binary", bad.to_str().unwrap()],
            "where\np config\nup\np row\nc\n",
            &scratch,
        );
        if let Err(e) = ended_cleanly(&r) {
            failures.push(format!("round {round}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// --- fatal signals ------------------------------------------------------------

#[test]
fn a_segfault_leaves_a_dump_that_opens_at_the_faulting_frame() {
    let pkg = autopsy_e2e::Package::new(
        "program-segv",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"program-segv\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n[workspace]\n\n[dependencies]\nautopsy = { path = \"{harness}\" }\n",
            ),
            (
                "src/main.rs",
                r#"autopsy::install!();

fn poke(table: &[u32], index: usize) -> u32 {
    let slot = 0x10 as *const u32;
    let base = table[index];
    base + unsafe { *slot }
}

fn main() {
    let table = vec![4u32, 5, 6];
    println!("{}", poke(&table, 1));
}
"#,
            ),
        ],
    );
    let lock = std::fs::read_to_string(autopsy_e2e::root().join("Cargo.lock")).unwrap();
    std::fs::write(pkg.dir.join("Cargo.lock"), lock).unwrap();
    let built = pkg.cargo(&["build", "-q"], &[], None);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let binary = autopsy_e2e::target_dir().join("debug/program-segv");
    let scratch = autopsy_e2e::scratch("dumps-segv");
    let dir = scratch.join("dumps");
    let mut cmd = clean(&binary);
    cmd.current_dir(&pkg.dir).env("AUTOPSY_DUMP", &dir);
    let r = run(cmd, None);
    // Killed by the signal, as without autopsy.
    assert_eq!(r.code, None, "{}", r.stderr);
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{}", r.stderr);
    let path = files[0].display();
    assert_eq!(
        r.stderr,
        format!(
            "\nthread 'main' received a fatal signal: SIGSEGV (invalid memory reference) at \
             address 0x10\nautopsy: post-mortem dump written to {path} (it holds this \
             process's memory: readable by you only; `cargo autopsy open {path}` reopens the \
             prompt)\n"
        )
    );
    // Crash tools read the fault (rust-minidump): SIGSEGV (11, an unmapped
    // address: SEGV_MAPERR) at 0x10, the registers at the faulting
    // instruction, and the stack at the stack pointer.
    use minidump::Module;
    let md = minidump::Minidump::read_path(&files[0]).unwrap();
    let exception: minidump::MinidumpException = md.get_stream().unwrap();
    let record = &exception.raw.exception_record;
    assert_eq!((record.exception_code, record.exception_flags), (11, 1));
    assert_eq!(record.exception_address, 0x10);
    let system: minidump::MinidumpSystemInfo = md.get_stream().unwrap();
    let threads: minidump::MinidumpThreadList = md.get_stream().unwrap();
    let context = threads.threads[0].context(&system, None).unwrap();
    let modules: minidump::MinidumpModuleList = md.get_stream().unwrap();
    let base = modules.main_module().unwrap().base_address();
    let ip = context.get_instruction_pointer();
    let found = Command::new("addr2line")
        .args(["-f", "-C", "-e"])
        .arg(&binary)
        .arg(format!("{:#x}", ip - base))
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&found.stdout);
    assert!(found.contains("program_segv::poke\n"), "{found}");
    assert!(found.contains("main.rs:6"), "{found}");
    let memory: minidump::MinidumpMemoryList = md.get_stream().unwrap();
    assert!(memory
        .memory_at_address(context.get_stack_pointer())
        .is_some());

    let opened = open(
        &files[0],
        &[],
        "p index\np table\np base\nup\np table\nc\n",
        &scratch,
    );
    assert_eq!(opened.code, Some(0), "{}", opened.stderr);
    let head = autopsy_e2e::prompt_header(&opened.stdout);
    assert!(
        head.starts_with(
            "\n>>> autopsy post-mortem: main\nthread 'main' received a fatal signal at \
             src/main.rs:6:\nSIGSEGV (invalid memory reference) at address 0x10\n"
        ),
        "{head}"
    );
    assert!(
        head.ends_with("> src/main.rs(6)poke()\n-> base + unsafe { *slot }\n"),
        "{head}"
    );
    let ex = autopsy_e2e::prompt_answers(&opened.stdout);
    assert_eq!(ex[0].1, "1\n");
    assert_eq!(ex[1].1, "[4, 5, 6]\n");
    assert_eq!(ex[2].1, "5\n");
    assert_eq!(ex[4].1, "[4, 5, 6]\n");
}

#[test]
fn a_test_failing_through_question_mark_writes_a_dump_with_its_output() {
    let scratch = autopsy_e2e::scratch("dumps-question");
    let dir = scratch.join("dumps");
    let f = Fixture::with_source("dumps_pdb", "pdb", "");
    let args = ["flow::question_mark", "--exact"];
    let mut with_dump = vec!["--dump", dir.to_str().unwrap()];
    with_dump.extend(args);
    let (r, killed) = f.run_timeout(&with_dump, &[], None, LIMIT);
    assert!(!killed);
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{}", r.stdout);
    let path = files[0].display();
    assert!(
        r.stdout.contains(&format!(
            "---- flow::question_mark stdout ----\nparsing \"12x\"\n\
             autopsy: post-mortem dump written to {path} (it holds"
        )),
        "{}",
        r.stdout
    );
    let commands = "locals\np input\nout\nc\n";
    let mut live = vec!["--pdb"];
    live.extend(args);
    let (live, _) = f.run_timeout(&live, &[], Some(commands), LIMIT);
    let opened = open(&files[0], &[], commands, &scratch);
    assert_eq!(opened.code, Some(0), "{}", opened.stderr);
    // The header (the test's output so far, the error, where) and every
    // answer are the live prompt's.
    assert_eq!(
        autopsy_e2e::prompt_header(&opened.stdout),
        autopsy_e2e::prompt_header(&live.stdout)
    );
    assert_eq!(
        autopsy_e2e::prompt_answers(&opened.stdout)[..3],
        autopsy_e2e::prompt_answers(&live.stdout)[..3]
    );
}
