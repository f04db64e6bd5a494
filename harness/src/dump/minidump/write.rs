//! Writing a [`Dump`] as a minidump (the layout is described in
//! [`crate::dump::format`]).

use super::super::format::{Dump, EncodeError};
use super::super::stream;
use super::*;

/// The red zone below the stack pointer (x86_64's System V ABI; aarch64
/// has none, and 128 bytes more do no harm): leaf functions keep data there.
const RED_ZONE: u64 = 128;

/// A location in the file: (size, RVA).
type Loc = (u32, u32);

/// The file as it is laid out.
struct File {
    out: Out,
}

impl File {
    /// The current offset, as an RVA, after aligning to `align`.
    fn at(&mut self, align: usize) -> Result<u32, EncodeError> {
        while !self.out.0.len().is_multiple_of(align) {
            self.out.0.push(0);
        }
        rva(self.out.0.len() as u64)
    }

    /// Appends `bytes` (aligned to 8); where they are.
    fn put(&mut self, bytes: &[u8]) -> Result<Loc, EncodeError> {
        let at = self.at(8)?;
        self.out.0.extend_from_slice(bytes);
        Ok((size(bytes.len())?, at))
    }

    /// Appends a `MINIDUMP_STRING` (u32 byte length, UTF-16LE, a 0 unit
    /// not counted); its RVA.
    fn string(&mut self, s: &str) -> Result<u32, EncodeError> {
        let at = self.at(4)?;
        let units: Vec<u16> = s.encode_utf16().collect();
        self.out.u32(size(units.len() * 2)?);
        for u in units {
            self.out.u16(u);
        }
        self.out.u16(0);
        Ok(at)
    }
}

fn rva(offset: u64) -> Result<u32, EncodeError> {
    u32::try_from(offset).map_err(|_| EncodeError::TooLarge(offset))
}

fn size(n: usize) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::TooLarge(n as u64))
}

/// The dump as a minidump.
pub(crate) fn encode(d: &Dump) -> Result<Vec<u8>, EncodeError> {
    let mut streams: Vec<(u32, Loc)> = Vec::new();
    let count = 7 + usize::from(!d.maps.is_empty());
    let mut f = File {
        out: Out(vec![0; HEADER_SIZE + count * DIRECTORY_SIZE]),
    };

    streams.push((SYSTEM_INFO, system_info(&mut f, d)?));
    let context = f.put(&d.context.encode())?;
    streams.push((MODULE_LIST, module_list(&mut f, d)?));
    let name = f.string(&d.thread)?;
    let mut names = Out::default();
    names.u32(1);
    names.u32(d.tid);
    names.u64(name as u64);
    streams.push((THREAD_NAMES, f.put(&names.0)?));

    // Memory, then its list, then the thread whose stack is part of it.
    let mut regions = Vec::with_capacity(d.memory.len());
    for (addr, bytes) in &d.memory {
        regions.push((*addr, f.put(bytes)?));
    }
    let mut list = Out::default();
    list.u32(size(regions.len())?);
    for (addr, (len, at)) in &regions {
        list.u64(*addr);
        list.u32(*len);
        list.u32(*at);
    }
    streams.push((MEMORY_LIST, f.put(&list.0)?));
    let (stack_start, (stack_len, stack_at)) = stack(d.context.sp(), &regions);
    let mut threads = Out::default();
    threads.u32(1);
    threads.u32(d.tid);
    threads.u32(0); // suspend count
    threads.u32(0); // priority class
    threads.u32(0); // priority
    threads.u64(0); // TEB
    threads.u64(stack_start);
    threads.u32(stack_len);
    threads.u32(stack_at);
    threads.u32(context.0);
    threads.u32(context.1);
    streams.push((THREAD_LIST, f.put(&threads.0)?));
    streams.push((EXCEPTION, exception(&mut f, d, context)?));
    if !d.maps.is_empty() {
        streams.push((LINUX_MAPS, f.put(&d.maps)?));
    }
    // Last: a cut anywhere leaves it running past the end.
    streams.push((AUTOPSY_STREAM, f.put(&stream::encode(d))?));
    debug_assert_eq!(streams.len(), count);

    let total = f.out.0.len() as u64;
    rva(total)?;
    let mut head = Out::default();
    head.0.extend_from_slice(SIGNATURE);
    head.u32(MINIDUMP_VERSION);
    head.u32(count as u32);
    head.u32(HEADER_SIZE as u32);
    head.u32(0); // checksum
    head.u32(d.time as u32);
    head.u64(0); // flags: MiniDumpNormal
    for (ty, (len, at)) in streams {
        head.u32(ty);
        head.u32(len);
        head.u32(at);
    }
    f.out.0[..head.0.len()].copy_from_slice(&head.0);
    Ok(f.out.0)
}

/// The thread's stack: the part of the region holding `sp` from just below
/// it (the red zone) to the region's end; empty when no region holds it.
fn stack(sp: u64, regions: &[(u64, Loc)]) -> (u64, Loc) {
    for (start, (len, at)) in regions {
        let end = start + *len as u64;
        if *start <= sp && sp < end {
            let from = sp.saturating_sub(RED_ZONE).max(*start);
            let skip = (from - start) as u32;
            return (from, (len - skip, at + skip));
        }
    }
    (sp, (0, 0))
}

fn system_info(f: &mut File, d: &Dump) -> Result<Loc, EncodeError> {
    let (release, version) = uname();
    let csd = f.string(format!("{release} {version}").trim())?;
    let mut nums = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor, build) = (
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
        nums.next().unwrap_or(0),
    );
    // SAFETY: sysconf has no memory effects.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.clamp(0, 255) as u8;
    let mut s = Out::default();
    s.u16(d.context.arch.processor_architecture());
    s.u16(0); // processor level
    s.u16(0); // processor revision
    s.0.push(cpus);
    s.0.push(0); // product type
    s.u32(major);
    s.u32(minor);
    s.u32(build);
    s.u32(PLATFORM_LINUX);
    s.u32(csd);
    s.u16(0); // suite mask
    s.u16(0);
    s.0.extend_from_slice(&[0; 24]); // CPU information: not collected
    debug_assert_eq!(s.0.len(), SYSTEM_INFO_SIZE);
    f.put(&s.0)
}

/// The kernel's release and version strings (`uname -r`, `uname -v`).
fn uname() -> (String, String) {
    // SAFETY: uname fills the struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return (String::new(), String::new());
    }
    // `c_char` is `i8` on x86_64 and `u8` on aarch64.
    #[allow(clippy::unnecessary_cast)]
    let text = |field: &[libc::c_char]| {
        let bytes: Vec<u8> = field
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (text(&u.release), text(&u.version))
}

fn module_list(f: &mut File, d: &Dump) -> Result<Loc, EncodeError> {
    let mut records = Vec::with_capacity(d.modules.len());
    for m in &d.modules {
        let name = f.string(&m.name)?;
        let cv = if m.build_id.is_empty() {
            (0, 0)
        } else {
            let mut cv = Out::default();
            cv.u32(CV_ELF);
            cv.0.extend_from_slice(&m.build_id);
            f.put(&cv.0)?
        };
        records.push((m, name, cv));
    }
    let mut list = Out::default();
    list.u32(size(records.len())?);
    for (m, name, (cv_len, cv_at)) in records {
        list.u64(m.base);
        list.u32(m.size);
        list.u32(0); // checksum
        list.u32(0); // time stamp
        list.u32(name);
        list.0.extend_from_slice(&[0; 52]); // VS_FIXEDFILEINFO: none
        list.u32(cv_len);
        list.u32(cv_at);
        list.u64(0); // misc record
        list.u64(0); // reserved
        list.u64(0);
    }
    f.put(&list.0)
}

fn exception(f: &mut File, d: &Dump, context: Loc) -> Result<Loc, EncodeError> {
    let mut e = Out::default();
    e.u32(d.tid);
    e.u32(0);
    match d.signal {
        Some(s) => {
            e.u32(s.number);
            e.u32(s.code);
            e.u64(0); // nested record
            e.u64(s.address);
        }
        None => {
            e.u32(DUMP_REQUESTED);
            e.u32(0);
            e.u64(0);
            e.u64(d.context.pc());
        }
    }
    e.u32(0); // parameters
    e.u32(0);
    e.0.extend_from_slice(&[0; 15 * 8]);
    e.u32(context.0);
    e.u32(context.1);
    debug_assert_eq!(e.0.len(), EXCEPTION_SIZE);
    f.put(&e.0)
}
