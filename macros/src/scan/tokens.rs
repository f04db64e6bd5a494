//! Reading one level of token trees for the scanner: punctuation as the
//! lexer joins it, the words that matter, and the boundaries decided
//! without recursion (attributes, types, generics, items).

use super::{Declined, R};
use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};

/// Binary (and assignment) operators.
pub(super) const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "&", "|", "<", ">", "=", "==", "!=", "<=", ">=", "&&", "||",
    "<<", ">>", "+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "<<=", ">>=", "..", "..=", "...",
];

/// Rust's multi-character punctuation, longest first.
pub(super) const PUNCT3: &[&str] = &["<<=", ">>=", "..=", "..."];
pub(super) const PUNCT2: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>",
    "..", "::", "->", "=>",
];
pub(super) const PUNCT1: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "!", "&", "|", "=", "<", ">", "@", ".", ",", ";", ":", "#", "$",
    "?", "~", "'",
];

/// The punctuation token at `t[i]` as the lexer reads it (joint characters
/// together), or `None` when `t[i]` is not punctuation.
pub(super) fn punct(t: &Level, i: usize) -> Option<&'static str> {
    match t.k.get(i) {
        Some(Kind::Punct(p)) => Some(p),
        _ => None,
    }
}

/// The longest punctuation token that the characters `c` (each with
/// whether it is joint to the next) start with.
fn lex(c: &[(u8, bool)]) -> Option<&'static str> {
    let mut buf = [0u8; 3];
    let mut n = 0;
    for &(ch, joint) in c.iter().take(3) {
        buf[n] = ch;
        n += 1;
        if !joint {
            break;
        }
    }
    for (len, table) in [(3, PUNCT3), (2, PUNCT2), (1, PUNCT1)] {
        if n >= len {
            if let Some(found) = table.iter().find(|p| p.as_bytes() == &buf[..len]) {
                return Some(found);
            }
        }
    }
    None
}

/// Whether `t[i]` is the punctuation token `p` (exactly, not the start of a
/// longer one).
pub(super) fn is(t: &Level, i: usize, p: &str) -> bool {
    punct(t, i) == Some(p)
}

/// The identifier at `t[i]`: a word the scanner tells apart, `""` for
/// any other.
pub(super) fn ident(t: &Level, i: usize) -> Option<&'static str> {
    match t.k.get(i) {
        Some(Kind::Word(w)) => Some(w),
        Some(Kind::Ident) => Some(""),
        _ => None,
    }
}

/// The words the scanner tells apart: Rust's keywords (which syn's `Ident`
/// peek refuses) and the contextual words it reads. A `match`, as proc
/// macros run unoptimised.
macro_rules! words {
    ($($word:literal)*) => {
        fn word(s: &str) -> Option<&'static str> {
            match s {
                $($word => Some($word),)*
                _ => None,
            }
        }
    };
}

words! {
    "_" "abstract" "as" "async" "await" "become" "box" "break" "const" "continue" "crate" "do"
    "dyn" "else" "enum" "extern" "false" "final" "fn" "for" "if" "impl" "in" "let" "loop"
    "macro" "match" "mod" "move" "mut" "override" "priv" "pub" "ref" "return" "Self" "self"
    "static" "struct" "super" "trait" "true" "try" "type" "typeof" "unsafe" "unsized" "use"
    "virtual" "where" "while" "yield"
    // Contextual.
    "auto" "default" "gen" "raw" "union" "yeet"
}

const CONTEXTUAL: &[&str] = &["auto", "default", "gen", "raw", "union", "yeet"];

/// Keywords, which syn's `Ident` peek refuses.
pub(super) fn is_keyword(t: &Level, i: usize) -> bool {
    matches!(t.k.get(i), Some(Kind::Word(w)) if !CONTEXTUAL.contains(w))
}

/// How the scanner reads a token tree.
#[derive(Clone, Copy)]
enum Kind {
    /// A keyword or a contextual word (see [`word`]).
    Word(&'static str),
    /// Any other identifier.
    Ident,
    /// Punctuation: the token that starts here as the lexer joins it.
    Punct(&'static str),
    Other,
}

/// One level of token trees, each classified once (identifiers compared as
/// text once, punctuation joined once, not at each look).
pub(super) struct Level {
    pub(super) t: Vec<TokenTree>,
    k: Vec<Kind>,
}

impl Level {
    pub(super) fn new(stream: TokenStream) -> Level {
        let t: Vec<TokenTree> = stream.into_iter().collect();
        let chars: Vec<(u8, bool)> = t
            .iter()
            .map(|tt| match tt {
                TokenTree::Punct(p) if p.as_char().is_ascii() => {
                    (p.as_char() as u8, p.spacing() == Spacing::Joint)
                }
                _ => (0, false),
            })
            .collect();
        let mut k = Vec::with_capacity(t.len());
        for (i, tt) in t.iter().enumerate() {
            k.push(match tt {
                TokenTree::Ident(id) => word(&id.to_string()).map_or(Kind::Ident, Kind::Word),
                TokenTree::Punct(_) => {
                    // Joint only to punctuation that follows.
                    let run = chars[i..].iter().take_while(|(c, _)| *c != 0).count();
                    lex(&chars[i..i + run]).map_or(Kind::Other, Kind::Punct)
                }
                _ => Kind::Other,
            });
        }
        Level { t, k }
    }

    pub(super) fn get(&self, i: usize) -> Option<&TokenTree> {
        self.t.get(i)
    }

    pub(super) fn len(&self) -> usize {
        self.t.len()
    }
}

impl std::ops::Index<usize> for Level {
    type Output = TokenTree;
    fn index(&self, i: usize) -> &TokenTree {
        &self.t[i]
    }
}

/// A plain (not keyword) identifier at `t[i]`.
pub(super) fn plain_ident(t: &Level, i: usize) -> bool {
    matches!(t.get(i), Some(TokenTree::Ident(_))) && !is_keyword(t, i)
}

pub(super) fn group(t: &Level, i: usize, d: Delimiter) -> Option<&Group> {
    match t.get(i) {
        Some(TokenTree::Group(g)) if g.delimiter() == d => Some(g),
        _ => None,
    }
}

/// Past outer attributes (`#[..]`).
pub(super) fn skip_attrs(t: &Level, mut i: usize) -> usize {
    while is(t, i, "#") && group(t, i + 1, Delimiter::Bracket).is_some() {
        i += 2;
    }
    i
}

/// Whether an expression starting at `t[i]` is block-like (ends a
/// statement or a match arm without `;` or `,`).
pub(super) fn block_like(t: &Level, i: usize) -> bool {
    match t.get(i) {
        Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::Brace,
        Some(TokenTree::Ident(_)) => match ident(t, i) {
            Some("if" | "while" | "for" | "loop" | "match") => true,
            Some("unsafe" | "const" | "try") => group(t, i + 1, Delimiter::Brace).is_some(),
            _ => false,
        },
        Some(TokenTree::Punct(_)) => is(t, i, "'") && is(t, i + 2, ":") && block_like(t, i + 3),
        _ => false,
    }
}

/// syn's `Expr::peek`: whether `t[i]` can begin an expression.
pub(super) fn begins_expr(t: &Level, i: usize) -> bool {
    match t.get(i) {
        None => false,
        Some(TokenTree::Ident(_)) => ident(t, i) != Some("as"),
        Some(TokenTree::Group(_) | TokenTree::Literal(_)) => true,
        Some(TokenTree::Punct(_)) => matches!(
            punct(t, i),
            Some("!" | "-" | "*" | "|" | "||" | "&" | "&&" | ".." | "..=" | "..." | "<" | "<<")
                | Some("::" | "'" | "#")
        ),
    }
}

/// Whether a range's end follows at `t[i]`.
pub(super) fn range_end(t: &Level, i: usize, ns: bool) -> bool {
    begins_expr(t, i) && !(ns && group(t, i, Delimiter::Brace).is_some())
}

/// From a `let`'s (or `if let`'s) pattern to past its `=`: `(index, true)`,
/// or `(index of ;, false)` for a `let` without initializer.
pub(super) fn until_eq(t: &Level, mut i: usize) -> R<(usize, bool)> {
    let mut angles = 0i32;
    loop {
        match t.get(i) {
            None => return Err(Declined),
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::None => return Err(Declined),
            Some(TokenTree::Punct(_)) => {
                let p = punct(t, i).ok_or(Declined)?;
                match p {
                    "=" if angles == 0 => return Ok((i + 1, true)),
                    ";" if angles == 0 => return Ok((i, false)),
                    "<" => angles += 1,
                    "<<" => angles += 2,
                    ">" => angles -= 1,
                    ">>" => angles -= 2,
                    ">=" | ">>=" | "<=" | "<<=" | "=>" | "==" => return Err(Declined),
                    _ => {}
                }
                if angles < 0 {
                    return Err(Declined);
                }
                i += p.len();
            }
            Some(_) => i += 1,
        }
    }
}

/// Past balanced `<...>` starting at `t[i]`.
pub(super) fn skip_angles(t: &Level, mut i: usize) -> R<usize> {
    let mut depth = 0i32;
    loop {
        let p = match t.get(i) {
            None => return Err(Declined),
            Some(TokenTree::Punct(_)) => punct(t, i).ok_or(Declined)?,
            Some(_) => {
                i += 1;
                continue;
            }
        };
        match p {
            "<" => depth += 1,
            "<<" => depth += 2,
            ">" => depth -= 1,
            ">>" => depth -= 2,
            ">=" | ">>=" | "<=" | "<<=" | ";" => return Err(Declined),
            _ => {}
        }
        i += p.len();
        if depth == 0 {
            return Ok(i);
        }
        if depth < 0 {
            return Err(Declined);
        }
    }
}

/// Past the type of an `as` cast.
pub(super) fn skip_type(t: &Level, mut i: usize) -> R<usize> {
    loop {
        match punct(t, i) {
            Some("&" | "&&") => {
                i += punct(t, i).map_or(1, str::len);
                if is(t, i, "'") {
                    i += 2;
                }
                if ident(t, i) == Some("mut") {
                    i += 1;
                }
            }
            Some("*") => {
                if !matches!(ident(t, i + 1), Some("const" | "mut")) {
                    return Err(Declined);
                }
                i += 2;
            }
            _ => break,
        }
    }
    match t.get(i) {
        Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::None => return Ok(i + 1),
        Some(TokenTree::Ident(_)) => match ident(t, i) {
            // `as fn(A) -> B`
            Some("fn") => {
                group(t, i + 1, Delimiter::Parenthesis).ok_or(Declined)?;
                return if is(t, i + 2, "->") {
                    skip_type(t, i + 4)
                } else {
                    Ok(i + 2)
                };
            }
            // `as &dyn Trait`: one bound (a cast takes no `+`).
            Some("dyn") => i += 1,
            Some("unsafe" | "extern" | "impl") => return Err(Declined),
            _ => {}
        },
        _ if matches!(punct(t, i), Some("::" | "<" | "<<")) => {}
        _ => return Err(Declined),
    }
    if matches!(punct(t, i), Some("<" | "<<")) {
        i = skip_angles(t, i)?;
        if !is(t, i, "::") {
            return Err(Declined);
        }
    }
    if is(t, i, "::") {
        i += 2;
    }
    loop {
        if !matches!(t.get(i), Some(TokenTree::Ident(_))) {
            return Err(Declined);
        }
        i += 1;
        if is(t, i, "::") && matches!(punct(t, i + 2), Some("<" | "<<")) {
            i += 2;
        }
        if matches!(punct(t, i), Some("<" | "<<")) {
            i = skip_angles(t, i)?;
        }
        if !is(t, i, "::") {
            return Ok(i);
        }
        i += 2;
    }
}

/// A mod-style path and `!` at `t[i]`: the index after the `!`.
pub(super) fn macro_bang(t: &Level, mut i: usize) -> Option<usize> {
    if is(t, i, "::") {
        i += 2;
    }
    loop {
        // syn's mod-style path: no keywords but these.
        let segment =
            plain_ident(t, i) || matches!(ident(t, i), Some("super" | "self" | "crate" | "try"));
        if !segment {
            return None;
        }
        i += 1;
        if !is(t, i, "::") {
            break;
        }
        i += 2;
    }
    (punct(t, i) == Some("!")).then_some(i + 1)
}

/// A statement `path! { .. }` (not continued by `.` or `?`): its end.
pub(super) fn brace_macro(t: &Level, i: usize) -> Option<usize> {
    let j = macro_bang(t, i)?;
    group(t, j, Delimiter::Brace)?;
    let continued = is(t, j + 1, ".") || is(t, j + 1, "?");
    (!continued).then_some(j + 1)
}

/// When `t[i]` starts an item (syn's rules for a statement), the index
/// after it. Items hold no stops and are left alone.
pub(super) fn item(t: &Level, i: usize) -> R<Option<usize>> {
    let next = ident(t, i + 1);
    let brace_next = group(t, i + 1, Delimiter::Brace).is_some();
    let starts = match ident(t, i) {
        Some("pub" | "extern" | "use" | "fn" | "mod" | "type" | "struct" | "enum" | "trait")
        | Some("impl" | "macro") => true,
        Some("crate") => !is(t, i + 1, "::"),
        Some("static") => next == Some("mut") || plain_ident(t, i + 1),
        Some("const") => {
            !(brace_next
                || next == Some("static")
                || next == Some("async")
                    && !matches!(ident(t, i + 2), Some("unsafe" | "extern" | "fn"))
                || next == Some("move")
                || matches!(punct(t, i + 1), Some("|" | "||")))
        }
        Some("unsafe") => !brace_next,
        Some("async") => matches!(next, Some("unsafe" | "extern" | "fn")),
        Some("union") => plain_ident(t, i + 1),
        Some("auto") => next == Some("trait"),
        Some("default") => matches!(next, Some("unsafe" | "impl")),
        _ => {
            // `macro_rules! name { .. }`: an item macro.
            return Ok(match macro_bang(t, i) {
                Some(j) if plain_ident(t, j) || ident(t, j) == Some("try") => {
                    let g = j + 1;
                    match t.get(g) {
                        Some(TokenTree::Group(gr)) if gr.delimiter() == Delimiter::Brace => {
                            Some(g + 1)
                        }
                        Some(TokenTree::Group(_)) if is(t, g + 1, ";") => Some(g + 2),
                        _ => return Err(Declined),
                    }
                }
                _ => None,
            });
        }
    };
    if !starts {
        return Ok(None);
    }
    // Where it ends: `;`, or the first brace group outside `<..>` unless the
    // item is a `use`, `static`, `const` or `type` (whose `;` comes after any
    // braces).
    let mut k = i;
    if ident(t, k) == Some("pub") {
        k += 1;
        if group(t, k, Delimiter::Parenthesis).is_some() {
            k += 1;
        }
    }
    let semi_only = match ident(t, k) {
        Some("use" | "static" | "type") => true,
        Some("const") => !matches!(ident(t, k + 1), Some("fn" | "unsafe" | "async" | "extern")),
        _ => false,
    };
    let mut angles = 0i32;
    let mut j = k;
    loop {
        match t.get(j) {
            None => return Err(Declined),
            Some(TokenTree::Group(g)) => {
                if g.delimiter() == Delimiter::None {
                    return Err(Declined);
                }
                if !semi_only && angles == 0 && g.delimiter() == Delimiter::Brace {
                    return Ok(Some(j + 1));
                }
                j += 1;
            }
            Some(TokenTree::Punct(_)) => {
                let p = punct(t, j).ok_or(Declined)?;
                match p {
                    ";" if semi_only || angles == 0 => return Ok(Some(j + 1)),
                    "<" if !semi_only => angles += 1,
                    "<<" if !semi_only => angles += 2,
                    ">" if !semi_only => angles -= 1,
                    ">>" if !semi_only => angles -= 2,
                    _ => {}
                }
                if angles < 0 {
                    return Err(Declined);
                }
                j += p.len();
            }
            Some(_) => j += 1,
        }
    }
}
