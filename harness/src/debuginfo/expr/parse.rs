//! A Pratt parser for the Rust expressions typed at the prompt.
//!
//! Hand-written rather than `syn` with `full` (a dependency of the macros
//! crate only): the prompt needs a small subset of Rust, but must still
//! recognise every other valid expression (closures, blocks, macros,
//! `?`, assignment...) to say which construct it does not support, in
//! Rust terms; and `syn`'s `full` feature would add to the harness's
//! compile time, which every user of autopsy pays.

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    /// An integer with its suffix (`3u8`), if any.
    Int(i128, Option<String>),
    /// A float with its suffix, if any.
    Float(f64, Option<String>),
    Str(String),
    Char(char),
    Bool(bool),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Un {
    Neg,
    Not,
    Deref,
    Ref,
}

/// Binary operators, as Rust spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitXor,
    BitOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl Bin {
    pub fn symbol(self) -> &'static str {
        use Bin::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
            Shl => "<<",
            Shr => ">>",
            BitAnd => "&",
            BitXor => "^",
            BitOr => "|",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "&&",
            Or => "||",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Lit(Lit),
    /// `()`.
    Unit,
    /// `name`, `crate::CONFIG`, `a::b::f`.
    Path(Vec<String>),
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Method(Box<Expr>, String, Vec<Expr>),
    Unary(Un, Box<Expr>),
    Binary(Bin, Box<Expr>, Box<Expr>),
    Cast(Box<Expr>, String),
    Range(Option<Box<Expr>>, Option<Box<Expr>>, bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Lit(Lit),
    P(&'static str),
}

/// Why an expression cannot be evaluated: not Rust at all, or a Rust
/// construct the prompt does not evaluate.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ParseError {
    /// Not a Rust expression.
    Invalid(String),
    /// Valid Rust the prompt does not evaluate: names the construct.
    Unsupported(String),
}

type R<T> = Result<T, ParseError>;

fn invalid<T>(msg: impl Into<String>) -> R<T> {
    Err(ParseError::Invalid(msg.into()))
}

fn unsupported<T>(what: impl Into<String>) -> R<T> {
    Err(ParseError::Unsupported(what.into()))
}

const PUNCTS: &[&str] = &[
    "..=", "<<=", ">>=", "...", "::", "..", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "+=",
    "-=", "*=", "/=", "%=", "^=", "&=", "|=", "=>", "->", "+", "-", "*", "/", "%", "!", "&", "|",
    "^", "<", ">", "=", ".", ",", "(", ")", "[", "]", "{", "}", "?", "#", "$", "@", ";", ":",
];

fn lex(s: &str) -> R<Vec<Tok>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            let w = &s[start..i];
            out.push(match w {
                "true" => Tok::Lit(Lit::Bool(true)),
                "false" => Tok::Lit(Lit::Bool(false)),
                _ => Tok::Ident(w.to_string()),
            });
            continue;
        }
        if c.is_ascii_digit() {
            // After `.`, digits are a tuple field (`t.0.1`), not a float.
            let field = out.last() == Some(&Tok::P("."));
            let start = i;
            let hex =
                b[i..].starts_with(b"0x") || b[i..].starts_with(b"0b") || b[i..].starts_with(b"0o");
            if hex {
                i += 2;
            }
            let mut float = false;
            while i < b.len() {
                let d = b[i];
                if d.is_ascii_alphanumeric() || d == b'_' {
                    if !hex && (d == b'e' || d == b'E') && !field {
                        float = true;
                        if matches!(b.get(i + 1), Some(b'+' | b'-')) {
                            i += 1;
                        }
                    }
                    i += 1;
                } else if d == b'.'
                    && !hex
                    && !field
                    && !float
                    && b.get(i + 1)
                        .is_none_or(|n| n.is_ascii_digit() || n.is_ascii_whitespace())
                    && b.get(i + 1) != Some(&b'.')
                {
                    float = true;
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Lit(number(&s[start..i], float)?));
            continue;
        }
        if c == b'"' {
            let (text, end) = quoted(s, i + 1, '"')?;
            out.push(Tok::Lit(Lit::Str(text)));
            i = end;
            continue;
        }
        if c == b'\'' {
            let (text, end) = quoted(s, i + 1, '\'')?;
            let mut cs = text.chars();
            match (cs.next(), cs.next()) {
                (Some(ch), None) => out.push(Tok::Lit(Lit::Char(ch))),
                _ => return invalid(format!("invalid character literal '{text}'")),
            }
            i = end;
            continue;
        }
        match PUNCTS.iter().find(|p| s[i..].starts_with(**p)) {
            Some(p) => {
                out.push(Tok::P(p));
                i += p.len();
            }
            None => {
                return invalid(format!(
                    "unexpected character `{}`",
                    &s[i..].chars().next().unwrap_or(' ')
                ))
            }
        }
    }
    Ok(out)
}

const INT_SUFFIXES: &[&str] = &[
    "usize", "isize", "u128", "i128", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8",
];

fn number(text: &str, float: bool) -> R<Lit> {
    let t = text.replace('_', "");
    let bad = || ParseError::Invalid(format!("invalid number `{text}`"));
    for radix in [("0x", 16), ("0b", 2), ("0o", 8)] {
        if let Some(digits) = t.strip_prefix(radix.0) {
            let (digits, suffix) = split_suffix(digits, INT_SUFFIXES);
            let v = i128::from_str_radix(digits, radix.1).map_err(|_| bad())?;
            return Ok(Lit::Int(v, suffix));
        }
    }
    let (digits, suffix) = split_suffix(&t, &["f32", "f64"]);
    if float || suffix.is_some() {
        return digits
            .parse::<f64>()
            .map(|v| Lit::Float(v, suffix))
            .map_err(|_| bad());
    }
    let (digits, suffix) = split_suffix(&t, INT_SUFFIXES);
    digits
        .parse::<i128>()
        .map(|v| Lit::Int(v, suffix))
        .map_err(|_| bad())
}

fn split_suffix<'a>(t: &'a str, suffixes: &[&str]) -> (&'a str, Option<String>) {
    for s in suffixes {
        if let Some(d) = t.strip_suffix(s) {
            if !d.is_empty() {
                return (d, Some(s.to_string()));
            }
        }
    }
    (t, None)
}

/// The text of a quoted literal starting after its quote at `i`, and where
/// it ends.
fn quoted(s: &str, i: usize, quote: char) -> R<(String, usize)> {
    let mut text = String::new();
    let mut chars = s[i..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((text, i + k + 1)),
            '\\' => text.push(match chars.next().map(|x| x.1) {
                Some('n') => '\n',
                Some('t') => '\t',
                Some('r') => '\r',
                Some('0') => '\0',
                Some(c @ ('\\' | '"' | '\'')) => c,
                Some(c) => return unsupported(format!("the escape `\\{c}`")),
                None => break,
            }),
            c => text.push(c),
        }
    }
    invalid(format!(
        "unterminated {} literal",
        if quote == '"' { "string" } else { "character" }
    ))
}

struct Parser {
    toks: Vec<Tok>,
    i: usize,
}

/// Left binding power of an infix operator.
fn infix(t: &Tok) -> Option<(u8, Bin)> {
    let Tok::P(p) = t else { return None };
    Some(match *p {
        "||" => (3, Bin::Or),
        "&&" => (4, Bin::And),
        "==" => (5, Bin::Eq),
        "!=" => (5, Bin::Ne),
        "<" => (5, Bin::Lt),
        "<=" => (5, Bin::Le),
        ">" => (5, Bin::Gt),
        ">=" => (5, Bin::Ge),
        "|" => (6, Bin::BitOr),
        "^" => (7, Bin::BitXor),
        "&" => (8, Bin::BitAnd),
        "<<" => (9, Bin::Shl),
        ">>" => (9, Bin::Shr),
        "+" => (10, Bin::Add),
        "-" => (10, Bin::Sub),
        "*" => (11, Bin::Mul),
        "/" => (11, Bin::Div),
        "%" => (11, Bin::Rem),
        _ => return None,
    })
}

const RANGE_BP: u8 = 2;
const AS_BP: u8 = 12;
const UNARY_BP: u8 = 13;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k)
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::P(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let yes = self.is(p);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn expect(&mut self, p: &str, after: &str) -> R<()> {
        if self.eat(p) {
            Ok(())
        } else {
            invalid(format!("expected `{p}` after {after}"))
        }
    }

    /// Whether the next token can start an expression (for `a..` vs `a..b`).
    fn starts_expr(&self) -> bool {
        match self.peek() {
            None => false,
            Some(Tok::Ident(_) | Tok::Lit(_)) => true,
            Some(Tok::P(p)) => matches!(*p, "(" | "[" | "-" | "!" | "*" | "&" | "|" | "{" | "::"),
        }
    }

    fn expr(&mut self, min_bp: u8) -> R<Expr> {
        let mut lhs = self.prefix()?;
        while let Some(t) = self.peek().cloned() {
            if let Some((bp, op)) = infix(&t) {
                if bp <= min_bp {
                    break;
                }
                self.i += 1;
                let rhs = self.expr(bp)?;
                if bp == 5 {
                    if let Expr::Binary(prev, ..) = &lhs {
                        if infix(&Tok::P(prev.symbol())).is_some_and(|x| x.0 == 5) {
                            return invalid("comparison operators cannot be chained");
                        }
                    }
                }
                lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
                continue;
            }
            match t {
                Tok::Ident(ref w) if w == "as" => {
                    if AS_BP <= min_bp {
                        break;
                    }
                    self.i += 1;
                    let ty = self.ty()?;
                    lhs = Expr::Cast(Box::new(lhs), ty);
                }
                Tok::P(p @ (".." | "..=")) => {
                    if RANGE_BP <= min_bp {
                        break;
                    }
                    self.i += 1;
                    let end = if self.starts_expr() {
                        Some(Box::new(self.expr(RANGE_BP)?))
                    } else if p == "..=" {
                        return invalid("inclusive range with no end");
                    } else {
                        None
                    };
                    lhs = Expr::Range(Some(Box::new(lhs)), end, p == "..=");
                }
                Tok::P("=") => return unsupported("assignment (the prompt only reads values)"),
                Tok::P(p)
                    if p.len() >= 2
                        && p.ends_with('=')
                        && !matches!(p, "==" | "!=" | "<=" | ">=" | "..=") =>
                {
                    return unsupported("compound assignment (the prompt only reads values)")
                }
                _ => break,
            }
        }
        Ok(lhs)
    }

    /// A type after `as`: a path with optional `&`, generic arguments
    /// passed through as text.
    fn ty(&mut self) -> R<String> {
        let mut s = String::new();
        let mut depth = 0i32;
        while let Some(t) = self.peek().cloned() {
            match t {
                Tok::P("&") => s.push('&'),
                Tok::P("*") if s.is_empty() || s.ends_with('&') => s.push('*'),
                Tok::P("::") => s.push_str("::"),
                Tok::P("<") => {
                    depth += 1;
                    s.push('<')
                }
                Tok::P(">") if depth > 0 => {
                    depth -= 1;
                    s.push('>')
                }
                Tok::P(",") if depth > 0 => s.push_str(", "),
                Tok::Ident(w) => {
                    if !(s.is_empty() || s.ends_with(['&', '*', ':', '<', ' '])) {
                        break;
                    }
                    s.push_str(&w);
                    if w == "mut" || w == "const" || w == "dyn" {
                        s.push(' ');
                    }
                }
                _ => break,
            }
            self.i += 1;
        }
        if s.is_empty() {
            return invalid("expected a type after `as`");
        }
        Ok(s)
    }

    fn prefix(&mut self) -> R<Expr> {
        let Some(t) = self.peek().cloned() else {
            return invalid("expected an expression");
        };
        self.i += 1;
        let e = match t {
            Tok::Lit(l) => Expr::Lit(l),
            Tok::P("-") => Expr::Unary(Un::Neg, Box::new(self.expr(UNARY_BP)?)),
            Tok::P("!") => Expr::Unary(Un::Not, Box::new(self.expr(UNARY_BP)?)),
            Tok::P("*") => Expr::Unary(Un::Deref, Box::new(self.expr(UNARY_BP)?)),
            Tok::P("&" | "&&") => {
                if matches!(self.peek(), Some(Tok::Ident(w)) if w == "mut") {
                    self.i += 1;
                }
                let inner = Expr::Unary(Un::Ref, Box::new(self.expr(UNARY_BP)?));
                if t == Tok::P("&&") {
                    Expr::Unary(Un::Ref, Box::new(inner))
                } else {
                    inner
                }
            }
            Tok::P(p @ (".." | "..=")) => {
                let end = if self.starts_expr() {
                    Some(Box::new(self.expr(RANGE_BP)?))
                } else {
                    None
                };
                Expr::Range(None, end, p == "..=")
            }
            Tok::P("(") => {
                if self.eat(")") {
                    Expr::Unit
                } else {
                    let e = self.expr(0)?;
                    if self.is(",") {
                        return unsupported("tuple expressions");
                    }
                    self.expect(")", "a parenthesised expression")?;
                    e
                }
            }
            Tok::P("[") => return unsupported("array expressions"),
            Tok::P("|" | "||") => return unsupported("closures"),
            Tok::P("{") => return unsupported("block expressions"),
            Tok::P("::") => return self.path_from(String::new()),
            Tok::Ident(w) => match w.as_str() {
                "if" | "match" | "loop" | "while" | "for" | "unsafe" | "async" | "let"
                | "return" | "break" | "continue" => {
                    return unsupported(format!("`{w}` expressions"))
                }
                "move" => return unsupported("closures"),
                _ => self.path_from(w)?,
            },
            Tok::P(p) => return invalid(format!("expected an expression, found `{p}`")),
        };
        self.postfix(e)
    }

    fn path_from(&mut self, first: String) -> R<Expr> {
        let mut segs = vec![first];
        while self.eat("::") {
            match self.peek().cloned() {
                Some(Tok::Ident(w)) => {
                    self.i += 1;
                    segs.push(w)
                }
                Some(Tok::P("<")) => return unsupported("generic arguments (`::<>`)"),
                _ => return invalid("expected a name after `::`"),
            }
        }
        segs.retain(|s| !s.is_empty());
        if self.is("!") && !matches!(self.peek_at(1), Some(Tok::P("="))) {
            return unsupported(format!("macros (`{}!`)", segs.join("::")));
        }
        if self.is("{") {
            return unsupported("struct expressions");
        }
        Ok(Expr::Path(segs))
    }

    fn args(&mut self) -> R<Vec<Expr>> {
        let mut args = Vec::new();
        while !self.eat(")") {
            args.push(self.expr(0)?);
            if !self.eat(",") {
                self.expect(")", "the arguments")?;
                break;
            }
        }
        Ok(args)
    }

    fn postfix(&mut self, mut e: Expr) -> R<Expr> {
        loop {
            if self.eat(".") {
                let name = match self.peek().cloned() {
                    Some(Tok::Ident(w)) => w,
                    Some(Tok::Lit(Lit::Int(n, None))) => n.to_string(),
                    _ => return invalid("expected a field name after `.`"),
                };
                self.i += 1;
                if name == "await" {
                    return unsupported("`.await`");
                }
                if self.is("::") {
                    return unsupported("generic arguments (`::<>`)");
                }
                if self.eat("(") {
                    let args = self.args()?;
                    e = Expr::Method(Box::new(e), name, args);
                } else {
                    e = Expr::Field(Box::new(e), name);
                }
            } else if self.eat("[") {
                let i = self.expr(0)?;
                self.expect("]", "an index")?;
                e = Expr::Index(Box::new(e), Box::new(i));
            } else if self.eat("(") {
                let args = self.args()?;
                e = Expr::Call(Box::new(e), args);
            } else if self.is("?") {
                return unsupported("the `?` operator");
            } else {
                return Ok(e);
            }
        }
    }
}

/// Parses one expression.
pub(super) fn parse(text: &str) -> R<Expr> {
    let toks = lex(text)?;
    let mut p = Parser { toks, i: 0 };
    let e = p.expr(0)?;
    match p.peek() {
        None => Ok(e),
        Some(Tok::P(";")) => unsupported("statements"),
        Some(t) => invalid(format!("unexpected {}", describe(t))),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(w) => format!("`{w}`"),
        Tok::P(p) => format!("`{p}`"),
        Tok::Lit(_) => "literal".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }
    fn path(s: &str) -> Box<Expr> {
        Box::new(Expr::Path(s.split("::").map(String::from).collect()))
    }
    fn int(i: i128) -> Box<Expr> {
        Box::new(Expr::Lit(Lit::Int(i, None)))
    }

    #[test]
    fn precedence_follows_rust() {
        assert_eq!(
            p("a + b * 2 == 7 && !c"),
            Expr::Binary(
                Bin::And,
                Box::new(Expr::Binary(
                    Bin::Eq,
                    Box::new(Expr::Binary(
                        Bin::Add,
                        path("a"),
                        Box::new(Expr::Binary(Bin::Mul, path("b"), int(2)))
                    )),
                    int(7)
                )),
                Box::new(Expr::Unary(Un::Not, path("c")))
            )
        );
        assert_eq!(
            p("-x as u8"),
            Expr::Cast(Box::new(Expr::Unary(Un::Neg, path("x"))), "u8".into())
        );
        assert_eq!(
            p("&s[0..2]"),
            Expr::Unary(
                Un::Ref,
                Box::new(Expr::Index(
                    path("s"),
                    Box::new(Expr::Range(Some(int(0)), Some(int(2)), false))
                ))
            )
        );
        assert_eq!(
            p("t.0.1"),
            Expr::Field(Box::new(Expr::Field(path("t"), "0".into())), "1".into())
        );
        assert_eq!(
            p("v.iter().count()"),
            Expr::Method(
                Box::new(Expr::Method(path("v"), "iter".into(), vec![])),
                "count".into(),
                vec![]
            )
        );
        assert_eq!(
            p("crate::CONFIG"),
            Expr::Path(vec!["crate".into(), "CONFIG".into()])
        );
        assert_eq!(p("1.5"), Expr::Lit(Lit::Float(1.5, None)));
        assert_eq!(p("0xffu8"), Expr::Lit(Lit::Int(255, Some("u8".into()))));
        assert_eq!(
            p("v[..2]"),
            Expr::Index(path("v"), Box::new(Expr::Range(None, Some(int(2)), false)))
        );
        assert_eq!(
            p("f(&a, 1)"),
            Expr::Call(path("f"), vec![Expr::Unary(Un::Ref, path("a")), *int(1)])
        );
    }

    #[test]
    fn names_unsupported_rust() {
        let u = |s: &str| match parse(s) {
            Err(ParseError::Unsupported(w)) => w,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(u("v.iter().map(|x| x + 1)"), "closures");
        assert_eq!(u("format!(\"{}\", x)"), "macros (`format!`)");
        assert_eq!(u("x?"), "the `?` operator");
        assert_eq!(u("x = 3"), "assignment (the prompt only reads values)");
        assert_eq!(u("if a { 1 } else { 2 }"), "`if` expressions");
        assert_eq!(u("(a, b)"), "tuple expressions");
        assert_eq!(u("v.iter().sum::<i32>()"), "generic arguments (`::<>`)");
        assert!(matches!(parse("a +"), Err(ParseError::Invalid(_))));
        assert!(matches!(parse("a b"), Err(ParseError::Invalid(_))));
        assert!(matches!(parse("1 < 2 < 3"), Err(ParseError::Invalid(_))));
    }
}
