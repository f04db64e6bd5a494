//! What autopsy remembers between runs, under the target directory: the
//! tests that failed last time (`--lf`, `--ff`) and the prompt's history.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The test binary's name without cargo's hash: `batch` for
/// `target/debug/deps/batch-0123456789abcdef`.
pub(crate) fn binary_name() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let stem = exe
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}

/// `target/<profile>/autopsy/`: beside cargo's own output, so `cargo clean`
/// clears it. A binary outside a cargo target directory uses the temp dir.
pub(crate) fn state_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent());
    match profile {
        Some(dir) => dir.join("autopsy"),
        None => std::env::temp_dir().join("autopsy"),
    }
}

/// The set of tests that failed last time, per test binary.
#[derive(Debug, Default)]
pub(crate) struct LastFailed {
    path: Option<PathBuf>,
    failed: BTreeSet<String>,
    dirty: bool,
}

impl LastFailed {
    pub fn load() -> LastFailed {
        let path = state_dir().join(format!("{}.lastfailed", binary_name()));
        let failed = std::fs::read_to_string(&path)
            .map(|s| {
                s.lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        LastFailed {
            path: Some(path),
            failed,
            dirty: false,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.failed.contains(name)
    }

    /// Tests not run this time keep their old state, as pytest's cache does.
    pub fn record(&mut self, name: &str, failed: bool) {
        let changed = if failed {
            self.failed.insert(name.to_string())
        } else {
            self.failed.remove(name)
        };
        self.dirty |= changed;
    }

    /// Writes the record atomically (a temporary file renamed over it).
    pub fn save(&mut self) {
        let Some(path) = &self.path else { return };
        if !self.dirty {
            return;
        }
        let mut text = String::new();
        for name in &self.failed {
            text.push_str(name);
            text.push('\n');
        }
        let tmp = path.with_extension("lastfailed.tmp");
        let ok = path
            .parent()
            .map(std::fs::create_dir_all)
            .transpose()
            .is_ok()
            && std::fs::write(&tmp, text).is_ok()
            && std::fs::rename(&tmp, path).is_ok();
        if ok {
            self.dirty = false;
        }
    }
}
