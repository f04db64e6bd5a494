//! `core::cell`: `Cell`, `RefCell` and its `Ref`/`RefMut` guards,
//! `UnsafeCell`, `OnceCell`, with the text of their hand-written `Debug`.

use super::{Part, Provider, Shape};
use crate::debuginfo::place::{unsupported, Ctx, Typed};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &["core::cell::Cell"],
        rustc: "1.0..=1.95",
        shape: cell,
    },
    Provider {
        types: &["core::cell::RefCell"],
        rustc: "1.0..=1.95",
        shape: refcell,
    },
    Provider {
        types: &["core::cell::Ref", "core::cell::RefMut"],
        rustc: "1.60..=1.95 (value: NonNull<T>)",
        shape: guard,
    },
    Provider {
        types: &["core::cell::UnsafeCell", "core::cell::SyncUnsafeCell"],
        rustc: "1.0..=1.95",
        shape: unsafe_cell,
    },
    Provider {
        types: &["core::cell::once::OnceCell"],
        rustc: "1.70..=1.95",
        shape: once_cell,
    },
    Provider {
        types: &["core::cell::lazy::LazyCell"],
        rustc: "1.80..=1.95 (state: UnsafeCell<State<T, F>>)",
        shape: lazy_cell,
    },
];

/// `Cell { value: .. }`.
fn cell(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx
        .path(t, &["value", "value"])
        .ok_or_else(|| unsupported(&t.ty))?;
    Ok(Shape::Struct {
        name: "Cell".into(),
        fields: vec![("value".into(), Part::Value(v))],
        non_exhaustive: false,
    })
}

/// `RefCell { value: .. }`, `<borrowed>` while mutably borrowed (the
/// borrow flag is negative).
fn refcell(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx
        .path(t, &["value", "value"])
        .ok_or_else(|| unsupported(&t.ty))?;
    let flag = ctx.path(t, &["borrow", "value", "value"]);
    let borrowed = match flag {
        Some(f) => (ctx.read_uint(&f.place, 8)? as i64) < 0,
        None => false,
    };
    let value = if borrowed {
        Part::Atom("<borrowed>".into())
    } else {
        Part::Value(v)
    };
    Ok(Shape::Struct {
        name: "RefCell".into(),
        fields: vec![("value".into(), value)],
        non_exhaustive: false,
    })
}

/// `Ref` and `RefMut` print the value they point at.
fn guard(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx.field(t, "value").ok_or_else(|| unsupported(&t.ty))?;
    let p = ctx.field(&v, "pointer").unwrap_or(v);
    match ctx.deref(&p)? {
        Some(inner) => Ok(Shape::Inner(inner)),
        None => Err(unsupported(&t.ty)),
    }
}

fn unsafe_cell(_: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let name = t.ty.base().rsplit("::").next().unwrap_or("UnsafeCell");
    Ok(Shape::Struct {
        name: name.into(),
        fields: vec![],
        non_exhaustive: true,
    })
}

/// `OnceCell(value)` or `OnceCell(<uninit>)`: `inner: UnsafeCell<Option<T>>`.
fn once_cell(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let opt = ctx
        .path(t, &["inner", "value"])
        .ok_or_else(|| unsupported(&t.ty))?;
    let part = match ctx.variant(&opt)? {
        Some((name, some)) if name == "Some" => {
            Part::Value(ctx.field(&some, "__0").ok_or_else(|| unsupported(&t.ty))?)
        }
        Some(_) => Part::Atom("<uninit>".into()),
        None => return Err(unsupported(&t.ty)),
    };
    Ok(Shape::Tuple("OnceCell".into(), vec![part]))
}

/// `LazyCell(value)` once forced, `LazyCell(<uninit>)` before: the
/// `Init` variant of `state: UnsafeCell<State<T, F>>`.
fn lazy_cell(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let state = ctx
        .path(t, &["state", "value"])
        .ok_or_else(|| unsupported(&t.ty))?;
    let part = match ctx.variant(&state)? {
        Some((name, init)) if name == "Init" => {
            Part::Value(ctx.field(&init, "__0").ok_or_else(|| unsupported(&t.ty))?)
        }
        Some(_) => Part::Atom("<uninit>".into()),
        None => return Err(unsupported(&t.ty)),
    };
    Ok(Shape::Tuple("LazyCell".into(), vec![part]))
}
