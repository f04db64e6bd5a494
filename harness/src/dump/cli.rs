//! `cargo autopsy`: `open [DUMP] [--binary PATH]` and `list`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::format::Dump;
use super::open;

const USAGE: &str = "\
usage: cargo autopsy open [DUMP] [--binary PATH]
       cargo autopsy list [--dir DIR]

  open   reopens the post-mortem prompt of a dump (the newest when no DUMP)
  list   lists the dumps, newest last: when, what failed, the message

Dumps are found in $AUTOPSY_DUMP, else $XDG_STATE_HOME/autopsy/dumps, else
~/.local/state/autopsy/dumps.";

/// Runs the command line `args` (the program's name first); the exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let mut args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // `cargo autopsy ...` runs `cargo-autopsy autopsy ...`.
    if args.first().is_some_and(|a| a == "autopsy") {
        args.remove(0);
    }
    let mut binary = None;
    let mut dir = None;
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--binary" => binary = it.next().map(PathBuf::from),
            "--dir" => dir = it.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            _ => match a.strip_prefix("--binary=") {
                Some(b) => binary = Some(PathBuf::from(b)),
                None => rest.push(a),
            },
        }
    }
    let dir = dir.unwrap_or_else(super::write::default_dir);
    match rest.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["open"] => match newest(&dir) {
            Some(path) => open_path(&path, binary.as_deref()),
            None => {
                eprintln!("cargo autopsy: no dumps in {}", dir.display());
                1
            }
        },
        ["open", path] => open_path(Path::new(path), binary.as_deref()),
        ["list"] => list(&dir),
        _ => {
            eprintln!("{USAGE}");
            2
        }
    }
}

fn open_path(path: &Path, binary: Option<&Path>) -> i32 {
    // Dump and binary are untrusted: a bug they reach is an error that
    // names them, not a crash.
    std::panic::set_hook(Box::new(|_| {}));
    let result =
        std::panic::catch_unwind(|| open::read(path).and_then(|dump| open::open(dump, binary)));
    match result {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("cargo autopsy: {e}");
            1
        }
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!(
                "cargo autopsy: internal error reading {} or its binary: {msg}",
                path.display()
            );
            1
        }
    }
}

/// The dump files of `dir`, oldest first.
fn dumps(dir: &Path) -> Vec<(std::time::SystemTime, PathBuf)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "autopsy"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort();
    found
}

fn newest(dir: &Path) -> Option<PathBuf> {
    dumps(dir).pop().map(|(_, p)| p)
}

fn list(dir: &Path) -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    let all = dumps(dir);
    if all.is_empty() {
        println!("no dumps in {}", dir.display());
        return 0;
    }
    for (_, path) in all {
        match std::panic::catch_unwind(|| open::read(&path)) {
            Ok(Ok(d)) => println!("{}", summary(&path, &d)),
            Ok(Err(e)) => println!(
                "{}  (unreadable: {})",
                path.display(),
                one_line(&e.to_string())
            ),
            Err(_) => println!("{}  (unreadable: internal error)", path.display()),
        }
    }
    0
}

/// One line of `list`: path, when, what failed, the message's first line.
fn summary(path: &Path, d: &Dump) -> String {
    let what = if d.test.is_empty() {
        Path::new(&d.binary)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        format!("test {}", d.test)
    };
    format!(
        "{}  {}  {}  {}",
        path.display(),
        utc(d.time),
        one_line(&what),
        one_line(d.message.lines().next().unwrap_or(""))
    )
}

/// `text` as one line a terminal shows as it is: a dump is untrusted, and
/// its strings may hold line breaks or terminal escapes.
fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS UTC` of seconds since the epoch.
fn utc(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn one_line_escapes_breaks_and_escapes() {
        assert_eq!(super::one_line("a\nb\x1b[31m"), "a\\nb\\u{1b}[31m");
    }

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_764_513_000), "2025-11-30 14:30:00 UTC");
    }
}
