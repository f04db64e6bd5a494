//! The ELF objects loaded in this process (the executable, its shared
//! libraries, the vDSO), for the dump's module list: where each is mapped,
//! its path and its GNU build id, read from its notes in memory.

use super::format::Module;

/// Most modules listed.
const MAX_MODULES: usize = 1024;
/// Most bytes of one object's notes read.
const MAX_NOTES: u64 = 64 << 10;
/// `NT_GNU_BUILD_ID`.
const NT_GNU_BUILD_ID: u32 = 3;

/// One object as the loader reports it.
struct Loaded {
    name: String,
    base: u64,
    end: u64,
    /// Its `PT_NOTE` segments: (address, size).
    notes: Vec<(u64, u64)>,
}

/// The loaded objects, the executable first (named `exe`).
pub(crate) fn loaded(exe: &str) -> Vec<Module> {
    let mut found: Vec<Loaded> = Vec::new();
    #[cfg(target_pointer_width = "64")]
    {
        unsafe extern "C" fn each(
            info: *mut libc::dl_phdr_info,
            _size: libc::size_t,
            data: *mut libc::c_void,
        ) -> libc::c_int {
            // SAFETY: the loader passes a valid `info` whose `dlpi_phdr`
            // has `dlpi_phnum` headers and whose name is a C string or
            // null; `data` is the `Vec` passed below.
            unsafe {
                let found = &mut *(data as *mut Vec<Loaded>);
                let info = &*info;
                let name = if info.dlpi_name.is_null() {
                    String::new()
                } else {
                    std::ffi::CStr::from_ptr(info.dlpi_name)
                        .to_string_lossy()
                        .into_owned()
                };
                let phdrs = if info.dlpi_phdr.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize)
                };
                let (mut lo, mut hi) = (u64::MAX, 0u64);
                let mut notes = Vec::new();
                for p in phdrs {
                    match p.p_type {
                        libc::PT_LOAD => {
                            lo = lo.min(p.p_vaddr & !(p.p_align.max(1) - 1));
                            hi = hi.max(p.p_vaddr + p.p_memsz);
                        }
                        libc::PT_NOTE => notes.push((info.dlpi_addr + p.p_vaddr, p.p_memsz)),
                        _ => {}
                    }
                }
                if lo < hi {
                    found.push(Loaded {
                        name,
                        base: info.dlpi_addr.wrapping_add(lo),
                        end: info.dlpi_addr.wrapping_add(hi),
                        notes,
                    });
                }
                i32::from(found.len() >= MAX_MODULES)
            }
        }
        // SAFETY: the callback only touches the `Vec` we pass.
        unsafe {
            libc::dl_iterate_phdr(
                Some(each),
                &mut found as *mut Vec<Loaded> as *mut libc::c_void,
            );
        }
    }
    found
        .into_iter()
        .enumerate()
        .map(|(i, l)| Module {
            base: l.base,
            size: u32::try_from(l.end.saturating_sub(l.base)).unwrap_or(u32::MAX),
            // The executable's name is empty to the loader.
            name: if i == 0 { exe.to_string() } else { l.name },
            build_id: l
                .notes
                .iter()
                .find_map(|&(addr, len)| build_id(addr, len))
                .unwrap_or_default(),
        })
        .collect()
}

/// The GNU build id in the notes at `addr`, read fault-safely.
fn build_id(addr: u64, len: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; len.min(MAX_NOTES) as usize];
    let got = crate::debuginfo::mem::read_live(addr, &mut buf);
    find_build_id(&buf[..got])
}

/// The `NT_GNU_BUILD_ID` note's bytes in a `PT_NOTE` segment's contents.
fn find_build_id(mut notes: &[u8]) -> Option<Vec<u8>> {
    let align = |n: usize| n.checked_add(3).map(|n| n & !3);
    while notes.len() >= 12 {
        let word = |i: usize| u32::from_ne_bytes(notes[i..i + 4].try_into().unwrap());
        let (namesz, descsz, ty) = (word(0) as usize, word(4) as usize, word(8));
        let name_end = 12usize.checked_add(align(namesz)?)?;
        let desc_end = name_end.checked_add(align(descsz)?)?;
        if desc_end > notes.len() {
            return None;
        }
        if ty == NT_GNU_BUILD_ID && &notes[12..12 + namesz] == b"GNU\0" {
            return Some(notes[name_end..name_end + descsz].to_vec());
        }
        notes = &notes[desc_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_comes_first_with_its_build_id() {
        let mods = loaded("/the/exe");
        assert_eq!(mods[0].name, "/the/exe");
        let info = crate::debuginfo::DebugInfo::get().unwrap();
        let hex: String = mods[0]
            .build_id
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(Some(hex), info.build_id());
        // autopsy's code is inside it.
        let here = find_build_id as fn(&[u8]) -> Option<Vec<u8>> as usize as u64;
        assert!(mods[0].base <= here && here < mods[0].base + mods[0].size as u64);
        assert!(mods.iter().any(|m| m.name.contains("libc")));
    }

    #[test]
    fn notes_are_walked_to_the_gnu_one() {
        let mut notes = Vec::new();
        for (name, ty, desc) in [
            (&b"Go\0"[..], 4u32, &[1u8, 2][..]),
            (b"GNU\0", 3, &[0xab; 20]),
        ] {
            notes.extend_from_slice(&(name.len() as u32).to_ne_bytes());
            notes.extend_from_slice(&(desc.len() as u32).to_ne_bytes());
            notes.extend_from_slice(&ty.to_ne_bytes());
            notes.extend_from_slice(name);
            notes.resize(notes.len().next_multiple_of(4), 0);
            notes.extend_from_slice(desc);
            notes.resize(notes.len().next_multiple_of(4), 0);
        }
        assert_eq!(find_build_id(&notes), Some(vec![0xab; 20]));
        assert_eq!(find_build_id(&notes[..notes.len() - 4]), None);
        assert_eq!(find_build_id(&[0xff; 64]), None);
    }
}
