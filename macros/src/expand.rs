//! Code generation: the function, instrumented, and its registration.

use crate::attr::{Rejected, ShouldPanic, TestFn};
use crate::instrument::{self, Mode};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::ItemFn;

/// `#[autopsy::test]`: the function, then an `inventory` registration of it.
pub(crate) fn test(test: TestFn) -> TokenStream {
    let TestFn {
        mut func,
        options,
        ignore,
        should_panic,
        cfgs,
    } = test;
    instrument::body(&mut func.block, Mode::Test, func.sig.unsafety.is_some());

    let ident = &func.sig.ident;
    let name = ident.unraw().to_string();
    // `line!()` resolves to the line of its own span: the function's name.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    let column = quote_spanned!(ident.span()=> ::core::column!());
    // libtest's `end_col`: just past the name as written (`r#` included), in
    // characters as `column!()` counts them.
    let name_len = Literal::u32_unsuffixed(ident.to_string().chars().count() as u32);
    let ignore = match ignore {
        None => quote!(::core::option::Option::None),
        Some(reason) => quote!(::core::option::Option::Some(#reason)),
    };
    let should_panic = match should_panic {
        ShouldPanic::No => quote!(::autopsy::__private::ShouldPanic::No),
        ShouldPanic::Yes => quote!(::autopsy::__private::ShouldPanic::Yes),
        ShouldPanic::Expected(expected) => {
            quote!(::autopsy::__private::ShouldPanic::Expected(#expected))
        }
    };
    let reruns = option(options.reruns.map(Literal::u32_unsuffixed));
    let reruns_delay = option(options.reruns_delay.map(Literal::f64_unsuffixed));
    // Spanned at the return type, so that a type the harness cannot turn into
    // an outcome is reported there.
    let output_span = match &func.sig.output {
        syn::ReturnType::Default => ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let run = quote_spanned! {output_span=>
        || ::autopsy::__private::IntoOutcome::into_outcome(#ident())
    };

    quote! {
        #func

        #(#cfgs)*
        ::autopsy::__private::inventory::submit! {
            ::autopsy::__private::Test {
                module_path: ::core::module_path!(),
                name: #name,
                file: ::core::file!(),
                line: #line,
                column: #column,
                end_column: #column + #name_len,
                ignore: #ignore,
                should_panic: #should_panic,
                reruns: #reruns,
                reruns_delay: #reruns_delay,
                run: #run,
            }
        }
    }
}

/// `#[autopsy::trace]`: the function with trace stops.
pub(crate) fn trace(mut func: ItemFn) -> TokenStream {
    instrument::body(&mut func.block, Mode::Trace, func.sig.unsafety.is_some());
    func.into_token_stream()
}

/// The tokens for a rejected input: the errors, and the item so that its
/// uses do not report more.
pub(crate) fn rejected(rejected: Rejected) -> TokenStream {
    let mut tokens = rejected.error.to_compile_error();
    tokens.extend(rejected.item);
    tokens
}

fn option(value: Option<Literal>) -> TokenStream {
    match value {
        None => quote!(::core::option::Option::None),
        Some(value) => quote!(::core::option::Option::Some(#value)),
    }
}
