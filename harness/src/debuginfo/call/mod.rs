//! Calling functions of the binary on the frame's values, isolated: today a
//! value's own `<T as Debug>::fmt`, so that `p`/`pp` print exactly what
//! `{:?}`/`{:#?}` print (a hand-written impl that hides a field included);
//! the pieces are meant for calls in expressions too.
//!
//! - [`functions_containing`] finds functions by (part of) their mangled
//!   name in the symbol table (`Debug`, or `9transform` for `transform`),
//!   without demangling the whole table.
//! - [`self_param`] reads a function's `self` parameter from its DWARF,
//!   which tells the instantiations of a generic impl apart (legacy symbol
//!   names say `Pair<A,B>` for all of them).
//! - [`parameters`] lists any function's parameters with their DWARF
//!   types (to check `p transform(&rows[1], &config)` before calling).
//! - [`crate::isolate::run`] runs the call in a forked child with a
//!   deadline; whatever goes wrong there, the caller falls back.
//!   [`debug_fmt_of`] finds the impl to format what a call returned.
//!
//! A call from an expression would: find `transform` with
//! [`functions_containing`]`(bin, b"9transform")` (legacy and v0 names
//! both spell a path segment as its length and text), check its
//! [`parameters`] against the values' types, and inside [`isolate::run`]
//! transmute the address to the matching `fn` type (thin pointers for
//! `&T`; two halves for `&[T]`/`&str`), call it, and write the result
//! through its own `Debug` (a `Trampoline` as below).
//!
//! Which impl is called for a value of type `T`: the one whose `self` is
//! `&T` by DWARF (same qualified name, size and fields), else one whose
//! demangled name names `T` exactly (v0 symbols, and non-generic impls of
//! code without DWARF, when unique). `{:?}` of `&T`, `Box<T>`, `Rc<T>`,
//! `Arc<T>`, `&dyn Trait` and `Box<dyn Trait>` is the pointee's, so those
//! are followed when their own impl is absent; `&[E]` and `Box<[E]>` call
//! `<[E] as Debug>::fmt` with the fat pointer's two halves. Other unsized
//! types (`str`, `dyn`) are not called; primitives keep the memory reader,
//! which prints them exactly. Impls that only exist inlined, or were never
//! instantiated (a derived `Debug` nothing formats is not linked at
//! opt-level 0), are absent: the memory reader renders the value.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use super::dwarf::Binary;
use super::place::{Ctx, Place, Typed};
use super::types::{base_name, Kind, Type};
use super::value::Node;
use crate::isolate::{self, IsolateError, Limits};

mod params;
mod symbols;

pub(super) use params::*;
pub(super) use symbols::*;

/// What a found impl must take as `self`.
enum Want<'a> {
    /// `&T` for a sized `T`.
    Sized(&'a Type),
    /// `&[E]`: `E`.
    Slice(&'a Type),
}

impl Want<'_> {
    /// The self type as a demangled impl names it: `T`, `[E]`.
    fn name(&self) -> String {
        match self {
            Want::Sized(t) => t.qual.clone(),
            Want::Slice(e) => format!("[{}]", e.qual),
        }
    }

    fn matches(&self, bin: &Binary, p: &SelfParam) -> bool {
        match (self, p) {
            (Want::Sized(t), SelfParam::Thin(st)) => same_type(st, t),
            (Want::Slice(e), SelfParam::Fat(ft)) => {
                slice_elem_type(bin, ft).is_some_and(|fe| same_type(&fe, e))
            }
            _ => false,
        }
    }
}

/// Whether two DWARF types are the same type: same qualified name, size
/// and fields (two versions of one crate can share a type's path).
fn same_type(a: &Type, b: &Type) -> bool {
    if a.qual != b.qual || a.size != b.size {
        return false;
    }
    match (a.strukt(), b.strukt()) {
        (Some(x), Some(y)) => {
            x.members.len() == y.members.len()
                && x.members
                    .iter()
                    .zip(&y.members)
                    .all(|(m, n)| m.name == n.name && m.offset == n.offset)
        }
        _ => true,
    }
}

/// The index key of a self type: its path without generic arguments
/// (`alloc::vec::Vec`), or its shape where the impl is generic over the
/// whole type: `[T]`, `[T; N]`, `(2)` for pairs (legacy names say
/// `<(U,T) as Debug>`, DWARF says `(i32, &str)`).
fn shape_key(name: &str) -> String {
    if let Some(inner) = name.strip_prefix('[') {
        return if top_level(inner).any(|c| c == ';') {
            "[T; N]".into()
        } else {
            "[T]".into()
        };
    }
    if let Some(inner) = name.strip_prefix('(').and_then(|n| n.strip_suffix(')')) {
        if inner.trim().is_empty() {
            return "()".into();
        }
        let commas = top_level(inner).filter(|&c| c == ',').count();
        let trailing = inner.trim_end().ends_with(',');
        return format!("({})", commas + usize::from(!trailing));
    }
    base_name(name).to_string()
}

/// The characters of `s` outside any `<>`, `[]` or `()`.
fn top_level(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut depth = 0i32;
    s.chars().filter(move |&c| {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth -= 1,
            _ => return depth == 0,
        }
        false
    })
}

fn same_name(a: &str, b: &str) -> bool {
    a.chars()
        .filter(|c| !c.is_whitespace())
        .eq(b.chars().filter(|c| !c.is_whitespace()))
}

/// Types that are not `Sized`: their `fmt` takes a fat `&T`.
fn unsized_name(qual: &str) -> bool {
    qual == "str"
        || qual.starts_with("dyn ")
        || (qual.starts_with('[') && !qual.contains(';'))
        || qual.ends_with("::Path")
        || qual.ends_with("::OsStr")
        || qual.ends_with("::CStr")
}

/// The binary's `<T as core::fmt::Debug>::fmt` functions, by the
/// [`shape_key`] of `T`, and what was found for each type asked.
///
/// Demangling is the slow part (tens of microseconds a name when autopsy
/// is built at opt-level 0), so names are demangled when a key is first
/// asked for, and only those whose mangled form contains the key's last
/// path segment (`Secret`, `Vec`: legacy and v0 names both spell it out).
struct DebugImpls {
    /// Mangled names that mention `Debug`, with their addresses.
    raw: Vec<(&'static [u8], u64)>,
    /// Demangled impls by [`shape_key`], filled as keys are asked for.
    by_key: Mutex<HashMap<String, Arc<Impls>>>,
    /// Every impl, demangled (for shapes: `[T]`, `(2)`, primitives).
    all: OnceLock<Impls>,
    found: Mutex<HashMap<String, Option<u64>>>,
}

/// Impls as `(self type as the demangled name spells it, function)`.
type Impls = Vec<(String, Function)>;

/// `T` of a demangled `<T as core::fmt::Debug>::fmt`, or of
/// `path::<impl core::fmt::Debug for T>::fmt` (how legacy names spell some
/// impls in core: arrays, integers).
fn debug_self_type(name: &str) -> Option<&str> {
    if let Some(t) = name
        .strip_prefix('<')
        .and_then(|n| n.strip_suffix(" as core::fmt::Debug>::fmt"))
    {
        return Some(t);
    }
    let (_, rest) = name.split_once("::<impl core::fmt::Debug for ")?;
    rest.strip_suffix(">::fmt")
}

impl DebugImpls {
    fn get(bin: &Binary) -> &'static DebugImpls {
        // One binary per process: `/proc/self/exe`.
        static IMPLS: OnceLock<DebugImpls> = OnceLock::new();
        IMPLS.get_or_init(|| DebugImpls {
            raw: symbols_containing(bin, b"Debug"),
            by_key: Mutex::new(HashMap::new()),
            all: OnceLock::new(),
            found: Mutex::new(HashMap::new()),
        })
    }

    /// The impls whose self type has [`shape_key`] `key`, as `(self type,
    /// function)`.
    fn candidates(&self, key: &str) -> Arc<Impls> {
        if let Some(c) = self.by_key.lock().ok().and_then(|m| m.get(key).cloned()) {
            return c;
        }
        let parse = |name: &[u8], addr: u64| {
            let f = demangled(name, addr)?;
            let ty = debug_self_type(&f.name)?.to_string();
            Some((ty, f))
        };
        let found: Impls = match key.rsplit_once("::") {
            Some((_, segment)) => self
                .raw
                .iter()
                .filter(|(name, _)| contains(name, segment.as_bytes()))
                .filter_map(|&(name, addr)| parse(name, addr))
                .filter(|(ty, _)| shape_key(ty) == key)
                .collect(),
            None => self
                .all
                .get_or_init(|| {
                    self.raw
                        .iter()
                        .filter_map(|&(name, addr)| parse(name, addr))
                        .collect()
                })
                .iter()
                .filter(|(ty, _)| shape_key(ty) == key)
                .cloned()
                .collect(),
        };
        let found = Arc::new(found);
        if let Ok(mut m) = self.by_key.lock() {
            m.insert(key.to_string(), found.clone());
        }
        found
    }

    /// The link-time address of the `Debug::fmt` taking `want`, if the
    /// binary has it.
    fn find(&self, bin: &Binary, want: &Want) -> Option<u64> {
        let key = match want {
            Want::Sized(t) => t.qual.clone(),
            Want::Slice(_) => format!("&{}", want.name()),
        };
        if let Some(hit) = self.found.lock().ok()?.get(&key) {
            return *hit;
        }
        let hit = self.search(bin, want);
        if let Ok(mut m) = self.found.lock() {
            m.insert(key, hit);
        }
        hit
    }

    fn search(&self, bin: &Binary, want: &Want) -> Option<u64> {
        let name = want.name();
        if matches!(want, Want::Sized(_)) && unsized_name(&name) {
            return None;
        }
        let candidates = self.candidates(&shape_key(&name));
        let mut by_name = Vec::new();
        for (cand, f) in candidates.iter() {
            let exact = same_name(cand, &name);
            if f.v0 && !exact {
                // Another instantiation, spelled out.
                continue;
            }
            match self_param(bin, f.addr) {
                Some(p) if want.matches(bin, &p) => return Some(f.addr),
                Some(_) => {}
                None if exact => by_name.push(f),
                None => {}
            }
        }
        // Without DWARF to check: a v0 name spells the type out in full;
        // a legacy name is trusted when no other function has it (two
        // versions of one crate would both).
        match by_name.as_slice() {
            [f] => Some(f.addr),
            [f, ..] if by_name.iter().all(|g| g.v0) => Some(f.addr),
            _ => None,
        }
    }
}

/// Where the value the impl is called on lives.
#[derive(Debug, Clone, PartialEq)]
enum ValuePtr {
    /// In the process's memory (the same address in the forked child).
    Addr(u64),
    /// Only in bytes DWARF gave us (a register value): a 16-aligned copy.
    Copy(Vec<u128>),
}

impl ValuePtr {
    fn of(t: &Typed) -> Option<ValuePtr> {
        match &t.place {
            Place::Mem(a) if *a != 0 => Some(ValuePtr::Addr(*a)),
            Place::Mem(_) => None,
            Place::Buf { addr: Some(a), .. } => Some(ValuePtr::Addr(*a)),
            Place::Buf {
                data,
                off,
                addr: None,
            } => {
                let size = usize::try_from(t.ty.size).ok()?;
                let bytes = data.get(*off..off.checked_add(size)?)?;
                let mut words = vec![0u128; size.div_ceil(16).max(1)];
                // SAFETY: `words` holds at least `size` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        bytes.as_ptr(),
                        words.as_mut_ptr().cast::<u8>(),
                        size,
                    );
                }
                Some(ValuePtr::Copy(words))
            }
        }
    }

    fn ptr(&self) -> *const u8 {
        match self {
            ValuePtr::Addr(a) => *a as usize as *const u8,
            ValuePtr::Copy(words) => words.as_ptr().cast(),
        }
    }
}

/// A call of a found `Debug::fmt`: the function and its `self`.
#[derive(Debug, Clone, PartialEq)]
struct Callee {
    /// Runtime address of `<T as Debug>::fmt`.
    fmt: usize,
    value: ValuePtr,
    /// For `[E]`: the slice's length (`self` is then a fat `&[E]`).
    len: Option<usize>,
}

/// A value rendered by its own `Debug` impl, called when its text is first
/// needed (`p` needs `{:?}` only, `pp` `{:#?}` only); `fallback` is what
/// the memory reader made of it, shown if the call fails.
pub(super) struct OwnDebug {
    callee: Callee,
    pub fallback: Node,
    /// `{:?}` and `{:#?}`, once called (`None`: the call failed).
    texts: [OnceLock<Option<String>>; 2],
}

impl OwnDebug {
    /// `{:#?}` when `pretty`, else `{:?}`; `None` when the call failed.
    pub fn text(&self, pretty: bool) -> Option<&str> {
        self.texts[usize::from(pretty)]
            .get_or_init(|| call_debug(&self.callee, pretty, Limits::from_env()).ok())
            .as_deref()
    }
}

impl fmt::Debug for OwnDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnDebug")
            .field("callee", &self.callee)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

impl PartialEq for OwnDebug {
    fn eq(&self, other: &Self) -> bool {
        self.callee == other.callee && self.fallback == other.fallback
    }
}

/// `<T as Debug>::fmt` for sized `T`: `self` is a thin pointer.
type FmtFn = for<'a, 'b> fn(*const u8, &'a mut fmt::Formatter<'b>) -> fmt::Result;
/// `<[E] as Debug>::fmt`: `self` is a fat pointer, passed as its two
/// halves (Rust's ABI passes a scalar pair as two arguments).
type SliceFmtFn = for<'a, 'b> fn(*const u8, usize, &'a mut fmt::Formatter<'b>) -> fmt::Result;

/// Hands `{:?}`'s own Formatter (flags included) to the found function.
struct Trampoline<'a>(&'a Callee);

impl fmt::Debug for Trampoline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        // SAFETY: `c.fmt` is the address of `<T as Debug>::fmt` whose
        // `self` is `&T` for a sized `T` (thin), or `&[E]` when `len` is
        // set (checked by DWARF or by the impl's name); `c.value` points at
        // the value. This only runs in the isolated child: if either is
        // wrong, the child crashes and the caller falls back.
        unsafe {
            match c.len {
                None => std::mem::transmute::<usize, FmtFn>(c.fmt)(c.value.ptr(), f),
                Some(n) => std::mem::transmute::<usize, SliceFmtFn>(c.fmt)(c.value.ptr(), n, f),
            }
        }
    }
}

/// The runtime address of `<T as Debug>::fmt` for a sized `T`, if the
/// binary has it (also for formatting what a called function returned).
pub(super) fn debug_fmt_of(bin: &Binary, ty: &Type) -> Option<usize> {
    let addr = DebugImpls::get(bin).find(bin, &Want::Sized(ty))?;
    Some(addr.wrapping_add(bin.bias) as usize)
}

/// Calls a found `Debug::fmt` in a forked child and returns its text.
fn call_debug(callee: &Callee, pretty: bool, limits: Limits) -> Result<String, IsolateError> {
    let t = Trampoline(callee);
    isolate::run(limits, |w| {
        if pretty {
            write!(w, "{t:#?}")
        } else {
            write!(w, "{t:?}")
        }
    })
}

/// The impl to call for `t` and the value to call it on: `t`'s own, else
/// its pointee's when `t` only forwards to it (`{:?}` of `&T`, `Box<T>`,
/// `Rc<T>`, `Arc<T>`, `&dyn Trait` is the pointee's; of `&[E]` and
/// `Box<[E]>` it is `[E]`'s).
fn own_impl(bin: &Binary, t: &Typed) -> Option<Callee> {
    let impls = DebugImpls::get(bin);
    let runtime = |addr: u64| addr.wrapping_add(bin.bias) as usize;
    let mut cur = t.clone();
    for _ in 0..8 {
        if matches!(cur.ty.kind, Kind::Base(_) | Kind::Other(_)) {
            return None;
        }
        let is_ref = cur.ty.name.starts_with('&');
        if !is_ref {
            if let Some(fmt) = debug_fmt_of(bin, &cur.ty) {
                return Some(Callee {
                    fmt,
                    value: ValuePtr::of(&cur)?,
                    len: None,
                });
            }
        }
        if let Some(elem) = slice_elem_type(bin, &cur.ty) {
            let addr = impls.find(bin, &Want::Slice(&elem))?;
            let mut ctx = Ctx::new(bin);
            let data = ctx.field(&cur, "data_ptr")?;
            let len = ctx.field(&cur, "length")?;
            let (ptr, _) = ctx.scalar(&data).ok()?;
            let len = ctx.read_uint(&len.place, 8).ok()?;
            return (ptr != 0).then(|| Callee {
                fmt: runtime(addr),
                value: ValuePtr::Addr(ptr),
                len: usize::try_from(len).ok(),
            });
        }
        let base = cur.ty.base();
        let forwards = is_ref
            || base == "alloc::boxed::Box"
            || base == "alloc::rc::Rc"
            || base == "alloc::sync::Arc";
        if !forwards {
            return None;
        }
        cur = Ctx::new(bin).deref(&cur).ok()??;
    }
    None
}

/// Renders a value for `p`, `pp` and `locals`: through its own `Debug`
/// impl when the binary has one, else (and whenever that call fails) by
/// reading memory.
pub(super) fn render(bin: &Binary, t: &Typed) -> Node {
    let fallback = Ctx::new(bin).render(t, 0);
    if !isolate::enabled() || found_invalid(&fallback) {
        return fallback;
    }
    match own_impl(bin, t) {
        Some(callee) => Node::Own(Arc::new(OwnDebug {
            callee,
            fallback,
            texts: [OnceLock::new(), OnceLock::new()],
        })),
        None => fallback,
    }
}

/// Whether the memory reader found the value broken (a `Vec` whose length
/// exceeds its capacity, bytes that are not UTF-8, a pointer into unmapped
/// memory...): its impl would print garbage as if it were data, or crash.
/// Such values keep the reader's rendering, which says what is wrong.
fn found_invalid(n: &Node) -> bool {
    const MARKS: &[&str] = &[
        "<invalid",
        "<unreadable",
        "<uninit",
        "<moved",
        "<dangling",
        "<null data pointer",
    ];
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match n {
            Node::Atom(s) => {
                if MARKS.iter().any(|m| s.starts_with(m)) {
                    return true;
                }
            }
            Node::Struct { fields, .. } => stack.extend(fields.iter().map(|f| &f.1)),
            Node::Tuple { items, .. } | Node::List { items, .. } | Node::Set { items, .. } => {
                stack.extend(items)
            }
            Node::Map { entries, .. } => {
                stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
            }
            Node::Own(o) => stack.push(&o.fallback),
            Node::Ptr(_) => {}
            Node::Alt { compact, .. } => {
                if MARKS.iter().any(|m| compact.starts_with(m)) {
                    return true;
                }
            }
            Node::Concat(items) => stack.extend(items),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debuginfo::value::More;

    #[test]
    fn names_compare_without_spaces() {
        assert!(same_name(
            "alloc::vec::Vec<u8, alloc::alloc::Global>",
            "alloc::vec::Vec<u8,alloc::alloc::Global>"
        ));
        assert!(!same_name("a::Pair<A,B>", "a::Pair<i32, u8>"));
    }

    #[test]
    fn unsized_types_are_recognised() {
        assert!(unsized_name("str"));
        assert!(unsized_name("[u16]"));
        assert!(unsized_name("dyn core::fmt::Debug"));
        assert!(unsized_name("std::path::Path"));
        assert!(!unsized_name("[u16; 4]"));
        assert!(!unsized_name("alloc::string::String"));
    }

    #[test]
    fn broken_values_are_not_handed_to_their_impl() {
        let ok = Node::Struct {
            name: "Row".into(),
            fields: vec![("id".into(), Node::atom("1"))],
            more: More::No,
        };
        assert!(!found_invalid(&ok));
        let broken = Node::Struct {
            name: "Row".into(),
            fields: vec![(
                "tags".into(),
                Node::List {
                    items: vec![Node::atom("<invalid Vec: length 9 > capacity 2>")],
                    more: More::No,
                },
            )],
            more: More::No,
        };
        assert!(found_invalid(&broken));
        assert!(found_invalid(&Node::atom("<unreadable memory at 0x10>")));
        assert!(!found_invalid(&Node::atom("<unsupported type X>")));
    }

    /// Hides what it holds, like a user's hand-written impl.
    struct Hidden(#[allow(dead_code)] u64);

    impl fmt::Debug for Hidden {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if f.alternate() {
                f.write_str("Hidden(\n    ****,\n)")
            } else {
                f.write_str("Hidden(****)")
            }
        }
    }

    fn limits() -> Limits {
        Limits {
            deadline: std::time::Duration::from_secs(10),
            max_output: 1 << 20,
        }
    }

    fn thin(fmt: usize, value: *const u8) -> Callee {
        Callee {
            fmt,
            value: ValuePtr::Addr(value as u64),
            len: None,
        }
    }

    #[test]
    fn calls_a_debug_impl_through_its_address() {
        let h = Hidden(42);
        let f: fn(&Hidden, &mut fmt::Formatter<'_>) -> fmt::Result = <Hidden as fmt::Debug>::fmt;
        let c = thin(f as usize, &h as *const Hidden as *const u8);
        assert_eq!(
            call_debug(&c, false, limits()).as_deref(),
            Ok(format!("{h:?}").as_str())
        );
        assert_eq!(
            call_debug(&c, true, limits()).as_deref(),
            Ok(format!("{h:#?}").as_str())
        );
        let v = vec![Some("a"), None];
        let g: fn(&Vec<Option<&'static str>>, &mut fmt::Formatter<'_>) -> fmt::Result =
            <Vec<Option<&'static str>> as fmt::Debug>::fmt;
        let c = thin(g as usize, &v as *const _ as *const u8);
        assert_eq!(
            call_debug(&c, true, limits()).as_deref(),
            Ok(format!("{v:#?}").as_str())
        );
    }

    #[test]
    fn calls_a_slice_impl_with_the_fat_pointers_halves() {
        let v = [Hidden(1), Hidden(2), Hidden(3)];
        let s: &[Hidden] = &v[..2];
        let f: fn(&[Hidden], &mut fmt::Formatter<'_>) -> fmt::Result =
            <[Hidden] as fmt::Debug>::fmt;
        let c = Callee {
            fmt: f as usize,
            value: ValuePtr::Addr(s.as_ptr() as u64),
            len: Some(s.len()),
        };
        assert_eq!(
            call_debug(&c, false, limits()).as_deref(),
            Ok(format!("{s:?}").as_str())
        );
        assert_eq!(
            call_debug(&c, true, limits()).as_deref(),
            Ok(format!("{s:#?}").as_str())
        );
    }

    #[test]
    fn a_value_held_in_bytes_is_called_on_a_copy() {
        let h = Hidden(7);
        let f: fn(&Hidden, &mut fmt::Formatter<'_>) -> fmt::Result = <Hidden as fmt::Debug>::fmt;
        let mut words = vec![0u128; 1];
        words[0] = 7;
        let c = Callee {
            fmt: f as usize,
            value: ValuePtr::Copy(words),
            len: None,
        };
        assert_eq!(
            call_debug(&c, false, limits()).as_deref(),
            Ok(format!("{h:?}").as_str())
        );
    }

    #[test]
    fn debug_impls_are_recognised_by_their_demangled_names() {
        let t = debug_self_type;
        assert_eq!(t("<a::Secret as core::fmt::Debug>::fmt"), Some("a::Secret"));
        assert_eq!(
            t("<a::Pair<A,B> as core::fmt::Debug>::fmt"),
            Some("a::Pair<A,B>")
        );
        assert_eq!(
            t("core::array::<impl core::fmt::Debug for [T; N]>::fmt"),
            Some("[T; N]")
        );
        assert_eq!(t("<a::Secret as core::fmt::Display>::fmt"), None);
        assert_eq!(t("<a::State as core::fmt::Debug>::fmt::{{closure}}"), None);
    }

    #[test]
    fn impls_are_keyed_by_path_or_shape() {
        assert_eq!(shape_key("alloc::vec::Vec<T,A>"), "alloc::vec::Vec");
        assert_eq!(
            shape_key("alloc::vec::Vec<a::Pair<i32>, alloc::alloc::Global>"),
            "alloc::vec::Vec"
        );
        assert_eq!(shape_key("[T]"), "[T]");
        assert_eq!(shape_key("[a::Pair<[u8; 2]>]"), "[T]");
        assert_eq!(shape_key("[T; N]"), "[T; N]");
        assert_eq!(shape_key("[a::Pair<u8>; 3]"), "[T; N]");
        assert_eq!(shape_key("(U,T)"), "(2)");
        assert_eq!(shape_key("(a::Secret, (u8, u16))"), "(2)");
        assert_eq!(shape_key("(T,)"), "(1)");
        assert_eq!(shape_key("(u8,)"), "(1)");
        assert_eq!(shape_key("()"), "()");
    }

    #[test]
    fn finds_debug_impls_in_the_symbol_table() {
        // Keeps the impls linked.
        let _ = format!("{:?}", Hidden(1));
        let _ = format!("{:?}", &[Hidden(1)][..]);
        let Ok(bin) = Binary::load("/proc/self/exe") else {
            return;
        };
        // Only the impls mentioning the type's last path segment are
        // demangled.
        let impls = DebugImpls::get(&bin);
        let key = shape_key(std::any::type_name::<Hidden>());
        let c = impls.candidates(&key);
        assert_eq!(c.len(), 1, "{c:?}");
        let found = functions_containing(&bin, b"Debug");
        let hidden: Vec<_> = found
            .iter()
            .filter(|f| f.name.ends_with("Hidden as core::fmt::Debug>::fmt"))
            .collect();
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        let f: fn(&Hidden, &mut fmt::Formatter<'_>) -> fmt::Result = <Hidden as fmt::Debug>::fmt;
        assert_eq!(hidden[0].addr.wrapping_add(bin.bias) as usize, f as usize);
        let Some(SelfParam::Thin(st)) = self_param(&bin, hidden[0].addr) else {
            panic!("no DWARF for the impl's self");
        };
        assert!(st.qual.ends_with("call::tests::Hidden"), "{}", st.qual);
        assert_eq!(st.size, 8);
        let params = parameters(&bin, hidden[0].addr).expect("DWARF of the impl");
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["self", "f"]);
        assert_eq!(params[1].ty.name, "&mut core::fmt::Formatter");
        // `<[T] as Debug>::fmt` for T = Hidden, among the other slices'.
        let slice = found
            .iter()
            .filter(|f| f.name == "<[T] as core::fmt::Debug>::fmt")
            .filter_map(|f| match self_param(&bin, f.addr) {
                Some(SelfParam::Fat(t)) => Some(t),
                _ => None,
            })
            .find(|t| t.qual.contains("Hidden"));
        let slice = slice.expect("DWARF of <[Hidden] as Debug>::fmt");
        let elem = slice_elem_type(&bin, &slice).expect("the element type");
        assert!(elem.qual.ends_with("call::tests::Hidden"), "{}", elem.qual);
    }
}
