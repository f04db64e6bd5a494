//! Writing a dump at a failure, on the debugger's helper thread, while the
//! failing frames are still on the stack.
//!
//! What goes in: the failing thread's frames (pc and CFA, as the live
//! debugger uses them), its stack between them, and every byte read while
//! rendering each local of the user's frames, exactly as `p` renders it
//! (pointers followed by type, collections cut as the prompt cuts them),
//! up to a cap; the panic, the output so far, the test and its attempt, and
//! the source files of the user's frames; the registers of the failing
//! frame, the loaded objects and `/proc/self/maps`, for crash tools. Never
//! the whole heap.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use super::format::{merge, Arch, Context, Dump, EncodeError, Signal, StopKind};
use crate::debuginfo::{self, mem, DebugInfo, FrameKind, RawFrame};

/// The default cap on the memory a dump keeps: 64 MiB.
pub const DEFAULT_CAP: u64 = 64 << 20;

/// The largest cap: a dump stays below the 1 GiB `cargo autopsy open` reads
/// (and the 4 GiB a minidump's offsets reach).
pub const MAX_CAP: u64 = 768 << 20;

/// The red zone below a stack pointer, kept with the stack.
const RED_ZONE: u64 = 128;

/// Most stack bytes kept above a signal's stack pointer when no frame tells
/// where its stack ends.
const SIGNAL_STACK: u64 = 64 << 10;

/// Most bytes of `/proc/self/maps` kept.
const MAX_MAPS: usize = 1 << 20;

/// Most stack bytes kept between the innermost and outermost frames.
const MAX_STACK: u64 = 8 << 20;

/// Most bytes of one source file kept.
const MAX_SOURCE: usize = 1 << 20;

/// What failed, as the host knows it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub kind: StopKind,
    pub message: String,
    pub location: String,
    pub thread: String,
    pub test: String,
    pub attempt: Option<(u32, u32)>,
    pub output: Option<Vec<u8>>,
    /// The failing thread's id ([`current_tid`] on that thread).
    pub tid: u32,
    /// Its registers, when known exactly (a signal's `ucontext_t`); else
    /// the writer takes those of the failing frame from the unwinder.
    pub context: Option<Context>,
    /// The fatal signal, if one stopped it.
    pub signal: Option<Signal>,
}

/// The calling thread's id, as the kernel knows it.
pub(crate) fn current_tid() -> u32 {
    // SAFETY: gettid has no memory effects.
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// Why a dump was not written.
#[derive(thiserror::Error, Debug)]
pub(crate) enum WriteError {
    #[error("no debug info: {0}")]
    DebugInfo(#[from] debuginfo::DebugInfoError),
    #[error("cannot write {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
    #[error("{0}")]
    Encode(#[from] EncodeError),
    #[error("dumps are written on x86_64 and aarch64 only")]
    Unsupported,
}

/// A dump written.
#[derive(Debug)]
pub(crate) struct Written {
    pub path: PathBuf,
    /// Bytes over the cap, left out.
    pub left_out: u64,
}

/// Where dumps go: `AUTOPSY_DUMP` (or `--dump DIR`), else
/// `$XDG_STATE_HOME/autopsy/dumps`, else `~/.local/state/autopsy/dumps`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AUTOPSY_DUMP").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    state.join("autopsy").join("dumps")
}

/// The cap on kept memory: `AUTOPSY_DUMP_CAP` in bytes (`K`, `M`, `G`
/// suffixes), else [`DEFAULT_CAP`]; at most [`MAX_CAP`].
pub fn cap() -> u64 {
    std::env::var("AUTOPSY_DUMP_CAP")
        .ok()
        .and_then(|v| parse_size(&v))
        .unwrap_or(DEFAULT_CAP)
        .min(MAX_CAP)
}

fn parse_size(v: &str) -> Option<u64> {
    let v = v.trim();
    let (digits, unit) = match v.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => v.split_at(i),
        None => (v, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let mult = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Collects the dump of `failure` over the stack `raw` (this thread's) and
/// writes it into `dir`. Runs on a helper thread; `raw` was captured on the
/// failing thread, which waits, so its stack is intact.
pub(crate) fn write(
    failure: Failure,
    raw: &[RawFrame],
    dir: PathBuf,
) -> Result<Written, WriteError> {
    let dump = collect(failure, raw, cap())?;
    let left_out = dump.left_out;
    let path = save(&dump, dir)?;
    Ok(Written { path, left_out })
}

fn collect(failure: Failure, raw: &[RawFrame], cap: u64) -> Result<Dump, WriteError> {
    let arch = Arch::HOST.ok_or(WriteError::Unsupported)?;
    let info = DebugInfo::get()?;
    let frames = info.frames(raw);
    let context = match failure.context.clone() {
        Some(c) => c,
        None => frame_context(info, raw, arch),
    };
    mem::start_recording(cap);
    // The stack between the frames: every local's home.
    let lo = raw.iter().map(|r| r.cfa as u64).min();
    let hi = raw.iter().map(|r| r.cfa as u64).max();
    let mut kept = None;
    if let (Some(lo), Some(hi)) = (lo, hi) {
        kept = Some((
            lo,
            keep_stack(lo, (hi + 4096).min(lo.saturating_add(MAX_STACK))),
        ));
    }
    // The failing frame's stack pointer and the red zone below it. A
    // signal's may be on another stack than the handler's frames (they run
    // on the main thread's alternate signal stack), which the span above
    // then ends before: its stack from there up to the outermost frame on
    // it.
    let sp = context.sp();
    let red = sp.saturating_sub(RED_ZONE);
    match kept {
        Some((lo, end)) if lo <= sp && sp < end => {
            if red < lo {
                keep_stack(red, lo);
            }
        }
        _ => {
            let top = raw
                .iter()
                .map(|r| r.cfa as u64)
                .filter(|&c| c >= sp && c - sp < MAX_STACK)
                .max()
                .map_or(sp.saturating_add(SIGNAL_STACK), |c| c + 4096);
            keep_stack(red, top);
        }
    }
    // Every local of the user's frames, rendered as `p` renders it: the
    // reads it makes are the memory the prompt will need.
    let mut sources = BTreeMap::new();
    for f in frames.iter().filter(|f| f.kind == FrameKind::User) {
        if let Ok(vars) = info.locals(f) {
            for v in vars {
                let _ = v.value.debug();
            }
        }
        if let Some(file) = &f.file {
            if !sources.contains_key(file) {
                if let Some(text) = crate::postmortem::source::read_source(file) {
                    let mut text = text;
                    if text.len() > MAX_SOURCE {
                        let mut end = MAX_SOURCE;
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.truncate(end);
                    }
                    sources.insert(file.clone(), text);
                }
            }
        }
    }
    let recording = mem::stop_recording();
    // A signal has no `file!()`: where the deepest user frame stopped,
    // relative to the working directory when below it (as rustc names
    // files of the workspace).
    let mut location = failure.location;
    if location.is_empty() {
        if let Some(f) = frames.iter().find(|f| f.kind == FrameKind::User) {
            let file = f.file.clone().unwrap_or_else(|| "<unknown>".into());
            let rel = std::env::current_dir()
                .ok()
                .and_then(|cwd| {
                    std::path::Path::new(&file)
                        .strip_prefix(cwd)
                        .ok()
                        .map(|p| p.display().to_string())
                })
                .unwrap_or(file);
            location = format!("{rel}:{}", f.line.unwrap_or(0));
        }
    }
    let frames = raw
        .iter()
        .map(|r| {
            let name = (!info.in_executable(r.ip))
                .then(|| debuginfo::shared_symbol(r.ip))
                .flatten();
            (r.ip as u64, r.cfa as u64, name)
        })
        .collect();
    let binary = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let modules = super::modules::loaded(&binary);
    Ok(Dump {
        binary,
        build_id: info.build_id().unwrap_or_default(),
        bias: info.bias(),
        autopsy_dir: debuginfo::autopsy_dir().unwrap_or("").to_string(),
        user_crates: debuginfo::user_crates(),
        kind: failure.kind,
        message: failure.message,
        location,
        thread: failure.thread,
        tid: failure.tid,
        test: failure.test,
        attempt: failure.attempt.unwrap_or((0, 0)),
        time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        pid: std::process::id(),
        cap,
        left_out: recording.left_out,
        output: failure.output,
        frames,
        context,
        signal: failure.signal,
        modules,
        maps: maps(),
        sources,
        memory: merge(recording.chunks),
    })
}

/// Keeps the stack from `from` to `to`, in chunks; a short read ends it (a
/// guard page, the stack's top). Where it ended.
fn keep_stack(from: u64, to: u64) -> u64 {
    let mut at = from;
    while at < to {
        let n = (to - at).min(64 << 10) as usize;
        let mut buf = vec![0u8; n];
        let got = mem::read_live(at, &mut buf);
        if got == 0 {
            break;
        }
        let _ = mem::read(at, got);
        at += got as u64;
    }
    at
}

/// The registers of the frame the prompt opens at (the innermost frame of
/// the user's code, else of the executable, else the innermost): its pc
/// (the return address of the call it was making), its stack pointer
/// during that call, and the callee-saved registers the unwinder restored.
fn frame_context(info: &DebugInfo, raw: &[RawFrame], arch: Arch) -> Context {
    let user = |r: &RawFrame| {
        info.frames(std::slice::from_ref(r))
            .iter()
            .any(|f| f.kind == FrameKind::User)
    };
    let Some(frame) = raw
        .iter()
        .find(|r| user(r))
        .or_else(|| raw.iter().find(|r| info.in_executable(r.ip)))
        .or(raw.first())
    else {
        return Context::new(arch, 0, 0);
    };
    let mut context = Context::new(arch, frame.ip as u64, frame.cfa as u64);
    if let Some(regs) = debuginfo::frame_registers(frame) {
        let (pc, sp) = arch.pc_sp();
        for (i, r) in regs.iter().enumerate() {
            if r.is_some() && i != pc && i != sp {
                context.regs[i] = *r;
            }
        }
    }
    context
}

/// `/proc/self/maps`, up to [`MAX_MAPS`] bytes of whole lines.
fn maps() -> Vec<u8> {
    let mut maps = std::fs::read("/proc/self/maps").unwrap_or_default();
    if maps.len() > MAX_MAPS {
        maps.truncate(MAX_MAPS);
        let end = maps.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        maps.truncate(end);
    }
    maps
}

/// Writes `dump` into `dir` (created 0700), as a new file readable by its
/// owner only (0600).
fn save(dump: &Dump, dir: PathBuf) -> Result<PathBuf, WriteError> {
    let io = |path: &PathBuf, err| WriteError::Io {
        path: path.clone(),
        err,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| io(&dir, e))?;
    let exe = std::path::Path::new(&dump.binary)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into());
    let test: String = dump
        .test
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut n = 0u32;
    loop {
        let mut name = format!("{exe}-{}-{}", dump.time, dump.pid);
        if !test.is_empty() {
            name = format!("{name}-{test}");
        }
        if n > 0 {
            name = format!("{name}-{n}");
        }
        let path = dir.join(format!("{name}.autopsy"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut file) => {
                let bytes = match dump.encode() {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = std::fs::remove_file(&path);
                        return Err(e.into());
                    }
                };
                file.write_all(&bytes).map_err(|e| io(&path, e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(io(&path, e)),
        }
    }
}

/// The line that names a written dump, printed next to the panic's message.
pub(crate) fn line(written: &Written) -> String {
    let mut line = format!(
        "{}{} (it holds this process's memory: \
         readable by you only; `cargo autopsy open {}` reopens the prompt)",
        super::WRITTEN,
        written.path.display(),
        written.path.display()
    );
    if written.left_out > 0 {
        line.push_str(&format!(
            "\nautopsy: the dump left out {} bytes over its cap (AUTOPSY_DUMP_CAP)",
            written.left_out
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Some(64 << 20));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("2 KiB"), Some(2048));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999999G"), None);
    }
}
