//! Types, parsed from DWARF one DIE at a time and cached per unit.

use std::sync::Arc;

use gimli::{constants as dw, AttributeValue};

use super::dwarf::{Binary, Cu, R};

/// A type DIE: the unit's `.debug_info` offset and the DIE's unit offset.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) struct TypeRef {
    pub cu: usize,
    pub die: usize,
}

#[derive(Debug)]
pub(super) struct Type {
    /// `DW_AT_name` as written by rustc (e.g. `Vec<i32, alloc::alloc::Global>`).
    pub name: String,
    /// Fully qualified name (e.g. `alloc::vec::Vec<i32, alloc::alloc::Global>`).
    pub qual: String,
    pub size: u64,
    /// `DW_AT_alignment` when given (structs, enums); 0 when not.
    pub align: u64,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Enc {
    Signed,
    Unsigned,
    Float,
    Bool,
    Char,
    Unit,
}

#[derive(Debug)]
pub(super) enum Kind {
    Base(Enc),
    /// `&T`, `&mut T`, `*const T`, `*mut T`, `Box<T>` of sized `T`.
    Pointer(Option<TypeRef>),
    Struct(Struct),
    /// C-like enum: enumerators `(name, value)`.
    CEnum(Vec<(String, u64)>),
    Array {
        elem: Option<TypeRef>,
        count: u64,
    },
    /// Function types and anything else we do not look into.
    Other(&'static str),
}

#[derive(Debug, Default)]
pub(super) struct Struct {
    pub members: Vec<Member>,
    /// Template type parameters `(name, type)`.
    pub params: Vec<(String, TypeRef)>,
    pub variants: Option<Variants>,
    /// `DW_AT_containing_type` (vtable types point at the concrete type).
    pub containing: Option<TypeRef>,
}

#[derive(Debug, Clone)]
pub(super) struct Member {
    pub name: String,
    pub offset: u64,
    pub ty: Option<TypeRef>,
    pub artificial: bool,
}

#[derive(Debug, Default)]
pub(super) struct Variants {
    pub discr: Option<Member>,
    /// `(discr_value, member)`; `None` is the untagged (dataful) variant.
    pub variants: Vec<(Option<u64>, Member)>,
}

impl Type {
    pub fn strukt(&self) -> Option<&Struct> {
        match &self.kind {
            Kind::Struct(s) => Some(s),
            _ => None,
        }
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.strukt()?.members.iter().find(|m| m.name == name)
    }

    pub fn param(&self, name: &str) -> Option<TypeRef> {
        let s = self.strukt()?;
        s.params
            .iter()
            .find(|p| p.0 == name)
            .or(s.params.first())
            .map(|p| p.1)
    }

    /// The alignment a value of this type has for sure: `DW_AT_alignment`,
    /// else a primitive's or pointer's size (at most 8, the least any
    /// x86_64 or aarch64 ABI gives them); 1 when unknown.
    pub fn align(&self) -> u64 {
        if self.align > 0 {
            return self.align;
        }
        match self.kind {
            Kind::Base(_) | Kind::Pointer(_) | Kind::CEnum(_) if self.size.is_power_of_two() => {
                self.size.min(8)
            }
            _ => 1,
        }
    }

    /// The qualified name without generic arguments (`alloc::vec::Vec`).
    pub fn base(&self) -> &str {
        base_name(&self.qual)
    }

    /// The name a user reads: the qualified name without default allocator
    /// and hasher parameters, like `std::any::type_name`.
    pub fn display_name(&self) -> String {
        clean_name(&self.qual)
    }
}

pub(super) fn base_name(s: &str) -> &str {
    match s.find('<') {
        Some(i) if i > 0 => &s[..i],
        _ => s,
    }
}

pub(super) fn clean_name(s: &str) -> String {
    s.replace(", alloc::alloc::Global", "")
        .replace(", std::hash::random::RandomState", "")
}

fn udata(v: AttributeValue<R>) -> Option<u64> {
    match v {
        AttributeValue::Sdata(n) => Some(n as u64),
        v => v.udata_value(),
    }
}

impl Binary {
    /// The type at `r`, parsed once per process (typedefs and qualifiers are
    /// looked through).
    pub fn ty(&self, r: TypeRef) -> Option<Arc<Type>> {
        let cu = self.cu(r.cu)?;
        if let Some(t) = cu.types.lock().ok()?.get(&r.die) {
            return Some(t.clone());
        }
        let t = Arc::new(self.parse_type(&cu, r.die, 0)?);
        cu.types.lock().ok()?.insert(r.die, t.clone());
        Some(t)
    }

    /// A struct type of the unit by qualified name (`alloc::string::String`),
    /// for a trait object whose concrete type has no vtable variable. One
    /// pass over the unit's entries, once per name.
    pub fn find_type(&self, cu_off: usize, qual: &str) -> Option<TypeRef> {
        let cu = self.cu(cu_off)?;
        if let Some(found) = cu.named.lock().ok()?.get(qual) {
            return found.map(|die| TypeRef { cu: cu_off, die });
        }
        let (ns, name) = qual.rsplit_once("::")?;
        let mut found = None;
        let mut entries = cu.unit.entries();
        while let Ok(Some(e)) = entries.next_dfs() {
            if e.tag() != dw::DW_TAG_structure_type || e.attr_value(dw::DW_AT_declaration).is_some()
            {
                continue;
            }
            let n = e
                .attr_value(dw::DW_AT_name)
                .and_then(|v| self.attr_str(&cu, v));
            if n.as_deref() == Some(name) && self.namespace_of(&cu, e.offset().0) == Some(ns) {
                found = Some(e.offset().0);
                break;
            }
        }
        cu.named.lock().ok()?.insert(qual.to_string(), found);
        found.map(|die| TypeRef { cu: cu_off, die })
    }

    fn parse_type(&self, cu: &Arc<Cu>, die: usize, hops: u32) -> Option<Type> {
        let e = self.entry(cu, die)?;
        let name = e
            .attr_value(dw::DW_AT_name)
            .and_then(|v| self.attr_str(cu, v))
            .unwrap_or_default();
        let mut size = e
            .attr_value(dw::DW_AT_byte_size)
            .and_then(udata)
            .unwrap_or(0);
        let target = e
            .attr_value(dw::DW_AT_type)
            .and_then(|v| self.type_ref(cu, v));
        let qualify = |name: &str| match self.namespace_of(cu, die) {
            Some(ns) if !name.is_empty() => format!("{ns}::{name}"),
            _ => name.to_string(),
        };
        let tag = e.tag();
        let kind = match tag {
            dw::DW_TAG_typedef
            | dw::DW_TAG_const_type
            | dw::DW_TAG_volatile_type
            | dw::DW_TAG_restrict_type
            | dw::DW_TAG_atomic_type => {
                if hops > 8 {
                    return None;
                }
                let t = target?;
                let c = self.cu(t.cu)?;
                return self.parse_type(&c, t.die, hops + 1);
            }
            dw::DW_TAG_base_type => {
                let enc = match e.attr_value(dw::DW_AT_encoding) {
                    Some(AttributeValue::Encoding(enc)) => enc,
                    _ => dw::DW_ATE_unsigned,
                };
                let enc = match enc {
                    _ if size == 0 => Enc::Unit,
                    dw::DW_ATE_signed | dw::DW_ATE_signed_char => Enc::Signed,
                    dw::DW_ATE_float => Enc::Float,
                    dw::DW_ATE_boolean => Enc::Bool,
                    dw::DW_ATE_UTF => Enc::Char,
                    _ => Enc::Unsigned,
                };
                Kind::Base(enc)
            }
            dw::DW_TAG_pointer_type
            | dw::DW_TAG_reference_type
            | dw::DW_TAG_rvalue_reference_type => {
                // rustc gives references no `DW_AT_byte_size`: a thin
                // pointer is a word (arrays of them need the stride).
                if size == 0 {
                    size = 8;
                }
                Kind::Pointer(target)
            }
            dw::DW_TAG_array_type => {
                let mut count = 0u64;
                let mut tree = cu.unit.entries_tree(Some(gimli::UnitOffset(die))).ok()?;
                let root = tree.root().ok()?;
                let mut ch = root.children();
                let mut dims = 0;
                while let Ok(Some(c)) = ch.next() {
                    let c = c.entry();
                    if c.tag() == dw::DW_TAG_subrange_type {
                        let n = if let Some(n) = c.attr_value(dw::DW_AT_count).and_then(udata) {
                            n
                        } else if let Some(u) = c.attr_value(dw::DW_AT_upper_bound).and_then(udata)
                        {
                            let l = c
                                .attr_value(dw::DW_AT_lower_bound)
                                .and_then(udata)
                                .unwrap_or(0);
                            (u + 1).saturating_sub(l)
                        } else {
                            0
                        };
                        count = if dims == 0 {
                            n
                        } else {
                            count.saturating_mul(n)
                        };
                        dims += 1;
                    }
                }
                let elem_name = target
                    .and_then(|t| self.ty(t))
                    .map(|t| t.qual.clone())
                    .unwrap_or_else(|| "?".into());
                let name = format!("[{elem_name}; {count}]");
                let size = if size == 0 {
                    target
                        .and_then(|t| self.ty(t))
                        .map(|t| t.size.saturating_mul(count))
                        .unwrap_or(0)
                } else {
                    size
                };
                let align = target.and_then(|t| self.ty(t)).map_or(0, |t| t.align());
                return Some(Type {
                    qual: name.clone(),
                    name,
                    size,
                    align,
                    kind: Kind::Array {
                        elem: target,
                        count,
                    },
                });
            }
            dw::DW_TAG_enumeration_type => {
                let mut list = Vec::new();
                let mut tree = cu.unit.entries_tree(Some(gimli::UnitOffset(die))).ok()?;
                let root = tree.root().ok()?;
                let mut ch = root.children();
                while let Ok(Some(c)) = ch.next() {
                    let c = c.entry();
                    if c.tag() == dw::DW_TAG_enumerator {
                        let n = c
                            .attr_value(dw::DW_AT_name)
                            .and_then(|v| self.attr_str(cu, v))
                            .unwrap_or_default();
                        let v = c
                            .attr_value(dw::DW_AT_const_value)
                            .and_then(udata)
                            .unwrap_or(0);
                        list.push((n, v));
                    }
                }
                Kind::CEnum(list)
            }
            dw::DW_TAG_structure_type | dw::DW_TAG_union_type | dw::DW_TAG_class_type => {
                let mut s = self.parse_struct(cu, die)?;
                s.containing = e
                    .attr_value(dw::DW_AT_containing_type)
                    .and_then(|v| self.type_ref(cu, v));
                Kind::Struct(s)
            }
            dw::DW_TAG_subroutine_type => Kind::Other("fn"),
            _ => Kind::Other("unknown"),
        };
        let qual = match kind {
            Kind::Struct(_) | Kind::CEnum(_) => qualify(&name),
            _ => name.clone(),
        };
        let align = e
            .attr_value(dw::DW_AT_alignment)
            .and_then(udata)
            .unwrap_or(0);
        Some(Type {
            name,
            qual,
            size,
            align,
            kind,
        })
    }

    fn member(&self, cu: &Arc<Cu>, e: &super::dwarf::Die) -> Member {
        Member {
            name: e
                .attr_value(dw::DW_AT_name)
                .and_then(|v| self.attr_str(cu, v))
                .unwrap_or_default(),
            offset: e
                .attr_value(dw::DW_AT_data_member_location)
                .and_then(udata)
                .unwrap_or(0),
            ty: e
                .attr_value(dw::DW_AT_type)
                .and_then(|v| self.type_ref(cu, v)),
            artificial: matches!(
                e.attr_value(dw::DW_AT_artificial),
                Some(AttributeValue::Flag(true))
            ),
        }
    }

    fn parse_struct(&self, cu: &Arc<Cu>, die: usize) -> Option<Struct> {
        let mut s = Struct::default();
        let mut tree = cu.unit.entries_tree(Some(gimli::UnitOffset(die))).ok()?;
        let root = tree.root().ok()?;
        let mut ch = root.children();
        while let Ok(Some(c)) = ch.next() {
            let e = c.entry().clone();
            match e.tag() {
                dw::DW_TAG_member
                    if !matches!(
                        e.attr_value(dw::DW_AT_external),
                        Some(AttributeValue::Flag(true))
                    ) =>
                {
                    s.members.push(self.member(cu, &e));
                }
                dw::DW_TAG_template_type_parameter => {
                    let n = e
                        .attr_value(dw::DW_AT_name)
                        .and_then(|v| self.attr_str(cu, v))
                        .unwrap_or_default();
                    if let Some(t) = e
                        .attr_value(dw::DW_AT_type)
                        .and_then(|v| self.type_ref(cu, v))
                    {
                        s.params.push((n, t));
                    }
                }
                dw::DW_TAG_variant_part => {
                    let mut vp = Variants::default();
                    let discr_off = match e.attr_value(dw::DW_AT_discr) {
                        Some(AttributeValue::UnitRef(o)) => Some(o.0),
                        _ => None,
                    };
                    let mut vch = c.children();
                    while let Ok(Some(v)) = vch.next() {
                        let ve = v.entry().clone();
                        match ve.tag() {
                            dw::DW_TAG_member => {
                                let m = self.member(cu, &ve);
                                if discr_off.is_none_or(|o| o == ve.offset().0) {
                                    vp.discr = Some(m);
                                }
                            }
                            dw::DW_TAG_variant => {
                                let dv = ve.attr_value(dw::DW_AT_discr_value).and_then(udata);
                                let mut mch = v.children();
                                while let Ok(Some(m)) = mch.next() {
                                    if m.entry().tag() == dw::DW_TAG_member {
                                        let me = m.entry().clone();
                                        vp.variants.push((dv, self.member(cu, &me)));
                                        break;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    s.variants = Some(vp);
                }
                _ => {}
            }
        }
        Some(s)
    }
}
