//! Rendering typed memory as `{:?}` would, without calling any Debug impl.
//!
//! std types are recognised by their qualified DWARF names and walked by
//! member names (layouts of rustc 1.95, with fallbacks); everything else is
//! rendered structurally like `#[derive(Debug)]` would.

use std::sync::Arc;

use super::dwarf::Binary;
use super::mem;
use super::types::{base_name, clean_name, Enc, Kind, Member, Type, TypeRef};
use super::value::Node;

/// Maximum number of elements shown per collection or string chars read.
pub const MAX_ELEMS: usize = 1000;
/// Maximum nesting depth rendered.
pub const MAX_DEPTH: usize = 16;
/// Maximum bytes of memory read for one rendered value.
pub const MAX_BYTES: usize = 1 << 20;
/// Longest string read (bytes); longer strings end in `..` after the quote.
const MAX_STR: usize = 64 << 10;

/// Where a value lives: in memory, or in bytes we already hold (a
/// `DW_OP_stack_value`, or a buffer read in one go for speed).
#[derive(Clone, Debug)]
pub(super) enum Place {
    Mem(u64),
    Buf {
        data: Arc<Vec<u8>>,
        off: usize,
        addr: Option<u64>,
    },
}

impl Place {
    pub fn at(&self, off: u64) -> Place {
        match self {
            Place::Mem(a) => Place::Mem(a.wrapping_add(off)),
            Place::Buf { data, off: o, addr } => Place::Buf {
                data: data.clone(),
                off: o + off as usize,
                addr: addr.map(|a| a.wrapping_add(off)),
            },
        }
    }
}

/// A typed place.
#[derive(Clone)]
pub(super) struct Typed {
    pub ty: Arc<Type>,
    /// Where `ty` came from (kept for diagnostics).
    #[allow(dead_code)]
    pub tref: TypeRef,
    pub place: Place,
}

pub(super) struct Ctx<'a> {
    pub bin: &'a Binary,
    pub bytes_left: usize,
}

pub(super) fn unreadable(addr: u64) -> Node {
    Node::Atom(format!("<unreadable memory at {addr:#x}>"))
}

impl<'a> Ctx<'a> {
    pub fn new(bin: &'a Binary) -> Self {
        Ctx {
            bin,
            bytes_left: MAX_BYTES,
        }
    }

    /// Reads `len` bytes of a place, charging the byte budget.
    pub fn read(&mut self, p: &Place, len: usize) -> Result<Vec<u8>, Node> {
        match p {
            Place::Buf { data, off, addr } => {
                if let Some(b) = data.get(*off..off.saturating_add(len)) {
                    return Ok(b.to_vec());
                }
                match addr {
                    Some(a) => self.read(&Place::Mem(*a), len),
                    None => Err(Node::atom("<optimized out>")),
                }
            }
            Place::Mem(a) => {
                if len > self.bytes_left {
                    return Err(Node::atom("<read limit reached>"));
                }
                self.bytes_left -= len;
                mem::read(*a, len).map_err(|e| unreadable(e.0))
            }
        }
    }

    pub fn read_uint(&mut self, p: &Place, size: usize) -> Result<u64, Node> {
        Ok(mem::le_uint(&self.read(p, size.min(8))?))
    }

    /// Turns a memory place into a buffer read in one go (small types only).
    fn buffered(&mut self, p: &Place, size: u64) -> Result<Place, Node> {
        match p {
            Place::Mem(a) if size > 0 && size <= 4096 => Ok(Place::Buf {
                data: Arc::new(self.read(p, size as usize)?),
                off: 0,
                addr: Some(*a),
            }),
            _ => Ok(p.clone()),
        }
    }

    pub fn typed(&self, tref: TypeRef, place: Place) -> Option<Typed> {
        Some(Typed {
            ty: self.bin.ty(tref)?,
            tref,
            place,
        })
    }

    /// A member of a struct-typed place.
    pub fn field(&self, t: &Typed, name: &str) -> Option<Typed> {
        let m = t.ty.member(name)?;
        self.typed(m.ty?, t.place.at(m.offset))
    }

    pub fn member_of(&self, t: &Typed, m: &Member) -> Option<Typed> {
        self.typed(m.ty?, t.place.at(m.offset))
    }

    /// Follows a member path like `["vec", "buf", "inner", "ptr"]`.
    pub fn path(&self, t: &Typed, path: &[&str]) -> Option<Typed> {
        let mut cur = t.clone();
        for p in path {
            cur = self.field(&cur, p)?;
        }
        Some(cur)
    }

    /// Reads a pointer-like value through newtype wrappers (`Unique`,
    /// `NonNull`, `Cap`, `UsizeNoHighBit`...): the first member, repeatedly,
    /// until a pointer or integer. Returns the value and, for pointers, the
    /// pointee type.
    pub fn scalar(&mut self, t: &Typed) -> Result<(u64, Option<TypeRef>), Node> {
        let mut cur = t.clone();
        for _ in 0..8 {
            match &cur.ty.kind {
                Kind::Pointer(target) => {
                    let v = self.read_uint(&cur.place, 8)?;
                    return Ok((v, *target));
                }
                Kind::Base(_) => {
                    let v = self.read_uint(&cur.place, cur.ty.size as usize)?;
                    return Ok((v, None));
                }
                Kind::Struct(s) => {
                    let m = s
                        .members
                        .iter()
                        .find(|m| m.name == "pointer" || m.name == "__0" || m.name == "value")
                        .or(s.members.first())
                        .cloned();
                    let Some(next) = m.and_then(|m| self.member_of(&cur, &m)) else {
                        break;
                    };
                    cur = next;
                }
                _ => break,
            }
        }
        Err(Node::Atom(format!(
            "<unsupported type {}>",
            t.ty.display_name()
        )))
    }

    /// The active variant of an enum-like struct: `(name, variant struct)`.
    pub fn variant(&mut self, t: &Typed) -> Result<Option<(String, Typed)>, Node> {
        let Some(vp) = t.ty.strukt().and_then(|s| s.variants.as_ref()) else {
            return Ok(None);
        };
        let chosen = match &vp.discr {
            Some(d) => {
                let dty = d.ty.and_then(|r| self.bin.ty(r));
                let size = dty.map(|t| t.size).unwrap_or(8) as usize;
                let raw = self.read(&t.place.at(d.offset), size.min(16))?;
                let v = mem::le_uint(&raw);
                vp.variants
                    .iter()
                    .find(|(dv, _)| dv.is_some_and(|x| mask(x, size) == v))
                    .or_else(|| vp.variants.iter().find(|(dv, _)| dv.is_none()))
                    .ok_or_else(|| Node::Atom(format!("<invalid enum discriminant {v}>")))?
            }
            None if vp.variants.len() == 1 => &vp.variants[0],
            None => return Err(Node::atom("<unsupported enum layout>")),
        };
        let m = chosen.1.clone();
        match self.member_of(t, &m) {
            Some(v) => Ok(Some((m.name, v))),
            None => Err(Node::atom("<unsupported enum layout>")),
        }
    }

    /// `Some(ptr, pointee)` when `t` is `&T`, `Box<T>`, `Rc<T>`, `Arc<T>`
    /// (auto-deref for expressions), with the place of the target.
    pub fn deref(&mut self, t: &Typed) -> Result<Option<Typed>, Node> {
        if let Kind::Pointer(target) = &t.ty.kind {
            let p = self.read_uint(&t.place, 8)?;
            if p == 0 {
                return Err(Node::atom("<null>"));
            }
            return Ok(target.and_then(|tr| self.typed(tr, Place::Mem(p))));
        }
        let base = t.ty.base();
        if base == "alloc::rc::Rc" || base == "alloc::sync::Arc" {
            return self.rc_inner(t);
        }
        if base.starts_with("alloc::boxed::Box") || t.ty.name.starts_with('&') {
            if let Some(d) = self.dyn_target(t)? {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    fn rc_inner(&mut self, t: &Typed) -> Result<Option<Typed>, Node> {
        let Some(ptr) = self.field(t, "ptr") else {
            return Ok(None);
        };
        let (p, target) = self.scalar(&ptr)?;
        let Some(inner) = target.and_then(|tr| self.typed(tr, Place::Mem(p))) else {
            return Ok(None);
        };
        Ok(self
            .field(&inner, "value")
            .or_else(|| self.field(&inner, "data")))
    }

    /// Whether a wide pointer points at `dyn Any`, `dyn Any + Send` or
    /// `dyn Any + Send + Sync`: by the pointee's name, else the pointer's.
    fn is_dyn_any(&self, t: &Typed) -> bool {
        let pointee =
            t.ty.member("pointer")
                .and_then(|m| self.bin.ty(m.ty?))
                .and_then(|p| match p.kind {
                    Kind::Pointer(Some(r)) => self.bin.ty(r),
                    _ => None,
                });
        match pointee {
            Some(p) if p.qual.contains("dyn ") => is_dyn_any_name(&p.qual),
            _ => is_dyn_any_name(&t.ty.qual),
        }
    }

    /// For `&dyn Trait` / `Box<dyn Trait>`: the concrete value, found from
    /// the vtable's `<T as Trait>::{vtable}` variable.
    fn dyn_target(&mut self, t: &Typed) -> Result<Option<Typed>, Node> {
        let (Some(pf), Some(vf)) = (self.field(t, "pointer"), self.field(t, "vtable")) else {
            return Ok(None);
        };
        let data = self.read_uint(&pf.place, 8)?;
        let vt = self.read_uint(&vf.place, 8)?;
        let svma = vt.wrapping_sub(self.bin.bias);
        let concrete = self.bin.cu_for_data(svma).and_then(|cu| {
            let idx = self.bin.index(&cu);
            let die = idx.vtables.iter().find(|v| v.0 == svma)?.1;
            let e = self.bin.entry(&cu, die)?;
            let vty = self
                .bin
                .type_ref(&cu, e.attr_value(gimli::constants::DW_AT_type)?)?;
            self.bin.ty(vty)?.strukt()?.containing
        });
        match concrete {
            Some(c) => Ok(self.typed(c, Place::Mem(data))),
            None => Err(Node::Atom(format!(
                "<unknown concrete type of {} (vtable {vt:#x})>",
                t.ty.display_name()
            ))),
        }
    }

    /// Renders a typed place.
    pub fn render(&mut self, t: &Typed, depth: usize) -> Node {
        if depth > MAX_DEPTH {
            return Node::atom("..");
        }
        match self.render_inner(t, depth) {
            Ok(n) => n,
            Err(n) => n,
        }
    }

    fn render_inner(&mut self, t: &Typed, depth: usize) -> Result<Node, Node> {
        let ty = t.ty.clone();
        match &ty.kind {
            Kind::Base(enc) => {
                let b = self.read(&t.place, ty.size.min(16) as usize)?;
                Ok(Node::Atom(base_value(*enc, &b, &ty.name)))
            }
            Kind::Pointer(target) => {
                let p = self.read_uint(&t.place, 8)?;
                let raw = ty.name.starts_with('*')
                    || target
                        .and_then(|tr| self.bin.ty(tr))
                        .is_some_and(|tt| matches!(tt.kind, Kind::Other("fn")));
                if raw || target.is_none() {
                    return Ok(Node::Atom(format!("{p:#x}")));
                }
                if p == 0 {
                    return Ok(Node::atom("<null>"));
                }
                match target.and_then(|tr| self.typed(tr, Place::Mem(p))) {
                    Some(inner) => Ok(self.render(&inner, depth + 1)),
                    None => Ok(Node::Atom(format!("<unsupported type {}>", ty.name))),
                }
            }
            Kind::CEnum(list) => {
                let v = self.read_uint(&t.place, ty.size as usize)?;
                let size = ty.size as usize;
                Ok(list
                    .iter()
                    .find(|(_, x)| mask(*x, size) == v)
                    .map(|(n, _)| Node::atom(n.clone()))
                    .unwrap_or_else(|| {
                        Node::Atom(format!("<invalid {} discriminant {v}>", ty.name))
                    }))
            }
            Kind::Array { elem, count } => {
                let Some(elem) = elem.and_then(|e| self.bin.ty(e).map(|t| (e, t))) else {
                    return Err(Node::Atom(format!("<unsupported type {}>", ty.name)));
                };
                let place = self.buffered(&t.place, ty.size)?;
                let (items, more) = self.elements(elem.0, &elem.1, &place, *count, depth)?;
                Ok(Node::List { items, more })
            }
            Kind::Struct(_) => self.render_struct(t, depth),
            Kind::Other(_) => Err(Node::Atom(format!(
                "<unsupported type {}>",
                if ty.name.is_empty() { "?" } else { &ty.name }
            ))),
        }
    }

    /// Renders `count` consecutive elements (capped) starting at `place`.
    fn elements(
        &mut self,
        tref: TypeRef,
        ety: &Arc<Type>,
        place: &Place,
        count: u64,
        depth: usize,
    ) -> Result<(Vec<Node>, bool), Node> {
        let n = count.min(MAX_ELEMS as u64);
        let size = ety.size;
        // One read for all shown elements when it is reasonably small.
        let place = match place {
            Place::Mem(_) if size > 0 && n * size <= 256 * 1024 => {
                self.buffered_len(place, (n * size) as usize)?
            }
            _ => place.clone(),
        };
        let mut items = Vec::with_capacity(n as usize);
        for i in 0..n {
            let et = Typed {
                ty: ety.clone(),
                tref,
                place: place.at(i * size),
            };
            items.push(self.render(&et, depth + 1));
            if self.bytes_left == 0 {
                return Ok((items, true));
            }
        }
        Ok((items, count > n))
    }

    fn buffered_len(&mut self, p: &Place, len: usize) -> Result<Place, Node> {
        match p {
            Place::Mem(a) if len > 0 => Ok(Place::Buf {
                data: Arc::new(self.read(p, len)?),
                off: 0,
                addr: Some(*a),
            }),
            _ => Ok(p.clone()),
        }
    }

    fn render_struct(&mut self, t: &Typed, depth: usize) -> Result<Node, Node> {
        let ty = t.ty.clone();
        let base = ty.base().to_string();
        let short = base_name(&ty.name).to_string();
        let t = &Typed {
            place: self.buffered(&t.place, ty.size)?,
            ..t.clone()
        };
        // Fat pointers: &str, &[T], Box<str>, Box<[T]>.
        if let (Some(dp), Some(len)) = (self.field(t, "data_ptr"), self.field(t, "length")) {
            let n = self.read_uint(&len.place, 8)?;
            let (p, target) = self.scalar(&dp)?;
            if ty.name.starts_with('*') {
                return Ok(Node::Atom(format!("{p:#x}")));
            }
            let is_str = ty.name.ends_with("str")
                || ty.name.contains("<str")
                || ty.name.ends_with("Path")
                || ty.name.ends_with("OsStr");
            if is_str {
                return self.string(p, n);
            }
            let Some(ety) = target.and_then(|e| self.bin.ty(e).map(|t| (e, t))) else {
                return Err(Node::Atom(format!("<unsupported type {}>", ty.name)));
            };
            return self.list(ety, p, n, depth);
        }
        match base.as_str() {
            "alloc::string::String" => {
                let len = self
                    .path(t, &["vec", "len"])
                    .ok_or_else(|| unsupported(&ty))?;
                let n = self.read_uint(&len.place, 8)?;
                let ptr = self
                    .path(t, &["vec", "buf", "inner", "ptr"])
                    .ok_or_else(|| unsupported(&ty))?;
                let (p, _) = self.scalar(&ptr)?;
                return self.string(p, n);
            }
            "std::path::PathBuf" | "std::ffi::os_str::OsString" => {
                let v = self
                    .path(t, &["inner", "inner"])
                    .and_then(|x| self.field(&x, "inner").or(Some(x)))
                    .ok_or_else(|| unsupported(&ty))?;
                let len = self.field(&v, "len").ok_or_else(|| unsupported(&ty))?;
                let n = self.read_uint(&len.place, 8)?;
                let ptr = self
                    .path(&v, &["buf", "inner", "ptr"])
                    .ok_or_else(|| unsupported(&ty))?;
                let (p, _) = self.scalar(&ptr)?;
                return self.string(p, n);
            }
            "alloc::vec::Vec" => {
                let ety = ty
                    .param("T")
                    .and_then(|e| self.bin.ty(e).map(|t| (e, t)))
                    .ok_or_else(|| unsupported(&ty))?;
                let n = self.read_uint(
                    &self.field(t, "len").ok_or_else(|| unsupported(&ty))?.place,
                    8,
                )?;
                let ptr = self
                    .path(t, &["buf", "inner", "ptr"])
                    .ok_or_else(|| unsupported(&ty))?;
                let (p, _) = self.scalar(&ptr)?;
                if let Some(cap) = self.path(t, &["buf", "inner", "cap"]) {
                    let (c, _) = self.scalar(&cap)?;
                    if ety.1.size > 0 && n > c {
                        return Err(Node::Atom(format!(
                            "<invalid Vec: length {n} > capacity {c}>"
                        )));
                    }
                }
                return self.list(ety, p, n, depth);
            }
            "alloc::collections::vec_deque::VecDeque" => {
                let (ety, p, head, len, cap) = self.deque_parts(t)?;
                let n = len.min(MAX_ELEMS as u64);
                let mut items = Vec::new();
                for i in 0..n {
                    let idx = if cap == 0 { 0 } else { (head + i) % cap };
                    let et = Typed {
                        ty: ety.1.clone(),
                        tref: ety.0,
                        place: Place::Mem(p + idx * ety.1.size),
                    };
                    items.push(self.render(&et, depth + 1));
                }
                return Ok(Node::List {
                    items,
                    more: len > n,
                });
            }
            "std::collections::hash::map::HashMap" | "std::collections::hash::set::HashSet" => {
                let is_set = base.ends_with("HashSet");
                let entries = self.hash_entries(t, depth)?;
                let more = entries.1;
                return Ok(if is_set {
                    Node::Set {
                        items: entries.0.into_iter().map(|(k, _)| k).collect(),
                        more,
                    }
                } else {
                    Node::Map {
                        entries: entries
                            .0
                            .into_iter()
                            .map(|(k, v)| (k, v.unwrap_or(Node::atom("()"))))
                            .collect(),
                        more,
                    }
                });
            }
            "alloc::collections::btree::map::BTreeMap" => {
                let (entries, more) = self.btree_entries(t, depth)?;
                return Ok(Node::Map {
                    entries: entries
                        .into_iter()
                        .map(|(k, v)| (self.render(&k, depth + 1), self.render(&v, depth + 1)))
                        .collect(),
                    more,
                });
            }
            "alloc::collections::btree::set::BTreeSet" => {
                let map = self.field(t, "map").ok_or_else(|| unsupported(&ty))?;
                let (entries, more) = self.btree_entries(&map, depth)?;
                return Ok(Node::Set {
                    items: entries
                        .into_iter()
                        .map(|(k, _)| self.render(&k, depth + 1))
                        .collect(),
                    more,
                });
            }
            "alloc::rc::Rc" | "alloc::sync::Arc" => {
                return match self.rc_inner(t)? {
                    Some(inner) => Ok(self.render(&inner, depth + 1)),
                    None => Err(unsupported(&ty)),
                };
            }
            "alloc::rc::Weak" | "alloc::sync::Weak" => return Ok(Node::atom("(Weak)")),
            "core::mem::manually_drop::ManuallyDrop"
            | "core::mem::maybe_dangling::MaybeDangling" => {
                // ManuallyDrop { value: MaybeDangling(T) } prints as
                // `ManuallyDrop { value: T }`.
                let mut cur = self.field(t, "value").ok_or_else(|| unsupported(&ty))?;
                if cur.ty.base() == "core::mem::maybe_dangling::MaybeDangling" {
                    cur = self.field(&cur, "__0").unwrap_or(cur);
                }
                let inner = self.render(&cur, depth + 1);
                return Ok(if base.ends_with("MaybeDangling") {
                    inner
                } else {
                    Node::Struct {
                        name: "ManuallyDrop".into(),
                        fields: vec![("value".into(), inner)],
                        more: false,
                    }
                });
            }
            "core::cell::Cell" => {
                let v = self
                    .path(t, &["value", "value"])
                    .ok_or_else(|| unsupported(&ty))?;
                return Ok(Node::Struct {
                    name: "Cell".into(),
                    fields: vec![("value".into(), self.render(&v, depth + 1))],
                    more: false,
                });
            }
            "core::cell::RefCell" => {
                let v = self
                    .path(t, &["value", "value"])
                    .ok_or_else(|| unsupported(&ty))?;
                let flag = self.path(t, &["borrow", "value", "value"]);
                let borrowed = match flag {
                    Some(f) => (self.read_uint(&f.place, 8)? as i64) < 0,
                    None => false,
                };
                let value = if borrowed {
                    Node::atom("<borrowed>")
                } else {
                    self.render(&v, depth + 1)
                };
                return Ok(Node::Struct {
                    name: "RefCell".into(),
                    fields: vec![("value".into(), value)],
                    more: false,
                });
            }
            "core::cell::UnsafeCell" | "core::cell::SyncUnsafeCell" => {
                return Ok(Node::Struct {
                    name: short,
                    fields: vec![],
                    more: true,
                });
            }
            "core::marker::PhantomData" => {
                let p = ty
                    .param("T")
                    .and_then(|p| self.bin.ty(p))
                    .map(|p| p.display_name())
                    .unwrap_or_default();
                return Ok(Node::Atom(format!("PhantomData<{p}>")));
            }
            "core::num::nonzero::NonZero" | "core::num::wrapping::Wrapping" => {
                let mut cur = t.clone();
                for _ in 0..6 {
                    let Some(m) = cur.ty.strukt().and_then(|s| s.members.first().cloned()) else {
                        break;
                    };
                    cur = self.member_of(&cur, &m).ok_or_else(|| unsupported(&ty))?;
                }
                let inner = self.render(&cur, depth + 1);
                return Ok(if base.ends_with("Wrapping") {
                    Node::Tuple {
                        name: "Wrapping".into(),
                        items: vec![inner],
                        more: false,
                    }
                } else {
                    inner
                });
            }
            _ => {}
        }
        if base.starts_with("core::sync::atomic::Atomic") {
            let mut cur = t.clone();
            for _ in 0..6 {
                if let Kind::Base(_) = cur.ty.kind {
                    return Ok(self.render(&cur, depth + 1));
                }
                let Some(m) = cur.ty.strukt().and_then(|s| s.members.first().cloned()) else {
                    break;
                };
                cur = self.member_of(&cur, &m).ok_or_else(|| unsupported(&ty))?;
            }
            return Err(unsupported(&ty));
        }
        // &dyn Trait, Box<dyn Trait>.
        if ty.member("vtable").is_some() && ty.member("pointer").is_some() {
            // std's `impl Debug for dyn Any (+ Send (+ Sync))` says nothing
            // of the concrete value.
            if self.is_dyn_any(t) {
                return Ok(Node::Struct {
                    name: "Any".into(),
                    fields: Vec::new(),
                    more: true,
                });
            }
            return match self.dyn_target(t)? {
                Some(c) => Ok(self.render(&c, depth + 1)),
                None => Err(unsupported(&ty)),
            };
        }
        // Enums with data.
        if let Some((name, v)) = self.variant(t)? {
            return Ok(self.plain_struct(&v, name, depth));
        }
        Ok(self.plain_struct(t, short, depth))
    }

    fn deque_parts(&mut self, t: &Typed) -> Result<DequeParts, Node> {
        let ty = &t.ty;
        let ety = ty
            .param("T")
            .and_then(|e| self.bin.ty(e).map(|t| (e, t)))
            .ok_or_else(|| unsupported(ty))?;
        let head = self.field(t, "head").ok_or_else(|| unsupported(ty))?;
        let head = self.scalar(&head)?.0;
        let len = self.field(t, "len").ok_or_else(|| unsupported(ty))?;
        let len = self.scalar(&len)?.0;
        let cap = self
            .path(t, &["buf", "inner", "cap"])
            .ok_or_else(|| unsupported(ty))?;
        let cap = self.scalar(&cap)?.0;
        let ptr = self
            .path(t, &["buf", "inner", "ptr"])
            .ok_or_else(|| unsupported(ty))?;
        let p = self.scalar(&ptr)?.0;
        if ety.1.size > 0 && (len > cap || head >= cap.max(1)) {
            return Err(Node::Atom(format!(
                "<invalid VecDeque: head {head}, length {len}, capacity {cap}>"
            )));
        }
        Ok((ety, p, head, len, cap))
    }

    /// VecDeque element `i` (for indexing).
    pub fn deque_elem(&mut self, t: &Typed, i: u64) -> Result<Result<Typed, u64>, Node> {
        let (ety, p, head, len, cap) = self.deque_parts(t)?;
        if i >= len {
            return Ok(Err(len));
        }
        let idx = if cap == 0 { 0 } else { (head + i) % cap };
        Ok(Ok(Typed {
            ty: ety.1.clone(),
            tref: ety.0,
            place: Place::Mem(p + idx * ety.1.size),
        }))
    }

    fn list(
        &mut self,
        ety: (TypeRef, Arc<Type>),
        p: u64,
        n: u64,
        depth: usize,
    ) -> Result<Node, Node> {
        if n > 0 && p == 0 {
            return Err(Node::atom("<null data pointer>"));
        }
        let (items, more) = self.elements(ety.0, &ety.1, &Place::Mem(p), n, depth)?;
        Ok(Node::List { items, more })
    }

    fn string(&mut self, p: u64, n: u64) -> Result<Node, Node> {
        let shown = n.min(MAX_STR as u64) as usize;
        if shown > 0 && p == 0 {
            return Err(Node::atom("<null data pointer>"));
        }
        let bytes = self.read(&Place::Mem(p), shown)?;
        let mut s = match std::str::from_utf8(&bytes) {
            Ok(s) => format!("{s:?}"),
            Err(e) if (n as usize) > shown && e.error_len().is_none() => {
                // Cut inside a multi-byte char by our cap.
                let ok = &bytes[..e.valid_up_to()];
                format!("{:?}", std::str::from_utf8(ok).unwrap_or_default())
            }
            Err(_) => format!("<invalid utf-8: {:?}>", String::from_utf8_lossy(&bytes)),
        };
        if (n as usize) > shown {
            s.push_str("..");
        }
        Ok(Node::Atom(s))
    }

    /// Hash table entries in bucket order (what hashbrown's iterator and so
    /// `{:?}` visit): `(key, value)`; value `None` for sets.
    fn hash_entries(&mut self, t: &Typed, depth: usize) -> Result<(Vec<HashEntry>, bool), Node> {
        let mut out = Vec::new();
        let more = self.hash_walk(t, &mut |ctx, k, v| {
            let k = ctx.render(&k, depth + 1);
            let v = v.map(|v| ctx.render(&v, depth + 1));
            out.push((k, v));
            true
        })?;
        Ok((out, more))
    }

    /// Calls `f(key, value)` for each full bucket; returns whether the
    /// element cap cut the walk short.
    pub fn hash_walk(
        &mut self,
        t: &Typed,
        f: &mut dyn FnMut(&mut Self, Typed, Option<Typed>) -> bool,
    ) -> Result<bool, Node> {
        let ty = t.ty.clone();
        let raw = self
            .path(t, &["base", "table"])
            .or_else(|| self.path(t, &["base", "map", "table"]))
            .or_else(|| self.path(t, &["map", "base", "table"]))
            .ok_or_else(|| unsupported(&ty))?;
        let pair = raw
            .ty
            .param("T")
            .and_then(|p| self.bin.ty(p).map(|t| (p, t)))
            .ok_or_else(|| unsupported(&ty))?;
        let inner = self.field(&raw, "table").ok_or_else(|| unsupported(&ty))?;
        let mask = self
            .scalar(
                &self
                    .field(&inner, "bucket_mask")
                    .ok_or_else(|| unsupported(&ty))?,
            )?
            .0;
        let items = self
            .scalar(
                &self
                    .field(&inner, "items")
                    .ok_or_else(|| unsupported(&ty))?,
            )?
            .0;
        let ctrl = self
            .scalar(&self.field(&inner, "ctrl").ok_or_else(|| unsupported(&ty))?)?
            .0;
        let buckets = mask.wrapping_add(1);
        if items == 0 {
            return Ok(false);
        }
        if !buckets.is_power_of_two() || buckets > (1 << 24) || items > buckets {
            return Err(Node::Atom(format!(
                "<invalid hash table: {items} items in {buckets} buckets>"
            )));
        }
        let ctrl_bytes = self.read(&Place::Mem(ctrl), buckets as usize)?;
        let size = pair.1.size;
        let k = pair.1.member("__0").cloned();
        let v = pair.1.member("__1").cloned();
        let (is_pair, kref) = match (&k, pair.1.strukt()) {
            (Some(k), Some(_)) if pair.1.name.starts_with('(') => (true, k.clone()),
            _ => (
                false,
                Member {
                    name: String::new(),
                    offset: 0,
                    ty: Some(pair.0),
                    artificial: false,
                },
            ),
        };
        let mut seen = 0u64;
        // hashbrown iterates groups of control bytes from the start and,
        // within a group, full slots (top bit clear) by ascending index:
        // i.e. plain ascending bucket order.
        for (i, c) in ctrl_bytes.iter().enumerate() {
            if c & 0x80 != 0 {
                continue;
            }
            if seen as usize >= MAX_ELEMS {
                return Ok(true);
            }
            seen += 1;
            let slot = ctrl.wrapping_sub((i as u64 + 1) * size);
            let slot_t = Typed {
                ty: pair.1.clone(),
                tref: pair.0,
                place: Place::Mem(slot),
            };
            let slot_t = Typed {
                place: self.buffered(&slot_t.place, size)?,
                ..slot_t
            };
            let key = self
                .member_of(&slot_t, &kref)
                .ok_or_else(|| unsupported(&ty))?;
            let val = if is_pair {
                v.as_ref()
                    .and_then(|v| self.member_of(&slot_t, v))
                    .filter(|v| v.ty.size > 0 || v.ty.name != "()")
            } else {
                None
            };
            if !f(self, key, val) {
                return Ok(false);
            }
            if seen >= items {
                break;
            }
        }
        Ok(false)
    }

    /// In-order BTreeMap entries `(key, value)` places.
    pub fn btree_entries(
        &mut self,
        t: &Typed,
        _depth: usize,
    ) -> Result<(Vec<(Typed, Typed)>, bool), Node> {
        let ty = t.ty.clone();
        let kref = ty.param("K").ok_or_else(|| unsupported(&ty))?;
        let vref = ty
            .strukt()
            .and_then(|s| s.params.iter().find(|p| p.0 == "V").map(|p| p.1))
            .ok_or_else(|| unsupported(&ty))?;
        let kty = self.bin.ty(kref).ok_or_else(|| unsupported(&ty))?;
        let vty = self.bin.ty(vref).ok_or_else(|| unsupported(&ty))?;
        let len = self.field(t, "length").ok_or_else(|| unsupported(&ty))?;
        let len = self.scalar(&len)?.0;
        let mut out = Vec::new();
        if len == 0 {
            return Ok((out, false));
        }
        let root = self.field(t, "root").ok_or_else(|| unsupported(&ty))?;
        let Some((_, some)) = self.variant(&root)? else {
            return Err(unsupported(&ty));
        };
        let node_ref = self.field(&some, "__0").unwrap_or(some);
        let height = self
            .scalar(
                &self
                    .field(&node_ref, "height")
                    .ok_or_else(|| unsupported(&ty))?,
            )?
            .0;
        let (node, leaf_ty) = self.scalar(
            &self
                .field(&node_ref, "node")
                .ok_or_else(|| unsupported(&ty))?,
        )?;
        let leaf = leaf_ty
            .and_then(|l| self.bin.ty(l))
            .ok_or_else(|| unsupported(&ty))?;
        let keys_off = leaf.member("keys").ok_or_else(|| unsupported(&ty))?.offset;
        let vals_off = leaf.member("vals").ok_or_else(|| unsupported(&ty))?.offset;
        let len_off = leaf.member("len").ok_or_else(|| unsupported(&ty))?.offset;
        let edges_off = (leaf.size + 7) & !7;
        if height > 32 {
            return Err(Node::Atom(format!("<invalid BTreeMap height {height}>")));
        }
        let mut budget = MAX_ELEMS;
        let mut nodes = 0usize;
        let geo = BtreeGeo {
            kref,
            vref,
            kty,
            vty,
            keys_off,
            vals_off,
            len_off,
            edges_off,
        };
        let more = self.btree_walk(&geo, node, height, &mut out, &mut budget, &mut nodes)?;
        Ok((out, more))
    }

    fn btree_walk(
        &mut self,
        g: &BtreeGeo,
        node: u64,
        height: u64,
        out: &mut Vec<(Typed, Typed)>,
        budget: &mut usize,
        nodes: &mut usize,
    ) -> Result<bool, Node> {
        *nodes += 1;
        if *nodes > 10_000 {
            return Ok(true);
        }
        let len = self.read_uint(&Place::Mem(node + g.len_off), 2)?;
        if len > 11 {
            return Err(Node::Atom(format!("<invalid BTreeMap node length {len}>")));
        }
        for i in 0..=len {
            if height > 0 {
                let child = self.read_uint(&Place::Mem(node + g.edges_off + i * 8), 8)?;
                if self.btree_walk(g, child, height - 1, out, budget, nodes)? {
                    return Ok(true);
                }
            }
            if i == len {
                break;
            }
            if *budget == 0 {
                return Ok(true);
            }
            *budget -= 1;
            out.push((
                Typed {
                    ty: g.kty.clone(),
                    tref: g.kref,
                    place: Place::Mem(node + g.keys_off + i * g.kty.size),
                },
                Typed {
                    ty: g.vty.clone(),
                    tref: g.vref,
                    place: Place::Mem(node + g.vals_off + i * g.vty.size),
                },
            ));
        }
        Ok(false)
    }

    /// A struct rendered like `#[derive(Debug)]`: named fields, tuple
    /// struct, unit struct, tuple, or closure environment.
    fn plain_struct(&mut self, t: &Typed, name: String, depth: usize) -> Node {
        let members: Vec<Member> =
            t.ty.strukt()
                .map(|s| {
                    s.members
                        .iter()
                        .filter(|m| !m.artificial)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
        // A variant struct carries its own name; use the given display name.
        let is_tuple = !members.is_empty()
            && members.iter().all(|m| {
                m.name.starts_with("__") && m.name[2..].bytes().all(|b| b.is_ascii_digit())
            });
        let is_closure = t.ty.name.starts_with("{closure_env#");
        let render_m = |ctx: &mut Self, m: &Member| match ctx.member_of(t, m) {
            Some(v) => ctx.render(&v, depth + 1),
            None => Node::Atom("<unsupported type ?>".into()),
        };
        if t.ty.name.starts_with('(') {
            if members.is_empty() {
                return Node::atom("()");
            }
            let items = members.iter().map(|m| render_m(self, m)).collect();
            return Node::Tuple {
                name: String::new(),
                items,
                more: false,
            };
        }
        if is_tuple {
            let items = members.iter().map(|m| render_m(self, m)).collect();
            return Node::Tuple {
                name,
                items,
                more: false,
            };
        }
        let fields = members
            .iter()
            .map(|m| {
                let n = if is_closure {
                    closure_capture_name(&m.name)
                } else {
                    m.name.clone()
                };
                (n, render_m(self, m))
            })
            .collect();
        Node::Struct {
            name: if is_closure { t.ty.name.clone() } else { name },
            fields,
            more: false,
        }
    }
}

/// VecDeque: element type, buffer, head, length, capacity.
type DequeParts = ((TypeRef, Arc<Type>), u64, u64, u64, u64);
/// A rendered hash table entry (value `None` for sets).
type HashEntry = (Node, Option<Node>);

struct BtreeGeo {
    kref: TypeRef,
    vref: TypeRef,
    kty: Arc<Type>,
    vty: Arc<Type>,
    keys_off: u64,
    vals_off: u64,
    len_off: u64,
    edges_off: u64,
}

/// `_ref__cfg__timeout` → `cfg.timeout` (closure captures).
pub(super) fn closure_capture_name(n: &str) -> String {
    let n = n.strip_prefix("_ref__").unwrap_or(n);
    n.replace("__", ".")
}

fn unsupported(ty: &Type) -> Node {
    Node::Atom(format!("<unsupported type {}>", clean_name(&ty.qual)))
}

pub(super) fn mask(v: u64, size: usize) -> u64 {
    if size >= 8 {
        v
    } else {
        v & ((1u64 << (size * 8)) - 1)
    }
}

/// Formats a primitive from its little-endian bytes exactly like `{:?}`.
pub(super) fn base_value(enc: Enc, b: &[u8], name: &str) -> String {
    let mut w = [0u8; 16];
    w[..b.len().min(16)].copy_from_slice(&b[..b.len().min(16)]);
    let u = u128::from_le_bytes(w);
    let n = b.len();
    match enc {
        Enc::Unit => {
            if name == "!" {
                "!".into()
            } else {
                "()".into()
            }
        }
        Enc::Bool => match u {
            0 => "false".into(),
            1 => "true".into(),
            v => format!("<invalid bool {v}>"),
        },
        Enc::Char => match char::from_u32(u as u32) {
            Some(c) => format!("{c:?}"),
            None => format!("<invalid char {:#x}>", u as u32),
        },
        Enc::Float => match n {
            4 => format!("{:?}", f32::from_bits(u as u32)),
            8 => format!("{:?}", f64::from_bits(u as u64)),
            2 => format!("<f16 bits {:#06x}>", u as u16),
            _ => format!("<f128 bits {u:#x}>"),
        },
        Enc::Signed => match n {
            1 => format!("{}", u as u8 as i8),
            2 => format!("{}", u as u16 as i16),
            4 => format!("{}", u as u32 as i32),
            8 => format!("{}", u as u64 as i64),
            _ => format!("{}", u as i128),
        },
        Enc::Unsigned => format!("{u}"),
    }
}

/// Whether the first trait object named in `name` is `dyn core::any::Any`
/// with at most the `Send` and `Sync` markers.
fn is_dyn_any_name(name: &str) -> bool {
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
    fn primitives_match_debug() {
        let f = |x: f64| base_value(Enc::Float, &x.to_le_bytes(), "f64");
        for x in [
            0.1 + 0.2,
            1.0,
            1e100,
            f64::NAN,
            f64::INFINITY,
            -0.0,
            1e-7,
            123456789.0,
        ] {
            assert_eq!(f(x), format!("{x:?}"));
        }
        let g = |x: f32| base_value(Enc::Float, &x.to_le_bytes(), "f32");
        assert_eq!(g(0.1), format!("{:?}", 0.1f32));
        assert_eq!(base_value(Enc::Signed, &(-5i8).to_le_bytes(), "i8"), "-5");
        assert_eq!(
            base_value(Enc::Signed, &i128::MIN.to_le_bytes(), "i128"),
            format!("{}", i128::MIN)
        );
        assert_eq!(
            base_value(Enc::Unsigned, &u128::MAX.to_le_bytes(), "u128"),
            format!("{}", u128::MAX)
        );
        for c in ['a', '\n', '\'', '"', '\u{301}', '\0', 'é'] {
            assert_eq!(
                base_value(Enc::Char, &(c as u32).to_le_bytes(), "char"),
                format!("{c:?}")
            );
        }
        assert_eq!(base_value(Enc::Bool, &[1], "bool"), "true");
        assert_eq!(base_value(Enc::Unit, &[], "()"), "()");
        assert_eq!(closure_capture_name("_ref__cfg__timeout"), "cfg.timeout");
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
