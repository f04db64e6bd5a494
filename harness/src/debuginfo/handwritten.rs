//! Whether a type of the user's crates has a hand-written `Debug`.
//!
//! Derived `Debug` is rendered from DWARF exactly; a hand-written one may
//! print something else entirely (`Secret(****)`), so such a type's fields
//! are marked as not being its `Debug`. The impl is found by its symbol,
//! `<crate::Type as core::fmt::Debug>::fmt` (legacy mangling, as rustc
//! names the user's functions); its DWARF `decl_line` is the line of
//! `#[derive(..)]` for a derived impl and of `fn fmt` for a hand-written
//! one, which the source file tells apart. A type whose impl or source is
//! not found is taken as derived.

use std::collections::HashMap;
use std::sync::Mutex;

use gimli::constants as dw;

use super::dwarf::Binary;

/// Answers by qualified type name.
static KNOWN: Mutex<Option<HashMap<String, bool>>> = Mutex::new(None);

/// Whether `qual` (a non-generic type of the user's crates) has a
/// hand-written `Debug` impl in the binary.
pub(super) fn is_hand_written(bin: &Binary, qual: &str) -> bool {
    if qual.contains(['<', '{', '(', '[', '&', '*']) {
        return false;
    }
    if let Some(v) = KNOWN
        .lock()
        .ok()
        .and_then(|k| k.as_ref()?.get(qual).copied())
    {
        return v;
    }
    let v = lookup(bin, qual).unwrap_or(false);
    if let Ok(mut k) = KNOWN.lock() {
        k.get_or_insert_with(HashMap::new)
            .insert(qual.to_string(), v);
    }
    v
}

fn lookup(bin: &Binary, qual: &str) -> Option<bool> {
    let needle = format!(
        "$LT${}$u20$as$u20$core..fmt..Debug$GT$3fmt17h",
        qual.replace("::", "..")
    );
    let pc = bin.function_named_like(&needle)?;
    let cu = bin.cu_for_pc(pc)?;
    let sub = bin.subprogram_at(&cu, pc)?;
    let e = bin.entry(&cu, sub)?;
    let line = e.attr_value(dw::DW_AT_decl_line)?.udata_value()? as usize;
    let file = match e.attr_value(dw::DW_AT_decl_file)? {
        gimli::AttributeValue::FileIndex(i) => bin.file_name(&cu, i)?,
        v => bin.file_name(&cu, v.udata_value()?)?,
    };
    let text = std::fs::read_to_string(file).ok()?;
    let src = text.lines().nth(line.checked_sub(1)?)?;
    Some(!is_derive_line(src))
}

/// Whether a derived impl's `decl_line` reads like this: `#[derive(Debug)]`,
/// or the `Debug,` line of a derive list spread over several lines (a
/// hand-written impl's is its `fn fmt(..)` line).
fn is_derive_line(src: &str) -> bool {
    src.contains("derive") || (src.contains("Debug") && !src.contains("fn "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_derive_lines_from_fn_fmt() {
        assert!(is_derive_line("#[derive(Debug, Clone)]"));
        assert!(is_derive_line("    Debug,"));
        assert!(!is_derive_line(
            "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {"
        ));
        assert!(!is_derive_line(
            "    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { // Debug"
        ));
    }
}
