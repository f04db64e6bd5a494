//! The rewrite of a function body for the debugger: where its trace stops
//! are, and `?` routed through the harness (so that under `--pdb` a failing
//! `?` opens the prompt in the function where the error arose, a test body
//! or an `#[autopsy::trace]` helper).
//!
//! Trace stops cost nothing in the compiled code: the attribute only lists
//! the lines where a statement of the body begins (each match arm's body
//! too), as `line!()`s spanned at those statements, in a `&[u32]` the
//! harness reads. Under `--trace` the harness plants a breakpoint at the
//! first instruction the line table gives each of those lines in the
//! function (see the harness's `postmortem::traps`); nothing else in the
//! function changes, so a test that nobody traces is the code as written,
//! compiled once.
//!
//! Only code the compiler will run in the function's own frame is read:
//! closures, async blocks, nested items, `const` contexts and macro
//! invocations are left as written and hold no stops. Spans of user code are
//! kept, and the inserted `?` routing takes the span of the `?`, so that
//! `line!()` and the debug info's line table both name the user's line.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Arm, Attribute, Block, Expr, ExprAsync, ExprBlock, ExprClosure, ExprConst, ExprRepeat, ExprTry,
    GenericArgument, Item, ItemFn, Macro, Pat, Signature, Stmt, Type, Visibility,
};

/// A function read for the rewrite the cheap way: its attributes, visibility
/// and signature parsed by syn, its body scanned (see [`crate::scan`]) and
/// carried as tokens. `None` when the input is not a function with a body
/// or the scanner declines the body: then syn parses it all.
///
/// Under `cargo check` (see [`crate::target::emits_code`]) the body is left
/// as written, here and in [`body`]: no code is built, so no trace stop
/// will be planted, and the `?`s as written give the user's own
/// diagnostics.
pub(crate) fn function(input: &TokenStream) -> Option<(ItemFn, TokenStream)> {
    let mut trees: Vec<TokenTree> = input.clone().into_iter().collect();
    let Some(TokenTree::Group(body)) = trees.pop() else {
        return None;
    };
    if body.delimiter() != Delimiter::Brace {
        return None;
    }
    let head: Head = syn::parse2(trees.into_iter().collect()).ok()?;
    let (block, spans) = if crate::target::emits_code() {
        let scanned = crate::scan::body(&body).ok()?;
        (scanned.block, scanned.stops)
    } else {
        (body, Vec::new())
    };
    let func = ItemFn {
        attrs: head.attrs,
        vis: head.vis,
        sig: head.sig,
        block: Box::new(Block {
            brace_token: syn::token::Brace(block.delim_span()),
            stmts: vec![Stmt::Expr(Expr::Verbatim(block.stream()), None)],
        }),
    };
    Some((func, stops(&spans)))
}

/// What comes before a function's body.
struct Head {
    attrs: Vec<Attribute>,
    vis: Visibility,
    sig: Signature,
}

impl Parse for Head {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(Head {
            attrs: input.call(Attribute::parse_outer)?,
            vis: input.parse()?,
            sig: input.parse()?,
        })
    }
}

/// Rewrites a function body's `?`s in place and returns its trace stops,
/// with syn's full grammar: the path for what [`function`] declines, and
/// the reference its tests compare the scanner with.
pub(crate) fn body(block: &mut Block) -> TokenStream {
    if !crate::target::emits_code() {
        return stops(&[]);
    }
    let mut v = Instrument { stops: Vec::new() };
    v.visit_block_mut(block);
    stops(&v.stops)
}

/// `&[line!(), ...]`, one per statement (or arm body) in source order, each
/// spanned at the statement.
pub(crate) fn stops(spans: &[Span]) -> TokenStream {
    let lines = spans
        .iter()
        .map(|span| quote_spanned!(*span=> ::core::line!()));
    quote!(&[#(#lines),*])
}

#[derive(Default)]
pub(crate) struct Instrument {
    /// The span of each statement (or arm body) a trace stop is before.
    pub(crate) stops: Vec<Span>,
}

impl VisitMut for Instrument {
    fn visit_block_mut(&mut self, block: &mut Block) {
        for stmt in &mut block.stmts {
            if !matches!(stmt, Stmt::Item(_)) {
                self.stops.push(head(stmt.to_token_stream()));
            }
            self.visit_stmt_mut(stmt);
        }
    }

    fn visit_arm_mut(&mut self, arm: &mut Arm) {
        let plain_block = matches!(
            &*arm.body,
            Expr::Block(ExprBlock { attrs, label: None, .. }) if attrs.is_empty()
        );
        if !plain_block {
            self.stops.push(head(arm.body.to_token_stream()));
        }
        visit_mut::visit_arm_mut(self, arm);
    }

    fn visit_expr_try_mut(&mut self, expr: &mut ExprTry) {
        visit_mut::visit_expr_try_mut(self, expr);
        let span = expr.question_token.span;
        let inner = &expr.expr;
        let call = quote_spanned! {span=>
            ::autopsy::__private::question(#inner, ::core::file!(), ::core::line!())
        };
        *expr.expr = Expr::Verbatim(call);
    }

    fn visit_expr_repeat_mut(&mut self, expr: &mut ExprRepeat) {
        // `[x; N]`: the length is a const context.
        self.visit_expr_mut(&mut expr.expr);
    }

    // Code that does not run in this frame, runs at compile time, or whose
    // tokens are not ours to read.
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if !matches!(stmt, Stmt::Item(_) | Stmt::Macro(_)) {
            visit_mut::visit_stmt_mut(self, stmt);
        }
    }
    fn visit_item_mut(&mut self, _: &mut Item) {}
    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut ExprAsync) {}
    fn visit_expr_const_mut(&mut self, _: &mut ExprConst) {}
    fn visit_macro_mut(&mut self, _: &mut Macro) {}
    fn visit_type_mut(&mut self, _: &mut Type) {}
    fn visit_generic_argument_mut(&mut self, _: &mut GenericArgument) {}
    fn visit_pat_mut(&mut self, _: &mut Pat) {}
}

/// The span of a statement's first token after its outer attributes: the
/// line a user would call the statement's.
fn head(tokens: TokenStream) -> Span {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        let is_pound = matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == '#');
        let attr_follows = matches!(
            iter.peek(),
            Some(proc_macro2::TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Bracket
        );
        if is_pound && attr_follows {
            iter.next();
            continue;
        }
        return tt.span();
    }
    Span::call_site()
}
