//! Where the prompt's commands come from: a line editor on a terminal
//! (history under target/, tab completion, Ctrl-C cancels the line, Ctrl-D
//! continues), or one command per line from piped stdin (end of input means
//! `continue`), so `printf 'p config\nc\n' | cargo test -- --pdb` works and a
//! CI job without stdin never waits.

use std::io::{IsTerminal, Read, Write};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{Config, Context, Editor, Helper};

/// One read from the user.
pub(crate) enum Input {
    Line(String),
    /// Ctrl-C: the line is dropped.
    Interrupted,
    /// Ctrl-D or end of piped input.
    Eof,
}

/// The fields and methods of an expression's value (`p config.se<TAB>`).
pub(crate) type Members = Box<dyn Fn(&str) -> Vec<String>>;

/// Commands, local names, and fields and methods after `.`, for tab
/// completion.
#[derive(Default)]
pub(crate) struct Completion {
    pub commands: Vec<&'static str>,
    pub locals: Vec<String>,
    pub members: Option<Members>,
}

impl Completer for Completion {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        let start = head
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let word = &head[start..];
        let first_word = !head[..start].chars().any(|c| !c.is_whitespace());
        let after_dot = start > 0 && head[..start].ends_with('.');
        let candidates: Vec<String> = if after_dot {
            // The expression before the `.`: after the command word, if any.
            let before = &head[..start - 1];
            let trimmed = before.trim_start();
            let expr = match trimmed.split_once(char::is_whitespace) {
                Some((cmd, rest)) if self.commands.contains(&cmd) => rest,
                _ => trimmed,
            };
            match &self.members {
                Some(m) => m(expr.trim()),
                None => Vec::new(),
            }
        } else if first_word {
            self.commands
                .iter()
                .map(|c| c.to_string())
                .chain(self.locals.iter().cloned())
                .collect()
        } else {
            self.locals.clone()
        };
        let mut pairs: Vec<Pair> = candidates
            .into_iter()
            .filter(|c| c.starts_with(word))
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        pairs.sort_by(|a, b| a.display.cmp(&b.display));
        pairs.dedup_by(|a, b| a.display == b.display);
        Ok((start, pairs))
    }
}

impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {}
impl Helper for Completion {}

/// The source of commands for one prompt session.
pub(crate) enum Lines {
    Terminal(Box<Editor<Completion, FileHistory>>),
    Piped,
}

fn history_path() -> std::path::PathBuf {
    crate::history::state_dir().join("history")
}

impl Lines {
    pub fn open() -> Lines {
        if std::io::stdin().is_terminal() {
            let config = Config::builder()
                .auto_add_history(true)
                .max_history_size(1000)
                .map(|b| b.build());
            let editor = config.and_then(Editor::with_config);
            if let Ok(mut editor) = editor {
                editor.set_helper(Some(Completion::default()));
                let _ = editor.load_history(&history_path());
                return Lines::Terminal(Box::new(editor));
            }
        }
        Lines::Piped
    }

    /// Commands come from a line editor on a terminal (not a pipe).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Lines::Terminal(_))
    }

    pub fn set_completion(&mut self, completion: Completion) {
        if let Lines::Terminal(editor) = self {
            editor.set_helper(Some(completion));
        }
    }

    pub fn read(&mut self, prompt: &str) -> Input {
        match self {
            Lines::Terminal(editor) => match editor.readline(prompt) {
                Ok(line) => Input::Line(line),
                Err(ReadlineError::Interrupted) => Input::Interrupted,
                Err(_) => Input::Eof,
            },
            Lines::Piped => {
                let mut out = std::io::stdout();
                let _ = write!(out, "{prompt}");
                let _ = out.flush();
                // SAFETY: fd 0 is open for the process's life (std reopens
                // a closed one at start); ManuallyDrop never closes it.
                let mut stdin = std::mem::ManuallyDrop::new(unsafe {
                    <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(0)
                });
                loop {
                    let Some(bytes) = read_raw_line(&mut *stdin) else {
                        let _ = writeln!(out);
                        return Input::Eof;
                    };
                    match String::from_utf8(bytes) {
                        Ok(line) => {
                            let line = line.trim_end_matches(['\n', '\r']).to_string();
                            // Echo the command so the transcript reads like a session.
                            let _ = writeln!(out, "{line}");
                            return Input::Line(line);
                        }
                        Err(e) => {
                            let shown = String::from_utf8_lossy(e.as_bytes());
                            let _ = writeln!(
                                out,
                                "{}\n*** this line is not UTF-8, ignored",
                                shown.trim_end_matches(['\n', '\r'])
                            );
                            let _ = write!(out, "{prompt}");
                            let _ = out.flush();
                        }
                    }
                }
            }
        }
    }

    /// Writes what is kept of the terminal's history.
    pub fn save(&mut self) {
        if let Lines::Terminal(editor) = self {
            let path = history_path();
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = editor.save_history(&path);
        }
    }
}

/// One line of piped input, its newline included; `None` at end of input
/// (or on an error reading it). Read a byte at a time, straight from the
/// descriptor: no buffer holds commands for a later prompt, or for a test
/// that reads `std::io::stdin()` (whose buffer is std's, and shared), or
/// past the end of this worker's life (a fresh worker reads what follows).
fn read_raw_line(input: &mut impl Read) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (!line.is_empty()).then_some(line)
}

/// Whether stdin can bring commands: a terminal, a pipe, a file or a
/// socket (not `/dev/null` or a closed descriptor).
pub(crate) fn prompt_input() -> bool {
    if std::io::stdin().is_terminal() {
        return true;
    }
    // SAFETY: fstat fills `st` for a descriptor number; a bad one fails.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return false;
    }
    matches!(
        st.st_mode & libc::S_IFMT,
        libc::S_IFIFO | libc::S_IFREG | libc::S_IFSOCK
    )
}

#[cfg(test)]
mod tests {
    use super::{read_raw_line, Completion};
    use rustyline::completion::Completer;
    use rustyline::history::DefaultHistory;
    use rustyline::Context;

    #[test]
    fn completes_fields_and_methods_after_a_dot() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let c = Completion {
            commands: vec!["p", "pp"],
            locals: vec!["config".into()],
            members: Some(Box::new(move |expr: &str| {
                log.lock().unwrap().push(expr.to_string());
                vec!["seed".into(), "name".into(), "describe".into()]
            })),
        };
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let line = "p rows[1].config.se";
        let (start, pairs) = c.complete(line, line.len(), &ctx).unwrap();
        assert_eq!(start, line.len() - 2);
        let names: Vec<_> = pairs.iter().map(|p| p.replacement.as_str()).collect();
        assert_eq!(names, ["seed"]);
        // A bare expression (no command) and `pp`.
        c.complete("config.", 7, &ctx).unwrap();
        c.complete("pp  config.n", 12, &ctx).unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            ["rows[1].config", "config", "config"]
        );
    }

    #[test]
    fn raw_lines_keep_what_follows_unread() {
        let mut input: &[u8] = b"p x\n\xff\xfe\nc";
        assert_eq!(read_raw_line(&mut input).unwrap(), b"p x\n");
        assert_eq!(read_raw_line(&mut input).unwrap(), b"\xff\xfe\n");
        assert_eq!(input, b"c");
        assert_eq!(read_raw_line(&mut input).unwrap(), b"c");
        assert_eq!(read_raw_line(&mut input), None);
    }
}
