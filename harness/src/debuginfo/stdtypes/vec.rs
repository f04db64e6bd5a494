//! Contiguous buffers: `Vec`, `String`, `PathBuf`/`OsString`, `CString`,
//! `VecDeque`, `BinaryHeap`, `vec::IntoIter`, `LinkedList`, and the fat
//! pointers `&str`, `&[T]`, `Box<str>`, `Box<[T]>`.

use super::{Part, Provider, Shape, Text};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Place, Typed, MAX_ELEMS};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &["alloc::vec::Vec"],
        rustc: "1.84..=1.95 (RawVecInner)",
        shape: vec,
    },
    Provider {
        types: &["alloc::string::String"],
        rustc: "1.84..=1.95",
        shape: string,
    },
    Provider {
        types: &["std::path::PathBuf", "std::ffi::os_str::OsString"],
        rustc: "1.84..=1.95",
        shape: os_string,
    },
    Provider {
        types: &["alloc::ffi::c_str::CString"],
        rustc: "1.70..=1.95",
        shape: cstring,
    },
    Provider {
        types: &["alloc::collections::vec_deque::VecDeque"],
        rustc: "1.84..=1.95",
        shape: deque,
    },
    Provider {
        types: &["alloc::collections::binary_heap::BinaryHeap"],
        rustc: "1.84..=1.95",
        shape: heap,
    },
    Provider {
        types: &["alloc::vec::into_iter::IntoIter"],
        rustc: "1.84..=1.95",
        shape: into_iter,
    },
    Provider {
        types: &["alloc::collections::linked_list::LinkedList"],
        rustc: "1.60..=1.95",
        shape: linked_list,
    },
];

/// A `Vec`'s data pointer and length, after its invariants: `len <= cap`
/// (for sized elements), a pointer aligned for the elements, and data that
/// can be read.
fn raw_vec(
    ctx: &mut Ctx,
    v: &Typed,
    (elem_size, align): (u64, u64),
    what: &str,
) -> Result<(u64, u64), Node> {
    let len = ctx.scalar_at(v, &["len"])?;
    let ptr = ctx.scalar(
        &ctx.any_path(v, &[&["buf", "inner", "ptr"], &["buf", "ptr"]])
            .ok_or_else(|| unsupported(&v.ty))?,
    )?;
    let cap = ctx
        .any_path(v, &[&["buf", "inner", "cap"], &["buf", "cap"]])
        .map(|c| ctx.scalar(&c))
        .transpose()?
        .map(|c| c.0);
    if let Some(cap) = cap {
        if elem_size > 0 && len > cap {
            return Err(invalid(what, format!("length {len} > capacity {cap}")));
        }
        if elem_size > 0 && cap.saturating_mul(elem_size) > isize::MAX as u64 {
            return Err(invalid(what, format!("capacity {cap}")));
        }
    }
    if ptr.0 == 0 || (align > 1 && ptr.0 % align != 0) {
        return Err(invalid(
            what,
            format!("data pointer {:#x} for {align}-aligned elements", ptr.0),
        ));
    }
    check_data(ctx, ptr.0, len.saturating_mul(elem_size), what)?;
    Ok((ptr.0, len))
}

/// Data of `bytes` bytes at `ptr` must be readable (its first and last
/// byte): a wild pointer is an invalid value, not an unreadable one.
fn check_data(ctx: &mut Ctx, ptr: u64, bytes: u64, what: &str) -> Result<(), Node> {
    if bytes == 0 {
        return Ok(());
    }
    let last = ptr.wrapping_add(bytes - 1);
    for a in [ptr, last] {
        if ctx.read(&Place::Mem(a), 1).is_err() {
            return Err(invalid(what, format!("data at unreadable address {a:#x}")));
        }
    }
    Ok(())
}

fn vec(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let elem = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
    let (ptr, len) = raw_vec(ctx, t, (elem.1.size, elem.1.align()), "Vec")?;
    Ok(Shape::Slice { elem, ptr, len })
}

fn string(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx.field(t, "vec").ok_or_else(|| unsupported(&t.ty))?;
    let (ptr, len) = raw_vec(ctx, &v, (1, 1), "String")?;
    Ok(Shape::Text {
        ptr,
        len,
        kind: Text::Str,
        what: "String",
    })
}

fn os_string(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    // PathBuf { inner: OsString { inner: Buf { inner: Vec<u8> } } }.
    let mut v = t.clone();
    for _ in 0..4 {
        if v.ty.base() == "alloc::vec::Vec" {
            break;
        }
        v = ctx.field(&v, "inner").ok_or_else(|| unsupported(&t.ty))?;
    }
    let what = if t.ty.base().ends_with("PathBuf") {
        "PathBuf"
    } else {
        "OsString"
    };
    let (ptr, len) = raw_vec(ctx, &v, (1, 1), what)?;
    Ok(Shape::Text {
        ptr,
        len,
        kind: Text::OsStr,
        what,
    })
}

fn cstring(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    // CString { inner: Box<[u8]> } (with its NUL).
    let b = ctx.field(t, "inner").ok_or_else(|| unsupported(&t.ty))?;
    let (ptr, len) = fat_parts(ctx, &b)?;
    if len == 0 {
        return Err(invalid("CString", "no terminating NUL"));
    }
    check_data(ctx, ptr, len, "CString")?;
    Ok(Shape::Text {
        ptr,
        len,
        kind: Text::CStr,
        what: "CString",
    })
}

fn fat_parts(ctx: &mut Ctx, t: &Typed) -> Result<(u64, u64), Node> {
    let len = ctx.scalar_at(t, &["length"])?;
    let ptr = ctx.scalar_at(t, &["data_ptr"])?;
    Ok((ptr, len))
}

/// `&str`, `&[T]`, `Box<str>`, `Box<[T]>`, `&Path`, `&OsStr`.
pub(super) fn fat(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let ty = &t.ty;
    let len = ctx.scalar_at(t, &["length"])?;
    let dp = ctx.field(t, "data_ptr").ok_or_else(|| unsupported(ty))?;
    let (ptr, target) = ctx.scalar(&dp)?;
    if let Some(kind) = text_kind(&ty.name) {
        check_data(ctx, ptr, len, "str")?;
        return Ok(Shape::Text {
            ptr,
            len,
            kind,
            what: "str",
        });
    }
    let elem = target
        .and_then(|e| Some((e, ctx.bin.ty(e)?)))
        .ok_or_else(|| unsupported(ty))?;
    check_data(ctx, ptr, len.saturating_mul(elem.1.size), "slice")?;
    Ok(Shape::Slice { elem, ptr, len })
}

/// Whether a pointer to unsized data (`&str`, `Box<Path>`, `Rc<OsStr>`,
/// named by rustc) points at text, and which.
pub(super) fn text_kind(name: &str) -> Option<Text> {
    let os = ["Path", "OsStr"].iter().any(|t| {
        name.ends_with(&format!("::{t}"))
            || name.contains(&format!("::{t},"))
            || name.contains(&format!("::{t}>"))
    });
    if os {
        return Some(Text::OsStr);
    }
    let s = name == "&str" || name == "&mut str" || name.contains("<str") || name.ends_with(" str");
    s.then_some(Text::Str)
}

/// VecDeque: element `i` at `(head + i) % cap`.
fn deque(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let elem = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
    let head = ctx.scalar_at(t, &["head"])?;
    let len = ctx.scalar_at(t, &["len"])?;
    let cap = ctx.scalar_at(t, &["buf", "inner", "cap"])?;
    let ptr = ctx.scalar_at(t, &["buf", "inner", "ptr"])?;
    let size = elem.1.size;
    if size > 0 && (len > cap || head >= cap.max(1)) {
        return Err(invalid(
            "VecDeque",
            format!("head {head}, length {len}, capacity {cap}"),
        ));
    }
    if size > 0 {
        check_data(
            ctx,
            ptr,
            cap.min(len.max(1)).saturating_mul(size),
            "VecDeque",
        )?;
    }
    let n = len.min(MAX_ELEMS as u64);
    let places = (0..n)
        .map(|i| {
            let idx = if cap == 0 || size == 0 {
                0
            } else {
                (head + i) % cap
            };
            Place::Mem(ptr + idx * size)
        })
        .collect();
    Ok(Shape::Items {
        elem,
        places,
        left: len - n,
    })
}

/// BinaryHeap's Debug lists its `data` Vec in storage order.
fn heap(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx.field(t, "data").ok_or_else(|| unsupported(&t.ty))?;
    vec(ctx, &v)
}

/// `IntoIter([remaining elements])`: from `ptr` to `end` (for zero-sized
/// elements `end - ptr` counts them).
fn into_iter(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let elem = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
    let ptr = ctx.scalar_at(t, &["ptr"])?;
    let end = ctx.scalar_at(t, &["end"])?;
    let cap = ctx.scalar_at(t, &["cap"])?;
    let size = elem.1.size;
    if end < ptr {
        return Err(invalid("IntoIter", format!("end {end:#x} before {ptr:#x}")));
    }
    // For zero-sized elements `end - ptr` counts them.
    let len = (end - ptr).checked_div(size).unwrap_or(end - ptr);
    if size > 0 && len > cap {
        return Err(invalid("IntoIter", format!("{len} left > capacity {cap}")));
    }
    check_data(ctx, ptr, len * size, "IntoIter")?;
    Ok(Shape::Tuple(
        "IntoIter".into(),
        vec![Part::Shape(Box::new(Shape::Slice { elem, ptr, len }))],
    ))
}

/// LinkedList: `head: Option<NonNull<Node>>`, `Node { next, prev, element }`.
fn linked_list(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let len = ctx.scalar_at(t, &["len"])?;
    let head = ctx.field(t, "head").ok_or_else(|| unsupported(&t.ty))?;
    let mut node = match ctx.variant(&head)? {
        Some((name, some)) if name == "Some" => Some(ctx.scalar_at(&some, &["__0"])?),
        _ => None,
    };
    // The node type, from the Option<NonNull<Node<T>>>'s Some variant.
    let node_ty = {
        let some = head
            .ty
            .strukt()
            .and_then(|s| s.variants.as_ref())
            .and_then(|v| v.variants.iter().find(|m| m.1.name == "Some"))
            .and_then(|m| ctx.bin.ty(m.1.ty?));
        let nn = some.and_then(|s| ctx.bin.ty(s.member("__0")?.ty?));
        let ptr = nn.and_then(|n| ctx.bin.ty(n.member("pointer")?.ty?));
        match ptr.map(|p| match p.kind {
            crate::debuginfo::types::Kind::Pointer(Some(r)) => Some(r),
            _ => None,
        }) {
            Some(Some(r)) => ctx.bin.ty(r),
            _ => None,
        }
    };
    let elem = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
    let (next_off, elem_off) = match &node_ty {
        Some(n) => (
            n.member("next").map(|m| m.offset),
            n.member("element").map(|m| m.offset),
        ),
        None => (None, None),
    };
    let (Some(next_off), Some(elem_off)) = (next_off, elem_off) else {
        if len == 0 {
            return Ok(Shape::Items {
                elem,
                places: vec![],
                left: 0,
            });
        }
        return Err(unsupported(&t.ty));
    };
    let mut places = Vec::new();
    let n = len.min(MAX_ELEMS as u64);
    while let Some(p) = node {
        if places.len() as u64 >= n {
            break;
        }
        places.push(Place::Mem(p + elem_off));
        let next = ctx
            .read_uint(&Place::Mem(p + next_off), 8)
            .map_err(|_| invalid("LinkedList", format!("node at unreadable address {p:#x}")))?;
        node = (next != 0).then_some(next);
    }
    if (places.len() as u64) < n {
        return Err(invalid(
            "LinkedList",
            format!("{} nodes for length {len}", places.len()),
        ));
    }
    Ok(Shape::Items {
        elem,
        places,
        left: len - n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_text_pointers_by_name() {
        for (name, want) in [
            ("&str", Some(Text::Str)),
            ("&mut str", Some(Text::Str)),
            (
                "alloc::boxed::Box<str, alloc::alloc::Global>",
                Some(Text::Str),
            ),
            ("alloc::rc::Rc<str, alloc::alloc::Global>", Some(Text::Str)),
            ("&std::path::Path", Some(Text::OsStr)),
            (
                "alloc::boxed::Box<std::path::Path, alloc::alloc::Global>",
                Some(Text::OsStr),
            ),
            (
                "alloc::sync::Arc<std::ffi::os_str::OsStr, alloc::alloc::Global>",
                Some(Text::OsStr),
            ),
            ("&[u8]", None),
            ("&[&str]", None),
            (
                "alloc::boxed::Box<[alloc::string::String], alloc::alloc::Global>",
                None,
            ),
            ("&my::PathLike", None),
        ] {
            assert!(text_kind(name) == want, "{name}");
        }
    }
}
