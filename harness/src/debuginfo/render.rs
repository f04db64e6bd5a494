//! Rendering typed memory as `{:?}` would, without calling any Debug impl.
//!
//! std's types are described by their providers ([`super::stdtypes`]) as a
//! [`Shape`], rendered here; everything else is rendered structurally like
//! `#[derive(Debug)]` would. A type outside std and the user's crates,
//! whose `Debug` is not known, and a user's type whose `Debug` is
//! hand-written, are rendered the same way but marked `<fields> ` (see
//! [`is_foreign`]): their own `Debug` may print otherwise.

use std::sync::Arc;

use super::dyns;
use super::place::{unsupported, Ctx, Place, Typed, MAX_DEPTH, MAX_ELEMS, MAX_STR};
use super::stdtypes::{self, Part, Shape, Text};
use super::types::{base_name, Enc, Kind, Member, Type, TypeRef};
use super::value::{More, Node};

/// The mark of a value shown by its fields because its own `Debug` is
/// unknown.
pub const FIELDS_MARK: &str = "<fields> ";

impl Ctx<'_> {
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
                base_value(*enc, &b, &ty.name)
            }
            Kind::Pointer(target) => {
                let p = self.read_uint(&t.place, 8)?;
                let raw = ty.name.starts_with('*')
                    || target
                        .and_then(|tr| self.bin.ty(tr))
                        .is_some_and(|tt| matches!(tt.kind, Kind::Other("fn")));
                if raw || target.is_none() {
                    return Ok(Node::Ptr(p));
                }
                if p == 0 {
                    return Ok(Node::atom("<null>"));
                }
                match target.and_then(|tr| self.typed(tr, Place::Mem(p))) {
                    Some(inner) => Ok(self.render(&inner, depth)),
                    None => Ok(Node::Atom(format!("<unsupported type {}>", ty.name))),
                }
            }
            Kind::CEnum(list) => {
                let v = self.read_uint(&t.place, ty.size as usize)?;
                let size = ty.size as usize;
                list.iter()
                    .find(|(_, x)| super::place::mask(*x, size) == v)
                    .map(|(n, _)| Node::atom(n.clone()))
                    .ok_or_else(|| {
                        super::place::invalid(&ty.display_name(), format!("discriminant {v}"))
                    })
            }
            Kind::Array { elem, count } => {
                let Some(elem) = elem.and_then(|e| self.bin.ty(e).map(|t| (e, t))) else {
                    return Err(unsupported(&ty));
                };
                let place = self.buffered(&t.place, ty.size)?;
                let (items, more) = self.elements(elem.0, &elem.1, &place, *count, depth)?;
                Ok(Node::List { items, more })
            }
            Kind::Struct(_) => self.render_struct(t, depth),
            Kind::Other(_) => Err(unsupported(&ty)),
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
    ) -> Result<(Vec<Node>, More), Node> {
        let n = count.min(MAX_ELEMS as u64);
        let size = ety.size;
        // One read for all shown elements when it is reasonably small.
        let place = match place {
            Place::Mem(_) if size > 0 && n * size <= 16 << 20 => {
                self.buffered_len(place, (n * size) as usize)?
            }
            _ => place.clone(),
        };
        let places = (0..n).map(|i| place.at(i * size)).collect();
        self.items(tref, ety, places, count - n, depth)
    }

    fn items(
        &mut self,
        tref: TypeRef,
        ety: &Arc<Type>,
        places: Vec<Place>,
        left: u64,
        depth: usize,
    ) -> Result<(Vec<Node>, More), Node> {
        let total = places.len() as u64 + left;
        let mut items = Vec::with_capacity(places.len());
        for place in places {
            let et = Typed {
                ty: ety.clone(),
                tref,
                place,
            };
            items.push(self.render(&et, depth + 1));
            if self.bytes_left == 0 {
                let left = total - items.len() as u64;
                return Ok((items, More::left(left)));
            }
        }
        Ok((items, More::left(left)))
    }

    fn render_struct(&mut self, t: &Typed, depth: usize) -> Result<Node, Node> {
        let ty = t.ty.clone();
        let short = base_name(&ty.name).to_string();
        let t = &Typed {
            place: self.buffered(&t.place, ty.size)?,
            ..t.clone()
        };
        if ty.name.starts_with('*') && ty.member("data_ptr").is_some() {
            // A raw fat pointer prints its address.
            return Ok(Node::Ptr(self.scalar_at(t, &["data_ptr"])?));
        }
        if let Some(shape) = stdtypes::shape(self, t) {
            let shape = shape?;
            return self.render_shape(shape, &ty, depth);
        }
        // &dyn Trait, Box<dyn Trait>.
        if ty.member("vtable").is_some() && ty.member("pointer").is_some() {
            // std's `impl Debug for dyn Any (+ Send (+ Sync))` says nothing
            // of the concrete value.
            if dyns::is_dyn_any(self, t) {
                return Ok(Node::Struct {
                    name: "Any".into(),
                    fields: Vec::new(),
                    more: More::Hidden,
                });
            }
            return match dyns::dyn_target(self, t)? {
                Some(c) => Ok(self.render(&c, depth)),
                None => Err(unsupported(&ty)),
            };
        }
        let mark = if is_foreign(&ty.qual) || self.user_hand_written(&ty.qual) {
            FIELDS_MARK
        } else {
            ""
        };
        // Enums with data.
        if let Some((name, v)) = self.variant(t)? {
            return Ok(self.plain_struct(&v, format!("{mark}{name}"), depth));
        }
        Ok(self.plain_struct(t, format!("{mark}{short}"), depth))
    }

    /// Whether a type of the user's crates has a hand-written `Debug`
    /// (its fields are then not what `{:?}` prints).
    fn user_hand_written(&self, qual: &str) -> bool {
        let Some((krate, _)) = qual.split_once("::") else {
            return false;
        };
        super::is_user_crate(krate) == Some(true)
            && super::handwritten::is_hand_written(self.bin, qual)
    }

    /// Renders what a std provider described.
    fn render_shape(&mut self, s: Shape, ty: &Type, depth: usize) -> Result<Node, Node> {
        Ok(match s {
            Shape::Slice { elem, ptr, len } => {
                if len > 0 && ptr == 0 {
                    return Err(Node::atom("<null data pointer>"));
                }
                let (items, more) = self.elements(elem.0, &elem.1, &Place::Mem(ptr), len, depth)?;
                Node::List { items, more }
            }
            Shape::Items { elem, places, left } => {
                let (items, more) = self.items(elem.0, &elem.1, places, left, depth)?;
                Node::List { items, more }
            }
            Shape::Text {
                ptr,
                len,
                kind,
                what,
            } => self.text(ptr, len, kind, what)?,
            Shape::Map { entries, left } => Node::Map {
                entries: entries
                    .into_iter()
                    .map(|(k, v)| (self.render(&k, depth + 1), self.render(&v, depth + 1)))
                    .collect(),
                more: More::left(left),
            },
            Shape::Set { items, left } => Node::Set {
                items: items
                    .into_iter()
                    .map(|k| self.render(&k, depth + 1))
                    .collect(),
                more: More::left(left),
            },
            Shape::Inner(v) => self.render(&v, depth),
            Shape::Shared(addr, inner) => {
                if !self.shared.insert(addr) {
                    let name = ty.base().rsplit("::").next().unwrap_or("Rc");
                    return Ok(Node::Atom(format!("<cycle: {name} at {addr:#x}>")));
                }
                let n = self.render_shape(*inner, ty, depth);
                self.shared.remove(&addr);
                n?
            }
            Shape::Tuple(name, parts) => Node::Tuple {
                name,
                items: parts.into_iter().map(|p| self.part(p, ty, depth)).collect(),
                more: More::No,
            },
            Shape::Struct {
                name,
                fields,
                non_exhaustive,
            } => Node::Struct {
                name,
                fields: fields
                    .into_iter()
                    .map(|(k, p)| (k, self.part(p, ty, depth)))
                    .collect(),
                more: if non_exhaustive {
                    More::Hidden
                } else {
                    More::No
                },
            },
            Shape::Concat(parts) => {
                Node::Concat(parts.into_iter().map(|p| self.part(p, ty, depth)).collect())
            }
            Shape::Atom(s) => Node::Atom(s),
            Shape::Formatted { compact, pretty } => Node::Alt { compact, pretty },
        })
    }

    fn part(&mut self, p: Part, ty: &Type, depth: usize) -> Node {
        match p {
            Part::Value(v) => self.render(&v, depth + 1),
            Part::Atom(s) => Node::Atom(s),
            Part::Shape(s) => self.render_shape(*s, ty, depth).unwrap_or_else(|n| n),
        }
    }

    /// `len` bytes at `ptr` as `{:?}` of a `str`, `OsStr` or `CStr`, cut
    /// at [`MAX_STR`] bytes (saying how many were left out).
    fn text(&mut self, ptr: u64, len: u64, kind: Text, what: &str) -> Result<Node, Node> {
        let shown = len.min(MAX_STR as u64) as usize;
        if shown > 0 && ptr == 0 {
            return Err(Node::atom("<null data pointer>"));
        }
        let bytes = self.read(&Place::Mem(ptr), shown)?;
        let cut = (len as usize) > shown;
        let mut s = match kind {
            Text::Str => match std::str::from_utf8(&bytes) {
                Ok(s) => format!("{s:?}"),
                // Cut inside a multi-byte char by our cap.
                Err(e) if cut && e.error_len().is_none() => format!(
                    "{:?}",
                    std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
                ),
                Err(_) => {
                    use std::os::unix::ffi::OsStrExt;
                    return Err(super::place::invalid(
                        what,
                        format!("not UTF-8: {:?}", std::ffi::OsStr::from_bytes(&bytes)),
                    ));
                }
            },
            Text::OsStr => {
                use std::os::unix::ffi::OsStrExt;
                format!("{:?}", std::ffi::OsStr::from_bytes(&bytes))
            }
            Text::CStr => match std::ffi::CStr::from_bytes_with_nul(&bytes) {
                Ok(c) => format!("{c:?}"),
                Err(_) => {
                    return Err(super::place::invalid(
                        what,
                        "not one NUL at the end".to_string(),
                    ))
                }
            },
        };
        if cut {
            s.push_str(&format!(".. ({} more bytes)", len as usize - shown));
        }
        Ok(Node::Atom(s))
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
                more: More::No,
            };
        }
        if is_tuple {
            let items = members.iter().map(|m| render_m(self, m)).collect();
            return Node::Tuple {
                name,
                items,
                more: More::No,
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
            more: More::No,
        }
    }
}

/// Whether a type comes from a crate that is neither std's nor one of the
/// user's (a dependency): its `Debug` may be hand-written, so its fields
/// are marked as not being its `Debug`. Types of the user's crates are
/// assumed derived (the common case; a hand-written `Debug` there is run
/// by the prompt when the binary has it); std's hand-written ones have
/// providers.
pub(super) fn is_foreign(qual: &str) -> bool {
    let Some((krate, _)) = qual.split_once("::") else {
        return false;
    };
    if matches!(krate, "std" | "core" | "alloc")
        || super::STD_CRATES.contains(&krate)
        || krate.starts_with('{')
    {
        return false;
    }
    super::is_user_crate(krate).is_some_and(|user| !user)
}

/// `_ref__cfg__timeout` → `cfg.timeout` (closure captures).
pub(super) fn closure_capture_name(n: &str) -> String {
    let n = n.strip_prefix("_ref__").unwrap_or(n);
    n.replace("__", ".")
}

/// Formats a primitive from its little-endian bytes exactly like `{:?}`.
pub(super) fn base_value(enc: Enc, b: &[u8], name: &str) -> Result<Node, Node> {
    let mut w = [0u8; 16];
    w[..b.len().min(16)].copy_from_slice(&b[..b.len().min(16)]);
    let u = u128::from_le_bytes(w);
    let n = b.len();
    let text: String = match enc {
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
            v => return Err(super::place::invalid("bool", v)),
        },
        Enc::Char => match char::from_u32(u as u32) {
            Some(c) => format!("{c:?}"),
            None => return Err(super::place::invalid("char", format!("{:#x}", u as u32))),
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
    };
    Ok(Node::Atom(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_value(enc: Enc, b: &[u8], name: &str) -> String {
        match super::base_value(enc, b, name) {
            Ok(Node::Atom(s)) | Err(Node::Atom(s)) => s,
            other => panic!("{other:?}"),
        }
    }

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
        assert_eq!(
            base_value(Enc::Bool, &[2], "bool"),
            "<invalid: moved-from or uninitialised bool (2)>"
        );
        assert_eq!(
            base_value(Enc::Char, &0xD800u32.to_le_bytes(), "char"),
            "<invalid: moved-from or uninitialised char (0xd800)>"
        );
        assert_eq!(closure_capture_name("_ref__cfg__timeout"), "cfg.timeout");
    }
}
