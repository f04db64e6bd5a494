//! Tab completion after `.`: the fields of the value before it (after
//! auto-deref, the active variant's for enums) and the methods the prompt
//! can evaluate on it.

use super::super::place::Ctx;
use super::super::{DebugInfo, Frame};
use super::methods::STD_METHODS;
use super::value::Val;
use super::Ev;

/// Field and method names of the value of `expr` in `frame` (empty when
/// it does not evaluate).
pub(in crate::debuginfo) fn members(di: &DebugInfo, frame: &Frame, expr: &str) -> Vec<String> {
    let Ok(e) = super::parse::parse(expr) else {
        return Vec::new();
    };
    let ev = Ev {
        di,
        frame,
        text: expr,
    };
    let Ok(v) = ev.eval(&e).and_then(|v| ev.autoderef(&v)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Val::Place(t) = &v {
        let mut ctx = Ctx::new(ev.bin());
        let fields_of = |t: &super::super::place::Typed, out: &mut Vec<String>| {
            if let Some(s) = t.ty.strukt() {
                for m in &s.members {
                    if m.artificial || m.name.starts_with("RUST$") {
                        continue;
                    }
                    out.push(m.name.strip_prefix("__").unwrap_or(&m.name).to_string());
                }
            }
        };
        let is_enum = t.ty.strukt().is_some_and(|s| s.variants.is_some());
        if is_enum {
            if let Ok(Some((_, var))) = ctx.variant(t) {
                fields_of(&var, &mut out);
            }
        } else if !is_std(t.ty.base()) {
            fields_of(t, &mut out);
        }
        if !is_std(t.ty.base()) {
            out.extend(super::calls::method_names(ev.bin(), t));
        }
    }
    // std's methods that apply to this value (never tried on the user's
    // types: trying would call their methods of the same name).
    let std_value = super::methods::is_std(&v);
    for m in STD_METHODS.iter().filter(|_| std_value) {
        if applies(&ev, &v, m) {
            out.push(m.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

fn is_std(base: &str) -> bool {
    base.starts_with("core::") || base.starts_with("alloc::") || base.starts_with("std::")
}

/// Whether std method `m` evaluates on `v` (tried with no argument).
fn applies(ev: &Ev, v: &Val, m: &str) -> bool {
    use super::super::EvalError;
    let probe = super::parse::Expr::Lit(super::parse::Lit::Int(0, None));
    let args: Vec<_> = match m {
        "get" | "contains" | "contains_key" | "starts_with" | "ends_with" => vec![probe],
        "count" => return matches!(v, Val::Iter(_)),
        "clone" => return true,
        _ => vec![],
    };
    match super::methods::call_on(ev, v.clone(), m, &args) {
        Ok(_) => true,
        Err(EvalError::NoMethod { .. }) => false,
        Err(EvalError::Unsupported(_)) => false,
        Err(_) => true,
    }
}
