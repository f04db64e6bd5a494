//! Fault-safe reads of this process's own memory.
//!
//! Every read of target memory in the engine goes through [`read`]. It uses
//! `process_vm_readv` on our own pid (unmapped or `PROT_NONE` memory gives
//! `EFAULT` instead of a segfault, a mapping boundary gives a short count);
//! if the kernel refuses that call (`EPERM`/`ENOSYS`, e.g. in some
//! sandboxes) it falls back to `write(2)`-ing the bytes into a pipe, which
//! also fails with `EFAULT` on bad memory.
//!
//! The memory-source seam: where the bytes come from. By default this
//! process; `cargo autopsy open` sets a [`MemorySource`] (a dump's memory)
//! with [`set_source`] before anything is read. While a dump is being
//! written, [`Recording`] keeps a copy of every byte read, so that the
//! dump holds exactly the memory the prompt's renderings need.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

/// A read failed: the first address that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable(pub u64);

const MODE_UNKNOWN: u8 = 0;
const MODE_VM_READV: u8 = 1;
const MODE_PIPE: u8 = 2;
static MODE: AtomicU8 = AtomicU8::new(MODE_UNKNOWN);

/// Largest single read we ever perform (callers cap their sizes well below).
const MAX_READ: usize = 16 << 20;

/// Reads `len` bytes at `addr`, or reports the first unreadable address.
pub fn read(addr: u64, len: usize) -> Result<Vec<u8>, Unreadable> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if addr == 0 || len > MAX_READ || addr.checked_add(len as u64).is_none() {
        return Err(Unreadable(addr));
    }
    let mut buf = vec![0u8; len];
    let mut done = 0usize;
    while done < len {
        let n = read_some(addr + done as u64, &mut buf[done..]);
        if n == 0 {
            return Err(Unreadable(addr + done as u64));
        }
        done += n;
    }
    Ok(buf)
}

/// Reads a little-endian unsigned integer of `size` (1..=8) bytes.
pub fn read_uint(addr: u64, size: usize) -> Result<u64, Unreadable> {
    let b = read(addr, size.min(8))?;
    Ok(le_uint(&b))
}

/// Little-endian bytes (at most 8 used) to u64.
pub fn le_uint(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for (i, byte) in b.iter().take(8).enumerate() {
        v |= (*byte as u64) << (8 * i);
    }
    v
}

/// Memory that is not this process's: a dump's.
pub trait MemorySource: Send + Sync {
    /// Copies as many bytes as it holds from `addr` on into `buf` (0: none).
    fn read_some(&self, addr: u64, buf: &mut [u8]) -> usize;
}

static SOURCE: OnceLock<Box<dyn MemorySource>> = OnceLock::new();

/// Makes every later read come from `source` instead of this process. Set
/// once, before anything is read (`cargo autopsy open`).
pub fn set_source(source: Box<dyn MemorySource>) {
    let _ = SOURCE.set(source);
}

/// Whether reads come from a [`MemorySource`] (a dump), not this process.
pub fn offline() -> bool {
    SOURCE.get().is_some()
}

/// What a dump's writer keeps of the reads made while it renders the
/// frames' locals: address and bytes, up to a cap.
#[derive(Debug, Default)]
pub struct Recording {
    /// Chunks read, in order.
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// Bytes kept.
    pub kept: u64,
    /// Bytes read but not kept (over the cap).
    pub left_out: u64,
    cap: u64,
}

static RECORDING_ON: AtomicBool = AtomicBool::new(false);
static RECORDING: Mutex<Option<Recording>> = Mutex::new(None);

/// Starts keeping a copy of every byte read, up to `cap` bytes.
pub fn start_recording(cap: u64) {
    *RECORDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(Recording {
        cap,
        ..Recording::default()
    });
    RECORDING_ON.store(true, Ordering::SeqCst);
}

/// Stops keeping reads; what was kept.
pub fn stop_recording() -> Recording {
    RECORDING_ON.store(false, Ordering::SeqCst);
    RECORDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default()
}

/// Keeps `bytes` read at `addr`, if a recording is on.
fn record(addr: u64, bytes: &[u8]) {
    if !RECORDING_ON.load(Ordering::Relaxed) || bytes.is_empty() {
        return;
    }
    let mut r = RECORDING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = r.as_mut() {
        let n = bytes.len() as u64;
        if r.kept + n > r.cap {
            r.left_out += n;
        } else {
            r.kept += n;
            r.chunks.push((addr, bytes.to_vec()));
        }
    }
}

/// Reads as many bytes as possible at `addr` into `buf` (0 on failure).
fn read_some(addr: u64, buf: &mut [u8]) -> usize {
    if let Some(source) = SOURCE.get() {
        return source.read_some(addr, buf).min(buf.len());
    }
    let n = read_live(addr, buf);
    record(addr, &buf[..n]);
    n
}

/// Copies this process's own memory (`read_some` without the seam).
pub fn read_live(addr: u64, buf: &mut [u8]) -> usize {
    let mode = MODE.load(Ordering::Relaxed);
    if mode != MODE_PIPE {
        match vm_readv(addr, buf) {
            Ok(n) => {
                MODE.store(MODE_VM_READV, Ordering::Relaxed);
                return n;
            }
            Err(e) if e == libc::EPERM || e == libc::ENOSYS => {
                MODE.store(MODE_PIPE, Ordering::Relaxed);
            }
            Err(_) => return 0,
        }
    }
    pipe_read(addr, buf)
}

fn vm_readv(addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: the kernel copies from our own address space into `buf`,
    // which is valid for `buf.len()` bytes; a bad remote range is reported
    // as EFAULT or a short count, never a fault in this process.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    if n < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(n as usize)
    }
}

/// Fallback: write(2) the bytes into a pipe, then read them back out.
fn pipe_read(addr: u64, buf: &mut [u8]) -> usize {
    let mut fds = [0i32; 2];
    // SAFETY: plain syscalls on fds we own; `write` reads from `addr` inside
    // the kernel, which returns EFAULT for bad memory instead of faulting.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) != 0 {
            return 0;
        }
        let mut total = 0usize;
        // A pipe holds 64 KiB by default: copy in chunks.
        while total < buf.len() {
            let chunk = (buf.len() - total).min(4096);
            let w = libc::write(
                fds[1],
                (addr as usize + total) as *const libc::c_void,
                chunk,
            );
            if w <= 0 {
                break;
            }
            let r = libc::read(fds[0], buf[total..].as_mut_ptr().cast(), w as usize);
            if r != w {
                break;
            }
            total += w as usize;
        }
        libc::close(fds[0]);
        libc::close(fds[1]);
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory_and_survives_bad_pointers() {
        let v: Vec<u8> = (0..100).collect();
        assert_eq!(read(v.as_ptr() as u64, 100).unwrap(), v);
        assert_eq!(read(8, 4), Err(Unreadable(8)));
        assert!(read(u64::MAX - 2, 8).is_err());
        let x = 0x1122334455667788u64;
        assert_eq!(read_uint(&x as *const u64 as u64, 8).unwrap(), x);
    }

    #[test]
    fn pipe_fallback_works() {
        let v: Vec<u8> = (0..=255).cycle().take(10000).collect();
        let mut buf = vec![0u8; v.len()];
        assert_eq!(pipe_read(v.as_ptr() as u64, &mut buf), v.len());
        assert_eq!(buf, v);
        let mut small = [0u8; 8];
        assert_eq!(pipe_read(16, &mut small), 0);
    }
}
