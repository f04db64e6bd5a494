//! Reading a dump from untrusted bytes: every RVA and size is checked
//! against the file before it is followed, counts are capped, the memory
//! copied adds up to at most the file's size, and every failure is a
//! [`DumpError`].

use std::collections::BTreeMap;

use super::super::format::{Arch, Context, Dump, DumpError, Module, Signal, OLD_MAGIC, VERSION};
use super::super::stream;
use super::*;

/// Most streams a dump may have.
const MAX_STREAMS: u32 = 64;
/// Most threads a thread list may have (autopsy writes one).
const MAX_THREADS: u32 = 1024;
/// Most memory regions a dump may hold.
const MAX_REGIONS: u32 = 1 << 20;
/// Most modules a dump may list.
const MAX_MODULES: u32 = 4096;
/// Longest module name, in bytes of UTF-16.
const MAX_NAME: u32 = 64 << 10;
/// Longest build id.
const MAX_BUILD_ID: usize = 1024;

fn corrupt(what: impl Into<String>) -> DumpError {
    DumpError::Corrupt(what.into())
}

/// `size` bytes at `rva` of `data`, if the file holds them.
fn slice<'a>(data: &'a [u8], rva: u32, size: u64, what: &str) -> Result<&'a [u8], DumpError> {
    let end = rva as u64 + size;
    if end > data.len() as u64 {
        return Err(corrupt(format!(
            "{what} runs past the end of the file (to byte {end} of {})",
            data.len()
        )));
    }
    Ok(&data[rva as usize..end as usize])
}

/// The `MINIDUMP_STRING` at `rva`.
fn string(data: &[u8], rva: u32, what: &'static str) -> Result<String, DumpError> {
    slice(data, rva, 0, what)?;
    let mut s = In::new(&data[rva as usize..], what);
    let n = s.u32()?;
    if n % 2 != 0 || n > MAX_NAME {
        return Err(corrupt(format!("{what} has a length of {n} bytes")));
    }
    let bytes = s.take(n as u64)?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).map_err(|_| corrupt(format!("{what} is not UTF-16")))
}

/// Reads a dump.
pub(crate) fn decode(data: &[u8]) -> Result<Dump, DumpError> {
    if let Some(rest) = data.strip_prefix(OLD_MAGIC) {
        // autopsy's first format: its own container, version 1.
        let v = In::new(rest, "the header").u32().unwrap_or(1);
        return Err(DumpError::Version(if v == VERSION { 1 } else { v }));
    }
    if !data.starts_with(SIGNATURE) {
        return Err(DumpError::NotADump);
    }
    let mut h = In::new(data, "the minidump header");
    h.take(4)?;
    let version = h.u32()?;
    if version & 0xffff != MINIDUMP_VERSION {
        return Err(corrupt(format!(
            "minidump version {:#x}, not {MINIDUMP_VERSION:#x}",
            version & 0xffff
        )));
    }
    let count = h.u32()?;
    let dir_rva = h.u32()?;
    if count > MAX_STREAMS {
        return Err(corrupt(format!("{count} streams (at most {MAX_STREAMS})")));
    }
    let dir = slice(
        data,
        dir_rva,
        count as u64 * DIRECTORY_SIZE as u64,
        "the stream directory",
    )?;
    let mut d = In::new(dir, "the stream directory");
    let mut streams: BTreeMap<u32, &[u8]> = BTreeMap::new();
    for _ in 0..count {
        let (ty, size, rva) = (d.u32()?, d.u32()?, d.u32()?);
        let body = slice(data, rva, size as u64, &format!("stream {ty:#x}"))?;
        if ty != 0 && streams.insert(ty, body).is_some() {
            return Err(corrupt(format!("two streams of type {ty:#x}")));
        }
    }
    let autopsy = streams.get(&AUTOPSY_STREAM).ok_or(DumpError::Foreign)?;
    let version = stream::version(autopsy)?;
    if version != VERSION {
        return Err(DumpError::Version(version));
    }
    let (mut dump, known) = stream::decode(autopsy)?;
    let need = |ty: u32, name: &str| {
        streams
            .get(&ty)
            .copied()
            .ok_or_else(|| corrupt(format!("no {name} stream")))
    };

    let arch = system_info(need(SYSTEM_INFO, "system info")?)?;
    let (tid, context) = thread(data, need(THREAD_LIST, "thread list")?, arch, known)?;
    dump.tid = tid;
    dump.context = context;
    dump.memory = memory(data, need(MEMORY_LIST, "memory list")?)?;
    dump.modules = modules(data, need(MODULE_LIST, "module list")?)?;
    if let Some(e) = streams.get(&EXCEPTION) {
        dump.signal = exception(e)?;
    }
    if let Some(m) = streams.get(&LINUX_MAPS) {
        dump.maps = m.to_vec();
    }
    Ok(dump)
}

fn system_info(s: &[u8]) -> Result<Arch, DumpError> {
    let mut s = In::new(s, "the system info");
    let p = s.u16()?;
    let arch = Arch::from_processor_architecture(p).ok_or_else(|| {
        corrupt(format!(
            "processor architecture {p} (autopsy reads x86_64 and aarch64 dumps)"
        ))
    })?;
    s.take(18)?;
    let platform = s.u32()?;
    if platform != PLATFORM_LINUX {
        return Err(corrupt(format!(
            "platform {platform:#x} (autopsy reads Linux dumps)"
        )));
    }
    Ok(arch)
}

/// The first thread: its id and registers.
fn thread(data: &[u8], s: &[u8], arch: Arch, known: u64) -> Result<(u32, Context), DumpError> {
    let mut s = In::new(s, "the thread list");
    let n = s.u32()?;
    if n == 0 || n > MAX_THREADS {
        return Err(corrupt(format!("{n} threads")));
    }
    let mut t = In::new(s.take(THREAD_SIZE as u64)?, "a thread");
    let tid = t.u32()?;
    t.take(12 + 8)?; // suspend count, priorities, TEB
    let _stack_start = t.u64()?;
    let (stack_len, stack_rva) = (t.u32()?, t.u32()?);
    slice(data, stack_rva, stack_len as u64, "the thread's stack")?;
    let (ctx_len, ctx_rva) = (t.u32()?, t.u32()?);
    let ctx = slice(data, ctx_rva, ctx_len as u64, "the thread's context")?;
    Ok((tid, Context::decode(arch, ctx, known)?))
}

fn memory(data: &[u8], s: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, DumpError> {
    let mut s = In::new(s, "the memory list");
    let n = s.u32()?;
    if n > MAX_REGIONS {
        return Err(corrupt(format!("{n} memory regions")));
    }
    let mut list = In::new(s.take(n as u64 * MEMORY_SIZE as u64)?, "the memory list");
    // Every region checked, and their sizes added up, before any is copied:
    // regions sharing bytes of the file cannot ask for more than it holds.
    let mut found = Vec::with_capacity(n as usize);
    let mut total = 0u64;
    for _ in 0..n {
        let (addr, len, rva) = (list.u64()?, list.u32()?, list.u32()?);
        let bytes = slice(data, rva, len as u64, "a memory region")?;
        if addr.checked_add(len as u64).is_none() {
            return Err(corrupt("a memory region wraps around the address space"));
        }
        total += len as u64;
        found.push((addr, bytes));
    }
    if total > data.len() as u64 {
        return Err(corrupt(format!(
            "its memory regions add up to {total} bytes, more than the file's {}",
            data.len()
        )));
    }
    found.sort_by_key(|(a, _)| *a);
    for w in found.windows(2) {
        if w[0].0 + w[0].1.len() as u64 > w[1].0 {
            return Err(corrupt("memory regions overlap"));
        }
    }
    Ok(found.into_iter().map(|(a, b)| (a, b.to_vec())).collect())
}

fn modules(data: &[u8], s: &[u8]) -> Result<Vec<Module>, DumpError> {
    let mut s = In::new(s, "the module list");
    let n = s.u32()?;
    if n > MAX_MODULES {
        return Err(corrupt(format!("{n} modules")));
    }
    let mut list = In::new(s.take(n as u64 * MODULE_SIZE as u64)?, "the module list");
    let mut out = Vec::with_capacity(n as usize);
    // Names may share bytes of the file: together, at most its size.
    let mut names = 0u64;
    for _ in 0..n {
        let base = list.u64()?;
        let size = list.u32()?;
        list.take(8)?; // checksum, time stamp
        let name = string(data, list.u32()?, "a module's name")?;
        names += name.len() as u64;
        if names > data.len() as u64 {
            return Err(corrupt("the module names add up to more than the file"));
        }
        list.take(52)?; // version info
        let (cv_len, cv_rva) = (list.u32()?, list.u32()?);
        list.take(24)?; // misc record, reserved
        let mut build_id = Vec::new();
        if cv_len > 0 {
            let mut cv = In::new(
                slice(data, cv_rva, cv_len as u64, "a module's CodeView record")?,
                "a module's CodeView record",
            );
            if cv.u32()? != CV_ELF || cv.data.len() > MAX_BUILD_ID {
                return Err(corrupt("a module's CodeView record is not an ELF build id"));
            }
            build_id = cv.data.to_vec();
        }
        out.push(Module {
            base,
            size,
            name,
            build_id,
        });
    }
    Ok(out)
}

fn exception(s: &[u8]) -> Result<Option<Signal>, DumpError> {
    let mut e = In::new(s, "the exception stream");
    e.take(8)?; // thread id
    let number = e.u32()?;
    let code = e.u32()?;
    e.take(8)?; // nested record
    let address = e.u64()?;
    e.take((EXCEPTION_SIZE - 32) as u64)?;
    Ok((number != DUMP_REQUESTED).then_some(Signal {
        number,
        code,
        address,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::super::format::{Module, StopKind};
    use super::*;

    fn sample() -> Dump {
        let mut context = Context::new(Arch::X86_64, 0x5555_0010, 0x7000_0010);
        context.regs[6] = Some(0x7000_0040);
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
            tid: 7,
            test: String::new(),
            attempt: (0, 0),
            time: 1,
            pid: 42,
            cap: 64 << 20,
            left_out: 0,
            output: Some(b"out".to_vec()),
            frames: vec![(1, 2, None), (3, 4, Some("libc".into()))],
            context,
            signal: None,
            modules: vec![Module {
                base: 0x5555_0000,
                size: 0x1000,
                name: "/bin/job".into(),
                build_id: vec![0xab, 0xcd],
            }],
            maps: b"5555000-5556000 r-xp 0 0:0 0 /bin/job\n".to_vec(),
            sources: BTreeMap::from([("src/main.rs".into(), "fn main() {}\n".into())]),
            memory: vec![(0x1000, vec![1, 2, 3]), (0x7000_0000, vec![9; 0x100])],
        }
    }

    #[test]
    fn round_trips() {
        let mut d = sample();
        assert_eq!(Dump::decode(&d.encode().unwrap()).unwrap(), d);
        d.kind = StopKind::Signal;
        d.signal = Some(Signal {
            number: 11,
            code: 1,
            address: 0x10,
        });
        d.maps.clear();
        d.context = Context::new(Arch::Aarch64, 5, 6);
        assert_eq!(Dump::decode(&d.encode().unwrap()).unwrap(), d);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode().unwrap();
        for n in 0..bytes.len() {
            assert!(Dump::decode(&bytes[..n]).is_err(), "{n}");
        }
        assert_eq!(Dump::decode(b"ELF"), Err(DumpError::NotADump));
    }

    #[test]
    fn the_stack_is_the_region_from_below_the_stack_pointer() {
        let bytes = sample().encode().unwrap();
        let threads = {
            let dir = &bytes[HEADER_SIZE..];
            let e = dir
                .chunks(DIRECTORY_SIZE)
                .find(|e| e[..4] == THREAD_LIST.to_le_bytes())
                .unwrap();
            u32::from_le_bytes(e[8..12].try_into().unwrap()) as usize
        };
        let t = &bytes[threads + 4..threads + 4 + THREAD_SIZE];
        let start = u64::from_le_bytes(t[24..32].try_into().unwrap());
        let len = u32::from_le_bytes(t[32..36].try_into().unwrap());
        // sp is 0x10 into the region: the red zone reaches its start.
        assert_eq!((start, len), (0x7000_0000, 0x100));
    }

    fn with_stream(ty: u32, f: impl Fn(&mut Vec<u8>, usize)) -> Result<Dump, DumpError> {
        let mut bytes = sample().encode().unwrap();
        let n = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let at = (0..n)
            .map(|i| HEADER_SIZE + i * DIRECTORY_SIZE)
            .find(|&e| bytes[e..e + 4] == ty.to_le_bytes())
            .unwrap();
        f(&mut bytes, at);
        Dump::decode(&bytes)
    }

    #[test]
    fn other_minidumps_and_versions_are_named() {
        // Another tool's minidump: autopsy's stream renamed away.
        let r = with_stream(AUTOPSY_STREAM, |b, at| {
            b[at..at + 4].copy_from_slice(&[9; 4])
        });
        assert_eq!(r, Err(DumpError::Foreign));
        let r = with_stream(AUTOPSY_STREAM, |b, at| {
            let rva = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
            b[rva..rva + 4].copy_from_slice(&3u32.to_le_bytes());
        });
        assert_eq!(r, Err(DumpError::Version(3)));
        let mut old = OLD_MAGIC.to_vec();
        old.extend_from_slice(&1u32.to_le_bytes());
        assert_eq!(Dump::decode(&old), Err(DumpError::Version(1)));
        assert_eq!(
            DumpError::Foreign.to_string(),
            "a minidump without autopsy's stream (written by another tool?): `cargo autopsy` \
             opens the dumps autopsy writes"
        );
    }

    #[test]
    fn huge_counts_and_sizes_are_refused_before_allocating() {
        // A memory list of a million regions, each the whole file.
        let r = with_stream(MEMORY_LIST, |b, at| {
            let rva = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
            let n = u32::from_le_bytes(b[rva..rva + 4].try_into().unwrap()) as usize;
            for i in 0..n {
                let d = rva + 4 + i * MEMORY_SIZE;
                let len = (b.len() as u32).to_le_bytes();
                b[d + 8..d + 12].copy_from_slice(&len);
                b[d + 12..d + 16].copy_from_slice(&0u32.to_le_bytes());
            }
        });
        assert!(matches!(r, Err(DumpError::Corrupt(_))), "{r:?}");
        let r = with_stream(MEMORY_LIST, |b, at| {
            let rva = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
            b[rva..rva + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        });
        assert!(matches!(r, Err(DumpError::Corrupt(_))), "{r:?}");
        let r = with_stream(MODULE_LIST, |b, at| {
            b[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        });
        assert!(matches!(r, Err(DumpError::Corrupt(_))), "{r:?}");
        let mut b = sample().encode().unwrap();
        b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(Dump::decode(&b), Err(DumpError::Corrupt(_))));
    }
}
