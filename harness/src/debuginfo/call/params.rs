//! A function's parameters and its `self`, read from its DWARF.

use std::sync::Arc;

use gimli::constants as dw;

use super::super::dwarf::Binary;
use super::super::types::{Kind, Type};

/// What a `Debug::fmt` takes as `self`, by its DWARF.
#[derive(Debug)]
pub(in crate::debuginfo) enum SelfParam {
    /// `&T` for a sized `T` (a thin pointer): `T`.
    Thin(Arc<Type>),
    /// A fat `&[E]`: the reference type itself (`data_ptr`, `length`).
    Fat(Arc<Type>),
}

/// A formal parameter of a function, from its DWARF.
#[derive(Debug, Clone)]
pub(in crate::debuginfo) struct Param {
    pub name: String,
    pub ty: Arc<Type>,
}

/// The parameters of the function at link-time `addr`, in order, from its
/// DWARF; `None` without DWARF for it (std is built with line tables only)
/// or when a parameter's type cannot be read.
pub(in crate::debuginfo) fn parameters(bin: &Binary, addr: u64) -> Option<Vec<Param>> {
    let cu = bin.cu_for_pc(addr)?;
    let die = bin.subprogram_at(&cu, addr)?;
    let mut tree = cu.unit.entries_tree(Some(gimli::UnitOffset(die))).ok()?;
    let root = tree.root().ok()?;
    let mut children = root.children();
    let mut out = Vec::new();
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
            .and_then(|v| bin.attr_str(&pcu, v))
            .unwrap_or_default();
        let tref = bin.type_ref(&pcu, param.attr_value(dw::DW_AT_type)?)?;
        out.push(Param {
            name,
            ty: bin.ty(tref)?,
        });
    }
    Some(out)
}

/// The `self` parameter of the function at link-time `addr`, from its
/// DWARF (its first parameter, named `self`). `None` without DWARF for it.
pub(in crate::debuginfo) fn self_param(bin: &Binary, addr: u64) -> Option<SelfParam> {
    let first = parameters(bin, addr)?.into_iter().next()?;
    if first.name != "self" {
        return None;
    }
    match first.ty.kind {
        Kind::Pointer(Some(target)) => bin.ty(target).map(SelfParam::Thin),
        _ if slice_elem_type(bin, &first.ty).is_some() => Some(SelfParam::Fat(first.ty)),
        _ => None,
    }
}

/// `E` of a fat slice reference type (`&[E]`, `&mut [E]`, `Box<[E]>`):
/// a struct of `data_ptr: *const E` and `length`.
pub(in crate::debuginfo) fn slice_elem_type(bin: &Binary, ty: &Type) -> Option<Arc<Type>> {
    let n = &ty.qual;
    if !(n.starts_with("&[") || n.starts_with("&mut [") || n.starts_with("alloc::boxed::Box<[")) {
        return None;
    }
    ty.member("length")?;
    let ptr = bin.ty(ty.member("data_ptr")?.ty?)?;
    match ptr.kind {
        Kind::Pointer(Some(e)) => bin.ty(e),
        _ => None,
    }
}
