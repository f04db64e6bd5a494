//! `HashMap` and `HashSet` (hashbrown's `RawTable`): slot `i` is full when
//! `ctrl[i] & 0x80 == 0`, and its bucket sits at `ctrl - (i + 1) * size`.

use super::{Provider, Shape};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Place, Typed, MAX_ELEMS};
use crate::debuginfo::types::Member;
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[Provider {
    types: &[
        "std::collections::hash::map::HashMap",
        "std::collections::hash::set::HashSet",
    ],
    rustc: "1.36..=1.95 (hashbrown)",
    shape: hash,
}];

fn hash(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let is_set = t.ty.base().ends_with("HashSet");
    let mut entries = Vec::new();
    let left = hash_walk(ctx, t, &mut |_, k, v| {
        entries.push((k, v));
        true
    })?;
    Ok(if is_set {
        Shape::Set {
            items: entries.into_iter().map(|(k, _)| k).collect(),
            left,
        }
    } else {
        Shape::Map {
            entries: entries
                .into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect(),
            left,
        }
    })
}

/// Calls `f(key, value)` for each full bucket in iteration order (what
/// hashbrown's iterator, and so `{:?}`, visits); the value is `None` for
/// sets. Returns how many entries the element cap left out.
fn hash_walk(
    ctx: &mut Ctx,
    t: &Typed,
    f: &mut dyn FnMut(&mut Ctx, Typed, Option<Typed>) -> bool,
) -> Result<u64, Node> {
    let ty = t.ty.clone();
    let raw = ctx
        .any_path(
            t,
            &[
                &["base", "table"],
                &["base", "map", "table"],
                &["map", "base", "table"],
            ],
        )
        .ok_or_else(|| unsupported(&ty))?;
    let pair = ctx.param(&raw, "T").ok_or_else(|| unsupported(&ty))?;
    let inner = ctx.field(&raw, "table").ok_or_else(|| unsupported(&ty))?;
    let mask = ctx.scalar_at(&inner, &["bucket_mask"])?;
    let items = ctx.scalar_at(&inner, &["items"])?;
    let ctrl = ctx.scalar_at(&inner, &["ctrl"])?;
    let buckets = mask.wrapping_add(1);
    if items == 0 {
        return Ok(0);
    }
    if !buckets.is_power_of_two() || buckets > (1 << 28) || items > buckets {
        return Err(invalid(
            "hash table",
            format!("{items} items in {buckets} buckets"),
        ));
    }
    let ctrl_bytes = ctx
        .read(&Place::Mem(ctrl), buckets as usize)
        .map_err(|_| invalid("hash table", format!("control bytes at {ctrl:#x}")))?;
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
    // One read for all buckets when reasonably small.
    let span = buckets.saturating_mul(size);
    let base = ctrl.wrapping_sub(span);
    let buf = if span > 0 && span <= 64 << 20 {
        Some(ctx.buffered_len(&Place::Mem(base), span as usize)?)
    } else {
        None
    };
    let mut seen = 0u64;
    // Groups of control bytes from the start and, within a group, full
    // slots by ascending index: plain ascending bucket order.
    for (i, c) in ctrl_bytes.iter().enumerate() {
        if c & 0x80 != 0 {
            continue;
        }
        if seen as usize >= MAX_ELEMS {
            return Ok(items.saturating_sub(seen));
        }
        seen += 1;
        let off = span - (i as u64 + 1) * size;
        let place = match &buf {
            Some(b) => b.at(off),
            None => Place::Mem(base + off),
        };
        let slot = Typed {
            ty: pair.1.clone(),
            tref: pair.0,
            place,
        };
        let key = ctx
            .member_of(&slot, &kref)
            .ok_or_else(|| unsupported(&ty))?;
        let val = if is_pair {
            v.as_ref().and_then(|v| ctx.member_of(&slot, v))
        } else {
            None
        };
        if !f(ctx, key, val) {
            return Ok(0);
        }
        if seen >= items {
            break;
        }
    }
    Ok(0)
}
