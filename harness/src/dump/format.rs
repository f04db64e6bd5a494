//! The dump file: a minidump, so that crash tools (rust-minidump's
//! `minidump-stackwalk`, Breakpad's `minidump_stackwalk`, debuggers that
//! read minidumps) open it too, with autopsy's own data in a stream of its
//! own.
//!
//! ```text
//! MINIDUMP_HEADER      "MDMP", version 0xa793, stream count, directory RVA,
//!                      time written
//! stream directory     one MINIDUMP_DIRECTORY (type, size, RVA) per stream
//! SystemInfoStream     AMD64 (9) or ARM64 (12), platform Linux (0x8201),
//!                      the kernel's release, the number of processors
//! ModuleListStream     every loaded ELF object, the executable first: its
//!                      load address (base of its lowest segment), size,
//!                      path, and its GNU build id as a Breakpad 'BpEL'
//!                      CodeView record
//! MemoryListStream     the memory autopsy keeps: the failing thread's stack
//!                      and every byte the renderings of the user's locals
//!                      read, capped (AUTOPSY_DUMP_CAP)
//! ThreadListStream     the failing thread: its id, its stack (a part of a
//!                      memory list region, from the stack pointer up) and
//!                      its registers (CONTEXT_AMD64 / CONTEXT_ARM64)
//! ThreadNamesStream    its name
//! ExceptionStream      a fatal signal: code = the signal number, flags =
//!                      si_code, address = si_addr (Breakpad's Linux
//!                      convention); a panic, a caught error or a failing `?`:
//!                      Breakpad's DUMP_REQUESTED (0xffffffff), address = pc
//! LinuxMaps            /proc/self/maps, as Breakpad writes it
//! autopsy's stream     type 0x41555450 ("AUTP", [`super::minidump::AUTOPSY_STREAM`]): the
//!                      rest of what the prompt needs, below
//! ```
//!
//! The registers ([`Context`]): for a fatal signal, the handler's
//! `ucontext_t`: every general register, pc, sp and flags at the fault. For
//! a panic, a caught error or a failing `?`, the failing thread is inside
//! the panic machinery when the dump is written, and its innermost frames
//! are autopsy's own; the context is that of the frame the prompt opens at
//! (the innermost frame of the user's code, else of the executable): pc is
//! the return address of the call that frame was making, sp its stack
//! pointer during that call, and on x86_64 the callee-saved registers (rbx,
//! rbp, r12-r15) as the unwinder restored them. The others are unknown
//! (written as 0); autopsy's stream says which registers are real.
//!
//! autopsy's stream: a u32 format version ([`VERSION`]), then sections (u32
//! tag, u64 length, payload) closed by an empty end section (tag 0): the
//! metadata (binary, build id, load bias, stop kind, message, location,
//! thread, test, attempt, time, pid, cap and bytes left out, the known
//! registers), the output so far, the frames (pc and CFA as the debugger
//! uses them, a name for frames outside the executable), and one section
//! per source file. Unknown tags are skipped (a newer writer's extra data).
//! All integers are little-endian; a string is a u32 length and UTF-8.
//!
//! autopsy's stream is the last thing in the file: a dump cut anywhere has
//! a stream that runs past its end, and is refused. The reader ([`super::minidump::read`]) takes the file as
//! hostile: every RVA and size is checked against the file before anything
//! is read or allocated, counts are capped, the memory copied is at most the
//! file's size, and every failure is a [`DumpError`] naming what was wrong,
//! never a panic. A minidump without autopsy's stream (another tool's) is
//! refused as such; so are dumps of autopsy's first format (version 1, its
//! own "AUTOPSY-DUMP" container).

use std::collections::BTreeMap;

pub use super::minidump::context::{Arch, Context};

/// The first bytes of autopsy's first dump format (version 1), refused.
pub const OLD_MAGIC: &[u8] = b"AUTOPSY-DUMP\n";
/// The version of autopsy's stream; a reader refuses others.
pub const VERSION: u32 = 2;

/// What stopped the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// A panic.
    Panic = 0,
    /// A fatal signal.
    Signal = 1,
    /// `autopsy::post_mortem!(&err)`.
    Caught = 2,
    /// A failing `?`.
    Question = 3,
}

/// The fatal signal that stopped the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    /// Its number (`SIGSEGV` = 11).
    pub number: u32,
    /// `si_code`.
    pub code: u32,
    /// `si_addr`: the faulting address.
    pub address: u64,
}

/// A loaded ELF object (the executable, a shared library, the vDSO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Where its lowest segment is mapped.
    pub base: u64,
    /// From there to the end of its highest segment.
    pub size: u32,
    /// Its path (the vDSO's soname).
    pub name: String,
    /// Its GNU build id (empty when it has none).
    pub build_id: Vec<u8>,
}

/// Everything a dump holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    /// The executable's path when the dump was written.
    pub binary: String,
    /// Its GNU build id, hex (empty when it had none).
    pub build_id: String,
    /// Its load bias in the dumped process.
    pub bias: u64,
    /// autopsy's own source directory in the dumped build (its frames are
    /// autopsy's, not the user's).
    pub autopsy_dir: String,
    /// The user's crates, as the dumped process named them.
    pub user_crates: Vec<String>,
    /// What stopped it.
    pub kind: StopKind,
    /// The panic's message (or the signal's name, or the error's `{:?}`).
    pub message: String,
    /// `file:line:col` of the panic.
    pub location: String,
    /// The failing thread's name.
    pub thread: String,
    /// The failing thread's id (the kernel's).
    pub tid: u32,
    /// The test's name, if a test failed.
    pub test: String,
    /// `(attempt, total attempts)`, 0 when none.
    pub attempt: (u32, u32),
    /// Seconds since the epoch when written.
    pub time: u64,
    /// The process id.
    pub pid: u32,
    /// The memory cap the writer used, and the bytes it left out.
    pub cap: u64,
    /// Bytes read while rendering but not kept (over the cap).
    pub left_out: u64,
    /// The output captured so far (a test's), if any.
    pub output: Option<Vec<u8>>,
    /// The failing thread's frames, innermost first: `(pc, cfa, name)`,
    /// the name set for frames outside the executable.
    pub frames: Vec<(u64, u64, Option<String>)>,
    /// The registers of the failing frame (see the module's docs).
    pub context: Context,
    /// The fatal signal, when one stopped it.
    pub signal: Option<Signal>,
    /// The loaded objects, the executable first.
    pub modules: Vec<Module>,
    /// `/proc/self/maps` (empty: not kept).
    pub maps: Vec<u8>,
    /// Source files of the user's frames, by the path the debug info
    /// gives.
    pub sources: BTreeMap<String, String>,
    /// Memory: disjoint regions sorted by address.
    pub memory: Vec<(u64, Vec<u8>)>,
}

/// Why a dump cannot be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    #[error("not an autopsy dump (not a minidump: it does not start with \"MDMP\")")]
    NotADump,
    #[error(
        "a minidump without autopsy's stream (written by another tool?): `cargo autopsy` \
         opens the dumps autopsy writes"
    )]
    Foreign,
    #[error("dump format version {0} is not supported (this autopsy reads version {VERSION})")]
    Version(u32),
    #[error("the dump is truncated or corrupted: {0}")]
    Corrupt(String),
}

/// Why a dump cannot be written.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    #[error("the dump would be {0} bytes: more than a minidump's 32-bit offsets reach")]
    TooLarge(u64),
}

impl Dump {
    /// The dump as a minidump file.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        super::minidump::write::encode(self)
    }

    /// Reads a dump from untrusted bytes.
    pub fn decode(data: &[u8]) -> Result<Dump, DumpError> {
        super::minidump::read::decode(data)
    }
}

/// Merges overlapping and adjacent chunks (as recorded, in any order) into
/// disjoint regions sorted by address; later bytes win where they overlap.
pub fn merge(mut chunks: Vec<(u64, Vec<u8>)>) -> Vec<(u64, Vec<u8>)> {
    chunks.sort_by_key(|(a, _)| *a);
    let mut out: Vec<(u64, Vec<u8>)> = Vec::new();
    for (addr, bytes) in chunks {
        if let Some((start, buf)) = out.last_mut() {
            let end = *start + buf.len() as u64;
            if addr <= end {
                let offset = (addr - *start) as usize;
                let overlap = buf.len() - offset;
                if bytes.len() > overlap {
                    buf.extend_from_slice(&bytes[overlap..]);
                }
                continue;
            }
        }
        out.push((addr, bytes));
    }
    out
}

/// A dump's memory, for [`crate::debuginfo::mem::set_source`].
pub struct DumpMemory(pub Vec<(u64, Vec<u8>)>);

impl crate::debuginfo::mem::MemorySource for DumpMemory {
    fn read_some(&self, addr: u64, buf: &mut [u8]) -> usize {
        let i = self.0.partition_point(|(a, _)| *a <= addr);
        let Some((start, bytes)) = i.checked_sub(1).map(|i| &self.0[i]) else {
            return 0;
        };
        let offset = (addr - start) as usize;
        if offset >= bytes.len() {
            return 0;
        }
        let n = buf.len().min(bytes.len() - offset);
        buf[..n].copy_from_slice(&bytes[offset..offset + n]);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debuginfo::mem::MemorySource;

    #[test]
    fn merged_memory_reads_across_chunks() {
        let merged = merge(vec![
            (0x10, vec![3, 4]),
            (0x0e, vec![1, 2, 3]),
            (0x20, vec![9]),
        ]);
        assert_eq!(merged, vec![(0x0e, vec![1, 2, 3, 4]), (0x20, vec![9])]);
        let m = DumpMemory(merged);
        let mut buf = [0u8; 8];
        assert_eq!(m.read_some(0x0f, &mut buf), 3);
        assert_eq!(&buf[..3], &[2, 3, 4]);
        assert_eq!(m.read_some(0x12, &mut buf), 0);
        assert_eq!(m.read_some(0x01, &mut buf), 0);
    }
}
