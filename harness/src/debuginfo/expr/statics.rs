//! Statics by name: `COUNTER` (a static of the frame's crate, or the only
//! one so named), `crate::CONFIG`, `my_crate::module::LIMIT`. The address
//! comes from the symbol table, the type from the DWARF variable at that
//! address.

use gimli::constants as dw;
use object::{Object, ObjectSymbol};

use super::super::dwarf::{demangle, Binary, Cu};
use super::super::place::{Place, Typed};
use super::Ev;

/// The static named by `segs`, typed.
pub(super) fn find(ev: &Ev, segs: &[String]) -> Option<Typed> {
    let krate = ev.frame.function.trim_start_matches('<');
    let krate = krate.split("::").next().unwrap_or_default();
    let mut path: Vec<&str> = segs.iter().map(String::as_str).collect();
    if path.first() == Some(&"crate") {
        path[0] = krate;
    }
    let last = *path.last()?;
    let want = path.join("::");
    let bin = ev.bin();
    let mut found: Vec<(String, u64)> = Vec::new();
    let needle = format!("{}{last}", last.len());
    for table in [bin.object().symbols()] {
        for s in table {
            if s.kind() != object::SymbolKind::Data || !s.is_definition() || s.address() == 0 {
                continue;
            }
            let Ok(name) = s.name() else { continue };
            if !name.contains(&needle) {
                continue;
            }
            let d = demangle(name);
            if d == want || d.ends_with(&format!("::{want}")) {
                found.push((d, s.address()));
            }
        }
    }
    // The frame's crate first, then a unique match.
    let pick = found
        .iter()
        .find(|(d, _)| d.starts_with(&format!("{krate}::")))
        .or(if found.len() == 1 {
            found.first()
        } else {
            None
        })?;
    let addr = pick.1;
    let tref = bin
        .cu_for_data(addr)
        .and_then(|cu| var_type(bin, &cu, addr))
        .or_else(|| {
            bin.unit_offsets()
                .iter()
                .filter_map(|&o| bin.cu(o))
                .find_map(|cu| var_type(bin, &cu, addr))
        })?;
    Some(Typed {
        ty: bin.ty(tref)?,
        tref,
        place: Place::Mem(addr.wrapping_add(bin.bias)),
    })
}

/// The type of the global variable at link-time `addr` in a unit.
fn var_type(
    bin: &Binary,
    cu: &std::sync::Arc<Cu>,
    addr: u64,
) -> Option<super::super::types::TypeRef> {
    let mut entries = cu.unit.entries();
    while let Ok(Some(e)) = entries.next_dfs() {
        if e.tag() != dw::DW_TAG_variable {
            continue;
        }
        let Some(gimli::AttributeValue::Exprloc(x)) = e.attr_value(dw::DW_AT_location) else {
            continue;
        };
        if bin.expr_addr(cu, x) == Some(addr) {
            return bin.type_ref(cu, e.attr_value(dw::DW_AT_type)?);
        }
    }
    None
}
