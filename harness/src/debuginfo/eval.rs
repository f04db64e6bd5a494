//! Expressions for `p` / `pp` / `whatis`: a local, `.field` / `.0`,
//! `[index]` on arrays, slices, `Vec`, `VecDeque`, `[literal key]` on
//! `HashMap` / `BTreeMap`, and `*deref`, with auto-deref through `&`,
//! `Box`, `Rc` and `Arc` like Rust.

use super::place::{Ctx, Place, Typed};
use super::render::closure_capture_name;
use super::stdtypes::{self, Shape};
use super::types::{base_name, Kind};
use super::value::{Node, Value};
use super::{DebugInfo, EvalError, Frame};

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Int(i128),
    Str(String),
    Char(char),
    Bool(bool),
}

impl Lit {
    /// The literal as `{:?}` renders it, to compare with rendered keys.
    fn debug(&self) -> String {
        match self {
            Lit::Int(i) => i.to_string(),
            Lit::Str(s) => format!("{s:?}"),
            Lit::Char(c) => format!("{c:?}"),
            Lit::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Var(String),
    Field(Box<Expr>, String),
    Index(Box<Expr>, Lit),
    Deref(Box<Expr>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn expr(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(b'*') {
            self.i += 1;
            return Ok(Expr::Deref(Box::new(self.expr()?)));
        }
        let mut e = match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let e = self.expr()?;
                if self.peek() != Some(b')') {
                    return Err("expected `)`".into());
                }
                self.i += 1;
                e
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                Expr::Var(self.ident().unwrap_or_default())
            }
            _ => return Err("expected a variable name".into()),
        };
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    let f = self.ident().ok_or("expected a field name after `.`")?;
                    e = Expr::Field(Box::new(e), f);
                }
                Some(b'[') => {
                    self.i += 1;
                    let lit = self.lit()?;
                    if self.peek() != Some(b']') {
                        return Err("expected `]`".into());
                    }
                    self.i += 1;
                    e = Expr::Index(Box::new(e), lit);
                }
                _ => return Ok(e),
            }
        }
    }

    fn lit(&mut self) -> Result<Lit, String> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let mut s = String::new();
                let rest = std::str::from_utf8(&self.s[self.i..]).map_err(|_| "invalid utf-8")?;
                let mut chars = rest.char_indices();
                while let Some((k, c)) = chars.next() {
                    match c {
                        '"' => {
                            self.i += k + 1;
                            return Ok(Lit::Str(s));
                        }
                        '\\' => s.push(unescape(chars.next().map(|x| x.1))?),
                        c => s.push(c),
                    }
                }
                Err("unterminated string".into())
            }
            Some(b'\'') => {
                self.i += 1;
                let rest = std::str::from_utf8(&self.s[self.i..]).map_err(|_| "invalid utf-8")?;
                let mut chars = rest.char_indices();
                let c = match chars.next() {
                    Some((_, '\\')) => unescape(chars.next().map(|x| x.1))?,
                    Some((_, c)) => c,
                    None => return Err("unterminated char".into()),
                };
                match chars.next() {
                    Some((k, '\'')) => {
                        self.i += k + 1;
                        Ok(Lit::Char(c))
                    }
                    _ => Err("unterminated char".into()),
                }
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                {
                    self.i += 1;
                }
                let text: String = String::from_utf8_lossy(&self.s[start..self.i]).replace('_', "");
                // Allow type suffixes like `3u32`.
                let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic() && c != 'x');
                let v = if let Some(h) = digits.strip_prefix("0x") {
                    i128::from_str_radix(h, 16).ok()
                } else {
                    strip_suffix(digits).parse::<i128>().ok()
                };
                v.map(Lit::Int)
                    .ok_or_else(|| format!("invalid number `{text}`"))
            }
            Some(_) => match self.ident().as_deref() {
                Some("true") => Ok(Lit::Bool(true)),
                Some("false") => Ok(Lit::Bool(false)),
                _ => Err("expected a literal index or key".into()),
            },
            None => Err("expected a literal index or key".into()),
        }
    }
}

fn strip_suffix(s: &str) -> &str {
    for suf in [
        "usize", "isize", "u128", "i128", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8",
    ] {
        if let Some(x) = s.strip_suffix(suf) {
            return x;
        }
    }
    s
}

fn unescape(c: Option<char>) -> Result<char, String> {
    Ok(match c {
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('0') => '\0',
        Some(c @ ('\\' | '"' | '\'')) => c,
        _ => return Err("unsupported escape".into()),
    })
}

fn parse(expr: &str) -> Result<Expr, EvalError> {
    let mut p = Parser {
        s: expr.as_bytes(),
        i: 0,
    };
    let err = |msg: String| EvalError::Syntax {
        expr: expr.to_string(),
        msg,
    };
    let e = p.expr().map_err(err)?;
    if p.peek().is_some() {
        return Err(err(format!("unexpected `{}`", &expr[p.i..])));
    }
    Ok(e)
}

/// Short type name for messages: `Config`, `Vec`, `HashMap`.
fn short(t: &Typed) -> String {
    let n = base_name(&t.ty.name);
    if t.ty.name.starts_with('&') || t.ty.name.starts_with('(') || t.ty.name.starts_with('[') {
        return super::types::clean_name(&t.ty.name);
    }
    n.rsplit("::").next().unwrap_or(n).to_string()
}

fn node_err(expr: &str, n: Node) -> EvalError {
    let reason = match n {
        Node::Atom(s) => s.trim_start_matches('<').trim_end_matches('>').to_string(),
        _ => "unreadable".into(),
    };
    EvalError::Read {
        expr: expr.to_string(),
        reason,
    }
}

pub(super) fn eval(di: &DebugInfo, frame: &Frame, text: &str) -> Result<Value, EvalError> {
    let e = parse(text)?;
    let mut ctx = Ctx::new(&di.bin);
    let t = place(di, frame, &mut ctx, &e, text)?;
    Ok(Value {
        type_name: t.ty.display_name(),
        node: super::call::render(&di.bin, &t),
    })
}

fn place(
    di: &DebugInfo,
    frame: &Frame,
    ctx: &mut Ctx,
    e: &Expr,
    text: &str,
) -> Result<Typed, EvalError> {
    match e {
        Expr::Var(name) => {
            let vars = di.var_dies(frame)?;
            let v = vars
                .iter()
                .find(|v| &v.name == name)
                .ok_or_else(|| EvalError::NoLocal {
                    name: name.clone(),
                    function: frame.function.clone(),
                })?;
            di.var_typed(frame, v).map_err(|n| match n {
                Node::Atom(s) => EvalError::Unavailable {
                    name: name.clone(),
                    reason: s.trim_start_matches('<').trim_end_matches('>').to_string(),
                },
                _ => EvalError::Unavailable {
                    name: name.clone(),
                    reason: "unavailable".into(),
                },
            })
        }
        Expr::Deref(inner) => {
            let t = place(di, frame, ctx, inner, text)?;
            match ctx.deref(&t).map_err(|n| node_err(text, n))? {
                Some(d) => Ok(d),
                None => Err(EvalError::NotDeref(t.ty.display_name())),
            }
        }
        Expr::Field(inner, f) => {
            let mut t = place(di, frame, ctx, inner, text)?;
            for _ in 0..16 {
                if let Some(found) = field(ctx, &t, f).map_err(|n| node_err(text, n))? {
                    return Ok(found);
                }
                match ctx.deref(&t).map_err(|n| node_err(text, n))? {
                    Some(d) => t = d,
                    None => break,
                }
            }
            Err(EvalError::NoField {
                field: f.clone(),
                ty: short(&t),
            })
        }
        Expr::Index(inner, lit) => {
            let mut t = place(di, frame, ctx, inner, text)?;
            for _ in 0..16 {
                if let Some(r) = index(ctx, &t, lit, text)? {
                    return Ok(r);
                }
                match ctx.deref(&t).map_err(|n| node_err(text, n))? {
                    Some(d) => t = d,
                    None => break,
                }
            }
            Err(EvalError::NotIndexable(t.ty.display_name()))
        }
    }
}

fn field(ctx: &mut Ctx, t: &Typed, f: &str) -> Result<Option<Typed>, Node> {
    let Some(s) = t.ty.strukt() else {
        return Ok(None);
    };
    let want = if f.bytes().all(|b| b.is_ascii_digit()) {
        format!("__{f}")
    } else {
        f.to_string()
    };
    let is_closure = t.ty.name.starts_with("{closure_env#");
    if let Some(m) = s
        .members
        .iter()
        .find(|m| m.name == want || (is_closure && closure_capture_name(&m.name) == f))
        .cloned()
    {
        return Ok(ctx.member_of(t, &m));
    }
    // Fields of the active enum variant (`opt.0`, `shape.w`).
    if s.variants.is_some() {
        if let Some((_, v)) = ctx.variant(t)? {
            return field(ctx, &v, f);
        }
    }
    Ok(None)
}

fn index(ctx: &mut Ctx, t: &Typed, lit: &Lit, text: &str) -> Result<Option<Typed>, EvalError> {
    let ne = |n| node_err(text, n);
    let ty = t.ty.clone();
    let int = match lit {
        Lit::Int(i) => Some(*i),
        _ => None,
    };
    let not = || EvalError::NotIndexable(ty.display_name());
    if let Kind::Array {
        elem: Some(e),
        count,
    } = &ty.kind
    {
        let i = check(int.ok_or_else(not)?, *count, "array")?;
        let ety = ctx.bin.ty(*e).ok_or_else(not)?;
        return Ok(ctx.typed(*e, t.place.at(i * ety.size)));
    }
    let Some(shape) = stdtypes::shape(ctx, t) else {
        return Ok(None);
    };
    let what = if ty.member("data_ptr").is_some() {
        "slice".to_string()
    } else {
        short(t)
    };
    index_shape(ctx, shape.map_err(ne)?, int, lit, &what, &not)
}

fn check(i: i128, len: u64, what: &str) -> Result<u64, EvalError> {
    if i < 0 || i as u128 >= len as u128 {
        return Err(EvalError::OutOfRange {
            index: i.max(0) as u64,
            what: what.to_string(),
            len,
        });
    }
    Ok(i as u64)
}

/// Indexes what a std provider described: elements by position, map
/// values by key (compared as `{:?}` text).
fn index_shape(
    ctx: &mut Ctx,
    shape: Shape,
    int: Option<i128>,
    lit: &Lit,
    what: &str,
    not: &dyn Fn() -> EvalError,
) -> Result<Option<Typed>, EvalError> {
    match shape {
        Shape::Slice { elem, ptr, len } => {
            let i = check(int.ok_or_else(not)?, len, what)?;
            Ok(ctx.typed(
                elem.0,
                Place::Mem(ptr.wrapping_add(i.wrapping_mul(elem.1.size))),
            ))
        }
        Shape::Items { elem, places, left } => {
            let i = check(int.ok_or_else(not)?, places.len() as u64 + left, what)?;
            match places.get(i as usize) {
                Some(p) => Ok(ctx.typed(elem.0, p.clone())),
                None => Err(not()),
            }
        }
        Shape::Map { entries, .. } => {
            let want = lit.debug();
            for (k, v) in entries {
                let mut kc = Ctx::new(ctx.bin);
                if node_text(&kc.render(&k, 0)) == want {
                    return Ok(Some(v));
                }
            }
            Err(EvalError::KeyNotFound {
                key: want,
                what: what.to_string(),
            })
        }
        Shape::Shared(_, inner) => index_shape(ctx, *inner, int, lit, what, not),
        // Smart pointers: the caller derefs and indexes again.
        Shape::Inner(_) => Ok(None),
        _ => Err(not()),
    }
}

fn node_text(n: &Node) -> String {
    Value {
        type_name: String::new(),
        node: n.clone(),
    }
    .debug()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_expressions() {
        assert_eq!(
            parse("cfg.name").unwrap(),
            Expr::Field(Box::new(Expr::Var("cfg".into())), "name".into())
        );
        assert_eq!(
            parse("*rows[1].0").unwrap(),
            Expr::Deref(Box::new(Expr::Field(
                Box::new(Expr::Index(Box::new(Expr::Var("rows".into())), Lit::Int(1))),
                "0".into()
            )))
        );
        assert_eq!(
            parse(r#"m["a\"b"]"#).unwrap(),
            Expr::Index(Box::new(Expr::Var("m".into())), Lit::Str("a\"b".into()))
        );
        assert_eq!(
            parse("m['x']").unwrap(),
            Expr::Index(Box::new(Expr::Var("m".into())), Lit::Char('x'))
        );
        assert_eq!(
            parse("m[-3i64]").unwrap(),
            Expr::Index(Box::new(Expr::Var("m".into())), Lit::Int(-3))
        );
        assert!(parse("a..b").is_err());
        assert!(parse("a[").is_err());
    }
}
