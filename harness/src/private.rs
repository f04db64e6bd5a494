//! What the macros expand to. Not public API: names here may change in any
//! release. Generated code names only `::autopsy::__private::...` and
//! `::core::...`.

/// autopsy under libtest: the constructor and each test's first statement.
pub mod libtest {
    pub use crate::libtest_mode::{enter, init_in, Entered, Init};
}

/// `autopsy::install!()`'s constructor.
pub use crate::libtest_mode::{install, install_in, Installed};

/// `cargo-autopsy`'s `main`: runs its command line, returns the status.
pub fn cargo_autopsy(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    crate::dump::cli::main(args)
}

/// Drives an `async fn` test that names no runtime.
pub use crate::executor::block_on;

/// The fallback that `#[autopsy::test]`'s check finds when the crate root
/// has no `autopsy::main!()`.
pub mod no_main {
    /// Lacks [`super::HasMain`].
    pub struct __AutopsyMain;
}

/// Implemented by the marker `autopsy::main!()` defines at the crate root.
#[diagnostic::on_unimplemented(
    message = "this test target has `harness = false` but no `autopsy::main!();`",
    label = "this `#[autopsy::test]` is never run",
    note = "write `autopsy::main!();` once, at the end of the target's root file, \
            or remove `harness = false` to run the tests under libtest"
)]
pub trait HasMain {}

/// Compiles only where `T` is `autopsy::main!()`'s marker.
pub const fn require_main<T: HasMain>() {}

/// How a test expects to panic, from `#[should_panic]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShouldPanic {
    /// No `#[should_panic]`.
    No,
    /// `#[should_panic]`.
    Yes,
    /// `#[should_panic(expected = "...")]`: the message must contain this.
    Expected(&'static str),
}

impl ShouldPanic {
    /// Whether a panic with `message` is the one the test expects, as
    /// libtest judges it: any panic for `Yes`, one whose message contains
    /// the text for `Expected`.
    pub(crate) fn expects(self, message: &str) -> bool {
        match self {
            ShouldPanic::No => false,
            ShouldPanic::Yes => true,
            ShouldPanic::Expected(want) => message.contains(want),
        }
    }
}

/// One `#[autopsy::test]`: a `static` in the `autopsy_tests` link section
/// (see `registry`).
#[derive(Debug)]
pub struct Test {
    /// `module_path!()::name`, joined at compile time: the runner names
    /// every test at every start, and joining 20,000 names at run time, in
    /// the user's unoptimized build, was most of a start's cost. (The module
    /// path and the name are not kept apart: each `&str` in a static is a
    /// relocation the loader applies at every start of the binary.)
    pub path: &'static str,
    /// `file!()` and `line!()` of the function.
    pub file: &'static str,
    /// Line of the function's name.
    pub line: u32,
    /// Column of the function's name (libtest's notes end `at file:line:col`).
    pub column: u32,
    /// Column just past the function's name as written (`r#` included):
    /// libtest's `end_col` in `--list --format json` (`end_line` is `line`).
    pub end_column: u32,
    /// `#[ignore]` (`Some("")`) or `#[ignore = "reason"]` (`Some("reason")`).
    pub ignore: Option<&'static str>,
    /// `#[should_panic]`.
    pub should_panic: ShouldPanic,
    /// `#[autopsy::test(reruns = N)]`.
    pub reruns: Option<u32>,
    /// `#[autopsy::test(reruns_delay = SECS)]`.
    pub reruns_delay: Option<f64>,
    /// The function, as the runner calls it.
    pub run: Run,
    /// The lines of `file` where a statement of the body begins: its trace
    /// stops (breakpoints under `--trace`; the body itself is unchanged).
    pub stops: &'static [u32],
}

impl Test {
    /// The fields a test without `#[ignore]`, `#[should_panic]` or options
    /// has: the attribute writes only what differs (`..Test::PLAIN`), fewer
    /// tokens for the compiler to read per test on every check.
    pub const PLAIN: Test = Test {
        path: "",
        file: "",
        line: 0,
        column: 0,
        end_column: 0,
        ignore: None,
        should_panic: ShouldPanic::No,
        reruns: None,
        reruns_delay: None,
        run: Run::Unit(plain),
        stops: &[],
    };

    /// `module_path!()` at the test; the crate's own name is dropped when
    /// the test is named, as libtest does (`outer::inner::name`).
    pub fn module_path(&self) -> &'static str {
        self.path.rsplit_once("::").map_or("", |(m, _)| m)
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.path.rsplit_once("::").map_or(self.path, |(_, n)| n)
    }
}

fn plain() {}

/// How the runner calls a test function.
#[derive(Debug, Clone, Copy)]
pub enum Run {
    /// A function returning `()`, called as it is: no wrapper per test for
    /// the compiler to build.
    Unit(fn()),
    /// Anything else (`Result`, an `async fn`'s driver): a wrapper that
    /// converts what it returns; `Err` carries the Debug of an error.
    Outcome(fn() -> Outcome),
}

impl Run {
    /// Calls the function; `Err` carries the Debug of a returned error.
    pub fn call(self) -> Outcome {
        match self {
            Run::Unit(f) => {
                f();
                Ok(())
            }
            Run::Outcome(f) => f(),
        }
    }
}

/// Every `#[autopsy::test]` of the binary, in link order.
pub use crate::registry::{tests, Registry};

/// An `#[autopsy::trace]` helper's trace stops: a `static` in the
/// `autopsy_traced` link section, declared in its body (see `registry`).
#[derive(Debug)]
pub struct Traced {
    /// `file!()` of the helper.
    pub file: &'static str,
    /// The lines of `file` where a statement of its body begins.
    pub lines: &'static [u32],
}

/// What a test body returns once converted: `Err` holds `{:?}` of the error.
pub type Outcome = Result<(), String>;

/// Converts a test function's return value into an [`Outcome`], as libtest's
/// `Termination` does: `()` passes, `Err(e)` fails with `e`'s Debug.
#[diagnostic::on_unimplemented(
    message = "`#[autopsy::test]` functions return `()` or `Result<(), E>` where `E: Debug`, not `{Self}`",
    label = "this return type is not supported by `#[autopsy::test]`"
)]
pub trait IntoOutcome {
    /// Converts.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for () {
    fn into_outcome(self) -> Outcome {
        Ok(())
    }
}

impl<E: core::fmt::Debug> IntoOutcome for Result<(), E> {
    fn into_outcome(self) -> Outcome {
        self.map_err(|e| format!("{e:?}"))
    }
}

// ---------------------------------------------------------------------------
// Hooks the attribute plants in test bodies (`?` under `--pdb`).

use core::sync::atomic::{AtomicBool, Ordering};

/// Set while a failure should open the post-mortem prompt (`--pdb`); read by
/// [`question`] so that a `?` costs one load when nobody is debugging.
pub static PDB_ARMED: AtomicBool = AtomicBool::new(false);

/// Set while a failing `?` should write a post-mortem dump (`--dump`).
pub static DUMP_ARMED: AtomicBool = AtomicBool::new(false);

/// What `?` may be applied to in a test body: `Result` and `Option`.
#[diagnostic::on_unimplemented(
    message = "`?` in an `#[autopsy::test]` or `#[autopsy::trace]` function works on `Result` and `Option`, not `{Self}`",
    label = "autopsy routes this `?` through the harness"
)]
pub trait Question {
    /// Whether `?` will return early (an `Err` or a `None`).
    fn fails(&self) -> bool;
}

impl<T, E> Question for Result<T, E> {
    fn fails(&self) -> bool {
        self.is_err()
    }
}

impl<T> Question for Option<T> {
    fn fails(&self) -> bool {
        self.is_none()
    }
}

/// `expr?` in a test body becomes `question(expr, file!(), line!())?`, so that
/// under `--pdb` the prompt opens in the test's frame before it returns. No
/// `Debug` bound: the value is rendered from debug info.
#[inline(never)]
pub fn question<T: Question>(value: T, file: &'static str, line: u32) -> T {
    if (PDB_ARMED.load(Ordering::Relaxed) || DUMP_ARMED.load(Ordering::Relaxed)) && value.fails() {
        crate::postmortem::on_question(file, line);
    }
    value
}

/// `autopsy::post_mortem!(&err)`: the prompt (or the traceback) for an
/// error the caller caught.
#[inline(never)]
pub fn post_mortem<E: core::fmt::Debug + ?Sized>(err: &E, file: &'static str, line: u32) {
    crate::postmortem::on_caught(format!("{err:?}"), file, line);
}

/// `autopsy::breakpoint!()`: opens the prompt in the caller's frame.
#[inline(never)]
pub fn breakpoint(file: &'static str, line: u32) {
    crate::libtest_mode::host_for_breakpoint();
    crate::postmortem::trace::forced(file, line);
}

/// `autopsy::main!()`'s body, before it named the package.
pub fn main() {
    crate::main_impl()
}

/// `autopsy::main!()`'s body: `package` is the test target's package
/// (`CARGO_PKG_NAME` where the macro expands), `registry` what the target's
/// binary registered (`__registry!()` where the macro expands).
pub fn main_of_package(package: Option<&'static str>, registry: Registry) {
    crate::registry::set_image(registry);
    if let Some(p) = package {
        crate::history::set_package(p);
    }
    crate::main_impl()
}
