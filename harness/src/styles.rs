//! The one place colours are chosen. Plain by default: colour only when the
//! command line and the terminal allow it (`--color`, `NO_COLOR`).

use owo_colors::{OwoColorize, Style};

/// Colours for everything autopsy prints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Styles {
    pub ok: Style,
    pub failed: Style,
    pub ignored: Style,
    pub flaky: Style,
    pub header: Style,
    pub location: Style,
    pub current: Style,
    pub name: Style,
    pub error: Style,
}

impl Styles {
    pub fn plain() -> Styles {
        let s = Style::new();
        Styles {
            ok: s,
            failed: s,
            ignored: s,
            flaky: s,
            header: s,
            location: s,
            current: s,
            name: s,
            error: s,
        }
    }

    pub fn colored() -> Styles {
        Styles {
            ok: Style::new().green(),
            failed: Style::new().red(),
            ignored: Style::new().yellow(),
            flaky: Style::new().yellow(),
            header: Style::new().bold(),
            location: Style::new().cyan(),
            current: Style::new().bold().green(),
            name: Style::new().bold(),
            error: Style::new().red(),
        }
    }

    pub fn new(color: bool) -> Styles {
        if color {
            Styles::colored()
        } else {
            Styles::plain()
        }
    }

    /// `text` in `style`, as a string to splice into a line.
    pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
        text.style(style).to_string()
    }
}
