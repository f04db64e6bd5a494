//! Where the prompt's commands come from: a line editor on a terminal
//! (history under target/, tab completion, Ctrl-C cancels the line, Ctrl-D
//! continues), or one command per line from piped stdin (end of input means
//! `continue`), so `printf 'p config\nc\n' | cargo test -- --pdb` works and a
//! CI job without stdin never waits.

use std::io::{BufRead, IsTerminal, Write};

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

/// Commands and local names, for tab completion.
#[derive(Default)]
pub(crate) struct Completion {
    pub commands: Vec<&'static str>,
    pub locals: Vec<String>,
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
        let candidates: Vec<String> = if first_word {
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
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = writeln!(out);
                        Input::Eof
                    }
                    Ok(_) => {
                        let line = line.trim_end_matches(['\n', '\r']).to_string();
                        // Echo the command so the transcript reads like a session.
                        let _ = writeln!(out, "{line}");
                        Input::Line(line)
                    }
                }
            }
        }
    }

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
