//! Parsing and validation: the attribute's options and the attributes it
//! consumes from the function, into a [`TestFn`] that codegen can trust.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{
    Attribute, Error, Expr, ExprLit, ExprUnary, Item, ItemFn, Lit, Meta, Result, Token, UnOp,
};

/// A validated `#[autopsy::test]` function.
pub(crate) struct TestFn {
    /// The function, minus the attributes consumed here; its body's `?`s
    /// routed through the harness.
    pub func: ItemFn,
    /// Its trace stops: `&[line!(), ...]`.
    pub stops: TokenStream,
    pub options: Options,
    /// `#[ignore]` is `Some("")`, `#[ignore = "reason"]` is `Some("reason")`.
    pub ignore: Option<String>,
    pub should_panic: ShouldPanic,
    /// The function's `#[cfg(...)]` attributes, repeated on the registration.
    pub cfgs: Vec<Attribute>,
    /// What runs an `async fn` test.
    pub runtime: Runtime,
    /// A `#[test]` was written below this attribute (or emitted there by
    /// `#[tokio::test]` above it).
    pub test_below: bool,
}

/// What drives an `async fn` test.
pub(crate) enum Runtime {
    /// A plain `fn`.
    None,
    /// `async fn` with no runtime attribute: autopsy's small executor.
    Builtin,
    /// `#[tokio::test(args)]` below `#[autopsy::test]`: the path as written
    /// (`tokio::test`, `::tokio::test`), and its arguments.
    Tokio { path: syn::Path, args: TokenStream },
}

/// The options inside `#[autopsy::test(...)]`.
#[derive(Default)]
pub(crate) struct Options {
    pub reruns: Option<u32>,
    /// Seconds; finite and not negative.
    pub reruns_delay: Option<f64>,
}

pub(crate) enum ShouldPanic {
    No,
    Yes,
    Expected(String),
}

/// What the macro emits when the input cannot be accepted: the errors, plus
/// the item itself so that code using it does not pile up further errors.
pub(crate) struct Rejected {
    pub error: Error,
    pub item: TokenStream,
}

/// Parses `#[autopsy::test(args)] item`.
pub(crate) fn test(args: TokenStream, input: TokenStream) -> std::result::Result<TestFn, Rejected> {
    let mut errors = Errors::default();
    let options = match Options::parse.parse2(args) {
        Ok(options) => options,
        Err(error) => {
            errors.push(error);
            Options::default()
        }
    };

    let (mut func, stops) = match crate::instrument::function(&input) {
        Some(parsed) => parsed,
        None => parse_item(input)?,
    };

    let consumed = consume_attrs(&mut func, &mut errors);
    check_signature(&func, &consumed, &mut errors);

    if let Some(error) = errors.finish() {
        return Err(Rejected {
            error,
            item: func.into_token_stream(),
        });
    }
    Ok(TestFn {
        func,
        stops,
        options,
        ignore: consumed.ignore,
        should_panic: consumed
            .should_panic
            .map_or(ShouldPanic::No, |(parsed, _)| parsed),
        cfgs: consumed.cfgs,
        runtime: consumed.runtime,
        test_below: consumed.test_below,
    })
}

/// The test function through syn's full grammar, instrumented.
fn parse_item(input: TokenStream) -> std::result::Result<(ItemFn, TokenStream), Rejected> {
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Fn(mut func)) => {
            let stops = crate::instrument::body(&mut func.block);
            Ok((func, stops))
        }
        Ok(item) => Err(Rejected {
            error: Error::new_spanned(item_head(&item), "#[autopsy::test] goes on a function"),
            item: input,
        }),
        Err(error) => Err(Rejected {
            error: Error::new(error.span(), "#[autopsy::test] goes on a function"),
            item: input,
        }),
    }
}

/// The attributes `#[autopsy::test]` takes off the function.
struct Consumed {
    ignore: Option<String>,
    /// With the attribute, for errors about it.
    should_panic: Option<(ShouldPanic, Attribute)>,
    cfgs: Vec<Attribute>,
    runtime: Runtime,
    test_below: bool,
}

/// Takes `#[ignore]`, `#[should_panic]`, `#[test]` and `#[tokio::test]` off
/// the function, and rejects attributes that would instrument it a second
/// time.
fn consume_attrs(func: &mut ItemFn, errors: &mut Errors) -> Consumed {
    let mut ignore = None;
    let mut should_panic = None;
    let mut cfgs = Vec::new();
    let mut runtime = Runtime::None;
    let mut seen_test = false;
    let mut kept = Vec::with_capacity(func.attrs.len());
    for attr in std::mem::take(&mut func.attrs) {
        let path = attr.path();
        if path.is_ident("ignore") {
            match parse_ignore(&attr) {
                Ok(reason) if ignore.is_none() => ignore = Some(reason),
                Ok(_) => errors.push(Error::new_spanned(&attr, "duplicate `#[ignore]`")),
                Err(error) => errors.push(error),
            }
        } else if path.is_ident("should_panic") {
            match parse_should_panic(&attr) {
                Ok(parsed) if should_panic.is_none() => should_panic = Some((parsed, attr)),
                Ok(_) => errors.push(Error::new_spanned(&attr, "duplicate `#[should_panic]`")),
                Err(error) => errors.push(error),
            }
        } else if is_libtest_test(path) {
            // `#[test]` below `#[autopsy::test]`: the same request, once.
            if std::mem::replace(&mut seen_test, true) {
                errors.push(Error::new_spanned(&attr, "duplicate `#[test]`"));
            } else if !matches!(attr.meta, Meta::Path(_)) {
                errors.push(Error::new_spanned(&attr, "`#[test]` takes no arguments"));
            }
        } else if is_tokio_test(path) {
            if !matches!(runtime, Runtime::None) {
                errors.push(Error::new_spanned(&attr, "duplicate `#[tokio::test]`"));
            }
            let args = match &attr.meta {
                Meta::Path(_) => TokenStream::new(),
                Meta::List(list) => list.tokens.clone(),
                Meta::NameValue(_) => {
                    errors.push(Error::new_spanned(
                        &attr,
                        "malformed `#[tokio::test]`: expected `#[tokio::test]` or \
                         `#[tokio::test(flavor = \"multi_thread\")]`",
                    ));
                    TokenStream::new()
                }
            };
            runtime = Runtime::Tokio {
                path: path.clone(),
                args,
            };
        } else if is_autopsy(path, "test") {
            errors.push(Error::new_spanned(&attr, "duplicate `#[autopsy::test]`"));
        } else if is_autopsy(path, "trace") {
            errors.push(Error::new_spanned(
                &attr,
                "remove `#[autopsy::trace]`: `#[autopsy::test]` already instruments the test",
            ));
        } else {
            if path.is_ident("cfg") {
                cfgs.push(attr.clone());
            }
            kept.push(attr);
        }
    }
    func.attrs = kept;
    if func.sig.asyncness.is_some() && matches!(runtime, Runtime::None) {
        runtime = Runtime::Builtin;
    }
    Consumed {
        ignore,
        should_panic,
        cfgs,
        runtime,
        test_below: seen_test,
    }
}

/// `#[test]`, or the path `#[tokio::test]` emits for it.
fn is_libtest_test(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    names == ["test"]
        || names == ["core", "prelude", "v1", "test"]
        || names == ["std", "prelude", "v1", "test"]
}

/// `#[tokio::test]` or `#[::tokio::test]`.
fn is_tokio_test(path: &syn::Path) -> bool {
    path.segments.len() == 2
        && path.segments[0].ident == "tokio"
        && path.segments[1].ident == "test"
}

/// Rejects what libtest rejects in a test's signature, and what cannot be
/// instrumented.
fn check_signature(func: &ItemFn, consumed: &Consumed, errors: &mut Errors) {
    let sig = &func.sig;
    if let (Runtime::Tokio { path, .. }, None) = (&consumed.runtime, &sig.asyncness) {
        errors.push(Error::new_spanned(
            path,
            "`#[tokio::test]` goes on an `async fn`",
        ));
    }
    if let Some(constness) = &sig.constness {
        errors.push(Error::new_spanned(
            constness,
            "test functions cannot be `const fn`: trace stops do not run at compile time",
        ));
    }
    if !sig.inputs.is_empty() {
        errors.push(Error::new_spanned(
            &sig.inputs,
            "test functions take no arguments",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "test functions take no arguments",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(Error::new_spanned(
            &sig.generics,
            "test functions cannot be generic",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(Error::new_spanned(
            unsafety,
            "test functions cannot be `unsafe`: call the unsafe code from a safe test",
        ));
    }
    if let Some((ShouldPanic::Yes | ShouldPanic::Expected(_), attr)) = &consumed.should_panic {
        if returns_something(func) {
            errors.push(Error::new_spanned(
                attr,
                "functions using `#[should_panic]` must return `()`",
            ));
        }
    }
}

/// Parses `#[autopsy::trace] fn`: any function or method with a body,
/// instrumented, with its trace stops.
pub(crate) fn trace(
    args: &TokenStream,
    input: TokenStream,
) -> std::result::Result<(ItemFn, TokenStream), Rejected> {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.push(Error::new_spanned(
            args,
            "#[autopsy::trace] takes no options",
        ));
    }
    // The stops are `None` when syn parsed the body: it is instrumented
    // below, once the function is accepted.
    let (mut func, stops) = match crate::instrument::function(&input) {
        Some((func, stops)) => (func, Some(stops)),
        None => match syn::parse2::<ItemFn>(input.clone()) {
            Ok(func) => (func, None),
            Err(error) => {
                return Err(Rejected {
                    error: Error::new(
                        error.span(),
                        "#[autopsy::trace] goes on a function or method with a body",
                    ),
                    item: input,
                })
            }
        },
    };
    for attr in &func.attrs {
        if is_autopsy(attr.path(), "test") {
            errors.push(Error::new_spanned(
                attr,
                "remove `#[autopsy::trace]`: `#[autopsy::test]` already instruments the test",
            ));
        } else if is_autopsy(attr.path(), "trace") {
            errors.push(Error::new_spanned(attr, "duplicate `#[autopsy::trace]`"));
        }
    }
    if let Some(constness) = &func.sig.constness {
        errors.push(Error::new_spanned(
            constness,
            "#[autopsy::trace] cannot instrument a `const fn`: trace stops do not run at compile time",
        ));
    }
    if let Some(error) = errors.finish() {
        return Err(Rejected { error, item: input });
    }
    let stops = match stops {
        Some(stops) => stops,
        None => crate::instrument::body(&mut func.block),
    };
    Ok((func, stops))
}

impl Parse for Options {
    fn parse(input: ParseStream) -> Result<Self> {
        let mut options = Options::default();
        let mut reruns_seen = false;
        let mut delay_seen = false;
        let pairs = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        for meta in pairs {
            let name = meta.path();
            let seen = if name.is_ident("reruns") {
                &mut reruns_seen
            } else if name.is_ident("reruns_delay") {
                &mut delay_seen
            } else {
                return Err(Error::new_spanned(
                    name,
                    format!(
                        "unknown option `{}`; expected `reruns` or `reruns_delay`",
                        path_to_string(name),
                    ),
                ));
            };
            if std::mem::replace(seen, true) {
                return Err(Error::new_spanned(
                    &meta,
                    format!("duplicate option `{}`", path_to_string(name)),
                ));
            }
            if name.is_ident("reruns") {
                let value = value_of(&meta, "reruns = 3")?;
                options.reruns = Some(reruns(&meta, value)?);
            } else {
                let value = value_of(&meta, "reruns_delay = 0.5")?;
                options.reruns_delay = Some(reruns_delay(&meta, value)?);
            }
        }
        Ok(options)
    }
}

fn value_of<'a>(meta: &'a Meta, example: &str) -> Result<&'a Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(&nv.value),
        _ => Err(Error::new_spanned(meta, format!("expected `{example}`"))),
    }
}

// syn reads `-1` as one negative literal spanned at the `-` alone, so errors
// about a negative value span the whole `name = value`.

fn reruns(meta: &Meta, value: &Expr) -> Result<u32> {
    const MESSAGE: &str = "`reruns` expects a non-negative integer, e.g. `reruns = 3`";
    if is_negative(value) {
        return Err(Error::new_spanned(meta, MESSAGE));
    }
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if matches!(int.suffix(), "" | "u32") => int
            .base10_parse::<u32>()
            .map_err(|_| Error::new_spanned(value, MESSAGE)),
        _ => Err(Error::new_spanned(value, MESSAGE)),
    }
}

fn reruns_delay(meta: &Meta, value: &Expr) -> Result<f64> {
    const MESSAGE: &str =
        "`reruns_delay` expects a non-negative number of seconds, e.g. `reruns_delay = 0.5`";
    if is_negative(value) {
        return Err(Error::new_spanned(
            meta,
            "`reruns_delay` must not be negative",
        ));
    }
    let seconds = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) if int.suffix().is_empty() => int.base10_parse::<f64>(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) if matches!(float.suffix(), "" | "f64") => float.base10_parse::<f64>(),
        _ => return Err(Error::new_spanned(value, MESSAGE)),
    };
    match seconds {
        Ok(seconds) if seconds.is_finite() => Ok(seconds),
        _ => Err(Error::new_spanned(value, MESSAGE)),
    }
}

/// `-1`, `-0.5` (one literal to syn) or `-x`.
fn is_negative(value: &Expr) -> bool {
    match value {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => true,
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_digits().starts_with('-'),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => float.base10_digits().starts_with('-'),
        _ => false,
    }
}

fn parse_ignore(attr: &Attribute) -> Result<String> {
    match &attr.meta {
        Meta::Path(_) => Ok(String::new()),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(reason),
                ..
            }) => Ok(reason.value()),
            _ => Err(malformed_ignore(attr)),
        },
        Meta::List(_) => Err(malformed_ignore(attr)),
    }
}

fn malformed_ignore(attr: &Attribute) -> Error {
    Error::new_spanned(
        attr,
        "malformed `#[ignore]`: expected `#[ignore]` or `#[ignore = \"reason\"]`",
    )
}

fn parse_should_panic(attr: &Attribute) -> Result<ShouldPanic> {
    match &attr.meta {
        Meta::Path(_) => Ok(ShouldPanic::Yes),
        // libtest accepts `#[should_panic = "..."]` as the expected message.
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(expected),
                ..
            }) => Ok(ShouldPanic::Expected(expected.value())),
            _ => Err(malformed_should_panic(attr)),
        },
        Meta::List(list) => {
            let mut expected = None;
            list.parse_nested_meta(|meta| {
                if meta.path.is_ident("expected") && expected.is_none() {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    expected = Some(value.value());
                    Ok(())
                } else {
                    Err(malformed_should_panic(attr))
                }
            })
            .map_err(|_| malformed_should_panic(attr))?;
            expected
                .map(ShouldPanic::Expected)
                .ok_or_else(|| malformed_should_panic(attr))
        }
    }
}

fn malformed_should_panic(attr: &Attribute) -> Error {
    Error::new_spanned(
        attr,
        "malformed `#[should_panic]`: expected `#[should_panic]` or \
         `#[should_panic(expected = \"...\")]`",
    )
}

/// Whether the function declares a return type other than `()`.
fn returns_something(func: &ItemFn) -> bool {
    match &func.sig.output {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, ty) => {
            !matches!(&**ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
        }
    }
}

/// `autopsy::name` or `::autopsy::name`.
fn is_autopsy(path: &syn::Path, name: &str) -> bool {
    path.segments.len() == 2
        && path.segments[0].ident == "autopsy"
        && path.segments[1].ident == name
}

fn path_to_string(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// The tokens that name an item (`struct S`, `impl Trait for T`), for errors
/// about the whole item: spanning its attributes and body would underline
/// most of the file.
fn item_head(item: &Item) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    let mut tokens = TokenStream::new();
    let mut iter = item.to_token_stream().into_iter().peekable();
    while let Some(tt) = iter.next() {
        match &tt {
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                // An outer attribute: `#` and its `[...]`.
                iter.next();
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => break,
            TokenTree::Punct(punct) if matches!(punct.as_char(), ';' | '=') => break,
            _ => tokens.extend([tt]),
        }
    }
    tokens
}

#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> Option<Error> {
        self.0
    }
}
