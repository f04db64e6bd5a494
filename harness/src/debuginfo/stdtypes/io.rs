//! `std::io::Error`: a tagged pointer (`Repr`, 64-bit): `0b00` a
//! `&'static SimpleMessage`, `0b01` a `Box<Custom>` (+1), `0b10` an OS
//! error code and `0b11` an `ErrorKind`, both in the high 32 bits. The
//! types of the four come from `Repr`'s `PhantomData<ErrorData<..>>`.

use std::sync::Arc;

use super::{member, Part, Provider, Shape};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Place, Typed};
use crate::debuginfo::types::{Kind, Type, TypeRef};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[Provider {
    types: &["std::io::error::Error"],
    rustc: "1.63..=1.95 (bit-packed Repr)",
    shape: error,
}];

/// The type of `ErrorData`'s variant `name`'s field.
fn variant_field(ctx: &Ctx, data: &Type, name: &str) -> Option<(TypeRef, Arc<Type>)> {
    let vp = data.strukt()?.variants.as_ref()?;
    let m = vp.variants.iter().find(|v| v.1.name == name)?;
    let vty = ctx.bin.ty(m.1.ty?)?;
    let r = vty.member("__0")?.ty?;
    Some((r, ctx.bin.ty(r)?))
}

fn error(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let ty = &t.ty;
    let repr = ctx.field(t, "repr").ok_or_else(|| unsupported(ty))?;
    let bits = ctx.scalar_at(&repr, &["__0"])?;
    let data = ctx
        .field(&repr, "__1")
        .and_then(|p| ctx.param(&p, "T"))
        .ok_or_else(|| unsupported(ty))?
        .1;
    let kind_of = |ctx: &mut Ctx, k: u64| -> Result<Part, Node> {
        let (r, kty) = variant_field(ctx, &data, "Simple").ok_or_else(|| unsupported(ty))?;
        if let Kind::CEnum(list) = &kty.kind {
            if !list.iter().any(|e| e.1 == k) {
                return Err(invalid("io::Error", format!("kind {k}")));
            }
        }
        Ok(Part::Value(Typed {
            ty: kty.clone(),
            tref: r,
            place: Place::Buf {
                data: Arc::new(k.to_le_bytes().to_vec()),
                off: 0,
                addr: None,
            },
        }))
    };
    match bits & 3 {
        0b10 => {
            let code = (bits >> 32) as i32;
            Ok(Shape::formatted(&std::io::Error::from_raw_os_error(code)))
        }
        0b11 => Ok(Shape::Tuple("Kind".into(), vec![kind_of(ctx, bits >> 32)?])),
        0b00 => {
            let (_, p) =
                variant_field(ctx, &data, "SimpleMessage").ok_or_else(|| unsupported(ty))?;
            let Kind::Pointer(Some(m)) = p.kind else {
                return Err(unsupported(ty));
            };
            let msg = ctx
                .typed(m, Place::Mem(bits))
                .ok_or_else(|| unsupported(ty))?;
            Ok(Shape::Struct {
                name: "Error".into(),
                fields: vec![
                    ("kind".into(), member(ctx, &msg, "kind")?),
                    ("message".into(), member(ctx, &msg, "message")?),
                ],
                non_exhaustive: false,
            })
        }
        _ => {
            let (_, p) = variant_field(ctx, &data, "Custom").ok_or_else(|| unsupported(ty))?;
            let target = match p.kind {
                Kind::Pointer(Some(c)) => c,
                _ => return Err(unsupported(ty)),
            };
            let custom = ctx
                .typed(target, Place::Mem(bits - 1))
                .ok_or_else(|| unsupported(ty))?;
            Ok(Shape::Inner(custom))
        }
    }
}
