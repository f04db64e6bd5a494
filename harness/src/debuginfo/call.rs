//! Calling functions of the binary on the frame's values, isolated: today a
//! value's own `<T as Debug>::fmt`, so that `p`/`pp` print exactly what
//! `{:?}`/`{:#?}` print (a hand-written impl that hides a field included);
//! the pieces are meant for calls in expressions too.
//!
//! - [`functions_containing`] finds functions by (part of) their mangled
//!   name in the symbol table (`Debug`, or `9transform` for `transform`),
//!   without demangling the whole table.
//! - [`self_type`] reads a function's first parameter from its DWARF,
//!   which tells the instantiations of a generic impl apart (legacy symbol
//!   names say `Pair<A,B>` for all of them).
//! - [`crate::isolate::run`] runs the call in a forked child with a
//!   deadline; whatever goes wrong there, the caller falls back.
//!
//! Which impl is called for a value of type `T`: the one whose `self` is
//! `&T` by DWARF (same qualified name, size and fields), else one whose
//! demangled name names `T` exactly (v0 symbols, and non-generic impls of
//! code without DWARF, when unique). `{:?}` of `&T`, `Box<T>`, `Rc<T>`,
//! `Arc<T>`, `&dyn Trait` and `Box<dyn Trait>` is the pointee's, so those
//! are followed when their own impl is absent. Only sized types are called
//! (the function takes a thin `&T`); primitives keep the memory reader,
//! which prints them exactly. Impls that only exist inlined, or were never
//! instantiated (a derived `Debug` nothing formats is not linked at
//! opt-level 0), are absent: the memory reader renders the value.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::constants as dw;
use object::{Object, ObjectSection, ObjectSymbol};

use super::dwarf::{demangle, Binary};
use super::render::{Ctx, Place, Typed};
use super::types::{base_name, Kind, Type};
use super::value::Node;
use crate::isolate::{self, IsolateError, Limits};

/// A function symbol of the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Function {
    /// Demangled, without the `::h<hash>` suffix.
    pub name: String,
    /// Link-time address.
    pub addr: u64,
    /// Mangled with the v0 scheme, which spells generic arguments out (std
    /// is built so); legacy names show the impl's parameters instead.
    pub v0: bool,
}

/// The defined functions whose mangled name contains `needle`, demangled.
/// One pass over the symbol table with `memmem`; only the matches are
/// demangled.
pub(super) fn functions_containing(bin: &Binary, needle: &[u8]) -> Vec<Function> {
    let mut raw = Vec::new();
    if !scan_elf64(bin.object(), needle, &mut raw) {
        scan_generic(bin.object(), needle, &mut raw);
    }
    raw.into_iter()
        .filter_map(|(name, addr)| {
            let s = std::str::from_utf8(name).ok()?;
            Some(Function {
                name: demangle(s),
                addr,
                v0: s.starts_with("_R"),
            })
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // SAFETY: memmem reads only within the two slices.
    !unsafe {
        libc::memmem(
            haystack.as_ptr().cast(),
            haystack.len(),
            needle.as_ptr().cast(),
            needle.len(),
        )
    }
    .is_null()
}

/// 64-bit little-endian ELF with a `.symtab`: the table read as words.
fn scan_elf64(
    obj: &object::File<'static, &'static [u8]>,
    needle: &[u8],
    out: &mut Vec<(&'static [u8], u64)>,
) -> bool {
    if !obj.is_64() || !obj.is_little_endian() || obj.format() != object::BinaryFormat::Elf {
        return false;
    }
    let section = |name: &str| {
        obj.section_by_name(name)
            .and_then(|s| s.data().ok())
            .filter(|d| !d.is_empty())
    };
    let (Some(syms), Some(strs)) = (section(".symtab"), section(".strtab")) else {
        return false;
    };
    // SAFETY: any bytes are valid u64s; `align_to` yields aligned words.
    let (head, words, _) = unsafe { syms.align_to::<u64>() };
    if !head.is_empty() || !syms.len().is_multiple_of(24) || strs.last() != Some(&0) {
        return false;
    }
    for sym in words.chunks_exact(3) {
        // st_name: u32, st_info: u8, st_other: u8, st_shndx: u16; value.
        let (w0, value) = (sym[0], sym[1]);
        let ty = (w0 >> 32) & 0xf;
        let shndx = w0 >> 48;
        if !(ty == 2 || ty == 10) || shndx == 0 || value == 0 {
            continue;
        }
        let off = (w0 & 0xffff_ffff) as usize;
        if off >= strs.len() {
            continue;
        }
        // SAFETY: the string table ends with a NUL, so strlen stays in it.
        let len = unsafe { libc::strlen(strs.as_ptr().add(off).cast()) };
        let name = &strs[off..off + len];
        if contains(name, needle) {
            out.push((name, value));
        }
    }
    true
}

/// Any other object file, through `object`.
fn scan_generic(
    obj: &object::File<'static, &'static [u8]>,
    needle: &[u8],
    out: &mut Vec<(&'static [u8], u64)>,
) {
    for table in [obj.symbols(), obj.dynamic_symbols()] {
        for s in table {
            if !s.is_definition() || s.kind() != object::SymbolKind::Text || s.address() == 0 {
                continue;
            }
            if let Ok(name) = s.name_bytes() {
                if contains(name, needle) {
                    out.push((name, s.address()));
                }
            }
        }
        if !out.is_empty() {
            break;
        }
    }
}

/// The type `self` points at, from the DWARF of the function at link-time
/// `addr` (its first parameter, named `self`, of thin pointer type).
/// `None` without DWARF for it, or when `self` is not a thin pointer.
pub(super) fn self_type(bin: &Binary, addr: u64) -> Option<Arc<Type>> {
    let cu = bin.cu_for_pc(addr)?;
    let die = bin.subprogram_at(&cu, addr)?;
    let mut tree = cu.unit.entries_tree(Some(gimli::UnitOffset(die))).ok()?;
    let root = tree.root().ok()?;
    let mut children = root.children();
    while let Ok(Some(child)) = children.next() {
        let e = child.entry();
        if e.tag() != dw::DW_TAG_formal_parameter {
            continue;
        }
        // Concrete instances of inlined functions describe their parameters
        // through an abstract origin.
        let (pcu, param) = match e.attr_value(dw::DW_AT_abstract_origin) {
            Some(o) => {
                let (c, d) = bin.follow(&cu, o)?;
                let p = bin.entry(&c, d)?;
                (c, p)
            }
            None => (cu.clone(), e.clone()),
        };
        let name = param
            .attr_value(dw::DW_AT_name)
            .and_then(|v| bin.attr_str(&pcu, v));
        if name.as_deref() != Some("self") {
            return None;
        }
        let tref = bin.type_ref(&pcu, param.attr_value(dw::DW_AT_type)?)?;
        return match bin.ty(tref)?.kind {
            Kind::Pointer(Some(target)) => bin.ty(target),
            _ => None,
        };
    }
    None
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

/// The binary's `<T as core::fmt::Debug>::fmt` functions, by the base name
/// of `T` (`alloc::vec::Vec`), and what was found for each type asked.
struct DebugImpls {
    by_base: HashMap<String, Vec<(String, Function)>>,
    found: Mutex<HashMap<String, Option<u64>>>,
}

const DEBUG_FMT: &str = " as core::fmt::Debug>::fmt";

impl DebugImpls {
    fn get(bin: &Binary) -> &'static DebugImpls {
        // One binary per process: `/proc/self/exe`.
        static IMPLS: OnceLock<DebugImpls> = OnceLock::new();
        IMPLS.get_or_init(|| {
            let mut by_base: HashMap<String, Vec<(String, Function)>> = HashMap::new();
            for f in functions_containing(bin, b"Debug") {
                let Some(ty) = f
                    .name
                    .strip_prefix('<')
                    .and_then(|n| n.strip_suffix(DEBUG_FMT))
                else {
                    continue;
                };
                let ty = ty.to_string();
                by_base
                    .entry(base_name(&ty).to_string())
                    .or_default()
                    .push((ty, f));
            }
            DebugImpls {
                by_base,
                found: Mutex::new(HashMap::new()),
            }
        })
    }

    /// The link-time address of `T`'s `Debug::fmt`, if the binary has it.
    fn find(&self, bin: &Binary, ty: &Type) -> Option<u64> {
        if let Some(hit) = self.found.lock().ok()?.get(&ty.qual) {
            return *hit;
        }
        let hit = self.search(bin, ty);
        if let Ok(mut m) = self.found.lock() {
            m.insert(ty.qual.clone(), hit);
        }
        hit
    }

    fn search(&self, bin: &Binary, ty: &Type) -> Option<u64> {
        let candidates = self.by_base.get(base_name(&ty.qual))?;
        let mut by_name = Vec::new();
        for (name, f) in candidates {
            let exact = same_name(name, &ty.qual);
            if f.v0 && !exact {
                // Another instantiation, spelled out.
                continue;
            }
            match self_type(bin, f.addr) {
                Some(st) if same_type(&st, ty) => return Some(f.addr),
                Some(_) => {}
                None if exact => by_name.push(f),
                None => {}
            }
        }
        if unsized_name(&ty.qual) {
            return None;
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

/// A value rendered by its own `Debug` impl, called when its text is first
/// needed (`p` needs `{:?}` only, `pp` `{:#?}` only); `fallback` is what
/// the memory reader made of it, shown if the call fails.
pub(super) struct OwnDebug {
    /// Runtime address of `<T as Debug>::fmt`.
    fmt: usize,
    value: ValuePtr,
    pub fallback: Node,
    /// `{:?}` and `{:#?}`, once called (`None`: the call failed).
    texts: [OnceLock<Option<String>>; 2],
}

impl OwnDebug {
    /// `{:#?}` when `pretty`, else `{:?}`; `None` when the call failed.
    pub fn text(&self, pretty: bool) -> Option<&str> {
        self.texts[usize::from(pretty)]
            .get_or_init(|| call_debug(self.fmt, self.value.ptr(), pretty, Limits::from_env()).ok())
            .as_deref()
    }
}

impl fmt::Debug for OwnDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnDebug")
            .field("fmt", &format_args!("{:#x}", self.fmt))
            .field("value", &self.value)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

impl PartialEq for OwnDebug {
    fn eq(&self, other: &Self) -> bool {
        self.fmt == other.fmt && self.value == other.value && self.fallback == other.fallback
    }
}

/// `<T as Debug>::fmt` for sized `T`, called through a thin pointer.
type FmtFn = for<'a, 'b> fn(*const u8, &'a mut fmt::Formatter<'b>) -> fmt::Result;

/// Hands `{:?}`'s own Formatter (flags included) to the found function.
struct Trampoline {
    f: FmtFn,
    value: *const u8,
}

impl fmt::Debug for Trampoline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.f)(self.value, f)
    }
}

/// Calls the `Debug::fmt` at runtime address `fmt` on the value at `value`,
/// in a forked child, and returns its text.
fn call_debug(
    fmt: usize,
    value: *const u8,
    pretty: bool,
    limits: Limits,
) -> Result<String, IsolateError> {
    // SAFETY: `fmt` is the address of a `fn(&T, &mut Formatter) ->
    // fmt::Result` for a sized `T` (checked by DWARF or by its name), whose
    // ABI is that of `FmtFn`; `value` points at a `T`. The call only runs
    // in the isolated child: if either is wrong, the child crashes and the
    // caller falls back.
    let f = unsafe { std::mem::transmute::<usize, FmtFn>(fmt) };
    let t = Trampoline { f, value };
    isolate::run(limits, |w| {
        if pretty {
            write!(w, "{t:#?}")
        } else {
            write!(w, "{t:?}")
        }
    })
}

/// The impl to call for `t` and the value to call it on: `t`'s own, else
/// its pointee's when `t` only forwards to it.
fn own_impl(bin: &Binary, t: &Typed) -> Option<(usize, ValuePtr)> {
    let impls = DebugImpls::get(bin);
    let mut cur = t.clone();
    for _ in 0..8 {
        if matches!(cur.ty.kind, Kind::Base(_) | Kind::Other(_)) {
            return None;
        }
        let is_ref = cur.ty.name.starts_with('&');
        if !is_ref {
            if let Some(addr) = impls.find(bin, &cur.ty) {
                let value = ValuePtr::of(&cur)?;
                return Some((addr.wrapping_add(bin.bias) as usize, value));
            }
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
        Some((fmt, value)) => Node::Own(Arc::new(OwnDebug {
            fmt,
            value,
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
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

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
            more: false,
        };
        assert!(!found_invalid(&ok));
        let broken = Node::Struct {
            name: "Row".into(),
            fields: vec![(
                "tags".into(),
                Node::List {
                    items: vec![Node::atom("<invalid Vec: length 9 > capacity 2>")],
                    more: false,
                },
            )],
            more: false,
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

    #[test]
    fn calls_a_debug_impl_through_its_address() {
        let h = Hidden(42);
        let f: fn(&Hidden, &mut fmt::Formatter<'_>) -> fmt::Result = <Hidden as fmt::Debug>::fmt;
        let p = &h as *const Hidden as *const u8;
        let addr = f as usize;
        assert_eq!(
            call_debug(addr, p, false, limits()).as_deref(),
            Ok(format!("{h:?}").as_str())
        );
        assert_eq!(
            call_debug(addr, p, true, limits()).as_deref(),
            Ok(format!("{h:#?}").as_str())
        );
        let v = vec![Some("a"), None];
        let g: fn(&Vec<Option<&'static str>>, &mut fmt::Formatter<'_>) -> fmt::Result =
            <Vec<Option<&'static str>> as fmt::Debug>::fmt;
        let q = &v as *const _ as *const u8;
        assert_eq!(
            call_debug(g as usize, q, true, limits()).as_deref(),
            Ok(format!("{v:#?}").as_str())
        );
    }

    #[test]
    fn finds_debug_impls_in_the_symbol_table() {
        // Keeps the impl linked.
        let _ = format!("{:?}", Hidden(1));
        let Ok(bin) = Binary::load("/proc/self/exe") else {
            return;
        };
        let found = functions_containing(&bin, b"Debug");
        let hidden: Vec<_> = found
            .iter()
            .filter(|f| f.name.ends_with("Hidden as core::fmt::Debug>::fmt"))
            .collect();
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        let f: fn(&Hidden, &mut fmt::Formatter<'_>) -> fmt::Result = <Hidden as fmt::Debug>::fmt;
        assert_eq!(hidden[0].addr.wrapping_add(bin.bias) as usize, f as usize);
        let st = self_type(&bin, hidden[0].addr).expect("DWARF of the impl");
        assert!(st.qual.ends_with("call::tests::Hidden"), "{}", st.qual);
        assert_eq!(st.size, 8);
    }
}
