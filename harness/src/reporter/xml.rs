//! The little XML that `--junit` writes, by hand: elements, attributes and
//! text, indented by four spaces as nextest's `quick-junit` (through
//! `quick-xml`) indents them, so that a report reads the same whichever
//! wrote it. (`quick-junit` brought chrono, quick-xml, uuid, indexmap and
//! vte into every test binary for this; it stays a dev-dependency, and the
//! unit tests in `junit.rs` compare the two byte for byte.)

/// An XML document being written.
pub(super) struct Xml {
    out: String,
    depth: usize,
    /// Whether the next tag starts a new line: not right after text, whose
    /// closing tag follows it on the same line.
    line_break: bool,
}

impl Xml {
    /// A document with its declaration.
    pub(super) fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            depth: 0,
            line_break: true,
        }
    }

    fn tag(&mut self, open: &str, name: &str, attrs: &[(&str, &str)], close: &str) {
        if self.line_break {
            self.newline();
        }
        self.out.push_str(open);
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push_str(close);
        self.line_break = true;
    }

    /// `<name attrs>`; what follows is inside it.
    pub(super) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.tag("<", name, attrs, ">");
        self.depth += 1;
    }

    /// `<name attrs/>`.
    pub(super) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.tag("<", name, attrs, "/>");
    }

    /// `</name>`.
    pub(super) fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.tag("</", name, &[], ">");
    }

    /// Text, escaped; the closing tag follows it on its line.
    pub(super) fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
        self.line_break = false;
    }

    /// `<name>text</name>`.
    pub(super) fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        self.text(text);
        self.close(name);
    }

    /// A line break and the indentation of the current depth.
    pub(super) fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }

    /// The document, ending with a line break.
    pub(super) fn finish(mut self) -> String {
        self.newline();
        self.out
    }
}

/// `<`, `>`, `&`, `'` and `"` as entities.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Text a test printed, made fit for XML 1.0 and for reading: terminal
/// escape sequences (colours, cursor moves, titles, hyperlinks) are
/// dropped, as are C0 and C1 control characters but the line feed (tabs
/// and carriage returns too, as `quick-junit` drops them), and the two
/// non-characters XML forbids.
pub(super) fn clean(s: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Ground,
        /// After ESC (and any intermediate bytes).
        Escape,
        /// `ESC [`: parameters and intermediates until a final byte.
        Csi,
        /// `ESC ]`: until BEL or ST.
        Osc,
        /// `ESC P`, `ESC X`, `ESC ^`, `ESC _`: until ST.
        String,
    }
    const ESC: char = '\x1b';
    let mut out = String::with_capacity(s.len());
    let mut state = State::Ground;
    for c in s.chars() {
        // CAN and SUB cancel any sequence; ESC starts a new one.
        if c == '\x18' || c == '\x1a' {
            state = State::Ground;
            continue;
        }
        if c == ESC {
            state = State::Escape;
            continue;
        }
        match state {
            State::Ground => {
                let control = c < ' ' || ('\u{80}'..='\u{9f}').contains(&c);
                if c == '\n' || !(control || c == '\u{FFFE}' || c == '\u{FFFF}') {
                    out.push(c);
                }
            }
            State::Escape | State::Csi => {
                if c == '\n' {
                    // Control characters inside these sequences still act.
                    out.push(c);
                } else if c.is_ascii_control() || !c.is_ascii() {
                } else if state == State::Escape {
                    state = match c {
                        '[' => State::Csi,
                        ']' => State::Osc,
                        'P' | 'X' | '^' | '_' => State::String,
                        '\x20'..='\x2f' => State::Escape,
                        _ => State::Ground,
                    };
                } else if ('\x40'..='\x7e').contains(&c) {
                    state = State::Ground;
                }
            }
            State::Osc => {
                if c == '\x07' {
                    state = State::Ground;
                }
            }
            State::String => {}
        }
    }
    out
}
