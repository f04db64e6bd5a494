//! `cargo autopsy open`: the live prompt, over a dump. The third host of
//! the debugger: memory comes from the dump ([`mem::set_source`]), debug
//! info from the binary the dump names (checked by build id), source text
//! from the dump, and the session is the live one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::format::{Dump, DumpError, DumpMemory, StopKind};
use crate::debuginfo::split::{self, SplitError};
use crate::debuginfo::{self, mem, DebugInfo, RawFrame};
use crate::postmortem::{self, Session, Stop};

/// Largest dump file read (a dump is capped at 64 MiB of memory by
/// default; its numbers are never trusted to size anything).
pub const MAX_DUMP: u64 = 1 << 30;

/// Why a dump cannot be opened.
#[derive(thiserror::Error, Debug)]
pub enum OpenError {
    #[error("cannot read {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error(
        "{path} is {size} bytes: larger than any dump autopsy writes ({MAX_DUMP} bytes at most)"
    )]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{path}: {err}")]
    Dump { path: PathBuf, err: DumpError },
    #[error(
        "the dump needs the binary {binary} (build id {build_id}), which is missing; \
         `--binary PATH` points at a copy with debug info"
    )]
    MissingBinary { binary: String, build_id: String },
    #[error(
        "{binary} is not the binary that wrote the dump: its build id is {found}, the dump \
         needs {want} (it was rebuilt since); `--binary PATH` points at the original, with \
         debug info"
    )]
    Rebuilt {
        binary: String,
        found: String,
        want: String,
    },
    #[error(
        "{binary} has no debug info (stripped?): the dump needs it to show frames and values; \
         `--binary PATH` points at a copy with debug info"
    )]
    Stripped { binary: String },
    #[error(
        "{binary} has no debug info (stripped?) and no split debug info was found (searched: \
         {searched}): the dump needs it to show frames and values; `--binary PATH` points at a \
         copy with debug info"
    )]
    NoDebugInfo { binary: String, searched: String },
    #[error("{0}")]
    Split(SplitError),
    /// Split DWARF whose `.dwp`/`.dwo` is missing or of another build.
    #[error("{0}; the dump needs that file to show frames and values")]
    SplitDwarf(String),
    #[error("cannot read the debug info of {binary}: {err}")]
    DebugInfo { binary: String, err: String },
}

/// Reads and checks a dump file, never trusting its size or contents.
pub fn read(path: &Path) -> Result<Dump, OpenError> {
    let err = |err| OpenError::Read {
        path: path.to_path_buf(),
        err,
    };
    let size = std::fs::metadata(path).map_err(err)?.len();
    if size > MAX_DUMP {
        return Err(OpenError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let bytes = std::fs::read(path).map_err(err)?;
    Dump::decode(&bytes).map_err(|err| OpenError::Dump {
        path: path.to_path_buf(),
        err,
    })
}

/// Checks the binary and makes this process the dump's reader: memory,
/// sources and debug info come from the dump and its binary from now on.
/// Once per process.
fn arm(dump: &Dump, binary: Option<&Path>) -> Result<&'static DebugInfo, OpenError> {
    let bin = binary
        .map(|b| b.display().to_string())
        .unwrap_or_else(|| dump.binary.clone());
    if !Path::new(&bin).is_file() {
        return Err(OpenError::MissingBinary {
            binary: bin,
            build_id: if dump.build_id.is_empty() {
                "none".into()
            } else {
                dump.build_id.clone()
            },
        });
    }
    mem::set_source(Box::new(DumpMemory(dump.memory.clone())));
    let names: HashMap<usize, String> = dump
        .frames
        .iter()
        .filter_map(|(pc, _, n)| Some((*pc as usize, n.clone()?)))
        .collect();
    debuginfo::set_foreign_names(names);
    postmortem::source::set_carried(dump.sources.clone().into_iter().collect());
    if !dump.autopsy_dir.is_empty() {
        debuginfo::set_autopsy_dir(Box::leak(dump.autopsy_dir.clone().into_boxed_str()));
    }
    debuginfo::set_user_crates(dump.user_crates.clone());
    // A binary without DWARF: its split debug info, where gdb looks. A
    // failure is told after the build id check (a rebuilt binary first).
    let (debug, split_err) = match split::find(Path::new(&bin)) {
        Ok(d) => (d.map(|p| p.display().to_string()), None),
        Err(e) => (None, Some(e)),
    };
    let info = DebugInfo::open_offline(&bin, dump.bias, debug.as_deref()).map_err(|e| {
        OpenError::DebugInfo {
            binary: bin.clone(),
            err: e.to_string(),
        }
    })?;
    let found = info.build_id().unwrap_or_default();
    if found != dump.build_id {
        return Err(OpenError::Rebuilt {
            binary: bin,
            found: if found.is_empty() {
                "none".into()
            } else {
                found
            },
            want: dump.build_id.clone(),
        });
    }
    match split_err {
        Some(SplitError::NotFound { searched }) => {
            return Err(OpenError::NoDebugInfo {
                binary: bin,
                searched: searched.join(", "),
            })
        }
        Some(e) => return Err(OpenError::Split(e)),
        None => {}
    }
    if !info.has_locals() {
        if let Some(missing) = info.missing_debug_info() {
            return Err(OpenError::SplitDwarf(missing));
        }
        return Err(OpenError::Stripped { binary: bin });
    }
    // Split DWARF: the units of the dump's frames need their `.dwp`/`.dwo`.
    let raw = raw_frames(dump);
    let missing = postmortem::on_helper_thread(move || {
        info.frames(&raw);
        info.missing_debug_info()
    });
    if let Some(missing) = missing.flatten() {
        return Err(OpenError::SplitDwarf(missing));
    }
    Ok(info)
}

/// The dump's frames as the debugger unwound them.
fn raw_frames(dump: &Dump) -> Vec<RawFrame> {
    dump.frames
        .iter()
        .map(|(ip, cfa, _)| RawFrame {
            ip: *ip as usize,
            cfa: *cfa as usize,
        })
        .collect()
}

/// Opens the prompt over `dump` (read from a file); returns when the user
/// leaves it.
pub fn open(dump: Dump, binary: Option<&Path>) -> Result<(), OpenError> {
    let info = arm(&dump, binary)?;
    let color = std::env::var_os("NO_COLOR").is_none() && {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    };
    postmortem::configure_with(color, false, dump.output.is_some(), false);
    let raw = raw_frames(&dump);
    let stop = match dump.kind {
        StopKind::Panic => Stop::Panic {
            message: dump.message.clone(),
            location: dump.location.clone(),
            thread: dump.thread.clone(),
        },
        StopKind::Signal => Stop::Signal {
            signal: dump.message.clone(),
            location: dump.location.clone(),
            thread: dump.thread.clone(),
        },
        StopKind::Caught => Stop::Caught {
            error: dump.message.clone(),
            location: dump.location.clone(),
            thread: dump.thread.clone(),
        },
        StopKind::Question => Stop::Question {
            error: dump.message.clone(),
            location: dump.location.clone(),
            thread: dump.thread.clone(),
        },
    };
    let output = dump.output.clone();
    let attempt = (dump.attempt.0 > 0).then_some(dump.attempt);
    let left_out = dump.left_out;
    postmortem::on_helper_thread(move || {
        let frames = info.frames(&raw);
        let mut session = Session::new(Some(info), frames, stop, output, postmortem::styles());
        session.attempt = attempt;
        if left_out > 0 {
            println!(
                "autopsy: this dump left out {left_out} bytes of memory over its cap: \
                 some values may show as unreadable"
            );
        }
        postmortem::run_prompt(&mut session)
    });
    Ok(())
}
