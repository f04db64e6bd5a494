//! Writing a dump at a failure, on the debugger's helper thread, while the
//! failing frames are still on the stack.
//!
//! What goes in: the failing thread's frames (pc and CFA, as the live
//! debugger uses them), its stack between them, and every byte read while
//! rendering each local of the user's frames, exactly as `p` renders it
//! (pointers followed by type, collections cut as the prompt cuts them),
//! up to a cap; the panic, the output so far, the test and its attempt, and
//! the source files of the user's frames. Never the whole heap.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use super::format::{merge, Dump, StopKind};
use crate::debuginfo::{self, mem, DebugInfo, FrameKind, RawFrame};

/// The default cap on the memory a dump keeps: 64 MiB.
pub const DEFAULT_CAP: u64 = 64 << 20;

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
}

/// Why a dump was not written.
#[derive(thiserror::Error, Debug)]
pub(crate) enum WriteError {
    #[error("no debug info: {0}")]
    DebugInfo(#[from] debuginfo::DebugInfoError),
    #[error("cannot write {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
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
/// suffixes), else [`DEFAULT_CAP`].
pub fn cap() -> u64 {
    std::env::var("AUTOPSY_DUMP_CAP")
        .ok()
        .and_then(|v| parse_size(&v))
        .unwrap_or(DEFAULT_CAP)
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
    let info = DebugInfo::get()?;
    let frames = info.frames(raw);
    mem::start_recording(cap);
    // The stack between the frames: every local's home.
    if let (Some(lo), Some(hi)) = (
        raw.iter().map(|r| r.cfa as u64).min(),
        raw.iter().map(|r| r.cfa as u64).max(),
    ) {
        let hi = (hi + 4096).min(lo.saturating_add(MAX_STACK));
        let mut at = lo;
        while at < hi {
            let n = (hi - at).min(64 << 10) as usize;
            let mut buf = vec![0u8; n];
            // A short read ends the stack (a guard page, its top).
            let got = mem::read_live(at, &mut buf);
            if got == 0 {
                break;
            }
            let _ = mem::read(at, got);
            at += got as u64;
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
        sources,
        memory: merge(recording.chunks),
    })
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
                file.write_all(&dump.encode()).map_err(|e| io(&path, e))?;
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
