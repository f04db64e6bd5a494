//! Split debug info: where a binary without DWARF keeps it, found where gdb
//! looks for it.
//!
//! - By build id: `/usr/lib/debug/.build-id/xx/rest.debug`.
//! - By `.gnu_debuglink` (a file name and the CRC-32 of that file): beside
//!   the binary, in `.debug/` beside it, and under `/usr/lib/debug/` plus
//!   the binary's (real) directory. A file whose CRC differs is refused.
//!
//! Every candidate must also carry the binary's build id (when the binary
//! has one): a debug file of another build would show wrong frames and
//! values. Split DWARF (`-C split-debuginfo=packed|unpacked`: `.dwp`
//! packages and `.dwo` files) is read unit by unit, see `dwo.rs`.

use std::path::{Path, PathBuf};

use object::{Object, ObjectSection};

/// The root gdb searches for installed debug files.
const DEBUG_ROOT: &str = "/usr/lib/debug";

/// Why no split debug info can be used.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SplitError {
    #[error("cannot read {path}: {err}")]
    Read { path: String, err: String },
    #[error(
        "{debug} is not the debug info of {binary}: its CRC-32 is {found:08x}, the binary's \
         .gnu_debuglink asks for {want:08x} (made from another build?)"
    )]
    WrongCrc {
        debug: String,
        binary: String,
        found: u32,
        want: u32,
    },
    #[error(
        "{debug} is not the debug info of {binary}: its build id is {found}, the binary's is \
         {want}"
    )]
    WrongBuildId {
        debug: String,
        binary: String,
        found: String,
        want: String,
    },
    #[error("no split debug info in {}", searched.join(", "))]
    NotFound { searched: Vec<String> },
}

/// Where `binary`'s DWARF is: `Ok(None)` when the binary has its own
/// (`.debug_info`), else the first split debug file found, checked.
pub fn find(binary: &Path) -> Result<Option<PathBuf>, SplitError> {
    let bin_name = binary.display().to_string();
    let read_err = |path: &Path, err: String| SplitError::Read {
        path: path.display().to_string(),
        err,
    };
    let data = map(binary).map_err(|e| read_err(binary, e.to_string()))?;
    let obj = object::File::parse(&*data).map_err(|e| read_err(binary, e.to_string()))?;
    if has_dwarf(&obj) {
        return Ok(None);
    }
    let build_id = obj.build_id().ok().flatten().map(hex);
    let link = obj
        .gnu_debuglink()
        .ok()
        .flatten()
        .map(|(name, crc)| (String::from_utf8_lossy(name).into_owned(), crc));
    let mut candidates: Vec<(PathBuf, Option<u32>)> = Vec::new();
    if let Some(id) = build_id.as_deref().filter(|id| id.len() > 2) {
        let p = Path::new(DEBUG_ROOT)
            .join(".build-id")
            .join(&id[..2])
            .join(format!("{}.debug", &id[2..]));
        candidates.push((p, None));
    }
    if let Some((name, crc)) = &link {
        // A name with a directory in it is not a debuglink gdb follows.
        if !name.is_empty() && !name.contains('/') {
            let dir = binary
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .or_else(|| binary.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            candidates.push((dir.join(name), Some(*crc)));
            candidates.push((dir.join(".debug").join(name), Some(*crc)));
            let under = dir.strip_prefix("/").unwrap_or(&dir);
            candidates.push((Path::new(DEBUG_ROOT).join(under).join(name), Some(*crc)));
        }
    }
    let mut refused = None;
    for (path, crc) in &candidates {
        // Not the binary itself (a debuglink naming its own file).
        if !path.is_file() || same_file(path, binary) {
            continue;
        }
        match check(path, &bin_name, build_id.as_deref(), *crc) {
            Ok(()) => return Ok(Some(path.clone())),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    Err(refused.unwrap_or_else(|| {
        let mut searched: Vec<String> = candidates
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        if link.is_none() {
            searched.push(format!("(no .gnu_debuglink in {bin_name})"));
        }
        SplitError::NotFound { searched }
    }))
}

/// Whether an object file has DWARF of its own.
fn has_dwarf<'d>(obj: &object::File<'d, &'d [u8]>) -> bool {
    obj.section_by_name(".debug_info")
        .is_some_and(|s| s.size() > 0 && s.kind() != object::SectionKind::UninitializedData)
}

/// Checks a candidate debug file: its CRC (for a debuglink), its build id,
/// and that it holds DWARF.
fn check(
    path: &Path,
    binary: &str,
    build_id: Option<&str>,
    crc: Option<u32>,
) -> Result<(), SplitError> {
    let debug = path.display().to_string();
    let read_err = |err: String| SplitError::Read {
        path: debug.clone(),
        err,
    };
    let data = map(path).map_err(|e| read_err(e.to_string()))?;
    if let Some(want) = crc {
        let found = crc32(&data);
        if found != want {
            return Err(SplitError::WrongCrc {
                debug,
                binary: binary.into(),
                found,
                want,
            });
        }
    }
    let obj = object::File::parse(&*data).map_err(|e| read_err(e.to_string()))?;
    if let Some(want) = build_id {
        let found = obj.build_id().ok().flatten().map(hex);
        if found.as_deref() != Some(want) {
            return Err(SplitError::WrongBuildId {
                debug,
                binary: binary.into(),
                found: found.unwrap_or_else(|| "none".into()),
                want: want.into(),
            });
        }
    }
    if !has_dwarf(&obj) {
        return Err(read_err("it has no DWARF (.debug_info)".into()));
    }
    Ok(())
}

/// The file at `path`, mapped (not read: a binary can be large, and only
/// its section headers are needed when it has DWARF).
fn map(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: read-only, and, as for the binary itself (dwarf.rs), the
    // files are not modified while `cargo autopsy open` reads them.
    unsafe { memmap2::Mmap::map(&file) }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The CRC-32 (IEEE 802.3, reflected, as zlib) that `.gnu_debuglink`
/// records of its file.
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_zlib_one() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn a_file_that_is_not_an_object_is_a_read_error() {
        let dir = std::env::temp_dir().join(format!("autopsy-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("not-elf");
        std::fs::write(&p, b"hello").unwrap();
        assert!(matches!(find(&p), Err(SplitError::Read { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
