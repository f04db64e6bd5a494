//! std's everyday methods, computed from memory through the std providers
//! (no call into the process): `len`, `is_empty`, `is_some`, `is_none`,
//! `is_ok`, `is_err`, `unwrap`, `get`, `contains`, `contains_key`, `keys`,
//! `values`, `first`, `last`, `as_str`, `iter().count()`, `clone`; and
//! slicing (`v[1..3]`, `&s[0..2]`). Other methods are looked up in the
//! binary and called ([`super::calls`]).

use super::super::place::{Ctx, Place, Typed, MAX_ELEMS};
use super::super::stdtypes::{self, Shape};
use super::super::types::Kind;
use super::super::EvalError;
use super::parse::{Bin, Expr};
use super::value::{read_err, Val};
use super::Ev;

/// The methods computed here, for completion and messages.
pub(super) const STD_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "unwrap",
    "get",
    "contains",
    "contains_key",
    "keys",
    "values",
    "first",
    "last",
    "as_str",
    "iter",
    "count",
    "clone",
    "to_string",
    "to_owned",
    "starts_with",
    "ends_with",
    "abs",
];

/// A collection's elements, as far as the expression needs them.
enum Coll {
    /// Elements of one type, contiguous (arrays, slices, `Vec`).
    Contiguous { elem: Typed, len: u64 },
    /// Elements at scattered places, and how many more there are.
    Items(Vec<Val>, u64),
    /// Map entries, and how many more there are.
    Map(Vec<(Typed, Typed)>, u64),
}

impl Coll {
    fn len(&self) -> u64 {
        match self {
            Coll::Contiguous { len, .. } => *len,
            Coll::Items(v, left) => v.len() as u64 + left,
            Coll::Map(v, left) => v.len() as u64 + left,
        }
    }

    fn at(&self, i: u64) -> Option<Val> {
        match self {
            Coll::Contiguous { elem, len } if i < *len => Some(Val::Place(Typed {
                place: elem.place.at(i.wrapping_mul(elem.ty.size)),
                ..elem.clone()
            })),
            Coll::Items(v, _) => v.get(i as usize).cloned(),
            _ => None,
        }
    }
}

/// The collection behind a value (after auto-deref), if it is one.
fn coll(ev: &Ev, v: &Val) -> Result<Option<Coll>, EvalError> {
    let t = match ev.autoderef(v)? {
        Val::List(items) => return Ok(Some(Coll::Items(items, 0))),
        Val::Place(t) => t,
        _ => return Ok(None),
    };
    let mut ctx = Ctx::new(ev.bin());
    if let Kind::Array {
        elem: Some(e),
        count,
    } = &t.ty.kind
    {
        let Some(elem) = ctx.typed(*e, t.place.clone()) else {
            return Ok(None);
        };
        return Ok(Some(Coll::Contiguous { elem, len: *count }));
    }
    let Some(shape) = stdtypes::shape(&mut ctx, &t) else {
        return Ok(None);
    };
    let mut shape = shape.map_err(|n| read_err(ev, n))?;
    loop {
        return Ok(Some(match shape {
            Shape::Shared(_, inner) => {
                shape = *inner;
                continue;
            }
            Shape::Slice { elem, ptr, len } => Coll::Contiguous {
                elem: Typed {
                    ty: elem.1,
                    tref: elem.0,
                    place: Place::Mem(ptr),
                },
                len,
            },
            Shape::Items { elem, places, left } => Coll::Items(
                places
                    .into_iter()
                    .filter_map(|p| ctx.typed(elem.0, p).map(Val::Place))
                    .collect(),
                left,
            ),
            Shape::Set { items, left } => {
                Coll::Items(items.into_iter().map(Val::Place).collect(), left)
            }
            Shape::Map { entries, left } => Coll::Map(entries, left),
            _ => return Ok(None),
        }));
    }
}

/// `&v`, boxed (what `get`, `first` and `last` return inside `Some`).
fn by_ref(v: Val) -> Box<Val> {
    Box::new(Val::Ref(Box::new(v)))
}

/// Whether an `Option`/`Result` in memory is the variant `name`.
pub(super) fn is_variant(ev: &Ev, v: &Val, name: &str) -> Result<bool, EvalError> {
    match ev.autoderef(v)? {
        Val::Opt(o) => Ok(o.is_none() == (name == "None")),
        Val::Place(t) => Ok(variant(ev, &t, &[])?.0 == name),
        other => Err(no_method(
            &format!("is_{}", name.to_lowercase()),
            &other.type_name(),
        )),
    }
}

/// The active variant of an enum (one of `enums`' if given) and its
/// single field.
fn variant(ev: &Ev, t: &Typed, enums: &[&str]) -> Result<(String, Option<Typed>), EvalError> {
    if !enums.is_empty() && !enums.contains(&t.ty.base()) {
        return Err(EvalError::Unsupported(String::new()));
    }
    let mut ctx = Ctx::new(ev.bin());
    match ctx.variant(t).map_err(|n| read_err(ev, n))? {
        Some((name, v)) => {
            let field = ctx.field(&v, "__0");
            Ok((name, field))
        }
        None => Err(EvalError::Unsupported(String::new())),
    }
}

fn no_method(name: &str, ty: &str) -> EvalError {
    EvalError::NoMethod {
        method: name.to_string(),
        ty: ty.to_string(),
    }
}

fn key_text(ev: &Ev, v: &Val) -> Result<String, EvalError> {
    let v = ev.scalar(v)?;
    Ok(super::super::value::Value {
        type_name: String::new(),
        node: v.node(ev, false),
    }
    .debug())
}

fn lookup(ev: &Ev, entries: &[(Typed, Typed)], key: &Val) -> Result<Option<Typed>, EvalError> {
    let want = key_text(ev, key)?;
    for (k, v) in entries {
        if key_text(ev, &Val::Place(k.clone()))? == want {
            return Ok(Some(v.clone()));
        }
    }
    Ok(None)
}

/// Whether two values are equal, for `contains`: primitives and text.
fn equal(ev: &Ev, a: &Val, b: &Val) -> Result<bool, EvalError> {
    let (x, y) = (ev.scalar(a)?, ev.scalar(b)?);
    if matches!(x, Val::Place(_)) || matches!(y, Val::Place(_)) {
        return Err(EvalError::Unsupported(format!(
            "`contains` of `{}` values (only primitives and text are compared)",
            x.type_name()
        )));
    }
    // Through `==`'s rules (types must agree).
    let lit = |v: Val| {
        Expr::Lit(match v {
            Val::Int(i, t) => super::parse::Lit::Int(i, t),
            Val::Float(f, is32) => super::parse::Lit::Float(f, is32.then(|| "f32".into())),
            Val::Bool(b) => super::parse::Lit::Bool(b),
            Val::Char(c) => super::parse::Lit::Char(c),
            Val::Str(s) => super::parse::Lit::Str(s),
            _ => super::parse::Lit::Bool(false),
        })
    };
    if matches!(x, Val::Unit) {
        return Ok(matches!(y, Val::Unit));
    }
    match super::ops::binary(ev, Bin::Eq, &lit(x), &lit(y))? {
        Val::Bool(b) => Ok(b),
        _ => Ok(false),
    }
}

fn want_args(name: &str, args: &[Expr], n: usize) -> Result<(), EvalError> {
    if args.len() != n {
        return Err(EvalError::Type(format!(
            "`{name}` takes {n} argument{}, {} given",
            if n == 1 { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

/// `recv.name(args)`.
pub(super) fn call(ev: &Ev, recv: &Expr, name: &str, args: &[Expr]) -> Result<Val, EvalError> {
    let v = ev.eval(recv)?;
    call_on(ev, v, name, args)
}

/// `v.name(args)` for an evaluated receiver.
pub(super) fn call_on(ev: &Ev, v: Val, name: &str, args: &[Expr]) -> Result<Val, EvalError> {
    let d = ev.autoderef(&v)?;
    let ty = d.type_name();
    let arity = match name {
        "get" | "contains" | "contains_key" | "starts_with" | "ends_with" => 1,
        _ => 0,
    };
    if STD_METHODS.contains(&name) && name != "clone" && is_std(&d) {
        want_args(name, args, arity)?;
    }
    let std_result = std_method(ev, &v, &d, name, args);
    match std_result {
        Err(EvalError::NoMethod { .. }) if !is_std(&d) => {
            super::calls::call_method(ev, v, name, args)
        }
        r => r.map_err(|e| match e {
            EvalError::Unsupported(s) if s.is_empty() => no_method(name, &ty),
            e => e,
        }),
    }
}

/// Whether a value's type is std's (its methods are computed, not called).
pub(super) fn is_std(v: &Val) -> bool {
    match v {
        Val::Place(t) => {
            let b = t.ty.base();
            b.starts_with("core::")
                || b.starts_with("alloc::")
                || b.starts_with("std::")
                || !b.contains("::")
        }
        _ => true,
    }
}

fn std_method(ev: &Ev, v: &Val, d: &Val, name: &str, args: &[Expr]) -> Result<Val, EvalError> {
    let ty = d.type_name();
    let text = || -> Result<Option<String>, EvalError> {
        match ev.scalar(d)? {
            Val::Str(s) => Ok(Some(s)),
            _ => Ok(None),
        }
    };
    match name {
        // std's `Clone` gives an equal value; the user's is theirs to run.
        "clone" if is_std(d) => Ok(d.clone()),
        // Text as an owned `String` prints as the text.
        "to_string" | "to_owned" => match text()? {
            Some(s) => Ok(Val::Str(s)),
            None => match ev.scalar(d)? {
                v @ (Val::Int(..) | Val::Float(..) | Val::Bool(_) | Val::Char(_))
                    if name == "to_owned" =>
                {
                    Ok(v)
                }
                v @ (Val::Int(..) | Val::Float(..) | Val::Bool(_) | Val::Char(_)) => {
                    // `Display` of a primitive: as `{:?}` prints it except
                    // for `char`, which `Display` shows unquoted.
                    let shown = match &v {
                        Val::Char(c) => c.to_string(),
                        Val::Float(x, true) => (*x as f32).to_string(),
                        Val::Float(x, false) => x.to_string(),
                        Val::Int(i, _) => i.to_string(),
                        Val::Bool(b) => b.to_string(),
                        _ => unreachable!("matched above"),
                    };
                    Ok(Val::Str(shown))
                }
                _ => Err(no_method(name, &ty)),
            },
        },
        "starts_with" | "ends_with" => {
            let Some(s) = text()? else {
                return Err(no_method(name, &ty));
            };
            let x = ev.eval(&args[0])?;
            let hit = match ev.scalar(&x)? {
                Val::Str(p) if name == "starts_with" => s.starts_with(&p),
                Val::Str(p) => s.ends_with(&p),
                Val::Char(c) if name == "starts_with" => s.starts_with(c),
                Val::Char(c) => s.ends_with(c),
                other => {
                    return Err(EvalError::Type(format!(
                        "`str::{name}` takes a `&str` or `char`, found `{}`",
                        other.type_name()
                    )))
                }
            };
            Ok(Val::Bool(hit))
        }
        "abs" => match ev.scalar(d)? {
            Val::Int(i, t) if t.as_deref().is_none_or(|t| t.starts_with('i')) => {
                if let Some((lo, _)) = t.as_deref().and_then(super::value::int_range) {
                    if i == lo {
                        return Err(EvalError::Panic("attempt to negate with overflow".into()));
                    }
                }
                Ok(Val::Int(i.abs(), t))
            }
            Val::Float(x, f) => Ok(Val::Float(x.abs(), f)),
            _ => Err(no_method(name, &ty)),
        },
        "len" | "is_empty" => {
            let n = if let Some(s) = text()? {
                s.len() as u64
            } else if let Val::Range(Some(a), Some(b), incl) = d {
                b.saturating_add(i128::from(*incl))
                    .saturating_sub(*a)
                    .max(0) as u64
            } else {
                coll(ev, d)?.ok_or_else(|| no_method(name, &ty))?.len()
            };
            Ok(if name == "len" {
                Val::Int(n as i128, Some("usize".into()))
            } else {
                Val::Bool(n == 0)
            })
        }
        "is_some" | "is_none" => {
            let want = if name == "is_some" { "Some" } else { "None" };
            option_like(ev, d, &["core::option::Option"], name).map(|(n, _)| Val::Bool(n == want))
        }
        "is_ok" | "is_err" => {
            let want = if name == "is_ok" { "Ok" } else { "Err" };
            option_like(ev, d, &["core::result::Result"], name).map(|(n, _)| Val::Bool(n == want))
        }
        "unwrap" => {
            let (n, inner) = option_like(
                ev,
                d,
                &["core::option::Option", "core::result::Result"],
                name,
            )?;
            match (n.as_str(), inner) {
                ("Some" | "Ok", Some(x)) => Ok(x),
                ("None", _) => Err(EvalError::Panic(
                    "called `Option::unwrap()` on a `None` value".into(),
                )),
                ("Err", Some(e)) => Err(EvalError::Panic(format!(
                    "called `Result::unwrap()` on an `Err` value: {}",
                    key_text(ev, &e)?
                ))),
                _ => Err(no_method(name, &ty)),
            }
        }
        "first" | "last" => {
            let c = coll(ev, d)?.ok_or_else(|| no_method(name, &ty))?;
            if matches!(c, Coll::Map(..)) {
                return Err(no_method(name, &ty));
            }
            let len = c.len();
            let i = if name == "first" {
                0
            } else {
                len.wrapping_sub(1)
            };
            Ok(Val::Opt(if len == 0 { None } else { c.at(i).map(by_ref) }))
        }
        "get" => {
            let key = ev.eval(&args[0])?;
            if let Val::Range(a, b, incl) = ev.scalar(&key)? {
                return Ok(Val::Opt(slice(ev, d, a, b, incl).ok().map(Box::new)));
            }
            if text()?.is_some() {
                return Err(EvalError::Unsupported(
                    "`str::get` with an index (use a range)".into(),
                ));
            }
            match coll(ev, d)?.ok_or_else(|| no_method(name, &ty))? {
                Coll::Map(entries, _) => Ok(Val::Opt(
                    lookup(ev, &entries, &key)?.map(|t| by_ref(Val::Place(t))),
                )),
                c => {
                    let (i, _) = super::ops::int_of(ev, &key, "an index")?;
                    Ok(Val::Opt(if i < 0 {
                        None
                    } else {
                        c.at(i as u64).map(by_ref)
                    }))
                }
            }
        }
        "contains_key" => match coll(ev, d)? {
            Some(Coll::Map(entries, _)) => {
                let key = ev.eval(&args[0])?;
                Ok(Val::Bool(lookup(ev, &entries, &key)?.is_some()))
            }
            _ => Err(no_method(name, &ty)),
        },
        "contains" => {
            let x = ev.eval(&args[0])?;
            if let Some(s) = text()? {
                return match ev.scalar(&x)? {
                    Val::Str(p) => Ok(Val::Bool(s.contains(&p))),
                    Val::Char(c) => Ok(Val::Bool(s.contains(c))),
                    other => Err(EvalError::Type(format!(
                        "`str::contains` takes a `&str` or `char`, found `{}`",
                        other.type_name()
                    ))),
                };
            }
            if let Val::Range(a, b, incl) = d {
                let (i, _) = super::ops::int_of(ev, &x, "`contains`")?;
                let below = match b {
                    Some(b) if *incl => i <= *b,
                    Some(b) => i < *b,
                    None => true,
                };
                return Ok(Val::Bool(a.is_none_or(|a| i >= a) && below));
            }
            let c = coll(ev, d)?.ok_or_else(|| no_method(name, &ty))?;
            if let Coll::Map(..) = c {
                return Err(no_method(name, &ty));
            }
            let n = c.len().min(MAX_ELEMS as u64);
            for i in 0..n {
                if let Some(e) = c.at(i) {
                    if equal(ev, &e, &x)? {
                        return Ok(Val::Bool(true));
                    }
                }
            }
            Ok(Val::Bool(false))
        }
        "keys" | "values" => match coll(ev, d)? {
            Some(Coll::Map(entries, _)) => Ok(Val::List(
                entries
                    .into_iter()
                    .map(|(k, v)| Val::Place(if name == "keys" { k } else { v }))
                    .collect(),
            )),
            _ => Err(no_method(name, &ty)),
        },
        "as_str" => match text()? {
            Some(s) => Ok(Val::Str(s)),
            None => Err(no_method(name, &ty)),
        },
        "iter" => match coll(ev, d)? {
            Some(_) => Ok(Val::Iter(Box::new(v.clone()))),
            None => Err(no_method(name, &ty)),
        },
        "count" => match d {
            Val::Iter(inner) => {
                let n = coll(ev, inner)?.map(|c| c.len()).unwrap_or(0);
                Ok(Val::Int(n as i128, Some("usize".into())))
            }
            _ => Err(no_method(name, &ty)),
        },
        _ => Err(no_method(name, &ty)),
    }
}

/// The variant and field of an `Option`/`Result` (in memory or computed).
fn option_like(
    ev: &Ev,
    d: &Val,
    enums: &[&str],
    name: &str,
) -> Result<(String, Option<Val>), EvalError> {
    match d {
        Val::Opt(None) => Ok(("None".into(), None)),
        Val::Opt(Some(v)) => Ok(("Some".into(), Some((**v).clone()))),
        Val::Place(t) => match variant(ev, t, enums) {
            Ok((n, f)) => Ok((n, f.map(Val::Place))),
            Err(EvalError::Unsupported(s)) if s.is_empty() => Err(no_method(name, &d.type_name())),
            Err(e) => Err(e),
        },
        _ => Err(no_method(name, &d.type_name())),
    }
}

/// `v[a..b]`: the elements, or the text of a `str`/`String`, with Rust's
/// bounds and char-boundary checks.
pub(super) fn slice(
    ev: &Ev,
    v: &Val,
    a: Option<i128>,
    b: Option<i128>,
    incl: bool,
) -> Result<Val, EvalError> {
    let d = ev.autoderef(v)?;
    let text = match ev.scalar(&d)? {
        Val::Str(s) => Some(s),
        _ => None,
    };
    let len = match &text {
        Some(s) => s.len() as i128,
        None => coll(ev, &d)?
            .ok_or_else(|| EvalError::NotIndexable(d.type_name()))?
            .len() as i128,
    };
    let start = a.unwrap_or(0);
    let end = match b {
        Some(b) if incl => b.saturating_add(1),
        Some(b) => b,
        None => len,
    };
    let what = if text.is_some() { "str" } else { "slice" };
    if start < 0 || end < 0 {
        return Err(EvalError::Type("a range index must be a `usize`".into()));
    }
    if start > end {
        return Err(EvalError::Panic(format!(
            "slice index starts at {start} but ends at {end}"
        )));
    }
    if end > len {
        return Err(EvalError::Panic(if what == "str" {
            format!(
                "byte index {end} is out of bounds of `{}`",
                text.unwrap_or_default()
            )
        } else {
            format!("range end index {end} out of range for slice of length {len}")
        }));
    }
    if let Some(s) = text {
        for i in [start, end] {
            if !s.is_char_boundary(i as usize) {
                return Err(EvalError::Panic(format!(
                    "byte index {i} is not a char boundary of `{s}`"
                )));
            }
        }
        return Ok(Val::Str(s[start as usize..end as usize].to_string()));
    }
    let c = coll(ev, &d)?.ok_or_else(|| EvalError::NotIndexable(d.type_name()))?;
    if end - start > MAX_ELEMS as i128 {
        return Err(EvalError::Unsupported(format!(
            "slices of more than {MAX_ELEMS} elements"
        )));
    }
    Ok(Val::List(
        (start..end).filter_map(|i| c.at(i as u64)).collect(),
    ))
}
