//! `std::sync`: `Mutex`, `RwLock` and their guards, `OnceLock`, and every
//! `std::sync::atomic` type, with the text of their hand-written `Debug`.
//! The lock states read are those of the futex implementations (Linux).

use super::{Part, Provider, Shape};
use crate::debuginfo::place::{invalid, unsupported, Ctx, Typed};
use crate::debuginfo::types::{Enc, Kind};
use crate::debuginfo::value::Node;

pub(super) static PROVIDERS: &[Provider] = &[
    Provider {
        types: &["std::sync::poison::mutex::Mutex", "std::sync::mutex::Mutex"],
        rustc: "1.62..=1.95 (futex; poison module since 1.84)",
        shape: mutex,
    },
    Provider {
        types: &[
            "std::sync::poison::rwlock::RwLock",
            "std::sync::rwlock::RwLock",
        ],
        rustc: "1.62..=1.95 (futex)",
        shape: rwlock,
    },
    Provider {
        types: &[
            "std::sync::poison::mutex::MutexGuard",
            "std::sync::mutex::MutexGuard",
            "std::sync::poison::rwlock::RwLockWriteGuard",
            "std::sync::rwlock::RwLockWriteGuard",
        ],
        rustc: "1.62..=1.95",
        shape: lock_guard,
    },
    Provider {
        types: &[
            "std::sync::poison::rwlock::RwLockReadGuard",
            "std::sync::rwlock::RwLockReadGuard",
        ],
        rustc: "1.62..=1.95 (data: NonNull<T>)",
        shape: read_guard,
    },
    Provider {
        types: &["std::sync::lazy_lock::LazyLock"],
        rustc: "1.80..=1.95 (futex Once: COMPLETE = 0)",
        shape: lazy_lock,
    },
    Provider {
        types: &["std::sync::once_lock::OnceLock"],
        rustc: "1.70..=1.95 (futex Once: COMPLETE = 0)",
        shape: once_lock,
    },
];

/// The atomics, named one by one (`AtomicBool` ... `AtomicPtr`).
static ATOMICS: &[Provider] = &[Provider {
    types: &[
        "core::sync::atomic::AtomicBool",
        "core::sync::atomic::AtomicI8",
        "core::sync::atomic::AtomicU8",
        "core::sync::atomic::AtomicI16",
        "core::sync::atomic::AtomicU16",
        "core::sync::atomic::AtomicI32",
        "core::sync::atomic::AtomicU32",
        "core::sync::atomic::AtomicI64",
        "core::sync::atomic::AtomicU64",
        "core::sync::atomic::AtomicIsize",
        "core::sync::atomic::AtomicUsize",
        "core::sync::atomic::AtomicPtr",
        "core::sync::atomic::Atomic",
    ],
    rustc: "1.34..=1.95",
    shape: atomic,
}];

pub(super) fn atomic_provider(base: &str) -> Option<&'static Provider> {
    ATOMICS.iter().find(|p| p.types.contains(&base))
}

/// An atomic prints its value as `{:?}` of what `load` returns.
fn atomic(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let v = ctx.innermost(t);
    match &v.ty.kind {
        Kind::Base(_) if t.ty.base().ends_with("AtomicBool") || t.ty.name == "Atomic<bool>" => {
            let b = ctx.read_uint(&v.place, 1)?;
            match b {
                0 => Ok(Shape::Atom("false".into())),
                1 => Ok(Shape::Atom("true".into())),
                b => Err(invalid("AtomicBool", b)),
            }
        }
        Kind::Base(Enc::Bool | Enc::Signed | Enc::Unsigned) | Kind::Pointer(_) => {
            Ok(Shape::Inner(v))
        }
        _ => Err(unsupported(&t.ty)),
    }
}

fn poisoned(ctx: &mut Ctx, t: &Typed) -> Result<bool, Node> {
    match ctx.path(t, &["poison", "failed"]) {
        Some(f) => {
            let v = ctx.innermost(&f);
            Ok(ctx.read_uint(&v.place, 1)? != 0)
        }
        None => Ok(false),
    }
}

/// The value inside a lock: `data: UnsafeCell<T>`.
fn data(ctx: &Ctx, t: &Typed) -> Result<Typed, Node> {
    ctx.path(t, &["data", "value"])
        .ok_or_else(|| unsupported(&t.ty))
}

/// `locked` is what std writes for the data while locked: `Mutex` writes
/// the string `"<locked>"`, `RwLock` the bare `<locked>` (1.95).
fn lock_shape(name: &str, locked: Option<&str>, data: Typed, poisoned: bool) -> Shape {
    Shape::Struct {
        name: name.into(),
        fields: vec![
            (
                "data".into(),
                match locked {
                    Some(text) => Part::Atom(text.into()),
                    None => Part::Value(data),
                },
            ),
            ("poisoned".into(), Part::Atom(poisoned.to_string())),
        ],
        non_exhaustive: true,
    }
}

/// `Mutex { data: 5, poisoned: false, .. }`; `data: "<locked>"` while
/// locked (the futex is not 0).
fn mutex(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let futex = ctx.scalar_at(t, &["inner", "futex"])?;
    let p = poisoned(ctx, t)?;
    let locked = (futex != 0).then_some("\"<locked>\"");
    Ok(lock_shape("Mutex", locked, data(ctx, t)?, p))
}

/// `RwLock { data: .., poisoned: false, .. }`: `try_read` fails when write
/// locked, at the reader limit, or with readers or writers waiting.
fn rwlock(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    const MASK: u64 = (1 << 30) - 1;
    const MAX_READERS: u64 = MASK - 1;
    const WAITING: u64 = 3 << 30;
    let state = ctx.scalar_at(t, &["inner", "state"])?;
    let readable = state & MASK < MAX_READERS && state & WAITING == 0;
    let p = poisoned(ctx, t)?;
    let locked = (!readable).then_some("<locked>");
    Ok(lock_shape("RwLock", locked, data(ctx, t)?, p))
}

/// `MutexGuard` and `RwLockWriteGuard` print the guarded value.
fn lock_guard(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let l = ctx.field(t, "lock").ok_or_else(|| unsupported(&t.ty))?;
    let lock = ctx.deref(&l)?.ok_or_else(|| unsupported(&t.ty))?;
    Ok(Shape::Inner(data(ctx, &lock)?))
}

fn read_guard(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let d = ctx.field(t, "data").ok_or_else(|| unsupported(&t.ty))?;
    let p = ctx.field(&d, "pointer").unwrap_or(d);
    match ctx.deref(&p)? {
        Some(v) => Ok(Shape::Inner(v)),
        None => Err(unsupported(&t.ty)),
    }
}

/// `LazyLock(value)` once forced, `LazyLock(<uninit>)` before: the value
/// is at the start of `data: UnsafeCell<Data<T, F>>` once `once` is
/// complete.
fn lazy_lock(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let state = ctx.scalar_at(t, &["once", "inner", "state_and_queued"])?;
    let part = if state & 3 == 0 {
        let cell = ctx.field(t, "data").ok_or_else(|| unsupported(&t.ty))?;
        let (r, _) = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
        Part::Value(ctx.typed(r, cell.place).ok_or_else(|| unsupported(&t.ty))?)
    } else {
        Part::Atom("<uninit>".into())
    };
    Ok(Shape::Tuple("LazyLock".into(), vec![part]))
}

/// `OnceLock(value)` or `OnceLock(<uninit>)`: the value is there once the
/// `Once` is complete; it sits at the start of `value:
/// UnsafeCell<MaybeUninit<T>>`.
fn once_lock(ctx: &mut Ctx, t: &Typed) -> Result<Shape, Node> {
    let state = ctx.scalar_at(t, &["once", "inner", "state_and_queued"])?;
    let part = if state & 3 == 0 {
        let cell = ctx.field(t, "value").ok_or_else(|| unsupported(&t.ty))?;
        let (r, _) = ctx.param(t, "T").ok_or_else(|| unsupported(&t.ty))?;
        Part::Value(ctx.typed(r, cell.place).ok_or_else(|| unsupported(&t.ty))?)
    } else {
        Part::Atom("<uninit>".into())
    };
    Ok(Shape::Tuple("OnceLock".into(), vec![part]))
}
