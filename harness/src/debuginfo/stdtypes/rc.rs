//! `Rc`, `Arc` and their `Weak`s: `ptr: NonNull<RcInner<T>>` to
//! `{ strong, weak, value }` (`ArcInner { strong, weak, data }`); for
//! unsized `T` the pointer is fat: `(data_ptr, length)` for `str`/`[T]`,
//! `(pointer, vtable)` for `dyn Trait`.

use super::{Provider, Shape};
use crate::debuginfo::dyns;
use crate::debuginfo::place::{unsupported, Ctx, Place, Typed};
use crate::debuginfo::types::Kind;
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &["alloc::rc::Rc", "alloc::sync::Arc"],
        rustc: "1.80..=1.95 (RcInner since 1.83, RcBox before)",
        shape: rc,
    },
    Provider {
        types: &["alloc::rc::Weak", "alloc::sync::Weak"],
        rustc: "1.0..=1.95",
        shape: weak,
    },
];

/// `Rc`'s and `Arc`'s header before the value: the two counts.
const HEADER: u64 = 16;

fn rc(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let ty = &t.ty;
    let nn = ctx.field(t, "ptr").ok_or_else(|| unsupported(ty))?;
    let ptr = ctx.field(&nn, "pointer").unwrap_or(nn);
    let value = |inner: &crate::debuginfo::types::Type| {
        inner
            .member("value")
            .or_else(|| inner.member("data"))
            .cloned()
    };
    // Unsized: str, [T], dyn Trait.
    if ptr.ty.member("vtable").is_some() {
        let addr = ctx.scalar_at(&ptr, &["pointer"])?;
        return match dyns::dyn_target_after(ctx, &ptr, HEADER)? {
            Some(v) => Ok(Shape::Shared(addr, Box::new(Shape::Inner(v)))),
            None => Err(unsupported(ty)),
        };
    }
    if let Some(dp) = ctx.field(&ptr, "data_ptr") {
        let len = ctx.scalar_at(&ptr, &["length"])?;
        let (addr, inner) = ctx.scalar(&dp)?;
        let inner = inner
            .and_then(|r| ctx.bin.ty(r))
            .ok_or_else(|| unsupported(ty))?;
        let m = value(&inner).ok_or_else(|| unsupported(ty))?;
        let vty = m.ty.and_then(|r| ctx.bin.ty(r));
        let data = addr + m.offset.max(HEADER);
        // The value member is typed as the element (`u8` for `str`).
        let shape = if let Some(kind) = super::vec::text_kind(&ty.name) {
            Shape::Text {
                ptr: data,
                len,
                kind,
                what: "str",
            }
        } else {
            let elem = match vty.as_deref().map(|v| &v.kind) {
                Some(Kind::Array { elem: Some(e), .. }) => *e,
                _ => m.ty.ok_or_else(|| unsupported(ty))?,
            };
            Shape::Slice {
                elem: (elem, ctx.bin.ty(elem).ok_or_else(|| unsupported(ty))?),
                ptr: data,
                len,
            }
        };
        return Ok(Shape::Shared(addr, Box::new(shape)));
    }
    let (addr, target) = ctx.scalar(&ptr)?;
    let inner = target
        .and_then(|r| ctx.typed(r, Place::Mem(addr)))
        .ok_or_else(|| unsupported(ty))?;
    let m = value(&inner.ty).ok_or_else(|| unsupported(ty))?;
    let v = ctx.member_of(&inner, &m).ok_or_else(|| unsupported(ty))?;
    Ok(Shape::Shared(addr, Box::new(Shape::Inner(v))))
}

fn weak(_: &mut Ctx, _: &Typed) -> Result<Shape, Node> {
    Ok(Shape::Atom("(Weak)".into()))
}
