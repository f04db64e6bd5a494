//! The failing thread's registers, and their minidump form: the
//! `CONTEXT_AMD64` (1232 bytes) and `CONTEXT_ARM64` (912 bytes) records of
//! Windows' `winnt.h`, as rust-minidump and Breakpad read them.
//!
//! A minidump context has no "unknown" per register, only per group
//! (`context_flags`: control, integer, ...); unknown registers of a known
//! group are written as 0. Which registers are real is kept exactly in
//! autopsy's stream ([`Context::known`]), so a reopened dump knows them.

use super::super::format::DumpError;
use super::In;

/// A processor architecture a dump can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// x86_64 (`PROCESSOR_ARCHITECTURE_AMD64`).
    X86_64,
    /// aarch64 (`PROCESSOR_ARCHITECTURE_ARM64`).
    Aarch64,
}

/// `PROCESSOR_ARCHITECTURE_AMD64`.
const PROCESSOR_AMD64: u16 = 9;
/// `PROCESSOR_ARCHITECTURE_ARM64` (Windows' value; Breakpad's old 0x8003
/// came with an older context layout).
const PROCESSOR_ARM64: u16 = 12;

/// `context_flags` CPU bits.
const CONTEXT_AMD64: u32 = 0x0010_0000;
const CONTEXT_ARM64: u32 = 0x0040_0000;
/// The CPU bits of `context_flags`.
const CONTEXT_CPU_MASK: u32 = 0xffff_ff00;
/// `context_flags` groups (the same bits on both).
const CONTROL: u32 = 1;
const INTEGER: u32 = 2;

/// Registers a [`Context`] holds, by the DWARF numbering of each
/// architecture: x86_64 0-16 (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp,
/// r8-r15, rip as the return-address column 16); aarch64 0-32 (x0-x30,
/// then sp as 31 and, autopsy's choice, pc as 32).
pub const REGS: usize = 33;

/// Bit of [`Context::known`] that says the flags register is known.
const FLAGS_BIT: u32 = REGS as u32;

/// Where each DWARF-numbered x86_64 register is in `CONTEXT_AMD64`.
const AMD64_OFFSETS: [usize; 17] = [
    0x78, 0x88, 0x80, 0x90, 0xa8, 0xb0, 0xa0, 0x98, // rax rdx rcx rbx rsi rdi rbp rsp
    0xb8, 0xc0, 0xc8, 0xd0, 0xd8, 0xe0, 0xe8, 0xf0, // r8-r15
    0xf8, // rip
];
const AMD64_FLAGS: usize = 0x30;
const AMD64_EFLAGS: usize = 0x44;
const ARM64_FLAGS: usize = 0;
const ARM64_CPSR: usize = 4;

impl Arch {
    /// The architecture this process runs on, when dumps support it.
    pub const HOST: Option<Arch> = if cfg!(target_arch = "x86_64") {
        Some(Arch::X86_64)
    } else if cfg!(target_arch = "aarch64") {
        Some(Arch::Aarch64)
    } else {
        None
    };

    /// Its `MINIDUMP_SYSTEM_INFO::processor_architecture`.
    pub(crate) fn processor_architecture(self) -> u16 {
        match self {
            Arch::X86_64 => PROCESSOR_AMD64,
            Arch::Aarch64 => PROCESSOR_ARM64,
        }
    }

    pub(crate) fn from_processor_architecture(p: u16) -> Option<Arch> {
        match p {
            PROCESSOR_AMD64 => Some(Arch::X86_64),
            PROCESSOR_ARM64 => Some(Arch::Aarch64),
            _ => None,
        }
    }

    /// The size of its context record.
    pub(crate) fn context_size(self) -> usize {
        match self {
            Arch::X86_64 => 1232,
            Arch::Aarch64 => 912,
        }
    }

    /// How many registers of [`REGS`] it has.
    fn regs(self) -> usize {
        match self {
            Arch::X86_64 => 17,
            Arch::Aarch64 => 33,
        }
    }

    /// The DWARF-style numbers of its pc and sp.
    pub fn pc_sp(self) -> (usize, usize) {
        match self {
            Arch::X86_64 => (16, 7),
            Arch::Aarch64 => (32, 31),
        }
    }

    fn offset(self, reg: usize) -> usize {
        match self {
            Arch::X86_64 => AMD64_OFFSETS[reg],
            Arch::Aarch64 => 8 + 8 * reg,
        }
    }

    fn cpu_flag(self) -> u32 {
        match self {
            Arch::X86_64 => CONTEXT_AMD64,
            Arch::Aarch64 => CONTEXT_ARM64,
        }
    }
}

/// Registers of the failing frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Whose registers.
    pub arch: Arch,
    /// By [`REGS`]' numbering; `None`: unknown (written as 0).
    pub regs: [Option<u64>; REGS],
    /// `eflags` / `cpsr`, when known.
    pub flags: Option<u32>,
}

impl Context {
    /// A context that knows only `pc` and `sp`.
    pub fn new(arch: Arch, pc: u64, sp: u64) -> Context {
        let mut regs = [None; REGS];
        let (p, s) = arch.pc_sp();
        regs[p] = Some(pc);
        regs[s] = Some(sp);
        Context {
            arch,
            regs,
            flags: None,
        }
    }

    /// The instruction pointer.
    pub fn pc(&self) -> u64 {
        self.regs[self.arch.pc_sp().0].unwrap_or(0)
    }

    /// The stack pointer.
    pub fn sp(&self) -> u64 {
        self.regs[self.arch.pc_sp().1].unwrap_or(0)
    }

    /// Which registers are real: bit `n` for register `n`, bit [`REGS`] for
    /// the flags.
    pub fn known(&self) -> u64 {
        let mut mask = 0u64;
        for (i, r) in self.regs.iter().enumerate() {
            if r.is_some() {
                mask |= 1 << i;
            }
        }
        if self.flags.is_some() {
            mask |= 1 << FLAGS_BIT;
        }
        mask
    }

    /// The context record.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let arch = self.arch;
        let mut out = vec![0u8; arch.context_size()];
        let (pc, sp) = arch.pc_sp();
        let mut groups = CONTROL;
        for (i, r) in self.regs.iter().enumerate().take(arch.regs()) {
            if let Some(v) = r {
                let at = arch.offset(i);
                out[at..at + 8].copy_from_slice(&v.to_le_bytes());
                if i != pc && i != sp {
                    groups |= INTEGER;
                }
            }
        }
        let (flags_at, reg_flags_at) = match arch {
            Arch::X86_64 => (AMD64_FLAGS, AMD64_EFLAGS),
            Arch::Aarch64 => (ARM64_FLAGS, ARM64_CPSR),
        };
        if let Some(f) = self.flags {
            out[reg_flags_at..reg_flags_at + 4].copy_from_slice(&f.to_le_bytes());
        }
        let context_flags = arch.cpu_flag() | groups;
        out[flags_at..flags_at + 4].copy_from_slice(&context_flags.to_le_bytes());
        out
    }

    /// Reads a context record of `arch`, keeping the registers `known` says
    /// are real (from autopsy's stream).
    pub(crate) fn decode(arch: Arch, bytes: &[u8], known: u64) -> Result<Context, DumpError> {
        let corrupt = |what: String| DumpError::Corrupt(what);
        if bytes.len() != arch.context_size() {
            return Err(corrupt(format!(
                "the thread's context is {} bytes, not the {} of an {arch:?} context",
                bytes.len(),
                arch.context_size()
            )));
        }
        let (flags_at, reg_flags_at) = match arch {
            Arch::X86_64 => (AMD64_FLAGS, AMD64_EFLAGS),
            Arch::Aarch64 => (ARM64_FLAGS, ARM64_CPSR),
        };
        let u32_at = |at: usize| In::new(&bytes[at..], "the context").u32();
        let u64_at = |at: usize| In::new(&bytes[at..], "the context").u64();
        let context_flags = u32_at(flags_at)?;
        if context_flags & CONTEXT_CPU_MASK != arch.cpu_flag() {
            return Err(corrupt(format!(
                "the thread's context has flags {context_flags:#x}, not an {arch:?} context's"
            )));
        }
        let (pc, sp) = arch.pc_sp();
        if known >> (FLAGS_BIT + 1) != 0
            || known & !((1 << FLAGS_BIT) | ((1u64 << arch.regs()) - 1)) != 0
            || known & (1 << pc) == 0
            || known & (1 << sp) == 0
        {
            return Err(corrupt(format!(
                "the registers said known ({known:#x}) do not fit an {arch:?} context"
            )));
        }
        let mut regs = [None; REGS];
        for (i, r) in regs.iter_mut().enumerate().take(arch.regs()) {
            if known & (1 << i) != 0 {
                *r = Some(u64_at(arch.offset(i))?);
            }
        }
        let flags = if known & (1 << FLAGS_BIT) != 0 {
            Some(u32_at(reg_flags_at)?)
        } else {
            None
        };
        Ok(Context { arch, regs, flags })
    }

    /// The registers a signal handler was given (`ucontext_t`): all the
    /// general registers, pc, sp and flags at the fault.
    ///
    /// # Safety
    /// `uc` is the `ucontext_t` the kernel passed to an `SA_SIGINFO`
    /// handler, or null.
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    pub(crate) unsafe fn from_ucontext(uc: *const libc::c_void) -> Option<Context> {
        let uc = (uc as *const libc::ucontext_t).as_ref()?;
        let g = &uc.uc_mcontext.gregs;
        let at = |r: libc::c_int| Some(g[r as usize] as u64);
        let mut regs = [None; REGS];
        // DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip.
        for (i, r) in [
            libc::REG_RAX,
            libc::REG_RDX,
            libc::REG_RCX,
            libc::REG_RBX,
            libc::REG_RSI,
            libc::REG_RDI,
            libc::REG_RBP,
            libc::REG_RSP,
            libc::REG_R8,
            libc::REG_R9,
            libc::REG_R10,
            libc::REG_R11,
            libc::REG_R12,
            libc::REG_R13,
            libc::REG_R14,
            libc::REG_R15,
            libc::REG_RIP,
        ]
        .into_iter()
        .enumerate()
        {
            regs[i] = at(r);
        }
        Some(Context {
            arch: Arch::X86_64,
            regs,
            flags: Some(g[libc::REG_EFL as usize] as u32),
        })
    }

    /// See the x86_64 version.
    ///
    /// # Safety
    /// `uc` is the `ucontext_t` the kernel passed to an `SA_SIGINFO`
    /// handler, or null.
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    pub(crate) unsafe fn from_ucontext(uc: *const libc::c_void) -> Option<Context> {
        let uc = (uc as *const libc::ucontext_t).as_ref()?;
        let m = &uc.uc_mcontext;
        let mut regs = [None; REGS];
        for (i, r) in m.regs.iter().enumerate() {
            regs[i] = Some(*r);
        }
        regs[31] = Some(m.sp);
        regs[32] = Some(m.pc);
        Some(Context {
            arch: Arch::Aarch64,
            regs,
            flags: Some(m.pstate as u32),
        })
    }

    /// No context on other systems (dumps are refused there).
    ///
    /// # Safety
    /// Always safe: returns `None`.
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    pub(crate) unsafe fn from_ucontext(_uc: *const libc::c_void) -> Option<Context> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(arch: Arch) -> Context {
        let mut c = Context::new(arch, 0x5555_1234, 0x7ffe_0000);
        for i in 0..arch.regs() {
            c.regs[i].get_or_insert(0x100 + i as u64);
        }
        c.flags = Some(0x246);
        c
    }

    #[test]
    fn contexts_round_trip_with_what_is_known() {
        for arch in [Arch::X86_64, Arch::Aarch64] {
            for c in [full(arch), Context::new(arch, 1, 2)] {
                let bytes = c.encode();
                assert_eq!(bytes.len(), arch.context_size());
                assert_eq!(Context::decode(arch, &bytes, c.known()).unwrap(), c);
            }
        }
    }

    #[test]
    fn registers_sit_where_winnt_h_puts_them() {
        let c = full(Arch::X86_64);
        let b = c.encode();
        let at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        assert_eq!(
            u32::from_le_bytes(b[0x30..0x34].try_into().unwrap()),
            0x10_0003
        );
        assert_eq!(at(0xf8), 0x5555_1234); // rip
        assert_eq!(at(0x98), 0x7ffe_0000); // rsp
        assert_eq!(at(0xa0), 0x106); // rbp, DWARF 6
        assert_eq!(at(0x78), 0x100); // rax, DWARF 0
        let a = full(Arch::Aarch64).encode();
        let at = |o: usize| u64::from_le_bytes(a[o..o + 8].try_into().unwrap());
        assert_eq!(u32::from_le_bytes(a[0..4].try_into().unwrap()), 0x40_0003);
        assert_eq!(
            (at(0x108), at(0x100), at(0xf0)),
            (0x5555_1234, 0x7ffe_0000, 0x11d)
        );
        // Only pc and sp: the control group alone.
        let b = Context::new(Arch::X86_64, 1, 2).encode();
        assert_eq!(
            u32::from_le_bytes(b[0x30..0x34].try_into().unwrap()),
            0x10_0001
        );
    }

    #[test]
    fn wrong_sizes_flags_and_masks_are_refused() {
        let c = full(Arch::X86_64);
        let b = c.encode();
        assert!(Context::decode(Arch::X86_64, &b[1..], c.known()).is_err());
        assert!(Context::decode(Arch::Aarch64, &b[..912], c.known()).is_err());
        assert!(Context::decode(Arch::X86_64, &b, 1 << 40).is_err());
        assert!(Context::decode(Arch::X86_64, &b, 1).is_err());
    }
}
