//! What an expression evaluates to: a typed place in the process's memory,
//! or a value computed at the prompt (numbers, text, `Some(..)`, lists),
//! and how each prints as `{:?}` / `{:#?}`.

use super::super::place::{Ctx, Place, Typed};
use super::super::stdtypes::{self, Shape, Text};
use super::super::types::{Enc, Kind};
use super::super::value::{More, Node};
use super::super::EvalError;
use super::Ev;

/// An evaluated expression.
#[derive(Clone)]
pub(super) enum Val {
    /// A value in memory, with its DWARF type.
    Place(Typed),
    /// `&e`: printed as `e`, passed to calls as its address.
    Ref(Box<Val>),
    /// An integer and its type (`None`: an unsuffixed literal).
    Int(i128, Option<String>),
    /// A float; `true` for `f32`.
    Float(f64, bool),
    Bool(bool),
    Char(char),
    /// A `str` (a literal, or text read from memory).
    Str(String),
    Unit,
    /// `a..b`, `a..=b`, `..b`, `a..`.
    Range(Option<i128>, Option<i128>, bool),
    /// `Some(v)` / `None`.
    Opt(Option<Box<Val>>),
    /// A slice or an iterator's items, printed `[a, b]`.
    List(Vec<Val>),
    /// `v.iter()`: only counted.
    Iter(Box<Val>),
    /// What a called function returned, formatted in the child, with its
    /// type's name.
    Text {
        compact: String,
        pretty: String,
        ty: String,
    },
}

/// Integer types: name, bits, signed.
pub(super) const INTS: &[(&str, u32, bool)] = &[
    ("i8", 8, true),
    ("i16", 16, true),
    ("i32", 32, true),
    ("i64", 64, true),
    ("i128", 128, true),
    ("isize", 64, true),
    ("u8", 8, false),
    ("u16", 16, false),
    ("u32", 32, false),
    ("u64", 64, false),
    ("u128", 128, false),
    ("usize", 64, false),
];

/// The range of an integer type, as `(min, max)` in i128 (u128's max is
/// clamped: values past i128 are not computed).
pub(super) fn int_range(ty: &str) -> Option<(i128, i128)> {
    let &(_, bits, signed) = INTS.iter().find(|t| t.0 == ty)?;
    Some(if signed {
        if bits == 128 {
            (i128::MIN, i128::MAX)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        }
    } else if bits == 128 {
        (0, i128::MAX)
    } else {
        (0, (1i128 << bits) - 1)
    })
}

impl Val {
    /// The type's name as Rust writes it, for messages.
    pub fn type_name(&self) -> String {
        match self {
            Val::Place(t) => t.ty.display_name(),
            Val::Ref(v) => format!("&{}", v.type_name()),
            Val::Int(_, t) => t.clone().unwrap_or_else(|| "i32".into()),
            Val::Float(_, f32) => if *f32 { "f32" } else { "f64" }.into(),
            Val::Bool(_) => "bool".into(),
            Val::Char(_) => "char".into(),
            Val::Str(_) => "&str".into(),
            Val::Unit => "()".into(),
            Val::Range(_, _, incl) => {
                format!(
                    "core::ops::range::Range{}<i32>",
                    if *incl { "Inclusive" } else { "" }
                )
            }
            Val::Opt(Some(v)) => format!("core::option::Option<{}>", v.type_name()),
            Val::Opt(None) => "core::option::Option<_>".into(),
            Val::List(items) => match items.first() {
                Some(v) => format!("[{}]", v.type_name()),
                None => "[_]".into(),
            },
            Val::Iter(v) => format!("core::slice::iter::Iter<{}>", v.type_name()),
            Val::Text { ty, .. } => ty.clone(),
        }
    }

    /// How `{:?}` prints it.
    pub fn node(&self, ev: &Ev, top: bool) -> Node {
        match self {
            // Inside computed values (`v[1..3]`, `m.values()`), std's
            // types are read exactly from memory; the user's through their
            // own `Debug` (which may hide a field), like at the top.
            Val::Place(t) if top || !is_std_type(&t.ty.qual) => {
                super::super::call::render(ev.bin(), t)
            }
            Val::Place(t) => Ctx::new(ev.bin()).render(t, 0),
            Val::Ref(v) => v.node(ev, top),
            Val::Int(i, _) => Node::Atom(i.to_string()),
            Val::Float(x, true) => Node::Atom(format!("{:?}", *x as f32)),
            Val::Float(x, false) => Node::Atom(format!("{x:?}")),
            Val::Bool(b) => Node::Atom(b.to_string()),
            Val::Char(c) => Node::Atom(format!("{c:?}")),
            Val::Str(s) => Node::Atom(format!("{s:?}")),
            Val::Unit => Node::atom("()"),
            Val::Range(a, b, incl) => Node::Atom(format!(
                "{}{}{}",
                a.map(|a| a.to_string()).unwrap_or_default(),
                if *incl { "..=" } else { ".." },
                b.map(|b| b.to_string()).unwrap_or_default()
            )),
            Val::Opt(None) => Node::atom("None"),
            Val::Opt(Some(v)) => Node::Tuple {
                name: "Some".into(),
                items: vec![v.node(ev, false)],
                more: More::No,
            },
            Val::List(items) => Node::List {
                items: items.iter().map(|v| v.node(ev, false)).collect(),
                more: More::No,
            },
            Val::Iter(v) => Node::Tuple {
                name: "Iter".into(),
                items: vec![v.node(ev, false)],
                more: More::No,
            },
            Val::Text {
                compact, pretty, ..
            } => Node::Alt {
                compact: compact.clone(),
                pretty: pretty.clone(),
            },
        }
    }
}

/// Whether a type is std's or a primitive (rendered exactly by the
/// memory reader).
fn is_std_type(qual: &str) -> bool {
    let base = super::super::types::base_name(qual);
    ["core::", "alloc::", "std::"]
        .iter()
        .any(|p| base.starts_with(p))
        || !base.contains("::")
}

/// A read failure inside an expression.
pub(super) fn read_err(ev: &Ev, n: Node) -> EvalError {
    let reason = match n {
        Node::Atom(s) => s.trim_start_matches('<').trim_end_matches('>').to_string(),
        _ => "unreadable".into(),
    };
    EvalError::Read {
        expr: ev.text.to_string(),
        reason,
    }
}

impl Ev<'_> {
    /// Follows references, `Box`, `Rc` and `Arc` (Rust's auto-deref), as
    /// far as they go.
    pub fn autoderef(&self, v: &Val) -> Result<Val, EvalError> {
        let mut cur = match v {
            Val::Ref(inner) => return self.autoderef(inner),
            Val::Place(t) => t.clone(),
            other => return Ok(other.clone()),
        };
        for _ in 0..16 {
            let mut ctx = Ctx::new(self.bin());
            match ctx.deref(&cur).map_err(|n| read_err(self, n))? {
                Some(d) => cur = d,
                None => break,
            }
        }
        Ok(Val::Place(cur))
    }

    /// A value as a primitive when it is one in memory (integers, floats,
    /// `bool`, `char`, `()`, and text: `String`, `&str`), after auto-deref;
    /// other values come back as they are.
    pub fn scalar(&self, v: &Val) -> Result<Val, EvalError> {
        let v = self.autoderef(v)?;
        let Val::Place(t) = &v else { return Ok(v) };
        let mut ctx = Ctx::new(self.bin());
        if let Kind::Base(enc) = t.ty.kind {
            let size = t.ty.size.min(16) as usize;
            let b = ctx.read(&t.place, size).map_err(|n| read_err(self, n))?;
            let mut w = [0u8; 16];
            w[..size].copy_from_slice(&b);
            let u = u128::from_le_bytes(w);
            let name = t.ty.name.clone();
            return Ok(match enc {
                Enc::Unit => Val::Unit,
                Enc::Bool if u <= 1 => Val::Bool(u == 1),
                Enc::Char => match char::from_u32(u as u32) {
                    Some(c) => Val::Char(c),
                    None => return Err(invalid_val(self, "char")),
                },
                Enc::Float if size == 4 => Val::Float(f32::from_bits(u as u32) as f64, true),
                Enc::Float if size == 8 => Val::Float(f64::from_bits(u as u64), false),
                Enc::Signed => {
                    let bits = size as u32 * 8;
                    let s = if bits >= 128 {
                        u as i128
                    } else {
                        ((u << (128 - bits)) as i128) >> (128 - bits)
                    };
                    Val::Int(s, Some(name))
                }
                Enc::Unsigned if u <= i128::MAX as u128 => Val::Int(u as i128, Some(name)),
                _ => return Err(invalid_val(self, &name)),
            });
        }
        if let Some(text) = self.text(&mut ctx, t)? {
            return Ok(Val::Str(text));
        }
        Ok(v)
    }

    /// The text of a `String`, `&str`, `Box<str>` in memory.
    pub fn text(&self, ctx: &mut Ctx, t: &Typed) -> Result<Option<String>, EvalError> {
        match stdtypes::shape(ctx, t) {
            Some(Ok(Shape::Text {
                ptr,
                len,
                kind: Text::Str,
                ..
            })) => {
                let b = ctx
                    .read(&Place::Mem(ptr), len as usize)
                    .map_err(|n| read_err(self, n))?;
                Ok(Some(String::from_utf8_lossy(&b).into_owned()))
            }
            Some(Err(n)) => Err(read_err(self, n)),
            _ => Ok(None),
        }
    }
}

fn invalid_val(ev: &Ev, what: &str) -> EvalError {
    EvalError::Read {
        expr: ev.text.to_string(),
        reason: format!("invalid: moved-from or uninitialised {what}"),
    }
}
