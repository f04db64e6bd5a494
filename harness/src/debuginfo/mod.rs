//! In-process debug-info engine: capture the stack, symbolise it from the
//! executable's own DWARF, find each frame's locals, read their bytes
//! fault-safely and render them exactly as `{:?}` / `{:#?}` would.
//!
//! Everything is lazy: the binary is mapped once per process, and only the
//! compilation units containing the pcs we look at are parsed (never a scan
//! of every DIE). Each pc is symbolised once per process.
//!
//! Without DWARF (`objcopy --strip-debug`, a release profile) frames still
//! get function names from the ELF symbol table, and lines from
//! `.debug_line` when present (`debug = "line-tables-only"`); such frames
//! are classified by their function's path (see [`set_user_crates`]).
//!
//! Rendering choices where Rust has no `Debug`:
//! - closures render as their DWARF environment struct, with captures named
//!   after the captured variable: `{closure_env#0} { x: 5, cfg.timeout: 3 }`;
//! - collections cut at [`render::MAX_ELEMS`] elements end like
//!   `finish_non_exhaustive`: `[1, 2, ..]`; strings longer than 64 KiB end
//!   in `".."`; nesting deeper than [`render::MAX_DEPTH`] renders as `..`;
//!   one value reads at most [`render::MAX_BYTES`] bytes of memory;
//! - values that cannot be shown say why inline: `<optimized out>`,
//!   `<unreadable memory at 0x...>`, `<unsupported type NAME>`.

mod call;
mod dwarf;
mod eval;
mod grid;
mod mem;
mod render;
mod types;
mod value;
mod walk;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{constants as dw, AttributeValue};

pub use value::Value;

use dwarf::{Binary, Cu, R};
use render::{Place, Typed};
use value::Node;

/// Most frames [`capture_stack`] returns.
pub const MAX_FRAMES: usize = 256;

/// A frame as unwound: instruction pointer and `backtrace`'s `sp()` (the
/// CFA reported by the unwinder, which on x86_64 equals the frame's own
/// stack pointer during the call it made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame {
    pub ip: usize,
    pub cfa: usize,
}

/// Unwinds the current stack (no symbolisation), innermost first.
#[inline(never)]
pub fn capture_stack() -> Vec<RawFrame> {
    let mut out = Vec::with_capacity(64);
    backtrace::trace(|f| {
        out.push(RawFrame {
            ip: f.ip() as usize,
            cfa: f.sp() as usize,
        });
        out.len() < MAX_FRAMES
    });
    out
}

/// Where a frame's code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    User,
    Std,
    Dependency,
    Autopsy,
    Unknown,
}

/// A symbolised frame (inlined frames are frames of their own).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Demangled, without the `::h<hash>` suffix.
    pub function: String,
    /// Source path as recorded in DWARF, joined with the unit's directory
    /// when relative.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub kind: FrameKind,
    pub inlined: bool,
    /// Link-time pc used for lookups (`ip - 1 - load bias`).
    pc: u64,
    cfa: u64,
    caller_cfa: Option<u64>,
    cu: Option<usize>,
    /// The subprogram or inlined-subroutine DIE of this frame.
    scope: Option<usize>,
    /// The physical subprogram DIE (frame base).
    subprogram: Option<usize>,
}

/// A local variable or argument of a frame.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub is_arg: bool,
    /// The value, with its type's name ([`Value::type_name`]).
    pub value: Value,
}

#[derive(thiserror::Error, Debug, Clone)]
pub enum DebugInfoError {
    #[error("cannot read /proc/self/exe: {0}")]
    Load(String),
    #[error("no debug info for `{0}`")]
    NoFrameInfo(String),
    #[error("no variable info for `{0}` (built with line tables only?)")]
    NoVariables(String),
}

#[derive(thiserror::Error, Debug, Clone)]
pub enum EvalError {
    #[error("syntax error in `{expr}`: {msg}")]
    Syntax { expr: String, msg: String },
    #[error("no local named `{name}` in `{function}`")]
    NoLocal { name: String, function: String },
    #[error("`{name}` is {reason}")]
    Unavailable { name: String, reason: String },
    #[error("no field `{field}` on `{ty}`")]
    NoField { field: String, ty: String },
    #[error("index {index} out of range for {what} of length {len}")]
    OutOfRange { index: u64, what: String, len: u64 },
    #[error("key {key} not found in {what}")]
    KeyNotFound { key: String, what: String },
    #[error("cannot index into a value of type `{0}`")]
    NotIndexable(String),
    #[error("cannot dereference a value of type `{0}`")]
    NotDeref(String),
    #[error("cannot read `{expr}`: {reason}")]
    Read { expr: String, reason: String },
    #[error(transparent)]
    DebugInfo(#[from] DebugInfoError),
}

static AUTOPSY_DIR: OnceLock<&'static str> = OnceLock::new();

/// Sets autopsy's own source directory (frames from there are
/// [`FrameKind::Autopsy`]).
pub fn set_autopsy_dir(dir: &'static str) {
    let _ = AUTOPSY_DIR.set(dir);
}

/// Symbol name of an address in a shared library (`dladdr`).
fn shared_symbol(ip: usize) -> Option<String> {
    // SAFETY: dladdr only inspects the loader's tables and fills `info`.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    if unsafe { libc::dladdr(ip as *const libc::c_void, &mut info) } == 0
        || info.dli_sname.is_null()
    {
        return None;
    }
    // SAFETY: dli_sname is a NUL-terminated string owned by the loader.
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_sname) };
    Some(dwarf::demangle(&name.to_string_lossy()))
}

static USER_CRATES: OnceLock<Vec<String>> = OnceLock::new();

/// Names the crates whose functions are the user's own (the test crate's,
/// the first segment of its tests' `module_path!()`; the package's library).
/// Only needed where there is no DWARF to tell by source path.
pub fn set_user_crates(crates: Vec<String>) {
    let _ = USER_CRATES.set(crates);
}

/// The toolchain's own crates besides `std`, `core` and `alloc`.
const STD_CRATES: &[&str] = &[
    "test",
    "panic_unwind",
    "panic_abort",
    "compiler_builtins",
    "std_detect",
    "hashbrown",
    "rustc_demangle",
    "addr2line",
    "gimli",
    "object",
    "miniz_oxide",
    "adler2",
    "unwind",
];

/// autopsy's own dependencies: on the stack only as its machinery.
const AUTOPSY_DEPS: &[&str] = &[
    "inventory",
    "backtrace",
    "libc",
    "memmap2",
    "rustyline",
    "clap",
    "clap_builder",
    "regex",
    "regex_automata",
    "thiserror",
    "tempfile",
    "owo_colors",
];

/// The crate a demangled function path starts with (`<a::B as c::D>::f`
/// and `<&a::B as ..>` count as `a`); `None` for non-Rust symbols.
fn crate_of(function: &str) -> Option<&str> {
    let f = function.trim_start_matches(['<', '&', '*', '(', '[']);
    let f = f
        .strip_prefix("mut ")
        .or_else(|| f.strip_prefix("const "))
        .or_else(|| f.strip_prefix("dyn "))
        .unwrap_or(f);
    let (head, _) = f.split_once("::")?;
    (!head.is_empty() && head.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(head)
}

fn classify(function: &str, file: Option<&str>) -> FrameKind {
    classify_with(function, file, USER_CRATES.get().map(Vec::as_slice))
}

fn classify_with(function: &str, file: Option<&str>, user: Option<&[String]>) -> FrameKind {
    // The registration closure `#[autopsy::test]` generates around each test
    // (`crate::_::__INVENTORY::{{closure}}`) sits in the user's file but is
    // autopsy's code.
    if function.contains("::__INVENTORY::") {
        return FrameKind::Autopsy;
    }
    let f = function.trim_start_matches('<');
    let std_fn = ["std::", "core::", "alloc::", "test::", "backtrace::"]
        .iter()
        .any(|p| f.starts_with(p))
        || function.starts_with("__rust")
        || function.starts_with("rust_")
        || function.starts_with("__rdl_")
        || function.starts_with("__rg_");
    if let Some(file) = file {
        if file.starts_with("/rustc/") || file.contains("/lib/rustlib/src/") {
            return FrameKind::Std;
        }
        if let Some(dir) = AUTOPSY_DIR.get() {
            if file.starts_with(dir) {
                return FrameKind::Autopsy;
            }
        }
        if f.starts_with("autopsy::") {
            return FrameKind::Autopsy;
        }
        if file.contains("/.cargo/registry/") || file.contains("/.cargo/git/") {
            return FrameKind::Dependency;
        }
        if std_fn {
            return FrameKind::Std;
        }
        return FrameKind::User;
    }
    if std_fn {
        return FrameKind::Std;
    }
    if f.starts_with("autopsy::") {
        return FrameKind::Autopsy;
    }
    // No source path (no DWARF for this pc): tell by the function's crate.
    let Some(krate) = crate_of(function) else {
        return FrameKind::Unknown;
    };
    if STD_CRATES.contains(&krate) {
        return FrameKind::Std;
    }
    if krate.starts_with("autopsy") {
        return FrameKind::Autopsy;
    }
    match user {
        Some(user) if !user.is_empty() => {
            if user.iter().any(|u| u == krate) {
                FrameKind::User
            } else {
                FrameKind::Dependency
            }
        }
        // Nobody said which crates are the user's: any Rust code that is
        // not std's or autopsy's.
        _ if AUTOPSY_DEPS.contains(&krate) => FrameKind::Dependency,
        _ => FrameKind::User,
    }
}

/// The parsed executable (`/proc/self/exe`).
pub struct DebugInfo {
    bin: Binary,
    /// Link-time pc → its frames (innermost first), symbolised once.
    symbolised: Mutex<HashMap<u64, Arc<[Frame]>>>,
}

static INSTANCE: OnceLock<Result<DebugInfo, DebugInfoError>> = OnceLock::new();

/// One variable found in a scope, before reading it.
struct VarDie {
    name: String,
    is_arg: bool,
    depth: usize,
    order: usize,
    ty: Option<types::TypeRef>,
    loc: Option<AttributeValue<R>>,
    cu: Arc<Cu>,
}

impl DebugInfo {
    /// Loads the executable's debug info once per process.
    pub fn get() -> Result<&'static DebugInfo, DebugInfoError> {
        INSTANCE
            .get_or_init(|| {
                let bin = Binary::load("/proc/self/exe").map_err(DebugInfoError::Load)?;
                Ok(DebugInfo {
                    bin,
                    symbolised: Mutex::new(HashMap::new()),
                })
            })
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// Whether the binary has variable locations (false for line tables
    /// only, no DWARF, or stripped).
    pub fn has_locals(&self) -> bool {
        if !self.bin.has_info {
            return false;
        }
        *self.bin.has_vars.get_or_init(|| {
            let d = &self.bin.dwarf;
            let mut seen = std::collections::HashSet::new();
            let mut units = d.units();
            while let Ok(Some(h)) = units.next() {
                if !seen.insert(h.debug_abbrev_offset().0) {
                    continue;
                }
                let Ok(abbrevs) = d.abbreviations(&h) else {
                    continue;
                };
                for code in 1..=4096u64 {
                    let Some(a) = abbrevs.get(code) else { break };
                    if (a.tag() == dw::DW_TAG_variable || a.tag() == dw::DW_TAG_formal_parameter)
                        && a.attributes()
                            .iter()
                            .any(|s| s.name() == dw::DW_AT_location)
                    {
                        return true;
                    }
                }
            }
            false
        })
    }

    /// Symbolises frames, innermost first, expanding inlined calls.
    pub fn frames(&self, raw: &[RawFrame]) -> Vec<Frame> {
        let mut out = Vec::new();
        for (i, r) in raw.iter().enumerate() {
            // Return addresses point after the call: look up `ip - 1`.
            let pc = (r.ip as u64).wrapping_sub(self.bin.bias).wrapping_sub(1);
            let cached = self
                .symbolised
                .lock()
                .ok()
                .and_then(|m| m.get(&pc).cloned());
            let frames = match cached {
                Some(f) => f,
                None => {
                    let f: Arc<[Frame]> = self.symbolise(pc, r.ip).into();
                    if let Ok(mut m) = self.symbolised.lock() {
                        m.insert(pc, f.clone());
                    }
                    f
                }
            };
            let (cfa, caller_cfa) = (r.cfa as u64, raw.get(i + 1).map(|c| c.cfa as u64));
            out.extend(frames.iter().map(|f| Frame {
                cfa,
                caller_cfa,
                ..f.clone()
            }));
        }
        out
    }

    /// The frames of one link-time pc (`ip` is the runtime return address),
    /// without their stack addresses.
    fn symbolise(&self, pc: u64, ip: usize) -> Vec<Frame> {
        let bin = &self.bin;
        let base = Frame {
            function: String::new(),
            file: None,
            line: None,
            kind: FrameKind::Unknown,
            inlined: false,
            pc,
            cfa: 0,
            caller_cfa: None,
            cu: None,
            scope: None,
            subprogram: None,
        };
        let cu = bin.cu_for_pc(pc);
        let scopes = cu.as_ref().map(|c| bin.scopes(c, pc)).unwrap_or_default();
        let line = cu.as_ref().and_then(|c| bin.line_at(c, pc));
        if scopes.is_empty() {
            let function = bin
                .symbol(pc)
                .map(dwarf::demangle)
                .or_else(|| shared_symbol(ip))
                .unwrap_or_else(|| format!("{ip:#x}"));
            let (file, l) = match line {
                Some((f, l, _)) => (f, Some(l)),
                None => (None, None),
            };
            return vec![Frame {
                kind: classify(&function, file.as_deref()),
                function,
                file,
                line: l.filter(|&l| l > 0),
                cu: cu.as_ref().map(|c| c.off),
                ..base
            }];
        }
        let sub = scopes[0].die;
        // Innermost scope gets the line table's location; each outer
        // scope gets the call site recorded on its inlined child.
        let mut loc = match line {
            Some((f, l, _)) => (f, Some(l)),
            None => (None, None),
        };
        let mut out = Vec::with_capacity(scopes.len());
        for (k, s) in scopes.iter().enumerate().rev() {
            let (file, l) = loc.clone();
            let mut function = s.function.clone();
            if k == 0 && !function.contains("::") {
                // Line-tables-only DWARF names functions without their
                // path: the symbol at the same pc has it.
                if let Some(sym) = bin.symbol(pc).map(dwarf::demangle) {
                    if sym.contains("::") {
                        function = sym;
                    }
                }
            }
            out.push(Frame {
                kind: classify(&function, file.as_deref()),
                function,
                file,
                line: l.filter(|&l| l > 0),
                inlined: k > 0,
                cu: cu.as_ref().map(|c| c.off),
                scope: Some(s.die),
                subprogram: Some(sub),
                ..base.clone()
            });
            loc = (s.call_file.clone(), s.call_line);
        }
        out
    }

    fn frame_cu(&self, frame: &Frame) -> Result<(Arc<Cu>, usize), DebugInfoError> {
        let no = || DebugInfoError::NoFrameInfo(frame.function.clone());
        let cu = frame.cu.and_then(|c| self.bin.cu(c)).ok_or_else(no)?;
        let scope = frame.scope.ok_or_else(no)?;
        Ok((cu, scope))
    }

    /// Variables visible at the frame's pc: innermost declaration of each
    /// name, arguments first, then locals in declaration order.
    fn var_dies(&self, frame: &Frame) -> Result<Vec<VarDie>, DebugInfoError> {
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

    fn collect_vars(&self, cu: &Arc<Cu>, die: usize, pc: u64, depth: usize, out: &mut Vec<VarDie>) {
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
    fn locate(&self, frame: &Frame, v: &VarDie) -> Result<Place, &'static str> {
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
    fn frame_base(&self, frame: &Frame, cu: &Cu) -> Option<u64> {
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

    fn eval_location(
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

    fn var_typed(&self, frame: &Frame, v: &VarDie) -> Result<Typed, Node> {
        let tref = v.ty.ok_or_else(|| Node::atom("<unsupported type ?>"))?;
        let ty = self
            .bin
            .ty(tref)
            .ok_or_else(|| Node::atom("<unsupported type ?>"))?;
        let place = self
            .locate(frame, v)
            .map_err(|r| Node::Atom(format!("<{r}>")))?;
        Ok(Typed { ty, tref, place })
    }

    /// The frame's arguments and live locals, rendered.
    pub fn locals(&self, frame: &Frame) -> Result<Vec<Variable>, DebugInfoError> {
        let vars = self.var_dies(frame)?;
        Ok(vars
            .iter()
            .map(|v| {
                let type_name =
                    v.ty.and_then(|t| self.bin.ty(t))
                        .map(|t| t.display_name())
                        .unwrap_or_else(|| "?".into());
                let node = match self.var_typed(frame, v) {
                    Ok(t) => call::render(&self.bin, &t),
                    Err(n) => n,
                };
                Variable {
                    name: v.name.clone(),
                    is_arg: v.is_arg,
                    value: Value { type_name, node },
                }
            })
            .collect())
    }

    /// Names of the frame's visible variables (for completion).
    pub fn local_names(&self, frame: &Frame) -> Vec<String> {
        self.var_dies(frame)
            .map(|v| v.into_iter().map(|v| v.name).collect())
            .unwrap_or_default()
    }

    /// Evaluates `expr` (`name`, `a.b.0`, `v[1]`, `m["k"]`, `*r`) in a frame.
    pub fn eval(&self, frame: &Frame, expr: &str) -> Result<Value, EvalError> {
        eval::eval(self, frame, expr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_frames() {
        assert_eq!(
            classify(
                "core::panicking::panic",
                Some("/rustc/abc/library/core/src/panicking.rs")
            ),
            FrameKind::Std
        );
        assert_eq!(
            classify(
                "regex::Regex::new",
                Some("/home/u/.cargo/registry/src/x/regex-1/src/lib.rs")
            ),
            FrameKind::Dependency
        );
        assert_eq!(
            classify("batch::load", Some("/home/u/batch/src/lib.rs")),
            FrameKind::User
        );
        assert_eq!(classify("std::rt::lang_start", None), FrameKind::Std);
        assert_eq!(classify("0x1234", None), FrameKind::Unknown);
    }

    #[test]
    fn classifies_frames_without_dwarf_by_path() {
        let user = ["batch".to_string()];
        let c = |f: &str| classify_with(f, None, Some(&user));
        assert_eq!(c("batch::load"), FrameKind::User);
        assert_eq!(c("batch::run_batch::{{closure}}"), FrameKind::User);
        assert_eq!(
            c("<batch::Config as core::clone::Clone>::clone"),
            FrameKind::User
        );
        assert_eq!(c("std::panicking::begin_panic_handler"), FrameKind::Std);
        assert_eq!(
            c("<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once"),
            FrameKind::Std
        );
        assert_eq!(c("__rustc::rust_begin_unwind"), FrameKind::Std);
        assert_eq!(c("rust_begin_unwind"), FrameKind::Std);
        assert_eq!(c("core::option::expect_failed"), FrameKind::Std);
        assert_eq!(c("autopsy::runner::worker::run_one"), FrameKind::Autopsy);
        assert_eq!(c("regex::Regex::new"), FrameKind::Dependency);
        assert_eq!(c("start_thread"), FrameKind::Unknown);
        assert_eq!(c("0x7f0012345678"), FrameKind::Unknown);
        // Without a list of the user's crates: any Rust code outside std,
        // autopsy and autopsy's own dependencies.
        let d = |f: &str| classify_with(f, None, None);
        assert_eq!(d("batch::load"), FrameKind::User);
        assert_eq!(d("inventory::iter"), FrameKind::Dependency);
        assert_eq!(d("core::panicking::panic"), FrameKind::Std);
        // The attribute's registration closure, in the user's file.
        assert_eq!(
            classify_with(
                "batch::_::__INVENTORY::{{closure}}",
                Some("tests/batch.rs"),
                None
            ),
            FrameKind::Autopsy
        );
    }
}
