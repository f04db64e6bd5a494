//! The scanner against syn's path (`crate::instrument::body`), the
//! reference: on every function body of a corpus, either the scanner
//! declines or both give the same stops (line and column) and the same
//! rewritten tokens.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use std::path::{Path, PathBuf};

#[derive(Default, Debug)]
struct Tally {
    bodies: usize,
    declined: usize,
    /// Where the first declines were.
    declined_at: Vec<String>,
    differ: Vec<String>,
}

/// Every function body (the brace group after `fn`) in `stream`, nested
/// ones included.
fn bodies(stream: TokenStream, out: &mut Vec<Group>) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        if let TokenTree::Group(g) = &trees[i] {
            bodies(g.stream(), out);
        }
        if matches!(&trees[i], TokenTree::Ident(id) if id == "fn") {
            let body = trees[i + 1..]
                .iter()
                .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
                .find_map(|t| match t {
                    TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Some(g.clone()),
                    _ => None,
                });
            out.extend(body);
        }
        i += 1;
    }
}

fn compare(body: &Group, tally: &mut Tally, what: &str) {
    let mut block = match syn::parse2::<syn::Block>(TokenTree::Group(body.clone()).into()) {
        Ok(block) => block,
        Err(e) => {
            if what == "inline" {
                panic!("{e}: {:?}", e.span().start());
            }
            return;
        }
    };
    tally.bodies += 1;
    let scanned = match super::body(body) {
        Ok(scanned) => scanned,
        Err(_) => {
            tally.declined += 1;
            if tally.declined_at.len() < 200 {
                let line = body.span().start().line;
                tally.declined_at.push(format!("{what}:{line}"));
            }
            return;
        }
    };
    let mut oracle = crate::instrument::Instrument::default();
    syn::visit_mut::VisitMut::visit_block_mut(&mut oracle, &mut block);
    let at = |s: &proc_macro2::Span| (s.start().line, s.start().column);
    let want: Vec<_> = oracle.stops.iter().map(at).collect();
    let got: Vec<_> = scanned.stops.iter().map(at).collect();
    // syn prints the legacy range pattern `a...b` as `a..=b`; the scanner
    // keeps the tokens as written.
    let squash = |s: String| {
        s.split_whitespace()
            .collect::<String>()
            .replace("...", "..=")
    };
    let want_tokens = squash(block.to_token_stream().to_string());
    let got_tokens = squash(scanned.block.to_token_stream().to_string());
    if want != got || want_tokens != got_tokens {
        let line = body.span().start().line;
        tally.differ.push(format!(
            "{what}:{line}: stops {want:?} (syn) vs {got:?} (scanner){}",
            if want_tokens == got_tokens {
                String::new()
            } else {
                format!("\n  syn:     {want_tokens}\n  scanner: {got_tokens}")
            }
        ));
    }
}

fn compare_file(path: &Path, tally: &mut Tally) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let Ok(stream) = text.parse::<TokenStream>() else {
        return;
    };
    let mut found = Vec::new();
    bodies(stream, &mut found);
    for body in &found {
        compare(body, tally, &path.display().to_string());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n != "target" && n != ".git")
            {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn check(files: &[PathBuf]) -> Tally {
    let mut tally = Tally::default();
    for file in files {
        compare_file(file, &mut tally);
    }
    tally
}

#[test]
fn forms_the_scanner_must_read() {
    let text = r#"
        fn f() -> Result<(), E> {
            let x: Vec<u8> = a.b::<Vec<_>>()?.c(d?)?;
            let Some(y) = z? else { return Ok(()); };
            if let Some(v) = w.get(0)? && v > 1 { g(&v?); } else if k { h() } else { }
            match m? { A { x } if x? > 0 => n?, B(_) => { o? } C => 'l: { break 'l; } D => unsafe { p() }, _ => |q| q?, }
            for i in 0.. { break; }
            while let Some(x) = it.next() { x?; }
            let s = S { a: b?, ..Default::default() };
            let arr = [x?; N];
            let c = move |a: HashMap<K, V>| -> u8 { a? };
            let r = async { x? };
            let k = const { 1 + 2 };
            fn nested() { a?; }
            struct T<const N: usize = { 3 }>;
            impl T { fn g(&self) {} }
            macro_rules! m { () => {} }
            m! { x? }
            vec![x?].len();
            #[cfg(x)] y;
            { z? }.w()?;
            x as u8 + y;
            &mut a? as *const u8;
            -a?.b?;
            let v = f(&x as &dyn Debug, g as fn(u8) -> bool, gen.gen::<u8>()?)?;
            let w = try!(x);
            return Err(e)?;
        }
    "#;
    let mut found = Vec::new();
    bodies(text.parse().unwrap(), &mut found);
    let mut tally = Tally::default();
    for body in &found {
        compare(body, &mut tally, "inline");
    }
    assert_eq!(tally.declined, 0, "{tally:?}");
    assert!(tally.differ.is_empty(), "{}", tally.differ.join("\n"));
    assert_eq!(tally.bodies, 3);
}

/// The repository's own sources: tests, fixtures, the harness.
#[test]
fn scanner_matches_syn_on_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in ["macros", "harness", "tests", "examples", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let tally = check(&files);
    assert!(tally.differ.is_empty(), "{}", tally.differ.join("\n"));
    assert!(tally.bodies > 1000, "{tally:?}");
    assert!(tally.declined * 100 <= tally.bodies, "{tally:?}");
}

/// Every crate in cargo's registry cache: run with `--ignored`
/// (`AUTOPSY_SCAN_CORPUS` names another directory).
#[test]
#[ignore = "reads the whole registry cache; slow without --release"]
fn scanner_matches_syn_on_the_registry() {
    let dir = std::env::var_os("AUTOPSY_SCAN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
            home.join("registry").join("src")
        });
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let tally = check(&files);
    eprintln!(
        "{} files, {} bodies, {} declined, {} differ",
        files.len(),
        tally.bodies,
        tally.declined,
        tally.differ.len()
    );
    eprintln!("declined: {}", tally.declined_at.join(" "));
    assert!(tally.differ.is_empty(), "{}", tally.differ.join("\n"));
}
