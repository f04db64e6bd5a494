//! The scopes at a pc: the subprogram, then each inlined subroutine, as
//! the frames of one physical frame.

use std::sync::Arc;

use gimli::{constants as dw, AttributeValue};

use super::dwarf::Scope;
use super::dwarf::{Binary, Cu, R};

impl Binary {
    /// Chain of scopes at `pc`: the subprogram first, then each inlined
    /// subroutine, outermost to innermost.
    pub fn scopes(&self, cu: &Arc<Cu>, pc: u64) -> Vec<Scope> {
        let Some(sub) = self.subprogram_at(cu, pc) else {
            return Vec::new();
        };
        let mut out = vec![Scope {
            die: sub,
            function: self.function_name(cu, sub).unwrap_or_else(|| "??".into()),
            call_file: None,
            call_line: None,
        }];
        let mut parent = sub;
        'outer: for _ in 0..64 {
            let Ok(mut tree) = cu.unit.entries_tree(Some(gimli::UnitOffset(parent))) else {
                break;
            };
            let Ok(root) = tree.root() else { break };
            let mut children = root.children();
            while let Ok(Some(child)) = children.next() {
                let e = child.entry();
                let tag = e.tag();
                if tag != dw::DW_TAG_inlined_subroutine && tag != dw::DW_TAG_lexical_block {
                    continue;
                }
                if !self.die_contains(cu, e, pc) {
                    continue;
                }
                let off = e.offset().0;
                if tag == dw::DW_TAG_inlined_subroutine {
                    let function = e
                        .attr_value(dw::DW_AT_abstract_origin)
                        .and_then(|v| self.follow(cu, v))
                        .and_then(|(c, d)| self.function_name(&c, d))
                        .unwrap_or_else(|| "??".into());
                    let call_file = match e.attr_value(dw::DW_AT_call_file) {
                        Some(AttributeValue::FileIndex(i)) => self.file_name(cu, i),
                        Some(AttributeValue::Udata(i)) => self.file_name(cu, i),
                        _ => None,
                    };
                    let num = |a| {
                        e.attr_value(a)
                            .and_then(|v: AttributeValue<R>| v.udata_value())
                    };
                    out.push(Scope {
                        die: off,
                        function,
                        call_file,
                        call_line: num(dw::DW_AT_call_line).map(|v| v as u32),
                    });
                }
                parent = off;
                continue 'outer;
            }
            break;
        }
        out
    }
}
