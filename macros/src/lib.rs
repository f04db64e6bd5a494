//! Attribute macros of [autopsy](https://docs.rs/autopsy). Use them through
//! the `autopsy` crate (`#[autopsy::test]`, `#[autopsy::trace]`); the code
//! they generate names `::autopsy`, so this crate is no use on its own.

#![warn(missing_docs)]

extern crate proc_macro;

mod asyncfn;
mod attr;
mod expand;
mod instrument;
mod scan;
mod source;
mod target;

use proc_macro::TokenStream;

/// Registers a test with autopsy's runner.
///
/// ```ignore
/// #[autopsy::test]
/// fn parses_config() -> Result<(), Error> {
///     let n: u16 = "8080".parse()?;
///     assert_eq!(n, 8080);
///     Ok(())
/// }
///
/// #[autopsy::test(reruns = 3, reruns_delay = 0.5)]
/// #[ignore = "needs the network"]
/// fn flaky_download() { /* ... */ }
///
/// #[autopsy::test]
/// #[should_panic(expected = "out of range")]
/// fn rejects_large_index() { /* ... */ }
///
/// autopsy::main!();
/// ```
///
/// The function takes no arguments and returns `()` or `Result<(), E>` with
/// `E: Debug`; it must not also carry `#[test]`. The test target needs
/// `harness = false` and one `autopsy::main!();`.
///
/// # Options
///
/// - `reruns = N`: run a failing test up to `N` more times; it passes if a
///   rerun passes (reported as flaky).
/// - `reruns_delay = SECS`: wait this many seconds (integer or float) before
///   each rerun.
///
/// `#[ignore]`, `#[ignore = "reason"]`, `#[should_panic]` and
/// `#[should_panic(expected = "...")]` work as with `#[test]`, above or below
/// this attribute.
///
/// # What the body becomes
///
/// The body is compiled as written: `--trace` and breakpoints stop at the
/// start of each statement (in nested blocks, branches, loops and match arms
/// too) by planting breakpoints in the running code, so a test that nobody
/// traces costs nothing. The attribute adds only the list of the lines where
/// those statements begin. Each `?` reports to the harness before returning
/// early, so that under `--pdb` the prompt opens in the test's frame with its
/// locals alive. Closures, async blocks, nested items and macro arguments
/// hold no stops.
///
/// Under `cargo check` (clippy's and rust-analyzer's checks too), which
/// builds no binary, the body is left exactly as written and, in a
/// `harness = false` target, the test is not registered (there is nothing
/// to run it): a check costs about what the test itself costs, and reports
/// what the build reports.
#[proc_macro_attribute]
pub fn test(args: TokenStream, input: TokenStream) -> TokenStream {
    match attr::test(args.into(), input.into()) {
        Ok(test) => expand::test(test),
        Err(rejected) => expand::rejected(rejected),
    }
    .into()
}

/// Lets `--trace` step through a helper function.
///
/// ```ignore
/// #[autopsy::trace]
/// fn load(path: &str) -> Config {
///     let text = std::fs::read_to_string(path).unwrap();
///     parse(&text)
/// }
/// ```
///
/// Gives the body a trace stop at every statement, as
/// [`#[autopsy::test]`](macro@test) does for tests (breakpoints planted only
/// while tracing; the code is compiled as written), and routes its `?`s
/// through the harness, so that under `--pdb` a failing `?` opens the prompt
/// here. Goes on any function or method with a body, generic, `async` or
/// `unsafe` included, but not on a `const fn`.
#[proc_macro_attribute]
pub fn trace(args: TokenStream, input: TokenStream) -> TokenStream {
    match attr::trace(&args.into(), input.into()) {
        Ok(func) => expand::trace(func),
        Err(rejected) => expand::rejected(rejected),
    }
    .into()
}

/// The test binary's `main` for a `harness = false` target: write
/// `autopsy::main!();` once, at the top level of the target's root file.
///
/// Refuses to build when the target's source shows tests that
/// `harness = false` would delete in silence: `#[test]` (above
/// `#[autopsy::test]`, or alone), `#[tokio::test]` above `#[autopsy::test]`,
/// `#[rstest]`, `#[test_case]`, `quickcheck!`, `proptest!`. The error names
/// the fix.
#[proc_macro]
pub fn main(input: TokenStream) -> TokenStream {
    expand::main(input.into()).into()
}

/// Arms autopsy's post-mortem in a test target that keeps libtest, for every
/// test in it (`#[test]`, `#[tokio::test]`, `#[rstest]`, `proptest!`, ...),
/// or in a program. See `autopsy::install!`.
#[proc_macro]
pub fn install(input: TokenStream) -> TokenStream {
    expand::install(input.into()).into()
}
