//! `BTreeMap` and `BTreeSet`: `root: Option<NodeRef { node, height }>`,
//! `LeafNode { keys, vals, len: u16 }`, internal nodes add `edges` after
//! the leaf part; entries in order.

use std::sync::Arc;

use super::{Provider, Shape};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Place, Typed, MAX_ELEMS};
use crate::debuginfo::types::{Type, TypeRef};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &["alloc::collections::btree::map::BTreeMap"],
        rustc: "1.50..=1.95",
        shape: map,
    },
    Provider {
        types: &["alloc::collections::btree::set::BTreeSet"],
        rustc: "1.50..=1.95",
        shape: set,
    },
];

fn map(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let (entries, left) = entries(ctx, t)?;
    Ok(Shape::Map { entries, left })
}

fn set(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let m = ctx.field(t, "map").ok_or_else(|| unsupported(&t.ty))?;
    let (entries, left) = entries(ctx, &m)?;
    Ok(Shape::Set {
        items: entries.into_iter().map(|(k, _)| k).collect(),
        left,
    })
}

struct Geo {
    kref: TypeRef,
    vref: TypeRef,
    kty: Arc<Type>,
    vty: Arc<Type>,
    keys_off: u64,
    vals_off: u64,
    len_off: u64,
    edges_off: u64,
}

/// In-order `(key, value)` places, and how many the element cap left out.
fn entries(ctx: &mut Ctx, t: &Typed) -> Result<(Vec<(Typed, Typed)>, u64), Node> {
    let ty = t.ty.clone();
    let (kref, kty) = ctx.param(t, "K").ok_or_else(|| unsupported(&ty))?;
    let vref = ty
        .strukt()
        .and_then(|s| s.params.iter().find(|p| p.0 == "V").map(|p| p.1))
        .ok_or_else(|| unsupported(&ty))?;
    let vty = ctx.bin.ty(vref).ok_or_else(|| unsupported(&ty))?;
    let len = ctx.scalar_at(t, &["length"])?;
    let mut out = Vec::new();
    if len == 0 {
        return Ok((out, 0));
    }
    let root = ctx.field(t, "root").ok_or_else(|| unsupported(&ty))?;
    let Some((_, some)) = ctx.variant(&root)? else {
        return Err(unsupported(&ty));
    };
    let node_ref = ctx.field(&some, "__0").unwrap_or(some);
    let height = ctx.scalar_at(&node_ref, &["height"])?;
    let nf = ctx
        .field(&node_ref, "node")
        .ok_or_else(|| unsupported(&ty))?;
    let (node, leaf_ty) = ctx.scalar(&nf)?;
    let leaf = leaf_ty
        .and_then(|l| ctx.bin.ty(l))
        .ok_or_else(|| unsupported(&ty))?;
    let off = |n: &str| {
        leaf.member(n)
            .map(|m| m.offset)
            .ok_or_else(|| unsupported(&ty))
    };
    let geo = Geo {
        kref,
        vref,
        kty,
        vty,
        keys_off: off("keys")?,
        vals_off: off("vals")?,
        len_off: off("len")?,
        edges_off: (leaf.size + 7) & !7,
    };
    if height > 32 {
        return Err(invalid("BTreeMap", format!("height {height}")));
    }
    let mut nodes = 0usize;
    walk(ctx, &geo, node, height, &mut out, &mut nodes)?;
    let left = len.saturating_sub(out.len() as u64);
    Ok((out, left))
}

/// Appends the node's entries in order; stops at the element cap.
fn walk(
    ctx: &mut Ctx,
    g: &Geo,
    node: u64,
    height: u64,
    out: &mut Vec<(Typed, Typed)>,
    nodes: &mut usize,
) -> Result<(), Node> {
    *nodes += 1;
    if *nodes > 1_000_000 || out.len() >= MAX_ELEMS {
        return Ok(());
    }
    let len = ctx
        .read_uint(&Place::Mem(node + g.len_off), 2)
        .map_err(|_| invalid("BTreeMap", format!("node at unreadable address {node:#x}")))?;
    if len > 11 {
        return Err(invalid("BTreeMap", format!("node length {len}")));
    }
    for i in 0..=len {
        if height > 0 {
            let child = ctx.read_uint(&Place::Mem(node + g.edges_off + i * 8), 8)?;
            walk(ctx, g, child, height - 1, out, nodes)?;
        }
        if i == len || out.len() >= MAX_ELEMS {
            break;
        }
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
    Ok(())
}
