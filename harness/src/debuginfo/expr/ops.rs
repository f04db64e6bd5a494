//! Operators and `as` casts on values read from memory or typed at the
//! prompt, with Rust's rules: integer types must agree (an unsuffixed
//! literal takes the other side's type), overflow and division by zero
//! are what a debug build panics with, comparison of text compares text.

use super::super::EvalError;
use super::parse::{Bin, Expr, Un};
use super::value::{int_range, Val, INTS};
use super::Ev;

/// Checks that `i` fits integer type `ty` (Rust's overflow panic).
pub(super) fn fits(i: i128, ty: &str) -> Result<(), EvalError> {
    match int_range(ty) {
        Some((lo, hi)) if i < lo || i > hi => {
            Err(EvalError::Type(format!("literal out of range for `{ty}`")))
        }
        _ => Ok(()),
    }
}

/// An integer operand, with its type.
pub(super) fn int_of(ev: &Ev, v: &Val, what: &str) -> Result<(i128, Option<String>), EvalError> {
    match ev.scalar(v)? {
        Val::Int(i, t) => Ok((i, t)),
        other => Err(EvalError::Type(format!(
            "expected an integer for {what}, found `{}`",
            other.type_name()
        ))),
    }
}

pub(super) fn unary(ev: &Ev, op: Un, v: &Val) -> Result<Val, EvalError> {
    let s = ev.scalar(v)?;
    match (op, s) {
        (Un::Neg, Val::Int(i, t)) => {
            if t.as_deref().is_some_and(|t| t.starts_with('u')) {
                return Err(EvalError::Type(format!(
                    "cannot apply unary operator `-` to type `{}`",
                    t.unwrap_or_default()
                )));
            }
            checked(i.checked_neg(), &t, "negate")
        }
        (Un::Neg, Val::Float(x, f)) => Ok(Val::Float(-x, f)),
        (Un::Not, Val::Bool(b)) => Ok(Val::Bool(!b)),
        (Un::Not, Val::Int(i, t)) => {
            let ty = t.clone().unwrap_or_else(|| "i32".into());
            let r = match int_range(&ty) {
                Some((0, hi)) => hi - i,
                _ => !i,
            };
            Ok(Val::Int(r, t))
        }
        (op, other) => Err(EvalError::Type(format!(
            "cannot apply unary operator `{}` to type `{}`",
            if op == Un::Neg { "-" } else { "!" },
            other.type_name()
        ))),
    }
}

fn checked(r: Option<i128>, ty: &Option<String>, what: &str) -> Result<Val, EvalError> {
    let overflow = || EvalError::Panic(format!("attempt to {what} with overflow"));
    let r = r.ok_or_else(overflow)?;
    if let Some(t) = ty {
        if let Some((lo, hi)) = int_range(t) {
            if r < lo || r > hi {
                return Err(overflow());
            }
        }
    }
    Ok(Val::Int(r, ty.clone()))
}

/// The type two integer operands share (Rust has no implicit widening).
fn common(a: &Option<String>, b: &Option<String>, op: Bin) -> Result<Option<String>, EvalError> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(EvalError::Type(format!(
            "mismatched types: `{x}` {} `{y}`",
            op.symbol()
        ))),
        (Some(x), _) | (_, Some(x)) => Ok(Some(x.clone())),
        _ => Ok(None),
    }
}

pub(super) fn binary(ev: &Ev, op: Bin, a: &Expr, b: &Expr) -> Result<Val, EvalError> {
    let l = ev.scalar(&ev.eval(a)?)?;
    // `&&` and `||` short-circuit, as in Rust.
    if matches!(op, Bin::And | Bin::Or) {
        let Val::Bool(x) = l else {
            return Err(EvalError::Type(format!(
                "`{}` takes `bool` operands, found `{}`",
                op.symbol(),
                l.type_name()
            )));
        };
        if (op == Bin::And && !x) || (op == Bin::Or && x) {
            return Ok(Val::Bool(x));
        }
        return match ev.scalar(&ev.eval(b)?)? {
            Val::Bool(y) => Ok(Val::Bool(y)),
            r => Err(EvalError::Type(format!(
                "`{}` takes `bool` operands, found `{}`",
                op.symbol(),
                r.type_name()
            ))),
        };
    }
    let r = ev.scalar(&ev.eval(b)?)?;
    if matches!(
        op,
        Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge
    ) {
        return compare(ev, op, &l, &r);
    }
    match (&l, &r) {
        (Val::Int(x, tx), Val::Int(y, ty)) => {
            let t = common(tx, ty, op)?;
            let (x, y) = (*x, *y);
            // Rust's messages for a zero divisor.
            let zero = |msg: &str| {
                if y == 0 {
                    Err(EvalError::Panic(msg.to_string()))
                } else {
                    Ok(())
                }
            };
            match op {
                Bin::Add => checked(x.checked_add(y), &t, "add"),
                Bin::Sub => checked(x.checked_sub(y), &t, "subtract"),
                Bin::Mul => checked(x.checked_mul(y), &t, "multiply"),
                Bin::Div => {
                    zero("attempt to divide by zero")?;
                    checked(x.checked_div(y), &t, "divide")
                }
                Bin::Rem => {
                    zero("attempt to calculate the remainder with a divisor of zero")?;
                    checked(x.checked_rem(y), &t, "calculate the remainder")
                }
                Bin::BitAnd => Ok(Val::Int(x & y, t)),
                Bin::BitOr => Ok(Val::Int(x | y, t)),
                Bin::BitXor => Ok(Val::Int(x ^ y, t)),
                Bin::Shl | Bin::Shr => {
                    let bits = bits(tx.as_deref().unwrap_or("i32"));
                    if y < 0 || y >= bits as i128 {
                        let d = if op == Bin::Shl { "left" } else { "right" };
                        return Err(EvalError::Panic(format!(
                            "attempt to shift {d} with overflow"
                        )));
                    }
                    let t = tx.clone();
                    if op == Bin::Shr {
                        return Ok(Val::Int(x >> y, t));
                    }
                    Ok(Val::Int(wrap(x << y, t.as_deref().unwrap_or("i32")), t))
                }
                _ => unreachable!("handled above"),
            }
        }
        (Val::Float(x, fx), Val::Float(y, fy)) if fx == fy => {
            let f = *fx;
            let round = |v: f64| if f { v as f32 as f64 } else { v };
            let (x, y) = (*x, *y);
            Ok(Val::Float(
                round(match op {
                    Bin::Add => x + y,
                    Bin::Sub => x - y,
                    Bin::Mul => x * y,
                    Bin::Div => x / y,
                    Bin::Rem => x % y,
                    _ => return Err(no_op(op, &l, &r)),
                }),
                f,
            ))
        }
        (Val::Bool(x), Val::Bool(y)) => match op {
            Bin::BitAnd => Ok(Val::Bool(x & y)),
            Bin::BitOr => Ok(Val::Bool(x | y)),
            Bin::BitXor => Ok(Val::Bool(x ^ y)),
            _ => Err(no_op(op, &l, &r)),
        },
        _ => Err(no_op(op, &l, &r)),
    }
}

fn no_op(op: Bin, l: &Val, r: &Val) -> EvalError {
    EvalError::Type(format!(
        "cannot apply `{}` to `{}` and `{}`",
        op.symbol(),
        l.type_name(),
        r.type_name()
    ))
}

fn bits(ty: &str) -> u32 {
    INTS.iter().find(|t| t.0 == ty).map_or(32, |t| t.1)
}

/// `x` wrapped to integer type `ty`, as `as` does.
fn wrap(x: i128, ty: &str) -> i128 {
    let Some(&(_, bits, signed)) = INTS.iter().find(|t| t.0 == ty) else {
        return x;
    };
    if bits >= 128 {
        return x;
    }
    let m = x & ((1i128 << bits) - 1);
    if signed && m >= 1i128 << (bits - 1) {
        m - (1i128 << bits)
    } else {
        m
    }
}

fn compare(ev: &Ev, op: Bin, l: &Val, r: &Val) -> Result<Val, EvalError> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (l, r) {
        (Val::Int(x, tx), Val::Int(y, ty)) => {
            common(tx, ty, op)?;
            Some(x.cmp(y))
        }
        (Val::Float(x, _), Val::Float(y, _)) => x.partial_cmp(y),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Char(x), Val::Char(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Unit, Val::Unit) => Some(Ordering::Equal),
        (Val::Opt(_) | Val::Place(_), _) | (_, Val::Opt(_) | Val::Place(_))
            if matches!(op, Bin::Eq | Bin::Ne) =>
        {
            // `opt == None`, `x == y` of other types: equal when `{:?}`
            // prints the same only for Option's `None`, else unsupported.
            return match (l, r) {
                (Val::Opt(None), o) | (o, Val::Opt(None)) => {
                    let none = super::methods::is_variant(ev, o, "None")?;
                    Ok(Val::Bool(none == (op == Bin::Eq)))
                }
                _ => Err(EvalError::Unsupported(format!(
                    "comparing values of type `{}` (compare their fields)",
                    if matches!(l, Val::Place(_)) { l } else { r }.type_name()
                ))),
            };
        }
        _ => {
            return Err(EvalError::Type(format!(
                "mismatched types: `{}` {} `{}`",
                l.type_name(),
                op.symbol(),
                r.type_name()
            )))
        }
    };
    let Some(o) = ord else {
        return Ok(Val::Bool(op == Bin::Ne));
    };
    Ok(Val::Bool(match op {
        Bin::Eq => o == Ordering::Equal,
        Bin::Ne => o != Ordering::Equal,
        Bin::Lt => o == Ordering::Less,
        Bin::Le => o != Ordering::Greater,
        Bin::Gt => o == Ordering::Greater,
        _ => o != Ordering::Less,
    }))
}

/// `v as ty` for Rust's primitive casts.
pub(super) fn cast(ev: &Ev, v: &Val, ty: &str) -> Result<Val, EvalError> {
    let s = ev.scalar(v)?;
    let bad = || {
        EvalError::Type(format!(
            "casting `{}` as `{ty}` is not a primitive cast",
            s.type_name()
        ))
    };
    if INTS.iter().any(|t| t.0 == ty) {
        let x: i128 = match &s {
            Val::Int(i, _) => *i,
            Val::Bool(b) => *b as i128,
            Val::Char(c) => *c as i128,
            Val::Float(f, _) => {
                // Saturating, NaN as 0 (Rust's float-to-int `as`).
                let (lo, hi) = int_range(ty).unwrap_or((i128::MIN, i128::MAX));
                return Ok(Val::Int(
                    if f.is_nan() {
                        0
                    } else {
                        (f.trunc().max(lo as f64).min(hi as f64)) as i128
                    },
                    Some(ty.to_string()),
                ));
            }
            _ => return Err(bad()),
        };
        return Ok(Val::Int(wrap(x, ty), Some(ty.to_string())));
    }
    match (ty, &s) {
        ("f64" | "f32", Val::Int(i, _)) => Ok(Val::Float(
            if ty == "f32" {
                *i as f32 as f64
            } else {
                *i as f64
            },
            ty == "f32",
        )),
        ("f64" | "f32", Val::Float(x, _)) => Ok(Val::Float(
            if ty == "f32" { *x as f32 as f64 } else { *x },
            ty == "f32",
        )),
        ("char", Val::Int(i, t)) if t.as_deref().is_none_or(|t| t == "u8") => {
            Ok(Val::Char(*i as u8 as char))
        }
        ("char", Val::Char(c)) => Ok(Val::Char(*c)),
        ("bool", Val::Bool(b)) => Ok(Val::Bool(*b)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_as() {
        assert_eq!(wrap(300, "u8"), 300u32 as u8 as i128);
        assert_eq!(wrap(-1, "u16"), -1i32 as u16 as i128);
        assert_eq!(wrap(200, "i8"), 200i32 as i8 as i128);
        assert_eq!(wrap(-129, "i8"), -129i32 as i8 as i128);
    }
}
