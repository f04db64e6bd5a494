//! Code generation: the function, instrumented, and its registration.
//!
//! A test is registered where the target runs it (see [`crate::target`]).
//! Under libtest (unit tests in `src/`, integration tests that keep the
//! default harness) the function gets back `#[test]`, `#[ignore]` and
//! `#[should_panic]`, so that names, counts and filters are libtest's own;
//! its body first calls `__private::libtest::enter`, and a constructor arms
//! the post-mortem when an `AUTOPSY_*` variable (or `--pdb`) asks for it. In
//! a `harness = false` target it is a `static` in the `autopsy_tests` link
//! section, which `autopsy::main!()`'s runner reads, and a missing
//! `autopsy::main!();` is a compile error that names it. Under `cargo check`
//! a test returning `()` is not registered (nothing will run it).

use crate::attr::{Rejected, ShouldPanic, TestFn};
use crate::target::{target, Target};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use std::sync::atomic::{AtomicBool, Ordering};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::ItemFn;

/// `#[autopsy::test]`: the function, then its registration.
pub(crate) fn test(test: TestFn) -> TokenStream {
    let TestFn {
        mut func,
        stops,
        options,
        ignore,
        should_panic,
        cfgs,
        runtime,
        test_below,
    } = test;
    if let Err(error) = crate::asyncfn::make_sync(&mut func, &runtime) {
        return rejected(Rejected {
            error,
            item: func.into_token_stream(),
        });
    }
    let target = target();
    if !matches!(target, Target::Harness | Target::Doctest) {
        return libtest_test(
            func,
            ignore.as_deref(),
            &should_panic,
            test_below,
            target,
            stops,
        );
    }
    let ident = &func.sig.ident;
    // rustdoc wraps a doctest in its own `fn main` when it sees none, so
    // `autopsy::main!()`'s marker is not at the crate root there.
    let main_check = (target == Target::Harness)
        .then(|| main_check_once(&cfgs))
        .flatten();
    if !crate::target::emits_code() && matches!(func.sig.output, syn::ReturnType::Default) {
        // `cargo check` (clippy's, rust-analyzer's) builds no binary, so no
        // runner will read a registration: the function is only marked used,
        // as the registration would. What the compiler reads per test on
        // each check is then the test itself; the registration cost a check
        // of 300 tests about a quarter of its time. A test that returns a
        // value keeps it: its return type is checked there.
        return quote! {
            #func

            #(#cfgs)*
            const _: fn() = #ident;

            #(#cfgs)*
            #main_check
        };
    }

    let name = ident.unraw().to_string();
    // `line!()` resolves to the line of its own span: the function's name.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    let column = quote_spanned!(ident.span()=> ::core::column!());
    // libtest's `end_col`: just past the name as written (`r#` included), in
    // characters as `column!()` counts them.
    let name_len = Literal::u32_unsuffixed(ident.to_string().chars().count() as u32);
    // Only what differs from `Test::PLAIN` is written.
    let ignore = ignore.map(|reason| quote!(ignore: ::core::option::Option::Some(#reason),));
    let should_panic = match should_panic {
        ShouldPanic::No => None,
        _ => {
            let value = should_panic_tokens(&should_panic);
            Some(quote!(should_panic: #value,))
        }
    };
    let reruns = options
        .reruns
        .map(Literal::u32_unsuffixed)
        .map(|n| quote!(reruns: ::core::option::Option::Some(#n),));
    let reruns_delay = options
        .reruns_delay
        .map(Literal::f64_unsuffixed)
        .map(|s| quote!(reruns_delay: ::core::option::Option::Some(#s),));
    let run = match &func.sig.output {
        // Called as it is: no wrapper for the compiler to build per test.
        syn::ReturnType::Default => quote!(::autopsy::__private::Run::Unit(#ident)),
        // Spanned at the return type, so that a type the harness cannot turn
        // into an outcome is reported there.
        syn::ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            ::autopsy::__private::Run::Outcome(
                || ::autopsy::__private::IntoOutcome::into_outcome(#ident())
            )
        },
    };

    quote! {
        #func

        // A `static` in the section the runner reads as one array (see the
        // harness's `registry`): no constructor, no list node, and a
        // fraction of the tokens an `inventory` registration expanded to.
        #(#cfgs)*
        const _: () = {
            #[used]
            #[unsafe(link_section = "autopsy_tests")]
            static __AUTOPSY_TEST: ::autopsy::__private::Test = ::autopsy::__private::Test {
                path: ::core::concat!(::core::module_path!(), "::", #name),
                file: ::core::file!(),
                line: #line,
                column: #column,
                end_column: #column + #name_len,
                #ignore
                #should_panic
                #reruns
                #reruns_delay
                run: #run,
                stops: #stops,
                ..::autopsy::__private::Test::PLAIN
            };
        };

        #(#cfgs)*
        #main_check
    }
}

/// The test under libtest: `#[test]` and the attributes libtest reads (unless
/// a `#[test]` above this attribute registered it already), the body's first
/// statement, and the constructor.
fn libtest_test(
    mut func: ItemFn,
    ignore: Option<&str>,
    should_panic: &ShouldPanic,
    test_below: bool,
    target: Target,
    stops: TokenStream,
) -> TokenStream {
    let attrs = if !test_below && crate::source::registered_above(proc_macro::Span::call_site()) {
        // A `#[test]` above this attribute has registered the function
        // already, with its `#[ignore]` and `#[should_panic]`.
        TokenStream::new()
    } else {
        libtest_attrs(ignore, should_panic)
    };
    let expected = should_panic_tokens(should_panic);
    let enter: syn::Stmt = syn::parse_quote! {
        let __autopsy_test =
            ::autopsy::__private::libtest::enter(#expected, ::core::file!(), #stops);
    };
    func.block.stmts.insert(0, enter);
    // An IDE expanding the macro gets the test without the constructor. It
    // arms the process once, however many call it, so one test carries it:
    // the first that rustc expands (it is not under the test's `#[cfg]`s).
    static INIT_EMITTED: AtomicBool = AtomicBool::new(false);
    let first = || !INIT_EMITTED.swap(true, Ordering::Relaxed);
    let init = (target == Target::Libtest && first()).then(|| {
        quote! {
            #[cfg(target_os = "linux")]
            const _: () = {
                // Before libtest's `main`: arms the post-mortem that
                // `AUTOPSY_*` or `--pdb` ask for, and takes autopsy's flags
                // off the command line (see `autopsy::install!`).
                unsafe extern "C" fn __autopsy_init(
                    argc: ::core::ffi::c_int,
                    argv: *mut *mut ::core::ffi::c_char,
                    _envp: *mut *mut ::core::ffi::c_char,
                ) {
                    // SAFETY: glibc calls `.init_array` entries with the
                    // process's own argc/argv, before `main`.
                    unsafe {
                        ::autopsy::__private::libtest::init_in(argc, argv, ::autopsy::__registry!())
                    }
                }
                #[used]
                #[unsafe(link_section = ".init_array")]
                static __AUTOPSY_INIT: ::autopsy::__private::libtest::Init = __autopsy_init;
            };
        }
    });
    quote! {
        #attrs
        #func
        #init
    }
}

/// `autopsy::install!()`: a constructor that arms the post-mortem before
/// `main` (libtest's, or a program's).
pub(crate) fn install(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(&input, "`autopsy::install!()` takes no arguments")
            .to_compile_error();
    }
    let kind = match target() {
        Target::Libtest => quote!(::autopsy::__private::Installed::Libtest),
        // `cfg(test)` without `--test`: a `harness = false` target, whose
        // runner arms the post-mortem itself.
        _ => quote! {
            if ::core::cfg!(test) {
                ::autopsy::__private::Installed::Harness
            } else {
                ::autopsy::__private::Installed::Program
            }
        },
    };
    quote! {
        #[cfg(target_os = "linux")]
        const _: () = {
            unsafe extern "C" fn __autopsy_install(
                argc: ::core::ffi::c_int,
                argv: *mut *mut ::core::ffi::c_char,
                _envp: *mut *mut ::core::ffi::c_char,
            ) {
                // SAFETY: glibc calls `.init_array` entries with the
                // process's own argc/argv, before `main`.
                unsafe {
                    ::autopsy::__private::install_in(
                        #kind,
                        ::core::option_env!("CARGO_CRATE_NAME"),
                        argc,
                        argv,
                        ::autopsy::__registry!(),
                    )
                }
            }
            #[used]
            #[unsafe(link_section = ".init_array")]
            static __AUTOPSY_INSTALL: ::autopsy::__private::libtest::Init = __autopsy_install;
        };
    }
}

/// Fails the build of a `harness = false` target that has tests but no
/// `autopsy::main!();`, with an error that names it (else rustc's bare
/// E0601). `autopsy::main!()` defines `__AutopsyMain` at the crate root; the
/// inner block's glob import finds it there and shadows the outer block's
/// glob, whose `__AutopsyMain` lacks the trait.
const MAIN_CHECK: MainCheck = MainCheck;

/// The check is about the crate, so one test carries it: the first that
/// rustc expands (one process compiles one crate, and expansion is never
/// cached). A test under its own `#[cfg]` may vanish with it, so each of
/// those carries its own.
fn main_check_once(cfgs: &[syn::Attribute]) -> Option<MainCheck> {
    static EMITTED: AtomicBool = AtomicBool::new(false);
    if !cfgs.is_empty() {
        return Some(MAIN_CHECK);
    }
    (!EMITTED.swap(true, Ordering::Relaxed)).then_some(MAIN_CHECK)
}

struct MainCheck;

impl ToTokens for MainCheck {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote! {
            const _: () = {
                #[allow(unused_imports)]
                use ::autopsy::__private::no_main::*;
                const _: () = {
                    #[allow(unused_imports)]
                    use crate::*;
                    ::autopsy::__private::require_main::<__AutopsyMain>();
                };
            };
        });
    }
}

fn should_panic_tokens(should_panic: &ShouldPanic) -> TokenStream {
    match should_panic {
        ShouldPanic::No => quote!(::autopsy::__private::ShouldPanic::No),
        ShouldPanic::Yes => quote!(::autopsy::__private::ShouldPanic::Yes),
        ShouldPanic::Expected(expected) => {
            quote!(::autopsy::__private::ShouldPanic::Expected(#expected))
        }
    }
}

/// `#[test]`, `#[ignore]` and `#[should_panic]` for libtest.
fn libtest_attrs(ignore: Option<&str>, should_panic: &ShouldPanic) -> TokenStream {
    let mut attrs = quote!(#[test]);
    match ignore {
        None => {}
        Some("") => attrs.extend(quote!(#[ignore])),
        Some(reason) => attrs.extend(quote!(#[ignore = #reason])),
    }
    match should_panic {
        ShouldPanic::No => {}
        ShouldPanic::Yes => attrs.extend(quote!(#[should_panic])),
        ShouldPanic::Expected(expected) => {
            attrs.extend(quote!(#[should_panic(expected = #expected)]))
        }
    }
    attrs
}

/// `autopsy::main!()`: the test binary's `main`, and the marker that tests
/// check for. Refuses to build a target whose source shows tests that
/// `harness = false` deletes.
pub(crate) fn main(input: TokenStream) -> TokenStream {
    let mut errors = TokenStream::new();
    if !input.is_empty() {
        errors.extend(
            syn::Error::new_spanned(&input, "`autopsy::main!()` takes no arguments")
                .to_compile_error(),
        );
    }
    let here = proc_macro::Span::call_site();
    // In a doctest the span's file is the documented crate's source.
    let file = here.local_file().filter(|_| target() != Target::Doctest);
    if let Some(file) = file {
        for dropped in crate::source::dropped_tests(&file) {
            let message = dropped_message(&dropped);
            errors.extend(quote!(::core::compile_error!(#message);));
        }
    }
    quote! {
        #errors
        #[doc(hidden)]
        #[allow(dead_code)]
        pub struct __AutopsyMain;
        impl ::autopsy::__private::HasMain for __AutopsyMain {}
        fn main() {
            // The package's name, for what autopsy remembers per package.
            ::autopsy::__private::main_of_package(
                ::core::option_env!("CARGO_PKG_NAME"),
                // Read here, in the binary: with autopsy in a shared library
                // (`autopsy-dylib`), the library's own read would find none
                // of this target's tests.
                ::autopsy::__registry!(),
            )
        }
    }
}

fn dropped_message(d: &crate::source::Dropped) -> String {
    let at = format!("{}:{}", d.file.display(), d.line);
    match (d.what, d.above_autopsy) {
        ("#[test]", true) => format!(
            "{at}: `#[test]` above `#[autopsy::test]` deletes the test in a `harness = false` \
             target: remove `#[test]` (`#[autopsy::test]` registers the test)"
        ),
        (what, _) => format!(
            "{at}: `{what}` makes a `#[test]` function, which a `harness = false` target \
             deletes, so the test would never run: give it `#[autopsy::test]`, or keep \
             libtest for this target (remove `harness = false` from its `[[test]]` in \
             Cargo.toml and `autopsy::main!();` from the file) and write \
             `autopsy::install!();` at its top level, which serves tests that other crates' \
             macros generate"
        ),
    }
}

/// `#[autopsy::trace]`: the function, its `?`s routed through the harness,
/// and its trace stops registered from inside its body (an item beside it
/// could not stand in an `impl` block).
pub(crate) fn trace((mut func, stops): (ItemFn, TokenStream)) -> TokenStream {
    let register: syn::Stmt = syn::parse_quote! {
        #[used]
        #[unsafe(link_section = "autopsy_traced")]
        static __AUTOPSY_TRACED: ::autopsy::__private::Traced =
            ::autopsy::__private::Traced { file: ::core::file!(), lines: #stops };
    };
    func.block.stmts.insert(0, register);
    func.into_token_stream()
}

/// The tokens for a rejected input: the errors, and the item so that its
/// uses do not report more.
pub(crate) fn rejected(rejected: Rejected) -> TokenStream {
    let mut tokens = rejected.error.to_compile_error();
    tokens.extend(rejected.item);
    tokens
}
