//! What the macros read from the user's source file.
//!
//! rustc expands the attributes of an item from the top down, and two of
//! them act before `#[autopsy::test]` sees the item: a `#[test]` written
//! *above* it (and the `#[test]` that `#[tokio::test]` above it emits)
//! registers the function with libtest and is then gone from the item; in a
//! `harness = false` target, where `cfg(test)` is off, the same `#[test]`
//! deletes the function, and every test that other crates' macros generate
//! with `#[test]` vanishes with it. Only the source text still shows them, so
//! the macros read it (`Span::local_file`, stable since Rust 1.88) to register
//! a test exactly once, and to refuse to build a target that would lose tests
//! in silence.

use std::path::{Path, PathBuf};

/// An attribute that registers a test with libtest, as written in source.
fn registers_test(attr: &str) -> Option<&'static str> {
    let inner = attr.strip_prefix("#[")?.trim_start();
    let path: String = inner
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let path = path.trim_start_matches("::");
    match path {
        "test" | "core::prelude::v1::test" | "std::prelude::v1::test" => Some("#[test]"),
        "tokio::test" => Some("#[tokio::test]"),
        "rstest" | "rstest::rstest" => Some("#[rstest]"),
        "test_case" | "test_case::test_case" => Some("#[test_case]"),
        "quickcheck" | "quickcheck_macros::quickcheck" => Some("#[quickcheck]"),
        "proptest" | "test_strategy::proptest" => Some("#[proptest]"),
        _ => None,
    }
}

fn is_autopsy_test(attr: &str) -> bool {
    let inner = attr.trim_start_matches("#[").trim_start();
    let inner = inner.trim_start_matches("::");
    inner.starts_with("autopsy::test")
        && !inner["autopsy::test".len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
}

/// The attribute lines directly above line `line` (1-based) of `text`, top
/// first: outer attributes, doc comments and blank lines between them.
fn attrs_above(text: &str, line: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = line.saturating_sub(1);
    while i > 0 {
        i -= 1;
        let l = lines.get(i).map_or("", |l| l.trim());
        if l.starts_with("#[") {
            found.push(l);
        } else if !(l.is_empty() || l.starts_with("//")) {
            break;
        }
    }
    found.reverse();
    found
}

/// Whether an attribute above `#[autopsy::test]` (at `call_site`) already
/// registered the function with libtest: `#[test]`, or `#[tokio::test]`,
/// whose expansion carries one. Then `#[autopsy::test]` must not register
/// it again, or libtest would run it twice.
pub(crate) fn registered_above(call_site: proc_macro::Span) -> bool {
    let Some(file) = call_site.local_file() else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(&file) else {
        return false;
    };
    let line = call_site.line();
    // Only when the span points at an attribute as written: in code that a
    // `macro_rules!` generates it points into the macro's definition.
    let here = text.lines().nth(line.wrapping_sub(1)).unwrap_or("").trim();
    if !here.starts_with("#[") {
        return false;
    }
    attrs_above(&text, line)
        .into_iter()
        .any(|a| matches!(registers_test(a), Some("#[test]" | "#[tokio::test]")))
}

/// A test that `harness = false` would drop, with where it is written.
pub(crate) struct Dropped {
    pub file: PathBuf,
    pub line: usize,
    pub what: &'static str,
    /// Next to `#[autopsy::test]`, above it.
    pub above_autopsy: bool,
}

/// Every test in the target rooted at `root` (and the files its `mod x;`
/// declarations name) that rustc deletes in a `harness = false` target:
/// `#[test]` and the attributes and macros that expand to it.
pub(crate) fn dropped_tests(root: &Path) -> Vec<Dropped> {
    let mut found = Vec::new();
    let mut queue = vec![(root.to_path_buf(), true)];
    let mut seen = std::collections::HashSet::new();
    while let Some((file, is_root)) = queue.pop() {
        if !seen.insert(file.clone()) || seen.len() > 512 {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        scan(&file, &text, &mut found);
        for module in declared_modules(&text) {
            if let Some(path) = module_file(&file, is_root, &module) {
                queue.push((path, false));
            }
        }
    }
    found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    found
}

fn scan(file: &Path, text: &str, found: &mut Vec<Dropped>) {
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with("//") {
            continue;
        }
        if l.starts_with("#[") {
            block.push((i + 1, l));
            continue;
        }
        // The attribute block ended: judge it as a whole.
        let autopsy_at = block.iter().position(|(_, a)| is_autopsy_test(a));
        for (k, (line, attr)) in block.iter().enumerate() {
            let Some(what) = registers_test(attr) else {
                continue;
            };
            match autopsy_at {
                // Below `#[autopsy::test]`, it takes them over; above it,
                // `#[tokio::test]` writes the item's other attributes
                // before the `#[test]` it adds, so `#[autopsy::test]`
                // still comes first.
                Some(at) if k > at && matches!(what, "#[test]" | "#[tokio::test]") => {}
                Some(at) if k < at && what == "#[tokio::test]" => {}
                _ => found.push(Dropped {
                    file: file.to_path_buf(),
                    line: *line,
                    what,
                    above_autopsy: autopsy_at.is_some_and(|at| k < at),
                }),
            }
        }
        block.clear();
        for what in ["quickcheck!", "proptest!"] {
            if let Some(pos) = l.find(what) {
                let before = &l[..pos];
                let is_call = before.is_empty()
                    || before.ends_with("::")
                    || before.ends_with(|c: char| c.is_whitespace() || c == '{');
                if is_call && !l.starts_with("use ") {
                    found.push(Dropped {
                        file: file.to_path_buf(),
                        line: i + 1,
                        what,
                        above_autopsy: false,
                    });
                }
            }
        }
    }
}

/// `mod name;` declarations (not inline modules).
fn declared_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
            let name = l.strip_prefix("mod ")?.strip_suffix(';')?.trim();
            name.chars()
                .all(|c| c.is_alphanumeric() || c == '_')
                .then(|| name.to_string())
        })
        .collect()
}

/// Where `mod name;` in `file` lives: beside a crate root or `mod.rs`, in a
/// directory named after any other file.
fn module_file(file: &Path, is_root: bool, name: &str) -> Option<PathBuf> {
    let dir = file.parent()?;
    let stem = file.file_stem()?.to_str()?;
    let base = if is_root || stem == "mod" {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registering_attributes() {
        assert_eq!(registers_test("#[test]"), Some("#[test]"));
        assert_eq!(
            registers_test("#[::core::prelude::v1::test]"),
            Some("#[test]")
        );
        assert_eq!(
            registers_test("#[tokio::test(flavor = \"multi_thread\")]"),
            Some("#[tokio::test]")
        );
        assert_eq!(registers_test("#[autopsy::test]"), None);
        assert_eq!(registers_test("#[testing]"), None);
        assert!(is_autopsy_test("#[autopsy::test(reruns = 2)]"));
        assert!(!is_autopsy_test("#[autopsy::tests]"));
    }

    #[test]
    fn attribute_blocks() {
        let text = "#[test]\n#[autopsy::test]\nfn a() {}\n\n#[autopsy::test]\n#[test]\nfn b() {}\n\
                    #[tokio::test]\nasync fn c() {}\nquickcheck! {\n}\n\
                    #[tokio::test]\n#[autopsy::test]\nasync fn d() {}\n";
        let mut found = Vec::new();
        scan(Path::new("x.rs"), text, &mut found);
        let got: Vec<_> = found
            .iter()
            .map(|d| (d.line, d.what, d.above_autopsy))
            .collect();
        assert_eq!(
            got,
            [
                (1, "#[test]", true),
                (8, "#[tokio::test]", false),
                (10, "quickcheck!", false)
            ]
        );
        assert_eq!(attrs_above(text, 2), ["#[test]"]);
    }
}
