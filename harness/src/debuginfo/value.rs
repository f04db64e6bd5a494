//! Rendered values and their `{:?}` / `{:#?}` text.
//!
//! A [`Node`] mirrors what std's `DebugStruct`, `DebugTuple`, `DebugList`,
//! `DebugSet` and `DebugMap` builders would produce; formatting follows
//! their exact rules (", " separators, 4-space `PadAdapter` indentation and
//! trailing commas in the pretty form, `(x,)` for 1-tuples). Collections cut
//! short by the element cap end like `finish_non_exhaustive`: `[1, 2, ..]`.

/// A rendered value: what `p`/`pp` print and `whatis` names.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub(super) type_name: String,
    pub(super) node: Node,
}

/// What a builder left out at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum More {
    /// Nothing.
    No,
    /// `..` (`finish_non_exhaustive`).
    Hidden,
    /// `.. N more`: elements past the element cap.
    Left(u64),
}

impl More {
    /// `Left(n)`, or `No` for 0.
    pub fn left(n: u64) -> More {
        if n == 0 {
            More::No
        } else {
            More::Left(n)
        }
    }

    fn is_some(self) -> bool {
        self != More::No
    }

    fn text(self) -> String {
        match self {
            More::Left(n) => format!(".. {n} more"),
            _ => "..".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    /// Text printed as is (numbers, strings, `None`, inline errors).
    Atom(String),
    /// A raw pointer: `0x1f` in `{:?}`, zero-padded `0x000000000000001f`
    /// in `{:#?}` (std's `Pointer` with the alternate flag).
    Ptr(u64),
    /// Text that differs between `{:?}` and `{:#?}`, formatted by std.
    Alt {
        compact: String,
        pretty: String,
    },
    /// Nodes printed one after the other (`3..7`).
    Concat(Vec<Node>),
    Struct {
        name: String,
        fields: Vec<(String, Node)>,
        more: More,
    },
    Tuple {
        name: String,
        items: Vec<Node>,
        more: More,
    },
    List {
        items: Vec<Node>,
        more: More,
    },
    Set {
        items: Vec<Node>,
        more: More,
    },
    Map {
        entries: Vec<(Node, Node)>,
        more: More,
    },
    /// The value's own `Debug` impl, called when the text is needed; its
    /// memory rendering when the call fails.
    Own(std::sync::Arc<super::call::OwnDebug>),
}

impl Value {
    /// The type as a user would write it (`alloc::vec::Vec<i32>`, `&str`).
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The value as `{:?}` prints it.
    pub fn debug(&self) -> String {
        let mut s = String::new();
        self.node.compact(&mut s);
        s
    }

    /// `{:?}` cut after `max` characters, saying how many were left out
    /// (`locals`, `--showlocals`: one line per variable; `p` prints all).
    pub fn debug_abbreviated(&self, max: usize) -> String {
        abbreviate(self.debug(), max)
    }

    /// The value as `{:#?}` prints it.
    pub fn debug_pretty(&self) -> String {
        let mut s = String::new();
        self.node.pretty(&mut s);
        s
    }
}

impl Node {
    pub fn atom(s: impl Into<String>) -> Node {
        Node::Atom(s.into())
    }

    fn compact(&self, out: &mut String) {
        match self {
            Node::Atom(s) => out.push_str(s),
            Node::Ptr(p) => out.push_str(&format!("{p:#x}")),
            Node::Alt { compact, .. } => out.push_str(compact),
            Node::Concat(items) => items.iter().for_each(|n| n.compact(out)),
            Node::Own(o) => match o.text(false) {
                Some(t) => out.push_str(t),
                None => o.fallback.compact(out),
            },
            Node::Struct { name, fields, more } => {
                out.push_str(name);
                if fields.is_empty() && !more.is_some() {
                    return;
                }
                out.push_str(" { ");
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    v.compact(out);
                }
                if more.is_some() {
                    if !fields.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str(&more.text());
                }
                out.push_str(" }");
            }
            Node::Tuple { name, items, more } => {
                out.push_str(name);
                if items.is_empty() && !more.is_some() {
                    return;
                }
                out.push('(');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.compact(out);
                }
                if more.is_some() {
                    if !items.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str(&more.text());
                } else if items.len() == 1 && name.is_empty() {
                    out.push(',');
                }
                out.push(')');
            }
            Node::List { items, more } => seq(out, '[', ']', items, *more),
            Node::Set { items, more } => seq(out, '{', '}', items, *more),
            Node::Map { entries, more } => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.compact(out);
                    out.push_str(": ");
                    v.compact(out);
                }
                if more.is_some() {
                    if !entries.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str(&more.text());
                }
                out.push('}');
            }
        }
    }

    fn pretty(&self, out: &mut String) {
        match self {
            Node::Atom(s) => out.push_str(s),
            Node::Ptr(p) => out.push_str(&format!("{p:#018x}")),
            Node::Alt { pretty, .. } => out.push_str(pretty),
            Node::Concat(items) => items.iter().for_each(|n| n.pretty(out)),
            Node::Own(o) => match o.text(true) {
                Some(t) => out.push_str(t),
                None => o.fallback.pretty(out),
            },
            Node::Struct { name, fields, more } => {
                out.push_str(name);
                if fields.is_empty() {
                    // `finish_non_exhaustive` with no fields: ` { .. }`.
                    if more.is_some() {
                        out.push_str(&format!(" {{ {} }}", more.text()));
                    }
                    return;
                }
                out.push_str(" {\n");
                for (k, v) in fields {
                    let mut item = String::new();
                    item.push_str(k);
                    item.push_str(": ");
                    v.pretty(&mut item);
                    indented(out, &item);
                    out.push_str(",\n");
                }
                if more.is_some() {
                    out.push_str(&format!("    {}\n", more.text()));
                }
                out.push('}');
            }
            Node::Tuple { name, items, more } => {
                out.push_str(name);
                if items.is_empty() && !more.is_some() {
                    return;
                }
                out.push_str("(\n");
                pretty_items(out, items, *more);
                out.push(')');
            }
            Node::List { items, more } => pretty_seq(out, '[', ']', items, *more),
            Node::Set { items, more } => pretty_seq(out, '{', '}', items, *more),
            Node::Map { entries, more } => {
                out.push('{');
                if !entries.is_empty() || more.is_some() {
                    out.push('\n');
                    for (k, v) in entries {
                        let mut item = String::new();
                        k.pretty(&mut item);
                        item.push_str(": ");
                        v.pretty(&mut item);
                        indented(out, &item);
                        out.push_str(",\n");
                    }
                    if more.is_some() {
                        out.push_str(&format!("    {}\n", more.text()));
                    }
                }
                out.push('}');
            }
        }
    }
}

/// `s` cut after `max` characters: `..[N more chars]` marks the cut.
fn abbreviate(s: String, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}..[{} more chars]", n - max)
}

fn seq(out: &mut String, open: char, close: char, items: &[Node], more: More) {
    out.push(open);
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.compact(out);
    }
    if more.is_some() {
        if !items.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&more.text());
    }
    out.push(close);
}

/// `{:#?}` of a list or set: std's DebugList / DebugSet.
fn pretty_seq(out: &mut String, open: char, close: char, items: &[Node], more: More) {
    out.push(open);
    if !items.is_empty() || more.is_some() {
        out.push('\n');
        pretty_items(out, items, more);
    }
    out.push(close);
}

fn pretty_items(out: &mut String, items: &[Node], more: More) {
    for v in items {
        let mut item = String::new();
        v.pretty(&mut item);
        indented(out, &item);
        out.push_str(",\n");
    }
    if more.is_some() {
        out.push_str(&format!("    {}\n", more.text()));
    }
}

/// Appends `s` with every line indented by four spaces (std's PadAdapter).
fn indented(out: &mut String, s: &str) {
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct S {
        a: i32,
        b: Vec<(i32, &'static str)>,
        c: T,
        d: U,
        e: Option<(u8,)>,
    }
    #[derive(Debug)]
    #[allow(dead_code)]
    struct T(i32, i32);
    #[derive(Debug)]
    struct U;

    fn a(s: &str) -> Node {
        Node::atom(s)
    }

    #[test]
    fn matches_std_debug() {
        let real = S {
            a: 1,
            b: vec![(2, "x"), (3, "y\n")],
            c: T(4, 5),
            d: U,
            e: Some((7,)),
        };
        let node = Node::Struct {
            name: "S".into(),
            fields: vec![
                ("a".into(), a("1")),
                (
                    "b".into(),
                    Node::List {
                        items: vec![
                            Node::Tuple {
                                name: "".into(),
                                items: vec![a("2"), a("\"x\"")],
                                more: More::No,
                            },
                            Node::Tuple {
                                name: "".into(),
                                items: vec![a("3"), a("\"y\\n\"")],
                                more: More::No,
                            },
                        ],
                        more: More::No,
                    },
                ),
                (
                    "c".into(),
                    Node::Tuple {
                        name: "T".into(),
                        items: vec![a("4"), a("5")],
                        more: More::No,
                    },
                ),
                (
                    "d".into(),
                    Node::Struct {
                        name: "U".into(),
                        fields: vec![],
                        more: More::No,
                    },
                ),
                (
                    "e".into(),
                    Node::Tuple {
                        name: "Some".into(),
                        items: vec![Node::Tuple {
                            name: "".into(),
                            items: vec![a("7")],
                            more: More::No,
                        }],
                        more: More::No,
                    },
                ),
            ],
            more: More::No,
        };
        let v = Value {
            type_name: "S".into(),
            node,
        };
        assert_eq!(v.debug(), format!("{real:?}"));
        assert_eq!(v.debug_pretty(), format!("{real:#?}"));
    }

    #[test]
    fn pointers_ranges_and_cut_lists_render_like_std() {
        let x = 5u8;
        let p: *const u8 = &x;
        let v = |node| Value {
            type_name: String::new(),
            node,
        };
        let ptr = v(Node::Ptr(p as u64));
        assert_eq!(ptr.debug(), format!("{p:?}"));
        assert_eq!(ptr.debug_pretty(), format!("{p:#?}"));
        let r = 3..7;
        let range = v(Node::Concat(vec![a("3"), a(".."), a("7")]));
        assert_eq!(range.debug(), format!("{r:?}"));
        assert_eq!(range.debug_pretty(), format!("{r:#?}"));
        let cut = v(Node::List {
            items: vec![a("1")],
            more: More::Left(9),
        });
        assert_eq!(cut.debug(), "[1, .. 9 more]");
        assert_eq!(cut.debug_pretty(), "[\n    1,\n    .. 9 more\n]");
    }

    #[test]
    fn abbreviates_long_values() {
        assert_eq!(abbreviate("[1, 2, 3]".into(), 20), "[1, 2, 3]");
        assert_eq!(abbreviate("[1, 2, 3]".into(), 4), "[1, ..[5 more chars]");
    }

    #[test]
    fn dyn_any_renders_like_std() {
        let any: Box<dyn std::any::Any + Send> = Box::new(5u8);
        let v = Value {
            type_name: String::new(),
            node: Node::Struct {
                name: "Any".into(),
                fields: vec![],
                more: More::Hidden,
            },
        };
        assert_eq!(v.debug(), format!("{any:?}"));
        assert_eq!(v.debug_pretty(), format!("{any:#?}"));
    }

    #[test]
    fn maps_sets_and_empty() {
        let m: std::collections::BTreeMap<&str, Vec<i32>> =
            [("k", vec![]), ("l", vec![1])].into_iter().collect();
        let node = Node::Map {
            entries: vec![
                (
                    a("\"k\""),
                    Node::List {
                        items: vec![],
                        more: More::No,
                    },
                ),
                (
                    a("\"l\""),
                    Node::List {
                        items: vec![a("1")],
                        more: More::No,
                    },
                ),
            ],
            more: More::No,
        };
        let v = Value {
            type_name: String::new(),
            node,
        };
        assert_eq!(v.debug(), format!("{m:?}"));
        assert_eq!(v.debug_pretty(), format!("{m:#?}"));
        let s: std::collections::BTreeSet<i32> = [1, 2].into_iter().collect();
        let v = Value {
            type_name: String::new(),
            node: Node::Set {
                items: vec![a("1"), a("2")],
                more: More::No,
            },
        };
        assert_eq!(v.debug(), format!("{s:?}"));
        assert_eq!(v.debug_pretty(), format!("{s:#?}"));
    }
}
