//! `core::net`: addresses print as std writes them (`192.168.0.1`,
//! `2001:db8::1`, `[::1]:443`); formatted here by std itself from the
//! octets and ports read.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::{Provider, Shape};
use crate::debuginfo::place::{unsupported, Ctx, Typed};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &[
            "core::net::ip_addr::Ipv4Addr",
            "core::net::ip_addr::Ipv6Addr",
        ],
        rustc: "1.77..=1.95 (core::net, octets)",
        shape: ip,
    },
    Provider {
        types: &[
            "core::net::socket_addr::SocketAddrV4",
            "core::net::socket_addr::SocketAddrV6",
        ],
        rustc: "1.77..=1.95 (core::net)",
        shape: socket,
    },
    Provider {
        types: &[
            "core::net::ip_addr::IpAddr",
            "core::net::socket_addr::SocketAddr",
        ],
        rustc: "1.77..=1.95 (core::net)",
        shape: either,
    },
];

fn octets<const N: usize>(ctx: &mut Ctx, t: &Typed) -> Result<[u8; N], Node> {
    let o = ctx.field(t, "octets").ok_or_else(|| unsupported(&t.ty))?;
    let b = ctx.read(&o.place, N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&b);
    Ok(out)
}

fn v4(ctx: &mut Ctx, t: &Typed) -> Result<Ipv4Addr, Node> {
    Ok(Ipv4Addr::from(octets::<4>(ctx, t)?))
}

fn v6(ctx: &mut Ctx, t: &Typed) -> Result<Ipv6Addr, Node> {
    Ok(Ipv6Addr::from(octets::<16>(ctx, t)?))
}

fn ip(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    Ok(if t.ty.base().ends_with("Ipv4Addr") {
        Shape::formatted(&v4(ctx, t)?)
    } else {
        Shape::formatted(&v6(ctx, t)?)
    })
}

fn socket(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let ip = ctx.field(t, "ip").ok_or_else(|| unsupported(&t.ty))?;
    let port = ctx.scalar_at(t, &["port"])? as u16;
    if t.ty.base().ends_with("V4") {
        return Ok(Shape::formatted(&SocketAddrV4::new(v4(ctx, &ip)?, port)));
    }
    let flow = ctx.scalar_at(t, &["flowinfo"])? as u32;
    let scope = ctx.scalar_at(t, &["scope_id"])? as u32;
    Ok(Shape::formatted(&SocketAddrV6::new(
        v6(ctx, &ip)?,
        port,
        flow,
        scope,
    )))
}

/// `IpAddr` and `SocketAddr` print their variant's address alone.
fn either(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let (_, v) = ctx.variant(t)?.ok_or_else(|| unsupported(&t.ty))?;
    Ok(Shape::Inner(
        ctx.field(&v, "__0").ok_or_else(|| unsupported(&t.ty))?,
    ))
}
