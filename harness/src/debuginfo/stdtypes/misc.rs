//! `core`'s small hand-written `Debug`s: ranges, `Wrapping`, `NonZero`,
//! `PhantomData`, `MaybeUninit`, `Pin`, `Cow`, `Duration`, `Instant`,
//! `SystemTime`, `TypeId`, and the `StringError` behind
//! `Box<dyn Error>::from("...")`.

use super::{member, Part, Provider, Shape};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Typed};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &[
            "core::ops::range::Range",
            "core::ops::range::RangeFrom",
            "core::ops::range::RangeTo",
            "core::ops::range::RangeToInclusive",
            "core::ops::range::RangeFull",
            "core::ops::range::RangeInclusive",
        ],
        rustc: "1.26..=1.95",
        shape: range,
    },
    Provider {
        types: &[
            "core::num::wrapping::Wrapping",
            "core::num::saturating::Saturating",
            "core::num::nonzero::NonZero",
        ],
        rustc: "1.79..=1.95 (NonZero<T>)",
        shape: transparent,
    },
    Provider {
        types: &["core::marker::PhantomData"],
        rustc: "1.0..=1.95",
        shape: phantom,
    },
    Provider {
        types: &["core::mem::maybe_uninit::MaybeUninit"],
        rustc: "1.79..=1.95",
        shape: maybe_uninit,
    },
    Provider {
        types: &["core::pin::Pin"],
        rustc: "1.33..=1.95",
        shape: pin,
    },
    Provider {
        types: &["alloc::borrow::Cow"],
        rustc: "1.0..=1.95",
        shape: cow,
    },
    Provider {
        types: &["core::time::Duration"],
        rustc: "1.78..=1.95 (nanos: Nanoseconds)",
        shape: duration,
    },
    Provider {
        types: &["std::time::Instant", "std::time::SystemTime"],
        rustc: "1.70..=1.95 (unix Timespec)",
        shape: timespec,
    },
    Provider {
        types: &["core::any::TypeId"],
        rustc: "1.91..=1.95 (data: [*const (); 2])",
        shape: type_id,
    },
    Provider {
        // Declared inside a function: see `provider`.
        types: &["alloc::StringError"],
        rustc: "1.0..=1.95",
        shape: transparent,
    },
];

/// `3..7`, `1..=5` (`1..=5 (exhausted)` once iterated past), `4..`,
/// `..9`, `..=9`, `..`: the bounds as `{:?}` with the operator between.
fn range(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let base = t.ty.base();
    let kind = base.rsplit("::").next().unwrap_or_default();
    let mut parts = Vec::new();
    if ctx.field(t, "start").is_some() {
        parts.push(member(ctx, t, "start")?);
    }
    parts.push(Part::Atom(
        if kind.ends_with("Inclusive") {
            "..="
        } else {
            ".."
        }
        .into(),
    ));
    if ctx.field(t, "end").is_some() {
        parts.push(member(ctx, t, "end")?);
    }
    if kind == "RangeInclusive" {
        if let Some(e) = ctx.field(t, "exhausted") {
            if ctx.read_uint(&e.place, 1)? != 0 {
                parts.push(Part::Atom(" (exhausted)".into()));
            }
        }
    }
    Ok(Shape::Concat(parts))
}

/// Types whose Debug is their one field's (`Wrapping(5)` prints `5`).
fn transparent(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = if t.ty.base().ends_with("NonZero") {
        ctx.innermost(t)
    } else {
        ctx.field(t, "__0").ok_or_else(|| unsupported(&t.ty))?
    };
    Ok(Shape::Inner(v))
}

/// `PhantomData<T>` with `T` as `type_name` writes it.
fn phantom(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let p = ctx
        .param(t, "T")
        .map(|p| p.1.display_name())
        .unwrap_or_default();
    Ok(Shape::Atom(format!("PhantomData<{p}>")))
}

/// `MaybeUninit<T>`: the type's name from `MaybeUninit` on, never the
/// (perhaps uninitialised) value.
fn maybe_uninit(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let p = ctx
        .param(t, "T")
        .map(|p| p.1.display_name())
        .unwrap_or_default();
    Ok(Shape::Atom(format!("MaybeUninit<{p}>")))
}

/// `Pin<P>` prints its pointer, which prints what it points at.
fn pin(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let p = ctx.field(t, "pointer").ok_or_else(|| unsupported(&t.ty))?;
    Ok(Shape::Inner(p))
}

/// `Cow` prints the borrowed or owned value itself.
fn cow(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let (_, v) = ctx.variant(t)?.ok_or_else(|| unsupported(&t.ty))?;
    Ok(Shape::Inner(
        ctx.field(&v, "__0").ok_or_else(|| unsupported(&t.ty))?,
    ))
}

/// `1.5s`, `2.25ms`, `0ns`: std's own formatting of the same duration.
fn duration(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let secs = ctx.scalar_at(t, &["secs"])?;
    let nanos = ctx.scalar_at(t, &["nanos"])?;
    if nanos >= 1_000_000_000 {
        return Err(invalid("Duration", format!("{nanos} nanoseconds")));
    }
    Ok(Shape::formatted(&std::time::Duration::new(
        secs,
        nanos as u32,
    )))
}

/// `Instant { tv_sec: 319, tv_nsec: 808938087 }` (and `SystemTime`):
/// `Instant(Instant { t: Timespec { tv_sec, tv_nsec: Nanoseconds } })`.
fn timespec(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let name =
        t.ty.base()
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_string();
    let ts = ctx
        .any_path(t, &[&["__0", "t"], &["t"]])
        .ok_or_else(|| unsupported(&t.ty))?;
    let sec = ctx.field(&ts, "tv_sec").ok_or_else(|| unsupported(&t.ty))?;
    let nsec = ctx
        .field(&ts, "tv_nsec")
        .ok_or_else(|| unsupported(&t.ty))?;
    let nsec = ctx.innermost(&nsec);
    Ok(Shape::Struct {
        name,
        fields: vec![
            ("tv_sec".into(), Part::Value(sec)),
            ("tv_nsec".into(), Part::Value(nsec)),
        ],
        non_exhaustive: false,
    })
}

/// `TypeId(0x...)`: its 128 bits as `{:#034x}`.
fn type_id(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    if t.ty.size != 16 {
        return Err(unsupported(&t.ty));
    }
    let b = ctx.read(&t.place, 16)?;
    let mut w = [0u8; 16];
    w.copy_from_slice(&b);
    Ok(Shape::Atom(format!(
        "TypeId({:#034x})",
        u128::from_le_bytes(w)
    )))
}
