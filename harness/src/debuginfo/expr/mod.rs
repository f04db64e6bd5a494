//! Rust expressions at the prompt (`p`, `pp`, `whatis`, bare expressions):
//! literals, arithmetic, comparison, `&&` / `||` / `!`, unary minus, `as`
//! casts, ranges and slicing, std's everyday methods computed from memory
//! through the std providers, statics, and calls of the binary's own
//! functions and methods, isolated in a forked child.
//!
//! - [`parse`]: a Pratt parser of Rust's expression grammar; what it does
//!   not evaluate (closures, macros, blocks, `?`, assignment...) is named.
//! - [`value`]: what an expression evaluates to, and how it prints.
//! - [`ops`]: operators and casts, with Rust's overflow and division
//!   panics reported as errors.
//! - [`methods`]: `len`, `is_empty`, `is_some`, `unwrap`, `get`,
//!   `contains`, `keys`... read through [`super::stdtypes`].
//! - [`statics`]: `COUNTER`, `crate::CONFIG`, found by symbol and DWARF.
//! - [`calls`]: `transform(&rows[1], &config)`, `cfg.describe()`.
//! - [`complete`]: fields and methods for tab completion.

mod calls;
mod complete;
mod methods;
mod ops;
mod parse;
mod statics;
mod value;

use super::dwarf::Binary;
use super::eval as places;
use super::place::{Ctx, Typed};
use super::value::{Node, Value};
use super::{DebugInfo, EvalError, Frame};
use parse::{Expr, Lit, ParseError, Un};
use value::{read_err, Val};

pub(super) use complete::members;

/// One evaluation: the debug info, the frame, and the expression's text.
struct Ev<'a> {
    pub di: &'a DebugInfo,
    pub frame: &'a Frame,
    pub text: &'a str,
}

impl Ev<'_> {
    pub fn bin(&self) -> &Binary {
        &self.di.bin
    }
}

fn parse_err(text: &str, e: ParseError) -> EvalError {
    match e {
        ParseError::Invalid(msg) => EvalError::Syntax {
            expr: text.to_string(),
            msg,
        },
        ParseError::Unsupported(what) => EvalError::Unsupported(what),
    }
}

/// Evaluates `text` in `frame`.
pub(super) fn eval(di: &DebugInfo, frame: &Frame, text: &str) -> Result<Value, EvalError> {
    let e = parse::parse(text).map_err(|e| parse_err(text, e))?;
    let ev = Ev { di, frame, text };
    let v = ev.eval(&e)?;
    let node = v.node(&ev, true);
    Ok(Value {
        type_name: v.type_name(),
        node,
    })
}

impl Ev<'_> {
    pub fn eval(&self, e: &Expr) -> Result<Val, EvalError> {
        match e {
            Expr::Lit(l) => Ok(match l {
                Lit::Int(i, suffix) => {
                    if let Some(s) = suffix {
                        ops::fits(*i, s)?;
                    }
                    Val::Int(*i, suffix.clone())
                }
                Lit::Float(x, suffix) => Val::Float(*x, suffix.as_deref() == Some("f32")),
                Lit::Str(s) => Val::Str(s.clone()),
                Lit::Char(c) => Val::Char(*c),
                Lit::Bool(b) => Val::Bool(*b),
            }),
            Expr::Unit => Ok(Val::Unit),
            Expr::Path(segs) => self.path(segs),
            Expr::Field(inner, f) => {
                let v = self.eval(inner)?;
                self.field(&v, f)
            }
            Expr::Index(inner, idx) => {
                let v = self.eval(inner)?;
                let i = self.eval(idx)?;
                self.index(&v, &i)
            }
            Expr::Unary(Un::Ref, inner) => Ok(Val::Ref(Box::new(self.eval(inner)?))),
            Expr::Unary(Un::Deref, inner) => {
                let v = self.eval(inner)?;
                self.deref(v)
            }
            Expr::Unary(op, inner) => {
                let v = self.eval(inner)?;
                ops::unary(self, *op, &v)
            }
            Expr::Binary(op, a, b) => ops::binary(self, *op, a, b),
            Expr::Cast(inner, ty) => {
                let v = self.eval(inner)?;
                ops::cast(self, &v, ty)
            }
            Expr::Range(a, b, incl) => {
                let end = |x: &Option<Box<Expr>>| -> Result<Option<i128>, EvalError> {
                    match x {
                        None => Ok(None),
                        Some(x) => {
                            let v = self.eval(x)?;
                            Ok(Some(ops::int_of(self, &v, "a range bound")?.0))
                        }
                    }
                };
                Ok(Val::Range(end(a)?, end(b)?, *incl))
            }
            Expr::Method(recv, name, args) => methods::call(self, recv, name, args),
            Expr::Call(f, args) => calls::call_function(self, f, args),
        }
    }

    /// A local, else a static.
    fn path(&self, segs: &[String]) -> Result<Val, EvalError> {
        if let [name] = segs {
            let vars = self.di.var_dies(self.frame)?;
            if let Some(v) = vars.iter().find(|v| &v.name == name) {
                return self
                    .di
                    .var_typed(self.frame, v)
                    .map(Val::Place)
                    .map_err(|n| EvalError::Unavailable {
                        name: name.clone(),
                        reason: match n {
                            Node::Atom(s) => {
                                s.trim_start_matches('<').trim_end_matches('>').to_string()
                            }
                            _ => "unavailable".into(),
                        },
                    });
            }
            if name == "None" {
                return Ok(Val::Opt(None));
            }
        }
        if let Some(t) = statics::find(self, segs) {
            return Ok(Val::Place(t));
        }
        match segs {
            [name] => Err(EvalError::NoLocal {
                name: name.clone(),
                function: self.frame.function.clone(),
            }),
            _ => Err(EvalError::NoStatic(segs.join("::"))),
        }
    }

    fn place_of(&self, v: &Val, what: &str) -> Result<Typed, EvalError> {
        match self.autoderef(v)? {
            Val::Place(t) => Ok(t),
            other => Err(EvalError::Unsupported(format!(
                "{what} on a computed `{}`",
                other.type_name()
            ))),
        }
    }

    fn field(&self, v: &Val, f: &str) -> Result<Val, EvalError> {
        if let (Val::Opt(Some(inner)), "0") = (v, f) {
            return Ok((**inner).clone());
        }
        let mut t = match v {
            Val::Ref(inner) => return self.field(inner, f),
            Val::Place(t) => t.clone(),
            other => {
                return Err(EvalError::NoField {
                    field: f.to_string(),
                    ty: other.type_name(),
                })
            }
        };
        let mut ctx = Ctx::new(self.bin());
        for _ in 0..16 {
            if let Some(found) = places::field(&mut ctx, &t, f).map_err(|n| read_err(self, n))? {
                return Ok(Val::Place(found));
            }
            match ctx.deref(&t).map_err(|n| read_err(self, n))? {
                Some(d) => t = d,
                None => break,
            }
        }
        Err(EvalError::NoField {
            field: f.to_string(),
            ty: places::short(&t),
        })
    }

    fn deref(&self, v: Val) -> Result<Val, EvalError> {
        let t = match v {
            Val::Ref(inner) => return Ok(*inner),
            Val::Place(t) => t,
            other => return Err(EvalError::NotDeref(other.type_name())),
        };
        let mut ctx = Ctx::new(self.bin());
        match ctx.deref(&t).map_err(|n| read_err(self, n))? {
            Some(d) => Ok(Val::Place(d)),
            None => Err(EvalError::NotDeref(t.ty.display_name())),
        }
    }

    /// `v[i]`, `m[key]`, `v[a..b]`, `s[a..b]`.
    fn index(&self, v: &Val, i: &Val) -> Result<Val, EvalError> {
        let i = self.scalar(i)?;
        if let Val::Range(a, b, incl) = i {
            return methods::slice(self, v, a, b, incl).map(|r| match r {
                Val::List(items) => Val::List(items),
                other => other,
            });
        }
        if let Val::Str(s) = self.scalar(v)? {
            return Err(EvalError::Type(format!(
                "the type `str` cannot be indexed by `{}` (`{s:?}`)",
                i.type_name()
            )));
        }
        let lit = match &i {
            Val::Int(n, _) => places::Lit::Int(*n),
            Val::Str(s) => places::Lit::Str(s.clone()),
            Val::Char(c) => places::Lit::Char(*c),
            Val::Bool(b) => places::Lit::Bool(*b),
            other => {
                return Err(EvalError::Unsupported(format!(
                    "indexing by a `{}`",
                    other.type_name()
                )))
            }
        };
        let mut t = self.place_of(v, "indexing")?;
        let mut ctx = Ctx::new(self.bin());
        for _ in 0..16 {
            if let Some(r) = places::index(&mut ctx, &t, &lit, self.text)? {
                return Ok(Val::Place(r));
            }
            match ctx.deref(&t).map_err(|n| read_err(self, n))? {
                Some(d) => t = d,
                None => break,
            }
        }
        Err(EvalError::NotIndexable(t.ty.display_name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_rust_is_never_a_syntax_error() {
        for s in [
            "v.iter().map(|x| x * 2).collect::<Vec<_>>()",
            "format!(\"{x}\")",
            "x?",
            "{ 1 }",
            "x += 1",
            "match x { _ => 1 }",
        ] {
            let e = parse::parse(s).unwrap_err();
            assert!(
                matches!(parse_err(s, e.clone()), EvalError::Unsupported(_)),
                "{s}: {e:?}"
            );
        }
    }
}
