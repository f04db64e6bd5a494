//! Where std's types keep their data, one provider per family of types.
//!
//! A provider recognises a type by its qualified name and describes its
//! value as a [`Shape`]: elements, entries, text, an inner value, or the
//! exact text of std's hand-written `Debug`. Rendering (`p`) and expression
//! evaluation (`v[1]`, `m["k"]`, auto-deref) both read std's types only
//! through here, so each layout is written once.
//!
//! Layouts change between releases (`RawVecInner`, the `poison` module,
//! `TypeId` as pointer words, `ManuallyDrop` over `MaybeDangling`...). Each
//! provider is tagged with the rustc releases whose layout it reads
//! (`rustc` in [`Provider`]), like the toolchain's own
//! `lib/rustlib/etc/gdb_providers.py`: the upper bound is the toolchain the
//! end-to-end tests verify it on (1.95), the lower bound where that layout
//! appeared as far as std's history tells. Members are looked up by name,
//! with older names as fallbacks, and a layout that does not match reports
//! `<unsupported layout of T (read as rustc ...)>` rather than guessing.

mod btree;
mod cell;
mod hashmap;
mod io;
mod misc;
mod net;
mod rc;
mod sync;
mod vec;

use std::sync::Arc;

use super::place::{unsupported, Ctx, Place, Typed};
use super::types::{Type, TypeRef};
use super::value::Node;

/// What a std value consists of.
pub(super) enum Shape {
    /// `len` elements of `elem` at `ptr`: a list `[..]`.
    Slice {
        elem: (TypeRef, Arc<Type>),
        ptr: u64,
        len: u64,
    },
    /// Elements at the given places (ring buffers, linked lists), with how
    /// many more there are past the element cap.
    Items {
        elem: (TypeRef, Arc<Type>),
        places: Vec<Place>,
        left: u64,
    },
    /// `len` bytes at `ptr` shown as `{:?}` of a `str` (`Text::Str`, which
    /// must be UTF-8), of an `OsStr` or of a `CStr`.
    Text {
        ptr: u64,
        len: u64,
        kind: Text,
        what: &'static str,
    },
    /// Map entries in iteration order.
    Map {
        entries: Vec<(Typed, Typed)>,
        left: u64,
    },
    /// Set items in iteration order.
    Set { items: Vec<Typed>, left: u64 },
    /// Shown as the value it holds (`Box`, `Pin`, `Ref`, `Cow`...).
    Inner(Typed),
    /// A shared allocation (`Rc`, `Arc`) at an address: cycles stop there.
    Shared(u64, Box<Shape>),
    /// `Name(a, b)`.
    Tuple(String, Vec<Part>),
    /// `Name { k: v }`, ending in `..` when `non_exhaustive`.
    Struct {
        name: String,
        fields: Vec<(String, Part)>,
        non_exhaustive: bool,
    },
    /// Parts printed one after the other (`3..7`).
    Concat(Vec<Part>),
    /// Text printed as is (`1.5s`, `192.168.0.1`).
    Atom(String),
    /// A value std formats here, from what was read: `{:?}` and `{:#?}`.
    Formatted { compact: String, pretty: String },
}

impl Shape {
    /// `{:?}` and `{:#?}` of a value built in this process from the bytes
    /// read (an OS error from its code, an address from its octets).
    pub fn formatted(v: &dyn std::fmt::Debug) -> Shape {
        Shape::Formatted {
            compact: format!("{v:?}"),
            pretty: format!("{v:#?}"),
        }
    }
}

/// A piece of a [`Shape`]: a value to render, fixed text, or a shape.
pub(super) enum Part {
    Value(Typed),
    Atom(String),
    Shape(Box<Shape>),
}

/// How [`Shape::Text`] bytes are shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Text {
    Str,
    OsStr,
    CStr,
}

/// Reads one family of std types.
pub(super) struct Provider {
    /// Qualified names without generic arguments.
    pub types: &'static [&'static str],
    /// The rustc releases whose layout this reads (verified on the last).
    pub rustc: &'static str,
    pub shape: fn(&mut Ctx, &Typed) -> Result<Shape, Node>,
}

/// Every provider, chosen by the type's qualified name.
pub(super) static PROVIDERS: &[&[Provider]] = &[
    vec::PROVIDERS,
    hashmap::PROVIDERS,
    btree::PROVIDERS,
    rc::PROVIDERS,
    cell::PROVIDERS,
    sync::PROVIDERS,
    misc::PROVIDERS,
    net::PROVIDERS,
    io::PROVIDERS,
];

/// The provider of a type's base name (`alloc::vec::Vec`), if std has one.
pub(super) fn provider(base: &str) -> Option<&'static Provider> {
    if let Some(p) = sync::atomic_provider(base) {
        return Some(p);
    }
    // `StringError` is declared inside `From::from`, under a path with
    // `{impl#N}` in it.
    let base = if base.starts_with("alloc::") && base.ends_with("::from::StringError") {
        "alloc::StringError"
    } else {
        base
    };
    PROVIDERS
        .iter()
        .flat_map(|g| g.iter())
        .find(|p| p.types.contains(&base))
}

/// The shape of a std value, or `None` when std has no provider for it.
/// Fat pointers (`&str`, `&[T]`, `Box<[T]>`) are recognised by layout.
pub(super) fn shape(ctx: &mut Ctx, t: &Typed) -> Option<Result<Shape, Node>> {
    if t.ty.member("data_ptr").is_some() && t.ty.member("length").is_some() {
        if t.ty.name.starts_with('*') {
            return None;
        }
        return Some(vec::fat(ctx, t));
    }
    let p = provider(t.ty.base())?;
    Some((p.shape)(ctx, t).map_err(|e| match e {
        // A layout this provider does not know: say which it reads.
        Node::Atom(s) if s.starts_with("<unsupported type ") => Node::Atom(format!(
            "<unsupported layout of {} (read as rustc {})>",
            t.ty.display_name(),
            p.rustc
        )),
        e => e,
    }))
}

/// A `Part` for a member of `t`.
pub(super) fn member(ctx: &Ctx, t: &Typed, name: &str) -> Result<Part, Node> {
    ctx.field(t, name)
        .map(Part::Value)
        .ok_or_else(|| unsupported(&t.ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_names_its_types_and_versions_once() {
        let mut seen = std::collections::HashSet::new();
        for p in PROVIDERS.iter().flat_map(|g| g.iter()) {
            assert!(!p.types.is_empty() && p.rustc.starts_with("1."));
            for t in p.types {
                assert!(seen.insert(*t), "{t} has two providers");
                assert!(!t.contains('<'), "{t}");
            }
        }
        assert!(provider("alloc::vec::Vec").is_some());
        assert!(provider("core::sync::atomic::AtomicBool").is_some());
        assert!(provider("my_crate::Vec").is_none());
    }
}
