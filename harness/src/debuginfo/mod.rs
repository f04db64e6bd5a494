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
//! Layout: [`place`] holds the typed places and fault-safe primitives,
//! [`stdtypes`] one provider per family of std types (where its data
//! lives, tagged with the rustc versions it reads), [`render`] turns places
//! into [`value::Node`]s, [`eval`] reads places (`a.b`, `v[1]`) through the same
//! providers, [`expr`] evaluates Rust expressions on them, [`dyns`] finds the concrete type behind a trait object,
//! [`vars`] finds a frame's variables and their locations, and [`mod@classify`]
//! tells whose code a frame is.
//!
//! Rendering choices where Rust has no `Debug`, or where memory is wrong:
//! - closures render as their DWARF environment struct, with captures named
//!   after the captured variable: `{closure_env#0} { x: 5, cfg.timeout: 3 }`;
//! - collections are printed in full up to [`place::MAX_ELEMS`] elements,
//!   then say how many were left out: `[1, 2, .. 50000 more]`; text up to
//!   [`place::MAX_STR`] bytes, then `"..".. (N more bytes)`; `Debug`
//!   builders nested deeper than [`place::MAX_DEPTH`] render as `..`; an
//!   `Rc`/`Arc` met again inside itself renders as `<cycle: Rc at 0x..>`;
//!   one value reads at most [`place::MAX_BYTES`] bytes of memory;
//! - a value whose own invariants fail (`len > cap`, data at an unmapped
//!   address, a `String` that is not UTF-8, a `bool` not 0 or 1, a `char`
//!   that is no scalar value, a discriminant no variant has) is never shown
//!   as data: `<invalid: moved-from or uninitialised Vec (length 9 >
//!   capacity 4)>`;
//! - a type whose own `Debug` may print otherwise prints its fields
//!   derive-style marked `<fields> `: a dependency's type (neither std's
//!   nor the user's crates, [`render::is_foreign`]) and a user's type whose
//!   `Debug` impl in the binary is hand-written ([`handwritten`]); std's
//!   hand-written `Debug`s are reproduced exactly by their providers;
//! - zero-sized values (`()`, unit structs, `PhantomData`, `[T; 0]`) print
//!   without a memory read, even where the compiler kept no place;
//! - values that cannot be shown say why inline: `<optimized out>`,
//!   `<unreadable memory at 0x...>`, `<unsupported type NAME>`.

mod aranges;
mod call;
mod classify;
mod dwarf;
mod dwo;
mod dyns;
mod eval;
#[path = "expr/mod.rs"]
mod expr;
mod grid;
mod handwritten;
mod lines;
pub mod mem;
mod place;
mod regs;
mod render;
mod scopes;
pub mod split;
#[path = "stdtypes/mod.rs"]
mod stdtypes;
mod stmts;
mod symbols;
mod types;
mod value;
mod vars;
mod walk;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use value::Value;

pub use classify::{autopsy_dir, guess_user_crates, set_autopsy_dir, set_user_crates, user_crates};
use classify::{classify, is_user_crate, mark_libtest_closures, STD_CRATES};

use dwarf::Binary;

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
    // The frames' callee-saved registers, for locals kept in registers.
    regs::capture();
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

/// The registers of a frame [`capture_stack`] returned (DWARF-numbered:
/// on x86_64 the callee-saved rbx, rbp, r12-r15), as the system unwinder
/// restored them when the stack was captured; `None` when it did not see
/// the frame.
pub fn frame_registers(frame: &RawFrame) -> Option<[Option<u64>; 17]> {
    regs::of_frame(frame.ip as u64, frame.cfa as u64).map(|(r, _)| r)
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

impl Frame {
    /// A frame of `function`, of `kind`, and nothing else (for tests of
    /// what the prompt makes of a stack).
    #[cfg(test)]
    pub(crate) fn bare(function: &str, kind: FrameKind) -> Frame {
        Frame {
            function: function.to_string(),
            file: None,
            line: None,
            kind,
            inlined: false,
            pc: 0,
            cfa: 0,
            caller_cfa: None,
            cu: None,
            scope: None,
            subprogram: None,
        }
    }
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
    #[error("cannot read the executable's debug info: {0}")]
    Load(String),
    #[error("no debug info for `{0}`")]
    NoFrameInfo(String),
    #[error("no variable info for `{0}` (built with line tables only?)")]
    NoVariables(String),
    /// A split DWARF unit whose `.dwp`/`.dwo` is missing or refused.
    #[error("{0}")]
    Split(String),
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
    /// Valid Rust the prompt does not evaluate, named in Rust terms.
    #[error("not supported at the prompt: {0}")]
    Unsupported(String),
    /// A type error, as rustc would report it.
    #[error("{0}")]
    Type(String),
    /// What the expression would panic with in the program.
    #[error("the expression would panic: {0}")]
    Panic(String),
    #[error("no method `{method}` on `{ty}` (std's methods the prompt computes: len, is_empty, is_some, is_none, is_ok, is_err, unwrap, get, contains, contains_key, keys, values, first, last, as_str, iter().count(), clone, to_string, starts_with, ends_with, abs; other methods are called when the binary has them)")]
    NoMethod { method: String, ty: String },
    #[error("no static named `{0}`")]
    NoStatic(String),
    #[error("no function `{0}` in the binary (not defined, or inlined everywhere)")]
    NoFunction(String),
    #[error("calling `{function}` failed: {reason}")]
    Call { function: String, reason: String },
    #[error(transparent)]
    DebugInfo(#[from] DebugInfoError),
}

/// Names of frames outside the executable, as a dump recorded them
/// (offline, `dladdr` would name this process's libraries instead).
static FOREIGN_NAMES: OnceLock<HashMap<usize, String>> = OnceLock::new();

/// Sets the names of frames outside the executable, by address (offline).
pub fn set_foreign_names(names: HashMap<usize, String>) {
    let _ = FOREIGN_NAMES.set(names);
}

/// Symbol name of an address in a shared library (`dladdr`); offline, the
/// name the dump recorded.
pub fn shared_symbol(ip: usize) -> Option<String> {
    if let Some(names) = FOREIGN_NAMES.get() {
        return names.get(&ip).cloned();
    }
    if mem::offline() {
        return None;
    }
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

/// Locals the compiler or autopsy's macros make, which `locals` does not
/// list (`p` still reads them): an `async` body's `_task_context`, an
/// `.await`'s `__awaitee`, `#[autopsy::test]`'s `__autopsy_test`.
fn compiler_made(name: &str) -> bool {
    name == "_task_context" || name.starts_with("__")
}

/// The parsed executable (`/proc/self/exe`).
pub struct DebugInfo {
    bin: Binary,
    /// Why a stripped executable's split debug file was not used.
    missing: Option<String>,
    /// Link-time pc → its frames (innermost first), symbolised once.
    symbolised: Mutex<HashMap<u64, Arc<[Frame]>>>,
}

static INSTANCE: OnceLock<Result<DebugInfo, DebugInfoError>> = OnceLock::new();

/// This process's executable, with its split debug file when it was
/// stripped of its DWARF (found as `cargo autopsy open` finds it,
/// [`split::find`]); the second value says why a debug file the
/// executable points at (`.gnu_debuglink`, or by build id) was not used.
fn load_self() -> Result<(Binary, Option<String>), String> {
    const EXE: &str = "/proc/self/exe";
    let bin = Binary::load(EXE)?;
    if bin.has_info {
        return Ok((bin, None));
    }
    // Named by its real path; its own DWARF-less copy is still the one
    // mapped (and checked against the debug file's build id).
    let real = std::fs::read_link(EXE).unwrap_or_else(|_| EXE.into());
    match split::find(&real) {
        // A debug file refused here (not the build that runs) leaves the
        // frames their symbols, and says why.
        Ok(Some(debug)) => match Binary::load_at(EXE, None, Some(&debug.to_string_lossy())) {
            Ok(with_debug) => Ok((with_debug, None)),
            Err(e) => Ok((bin, Some(e))),
        },
        Ok(None) => Ok((bin, None)),
        // Built without debug info: nothing points at a debug file.
        Err(split::SplitError::NotFound { .. }) if !bin.has_debuglink() => Ok((bin, None)),
        Err(split::SplitError::NotFound { searched }) => Ok((
            bin,
            Some(format!(
                "{} has no debug info (stripped?) and no split debug info was found \
                 (searched: {})",
                real.display(),
                searched.join(", ")
            )),
        )),
        Err(e) => Ok((bin, Some(e.to_string()))),
    }
}

impl DebugInfo {
    /// Loads the executable's debug info once per process.
    pub fn get() -> Result<&'static DebugInfo, DebugInfoError> {
        INSTANCE
            .get_or_init(|| {
                let (bin, missing) = load_self().map_err(DebugInfoError::Load)?;
                Ok(DebugInfo {
                    bin,
                    missing,
                    symbolised: Mutex::new(HashMap::new()),
                })
            })
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// Loads the debug info of the executable at `path`, loaded at `bias`
    /// in the process a dump came from, in place of `/proc/self/exe`:
    /// [`get`](Self::get) returns it from then on. Call before anything
    /// else reads debug info, after [`mem::set_source`]. `debug`: a split
    /// debug file with the DWARF ([`split::find`]).
    pub fn open_offline(
        path: &str,
        bias: u64,
        debug: Option<&str>,
    ) -> Result<&'static DebugInfo, DebugInfoError> {
        INSTANCE
            .get_or_init(|| {
                let bin = Binary::load_at(path, Some(bias), debug).map_err(DebugInfoError::Load)?;
                Ok(DebugInfo {
                    bin,
                    missing: None,
                    symbolised: Mutex::new(HashMap::new()),
                })
            })
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// The executable's GNU build id, in hex.
    pub fn build_id(&self) -> Option<String> {
        self.bin.build_id()
    }

    /// The executable's load bias (runtime minus link-time address).
    pub fn bias(&self) -> u64 {
        self.bin.bias
    }

    /// Whether the runtime address `ip` is in the executable's code.
    pub fn in_executable(&self, ip: usize) -> bool {
        self.bin.in_text((ip as u64).wrapping_sub(self.bin.bias))
    }

    /// Whether the binary has variable locations (false for line tables
    /// only, no DWARF, stripped, or split debug info that is missing).
    pub fn has_locals(&self) -> bool {
        self.bin.has_info && *self.bin.has_vars.get_or_init(|| self.bin.find_vars())
    }

    /// Why the binary's debug info cannot be read in full, naming the file
    /// that is needed: a stripped binary's debug file (`.gnu_debuglink`,
    /// build id) not found or refused, or a split DWARF unit's `.dwp` or
    /// `.dwo` ([`has_locals`](Self::has_locals) tells it first).
    pub fn missing_debug_info(&self) -> Option<String> {
        self.missing
            .clone()
            .or_else(|| self.bin.split_error.get().cloned())
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
        mark_libtest_closures(&mut out);
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

    /// The frame's arguments and live locals, rendered.
    pub fn locals(&self, frame: &Frame) -> Result<Vec<Variable>, DebugInfoError> {
        let vars = self.var_dies(frame)?;
        Ok(vars
            .iter()
            .filter(|v| !compiler_made(&v.name))
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
            .map(|v| {
                v.into_iter()
                    .map(|v| v.name)
                    .filter(|n| !compiler_made(n))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Evaluates a Rust expression in a frame (see [`expr`]).
    pub fn eval(&self, frame: &Frame, expr: &str) -> Result<Value, EvalError> {
        expr::eval(self, frame, expr)
    }

    /// Fields and methods of the value of `expr` in a frame, for tab
    /// completion after `expr.`.
    pub fn members(&self, frame: &Frame, expr: &str) -> Vec<String> {
        expr::members(self, frame, expr)
    }
}
