//! Trait objects: the concrete type behind a `(pointer, vtable)` pair,
//! found from the `<T as Trait>::{vtable}` global at the vtable's address,
//! whose type carries `DW_AT_containing_type`.

use super::place::{Ctx, Place, Typed};
use super::types::{Kind, TypeRef};
use super::value::Node;

/// Whether a wide pointer points at `dyn Any`, `dyn Any + Send` or
/// `dyn Any + Send + Sync`: by the pointee's name, else the pointer's.
pub(super) fn is_dyn_any(ctx: &Ctx, t: &Typed) -> bool {
    let pointee =
        t.ty.member("pointer")
            .and_then(|m| ctx.bin.ty(m.ty?))
            .and_then(|p| match p.kind {
                Kind::Pointer(Some(r)) => ctx.bin.ty(r),
                _ => None,
            });
    match pointee {
        Some(p) if p.qual.contains("dyn ") => is_dyn_any_name(&p.qual),
        _ => is_dyn_any_name(&t.ty.qual),
    }
}

/// The concrete type of the value a vtable (runtime address) belongs to.
pub(super) fn vtable_type(ctx: &Ctx, vt: u64) -> Option<TypeRef> {
    let svma = vt.wrapping_sub(ctx.bin.bias);
    let cu = ctx.bin.cu_for_data(svma)?;
    let idx = ctx.bin.index(&cu);
    let die = idx.vtables.iter().find(|v| v.0 == svma)?.1;
    let e = ctx.bin.entry(&cu, die)?;
    let vty = ctx
        .bin
        .type_ref(&cu, e.attr_value(gimli::constants::DW_AT_type)?)?;
    ctx.bin.ty(vty)?.strukt()?.containing
}

/// Without a vtable variable (a vtable made in std, whose debug info has
/// none): the type its drop glue (`vtable[0]`) is named after, when that
/// is `String` or std's `StringError(String)` (`Box<dyn Error>` from a
/// string), found in the unit of the trait object's type.
fn by_drop_glue(ctx: &mut Ctx, t: &Typed, vt: u64) -> Option<TypeRef> {
    let drop = ctx.read_uint(&Place::Mem(vt), 8).ok()?;
    let sym = ctx.bin.symbol(drop.wrapping_sub(ctx.bin.bias))?;
    if !drops_a_string(&super::dwarf::demangle(sym)) {
        return None;
    }
    ctx.bin.find_type(t.tref.cu, "alloc::string::String")
}

/// Whether drop glue named `name` drops a `String` or a `StringError`.
fn drops_a_string(name: &str) -> bool {
    // Legacy mangling demangles `drop_in_place<T>`, v0 `drop_in_place::<T>`.
    let Some(inner) = name
        .strip_prefix("core::ptr::drop_in_place")
        .map(|n| n.trim_start_matches("::"))
        .and_then(|n| n.strip_prefix('<')?.strip_suffix('>'))
    else {
        return false;
    };
    inner == "alloc::string::String"
        || (inner.contains("alloc::boxed::Box<dyn core::error::Error")
            && inner.ends_with(">::from::StringError"))
}

/// For `&dyn Trait` / `Box<dyn Trait>` (a `{ pointer, vtable }` struct):
/// the concrete value.
pub(super) fn dyn_target(ctx: &mut Ctx, t: &Typed) -> Result<Option<Typed>, Node> {
    dyn_target_after(ctx, t, 0)
}

/// Like [`dyn_target`] for a pointer to a header of `header` bytes
/// followed by the value (`RcInner<dyn T>`, `ArcInner<dyn T>`): the value
/// sits at the header rounded up to the concrete type's alignment, which
/// the vtable records (`[drop, size, align, ...]`).
pub(super) fn dyn_target_after(
    ctx: &mut Ctx,
    t: &Typed,
    header: u64,
) -> Result<Option<Typed>, Node> {
    let (Some(pf), Some(vf)) = (ctx.field(t, "pointer"), ctx.field(t, "vtable")) else {
        return Ok(None);
    };
    let data = ctx.read_uint(&pf.place, 8)?;
    let vt = ctx.read_uint(&vf.place, 8)?;
    let off = if header == 0 {
        0
    } else {
        let align = ctx.read_uint(&Place::Mem(vt.wrapping_add(16)), 8)?;
        if !align.is_power_of_two() || align > 1 << 16 {
            return Err(Node::Atom(format!("<invalid vtable at {vt:#x}>")));
        }
        header.div_ceil(align) * align
    };
    match vtable_type(ctx, vt).or_else(|| by_drop_glue(ctx, t, vt)) {
        Some(c) => Ok(ctx.typed(c, Place::Mem(data.wrapping_add(off)))),
        None => Err(Node::Atom(format!(
            "<unknown concrete type of {} (vtable {vt:#x})>",
            t.ty.display_name()
        ))),
    }
}

/// Whether the first trait object named in `name` is `dyn core::any::Any`
/// with at most the `Send` and `Sync` markers.
pub(super) fn is_dyn_any_name(name: &str) -> bool {
    let Some(i) = name.find("dyn ") else {
        return false;
    };
    let rest = &name[i + 4..];
    let end = rest.find([')', ',', '>']).unwrap_or(rest.len());
    let mut traits = rest[..end].split(" + ").map(str::trim);
    traits.next() == Some("core::any::Any")
        && traits.all(|t| t == "core::marker::Send" || t == "core::marker::Sync")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_string_drop_glue() {
        assert!(drops_a_string("core::ptr::drop_in_place::<<alloc::boxed::Box<dyn core::error::Error + core::marker::Sync + core::marker::Send> as core::convert::From<alloc::string::String>>::from::StringError>"));
        assert!(drops_a_string(
            "core::ptr::drop_in_place<alloc::string::String>"
        ));
        assert!(!drops_a_string(
            "core::ptr::drop_in_place<alloc::vec::Vec<u8>>"
        ));
        assert!(!drops_a_string("my::StringError"));
    }

    #[test]
    fn recognises_dyn_any() {
        for yes in [
            "alloc::boxed::Box<(dyn core::any::Any + core::marker::Send), alloc::alloc::Global>",
            "&dyn core::any::Any",
            "&(dyn core::any::Any + core::marker::Send + core::marker::Sync)",
            "(dyn core::any::Any + core::marker::Send)",
        ] {
            assert!(is_dyn_any_name(yes), "{yes}");
        }
        for no in [
            "&dyn core::fmt::Debug",
            "alloc::boxed::Box<(dyn core::error::Error + core::marker::Send)>",
            "&(dyn core::any::Any + core::marker::Unpin)",
            "&dyn core::any::AnyThing",
            "alloc::vec::Vec<u8>",
        ] {
            assert!(!is_dyn_any_name(no), "{no}");
        }
    }
}
