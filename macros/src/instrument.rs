//! The rewrite of a function body: a trace stop before every statement of
//! every block, and `?` routed through the harness (so that under `--pdb` a
//! failing `?` opens the prompt in the function where the error arose, a
//! test body or an `#[autopsy::trace]` helper).
//!
//! Only code the compiler will run in the function's own frame is touched:
//! closures, async blocks, nested items, `const` contexts and macro
//! invocations are left as written. Spans of user code are kept, and the
//! inserted code takes the span of the statement (or `?`) it belongs to, so
//! that `line!()` and the debug info's line table both name the user's line.
//!
//! Loops are where statements run many times, so there the check is made
//! once per iteration instead of before each statement: a loop's body
//! becomes
//!
//! ```text
//! { ::autopsy::__private::trace_loop!({ BODY with stops }, { BODY }) }
//! ```
//!
//! (`if tracing() { .. } else { .. }`, or on x86_64 at opt-level 0 `asm!`
//! goto: see the harness's `__trace_loop`), where the second copy is the body as written (only its `?`s rewritten, as
//! they serve `--pdb`, not `--trace`; loops nested in it stay whole), and the
//! first is instrumented the same way again (its nested loops get two copies
//! of their own). Code size grows with one plain copy per loop level: linear
//! in the body for each level of nesting.
//!
//! The price: when tracing starts in the middle of an iteration (a
//! `breakpoint!()` in a callee, then `n`), the iteration runs on in its plain
//! copy, and the next stop in this function is at the start of the next
//! iteration (or after the loop). Loops whose body cannot be had twice keep a
//! stop before each statement (see [`duplicable`]).

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote_spanned, ToTokens};
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Arm, Block, Expr, ExprAsync, ExprBlock, ExprClosure, ExprConst, ExprForLoop, ExprLoop,
    ExprRepeat, ExprTry, ExprUnsafe, ExprWhile, GenericArgument, Item, Macro, Pat, Stmt, Type,
};

/// Which attribute's body this is. Both get trace stops and `?` routed
/// through the harness.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A `#[autopsy::test]` body.
    Test,
    /// A `#[autopsy::trace]` helper.
    Trace,
}

/// Instruments a function body in place. `unsafe_fn`: the body is an
/// `unsafe fn`'s, where (before edition 2024) unsafe operations need no
/// `unsafe` block.
pub(crate) fn body(block: &mut Block, _mode: Mode, unsafe_fn: bool) {
    Instrument {
        stops: true,
        in_unsafe: unsafe_fn,
    }
    .visit_block_mut(block);
}

struct Instrument {
    /// Whether to plant trace stops (and give loops two copies); without,
    /// only `?` is rewritten (the plain copy of a loop body).
    stops: bool,
    /// Inside an `unsafe` block or `unsafe fn`.
    in_unsafe: bool,
}

impl Instrument {
    /// A loop's body: `{ trace_loop!({ traced copy }, { plain copy }) }`,
    /// or as it was, with stops, when it cannot be had twice.
    fn loop_body(&mut self, body: &mut Block) {
        if !duplicable(body) {
            self.visit_block_mut(body);
            return;
        }
        let mut plain = body.clone();
        Instrument {
            stops: false,
            in_unsafe: self.in_unsafe,
        }
        .visit_block_mut(&mut plain);
        self.visit_block_mut(body);
        // The check belongs to the loop's head: it takes the span of the
        // body's `{`, on the line of `loop`/`while`/`for`.
        let span = body.brace_token.span.open();
        let traced = Block {
            brace_token: body.brace_token,
            stmts: std::mem::take(&mut body.stmts),
        };
        // `trace_loop!` may put the copies in `asm!` label blocks, which are
        // safe contexts: in `unsafe` code, its `if` form, written out.
        let split = if self.in_unsafe {
            quote_spanned! {span=>
                if ::autopsy::__private::tracing() {
                    ::autopsy::__private::tracing_cold();
                    #traced
                } else #plain
            }
        } else {
            quote_spanned! {span=>
                ::autopsy::__private::trace_loop!(#traced, #plain)
            }
        };
        body.stmts = vec![Stmt::Expr(Expr::Verbatim(split), None)];
    }
}

impl VisitMut for Instrument {
    fn visit_block_mut(&mut self, block: &mut Block) {
        if !self.stops {
            visit_mut::visit_block_mut(self, block);
            return;
        }
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
        if !self.stops {
            return;
        }
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
        let span = expr.question_token.span;
        let inner = &expr.expr;
        let call = quote_spanned! {span=>
            ::autopsy::__private::question(#inner, ::core::file!(), ::core::line!())
        };
        *expr.expr = Expr::Verbatim(call);
    }

    fn visit_expr_unsafe_mut(&mut self, expr: &mut ExprUnsafe) {
        let outer = std::mem::replace(&mut self.in_unsafe, true);
        visit_mut::visit_expr_unsafe_mut(self, expr);
        self.in_unsafe = outer;
    }

    fn visit_expr_loop_mut(&mut self, expr: &mut ExprLoop) {
        if !self.stops {
            return visit_mut::visit_expr_loop_mut(self, expr);
        }
        self.loop_body(&mut expr.body);
    }

    fn visit_expr_while_mut(&mut self, expr: &mut ExprWhile) {
        if !self.stops {
            return visit_mut::visit_expr_while_mut(self, expr);
        }
        // The condition runs once per iteration too, but is one expression:
        // blocks in it keep their stops.
        self.visit_expr_mut(&mut expr.cond);
        self.loop_body(&mut expr.body);
    }

    fn visit_expr_for_loop_mut(&mut self, expr: &mut ExprForLoop) {
        if !self.stops {
            return visit_mut::visit_expr_for_loop_mut(self, expr);
        }
        self.visit_expr_mut(&mut expr.expr);
        self.loop_body(&mut expr.body);
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

/// `trace_point!(file!(), line!());` (`if tracing() { trace_stop(..) }`),
/// spanned at the statement it stops before and carrying that statement's
/// `#[cfg]`s.
fn stop(span: Span, cfgs: &TokenStream) -> Stmt {
    Stmt::Expr(
        Expr::Verbatim(quote_spanned! {span=>
            #cfgs
            ::autopsy::__private::trace_point!(::core::file!(), ::core::line!());
        }),
        None,
    )
}

/// Whether a loop body may be compiled twice, once per copy, and mean the
/// same. Not when it holds
/// - a closure or an `async` block: each copy would have its own type, and a
///   value of it kept past the iteration (pushed to a `Vec` declared before
///   the loop, say) would not type-check;
/// - an item other than `use`, `const`, `type` or a local `macro_rules!`:
///   two `static`s would be two variables, two `impl`s of a trait conflict,
///   `#[no_mangle]` symbols clash, two `fn`s or `struct`s are two types;
/// - `thread_local!` (statics again).
///
/// Such loops keep a stop before each statement.
fn duplicable(body: &Block) -> bool {
    struct Scan(bool);
    impl<'ast> Visit<'ast> for Scan {
        fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {
            self.0 = false;
        }
        fn visit_expr_async(&mut self, _: &'ast ExprAsync) {
            self.0 = false;
        }
        fn visit_item(&mut self, item: &'ast Item) {
            match item {
                Item::Use(_) => {}
                Item::Const(_) | Item::Type(_) => visit::visit_item(self, item),
                Item::Macro(m)
                    if m.mac.path.is_ident("macro_rules")
                        && !m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {}
                _ => self.0 = false,
            }
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            if mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "thread_local")
            {
                self.0 = false;
            }
        }
    }
    let mut scan = Scan(true);
    scan.visit_block(body);
    scan.0
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
