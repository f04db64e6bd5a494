//! A frame's variables: which are visible at its pc, where each lives
//! (location expressions and lists), and the typed place to read.

use std::sync::Arc;

use gimli::{constants as dw, AttributeValue};

use super::dwarf::{Cu, R};
use super::mem;
use super::place::{Place, Typed};
use super::regs::{self, Regs};
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
    /// `DW_AT_const_value`: the value itself, for a constant local.
    pub konst: Option<AttributeValue<R>>,
    pub cu: Arc<Cu>,
}

/// A frame's registers and its caller's (for entry values), unwound once
/// per location when first needed.
struct FrameRegs<'a> {
    di: &'a DebugInfo,
    frame: &'a Frame,
    regs: Option<Option<(Regs, Option<Regs>)>>,
}

impl FrameRegs<'_> {
    fn get(&mut self, caller: bool, n: u16) -> Option<u64> {
        if n == 7 && !caller {
            // The frame's own stack pointer, as the unwinder reported it.
            return Some(self.frame.cfa);
        }
        let (di, frame) = (self.di, self.frame);
        let regs = self
            .regs
            .get_or_insert_with(|| di.frame_regs(frame))
            .as_ref()?;
        let r = if caller { regs.1.as_ref()? } else { &regs.0 };
        r.get(n as usize).copied().flatten()
    }
}

impl DebugInfo {
    pub(super) fn frame_cu(&self, frame: &Frame) -> Result<(Arc<Cu>, usize), DebugInfoError> {
        let no = || DebugInfoError::NoFrameInfo(frame.function.clone());
        let cu = frame.cu.and_then(|c| self.bin.cu(c)).ok_or_else(no)?;
        if let Some(e) = &cu.split_error {
            return Err(DebugInfoError::Split(e.clone()));
        }
        let scope = frame.scope.ok_or_else(no)?;
        Ok((cu, scope))
    }

    /// Variables visible at the frame's pc: innermost declaration of each
    /// name, arguments first, then locals in declaration order.
    pub(super) fn var_dies(&self, frame: &Frame) -> Result<Vec<VarDie>, DebugInfoError> {
        let (cu, scope) = self.frame_cu(frame)?;
        let mut out = Vec::new();
        self.collect_vars(&cu, scope, frame.pc, 0, &mut out);
        self.add_abstract_vars(frame, &cu, scope, &mut out);
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

    /// Optimised code: an inlined or out-of-line instance lists only the
    /// variables the compiler gave a location to. Its abstract origin
    /// declares all of them; add those missing, declared before the
    /// frame's line, without a location (zero-sized ones need none, the
    /// others say "optimized out" instead of "no local named").
    fn add_abstract_vars(&self, frame: &Frame, cu: &Arc<Cu>, scope: usize, out: &mut Vec<VarDie>) {
        let bin = &self.bin;
        let Some(origin) = bin
            .entry(cu, scope)
            .and_then(|e| e.attr_value(dw::DW_AT_abstract_origin))
            .and_then(|v| bin.follow(cu, v))
        else {
            return;
        };
        let mut found = Vec::new();
        self.collect_abstract(&origin.0, origin.1, frame.line, 0, &mut found);
        for v in found {
            if !out.iter().any(|o| o.name == v.name) {
                out.push(VarDie {
                    order: out.len(),
                    ..v
                });
            }
        }
    }

    fn collect_abstract(
        &self,
        cu: &Arc<Cu>,
        die: usize,
        line: Option<u32>,
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
                    let is_arg = e.tag() == dw::DW_TAG_formal_parameter;
                    let decl = e
                        .attr_value(dw::DW_AT_decl_line)
                        .and_then(|v| v.udata_value());
                    if !is_arg && line.zip(decl).is_some_and(|(l, d)| d > l as u64) {
                        continue;
                    }
                    let Some(name) = e
                        .attr_value(dw::DW_AT_name)
                        .and_then(|v| bin.attr_str(cu, v))
                    else {
                        continue;
                    };
                    out.push(VarDie {
                        name,
                        is_arg,
                        depth,
                        order: out.len(),
                        ty: e
                            .attr_value(dw::DW_AT_type)
                            .and_then(|v| bin.type_ref(cu, v)),
                        loc: None,
                        konst: e.attr_value(dw::DW_AT_const_value),
                        cu: cu.clone(),
                    });
                }
                dw::DW_TAG_lexical_block => blocks.push(e.offset().0),
                _ => {}
            }
        }
        for b in blocks {
            self.collect_abstract(cu, b, line, depth + 1, out);
        }
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
                        konst: attr(dw::DW_AT_const_value).map(|(v, _)| v),
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
        let cu = &v.cu;
        let expr = match v.loc {
            None => return constant(v.konst.as_ref()).ok_or("optimized out"),
            Some(AttributeValue::Exprloc(e)) => e,
            Some(other) => {
                let mut found = None;
                if let Ok(Some(mut list)) = cu.dwarf.attr_locations(&cu.unit, other) {
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
    fn frame_base(&self, frame: &Frame, cu: &Cu, regs: &mut FrameRegs) -> Option<u64> {
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
                E::RequiresRegister { register, .. } => ev
                    .resume_with_register(gimli::Value::Generic(regs.get(false, register.0)?))
                    .ok()?,
                _ => return None,
            };
        }
        let pieces = ev.result();
        match pieces.first()?.location {
            gimli::Location::Register { register } => regs.get(false, register.0),
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
        let mut regs = FrameRegs {
            di: self,
            frame,
            regs: None,
        };
        let mut ev = expr.evaluation(cu.unit.encoding());
        let mut res = ev.evaluate().map_err(|_| OUT)?;
        for _ in 0..64 {
            res = match res {
                E::Complete => break,
                E::RequiresFrameBase => {
                    let fb = self.frame_base(frame, cu, &mut regs).ok_or(OUT)?;
                    ev.resume_with_frame_base(fb).map_err(|_| OUT)?
                }
                E::RequiresRegister { register, .. } => {
                    let v = regs.get(false, register.0).ok_or(OUT)?;
                    ev.resume_with_register(gimli::Value::Generic(v))
                        .map_err(|_| OUT)?
                }
                E::RequiresEntryValue(e) => {
                    // `DW_OP_entry_value(DW_OP_regN)` of a callee-saved
                    // register: its value in the caller at the call.
                    let mut ops = e.operations(cu.unit.encoding());
                    let v = match (ops.next(), ops.next()) {
                        (Ok(Some(gimli::Operation::Register { register })), Ok(None)) => {
                            regs.get(true, register.0).ok_or(OUT)?
                        }
                        _ => return Err(OUT),
                    };
                    ev.resume_with_entry_value(gimli::Value::Generic(v))
                        .map_err(|_| OUT)?
                }
                E::RequiresCallFrameCfa => {
                    let c = frame.caller_cfa.ok_or(OUT)?;
                    ev.resume_with_call_frame_cfa(c).map_err(|_| OUT)?
                }
                E::RequiresRelocatedAddress(a) => ev
                    .resume_with_relocated_address(a.wrapping_add(self.bin.bias))
                    .map_err(|_| OUT)?,
                // `DW_OP_addrx` / `DW_OP_constx` of a split unit: an entry
                // of the executable's `.debug_addr`.
                E::RequiresIndexedAddress { index, relocate } => {
                    let a = cu.dwarf.address(&cu.unit, index).map_err(|_| OUT)?;
                    let a = if relocate {
                        a.wrapping_add(self.bin.bias)
                    } else {
                        a
                    };
                    ev.resume_with_indexed_address(a).map_err(|_| OUT)?
                }
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
        if let [p] = pieces.as_slice() {
            if let gimli::Location::Address { address } = p.location {
                if p.size_in_bits.is_none() {
                    return Ok(Place::Mem(address));
                }
            }
        }
        // Registers, values and pieces: the bytes, assembled.
        let mut bytes = Vec::new();
        for p in &pieces {
            if p.bit_offset.is_some_and(|o| o != 0) {
                return Err(OUT);
            }
            let size = p.size_in_bits.map(|b| b.div_ceil(8) as usize);
            let mut chunk = match &p.location {
                gimli::Location::Address { address } => mem::read(*address, size.unwrap_or(8))
                    .map_err(|_| "at an unreadable address")?,
                gimli::Location::Register { register } => regs
                    .get(false, register.0)
                    .ok_or(OUT)?
                    .to_le_bytes()
                    .to_vec(),
                gimli::Location::Value { value } => value
                    .to_u64(u64::MAX)
                    .map_err(|_| OUT)?
                    .to_le_bytes()
                    .to_vec(),
                gimli::Location::Bytes { value } => value.to_vec(),
                _ => return Err(OUT),
            };
            if let Some(n) = size {
                chunk.resize(n, 0);
            }
            bytes.extend(chunk);
        }
        Ok(Place::Buf {
            data: Arc::new(bytes),
            off: 0,
            addr: None,
        })
    }

    /// The registers of `frame` and of its caller, as captured with the
    /// stack.
    fn frame_regs(&self, frame: &Frame) -> Option<(Regs, Option<Regs>)> {
        let ip = frame.pc.wrapping_add(1).wrapping_add(self.bin.bias);
        regs::of_frame(ip, frame.cfa)
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
            Kind::Array { elem, count } => *count == 0 || elem.is_some(),
            Kind::Struct(s) => s.variants.is_none(),
            _ => false,
        }
}

/// The bytes of a `DW_AT_const_value`, little-endian.
fn constant(v: Option<&AttributeValue<R>>) -> Option<Place> {
    let bytes = match v? {
        AttributeValue::Block(b) => b.to_vec(),
        AttributeValue::Sdata(i) => i.to_le_bytes().to_vec(),
        AttributeValue::Data1(x) => vec![*x],
        AttributeValue::Data2(x) => x.to_le_bytes().to_vec(),
        AttributeValue::Data4(x) => x.to_le_bytes().to_vec(),
        AttributeValue::Data8(x) => x.to_le_bytes().to_vec(),
        AttributeValue::Udata(x) => x.to_le_bytes().to_vec(),
        _ => return None,
    };
    Some(Place::Buf {
        data: Arc::new(bytes),
        off: 0,
        addr: None,
    })
}
