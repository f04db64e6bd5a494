//! Typed places and the primitives every reader shares: fault-safe reads
//! charged to a byte budget, member paths, pointer-like scalars through
//! newtype wrappers, and the active variant of an enum.

use std::collections::HashSet;
use std::sync::Arc;

use super::dwarf::Binary;
use super::mem;
use super::types::{Kind, Member, Type, TypeRef};
use super::value::Node;

/// Most elements shown per collection (`{:?}` prints them all; past this
/// the value says how many were left out).
pub const MAX_ELEMS: usize = 100_000;
/// Deepest nesting of `Debug` builders rendered (a 64-long
/// `Option<Box<Node>>` list nests 128); pointers add none.
pub const MAX_DEPTH: usize = 256;
/// Most bytes of memory read for one rendered value.
pub const MAX_BYTES: usize = 64 << 20;
/// Longest text read (bytes); longer text says how much was left out.
pub const MAX_STR: usize = 1 << 20;

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

/// One rendering or evaluation: the binary, what is left of the byte
/// budget, and the `Rc`/`Arc` allocations being rendered (cycles).
pub(super) struct Ctx<'a> {
    pub bin: &'a Binary,
    pub bytes_left: usize,
    pub shared: HashSet<u64>,
}

pub(super) fn unreadable(addr: u64) -> Node {
    Node::Atom(format!("<unreadable memory at {addr:#x}>"))
}

/// A value whose own invariants fail: never shown as data.
pub(super) fn invalid(what: &str, detail: impl std::fmt::Display) -> Node {
    Node::Atom(format!(
        "<invalid: moved-from or uninitialised {what} ({detail})>"
    ))
}

pub(super) fn unsupported(ty: &Type) -> Node {
    Node::Atom(format!(
        "<unsupported type {}>",
        super::types::clean_name(&ty.qual)
    ))
}

pub(super) fn mask(v: u64, size: usize) -> u64 {
    if size >= 8 {
        v
    } else {
        v & ((1u64 << (size * 8)) - 1)
    }
}

impl<'a> Ctx<'a> {
    pub fn new(bin: &'a Binary) -> Self {
        Ctx {
            bin,
            bytes_left: MAX_BYTES,
            shared: HashSet::new(),
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
    pub fn buffered(&mut self, p: &Place, size: u64) -> Result<Place, Node> {
        if size <= 4096 {
            self.buffered_len(p, size as usize)
        } else {
            Ok(p.clone())
        }
    }

    pub fn buffered_len(&mut self, p: &Place, len: usize) -> Result<Place, Node> {
        match p {
            Place::Mem(a) if len > 0 => Ok(Place::Buf {
                data: Arc::new(self.read(p, len)?),
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

    /// The first of several member paths that exists (layouts of other
    /// releases).
    pub fn any_path(&self, t: &Typed, paths: &[&[&str]]) -> Option<Typed> {
        paths.iter().find_map(|p| self.path(t, p))
    }

    /// Reads a pointer-like value through newtype wrappers (`Unique`,
    /// `NonNull`, `Cap`, `UsizeNoHighBit`, `AtomicUsize`...): the first
    /// member, repeatedly, until a pointer or integer. Returns the value
    /// and, for pointers, the pointee type.
    pub fn scalar(&mut self, t: &Typed) -> Result<(u64, Option<TypeRef>), Node> {
        let mut cur = t.clone();
        for _ in 0..8 {
            match &cur.ty.kind {
                Kind::Pointer(target) => {
                    let v = self.read_uint(&cur.place, 8)?;
                    return Ok((v, *target));
                }
                Kind::Base(_) | Kind::CEnum(_) => {
                    let v = self.read_uint(&cur.place, cur.ty.size as usize)?;
                    return Ok((v, None));
                }
                Kind::Struct(s) => {
                    let m = s
                        .members
                        .iter()
                        .find(|m| {
                            m.name == "pointer"
                                || m.name == "__0"
                                || m.name == "value"
                                || m.name == "v"
                                || m.name == "data_ptr"
                        })
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
        Err(unsupported(&t.ty))
    }

    /// [`Ctx::scalar`] of a member.
    pub fn scalar_at(&mut self, t: &Typed, path: &[&str]) -> Result<u64, Node> {
        let f = self.path(t, path).ok_or_else(|| unsupported(&t.ty))?;
        Ok(self.scalar(&f)?.0)
    }

    /// The innermost non-struct value of a chain of single-member wrappers
    /// (`Wrapping(u8)`, `AtomicU8 { v: UnsafeCell { value: u8 } }`).
    pub fn innermost(&self, t: &Typed) -> Typed {
        let mut cur = t.clone();
        for _ in 0..8 {
            let Some(s) = cur.ty.strukt() else { break };
            if s.variants.is_some() {
                break;
            }
            let real: Vec<&Member> = s.members.iter().filter(|m| !m.artificial).collect();
            let m = match real.as_slice() {
                [m] => *m,
                _ => match real.iter().find(|m| m.name == "value" || m.name == "v") {
                    Some(m) => *m,
                    None => break,
                },
            };
            match self.member_of(&cur, m) {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur
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
                    .ok_or_else(|| {
                        invalid(
                            &super::types::clean_name(&t.ty.qual),
                            format!("discriminant {v}"),
                        )
                    })?
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

    /// The elements' type parameter of a generic std type, with its type.
    pub fn param(&self, t: &Typed, name: &str) -> Option<(TypeRef, Arc<Type>)> {
        let r = t.ty.param(name)?;
        Some((r, self.bin.ty(r)?))
    }

    /// The pointee when `t` is a reference, `Box`, `Rc`, `Arc` or another
    /// smart pointer std describes (auto-deref for expressions).
    pub fn deref(&mut self, t: &Typed) -> Result<Option<Typed>, Node> {
        if let Kind::Pointer(target) = &t.ty.kind {
            let p = self.read_uint(&t.place, 8)?;
            if p == 0 {
                return Err(Node::atom("<null>"));
            }
            return Ok(target.and_then(|tr| self.typed(tr, Place::Mem(p))));
        }
        if let Some(shape) = super::stdtypes::shape(self, t) {
            use super::stdtypes::Shape;
            return Ok(match shape? {
                Shape::Inner(inner) => Some(inner),
                Shape::Shared(_, inner) => match *inner {
                    Shape::Inner(inner) => Some(inner),
                    _ => None,
                },
                _ => None,
            });
        }
        if t.ty.member("vtable").is_some() && t.ty.member("pointer").is_some() {
            return super::dyns::dyn_target(self, t);
        }
        Ok(None)
    }
}
