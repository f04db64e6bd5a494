//! The rewrite of a function body: a trace stop before every statement of
//! every block, and, in test bodies, `?` routed through the harness.
//!
//! Only code the compiler will run in the function's own frame is touched:
//! closures, async blocks, nested items, `const` contexts and macro
//! invocations are left as written. Spans of user code are kept, and the
//! inserted code takes the span of the statement (or `?`) it belongs to, so
//! that `line!()` and the debug info's line table both name the user's line.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Arm, Block, Expr, ExprAsync, ExprBlock, ExprClosure, ExprConst, ExprRepeat, ExprTry,
    GenericArgument, Item, Macro, Pat, Stmt, Type,
};

/// What to rewrite besides trace stops.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A `#[autopsy::test]` body: trace stops and `?`.
    Test,
    /// A `#[autopsy::trace]` helper: trace stops only.
    Trace,
}

/// Instruments a function body in place.
pub(crate) fn body(block: &mut Block, mode: Mode) {
    Instrument { mode }.visit_block_mut(block);
}

struct Instrument {
    mode: Mode,
}

impl VisitMut for Instrument {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let stmts = std::mem::take(&mut block.stmts);
        block.stmts.reserve(stmts.len() * 2);
        for mut stmt in stmts {
            self.visit_stmt_mut(&mut stmt);
            if !matches!(stmt, Stmt::Item(_)) {
                let (span, cfgs) = head(stmt.to_token_stream());
                block.stmts.push(stop(span, &cfgs));
            }
            block.stmts.push(stmt);
        }
    }

    fn visit_arm_mut(&mut self, arm: &mut Arm) {
        visit_mut::visit_arm_mut(self, arm);
        let plain_block = matches!(
            &*arm.body,
            Expr::Block(ExprBlock { attrs, label: None, .. }) if attrs.is_empty()
        );
        if plain_block {
            return;
        }
        // `Pat => expr` becomes `Pat => { stop; expr }`. A match arm is
        // already a temporary scope, so the block changes no drop order.
        let (span, cfgs) = head(arm.body.to_token_stream());
        let body = std::mem::replace(&mut *arm.body, Expr::Verbatim(TokenStream::new()));
        let mut block: Block = syn::parse_quote_spanned!(span=> {});
        block.stmts = vec![stop(span, &cfgs), Stmt::Expr(body, None)];
        *arm.body = Expr::Block(ExprBlock {
            attrs: Vec::new(),
            label: None,
            block,
        });
    }

    fn visit_expr_try_mut(&mut self, expr: &mut ExprTry) {
        visit_mut::visit_expr_try_mut(self, expr);
        if self.mode == Mode::Test {
            let span = expr.question_token.span;
            let inner = &expr.expr;
            let call = quote_spanned! {span=>
                ::autopsy::__private::question(#inner, ::core::file!(), ::core::line!())
            };
            *expr.expr = Expr::Verbatim(call);
        }
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

/// `if tracing() { trace_stop(file!(), line!()) }`, spanned at the statement
/// it stops before and carrying that statement's `#[cfg]`s.
fn stop(span: Span, cfgs: &TokenStream) -> Stmt {
    Stmt::Expr(
        Expr::Verbatim(quote_spanned! {span=>
            #cfgs
            if ::autopsy::__private::tracing() {
                ::autopsy::__private::trace_stop(::core::file!(), ::core::line!())
            }
        }),
        None,
    )
}

/// The span of a statement's first token after its outer attributes (the
/// line a user would call the statement's), and those of the attributes that
/// are `#[cfg(...)]`.
fn head(tokens: TokenStream) -> (Span, TokenStream) {
    let mut cfgs = TokenStream::new();
    let mut iter = tokens.into_iter();
    while let Some(tt) = iter.next() {
        let TokenTree::Punct(pound) = &tt else {
            return (tt.span(), cfgs);
        };
        if pound.as_char() != '#' {
            return (tt.span(), cfgs);
        }
        let Some(TokenTree::Group(attr)) = iter.next() else {
            return (tt.span(), cfgs);
        };
        if attr.delimiter() != Delimiter::Bracket {
            return (tt.span(), cfgs);
        }
        let is_cfg = matches!(
            attr.stream().into_iter().next(),
            Some(TokenTree::Ident(ident)) if ident == "cfg"
        );
        if is_cfg {
            cfgs.extend([tt, TokenTree::Group(attr)]);
        }
    }
    (Span::call_site(), cfgs)
}
