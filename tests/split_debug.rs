//! Split debug info (issue 10 §3), for `cargo autopsy open` and the live
//! prompt: a binary stripped with `objcopy --strip-debug
//! --add-gnu-debuglink` gets its DWARF from the debug file beside it or in
//! `.debug/`, and the prompt answers as with the full binary; a debug file
//! of another build (wrong CRC, wrong build id) is refused with a message
//! that names it. Split DWARF (cargo's `split-debuginfo = "packed"`, a
//! `.dwp` beside the binary, and `"unpacked"`, `.dwo` files) answers as
//! normal debug info does; a missing or foreign `.dwp`/`.dwo` is named.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use autopsy_e2e::{cargo_autopsy, normalize, Fixture, Run};

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
    autopsy_e2e::output_ok(
        Command::new("objcopy").current_dir(cwd).args(args),
        &format!("objcopy {args:?}"),
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
            autopsy_e2e::gnu_build_id(&scratch.join("other")),
            autopsy_e2e::gnu_build_id(&binary)
        )
    );

    // Nothing found: the error names where it looked.
    std::fs::remove_file(scratch.join("other.debug")).unwrap();
    let r = open(dump, "c\n", &scratch);
    assert_eq!(r.code, Some(1));
    let id = autopsy_e2e::gnu_build_id(&binary);
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

// --- split DWARF (`split-debuginfo`) ----------------------------------------

/// What the prompt is asked on the split-DWARF fixture: the failing frame's
/// locals and values (a map, an `Rc`, a trait object, a closure, a static),
/// then the test's frame.
const SPLIT_COMMANDS: &str = "where\nlocals\np job\npp job\np counts\np stage\np shared\n\
                              p step\np over\np LIMIT\np job.tags[1]\nup\nargs\nlocals\n\
                              p steps\nc\n";

/// tests/fixtures/split_dwarf.rs as the crate `name`, the crate itself
/// built with `split-debuginfo = SPLIT` (its dependencies as usual, so the
/// three builds share them).
fn split_fixture(name: &str, split: Option<&str>) -> Fixture {
    let extra = split
        .map(|s| format!("\n[profile.dev.package.{name}]\nsplit-debuginfo = \"{s}\"\n"))
        .unwrap_or_default();
    Fixture::with_source(name, "split_dwarf", &extra)
}

/// `cargo test -- --pdb nightly` with the commands piped in.
fn split_session(f: &Fixture) -> Run {
    let (r, killed) = f.run_timeout(
        &["--pdb", "nightly", "--exact"],
        &[],
        Some(SPLIT_COMMANDS),
        LIMIT,
    );
    assert!(!killed, "hung:\n{}\n{}", r.stdout, r.stderr);
    r
}

/// The test binary at `binary` run directly (as IDEs run it) from the
/// fixture's directory, `--pdb nightly` with the commands piped in.
fn split_direct(f: &Fixture, binary: &Path) -> Run {
    let mut cmd = clean(binary);
    cmd.current_dir(&f.dir)
        .args(["--pdb", "nightly", "--exact"]);
    run(cmd, Some(SPLIT_COMMANDS))
}

/// A run's stdout, stable across runs, with the fixture's crate name (in
/// paths and function names) written `NAME`.
fn same(r: &Run, name: &str) -> String {
    normalize(&r.stdout).replace(name, "NAME")
}

/// The plain build's answers: the truth the split builds are held to.
fn plain_truth() -> &'static (Run, String) {
    static TRUTH: OnceLock<(Run, String)> = OnceLock::new();
    TRUTH.get_or_init(|| {
        let plain = split_fixture("split_plain", None);
        let r = split_session(&plain);
        // The prompt read the locals (not the same "no debug info" twice).
        assert!(
            r.stdout.contains(
                "(autopsy) p job\nJob { id: 42, name: \"nightly-import\", tags: [\"csv\", \"eu\"], \
                 retry: Some(3) }\n"
            ),
            "{}\n{}",
            r.stdout,
            r.stderr
        );
        let text = same(&r, "split_plain");
        (r, text)
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The one dump in `dir`.
fn only_dump(dir: &Path, run: &Run) -> PathBuf {
    let dumps: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", run.stdout, run.stderr))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dumps.len(), 1, "{}", run.stdout);
    dumps[0].clone()
}

/// `cargo autopsy open DUMP [--binary B]` with the commands piped in, but
/// `p LIMIT` (a dump holds no statics).
fn open_with(dump: &Path, binary: Option<&Path>, cwd: &Path) -> Run {
    let mut cmd = clean(&cargo_autopsy());
    cmd.current_dir(cwd).arg("autopsy").arg("open").arg(dump);
    if let Some(b) = binary {
        cmd.arg("--binary").arg(b);
    }
    run(cmd, Some(&SPLIT_COMMANDS.replace("p LIMIT\n", "")))
}

#[test]
fn packed_split_dwarf_reads_the_dwp_beside_the_binary() {
    let (_, truth) = plain_truth();
    let packed = split_fixture("split_packed", Some("packed"));
    let binary = packed.binary();
    // What rustc and cargo left: the package beside the test binary.
    let dwp = with_suffix(&binary, ".dwp");
    assert!(dwp.is_file(), "no {}", dwp.display());

    // The live prompt, through `cargo test`.
    let live = split_session(&packed);
    assert_eq!(same(&live, "split_packed"), *truth, "{}", live.stderr);

    // A dump of the packed build, reopened: as the plain build's dump.
    let scratch = autopsy_e2e::scratch("split-dwarf-packed")
        .canonicalize()
        .unwrap();
    let mut opened = Vec::new();
    for (f, name) in [
        (split_fixture("split_plain", None), "split_plain"),
        (
            split_fixture("split_packed", Some("packed")),
            "split_packed",
        ),
    ] {
        let dir = scratch.join(format!("dumps-{name}"));
        let (r, killed) = f.run_timeout(
            &["--dump", dir.to_str().unwrap(), "nightly", "--exact"],
            &[],
            None,
            LIMIT,
        );
        assert!(!killed);
        let dump = only_dump(&dir, &r);
        let o = open_with(&dump, None, &f.dir);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
        opened.push((same(&o, name), dump));
    }
    assert_eq!(opened[1].0, opened[0].0);
    assert!(opened[0].0.contains("(autopsy) p job\nJob { id: 42"));

    // A copy of the binary without its package: the live prompt and the
    // dump both name the file that is needed.
    let copy = scratch.join("split_packed-copy");
    std::fs::copy(&binary, &copy).unwrap();
    autopsy_e2e::settle_binary(&copy);
    let needed = format!("neither {}.dwp (\"packed\") nor ", copy.display());
    let r = open_with(&opened[1].1, Some(&copy), &packed.dir);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.stderr.starts_with(&format!(
            "cargo autopsy: {} keeps its debug info in split DWARF (cargo's `split-debuginfo`), \
             and {needed}",
            copy.display()
        )) && r.stderr.ends_with(
            " (\"unpacked\") exists; the dump needs that file to show frames and values\n"
        ),
        "{}",
        r.stderr
    );
    let r = split_direct(&packed, &copy);
    assert!(
        r.stdout.contains(&format!(
            "\nnote: {} keeps its debug info in split DWARF (cargo's `split-debuginfo`), and {needed}",
            copy.display()
        )) && r.stdout.contains(
            " (\"unpacked\") exists, so `p`, `locals` and `args` cannot read values.\n"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("Job { id: 42"), "{}", r.stdout);

    // The package copied beside it: found there, as gdb and lldb find it.
    std::fs::copy(&dwp, with_suffix(&copy, ".dwp")).unwrap();
    let r = open_with(&opened[1].1, Some(&copy), &packed.dir);
    assert_eq!(same(&r, "split_packed"), opened[0].0, "{}", r.stderr);
    let direct = split_direct(&packed, &copy);
    let original = split_direct(&packed, &binary);
    assert_eq!(
        same(&direct, "split_packed"),
        same(&original, "split_packed")
    );
    assert!(direct.stdout.contains("(autopsy) p job\nJob { id: 42"));

    // The package of another program: refused, named, no wrong values.
    let other = scratch.join("other.rs");
    std::fs::write(&other, "fn main() { println!(\"{}\", 42); }\n").unwrap();
    let status = Command::new("rustc")
        .current_dir(&scratch)
        .args([
            "-g",
            "-C",
            "split-debuginfo=packed",
            "-o",
            "other",
            "other.rs",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::copy(scratch.join("other.dwp"), with_suffix(&copy, ".dwp")).unwrap();
    let r = open_with(&opened[1].1, Some(&copy), &packed.dir);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let re = regex::Regex::new(&format!(
        "^cargo autopsy: {dwp} is not the split debug info of {bin}: it has no unit with DWO id \
         [0-9a-f]{{16}} \\(made from another build\\?\\); the dump needs that file to show frames \
         and values\n$",
        dwp = regex::escape(&format!("{}.dwp", copy.display())),
        bin = regex::escape(&copy.display().to_string()),
    ))
    .unwrap();
    assert!(re.is_match(&r.stderr), "{}", r.stderr);
}

/// The `.dwo` files `binary`'s skeleton units name, from readelf.
fn dwo_names(binary: &Path) -> Vec<PathBuf> {
    let out = Command::new("readelf")
        .args(["--debug-dump=info", "--dwarf-depth=1"])
        .arg(binary)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<PathBuf> = text
        .lines()
        .filter(|l| l.contains("DW_AT_GNU_dwo_name") || l.contains("DW_AT_dwo_name"))
        .filter_map(|l| l.rsplit_once("): ").map(|(_, p)| PathBuf::from(p.trim())))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Files moved into a directory for a while, moved back when dropped (also
/// when the test fails, so the build they belong to stays whole).
struct Away(Vec<(PathBuf, PathBuf)>);

impl Away {
    fn new(files: &[PathBuf], dir: &Path) -> Away {
        std::fs::create_dir_all(dir).unwrap();
        let mut moved = Vec::new();
        for f in files {
            let to = dir.join(f.file_name().unwrap());
            std::fs::rename(f, &to).unwrap();
            moved.push((f.clone(), to));
        }
        Away(moved)
    }
}

impl Drop for Away {
    fn drop(&mut self) {
        for (home, away) in &self.0 {
            let _ = std::fs::rename(away, home);
        }
    }
}

#[test]
fn unpacked_split_dwarf_reads_the_dwo_files() {
    let (_, truth) = plain_truth();
    let f = split_fixture("split_unpacked", Some("unpacked"));
    let binary = f.binary();
    assert!(!with_suffix(&binary, ".dwp").exists());
    // What rustc left: one `.dwo` per codegen unit, beside the binary, at
    // the paths its skeleton units record (readelf's list; older builds'
    // files may lie there too).
    let deps = binary.parent().unwrap();
    let stem = binary.file_name().unwrap().to_str().unwrap().to_string();
    let dwos = dwo_names(&binary);
    assert!(dwos.len() >= 2, "{dwos:?}");
    for d in &dwos {
        assert_eq!(d.parent(), Some(deps), "{}", d.display());
        assert!(d.is_file(), "{}", d.display());
    }

    let live = split_session(&f);
    assert_eq!(same(&live, "split_unpacked"), *truth, "{}", live.stderr);

    // The `.dwo` files gone from where the binary says: the note names
    // the files that are needed.
    let scratch = autopsy_e2e::scratch("split-dwarf-unpacked")
        .canonicalize()
        .unwrap();
    let copy = scratch.join(&stem);
    std::fs::copy(&binary, &copy).unwrap();
    autopsy_e2e::settle_binary(&copy);
    let _away = Away::new(&dwos, &scratch.join("away"));
    let r = split_direct(&f, &copy);
    let re = regex::Regex::new(&format!(
        "\nnote: {bin} keeps its debug info in split DWARF \\(cargo's `split-debuginfo`\\), and \
         neither {bin}\\.dwp \\(\"packed\"\\) nor {deps}/{stem}\\.[^ ]+\\.dwo \\(\"unpacked\"\\) \
         exists, so `p`, `locals` and `args` cannot read values\\.\n",
        bin = regex::escape(&copy.display().to_string()),
        deps = regex::escape(&deps.display().to_string()),
        stem = regex::escape(&stem),
    ))
    .unwrap();
    assert!(re.is_match(&r.stdout), "{}", r.stdout);
    assert!(!r.stdout.contains("Job { id: 42"), "{}", r.stdout);

    // Moved together with the binary: found by name beside it (as lldb
    // looks), the same answers.
    for d in &dwos {
        std::fs::copy(
            scratch.join("away").join(d.file_name().unwrap()),
            scratch.join(d.file_name().unwrap()),
        )
        .unwrap();
    }
    let r = split_direct(&f, &copy);
    assert_eq!(same(&r, "split_unpacked"), *truth, "{}", r.stderr);

    // Each file holding another unit's DWARF: refused by DWO id, named.
    let beside: Vec<PathBuf> = dwos
        .iter()
        .map(|d| scratch.join(d.file_name().unwrap()))
        .collect();
    let first = std::fs::read(&beside[0]).unwrap();
    for i in 0..beside.len() {
        let next = match beside.get(i + 1) {
            Some(n) => std::fs::read(n).unwrap(),
            None => first.clone(),
        };
        std::fs::write(&beside[i], next).unwrap();
    }
    let r = split_direct(&f, &copy);
    let re = regex::Regex::new(&format!(
        "\nnote: {scratch}/{stem}\\.[^ ]+\\.dwo is not the split debug info of {bin}: its DWO id \
         is [0-9a-f]{{16}}, the binary's unit needs [0-9a-f]{{16}} \\(made from another \
         build\\?\\), so `p`, `locals` and `args` cannot read values\\.\n",
        scratch = regex::escape(&scratch.display().to_string()),
        bin = regex::escape(&copy.display().to_string()),
        stem = regex::escape(&stem),
    ))
    .unwrap();
    assert!(re.is_match(&r.stdout), "{}", r.stdout);
    assert!(!r.stdout.contains("Job { id: 42"), "{}", r.stdout);
}

#[test]
fn a_stripped_test_binary_finds_its_debug_file_at_the_live_prompt() {
    let f = split_fixture("split_plain", None);
    let binary = f.binary();
    let scratch = autopsy_e2e::scratch("split-debug-live")
        .canonicalize()
        .unwrap();
    let copy = scratch.join("split_plain-stripped");
    std::fs::copy(&binary, &copy).unwrap();
    autopsy_e2e::settle_binary(&copy);
    let full = split_direct(&f, &copy);
    assert!(
        full.stdout.contains("(autopsy) p job\nJob { id: 42"),
        "{}",
        full.stdout
    );

    objcopy(
        &scratch,
        &[
            "--only-keep-debug",
            "split_plain-stripped",
            "split_plain-stripped.debug",
        ],
    );
    objcopy(
        &scratch,
        &[
            "--strip-debug",
            "--add-gnu-debuglink=split_plain-stripped.debug",
            "split_plain-stripped",
        ],
    );
    assert!(!has_debug_info(&copy));
    autopsy_e2e::settle_binary(&copy);
    let r = split_direct(&f, &copy);
    assert_eq!(
        normalize(&r.stdout),
        normalize(&full.stdout),
        "{}",
        r.stderr
    );

    // The debug file gone: the note says where it was looked for.
    std::fs::remove_file(scratch.join("split_plain-stripped.debug")).unwrap();
    let r = split_direct(&f, &copy);
    let id = autopsy_e2e::gnu_build_id(&copy);
    let s = scratch.display();
    assert!(
        r.stdout.contains(&format!(
            "\nnote: {s}/split_plain-stripped has no debug info (stripped?) and no split debug \
             info was found (searched: /usr/lib/debug/.build-id/{}/{}.debug, \
             {s}/split_plain-stripped.debug, {s}/.debug/split_plain-stripped.debug, \
             /usr/lib/debug{s}/split_plain-stripped.debug), so `p`, `locals` and `args` cannot \
             read values.\n",
            &id[..2],
            &id[2..],
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn packed_split_dwarf_5_answers_as_normal_debug_info() {
    let (_, truth) = plain_truth();
    // DWARF 5's split units (`DW_UT_skeleton`, `DW_OP_addrx`, location and
    // range lists by index) for the test crate only, through `cargo rustc`
    // (a profile cannot set the DWARF version); its dependencies' DWARF 4
    // units beside them.
    let f = split_fixture("split_packed5", Some("packed"));
    let out = autopsy_e2e::output_ok(
        f.cargo().args([
            "rustc",
            "-q",
            "--profile",
            "test",
            "--test",
            "split_packed5",
            "--message-format=json",
            "--",
            "-Cdwarf-version=5",
        ]),
        "cargo rustc -Cdwarf-version=5",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let re = regex::Regex::new(r#""executable":"([^"]+)""#).unwrap();
    let binary = PathBuf::from(
        text.lines()
            .filter(|l| l.contains(r#""kind":["test"]"#))
            .find_map(|l| re.captures(l))
            .expect("the test executable")
            .get(1)
            .unwrap()
            .as_str(),
    );
    assert!(with_suffix(&binary, ".dwp").is_file());
    let info = Command::new("readelf")
        .args(["--debug-dump=info", "--dwarf-depth=1"])
        .arg(&binary)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("DW_UT_skeleton"));
    let r = split_direct(&f, &binary);
    assert_eq!(same(&r, "split_packed5"), *truth, "{}", r.stderr);
}
