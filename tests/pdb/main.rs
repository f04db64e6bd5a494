//! The post-mortem (issue 3) as a user meets it: `cargo test -- --pdb` on
//! real failing suites, driven through piped stdin and through a real
//! pseudo-terminal, asserting what a person reads at the prompt.
//!
//! Values are checked against Rust itself: each `values::` test of the
//! fixture prints `name = {:?}` of every local before it panics, that text
//! is in the prompt's header ("output so far"), and each `p name` answer
//! must be the same text.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use autopsy_e2e::{normalize, result_lines, run_killed_after, Fixture, Run};

/// The fixture with every value type (tests/fixtures/pdb.rs).
fn pdb() -> Fixture {
    Fixture::new("pdb", "")
}

/// The README's batch job, laid out as in the repository so paths read
/// `examples/batch/tests/batch.rs`.
fn batch() -> Fixture {
    Fixture::from_example("batch", "examples/batch", "batch")
}

/// The line of tests/fixtures/pdb.rs that contains `needle` (the first).
fn line_of(needle: &str) -> usize {
    autopsy_e2e::line_in("tests/fixtures/pdb.rs", needle)
}

/// The line of examples/batch/tests/batch.rs that contains `needle`.
fn batch_line(needle: &str) -> usize {
    autopsy_e2e::line_in("examples/batch/tests/batch.rs", needle)
}

/// The batch job's lines the tests name, as `<name>` in expected text.
const BATCH_LINES: &[(&str, &str)] = &[
    ("<load>", "    config[key]"),
    (
        "<transform>",
        "let limit = load(&config.settings, row.key);",
    ),
    (
        "<run>",
        "rows.iter().map(|row| transform(row, config)).collect()",
    ),
    ("<test>", "let totals = run_batch(&rows, &config);"),
    ("<amount>", "field.trim().parse().unwrap()"),
    ("<row>", "(id, parse_amount(fields[1]))"),
];

/// Output with the batch job's line numbers named (`batch.rs:<load>:11`,
/// `batch.rs", line <load>`),
/// so the tests survive edits to the example.
fn canon(text: &str) -> String {
    let names: Vec<(String, &str)> = BATCH_LINES
        .iter()
        .map(|(name, needle)| (batch_line(needle).to_string(), *name))
        .collect();
    regex::Regex::new(r#"batch\.rs([:(]|", line )(\d+)"#)
        .unwrap()
        .replace_all(text, |c: &regex::Captures| {
            let n = &c[2];
            let name = names
                .iter()
                .find(|(line, _)| line == n)
                .map_or(n, |(_, name)| name);
            format!("batch.rs{}{name}", &c[1])
        })
        .into_owned()
}

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// Runs `args` under `--pdb` with `commands` piped to stdin, one a line.
fn session(f: &Fixture, args: &[&str], commands: &[&str]) -> Run {
    let mut all = vec!["--pdb"];
    all.extend_from_slice(args);
    let stdin: String = commands.iter().map(|c| format!("{c}\n")).collect();
    let (run, killed) = f.run_timeout(&all, &[], Some(&stdin), LIMIT);
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    Run {
        stdout: canon(&run.stdout),
        ..run
    }
}

/// One prompt's worth of transcript: the command echoed after
/// `(autopsy) ` and what it printed up to the next prompt.
#[derive(Debug)]
struct Exchange {
    command: String,
    answer: String,
}

/// The exchanges of a piped session, in order (the last one runs to the
/// end of stdout: it is the `c`/`q` that left).
fn exchanges(stdout: &str) -> Vec<Exchange> {
    stdout
        .split("(autopsy) ")
        .skip(1)
        .map(|chunk| {
            let (command, answer) = chunk.split_once('\n').unwrap_or((chunk, ""));
            Exchange {
                command: command.to_string(),
                answer: answer.to_string(),
            }
        })
        .collect()
}

/// What `command` printed (the first time it was given).
fn answer<'a>(ex: &'a [Exchange], command: &str) -> &'a str {
    let found = ex.iter().find(|e| e.command == command);
    &found
        .unwrap_or_else(|| panic!("no `{command}` in the transcript: {ex:#?}"))
        .answer
}

/// Everything up to the first prompt: the header.
fn header(stdout: &str) -> &str {
    let start = stdout
        .find("\n>>> autopsy")
        .unwrap_or_else(|| panic!("no prompt opened:\n{stdout}"));
    let rest = &stdout[start..];
    &rest[..rest
        .find("(autopsy) ")
        .unwrap_or_else(|| panic!("no prompt:\n{stdout}"))]
}

/// `name = {:?}` lines the test printed before failing, from the header.
fn printed(header: &str) -> BTreeMap<String, String> {
    let out = header
        .split("output so far ----\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no output in:\n{header}"));
    out.lines()
        .filter_map(|l| l.split_once(" = "))
        .filter(|(n, _)| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Opens the prompt on `values::NAME`, runs `p x` for every local `x` the
/// test printed, and checks each answer against Rust's own `{:?}`.
/// Returns the run and the answers by name.
fn check_values(test: &str, expected_names: &[&str]) -> (Run, BTreeMap<String, String>) {
    let f = pdb();
    let commands: Vec<String> = expected_names.iter().map(|n| format!("p {n}")).collect();
    let mut cmds: Vec<&str> = commands.iter().map(String::as_str).collect();
    cmds.push("c");
    let run = session(&f, &[test, "--exact"], &cmds);
    let head = header(&run.stdout);
    let rust = printed(head);
    let names: Vec<&str> = rust.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = expected_names.to_vec();
    want.sort();
    assert_eq!(
        names, want,
        "the fixture printed other locals than the test asks for"
    );
    let ex = exchanges(&run.stdout);
    let mut got = BTreeMap::new();
    let mut wrong = Vec::new();
    for name in expected_names {
        let a = answer(&ex, &format!("p {name}"))
            .trim_end_matches('\n')
            .to_string();
        if a != rust[*name] {
            wrong.push(format!(
                "p {name}\n    {{:?}}:    {}\n    autopsy: {a}",
                rust[*name]
            ));
        }
        got.insert(name.to_string(), a);
    }
    assert!(
        wrong.is_empty(),
        "values that differ from Rust's {{:?}}:\n{}",
        wrong.join("\n")
    );
    (run, got)
}

mod batch;
mod expressions;
mod flow;
mod pty;

/// `#12` → `#N` in a `where` listing.
fn renumber(text: &str) -> String {
    regex::Regex::new(r"#\d+ *")
        .unwrap()
        .replace_all(text, "#N ")
        .into_owned()
}

mod values;
