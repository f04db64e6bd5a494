//! Crash tools open autopsy's dumps (issue 10 §4): a dump the batch job
//! wrote, parsed by rust-minidump's `minidump` crate (what
//! `minidump-stackwalk` reads dumps with). The truths are the binary's own:
//! its GNU build id from `readelf -n`, and the source line `addr2line`
//! finds at the registers' instruction pointer.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use autopsy_e2e::Fixture;
use minidump::system_info::{Cpu, Os};
use minidump::{
    Minidump, MinidumpException, MinidumpLinuxMaps, MinidumpMemoryList, MinidumpModuleList,
    MinidumpSystemInfo, MinidumpThreadList, MinidumpThreadNames, Module,
};

/// No run may hang.
const LIMIT: u64 = 120;

/// autopsy's own stream type ("AUTP").
const AUTOPSY_STREAM: u32 = 0x4155_5450;

fn batch() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture::from_example("batch-crash-tools", "examples/batch", "batch"))
}

fn program() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| autopsy_e2e::build_batch_program(batch()))
        .clone()
}

/// `addr2line -f -C` of a link-time address of `binary`: function, then
/// `file:line`.
fn addr2line(binary: &Path, addr: u64) -> String {
    let out = Command::new("addr2line")
        .args(["-f", "-C", "-e"])
        .arg(binary)
        .arg(format!("{addr:#x}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rust_minidump_reads_the_batch_jobs_dump() {
    let scratch = autopsy_e2e::scratch("crash-tools");
    let dir = scratch.join("dumps");
    let _ = std::fs::remove_dir_all(&dir);
    let binary = program();
    let mut cmd = autopsy_e2e::clean_command(&binary);
    cmd.current_dir(&batch().dir)
        .arg("examples/batch/data/nightly.txt")
        .env("AUTOPSY_DUMP", &dir);
    let run = autopsy_e2e::run_command(cmd, None, LIMIT);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{}", run.stderr);

    let dump = Minidump::read_path(&files[0]).expect("a minidump");
    // autopsy's own stream is listed, at its format's version.
    assert!(dump.all_streams().any(|s| s.stream_type == AUTOPSY_STREAM));
    let ours = dump.get_raw_stream(AUTOPSY_STREAM).unwrap();
    assert_eq!(ours[..4], 2u32.to_le_bytes());

    let system: MinidumpSystemInfo = dump.get_stream().unwrap();
    assert_eq!(system.os, Os::Linux);
    let cpu = if cfg!(target_arch = "x86_64") {
        Cpu::X86_64
    } else {
        Cpu::Arm64
    };
    assert_eq!(system.cpu, cpu);

    // The executable first, named by path and build id.
    let modules: MinidumpModuleList = dump.get_stream().unwrap();
    let main = modules.main_module().expect("a main module");
    assert_eq!(main.code_file(), binary.display().to_string());
    let want = autopsy_e2e::gnu_build_id(&binary);
    assert_eq!(main.code_identifier().unwrap().as_str(), want);
    // Breakpad's debug id of an ELF build id: its first 16 bytes as a GUID
    // (the first three fields byte-swapped), age 0.
    let b: Vec<String> = (0..16)
        .map(|i| want[2 * i..2 * i + 2].to_string())
        .collect();
    let guid = [
        b[3].clone() + &b[2] + &b[1] + &b[0],
        b[5].clone() + &b[4],
        b[7].clone() + &b[6],
        b[8..16].concat(),
    ]
    .concat();
    assert_eq!(
        main.debug_identifier().unwrap().breakpad().to_string(),
        format!("{}0", guid.to_uppercase())
    );
    assert!(modules.iter().any(|m| m.code_file().contains("libc.so")));

    // The failing thread, named, with its registers.
    let threads: MinidumpThreadList = dump.get_stream().unwrap();
    assert_eq!(threads.threads.len(), 1);
    let thread = &threads.threads[0];
    let names: MinidumpThreadNames = dump.get_stream().unwrap();
    assert_eq!(
        names.get_name(thread.raw.thread_id).as_deref(),
        Some("main")
    );
    let context = thread.context(&system, None).expect("a context");
    let (ip, sp) = (
        context.get_instruction_pointer(),
        context.get_stack_pointer(),
    );
    // The instruction pointer is in the frame the prompt opens at: the
    // call in `load()` that panicked.
    assert!(main.base_address() <= ip && ip < main.base_address() + main.size());
    let found = addr2line(&binary, ip - 1 - main.base_address());
    assert!(found.contains("batch_job::load"), "{found}");
    assert!(
        found.contains(&format!(
            "main.rs:{}",
            autopsy_e2e::batch_main_line("    config[key]")
        )),
        "{found}"
    );
    // Its stack holds the stack pointer, and is in the memory list.
    let memory: MinidumpMemoryList = dump.get_stream().unwrap();
    let region = memory.memory_at_address(sp).expect("memory at sp");
    assert!(region.base_address <= sp);
    let stack = thread.raw.stack;
    assert!(stack.start_of_memory_range <= sp && stack.memory.data_size > 0);
    assert!(memory
        .memory_at_address(stack.start_of_memory_range)
        .is_some());

    // A panic is no crash: Breakpad's DUMP_REQUESTED, on that thread.
    let exception: MinidumpException = dump.get_stream().unwrap();
    assert_eq!(exception.thread_id, thread.raw.thread_id);
    assert_eq!(exception.raw.exception_record.exception_code, 0xffff_ffff);
    assert_eq!(exception.raw.exception_record.exception_address, ip);

    let maps: MinidumpLinuxMaps = dump.get_stream().unwrap();
    assert!(maps.iter().count() > 5);
}

#[test]
fn a_minidump_without_autopsys_stream_is_named_as_such() {
    let scratch = autopsy_e2e::scratch("crash-tools-foreign");
    let dir = scratch.join("dumps");
    let mut cmd = autopsy_e2e::clean_command(&program());
    cmd.current_dir(&batch().dir)
        .arg("examples/batch/data/nightly.txt")
        .env("AUTOPSY_DUMP", &dir);
    let run = autopsy_e2e::run_command(cmd, None, LIMIT);
    let real = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap_or_else(|| panic!("no dump:\n{}", run.stderr))
        .unwrap()
        .path();
    // Another tool's minidump: the same file with autopsy's stream turned
    // into one of a type nobody reads, in the stream directory.
    let mut bytes = std::fs::read(&real).unwrap();
    let count = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let dir_rva = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let entry = (0..count)
        .map(|i| dir_rva + 12 * i)
        .find(|&e| bytes[e..e + 4] == AUTOPSY_STREAM.to_le_bytes())
        .expect("autopsy's stream in the directory");
    bytes[entry..entry + 4].copy_from_slice(&0x4767_00ffu32.to_le_bytes());
    let foreign = scratch.join("other-tool.dmp");
    std::fs::write(&foreign, &bytes).unwrap();
    // Still a minidump crash tools read.
    let md = Minidump::read_path(&foreign).unwrap();
    assert!(md.get_stream::<MinidumpThreadList>().is_ok());

    let mut open = autopsy_e2e::clean_command(&autopsy_e2e::cargo_autopsy());
    open.args(["autopsy", "open"]).arg(&foreign);
    let r = autopsy_e2e::run_command(open, Some("c\n"), LIMIT);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "cargo autopsy: {}: a minidump without autopsy's stream (written by another \
             tool?): `cargo autopsy` opens the dumps autopsy writes\n",
            foreign.display()
        )
    );
    assert!(!r.stdout.contains(">>> autopsy"), "{}", r.stdout);
}
