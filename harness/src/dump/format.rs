//! The dump file: autopsy's own small versioned format.
//!
//! Why not a minidump (the `minidump-writer` / `minidump` crates): they
//! were not in this build's offline crate cache, and adding them (with
//! their dependency trees) was more than the time this first version had.
//! What the prompt needs is mostly autopsy's own data anyway (the frames'
//! pc and CFA as the debugger uses them, the memory its renderings read,
//! the source files, the test and its output), which a minidump would
//! carry in a custom stream too. Moving to a minidump container with this
//! data as its own stream, so that crash tools can open dumps as well,
//! remains to do; the version field makes that change detectable.
//!
//! ```text
//! "AUTOPSY-DUMP\n" u32 version
//! sections: u32 tag, u64 length, payload (length bytes)
//! ```
//!
//! All integers little-endian; a string is a u32 length and UTF-8 bytes.
//! Unknown tags are skipped (a newer writer's extra data); an empty end
//! section (tag 0) closes the file, so a dump cut at a section's boundary
//! is known to be cut. The reader takes
//! the file as hostile: every length is checked against what is left of
//! the input before anything is allocated, counts are capped, and every
//! failure is a [`DumpError`] naming what was wrong, never a panic.

use std::collections::BTreeMap;

/// The first bytes of every dump.
pub const MAGIC: &[u8] = b"AUTOPSY-DUMP\n";
/// The format's version; a reader refuses others.
pub const VERSION: u32 = 1;

/// Most frames a dump may hold.
const MAX_FRAMES: usize = 4096;
/// Most memory regions a dump may hold.
const MAX_REGIONS: usize = 1 << 20;
/// Most source files a dump may hold.
const MAX_SOURCES: usize = 4096;

/// The last section: a dump without it was cut short.
const TAG_END: u32 = 0;
const TAG_META: u32 = 1;
const TAG_OUTPUT: u32 = 2;
const TAG_FRAMES: u32 = 3;
const TAG_SOURCE: u32 = 4;
const TAG_MEMORY: u32 = 5;

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
    /// Source files of the user's frames, by the path the debug info
    /// gives.
    pub sources: BTreeMap<String, String>,
    /// Memory: disjoint regions sorted by address.
    pub memory: Vec<(u64, Vec<u8>)>,
}

/// Why a dump cannot be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    #[error("not an autopsy dump (it does not start with {MAGIC:?})")]
    NotADump,
    #[error("dump format version {0} is not supported (this autopsy reads version {VERSION})")]
    Version(u32),
    #[error("the dump is truncated or corrupted: {0}")]
    Corrupt(String),
}

fn corrupt(what: impl Into<String>) -> DumpError {
    DumpError::Corrupt(what.into())
}

// --- writing ---------------------------------------------------------------

struct Out(Vec<u8>);

impl Out {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn section(&mut self, tag: u32, body: Out) {
        self.u32(tag);
        self.bytes(&body.0);
    }
}

impl Dump {
    /// The dump as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Out(MAGIC.to_vec());
        out.u32(VERSION);
        let mut m = Out(Vec::new());
        for s in [
            &self.binary,
            &self.build_id,
            &self.autopsy_dir,
            &self.message,
            &self.location,
            &self.thread,
            &self.test,
        ] {
            m.str(s);
        }
        m.u64(self.bias);
        m.u32(self.kind as u32);
        m.u32(self.attempt.0);
        m.u32(self.attempt.1);
        m.u64(self.time);
        m.u32(self.pid);
        m.u64(self.cap);
        m.u64(self.left_out);
        m.u32(self.user_crates.len() as u32);
        for c in &self.user_crates {
            m.str(c);
        }
        out.section(TAG_META, m);
        if let Some(o) = &self.output {
            out.section(TAG_OUTPUT, Out(o.clone()));
        }
        let mut f = Out(Vec::new());
        f.u32(self.frames.len() as u32);
        for (pc, cfa, name) in &self.frames {
            f.u64(*pc);
            f.u64(*cfa);
            f.str(name.as_deref().unwrap_or(""));
        }
        out.section(TAG_FRAMES, f);
        for (path, text) in &self.sources {
            let mut s = Out(Vec::new());
            s.str(path);
            s.bytes(text.as_bytes());
            out.section(TAG_SOURCE, s);
        }
        for (addr, bytes) in &self.memory {
            let mut s = Out(Vec::new());
            s.u64(*addr);
            s.0.extend_from_slice(bytes);
            out.section(TAG_MEMORY, s);
        }
        out.section(TAG_END, Out(Vec::new()));
        out.0
    }
}

// --- reading ---------------------------------------------------------------

/// A cursor over untrusted bytes.
struct In<'a> {
    data: &'a [u8],
    what: &'static str,
}

impl<'a> In<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], DumpError> {
        if n > self.data.len() as u64 {
            return Err(corrupt(format!(
                "{} needs {n} bytes, {} are left",
                self.what,
                self.data.len()
            )));
        }
        let (head, tail) = self.data.split_at(n as usize);
        self.data = tail;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, DumpError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, DumpError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<&'a [u8], DumpError> {
        let n = self.u64()?;
        self.take(n)
    }
    fn str(&mut self) -> Result<String, DumpError> {
        let n = self.u32()?;
        let b = self.take(n as u64)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| corrupt(format!("{}: text is not UTF-8", self.what)))
    }
    fn done(&self) -> Result<(), DumpError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(corrupt(format!(
                "{} has {} bytes too many",
                self.what,
                self.data.len()
            )))
        }
    }
}

impl Dump {
    /// Reads a dump from untrusted bytes.
    pub fn decode(data: &[u8]) -> Result<Dump, DumpError> {
        let Some(rest) = data.strip_prefix(MAGIC) else {
            return Err(DumpError::NotADump);
        };
        let mut input = In {
            data: rest,
            what: "the header",
        };
        let version = input.u32()?;
        if version != VERSION {
            return Err(DumpError::Version(version));
        }
        let mut meta = None;
        let mut output = None;
        let mut frames = None;
        let mut sources = BTreeMap::new();
        let mut memory: Vec<(u64, Vec<u8>)> = Vec::new();
        loop {
            if input.data.is_empty() {
                return Err(corrupt("it ends before its end marker (cut short?)"));
            }
            input.what = "a section";
            let tag = input.u32()?;
            let body = input.bytes()?;
            match tag {
                TAG_END => {
                    input.what = "the end marker";
                    input.done()?;
                    break;
                }
                TAG_META => meta = Some(read_meta(body)?),
                TAG_OUTPUT => output = Some(body.to_vec()),
                TAG_FRAMES => frames = Some(read_frames(body)?),
                TAG_SOURCE => {
                    if sources.len() >= MAX_SOURCES {
                        return Err(corrupt("too many source files"));
                    }
                    let mut s = In {
                        data: body,
                        what: "a source file",
                    };
                    let path = s.str()?;
                    let text = String::from_utf8(s.bytes()?.to_vec())
                        .map_err(|_| corrupt("a source file is not UTF-8"))?;
                    s.done()?;
                    sources.insert(path, text);
                }
                TAG_MEMORY => {
                    if memory.len() >= MAX_REGIONS {
                        return Err(corrupt("too many memory regions"));
                    }
                    let mut s = In {
                        data: body,
                        what: "a memory region",
                    };
                    let addr = s.u64()?;
                    if addr.checked_add(s.data.len() as u64).is_none() {
                        return Err(corrupt("a memory region wraps around the address space"));
                    }
                    memory.push((addr, s.data.to_vec()));
                }
                _ => {}
            }
        }
        let meta = meta.ok_or_else(|| corrupt("no metadata section"))?;
        let frames = frames.ok_or_else(|| corrupt("no frames section"))?;
        memory.sort_by_key(|(a, _)| *a);
        for w in memory.windows(2) {
            if w[0].0 + w[0].1.len() as u64 > w[1].0 {
                return Err(corrupt("memory regions overlap"));
            }
        }
        Ok(Dump {
            output,
            frames,
            sources,
            memory,
            ..meta
        })
    }
}

fn read_meta(body: &[u8]) -> Result<Dump, DumpError> {
    let mut m = In {
        data: body,
        what: "the metadata",
    };
    let binary = m.str()?;
    let build_id = m.str()?;
    let autopsy_dir = m.str()?;
    let message = m.str()?;
    let location = m.str()?;
    let thread = m.str()?;
    let test = m.str()?;
    let bias = m.u64()?;
    let kind = match m.u32()? {
        0 => StopKind::Panic,
        1 => StopKind::Signal,
        2 => StopKind::Caught,
        3 => StopKind::Question,
        k => return Err(corrupt(format!("unknown stop kind {k}"))),
    };
    let attempt = (m.u32()?, m.u32()?);
    let time = m.u64()?;
    let pid = m.u32()?;
    let cap = m.u64()?;
    let left_out = m.u64()?;
    let n = m.u32()?;
    if n > 1024 {
        return Err(corrupt("too many user crates"));
    }
    let mut user_crates = Vec::new();
    for _ in 0..n {
        user_crates.push(m.str()?);
    }
    m.done()?;
    Ok(Dump {
        binary,
        build_id,
        bias,
        autopsy_dir,
        user_crates,
        kind,
        message,
        location,
        thread,
        test,
        attempt,
        time,
        pid,
        cap,
        left_out,
        output: None,
        frames: Vec::new(),
        sources: BTreeMap::new(),
        memory: Vec::new(),
    })
}

fn read_frames(body: &[u8]) -> Result<Vec<(u64, u64, Option<String>)>, DumpError> {
    let mut f = In {
        data: body,
        what: "the frames",
    };
    let n = f.u32()? as usize;
    if n > MAX_FRAMES {
        return Err(corrupt(format!("{n} frames (at most {MAX_FRAMES})")));
    }
    let mut frames = Vec::new();
    for _ in 0..n {
        let pc = f.u64()?;
        let cfa = f.u64()?;
        let name = f.str()?;
        frames.push((pc, cfa, (!name.is_empty()).then_some(name)));
    }
    f.done()?;
    Ok(frames)
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

    fn sample() -> Dump {
        Dump {
            binary: "/bin/job".into(),
            build_id: "abcd".into(),
            bias: 0x5555_0000,
            autopsy_dir: "/src/autopsy/harness".into(),
            user_crates: vec!["job".into()],
            kind: StopKind::Panic,
            message: "no entry found for key".into(),
            location: "src/main.rs:3:5".into(),
            thread: "main".into(),
            test: String::new(),
            attempt: (0, 0),
            time: 1,
            pid: 42,
            cap: 64 << 20,
            left_out: 0,
            output: Some(b"out".to_vec()),
            frames: vec![(1, 2, None), (3, 4, Some("libc".into()))],
            sources: BTreeMap::from([("src/main.rs".into(), "fn main() {}\n".into())]),
            memory: vec![(0x1000, vec![1, 2, 3]), (0x2000, vec![4])],
        }
    }

    #[test]
    fn round_trips() {
        let d = sample();
        assert_eq!(Dump::decode(&d.encode()).unwrap(), d);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(Dump::decode(&bytes[..n]).is_err(), "{n}");
        }
        assert_eq!(Dump::decode(b"ELF"), Err(DumpError::NotADump));
    }

    #[test]
    fn huge_lengths_are_refused_before_allocating() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&TAG_MEMORY.to_le_bytes());
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(Dump::decode(&bytes), Err(DumpError::Corrupt(_))));
    }

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
