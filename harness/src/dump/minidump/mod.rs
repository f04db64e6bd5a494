//! The minidump container, written ([`write`]) and read ([`read`]) by
//! hand: the harness is linked into every test binary, and the format is
//! small. Layouts follow Microsoft's `minidumpapiset.h` and Breakpad's
//! Linux extensions, as rust-minidump reads them; [`context`] holds the
//! registers.

pub mod context;
pub(crate) mod read;
pub(crate) mod write;

/// `MINIDUMP_HEADER::signature`: "MDMP".
pub const SIGNATURE: &[u8; 4] = b"MDMP";
/// `MINIDUMP_HEADER::version` (its low 16 bits; the high ones are the
/// writer's).
pub const MINIDUMP_VERSION: u32 = 0xa793;
/// autopsy's own stream: a user stream type (above 0xffff), "AUTP".
pub const AUTOPSY_STREAM: u32 = 0x4155_5450;

/// Standard stream types.
pub(crate) const THREAD_LIST: u32 = 3;
pub(crate) const MODULE_LIST: u32 = 4;
pub(crate) const MEMORY_LIST: u32 = 5;
pub(crate) const EXCEPTION: u32 = 6;
pub(crate) const SYSTEM_INFO: u32 = 7;
pub(crate) const THREAD_NAMES: u32 = 24;
/// Breakpad's `/proc/self/maps` stream.
pub(crate) const LINUX_MAPS: u32 = 0x4767_0009;

/// `MINIDUMP_SYSTEM_INFO::platform_id` for Linux (Breakpad's).
pub(crate) const PLATFORM_LINUX: u32 = 0x8201;
/// The CodeView signature of an ELF build id (Breakpad's 'BpEL').
pub(crate) const CV_ELF: u32 = 0x4270_454c;
/// `MINIDUMP_EXCEPTION::exception_code` of a dump written without a crash
/// (Breakpad's `MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED`): a panic, a caught
/// error or a failing `?`.
pub(crate) const DUMP_REQUESTED: u32 = 0xffff_ffff;

/// Record sizes.
pub(crate) const HEADER_SIZE: usize = 32;
pub(crate) const DIRECTORY_SIZE: usize = 12;
pub(crate) const SYSTEM_INFO_SIZE: usize = 56;
pub(crate) const THREAD_SIZE: usize = 48;
pub(crate) const MODULE_SIZE: usize = 108;
pub(crate) const MEMORY_SIZE: usize = 16;
pub(crate) const EXCEPTION_SIZE: usize = 168;

use super::format::DumpError;

/// A cursor over untrusted bytes: every read is checked against what is
/// left, and fails as a [`DumpError`] naming `what` was read.
pub(crate) struct In<'a> {
    pub data: &'a [u8],
    pub what: &'static str,
}

impl<'a> In<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> In<'a> {
        In { data, what }
    }
    pub fn take(&mut self, n: u64) -> Result<&'a [u8], DumpError> {
        if n > self.data.len() as u64 {
            return Err(DumpError::Corrupt(format!(
                "{} needs {n} bytes, {} are left",
                self.what,
                self.data.len()
            )));
        }
        let (head, tail) = self.data.split_at(n as usize);
        self.data = tail;
        Ok(head)
    }
    pub fn u16(&mut self) -> Result<u16, DumpError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub fn u32(&mut self) -> Result<u32, DumpError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> Result<u64, DumpError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// A u64 length, then that many bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], DumpError> {
        let n = self.u64()?;
        self.take(n)
    }
    /// A u32 length, then that many bytes of UTF-8.
    pub fn str(&mut self) -> Result<String, DumpError> {
        let n = self.u32()?;
        let b = self.take(n as u64)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| DumpError::Corrupt(format!("{}: text is not UTF-8", self.what)))
    }
    pub fn done(&self) -> Result<(), DumpError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(DumpError::Corrupt(format!(
                "{} has {} bytes too many",
                self.what,
                self.data.len()
            )))
        }
    }
}

/// Little-endian output.
#[derive(Default)]
pub(crate) struct Out(pub Vec<u8>);

impl Out {
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A u64 length, then the bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    /// A u32 length, then the UTF-8 bytes.
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
}
