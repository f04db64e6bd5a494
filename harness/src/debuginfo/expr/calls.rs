//! Calls of the binary's own functions and methods with the frame's values
//! (`p transform(&rows[1], &config)`, `p cfg.describe()`), run in a forked
//! child with a deadline ([`crate::isolate::run`]) like the `Debug` calls:
//! whatever the function does to memory stays in the child, and a crash,
//! a hang or a panic is reported, never felt by the process.
//!
//! The function is found by name in the symbol table and its parameters
//! and return type are read from its DWARF, so every argument is checked
//! before the call. What can be passed: references (`&T`, `&mut T`: the
//! address of a value in memory), `&str` and `&[T]` (pointer and length),
//! integers, `bool` and `char`; at most six machine words. What can be
//! returned: `()`, integers, `bool`, `char`, floats, references, and values
//! larger than two words (returned through a hidden pointer); smaller
//! aggregates are refused, since how they come back depends on their
//! fields. The result is formatted in the child, by its type's own
//! `Debug` when the binary has it, else by the memory reader.

use std::fmt;

use gimli::constants as dw;

use super::super::call::{debug_fmt_of, functions_containing, parameters, Function, Param};
use super::super::dwarf::Binary;
use super::super::place::{Ctx, Place, Typed};
use super::super::types::{Enc, Kind, Type, TypeRef};
use super::super::value::Value;
use super::super::EvalError;
use super::parse::Expr;
use super::value::Val;
use super::Ev;
use crate::isolate::{self, Limits};

/// How the function returns.
#[derive(Clone, Copy)]
enum Ret {
    Unit,
    /// In a general register (integers, `bool`, `char`, thin pointers).
    Int,
    F32,
    F64,
    /// A fat pointer (`&str`, `&[T]`): two registers.
    Pair,
    /// Through a hidden pointer passed first.
    Indirect,
}

/// `f(args)` where `f` is a path.
pub(super) fn call_function(ev: &Ev, f: &Expr, args: &[Expr]) -> Result<Val, EvalError> {
    let Expr::Path(segs) = f else {
        return Err(EvalError::Unsupported("calling a computed value".into()));
    };
    let name = segs.join("::");
    let last = segs.last().cloned().unwrap_or_default();
    if let [local] = segs.as_slice() {
        let vars = ev.di.var_dies(ev.frame)?;
        if vars.iter().any(|v| &v.name == local) {
            return Err(EvalError::Unsupported(format!(
                "calling a closure or function pointer held in a local (`{local}`)"
            )));
        }
    }
    if last.starts_with(char::is_uppercase) {
        return Err(EvalError::Unsupported(format!(
            "constructing values (`{name}(..)`)"
        )));
    }
    let vals = args
        .iter()
        .map(|a| ev.eval(a))
        .collect::<Result<Vec<_>, _>>()?;
    let krate = crate_of(&ev.frame.function);
    let want = name.replacen("crate::", &format!("{krate}::"), 1);
    let cands: Vec<Function> =
        functions_containing(ev.bin(), format!("{}{last}", last.len()).as_bytes())
            .into_iter()
            .filter(|f| f.name == want || f.name.ends_with(&format!("::{want}")))
            .collect();
    invoke(ev, &name, cands, vals, &krate)
}

/// `recv.name(args)` for a method of the user's types.
pub(super) fn call_method(ev: &Ev, recv: Val, name: &str, args: &[Expr]) -> Result<Val, EvalError> {
    let d = ev.autoderef(&recv)?;
    let Val::Place(t) = &d else {
        return Err(EvalError::NoMethod {
            method: name.into(),
            ty: d.type_name(),
        });
    };
    let mut vals = vec![Val::Ref(Box::new(d.clone()))];
    for a in args {
        vals.push(ev.eval(a)?);
    }
    // `path::Type::name` or `<path::Type as Trait>::name`.
    let base = super::super::types::base_name(&t.ty.qual).to_string();
    let cands: Vec<Function> =
        functions_containing(ev.bin(), format!("{}{name}", name.len()).as_bytes())
            .into_iter()
            .filter(|f| {
                f.name.ends_with(&format!("::{name}"))
                    && (f.name.starts_with(&format!("{base}::"))
                        || f.name.starts_with(&format!("<{base} as "))
                        || f.name.starts_with(&format!("{base}<"))
                        || f.name.starts_with(&format!("<{base}<")))
                    && parameters(ev.bin(), f.addr)
                        .and_then(|p| p.first().cloned())
                        .is_some_and(|p| p.name == "self")
            })
            .collect();
    if cands.is_empty() {
        return Err(EvalError::NoMethod {
            method: name.into(),
            ty: super::super::eval::short(t),
        });
    }
    let krate = crate_of(&ev.frame.function);
    invoke(
        ev,
        &format!("{}::{name}", t.ty.display_name()),
        cands,
        vals,
        &krate,
    )
}

fn crate_of(function: &str) -> String {
    function
        .trim_start_matches('<')
        .split("::")
        .next()
        .unwrap_or_default()
        .to_string()
}

fn fail(function: &str, reason: impl Into<String>) -> EvalError {
    EvalError::Call {
        function: function.to_string(),
        reason: reason.into(),
    }
}

fn invoke(
    ev: &Ev,
    name: &str,
    cands: Vec<Function>,
    vals: Vec<Val>,
    krate: &str,
) -> Result<Val, EvalError> {
    if cands.is_empty() {
        return Err(EvalError::NoFunction(name.to_string()));
    }
    let bin = ev.bin();
    let mut last_err = None;
    // The frame's crate first.
    let mut cands = cands;
    cands.sort_by_key(|f| !f.name.starts_with(&format!("{krate}::")));
    // Text of literal `&str` arguments, alive until the call is over.
    let mut keep: Vec<String> = Vec::new();
    for f in &cands {
        let Some(params) = parameters(bin, f.addr) else {
            last_err = Some(fail(name, "no debug info for its parameters"));
            continue;
        };
        if params.len() != vals.len() {
            last_err = Some(EvalError::Type(format!(
                "`{name}` takes {} argument{}, {} given",
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                vals.len()
            )));
            continue;
        }
        let words = match params
            .iter()
            .zip(&vals)
            .map(|(p, v)| words_for(ev, p, v, &mut keep))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(w) => w.concat(),
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        let ret_ref = return_type(bin, f.addr);
        let ret_ty = ret_ref.and_then(|r| bin.ty(r));
        let ret = match ret_kind(ret_ty.as_deref()) {
            Some(r) => r,
            None => {
                return Err(EvalError::Unsupported(format!(
                    "calling a function that returns `{}` (a small aggregate)",
                    ret_ty.map(|t| t.display_name()).unwrap_or_default()
                )))
            }
        };
        let extra = usize::from(matches!(ret, Ret::Indirect));
        if words.len() + extra > 6 {
            return Err(EvalError::Unsupported(
                "calls passing more than six machine words".into(),
            ));
        }
        let ret_t = match (ret_ref, ret_ty) {
            (Some(r), Some(t)) => Some((r, t)),
            _ => None,
        };
        return run(bin, name, f.addr, &words, ret, ret_t);
    }
    Err(last_err.unwrap_or_else(|| EvalError::NoFunction(name.to_string())))
}

/// The machine words passing `v` as parameter `p`.
fn words_for(ev: &Ev, p: &Param, v: &Val, keep: &mut Vec<String>) -> Result<Vec<u64>, EvalError> {
    let mismatch = || {
        EvalError::Type(format!(
            "mismatched types: parameter `{}` is `{}`, found `{}`",
            p.name,
            p.ty.display_name(),
            v.type_name()
        ))
    };
    let bin = ev.bin();
    match &p.ty.kind {
        Kind::Pointer(Some(target)) => {
            let target = bin.ty(*target).ok_or_else(mismatch)?;
            let inner = match v {
                Val::Ref(inner) => ev.autoderef(inner)?,
                Val::Place(t) if t.ty.qual == p.ty.qual => {
                    // A reference held in a local: pass it on.
                    let mut ctx = Ctx::new(bin);
                    let a = ctx
                        .read_uint(&t.place, 8)
                        .map_err(|n| super::value::read_err(ev, n))?;
                    return Ok(vec![a]);
                }
                _ => return Err(mismatch()),
            };
            let Val::Place(t) = inner else {
                return Err(mismatch());
            };
            if !same(&t.ty, &target) {
                return Err(mismatch());
            }
            match t.place {
                Place::Mem(a) | Place::Buf { addr: Some(a), .. } => Ok(vec![a]),
                Place::Buf { .. } => Err(fail(&p.name, "the value is not in memory")),
            }
        }
        Kind::Base(enc) => {
            let s = ev.scalar(v)?;
            let w = match (enc, &s) {
                (Enc::Signed | Enc::Unsigned, Val::Int(i, t)) => {
                    if t.as_ref().is_some_and(|t| *t != p.ty.name) {
                        return Err(mismatch());
                    }
                    super::ops::fits(*i, &p.ty.name)?;
                    *i as u64
                }
                (Enc::Bool, Val::Bool(b)) => *b as u64,
                (Enc::Char, Val::Char(c)) => *c as u64,
                (Enc::Float, _) => {
                    return Err(EvalError::Unsupported(
                        "calls passing floating-point arguments".into(),
                    ))
                }
                _ => return Err(mismatch()),
            };
            Ok(vec![w])
        }
        _ if p.ty.member("data_ptr").is_some() && p.ty.member("length").is_some() => {
            // `&str` / `&[E]`: pointer and length of what is in memory, of
            // the same element type.
            let want_elem =
                p.ty.member("data_ptr")
                    .and_then(|m| m.ty)
                    .and_then(|r| bin.ty(r))
                    .and_then(|t| match t.kind {
                        Kind::Pointer(Some(e)) => bin.ty(e),
                        _ => None,
                    });
            let is_str = p.ty.qual == "&str" || p.ty.qual == "&mut str";
            if let Val::Place(t) = ev.autoderef(v)? {
                // `&[T; N]` coerces to `&[T]`.
                if let Kind::Array {
                    elem: Some(e),
                    count,
                } = &t.ty.kind
                {
                    let same_elem = bin
                        .ty(*e)
                        .zip(want_elem.as_ref())
                        .is_some_and(|(a, w)| same(&a, w));
                    return match t.place {
                        Place::Mem(a) | Place::Buf { addr: Some(a), .. }
                            if same_elem && !is_str =>
                        {
                            Ok(vec![a, *count])
                        }
                        _ => Err(mismatch()),
                    };
                }
                let mut ctx = Ctx::new(bin);
                match super::super::stdtypes::shape(&mut ctx, &t) {
                    Some(Ok(super::super::stdtypes::Shape::Text {
                        ptr,
                        len,
                        kind: super::super::stdtypes::Text::Str,
                        ..
                    })) if is_str => return Ok(vec![ptr, len]),
                    Some(Ok(super::super::stdtypes::Shape::Slice { ptr, len, elem }))
                        if !is_str && want_elem.as_ref().is_some_and(|w| same(w, &elem.1)) =>
                    {
                        return Ok(vec![ptr, len])
                    }
                    _ => return Err(mismatch()),
                }
            }
            match ev.scalar(v)? {
                Val::Str(s) if is_str => {
                    // A literal: kept alive until the call is over (the
                    // child sees this process's memory as of the fork).
                    let words = vec![s.as_ptr() as u64, s.len() as u64];
                    keep.push(s);
                    Ok(words)
                }
                _ => Err(mismatch()),
            }
        }
        _ => Err(EvalError::Unsupported(format!(
            "calls passing a `{}` by value (pass a reference)",
            p.ty.display_name()
        ))),
    }
}

fn same(a: &Type, b: &Type) -> bool {
    a.qual == b.qual && a.size == b.size
}

/// The function's return type from its DWARF (`None`: `()`).
fn return_type(bin: &Binary, addr: u64) -> Option<TypeRef> {
    let cu = bin.cu_for_pc(addr)?;
    let die = bin.subprogram_at(&cu, addr)?;
    let mut cur = (cu.clone(), die);
    for _ in 0..4 {
        let e = bin.entry(&cur.0, cur.1)?;
        if let Some(t) = e.attr_value(dw::DW_AT_type) {
            return bin.type_ref(&cur.0, t);
        }
        match e
            .attr_value(dw::DW_AT_specification)
            .or_else(|| e.attr_value(dw::DW_AT_abstract_origin))
        {
            Some(o) => cur = bin.follow(&cur.0, o)?,
            None => return None,
        }
    }
    None
}

fn ret_kind(t: Option<&Type>) -> Option<Ret> {
    let Some(t) = t else { return Some(Ret::Unit) };
    Some(match &t.kind {
        Kind::Base(Enc::Unit) => Ret::Unit,
        Kind::Base(Enc::Float) if t.size == 4 => Ret::F32,
        Kind::Base(Enc::Float) if t.size == 8 => Ret::F64,
        Kind::Base(_) | Kind::CEnum(_) if t.size <= 8 => Ret::Int,
        Kind::Pointer(_) => Ret::Int,
        _ if t.size == 0 => Ret::Unit,
        _ if t.size > 16 => Ret::Indirect,
        _ if t.member("data_ptr").is_some() && t.member("length").is_some() => Ret::Pair,
        _ => return None,
    })
}

/// Calls `addr` with `words` in a forked child; formats what it returned.
fn run(
    bin: &Binary,
    name: &str,
    addr: u64,
    words: &[u64],
    ret: Ret,
    ret_ty: Option<(TypeRef, std::sync::Arc<Type>)>,
) -> Result<Val, EvalError> {
    let f = addr.wrapping_add(bin.bias) as usize;
    let size = ret_ty.as_ref().map_or(0, |t| t.1.size as usize);
    let ty_name = ret_ty.as_ref().map_or("()".into(), |t| t.1.display_name());
    let out = isolate::run(Limits::from_env(), |w| {
        let mut buf = vec![0u128; size.div_ceil(16).max(2)];
        let p = buf.as_mut_ptr() as u64;
        // SAFETY: `f` is a function of this binary whose parameters and
        // return type were checked against its DWARF; this runs only in
        // the forked child, where a crash is reported, not felt.
        unsafe { raw_call(f, words, ret, p) };
        let (compact, pretty) = format_ret(bin, ret_ty.clone(), buf.as_ptr() as u64)?;
        write!(w, "{compact}\0{pretty}")
    })
    .map_err(|e| fail(name, e.to_string()))?;
    let (compact, pretty) = out.split_once('\0').unwrap_or((&out, &out));
    Ok(Val::Text {
        compact: compact.to_string(),
        pretty: pretty.to_string(),
        ty: ty_name,
    })
}

/// `{:?}` and `{:#?}` of the returned value at `at` (in the child).
fn format_ret(
    bin: &Binary,
    ty: Option<(TypeRef, std::sync::Arc<Type>)>,
    at: u64,
) -> Result<(String, String), fmt::Error> {
    let Some((tref, ty)) = ty else {
        return Ok(("()".into(), "()".into()));
    };
    let own = match ty.kind {
        Kind::Base(_) | Kind::Pointer(_) => None,
        _ => debug_fmt_of(bin, &ty),
    };
    if let Some(fmt_fn) = own {
        struct Own(usize, *const u8);
        impl fmt::Debug for Own {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                type FmtFn = for<'a, 'b> fn(*const u8, &'a mut fmt::Formatter<'b>) -> fmt::Result;
                // SAFETY: `self.0` is `<T as Debug>::fmt` for the returned
                // type (by DWARF), `self.1` points at the returned value.
                unsafe { std::mem::transmute::<usize, FmtFn>(self.0)(self.1, f) }
            }
        }
        let o = Own(fmt_fn, at as *const u8);
        return Ok((format!("{o:?}"), format!("{o:#?}")));
    }
    // By the memory reader (exact for primitives and std's types).
    let t = Typed {
        ty,
        tref,
        place: Place::Mem(at),
    };
    let v = Value {
        type_name: String::new(),
        node: Ctx::new(bin).render(&t, 0),
    };
    Ok((v.debug(), v.debug_pretty()))
}

/// Calls `f` with up to six integer words (and the return slot first when
/// indirect); stores what it returned at `out`.
///
/// # Safety
/// `f` must take exactly these words and return as `ret` says.
unsafe fn raw_call(f: usize, w: &[u64], ret: Ret, out: u64) {
    macro_rules! call {
        ($r:ty; $($a:expr),*) => {{
            let g = std::mem::transmute::<usize, extern "Rust" fn($(call!(@u $a)),*) -> $r>(f);
            g($($a),*)
        }};
        (@u $a:expr) => { u64 };
    }
    macro_rules! dispatch {
        ($r:ty, $w:expr) => {{
            let w = $w;
            match w.len() {
                0 => call!($r;),
                1 => call!($r; w[0]),
                2 => call!($r; w[0], w[1]),
                3 => call!($r; w[0], w[1], w[2]),
                4 => call!($r; w[0], w[1], w[2], w[3]),
                5 => call!($r; w[0], w[1], w[2], w[3], w[4]),
                _ => call!($r; w[0], w[1], w[2], w[3], w[4], w[5]),
            }
        }};
    }
    let out = out as *mut u8;
    match ret {
        Ret::Unit => dispatch!((), w),
        Ret::Int => {
            let r: u64 = dispatch!(u64, w);
            std::ptr::write_unaligned(out.cast::<u64>(), r);
        }
        Ret::F32 => {
            let r: f32 = dispatch!(f32, w);
            std::ptr::write_unaligned(out.cast::<f32>(), r);
        }
        Ret::F64 => {
            let r: f64 = dispatch!(f64, w);
            std::ptr::write_unaligned(out.cast::<f64>(), r);
        }
        Ret::Pair => {
            let r: (usize, usize) = dispatch!((usize, usize), w);
            std::ptr::write_unaligned(out.cast::<u64>(), r.0 as u64);
            std::ptr::write_unaligned(out.cast::<u64>().add(1), r.1 as u64);
        }
        Ret::Indirect => {
            let mut all = vec![out as u64];
            all.extend_from_slice(w);
            dispatch!((), &all[..])
        }
    }
}

/// The names of the methods the binary has for `t`'s type (functions
/// `Type::name` whose first parameter is `self`), for completion.
pub(super) fn method_names(bin: &Binary, t: &Typed) -> Vec<String> {
    let base = super::super::types::base_name(&t.ty.qual);
    let last = base.rsplit("::").next().unwrap_or_default();
    let prefix = format!("{base}::");
    functions_containing(bin, format!("{}{last}", last.len()).as_bytes())
        .into_iter()
        .filter_map(|f| {
            let m = f.name.strip_prefix(&prefix)?;
            (!m.contains("::") && !m.contains('{')).then(|| (m.to_string(), f.addr))
        })
        .take(200)
        .filter(|(_, a)| {
            parameters(bin, *a)
                .and_then(|p| p.first().cloned())
                .is_some_and(|p| p.name == "self")
        })
        .map(|(m, _)| m)
        .collect()
}
