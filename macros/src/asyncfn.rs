//! `async fn` tests: the body becomes a future that a plain `fn` drives to
//! completion, on tokio when `#[tokio::test]` is written below
//! `#[autopsy::test]` (with its options), else on autopsy's small executor.
//!
//! The body stays in the test's own function, as an `async` block, so the
//! post-mortem's frames read `tests::name::{async_block#0}` under
//! `tests::name`, as they do for `#[tokio::test]` alone.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Error, Expr, ExprLit, ItemFn, Lit, Meta, Result, Token};

use crate::attr::Runtime;

/// Turns `async fn f() -> R { body }` into `fn f() -> R { drive(body) }`.
pub(crate) fn make_sync(func: &mut ItemFn, runtime: &Runtime) -> Result<()> {
    let Some(asyncness) = func.sig.asyncness.take() else {
        return Ok(());
    };
    let span = asyncness.span;
    let output = match &func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    let driver = match runtime {
        Runtime::Tokio { path, args } => tokio_runtime(path, args.clone())?,
        _ => quote_spanned!(span=> ::autopsy::__private::block_on),
    };
    let block = &func.block;
    let body = quote_spanned! {span=>
        let body = async #block;
        let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> =
            ::core::pin::pin!(body);
        #driver(body)
    };
    // Carried as tokens: parsing them again would cost what the scanner
    // saved (see `crate::scan`).
    *func.block = syn::Block {
        brace_token: syn::token::Brace(span),
        stmts: vec![syn::Stmt::Expr(Expr::Verbatim(body), None)],
    };
    Ok(())
}

/// `Builder::new_current_thread().enable_all().build()...block_on`, as
/// `#[tokio::test]` builds it, honouring `flavor`, `worker_threads`,
/// `start_paused` and `crate`.
fn tokio_runtime(path: &syn::Path, args: TokenStream) -> Result<TokenStream> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut flavor: Option<(String, Span)> = None;
    let mut workers: Option<(syn::LitInt, Span)> = None;
    let mut paused: Option<(bool, Span)> = None;
    let mut krate: Option<syn::Path> = None;
    for meta in &metas {
        let Meta::NameValue(nv) = meta else {
            return Err(Error::new_spanned(meta, "expected `name = value`"));
        };
        let name = nv
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let lit = match &nv.value {
            Expr::Lit(ExprLit { lit, .. }) => lit,
            other => return Err(Error::new_spanned(other, "expected a literal")),
        };
        match (name.as_str(), lit) {
            ("flavor", Lit::Str(s)) => match s.value().as_str() {
                v @ ("current_thread" | "multi_thread") => flavor = Some((v.into(), s.span())),
                _ => {
                    return Err(Error::new_spanned(
                        s,
                        "no such runtime flavor: expected `current_thread` or `multi_thread`",
                    ))
                }
            },
            ("worker_threads", Lit::Int(n)) => workers = Some((n.clone(), n.span())),
            ("start_paused", Lit::Bool(b)) => paused = Some((b.value, b.span)),
            ("crate", Lit::Str(s)) => krate = Some(s.parse()?),
            _ => {
                return Err(Error::new_spanned(
                    nv,
                    format!(
                        "`{name}` is not an option of `#[tokio::test]` that autopsy supports: \
                         expected `flavor`, `worker_threads`, `start_paused` or `crate`"
                    ),
                ))
            }
        }
    }
    let multi = flavor.as_ref().is_some_and(|(f, _)| f == "multi_thread");
    if let (false, Some((_, span))) = (multi, &workers) {
        return Err(Error::new(
            *span,
            "`worker_threads` goes with `flavor = \"multi_thread\"`",
        ));
    }
    if let (true, Some((_, span))) = (multi, &paused) {
        return Err(Error::new(
            *span,
            "`start_paused` goes with the `current_thread` flavor",
        ));
    }
    // `tokio::test` -> `tokio`, `::tokio::test` -> `::tokio`.
    let krate = krate.unwrap_or_else(|| {
        let mut p = path.clone();
        p.segments.pop();
        p.segments.pop_punct();
        p
    });
    let mut builder = if multi {
        quote!(#krate::runtime::Builder::new_multi_thread())
    } else {
        quote!(#krate::runtime::Builder::new_current_thread())
    };
    if let Some((n, _)) = workers {
        builder.extend(quote!(.worker_threads(#n)));
    }
    if let Some((true, _)) = paused {
        builder.extend(quote!(.start_paused(true)));
    }
    Ok(quote! {
        #builder
            .enable_all()
            .build()
            .expect("Failed building the Runtime")
            .block_on
    })
}
