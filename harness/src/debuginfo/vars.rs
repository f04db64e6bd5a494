//! A frame's variables: which are visible at its pc, where each lives
//! (location expressions and lists), and the typed place to read.

use std::sync::Arc;

use gimli::{constants as dw, AttributeValue};

use super::dwarf::{Cu, R};
use super::mem;
use super::place::{Place, Typed};
use super::types;
use super::value::Node;
use super::{DebugInfo, DebugInfoError, Frame};

/// One variable found in a scope, before reading it.
pub(super) struct VarDie {
    pub name: String,
    pub is_arg: bool,
    pub depth: usize,
    pub order: usize,
    pub ty: Option<types::TypeRef>,
    pub loc: Option<AttributeValue<R>>,
    pub cu: Arc<Cu>,
}

impl DebugInfo {
    pub(super) fn frame_cu(&self, frame: &Frame) -> Result<(Arc<Cu>, usize), DebugInfoError> {
        let no = || DebugInfoError::NoFrameInfo(frame.function.clone());
        let cu = frame.cu.and_then(|c| self.bin.cu(c)).ok_or_else(no)?;
        let scope = frame.scope.ok_or_else(no)?;
        Ok((cu, scope))
    }

    /// Variables visible at the frame's pc: innermost declaration of each
    /// name, arguments first, then locals in declaration order.
    pub(super) fn var_dies(&self, frame: &Frame) -> Result<Vec<VarDie>, DebugInfoError> {
        let (cu, scope) = self.frame_cu(frame)?;
        let mut out = Vec::new();
        self.collect_vars(&cu, scope, frame.pc, 0, &mut out);
        // Innermost (deepest, then latest) declaration of each name wins.
        let mut best: std::collections::HashMap<String, (usize, usize)> = Default::default();
        for v in &out {
            let e = best.entry(v.name.clone()).or_insert((v.depth, v.order));
            if (v.depth, v.order) > *e {
                *e = (v.depth, v.order);
            }
        }
        out.retain(|v| best.get(&v.name) == Some(&(v.depth, v.order)));
        out.sort_by_key(|v| (!v.is_arg, v.order));
        if out.is_empty() && !self.bin.index(&cu).has_vars {
            return Err(DebugInfoError::NoVariables(frame.function.clone()));
        }
        Ok(out)
    }

    pub(super) fn collect_vars(
        &self,
        cu: &Arc<Cu>,
        die: usize,
        pc: u64,
        depth: usize,
        out: &mut Vec<VarDie>,
    ) {
        let bin = &self.bin;
        let Ok(mut tree) = cu.unit.entries_tree(Some(gimli::UnitOffset(die))) else {
            return;
        };
        let Ok(root) = tree.root() else { return };
        let mut children = root.children();
        let mut blocks = Vec::new();
        while let Ok(Some(child)) = children.next() {
            let e = child.entry();
            match e.tag() {
                dw::DW_TAG_formal_parameter | dw::DW_TAG_variable => {
                    let origin = e
                        .attr_value(dw::DW_AT_abstract_origin)
                        .and_then(|v| bin.follow(cu, v))
                        .and_then(|(c, d)| Some((bin.entry(&c, d)?, c)));
                    let attr = |a| {
                        e.attr_value(a).map(|v| (v, cu.clone())).or_else(|| {
                            origin
                                .as_ref()
                                .and_then(|(o, c)| Some((o.attr_value(a)?, c.clone())))
                        })
                    };
                    let Some(name) = attr(dw::DW_AT_name).and_then(|(v, c)| bin.attr_str(&c, v))
                    else {
                        continue;
                    };
                    let ty = attr(dw::DW_AT_type).and_then(|(v, c)| bin.type_ref(&c, v));
                    out.push(VarDie {
                        name,
                        is_arg: e.tag() == dw::DW_TAG_formal_parameter,
                        depth,
                        order: out.len(),
                        ty,
                        loc: e.attr_value(dw::DW_AT_location),
                        cu: cu.clone(),
                    });
                }
                dw::DW_TAG_lexical_block if bin.die_contains(cu, e, pc) => {
                    blocks.push(e.offset().0);
                }
                _ => {}
            }
        }
        for b in blocks {
            self.collect_vars(cu, b, pc, depth + 1, out);
        }
    }

    /// Evaluates a variable's location at the frame's pc.
    pub(super) fn locate(&self, frame: &Frame, v: &VarDie) -> Result<Place, &'static str> {
        let bin = &self.bin;
        let cu = &v.cu;
        let expr = match v.loc {
            None => return Err("optimized out"),
            Some(AttributeValue::Exprloc(e)) => e,
            Some(other) => {
                let mut found = None;
                if let Ok(Some(mut list)) = bin.dwarf.attr_locations(&cu.unit, other) {
                    while let Ok(Some(entry)) = list.next() {
                        if entry.range.begin <= frame.pc && frame.pc < entry.range.end {
                            found = Some(entry.data);
                            break;
                        }
                    }
                }
                found.ok_or("optimized out")?
            }
        };
        self.eval_location(frame, cu, expr)
    }

    /// The subprogram's `DW_AT_frame_base`: `DW_OP_reg7` (rsp) is the
    /// frame's own CFA as reported by the unwinder; `DW_OP_call_frame_cfa`
    /// (used by large frames: `call_frame_cfa, consts -N, plus`) is the
    /// caller's.
    pub(super) fn frame_base(&self, frame: &Frame, cu: &Cu) -> Option<u64> {
        use gimli::EvaluationResult as E;
        let e = self.bin.entry(cu, frame.subprogram?)?;
        let Some(AttributeValue::Exprloc(expr)) = e.attr_value(dw::DW_AT_frame_base) else {
            return None;
        };
        let mut ev = expr.evaluation(cu.unit.encoding());
        let mut res = ev.evaluate().ok()?;
        for _ in 0..16 {
            res = match res {
                E::Complete => break,
                E::RequiresCallFrameCfa => ev.resume_with_call_frame_cfa(frame.caller_cfa?).ok()?,
                E::RequiresRegister { register, .. } if register.0 == 7 => ev
                    .resume_with_register(gimli::Value::Generic(frame.cfa))
                    .ok()?,
                _ => return None,
            };
        }
        let pieces = ev.result();
        match pieces.first()?.location {
            gimli::Location::Register { register } if register.0 == 7 => Some(frame.cfa),
            gimli::Location::Address { address } => Some(address),
            _ => None,
        }
    }

    pub(super) fn eval_location(
        &self,
        frame: &Frame,
        cu: &Cu,
        expr: gimli::Expression<R>,
    ) -> Result<Place, &'static str> {
        use gimli::EvaluationResult as E;
        const OUT: &str = "optimized out";
        let mut ev = expr.evaluation(cu.unit.encoding());
        let mut res = ev.evaluate().map_err(|_| OUT)?;
        for _ in 0..64 {
            res = match res {
                E::Complete => break,
                E::RequiresFrameBase => {
                    let fb = self.frame_base(frame, cu).ok_or(OUT)?;
                    ev.resume_with_frame_base(fb).map_err(|_| OUT)?
                }
                E::RequiresRegister { register, .. } if register.0 == 7 => ev
                    .resume_with_register(gimli::Value::Generic(frame.cfa))
                    .map_err(|_| OUT)?,
                E::RequiresCallFrameCfa => {
                    let c = frame.caller_cfa.ok_or(OUT)?;
                    ev.resume_with_call_frame_cfa(c).map_err(|_| OUT)?
                }
                E::RequiresRelocatedAddress(a) => ev
                    .resume_with_relocated_address(a.wrapping_add(self.bin.bias))
                    .map_err(|_| OUT)?,
                E::RequiresMemory { address, size, .. } => {
                    let v = mem::read_uint(address, size as usize)
                        .map_err(|_| "at an unreadable address")?;
                    ev.resume_with_memory(gimli::Value::Generic(v))
                        .map_err(|_| OUT)?
                }
                _ => return Err(OUT),
            };
        }
        if !matches!(res, E::Complete) {
            return Err(OUT);
        }
        let pieces = ev.result();
        if pieces.len() != 1 {
            return Err(OUT);
        }
        match &pieces[0].location {
            gimli::Location::Address { address } => Ok(Place::Mem(*address)),
            gimli::Location::Value { value } => {
                let v = value.to_u64(u64::MAX).map_err(|_| OUT)?;
                Ok(Place::Buf {
                    data: Arc::new(v.to_le_bytes().to_vec()),
                    off: 0,
                    addr: None,
                })
            }
            gimli::Location::Bytes { value } => Ok(Place::Buf {
                data: Arc::new(value.to_vec()),
                off: 0,
                addr: None,
            }),
            _ => Err(OUT),
        }
    }

    pub(super) fn var_typed(&self, frame: &Frame, v: &VarDie) -> Result<Typed, Node> {
        let tref = v.ty.ok_or_else(|| Node::atom("<unsupported type ?>"))?;
        let ty = self
            .bin
            .ty(tref)
            .ok_or_else(|| Node::atom("<unsupported type ?>"))?;
        let place = match self.locate(frame, v) {
            Ok(p) => p,
            // A zero-sized value needs no memory: `()`, unit structs,
            // `PhantomData`, `[T; 0]` print even where the compiler kept no
            // place for them.
            Err(_) if is_zero_sized(&ty) => Place::Buf {
                data: Arc::new(Vec::new()),
                off: 0,
                addr: None,
            },
            Err(r) => return Err(Node::Atom(format!("<{r}>"))),
        };
        Ok(Typed { ty, tref, place })
    }
}

/// Whether a type has no bytes at all (and is complete, not a
/// declaration without a size).
fn is_zero_sized(ty: &types::Type) -> bool {
    use types::{Enc, Kind};
    ty.size == 0
        && match &ty.kind {
            Kind::Base(Enc::Unit) => true,
            Kind::Array { count, .. } => *count == 0,
            Kind::Struct(s) => s.variants.is_none(),
            _ => false,
        }
}
