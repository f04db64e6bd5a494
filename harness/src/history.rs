//! What autopsy remembers between runs, under the target directory: the
//! tests that failed last time (`--lf`, `--ff`) and the prompt's history.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The test target's package, as `autopsy::main!()` names it.
static PACKAGE: OnceLock<&'static str> = OnceLock::new();

/// Remembers the package of this test binary (once, from `main!`).
pub(crate) fn set_package(name: &'static str) {
    let _ = PACKAGE.set(name);
}

/// This binary's path, asked of the kernel once: the record's path and
/// the state directory both derive from it.
fn current_exe() -> Option<&'static Path> {
    static EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    EXE.get_or_init(|| std::env::current_exe().ok()).as_deref()
}

/// The test binary's name without cargo's hash: `batch` for
/// `target/debug/deps/batch-0123456789abcdef`.
pub(crate) fn binary_name() -> String {
    let stem = current_exe()
        .and_then(Path::file_stem)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}

/// `target/<profile>/`, where cargo put this test binary (in `deps/`).
fn profile_dir() -> Option<PathBuf> {
    let deps = current_exe()?
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))?;
    deps.parent().map(Path::to_path_buf)
}

/// The name of cargo's output directory for the profile this binary was
/// built with: `debug` (the dev and test profiles), `release` (release and
/// bench), or a custom profile's own name.
pub(crate) fn profile_dir_name() -> Option<String> {
    let dir = profile_dir()?;
    Some(dir.file_name()?.to_string_lossy().into_owned())
}

/// `target/<profile>/autopsy/`: beside cargo's own output, so `cargo clean`
/// clears it. A binary outside a cargo target directory uses the temp dir.
pub(crate) fn state_dir() -> PathBuf {
    match profile_dir() {
        Some(dir) => dir.join("autopsy"),
        None => std::env::temp_dir().join("autopsy"),
    }
}

/// The record's file: per package and test target, as two members of a
/// workspace may each have a target of the same name. (Package names hold
/// no `.`.)
fn record_path() -> PathBuf {
    let name = match PACKAGE.get() {
        Some(package) => format!("{package}.{}.lastfailed", binary_name()),
        None => format!("{}.lastfailed", binary_name()),
    };
    state_dir().join(name)
}

fn read_record(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// An exclusive `flock` on `path`, held until the file is dropped.
fn lock(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    loop {
        // SAFETY: flock on a descriptor we own; released when it closes.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(file);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The set of tests that failed last time, per package and test binary.
#[derive(Debug, Default)]
pub(crate) struct LastFailed {
    path: Option<PathBuf>,
    /// As loaded, with this run's results applied.
    failed: BTreeSet<String>,
    /// This run's results in the order they came (`true`: failed; a later
    /// one of the same test wins): what a save merges into the record as it
    /// is on disk then, which another run of the same binary may have
    /// changed since this one loaded it. A list, not a map: one push per
    /// test, where a map's insert (unoptimized, in the user's build) cost
    /// the runner's one thread time it needs for the next test.
    results: Vec<(&'static str, bool)>,
    dirty: bool,
}

impl LastFailed {
    pub fn load() -> LastFailed {
        let path = record_path();
        LastFailed {
            failed: read_record(&path),
            path: Some(path),
            results: Vec::new(),
            dirty: false,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.failed.contains(name)
    }

    /// Tests not run this time keep their old state, as pytest's cache does.
    pub fn record(&mut self, name: &'static str, failed: bool) {
        let changed = if failed {
            self.failed.insert(name.to_string())
        } else {
            self.failed.remove(name)
        };
        self.results.push((name, failed));
        self.dirty |= changed;
    }

    /// Merges this run's results into the record under a lock, and writes
    /// it atomically (a uniquely named temporary file renamed over it): two
    /// runs of the same binary at once each keep their failures.
    pub fn save(&mut self) {
        let Some(path) = &self.path else { return };
        if !self.dirty {
            return;
        }
        if self.merge_into(path).is_ok() {
            self.dirty = false;
        }
    }

    fn merge_into(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut lock_name = path.as_os_str().to_owned();
        lock_name.push(".lock");
        let _lock = lock(Path::new(&lock_name))?;
        let mut merged = read_record(path);
        for &(name, failed) in &self.results {
            if failed {
                merged.insert(name.to_string());
            } else {
                merged.remove(name);
            }
        }
        let mut text = String::new();
        for name in &merged {
            text.push_str(name);
            text.push('\n');
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".lastfailed")
            .tempfile_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_merges_with_what_another_run_saved_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.lastfailed");
        std::fs::write(&path, "old_failure\nfixed_since\n").unwrap();
        let mut a = LastFailed {
            failed: read_record(&path),
            path: Some(path.clone()),
            ..LastFailed::default()
        };
        let mut b = LastFailed {
            failed: read_record(&path),
            path: Some(path.clone()),
            ..LastFailed::default()
        };
        a.record("a_fails", true);
        a.record("fixed_since", false);
        b.record("b_fails", true);
        a.save();
        b.save();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "a_fails\nb_fails\nold_failure\n"
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
