//! Source text for `list`, `longlist` and the traceback: files read once per
//! session, paths resolved the way a user would open them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Source files by path, read on first use.
#[derive(Default)]
pub(crate) struct Sources {
    files: HashMap<String, Option<Vec<String>>>,
}

/// Where to look for a relative path from the debug info: the directory the
/// compiler ran in is the user's workspace or package root, and the test runs
/// in the package root.
fn resolve(file: &str) -> Option<PathBuf> {
    let p = Path::new(file);
    if p.is_absolute() {
        return p.exists().then(|| p.to_path_buf());
    }
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        bases.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    bases.into_iter().map(|b| b.join(p)).find(|c| c.exists())
}

/// Source files that travelled in a dump, by the debug info's path: used
/// instead of the disk when set (`cargo autopsy open`).
static CARRIED: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();

/// Makes `files` the only source text sessions read.
pub(crate) fn set_carried(files: HashMap<String, String>) {
    let _ = CARRIED.set(files);
}

/// The text of the source file the debug info calls `file`: a carried copy
/// (offline), else the file on disk.
pub(crate) fn read_source(file: &str) -> Option<String> {
    if let Some(carried) = CARRIED.get() {
        return carried.get(file).cloned();
    }
    std::fs::read_to_string(resolve(file)?).ok()
}

impl Sources {
    pub fn lines(&mut self, file: &str) -> Option<&[String]> {
        self.files
            .entry(file.to_string())
            .or_insert_with(|| {
                let text = read_source(file)?;
                Some(text.lines().map(|l| l.replace('\t', "    ")).collect())
            })
            .as_deref()
    }

    /// Line `n` (1-based), trimmed, for tracebacks.
    pub fn line(&mut self, file: &str, n: u32) -> Option<String> {
        let lines = self.lines(file)?;
        lines
            .get((n as usize).checked_sub(1)?)
            .map(|l| l.trim().to_string())
    }

    /// The lines of the function around `line`: from the nearest `fn NAME`
    /// above it to its closing brace. A heuristic on the text (the debug info
    /// has the start line but not the end), good for rustfmt-shaped code.
    pub fn function_extent(&mut self, file: &str, line: u32, name: &str) -> Option<(u32, u32)> {
        let lines = self.lines(file)?;
        let at = (line as usize)
            .checked_sub(1)?
            .min(lines.len().checked_sub(1)?);
        let simple = simple_name(name);
        let is_fn = |l: &str| {
            let t = l.trim_start();
            let words: Vec<&str> = t
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .collect();
            words
                .windows(2)
                .any(|w| w[0] == "fn" && (simple.is_empty() || w[1] == simple))
        };
        let start = (0..=at).rev().find(|&i| is_fn(&lines[i])).or_else(|| {
            // A closure or a renamed frame: the nearest `fn` of any name.
            (0..=at)
                .rev()
                .find(|&i| lines[i].trim_start().contains("fn "))
        })?;
        let mut depth = 0i32;
        let mut opened = false;
        for (i, l) in lines.iter().enumerate().skip(start) {
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                return Some((start as u32 + 1, i as u32 + 1));
            }
        }
        Some((start as u32 + 1, lines.len() as u32))
    }
}

/// `load` for `batch::load`, `run` for `<batch::Job as batch::Run>::run`,
/// and `run_batch::{{closure}}` for a closure in `batch::run_batch`.
pub(crate) fn simple_name(function: &str) -> String {
    let segs: Vec<&str> = function.split("::").collect();
    let Some(base) = segs
        .iter()
        .rposition(|s| !s.starts_with('{') && !s.is_empty())
    else {
        return String::new();
    };
    // A closure keeps its `::{{closure}}`: `up` from it to the function
    // that made it must not show the same name twice.
    let mut name = segs[base].trim_end_matches('>').to_string();
    for s in &segs[base + 1..] {
        name.push_str("::");
        name.push_str(s);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_names() {
        assert_eq!(simple_name("batch::load"), "load");
        assert_eq!(simple_name("batch::main::{closure#0}"), "main::{closure#0}");
        assert_eq!(
            simple_name("batch::run_batch::{{closure}}"),
            "run_batch::{{closure}}"
        );
        assert_eq!(simple_name("load"), "load");
    }

    #[test]
    fn extent_of_a_function() {
        let dir = std::env::temp_dir().join(format!("autopsy-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.rs");
        std::fs::write(&f, "use x;\n\nfn load(c: &C) -> u64 {\n    let x = {\n        1\n    };\n    c[\"t\"]\n}\n\nfn other() {}\n").unwrap();
        let mut s = Sources::default();
        assert_eq!(
            s.function_extent(f.to_str().unwrap(), 7, "batch::load"),
            Some((3, 8))
        );
        assert_eq!(s.line(f.to_str().unwrap(), 7).as_deref(), Some("c[\"t\"]"));
    }
}
