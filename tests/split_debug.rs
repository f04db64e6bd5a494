//! Split debug info for `cargo autopsy open` (issue 10 §3): a binary
//! stripped with `objcopy --strip-debug --add-gnu-debuglink` gets its DWARF
//! from the debug file beside it or in `.debug/`, and the prompt answers as
//! with the full binary; a debug file of another build (wrong CRC, wrong
//! build id) is refused with a message that names it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use autopsy_e2e::{cargo_autopsy, Fixture, Run};

const LIMIT: u64 = 120;

fn program() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let f = Fixture::from_example("batch-split", "examples/batch", "batch");
            autopsy_e2e::build_batch_program(&f)
        })
        .clone()
}

fn input() -> PathBuf {
    autopsy_e2e::root().join("target/e2e/batch-split/examples/batch/data/nightly.txt")
}

fn clean(program: &Path) -> Command {
    autopsy_e2e::clean_command(program)
}

fn run(cmd: Command, stdin: Option<&str>) -> Run {
    autopsy_e2e::run_command(cmd, stdin, LIMIT)
}

fn open(dump: &Path, commands: &str, cwd: &Path) -> Run {
    let mut cmd = clean(&cargo_autopsy());
    cmd.current_dir(cwd).arg("autopsy").arg("open").arg(dump);
    run(cmd, Some(commands))
}

fn objcopy(cwd: &Path, args: &[&str]) {
    let out = Command::new("objcopy")
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "objcopy {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `readelf`'s answer to whether `binary` has a `.debug_info` with bits.
fn has_debug_info(binary: &Path) -> bool {
    let out = Command::new("readelf")
        .arg("-SW")
        .arg(binary)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.contains(" .debug_info ") && !l.contains("NOBITS"))
}

fn build_id(binary: &Path) -> String {
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

/// zlib's CRC-32 of a file, from Python: the checksum gdb checks.
fn crc32(file: &Path) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zlib; print('%08x' % zlib.crc32(open(sys.argv[1], 'rb').read()))",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

const COMMANDS: &str = "p config\nup\np row\nwhere\nc\n";

#[test]
fn a_stripped_binary_finds_its_split_debug_info() {
    let scratch = autopsy_e2e::scratch("split-debug").canonicalize().unwrap();
    let binary = scratch.join("batch-job");
    std::fs::copy(program(), &binary).unwrap();
    autopsy_e2e::settle_binary(&binary);
    let dir = scratch.join("dumps");
    let mut job = clean(&binary);
    job.arg(input()).env("AUTOPSY_DUMP", &dir);
    let dumped = run(job, None);
    let dumps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}\n{}", dumped.stderr))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dumps.len(), 1, "{}", dumped.stderr);
    let dump = &dumps[0];

    // The truth: the prompt over the full binary.
    let full = open(dump, COMMANDS, &scratch);
    assert_eq!(full.code, Some(0), "{}", full.stderr);
    assert!(
        full.stdout.contains("(autopsy) p row\nRow { id: 2"),
        "{}",
        full.stdout
    );

    // Split: the DWARF beside the binary, named by its .gnu_debuglink.
    objcopy(
        &scratch,
        &["--only-keep-debug", "batch-job", "batch-job.debug"],
    );
    objcopy(
        &scratch,
        &[
            "--strip-debug",
            "--add-gnu-debuglink=batch-job.debug",
            "batch-job",
        ],
    );
    assert!(!has_debug_info(&binary));
    let beside = open(dump, COMMANDS, &scratch);
    assert_eq!(beside.stderr, "");
    assert_eq!(beside.stdout, full.stdout);

    // In `.debug/` beside the binary.
    let debug = scratch.join(".debug/batch-job.debug");
    std::fs::create_dir(scratch.join(".debug")).unwrap();
    std::fs::rename(scratch.join("batch-job.debug"), &debug).unwrap();
    let in_dot_debug = open(dump, COMMANDS, &scratch);
    assert_eq!(in_dot_debug.stderr, "");
    assert_eq!(in_dot_debug.stdout, full.stdout);

    // A changed debug file: its CRC is not the one the binary records.
    let want = crc32(&debug);
    let mut bytes = std::fs::read(&debug).unwrap();
    bytes.push(0);
    std::fs::write(&debug, &bytes).unwrap();
    let found = crc32(&debug);
    let r = open(dump, "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {} is not the debug info of {}: its CRC-32 is {found}, the \
             binary's .gnu_debuglink asks for {want} (made from another build?)\n",
            debug.display(),
            binary.display()
        )
    );
    std::fs::remove_file(&debug).unwrap();

    // A debug file of another build, linked with its own (right) CRC.
    let other = scratch.join("other.rs");
    std::fs::write(&other, "fn main() { println!(\"{}\", 42); }\n").unwrap();
    let status = Command::new("rustc")
        .current_dir(&scratch)
        .args(["-g", "-o", "other", "other.rs"])
        .status()
        .unwrap();
    assert!(status.success());
    objcopy(&scratch, &["--only-keep-debug", "other", "other.debug"]);
    objcopy(
        &scratch,
        &[
            "--remove-section=.gnu_debuglink",
            "--add-gnu-debuglink=other.debug",
            "batch-job",
        ],
    );
    let r = open(dump, "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {} is not the debug info of {}: its build id is {}, the binary's \
             is {}\n",
            scratch.join("other.debug").display(),
            binary.display(),
            build_id(&scratch.join("other")),
            build_id(&binary)
        )
    );

    // Nothing found: the error names where it looked.
    std::fs::remove_file(scratch.join("other.debug")).unwrap();
    let r = open(dump, "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    let id = build_id(&binary);
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {b} has no debug info (stripped?) and no split debug info was found \
             (searched: /usr/lib/debug/.build-id/{}/{}.debug, {s}/other.debug, \
             {s}/.debug/other.debug, /usr/lib/debug{s}/other.debug): the dump needs it to show \
             frames and values; `--binary PATH` points at a copy with debug info\n",
            &id[..2],
            &id[2..],
            b = binary.display(),
            s = scratch.display()
        )
    );
}
