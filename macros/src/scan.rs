//! The body rewrite of [`crate::instrument`] without syn's grammar: a scanner
//! over the body's token trees that finds what the rewrite needs and nothing
//! more.
//!
//! syn's full parse of a body, its rewrite and its re-serialisation were most
//! of the attribute's cost (issue 12: `cargo check` after editing one test
//! pays for every test's expansion again, and proc macros run unoptimised in
//! dev builds). What the rewrite needs is small: where each statement (and
//! each match arm's body) begins, and the operand of each `?`. Both follow
//! from the token trees with a flat reading of expressions: operands (prefix
//! operators, a primary, postfix `.x`, calls, indexing and `?`) joined by
//! binary operators, ended by `,`, `;`, `=>`, the end of the group, or the
//! block that a condition (`if`, `while`, `match`, `for`) runs into. Precedence
//! does not matter here, as `?` binds tighter than any operator. Groups that
//! hold no `?` to route are passed on as they came, without copying.
//!
//! The scanner follows syn's rules where they decide a boundary (which
//! statements are items, which end without `;`, struct literals not allowed
//! in conditions). What it does not model (unstable syntax, `None`-delimited
//! groups from `macro_rules!` fragments, anything it does not expect) it
//! declines, and the caller takes syn's path, which stays as the reference:
//! a unit test checks that both give the same stops and tokens on every
//! function of a corpus.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::quote_spanned;

/// The scanner met a form it does not model; syn's path takes over.
#[derive(Debug)]
pub(crate) struct Declined;

type R<T> = Result<T, Declined>;

mod tokens;

use tokens::*;

#[cfg(test)]
mod tests;

/// A scanned body: its trace stops, and the block itself with its `?`s
/// routed (the group as it came when it has none).
pub(crate) struct Scanned {
    pub stops: Vec<Span>,
    pub block: Group,
}

/// Scans a function's body (its brace group).
pub(crate) fn body(block: &Group) -> Result<Scanned, Declined> {
    let mut s = Scanner {
        stops: Vec::new(),
        silent: 0,
    };
    let block = s.block(block)?.unwrap_or_else(|| block.clone());
    Ok(Scanned {
        stops: s.stops,
        block,
    })
}

/// How an operand ended.
enum Operand {
    /// Complete; binary operators may follow.
    Next(usize),
    /// It took the rest of the expression (a closure's body, `return x`).
    End(usize),
}

struct Scanner {
    stops: Vec<Span>,
    /// Above zero inside a closure: extents are read, nothing is recorded.
    silent: u32,
}

/// The changes to one level of token trees.
#[derive(Default)]
struct Edits {
    /// `(operand start, index of the ?)`.
    tries: Vec<(usize, usize)>,
    /// Groups rewritten inside.
    groups: Vec<(usize, Group)>,
}

impl Scanner {
    fn stop(&mut self, span: Span) {
        if self.silent == 0 {
            self.stops.push(span);
        }
    }

    /// A block's statements; `Some` when something in it changed.
    fn block(&mut self, g: &Group) -> R<Option<Group>> {
        let t = Level::new(g.stream());
        let mut ed = Edits::default();
        self.stmts(&t, &mut ed)?;
        Ok(ed.apply(t.t, g))
    }

    /// The brace group at `t[i]` as a block.
    fn block_at(&mut self, t: &Level, i: usize, ed: &mut Edits) -> R<usize> {
        let g = group(t, i, Delimiter::Brace).ok_or(Declined)?;
        if self.silent == 0 {
            if let Some(new) = self.block(g)? {
                ed.groups.push((i, new));
            }
        }
        Ok(i + 1)
    }

    /// Any group at `t[i]` read by `f` (skipped when silent).
    fn sub(
        &mut self,
        t: &Level,
        i: usize,
        ed: &mut Edits,
        f: fn(&mut Self, &Level, &mut Edits) -> R<()>,
    ) -> R<usize> {
        let TokenTree::Group(g) = &t[i] else {
            return Err(Declined);
        };
        if self.silent == 0 {
            let inner = Level::new(g.stream());
            let mut sub = Edits::default();
            f(self, &inner, &mut sub)?;
            if let Some(new) = sub.apply(inner.t, g) {
                ed.groups.push((i, new));
            }
        }
        Ok(i + 1)
    }

    fn stmts(&mut self, t: &Level, ed: &mut Edits) -> R<()> {
        let mut i = 0;
        while is(t, i, "#") && is(t, i + 1, "!") && group(t, i + 2, Delimiter::Bracket).is_some() {
            i += 3;
        }
        loop {
            while is(t, i, ";") {
                i += 1;
            }
            if i >= t.len() {
                return Ok(());
            }
            i = skip_attrs(t, i);
            if i >= t.len() {
                return Err(Declined);
            }
            if let Some(end) = item(t, i)? {
                i = end;
                continue;
            }
            self.stop(t[i].span());
            if ident(t, i) == Some("let") {
                i = self.local(t, i + 1, ed)?;
            } else if let Some(end) = brace_macro(t, i) {
                i = end + usize::from(is(t, end, ";"));
            } else {
                i = self.expr_stmt(t, i, ed)?;
            }
        }
    }

    /// `let` from its pattern to its `;`.
    fn local(&mut self, t: &Level, i: usize, ed: &mut Edits) -> R<usize> {
        let (mut i, init) = until_eq(t, i)?;
        if init {
            i = self.expr(t, i, false, ed)?;
            if ident(t, i) == Some("else") {
                i = self.block_at(t, i + 1, ed)?;
            }
        }
        if is(t, i, ";") {
            Ok(i + 1)
        } else {
            Err(Declined)
        }
    }

    /// An expression statement (or a match arm's body, `arm`): one that
    /// starts block-like ends there unless `.` or `?` continues it. Returns
    /// the index after it and whether it was a block-like expression alone.
    fn expr_early(&mut self, t: &Level, start: usize, ed: &mut Edits) -> R<(usize, bool)> {
        if !block_like(t, start) {
            return Ok((self.expr(t, start, false, ed)?, false));
        }
        let i = self.primary(t, start, false, ed)?;
        let Operand::Next(i) = i else {
            return Err(Declined);
        };
        if is(t, i, "?") || is(t, i, ".") {
            let i = self.postfix(t, start, i, ed)?;
            Ok((self.binary(t, i, false, ed)?, false))
        } else {
            Ok((i, true))
        }
    }

    fn expr_stmt(&mut self, t: &Level, start: usize, ed: &mut Edits) -> R<usize> {
        let (i, block) = self.expr_early(t, start, ed)?;
        if is(t, i, ";") {
            Ok(i + 1)
        } else if block || i == t.len() {
            Ok(i)
        } else {
            Err(Declined)
        }
    }

    /// One expression from `i`: operands joined by binary operators. `ns`:
    /// no struct literal (a condition, which a block ends).
    fn expr(&mut self, t: &Level, i: usize, ns: bool, ed: &mut Edits) -> R<usize> {
        match self.operand(t, i, ns, ed)? {
            Operand::End(i) => Ok(i),
            Operand::Next(i) => self.binary(t, i, ns, ed),
        }
    }

    /// Binary operators and their right operands after an operand.
    fn binary(&mut self, t: &Level, mut i: usize, ns: bool, ed: &mut Edits) -> R<usize> {
        loop {
            if ident(t, i) == Some("as") {
                i = skip_type(t, i + 1)?;
                continue;
            }
            let Some(op) = punct(t, i) else {
                return Ok(i);
            };
            if !BINARY.contains(&op) {
                return Ok(i);
            }
            i += op.len();
            if matches!(op, ".." | "..=" | "...") && !range_end(t, i, ns) {
                return Ok(i);
            }
            match self.operand(t, i, ns, ed)? {
                Operand::End(end) => return Ok(end),
                Operand::Next(next) => i = next,
            }
        }
    }

    /// Prefix operators, a primary and its postfix chain.
    fn operand(&mut self, t: &Level, mut i: usize, ns: bool, ed: &mut Edits) -> R<Operand> {
        loop {
            i = skip_attrs(t, i);
            match punct(t, i) {
                Some(op @ ("&" | "&&")) => {
                    i += op.len();
                    if ident(t, i) == Some("mut") {
                        i += 1;
                    } else if ident(t, i) == Some("raw")
                        && matches!(ident(t, i + 1), Some("const" | "mut"))
                    {
                        i += 2;
                    }
                }
                Some("*" | "-" | "!") => i += 1,
                Some(op @ (".." | "..=" | "...")) => {
                    i += op.len();
                    if !range_end(t, i, ns) {
                        return Ok(Operand::Next(i));
                    }
                }
                Some("|" | "||") => return self.closure(t, i, ns, ed),
                _ => break,
            }
        }
        match ident(t, i) {
            Some("return" | "yield" | "become" | "break") => {
                let mut j = i + 1;
                if ident(t, i) == Some("break") && is(t, j, "'") {
                    j += 2;
                }
                if begins_expr(t, j) {
                    return Ok(Operand::End(self.expr(t, j, ns, ed)?));
                }
                return Ok(Operand::End(j));
            }
            Some("continue") => {
                let j = i + 1;
                return Ok(Operand::Next(if is(t, j, "'") { j + 2 } else { j }));
            }
            Some("move") => return self.closure(t, i, ns, ed),
            Some("async") => {
                let j = i + 1 + usize::from(ident(t, i + 1) == Some("move"));
                if group(t, j, Delimiter::Brace).is_none() {
                    return self.closure(t, i, ns, ed);
                }
            }
            Some("let") => {
                // `if let` / `while let` / `&& let`: the pattern, then the
                // scrutinee (which the binary loop continues).
                let (j, init) = until_eq(t, i + 1)?;
                if !init {
                    return Err(Declined);
                }
                return self.operand(t, j, ns, ed);
            }
            _ => {}
        }
        let start = i;
        match self.primary(t, i, ns, ed)? {
            Operand::Next(i) => Ok(Operand::Next(self.postfix(t, start, i, ed)?)),
            end => Ok(end),
        }
    }

    /// A primary expression at `t[i]`.
    fn primary(&mut self, t: &Level, i: usize, ns: bool, ed: &mut Edits) -> R<Operand> {
        let next = match t.get(i).ok_or(Declined)? {
            TokenTree::Literal(_) => i + 1,
            TokenTree::Group(g) => match g.delimiter() {
                Delimiter::Parenthesis => self.sub(t, i, ed, Self::list)?,
                Delimiter::Bracket => self.sub(t, i, ed, Self::list)?,
                Delimiter::Brace => self.block_at(t, i, ed)?,
                Delimiter::None => return Err(Declined),
            },
            TokenTree::Punct(_) => match punct(t, i) {
                Some("::") => self.path(t, i, ns, ed)?,
                Some("<" | "<<") => self.path(t, i, ns, ed)?,
                Some("'") => {
                    // A label: `'a: loop`, `'a: {`.
                    if !(is(t, i + 2, ":") && block_like(t, i + 3)) {
                        return Err(Declined);
                    }
                    return self.primary(t, i + 3, ns, ed);
                }
                _ => return Err(Declined),
            },
            TokenTree::Ident(_) => match ident(t, i).unwrap_or_default() {
                "if" => self.if_expr(t, i, ed)?,
                "match" => {
                    let j = self.expr(t, i + 1, true, ed)?;
                    group(t, j, Delimiter::Brace).ok_or(Declined)?;
                    self.sub(t, j, ed, Self::arms)?
                }
                "while" => {
                    let j = self.expr(t, i + 1, true, ed)?;
                    self.block_at(t, j, ed)?
                }
                "for" => {
                    if is(t, i + 1, "<") || is(t, i + 1, "<<") {
                        return Err(Declined);
                    }
                    let mut j = i + 1;
                    while ident(t, j) != Some("in") {
                        if j >= t.len() {
                            return Err(Declined);
                        }
                        j += 1;
                    }
                    let j = self.expr(t, j + 1, true, ed)?;
                    self.block_at(t, j, ed)?
                }
                "loop" | "unsafe" => self.block_at(t, i + 1, ed)?,
                // Not run in this frame, or at compile time: left alone.
                "async" => {
                    let j = i + 1 + usize::from(ident(t, i + 1) == Some("move"));
                    group(t, j, Delimiter::Brace).ok_or(Declined)?;
                    j + 1
                }
                "const" => {
                    group(t, i + 1, Delimiter::Brace).ok_or(Declined)?;
                    i + 2
                }
                "true" | "false" => i + 1,
                // Reserved words that older editions let name things.
                "gen" | "try"
                    if !(group(t, i + 1, Delimiter::Brace).is_some()
                        || ident(t, i + 1) == Some("move")) =>
                {
                    self.path(t, i, ns, ed)?
                }
                "static" | "gen" | "try" | "box" | "do" | "else" | "as" | "in" | "let" | "fn"
                | "struct" | "enum" | "impl" | "trait" | "mod" | "use" | "pub" | "where"
                | "type" | "dyn" | "ref" | "mut" | "extern" | "macro" | "yeet" => {
                    return Err(Declined)
                }
                _ => self.path(t, i, ns, ed)?,
            },
        };
        Ok(Operand::Next(next))
    }

    /// `if cond { .. } else if .. else { .. }`.
    fn if_expr(&mut self, t: &Level, i: usize, ed: &mut Edits) -> R<usize> {
        let j = self.expr(t, i + 1, true, ed)?;
        let j = self.block_at(t, j, ed)?;
        if ident(t, j) != Some("else") {
            return Ok(j);
        }
        if ident(t, j + 1) == Some("if") {
            self.if_expr(t, j + 1, ed)
        } else {
            self.block_at(t, j + 1, ed)
        }
    }

    /// A path expression (or a macro call, or a struct literal).
    fn path(&mut self, t: &Level, mut i: usize, ns: bool, ed: &mut Edits) -> R<usize> {
        if matches!(punct(t, i), Some("<" | "<<")) {
            i = skip_angles(t, i)?;
            if !is(t, i, "::") {
                return Err(Declined);
            }
        }
        if is(t, i, "::") {
            i += 2;
        }
        loop {
            if ident(t, i).is_none() {
                return Err(Declined);
            }
            i += 1;
            if !is(t, i, "::") {
                break;
            }
            i += 2;
            if matches!(punct(t, i), Some("<" | "<<")) {
                i = skip_angles(t, i)?;
                if !is(t, i, "::") {
                    break;
                }
                i += 2;
            }
        }
        if punct(t, i) == Some("!") && matches!(t.get(i + 1), Some(TokenTree::Group(_))) {
            // A macro call: its tokens are not ours to read.
            return Ok(i + 2);
        }
        if !ns && group(t, i, Delimiter::Brace).is_some() {
            return self.sub(t, i, ed, Self::fields);
        }
        Ok(i)
    }

    /// `.field`, `.method::<T>(..)`, `.await`, calls, indexing and `?`.
    fn postfix(&mut self, t: &Level, start: usize, mut i: usize, ed: &mut Edits) -> R<usize> {
        loop {
            match t.get(i) {
                Some(TokenTree::Punct(_)) => match punct(t, i) {
                    Some("?") => {
                        if self.silent == 0 {
                            ed.tries.push((start, i));
                        }
                        i += 1;
                    }
                    Some(".") => {
                        i += 1;
                        match t.get(i) {
                            Some(TokenTree::Literal(_)) => i += 1,
                            Some(TokenTree::Ident(_)) => {
                                i += 1;
                                if is(t, i, "::") && matches!(punct(t, i + 2), Some("<" | "<<")) {
                                    i = skip_angles(t, i + 2)?;
                                }
                            }
                            _ => return Err(Declined),
                        }
                    }
                    _ => return Ok(i),
                },
                Some(TokenTree::Group(g)) => match g.delimiter() {
                    Delimiter::Parenthesis | Delimiter::Bracket => {
                        i = self.sub(t, i, ed, Self::list)?;
                    }
                    _ => return Ok(i),
                },
                _ => return Ok(i),
            }
        }
    }

    /// A closure: its body runs in another frame, so it is read only for
    /// where it ends.
    fn closure(&mut self, t: &Level, mut i: usize, ns: bool, ed: &mut Edits) -> R<Operand> {
        for word in ["async", "move"] {
            if ident(t, i) == Some(word) {
                i += 1;
            }
        }
        match punct(t, i) {
            Some("||") => i += 2,
            Some("|") => {
                i += 1;
                loop {
                    match punct(t, i) {
                        Some("|") => break,
                        Some("||" | "|=") => return Err(Declined),
                        _ if i >= t.len() => return Err(Declined),
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            _ => return Err(Declined),
        }
        if is(t, i, "->") {
            while group(t, i, Delimiter::Brace).is_none() {
                if i >= t.len() {
                    return Err(Declined);
                }
                i += 1;
            }
            return Ok(Operand::Next(i + 1));
        }
        self.silent += 1;
        let end = self.expr(t, i, ns, ed);
        self.silent -= 1;
        Ok(Operand::End(end?))
    }

    /// Comma-separated expressions: a tuple, call arguments, an array; or
    /// `[x; N]`, whose length is a const context.
    fn list(&mut self, t: &Level, ed: &mut Edits) -> R<()> {
        let mut i = 0;
        while i < t.len() {
            i = self.expr(t, i, false, ed)?;
            if is(t, i, ";") {
                return Ok(());
            }
            if i < t.len() {
                if !is(t, i, ",") {
                    return Err(Declined);
                }
                i += 1;
            }
        }
        Ok(())
    }

    /// A struct literal's fields.
    fn fields(&mut self, t: &Level, ed: &mut Edits) -> R<()> {
        let mut i = 0;
        while i < t.len() {
            i = skip_attrs(t, i);
            if is(t, i, "..") {
                if i + 2 < t.len() {
                    self.expr(t, i + 2, false, ed)?;
                }
                return Ok(());
            }
            match t.get(i) {
                Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => i += 1,
                _ => return Err(Declined),
            }
            if punct(t, i) == Some(":") {
                i = self.expr(t, i + 1, false, ed)?;
            }
            if i < t.len() {
                if !is(t, i, ",") {
                    return Err(Declined);
                }
                i += 1;
            }
        }
        Ok(())
    }

    /// A match's arms: a stop at each body that is not a plain block.
    fn arms(&mut self, t: &Level, ed: &mut Edits) -> R<()> {
        let mut i = 0;
        while is(t, i, "#") && is(t, i + 1, "!") && group(t, i + 2, Delimiter::Bracket).is_some() {
            i += 3;
        }
        while i < t.len() {
            i = skip_attrs(t, i);
            while !(is(t, i, "=>") || ident(t, i) == Some("if")) {
                if i >= t.len() {
                    return Err(Declined);
                }
                i += 1;
            }
            // syn's order: the arm's stop, then the guard's.
            let slot = self.stops.len();
            if ident(t, i) == Some("if") {
                i = self.expr(t, i + 1, false, ed)?;
            }
            if !is(t, i, "=>") {
                return Err(Declined);
            }
            let body = i + 2;
            let head = skip_attrs(t, body);
            let (end, block) = self.expr_early(t, head, ed)?;
            let plain = block && head == body && group(t, body, Delimiter::Brace).is_some();
            if !plain && self.silent == 0 {
                self.stops.insert(slot, t.get(head).ok_or(Declined)?.span());
            }
            i = end;
            if is(t, i, ",") {
                i += 1;
            } else if !block && i < t.len() {
                return Err(Declined);
            }
        }
        Ok(())
    }
}

impl Edits {
    /// The group rebuilt with the changes, `None` when there are none.
    fn apply(mut self, mut t: Vec<TokenTree>, g: &Group) -> Option<Group> {
        if self.tries.is_empty() && self.groups.is_empty() {
            return None;
        }
        for (i, new) in self.groups.drain(..) {
            t[i] = TokenTree::Group(new);
        }
        // Outer operands first where they start together (`a?.b?`).
        self.tries.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out: Vec<Vec<TokenTree>> = vec![Vec::with_capacity(t.len())];
        let mut closes: Vec<usize> = Vec::new();
        let mut k = 0;
        for (i, tt) in t.into_iter().enumerate() {
            while k < self.tries.len() && self.tries[k].0 == i {
                out.push(Vec::new());
                closes.push(self.tries[k].1);
                k += 1;
            }
            if closes.last() == Some(&i) {
                closes.pop();
                let inner: TokenStream = out.pop().unwrap_or_default().into_iter().collect();
                let span = tt.span();
                let call = quote_spanned! {span=>
                    ::autopsy::__private::question(#inner, ::core::file!(), ::core::line!())
                };
                let top = out.last_mut().expect("the outer level");
                top.extend(call);
            }
            out.last_mut().expect("the outer level").push(tt);
        }
        let stream: TokenStream = out.pop().unwrap_or_default().into_iter().collect();
        let mut new = Group::new(g.delimiter(), stream);
        new.set_span(g.span());
        Some(new)
    }
}
