//! Split DWARF (`-C split-debuginfo=packed|unpacked`, cargo's
//! `split-debuginfo` profile setting): the executable keeps one small
//! skeleton unit per compilation unit (its line table, code ranges,
//! `.debug_addr`), and the unit's DIEs (functions, variables, types) live
//! elsewhere, found as gdb and lldb find them:
//!
//! - `packed`: in a DWARF package beside the executable, `<binary>.dwp`,
//!   indexed by each unit's DWO id;
//! - `unpacked`: in one `.dwo` file per unit, at the skeleton's
//!   `DW_AT_comp_dir` + `DW_AT_dwo_name` (rustc writes an absolute path),
//!   or by that file's name beside the executable (a binary moved together
//!   with its `.dwo` files).
//!
//! A split half is only used when its DWO id is the skeleton's: a package
//! or `.dwo` file of another build would show wrong frames and values, so
//! it is refused with a message naming the file, as is a missing one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gimli::constants as dw;

use super::dwarf::{Binary, R};

/// Why a skeleton unit's split half cannot be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum DwoError {
    #[error(
        "{binary} keeps its debug info in split DWARF (cargo's `split-debuginfo`), and neither \
         {dwp} (\"packed\") nor {dwo} (\"unpacked\") exists"
    )]
    Missing {
        binary: String,
        dwp: String,
        dwo: String,
    },
    #[error(
        "{dwp} is not the split debug info of {binary}: it has no unit with DWO id {id:016x} \
         (made from another build?)"
    )]
    NotInPackage {
        dwp: String,
        binary: String,
        id: u64,
    },
    #[error(
        "{dwo} is not the split debug info of {binary}: its DWO id is {found}, the binary's \
         unit needs {want:016x} (made from another build?)"
    )]
    WrongId {
        dwo: String,
        binary: String,
        found: String,
        want: u64,
    },
    #[error("cannot read {path}: {err}")]
    Read { path: String, err: String },
}

/// A section of a `.dwo` or `.dwp` file (`.debug_info.dwo`, ...).
fn dwo_section(
    obj: &object::File<'static, &'static [u8]>,
    id: gimli::SectionId,
    endian: gimli::RunTimeEndian,
) -> R {
    super::dwarf::section_named(obj, id.dwo_name(), endian)
}

/// The object file at `path`, mapped for the rest of the process; `None`
/// when there is no such file.
fn open(path: &Path) -> Result<Option<object::File<'static, &'static [u8]>>, DwoError> {
    let read = |err: String| DwoError::Read {
        path: path.display().to_string(),
        err,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read(e.to_string())),
    };
    // SAFETY: read-only; debug files are not modified while we read them
    // (as for the executable itself, dwarf.rs).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| read(e.to_string()))?;
    let map: &'static memmap2::Mmap = Box::leak(Box::new(map));
    object::File::parse(&map[..])
        .map(Some)
        .map_err(|e| read(e.to_string()))
}

/// The DWO id a unit carries, for messages.
fn id_text(id: Option<gimli::DwoId>) -> String {
    id.map_or_else(|| "none".into(), |i| format!("{:016x}", i.0))
}

impl Binary {
    fn endian(&self) -> gimli::RunTimeEndian {
        if self.big_endian() {
            gimli::RunTimeEndian::Big
        } else {
            gimli::RunTimeEndian::Little
        }
    }

    /// Where the executable's `.dwp` is looked for: `<binary>.dwp` beside
    /// the path it was opened by, then beside its real path (a symlink, or
    /// `/proc/self/exe`).
    fn dwp_candidates(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut add = |p: &Path| {
            let mut name = p.as_os_str().to_owned();
            name.push(".dwp");
            let dwp = PathBuf::from(name);
            if !out.contains(&dwp) {
                out.push(dwp);
            }
        };
        if !self.path.starts_with("/proc/") {
            add(Path::new(&self.path));
        }
        if let Ok(real) = std::fs::canonicalize(&self.path) {
            add(&real);
        }
        out
    }

    /// The binary's name in messages: its real path.
    pub(super) fn display_path(&self) -> String {
        std::fs::canonicalize(&self.path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| self.path.clone())
    }

    /// The `.dwp` package beside the executable, loaded once: `None` when
    /// there is none, its path with it.
    fn package(&self) -> Option<Result<(&gimli::DwarfPackage<R>, String), DwoError>> {
        let (path, dwp) = self
            .dwp
            .get_or_init(|| {
                let endian = self.endian();
                for path in self.dwp_candidates() {
                    let shown = path.display().to_string();
                    let obj = match open(&path) {
                        Ok(Some(obj)) => obj,
                        Ok(None) => continue,
                        Err(e) => return Some((shown, Err(e))),
                    };
                    let empty = gimli::EndianSlice::new(&[][..], endian);
                    let pkg = gimli::DwarfPackage::load(
                        |id| Ok::<R, gimli::Error>(dwo_section(&obj, id, endian)),
                        empty,
                    );
                    let pkg = pkg.map_err(|e: gimli::Error| DwoError::Read {
                        path: shown.clone(),
                        err: e.to_string(),
                    });
                    return Some((shown, pkg));
                }
                None
            })
            .as_ref()?;
        Some(match dwp {
            Ok(p) => Ok((p, path.clone())),
            Err(e) => Err(e.clone()),
        })
    }

    /// The split half of the skeleton unit `skel` (DWO id `id`): its
    /// sections and its unit, with the skeleton's bases, as gimli reads a
    /// split unit.
    pub(super) fn split_half(
        &self,
        skel: &gimli::Unit<R>,
        id: gimli::DwoId,
    ) -> Result<(gimli::Dwarf<R>, gimli::Unit<R>), DwoError> {
        let binary = self.display_path();
        let package = self.package();
        if let Some(package) = &package {
            let (pkg, dwp) = package.clone()?;
            let read = |e: gimli::Error| DwoError::Read {
                path: dwp.clone(),
                err: e.to_string(),
            };
            if let Some(dwarf) = pkg.find_cu(id, &self.dwarf).map_err(read)? {
                let unit = first_unit(&dwarf, id).map_err(read)?;
                return match unit {
                    Some(unit) => Ok((dwarf, relocated(unit, skel))),
                    None => Err(DwoError::NotInPackage {
                        dwp,
                        binary,
                        id: id.0,
                    }),
                };
            }
        }
        // The `.dwo` named by the skeleton, then that file's name beside
        // the executable.
        let name = skel
            .dwo_name()
            .ok()
            .flatten()
            .and_then(|v| self.dwarf.attr_string(skel, v).ok())
            .map(|s| s.to_string_lossy().into_owned());
        let mut dwos: Vec<PathBuf> = Vec::new();
        if let Some(name) = &name {
            let mut p = PathBuf::new();
            if let Some(dir) = &skel.comp_dir {
                p.push(&*dir.to_string_lossy());
            }
            p.push(name);
            dwos.push(p);
            if let (Some(file), Ok(real)) = (
                Path::new(name).file_name(),
                std::fs::canonicalize(&self.path),
            ) {
                if let Some(dir) = real.parent() {
                    dwos.push(dir.join(file));
                }
            }
        }
        let endian = self.endian();
        let mut refused = None;
        for path in &dwos {
            let Some(obj) = open(path)? else { continue };
            let shown = path.display().to_string();
            let read = |e: gimli::Error| DwoError::Read {
                path: shown.clone(),
                err: e.to_string(),
            };
            let mut dwarf =
                gimli::Dwarf::load(|id| Ok::<R, gimli::Error>(dwo_section(&obj, id, endian)))
                    .map_err(read)?;
            dwarf.make_dwo(&self.dwarf);
            match first_unit(&dwarf, id).map_err(read)? {
                Some(unit) => return Ok((dwarf, relocated(unit, skel))),
                None => {
                    let found = dwarf
                        .units()
                        .next()
                        .ok()
                        .flatten()
                        .and_then(|h| dwarf.unit(h).ok())
                        .and_then(|u| u.dwo_id);
                    refused.get_or_insert(DwoError::WrongId {
                        dwo: shown,
                        binary: binary.clone(),
                        found: id_text(found),
                        want: id.0,
                    });
                }
            }
        }
        if let Some(e) = refused {
            return Err(e);
        }
        if let Some(Ok((_, dwp))) = package {
            return Err(DwoError::NotInPackage {
                dwp,
                binary,
                id: id.0,
            });
        }
        let dwp = self
            .dwp_candidates()
            .pop()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("{binary}.dwp"));
        Err(DwoError::Missing {
            binary,
            dwp,
            dwo: dwos
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "its .dwo file".into()),
        })
    }
}

/// The compilation unit with DWO id `id` among a split file's units.
fn first_unit(dwarf: &gimli::Dwarf<R>, id: gimli::DwoId) -> gimli::Result<Option<gimli::Unit<R>>> {
    let mut units = dwarf.units();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        if unit.dwo_id == Some(id) {
            return Ok(Some(unit));
        }
    }
    Ok(None)
}

/// A split unit with the skeleton's relocated attributes (`low_pc`,
/// `.debug_addr` base, DWARF 4's ranges base).
fn relocated(mut unit: gimli::Unit<R>, skel: &gimli::Unit<R>) -> gimli::Unit<R> {
    unit.copy_relocated_attributes(skel);
    unit
}

/// Whether an abbreviation is a variable or parameter with a location.
fn is_located_var(a: &gimli::Abbreviation) -> bool {
    (a.tag() == dw::DW_TAG_variable || a.tag() == dw::DW_TAG_formal_parameter)
        && a.attributes()
            .iter()
            .any(|s| s.name() == dw::DW_AT_location)
}

/// Whether an abbreviation is a skeleton unit's root (DWARF 4's GNU
/// extension says so by attributes, DWARF 5 in the unit header too).
fn is_skeleton_root(a: &gimli::Abbreviation) -> bool {
    (a.tag() == dw::DW_TAG_compile_unit || a.tag() == dw::DW_TAG_skeleton_unit)
        && a.attributes()
            .iter()
            .any(|s| s.name() == dw::DW_AT_GNU_dwo_id || s.name() == dw::DW_AT_dwo_name)
}

impl Binary {
    /// Whether any unit has a variable or parameter with a location: the
    /// abbreviations of the executable's units (each table once), then,
    /// for split DWARF, those of the skeletons' split halves, read until
    /// one has some. Stops at the first split half that cannot be read
    /// (its error is then [`Binary::split_error`]).
    pub(super) fn find_vars(&self) -> bool {
        let d = &self.dwarf;
        // Abbreviation table offset -> whether it is a skeleton's.
        let mut seen: HashMap<usize, bool> = HashMap::new();
        let mut skeletons = Vec::new();
        let mut units = d.units();
        while let Ok(Some(h)) = units.next() {
            let off = h.debug_abbrev_offset().0;
            let skeleton = match seen.get(&off) {
                Some(&s) => s,
                None => {
                    let Ok(abbrevs) = d.abbreviations(&h) else {
                        seen.insert(off, false);
                        continue;
                    };
                    let mut skeleton = matches!(h.type_(), gimli::UnitType::Skeleton(_));
                    for code in 1..=4096u64 {
                        let Some(a) = abbrevs.get(code) else { break };
                        if is_located_var(a) {
                            return true;
                        }
                        skeleton |= is_skeleton_root(a);
                    }
                    seen.insert(off, skeleton);
                    skeleton
                }
            };
            if let (true, Some(o)) = (skeleton, h.debug_info_offset()) {
                skeletons.push(o.0);
            }
        }
        for off in skeletons {
            let Some(cu) = self.cu(off) else { continue };
            if cu.split_error.is_some() {
                return false;
            }
            for code in 1..=4096u64 {
                let Some(a) = cu.unit.abbreviations.get(code) else {
                    break;
                };
                if is_located_var(a) {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::dwarf::Binary;
    use super::*;

    const PROGRAM: &str = "fn work(n: u64) -> u64 {\n    let items = vec![n, n + 1];\n    \
                           items.iter().sum()\n}\nfn main() {\n    println!(\"{}\", work(3));\n}\n";

    /// A small program built by rustc with split DWARF of one kind, in a
    /// directory of its own (`test`: the test's name); its path.
    fn build(test: &str, version: u8, split: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "autopsy-dwo-{}-{test}-{version}-{split}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("m.rs"), PROGRAM).unwrap();
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = std::process::Command::new(rustc)
            .current_dir(&dir)
            .args(["-g", "-C", "codegen-units=1", "-o", "m", "m.rs"])
            .arg(format!("-Cdwarf-version={version}"))
            .arg(format!("-Csplit-debuginfo={split}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir.join("m")
    }

    /// `m::work`'s unit, from the binary at `path`.
    fn work_unit(path: &Path) -> (Binary, std::sync::Arc<super::super::dwarf::Cu>, u64) {
        let bin = Binary::load_at(path.to_str().unwrap(), Some(0), None).unwrap();
        let pc = bin
            .function_named_like("1m4work")
            .expect("m::work's symbol");
        let cu = bin.cu_for_pc(pc).expect("m::work's unit");
        (bin, cu, pc)
    }

    #[test]
    fn skeleton_units_read_their_split_halves() {
        for version in [4, 5] {
            for split in ["packed", "unpacked"] {
                let path = build("halves", version, split);
                let (bin, cu, pc) = work_unit(&path);
                let what = format!("DWARF {version}, {split}");
                assert_eq!(cu.split_error, None, "{what}");
                assert!(cu.skeleton.is_some(), "{what}: not split");
                let sub = bin.subprogram_at(&cu, pc).expect(&what);
                assert_eq!(bin.function_name(&cu, sub).as_deref(), Some("m::work"));
                // Lines come from the skeleton's line table.
                let (file, line, _) = bin.line_at(&cu, pc).expect(&what);
                assert!(file.unwrap().ends_with("/m.rs"), "{what}");
                assert_eq!(line, 1, "{what}");
                assert!(bin.find_vars(), "{what}: no variables found");
                std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
            }
        }
    }

    #[test]
    fn a_missing_package_is_named_and_no_half_is_guessed() {
        let path = build("missing", 4, "packed");
        let dwp = path.with_extension("dwp");
        std::fs::remove_file(&dwp).unwrap();
        let (bin, cu, _) = work_unit(&path);
        assert!(cu.skeleton.is_none());
        let err = cu.split_error.clone().expect("an error");
        assert!(
            err.starts_with(&format!(
                "{} keeps its debug info in split DWARF (cargo's `split-debuginfo`), and neither \
                 {} (\"packed\") nor ",
                path.display(),
                dwp.display()
            )),
            "{err}"
        );
        assert!(!bin.find_vars());
        assert_eq!(bin.split_error.get(), Some(&err));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
