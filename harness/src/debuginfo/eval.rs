//! Places inside values, for expressions ([`super::expr`]): `.field` /
//! `.0` (the active variant's for enums), `[index]` on arrays, slices,
//! `Vec`, `VecDeque`, `[key]` on `HashMap` / `BTreeMap`.

use super::place::{Ctx, Place, Typed};
use super::render::closure_capture_name;
use super::stdtypes::{self, Shape};
use super::types::{base_name, Kind};
use super::value::{Node, Value};
use super::EvalError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
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

/// Short type name for messages: `Config`, `Vec`, `HashMap`.
pub(super) fn short(t: &Typed) -> String {
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

pub(super) fn field(ctx: &mut Ctx, t: &Typed, f: &str) -> Result<Option<Typed>, Node> {
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

pub(super) fn index(
    ctx: &mut Ctx,
    t: &Typed,
    lit: &Lit,
    text: &str,
) -> Result<Option<Typed>, EvalError> {
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
