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
    let src = std::fs::read_to_string(autopsy_e2e::root().join("tests/fixtures/pdb.rs")).unwrap();
    src.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in the fixture"))
        + 1
}

/// The line of examples/batch/tests/batch.rs that contains `needle`.
fn batch_line(needle: &str) -> usize {
    let src =
        std::fs::read_to_string(autopsy_e2e::root().join("examples/batch/tests/batch.rs")).unwrap();
    src.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in batch.rs"))
        + 1
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

// --- values ---------------------------------------------------------------

#[test]
fn integers_floats_bools_chars_and_unit_print_as_debug() {
    let (_, got) = check_values(
        "values::scalars",
        &[
            "i8_min",
            "i8_max",
            "i16_min",
            "i32_min",
            "i64_min",
            "i128_min",
            "i128_max",
            "u8_max",
            "u16_max",
            "u32_max",
            "u64_max",
            "u128_max",
            "isize_min",
            "usize_max",
            "f_sum",
            "f_big",
            "f_nan",
            "f_neg_zero",
            "f_one",
            "f_tiny",
            "f_inf",
            "f32_third",
            "yes",
            "no",
            "ch",
            "ch_newline",
            "ch_quote",
            "ch_dquote",
            "ch_accent",
            "ch_crab",
            "ch_nul",
            "unit",
        ],
    );
    // And spelled out, in case the fixture's output were ever lost.
    for (name, want) in [
        ("i128_min", "-170141183460469231731687303715884105728"),
        ("u128_max", "340282366920938463463374607431768211455"),
        ("f_sum", "0.30000000000000004"),
        ("f_big", "1e100"),
        ("f_nan", "NaN"),
        ("f_neg_zero", "-0.0"),
        ("f32_third", "0.33333334"),
        ("ch_newline", r"'\n'"),
        ("ch_quote", r"'\''"),
        ("ch_accent", "'é'"),
        ("unit", "()"),
    ] {
        assert_eq!(got[name], want, "p {name}");
    }
}

#[test]
fn tuples_arrays_strings_and_collections_print_as_debug() {
    let (_, got) = check_values(
        "values::sequences",
        &[
            "tuple",
            "one_tuple",
            "nested",
            "arr",
            "empty_arr",
            "grid",
            "slice",
            "text",
            "empty_str",
            "owned",
            "v",
            "empty_vec",
            "names",
            "dq",
            "hm",
            "hs",
            "bm",
            "big_bm",
            "bs",
        ],
    );
    assert_eq!(
        got["text"],
        r#""tab\there \"quoted\" back\\slash\nnew é \u{7f} \u{200b}""#
    );
    // pushed 2, 3 at the back and 1, 0 at the front: wrapped around.
    assert_eq!(got["dq"], "[0, 1, 2, 3]");
    assert_eq!(got["bs"], "{'e', 'h', 'l', 'o'}");
    assert_eq!(got["one_tuple"], "(5,)");
}

#[test]
fn smart_pointers_and_cells_print_as_debug() {
    let (_, got) = check_values(
        "values::pointers",
        &[
            "cfg",
            "boxed",
            "boxed_cfg",
            "rc",
            "rc2",
            "rc_cfg",
            "arc",
            "arc_cfg",
            "cell",
            "refcell",
            "r",
            "rr",
            "num_ref",
        ],
    );
    assert_eq!(
        got["cfg"],
        r#"Config { timeout: 30, name: "batch", tags: ["nightly", "eu"] }"#
    );
    assert_eq!(got["cell"], "Cell { value: 7 }");
    assert_eq!(got["refcell"], "RefCell { value: [1, 2] }");
}

#[test]
fn options_results_enums_and_structs_print_as_debug() {
    let (_, got) = check_values(
        "values::enums",
        &[
            "some",
            "none",
            "some_ref",
            "none_ref",
            "some_char",
            "none_char",
            "some_string",
            "ok",
            "err",
            "circle",
            "rect",
            "empty",
            "red",
            "blue",
            "shapes",
            "pair",
            "unit_struct",
        ],
    );
    assert_eq!(got["none_ref"], "None");
    assert_eq!(got["none_char"], "None");
    assert_eq!(got["circle"], "Circle { r: 1.5 }");
    assert_eq!(got["unit_struct"], "Unit");
}

#[test]
fn trait_objects_closures_and_pretty_print() {
    let f = pdb();
    let names = ["dog", "dyn_ref", "dyn_debug", "dyn_box", "outer"];
    let mut cmds: Vec<String> = names.iter().map(|n| format!("p {n}")).collect();
    cmds.extend(["p add", "p uses_cfg", "pp outer", "pp dyn_box", "c"].map(String::from));
    let cmds: Vec<&str> = cmds.iter().map(String::as_str).collect();
    let run = session(&f, &["values::dynamic", "--exact"], &cmds);
    let head = header(&run.stdout);
    let rust = printed(head);
    let ex = exchanges(&run.stdout);
    let mut wrong = Vec::new();
    for n in names {
        let a = answer(&ex, &format!("p {n}")).trim_end();
        if a != rust[n] {
            wrong.push(format!(
                "p {n}\n    {{:?}}:    {}\n    autopsy: {a}",
                rust[n]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "values that differ from Rust's {{:?}}:\n{}",
        wrong.join("\n")
    );
    assert_eq!(answer(&ex, "p dyn_ref"), "Dog { name: \"rex\", age: 3 }\n");
    assert_eq!(answer(&ex, "p dyn_box"), "Dog { name: \"fido\", age: 9 }\n");
    // Closures have no Debug: autopsy shows the environment the compiler
    // built, captures named after the captured variables; edition 2021
    // captures the field `cfg.timeout`, not `cfg`.
    assert_eq!(answer(&ex, "p add"), "{closure_env#0} { offset: 5 }\n");
    assert_eq!(
        answer(&ex, "p uses_cfg"),
        "{closure_env#1} { cfg.timeout: 30 }\n"
    );
    // pp is {:#?}.
    let pretty = head.split("outer pretty = ").nth(1).unwrap();
    let pretty = &pretty[..pretty.find("\n}\n").unwrap() + 3];
    assert_eq!(answer(&ex, "pp outer"), pretty);
    assert_eq!(
        answer(&ex, "pp dyn_box"),
        "Dog {\n    name: \"fido\",\n    age: 9,\n}\n"
    );
}

// --- expressions, whatis, locals, args -------------------------------------

#[test]
fn expressions_whatis_locals_and_args() {
    let f = pdb();
    let exprs = [
        ("p cfg.name", "\"batch\""),
        ("p cfg.tags", "[\"nightly\", \"eu\"]"),
        ("p pair.0", "-7"),
        ("p pair.1", "\"seven\""),
        ("p rows[1]", "Pair(2, \"two\")"),
        ("p rows[1].1", "\"two\""),
        ("p arr[2]", "30"),
        ("p slice[1]", "20"),
        ("p dq[0]", "\"a\""),
        ("p dq[2]", "\"c\""),
        ("p m[\"timeout\"]", "30"),
        ("p bm[2]", "\"two\""),
        (
            "p *r",
            "Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }",
        ),
        ("p r.name", "\"batch\""),
        (
            "p *boxed",
            "Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }",
        ),
        ("p boxed.timeout", "30"),
        ("p rc.tags[1]", "\"eu\""),
        ("p arc[0].1", "\"nine\""),
        ("p arc[0]", "Pair(9, \"nine\")"),
        ("p (*rc).name", "\"batch\""),
        ("pp pair", "Pair(\n    -7,\n    \"seven\",\n)"),
        // Errors, as the user reads them.
        (
            "p nosuch",
            "*** no local named `nosuch` in `pdb::values::exprs`",
        ),
        ("p cfg.nope", "*** no field `nope` on `Config`"),
        ("p rows[3]", "*** index 3 out of range for Vec of length 3"),
        ("p arr[3]", "*** index 3 out of range for array of length 3"),
        (
            "p m[\"missing\"]",
            "*** key \"missing\" not found in HashMap",
        ),
        (
            "p cfg[0]",
            "*** cannot index into a value of type `pdb::Config`",
        ),
        (
            "p *pair",
            "*** cannot dereference a value of type `pdb::Pair`",
        ),
        (
            "p cfg.",
            "*** syntax error in `cfg.`: expected a field name after `.`",
        ),
        ("p", "*** usage: p EXPR"),
        (
            "whatis nosuch",
            "*** no local named `nosuch` in `pdb::values::exprs`",
        ),
        // pdb evaluates what is not a command.
        ("cfg.name", "\"batch\""),
        (
            "frobnicate now",
            "*** unknown command 'frobnicate': type help for the list",
        ),
    ];
    let types = [
        "cfg", "pair", "rows", "arr", "slice", "dq", "m", "bm", "r", "boxed", "rc", "arc",
    ];
    let mut cmds = vec!["locals", "args", "up", "locals", "args"];
    cmds.extend(exprs.iter().map(|(c, _)| *c));
    let whatis: Vec<String> = types.iter().map(|t| format!("whatis {t}")).collect();
    cmds.extend(whatis.iter().map(String::as_str));
    cmds.push("c");
    let run = session(&f, &["values::exprs", "--exact"], &cmds);
    let ex = exchanges(&run.stdout);
    // The prompt opens in `check`, the deepest frame of the user's code.
    let check_line = line_of("assert!(seen > limit");
    assert!(
        run.stdout.contains(&format!("\n> tests/pdb.rs({check_line})check()\n-> assert!(seen > limit, \"only {{seen}} tags\");\n(autopsy) ")),
        "{}",
        run.stdout
    );
    assert_eq!(
        ex[0].answer,
        "cfg = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\nlimit = 3\nseen = 2\n"
    );
    assert_eq!(
        ex[1].answer,
        "cfg = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\nlimit = 3\n"
    );
    assert_eq!(
        ex[2].answer,
        format!(
            "> tests/pdb.rs({})exprs()\n-> check(&cfg, 3);\n",
            line_of("check(&cfg, 3)")
        )
    );
    assert_eq!(
        ex[3].answer,
        concat!(
            "cfg = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\n",
            "pair = Pair(-7, \"seven\")\n",
            "rows = [Pair(1, \"one\"), Pair(2, \"two\"), Pair(3, \"three\")]\n",
            "arr = [10, 20, 30]\n",
            "slice = [10, 20]\n",
            "dq = [\"a\", \"b\", \"c\"]\n",
            "m = {\"timeout\": 30, \"retries\": 3}\n",
            "bm = {1: \"one\", 2: \"two\"}\n",
            "r = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\n",
            "boxed = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\n",
            "rc = Config { timeout: 30, name: \"batch\", tags: [\"nightly\", \"eu\"] }\n",
            "arc = [Pair(9, \"nine\")]\n",
        )
        .replace(
            "m = {\"timeout\": 30, \"retries\": 3}",
            &format!("m = {}", printed_map(&run.stdout)),
        )
    );
    assert_eq!(ex[4].answer, "(no arguments)\n");
    let mut wrong = Vec::new();
    for (cmd, want) in exprs {
        let got = answer(&ex, cmd).trim_end_matches('\n');
        if got != want {
            wrong.push(format!("{cmd}\n    expected: {want}\n    actual:   {got}"));
        }
    }
    // whatis: the type as std::any::type_name names it.
    let head = header(&run.stdout);
    for t in types {
        let want = head
            .lines()
            .find_map(|l| l.strip_prefix(&format!("type {t} = ")))
            .unwrap_or_else(|| panic!("no type of {t} printed"));
        let got = answer(&ex, &format!("whatis {t}")).trim_end_matches('\n');
        if got != want {
            wrong.push(format!(
                "whatis {t}\n    type_name: {want}\n    actual:    {got}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The HashMap `m` of `values::exprs` in its iteration order (random per
/// process), as `locals` must show it: read back from `p m`.
fn printed_map(stdout: &str) -> String {
    let ex = exchanges(stdout);
    answer(&ex, "p m[\"timeout\"]");
    // Both orders are valid {:?} output; `locals` must agree with itself.
    let locals = &ex[3].answer;
    let line = locals
        .lines()
        .find(|l| l.starts_with("m = "))
        .unwrap_or("m = ?");
    let map = &line[4..];
    assert!(
        map == "{\"timeout\": 30, \"retries\": 3}" || map == "{\"retries\": 3, \"timeout\": 30}",
        "m = {map}"
    );
    map.to_string()
}

// --- the batch job: opening frame, navigation, list ---------------------

#[test]
fn batch_opens_in_load_and_navigates() {
    let f = batch();
    let run = session(
        &f,
        &["nightly_batch", "--exact"],
        &[
            "where", "p config", "p key", "up", "p row", "p limit", "where", "down", "down", "c",
        ],
    );
    let out = canon(&normalize(&run.stdout));
    assert_eq!(
        header(&out),
        concat!(
            "\n>>> autopsy post-mortem: nightly_batch\n",
            "thread 'nightly_batch' panicked at examples/batch/tests/batch.rs:<load>:11:\n",
            "no entry found for key\n",
            "\n",
            "Traceback (most recent call last):\n",
            "  File \"examples/batch/tests/batch.rs\", line <test>, in batch::nightly_batch\n",
            "    let totals = run_batch(&rows, &config);\n",
            "  File \"examples/batch/tests/batch.rs\", line <run>, in batch::run_batch\n",
            "    rows.iter().map(|row| transform(row, config)).collect()\n",
            "  File \"examples/batch/tests/batch.rs\", line <run>, in batch::run_batch::{{closure}}\n",
            "    rows.iter().map(|row| transform(row, config)).collect()\n",
            "  File \"examples/batch/tests/batch.rs\", line <transform>, in batch::transform\n",
            "    let limit = load(&config.settings, row.key);\n",
            "  File \"examples/batch/tests/batch.rs\", line <load>, in batch::load\n",
            "    config[key]\n",
            "\n",
            "> examples/batch/tests/batch.rs(<load>)load()\n",
            "-> config[key]\n",
        )
    );
    let ex = exchanges(&out);
    let frames = frame_numbers(&ex[0].answer);
    assert_eq!(
        renumber(&ex[0].answer),
        concat!(
            "  #N examples/batch/tests/batch.rs:<test> in batch::nightly_batch\n",
            "        let totals = run_batch(&rows, &config);\n",
            "  #N examples/batch/tests/batch.rs:<run> in batch::run_batch\n",
            "        rows.iter().map(|row| transform(row, config)).collect()\n",
            "  #N examples/batch/tests/batch.rs:<run> in batch::run_batch::{{closure}}\n",
            "        rows.iter().map(|row| transform(row, config)).collect()\n",
            "  #N examples/batch/tests/batch.rs:<transform> in batch::transform\n",
            "        let limit = load(&config.settings, row.key);\n",
            "> #N examples/batch/tests/batch.rs:<load> in batch::load\n",
            "        config[key]\n",
        )
    );
    assert_eq!(frames.len(), 5);
    assert!(
        frames.windows(2).all(|w| w[0] > w[1]),
        "oldest first: {frames:?}"
    );
    // HashMap order is per process: the two keys, either way round.
    let config = ex[1].answer.trim_end();
    assert!(
        config == r#"{"batch_size": 500, "retries": 3}"#
            || config == r#"{"retries": 3, "batch_size": 500}"#,
        "p config: {config}"
    );
    assert_eq!(ex[2].answer, "\"timeout\"\n");
    assert_eq!(ex[3].answer, "> examples/batch/tests/batch.rs(<transform>)transform()\n-> let limit = load(&config.settings, row.key);\n");
    assert_eq!(
        ex[4].answer,
        "Row { id: 2, key: \"timeout\", amount: 0.25 }\n"
    );
    // `limit` is declared on the failing line: not yet in scope.
    assert_eq!(
        ex[5].answer,
        "*** no local named `limit` in `batch::transform`\n"
    );
    assert!(ex[6].answer.contains("\n> #"), "{}", ex[6].answer);
    assert!(
        renumber(&ex[6].answer)
            .contains("> #N examples/batch/tests/batch.rs:<transform> in batch::transform\n"),
        "{}",
        ex[6].answer
    );
    assert_eq!(
        ex[7].answer,
        "> examples/batch/tests/batch.rs(<load>)load()\n-> config[key]\n"
    );
    assert_eq!(ex[8].answer, "*** Newest frame\n");
    assert!(
        run.stdout.contains("test nightly_batch ... FAILED\n"),
        "{}",
        run.stdout
    );
}

/// `#12` → `#N` in a `where` listing.
fn renumber(text: &str) -> String {
    regex::Regex::new(r"#\d+ *")
        .unwrap()
        .replace_all(text, "#N ")
        .into_owned()
}

fn frame_numbers(text: &str) -> Vec<usize> {
    regex::Regex::new(r"#(\d+)")
        .unwrap()
        .captures_iter(text)
        .map(|c| c[1].parse().unwrap())
        .collect()
}

#[test]
fn batch_frame_bt_full_up_down_counts() {
    let f = batch();
    // First learn the frame numbers, as a user reads them off `where`.
    let run = session(&f, &["nightly_batch", "--exact"], &["where", "c"]);
    let ex = exchanges(&run.stdout);
    assert!(!ex.is_empty(), "no prompt:\n{}\n{}", run.stdout, run.stderr);
    let frames = frame_numbers(&ex[0].answer);
    let (test_frame, transform_frame) = (frames[0], frames[3]);
    let frame_test = format!("frame {test_frame}");
    let frame_transform = format!("f {transform_frame}");
    let run = session(
        &f,
        &["nightly_batch", "--exact"],
        &[
            &frame_test,
            "p rows",
            "up",
            "down 2",
            "bt full",
            &frame_transform,
            "bt",
            "u 10",
            "d 10",
            "frame 9999",
            "frame x",
            "up x",
            "c",
        ],
    );
    let ex = exchanges(&run.stdout);
    // It once came back without a prompt, on a cold first build in a fresh
    // clone: say what the run printed if it does again.
    assert!(!ex.is_empty(), "no prompt:\n{}\n{}", run.stdout, run.stderr);
    assert_eq!(ex[0].answer, "> examples/batch/tests/batch.rs(<test>)nightly_batch()\n-> let totals = run_batch(&rows, &config);\n");
    assert_eq!(
        ex[1].answer,
        "[Row { id: 1, key: \"retries\", amount: 1.5 }, Row { id: 2, key: \"timeout\", amount: 0.25 }]\n"
    );
    assert_eq!(ex[2].answer, "*** Oldest frame\n");
    // down 2 from the test: run_batch, then its closure.
    assert_eq!(ex[3].answer, "> examples/batch/tests/batch.rs(<run>)run_batch::{{closure}}()\n-> rows.iter().map(|row| transform(row, config)).collect()\n");
    // bt full: every frame, std's too, the selected one marked.
    let full = &ex[4].answer;
    let marked: Vec<&str> = full.lines().filter(|l| l.starts_with('>')).collect();
    assert_eq!(marked.len(), 1, "{full}");
    assert!(
        renumber(marked[0]).starts_with(
            "> #N examples/batch/tests/batch.rs:<run> in batch::run_batch::{{closure}}"
        ),
        "{full}"
    );
    assert!(
        full.contains(" in core::iter::traits::iterator::Iterator::collect"),
        "{full}"
    );
    assert!(
        full.contains(" in <std::collections::hash::map::HashMap<K,V,S,A> as core::ops::index::Index<&Q>>::index"),
        "{full}"
    );
    assert!(frame_numbers(full).len() > 10, "{full}");
    assert_eq!(ex[5].answer, "> examples/batch/tests/batch.rs(<transform>)transform()\n-> let limit = load(&config.settings, row.key);\n");
    assert!(
        renumber(&ex[6].answer)
            .contains("> #N examples/batch/tests/batch.rs:<transform> in batch::transform\n"),
        "{}",
        ex[6].answer
    );
    assert_eq!(ex[7].answer, "> examples/batch/tests/batch.rs(<test>)nightly_batch()\n-> let totals = run_batch(&rows, &config);\n");
    assert_eq!(
        ex[8].answer,
        "> examples/batch/tests/batch.rs(<load>)load()\n-> config[key]\n"
    );
    let last = frame_numbers(full).into_iter().max().unwrap();
    assert_eq!(
        ex[9].answer,
        format!("*** no frame #9999: frames are #0 to #{last}\n")
    );
    assert_eq!(
        ex[10].answer,
        "*** usage: frame N (numbers as `bt full` shows them)\n"
    );
    assert_eq!(ex[11].answer, "*** expected a count, got 'x'\n");
}

#[test]
fn batch_list_longlist_panic_out_help() {
    let f = batch();
    let load = batch_line("    config[key]");
    let transform = batch_line("let limit = load(&config.settings, row.key);");
    let fn_load = format!("l {}, 2", load - 1);
    let run = session(
        &f,
        &["nightly_batch", "--exact"],
        &[
            "l", "", "", "l 1, 3", &fn_load, "ll", "up", "ll", "l .", "panic", "out", "help",
            "h p", "h nope", "c",
        ],
    );
    let ex = exchanges(&run.stdout);
    let src =
        std::fs::read_to_string(autopsy_e2e::root().join("examples/batch/tests/batch.rs")).unwrap();
    let lines: Vec<&str> = src.lines().collect();
    let listing = |a: usize, b: usize, current: usize| -> String {
        (a..=b.min(lines.len()))
            .map(|n| {
                if n == current {
                    format!("{n:>4} -> {}\n", lines[n - 1])
                } else {
                    format!("{n:>4}    {}\n", lines[n - 1])
                }
            })
            .collect()
    };
    // pdb: 11 lines around the current one, then the next 11 on each repeat.
    assert_eq!(ex[0].answer, listing(load - 5, load + 5, load));
    assert!(
        ex[0].answer.contains("  28 ->     config[key]\n"),
        "{}",
        ex[0].answer
    );
    assert_eq!(ex[1].command, "");
    assert_eq!(ex[1].answer, listing(load + 6, load + 16, load));
    assert_eq!(ex[2].answer, listing(load + 17, load + 27, load));
    assert_eq!(ex[3].answer, listing(1, 3, load));
    assert_eq!(ex[4].answer, listing(load - 1, load + 1, load));
    assert_eq!(ex[5].answer, listing(load - 1, load + 1, load));
    assert_eq!(
        ex[7].answer,
        listing(transform - 1, transform + 2, transform)
    );
    assert_eq!(
        ex[8].answer,
        listing(transform - 5, transform + 5, transform)
    );
    assert_eq!(ex[9].answer, "thread 'nightly_batch' panicked at examples/batch/tests/batch.rs:<load>:11:\nno entry found for key\n");
    assert_eq!(ex[10].answer, "(no output yet)\n");
    assert!(
        ex[11]
            .answer
            .starts_with("Commands (pdb's names and abbreviations):\n"),
        "{}",
        ex[11].answer
    );
    for cmd in [
        "w(here)",
        "u(p)",
        "d(own)",
        "f(rame) N",
        "l(ist)",
        "ll | longlist",
        "p EXPR",
        "pp EXPR",
        "whatis EXPR",
        "locals",
        "a(rgs)",
        "panic",
        "out",
        "c(ontinue)",
        "q(uit)",
    ] {
        assert!(
            ex[11].answer.contains(cmd),
            "help lacks {cmd}:\n{}",
            ex[11].answer
        );
    }
    assert_eq!(ex[12].answer, "p EXPR\n    Print EXPR as {:?} would: a Rust expression of locals and statics, `cfg.name`, `rows[1..3]`, `m[\"key\"]`, `v.len()`, `n + 1 > limit`, `transform(&rows[1])`.\n");
    assert_eq!(
        ex[13].answer,
        "*** no help on 'nope': type help for the list\n"
    );
}

#[test]
fn unwrap_in_a_helper_opens_in_the_helper() {
    let f = batch();
    let run = session(
        &f,
        &["parses_rows", "--exact"],
        &["p field", "args", "up", "locals", "c"],
    );
    let out = canon(&normalize(&run.stdout));
    let head = header(&out);
    assert!(
        head.starts_with(
            "\n>>> autopsy post-mortem: parses_rows\nthread 'parses_rows' panicked at examples/batch/tests/batch.rs:<amount>:26:\ncalled `Result::unwrap()` on an `Err` value: ParseFloatError { kind: Invalid }\n"
        ),
        "{head}"
    );
    assert!(head.ends_with("\n> examples/batch/tests/batch.rs(<amount>)parse_amount()\n-> field.trim().parse().unwrap()\n"), "{head}");
    let ex = exchanges(&out);
    assert_eq!(ex[0].answer, "\" n/a\"\n");
    assert_eq!(ex[1].answer, "field = \" n/a\"\n");
    assert_eq!(
        ex[2].answer,
        "> examples/batch/tests/batch.rs(<row>)parse_row()\n-> (id, parse_amount(fields[1]))\n"
    );
    assert_eq!(
        ex[3].answer,
        "line = \"3, n/a\"\nfields = [\"3\", \" n/a\"]\nid = 3\n"
    );
}

// --- continue, quit, end of input ---------------------------------------

#[test]
fn continue_fails_the_test_and_the_run_goes_on() {
    let f = batch();
    let run = session(&f, &[], &["c", "continue"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(
        result_lines(&run.stdout),
        [
            "test batch_sizes_are_sane ... ok",
            "test nightly_batch ... FAILED",
            "test parses_rows ... FAILED"
        ]
    );
    // Two prompts, one per failure.
    assert_eq!(run.stdout.matches(">>> autopsy post-mortem: ").count(), 2);
    // The failure is reported as without --pdb.
    assert!(
        run.stdout.contains("\n---- nightly_batch stdout ----\n"),
        "{}",
        run.stdout
    );
    assert!(canon(&normalize(&run.stdout)).contains("thread 'nightly_batch' panicked at examples/batch/tests/batch.rs:<load>:11:\nno entry found for key\n"));
    assert!(
        run.stdout
            .contains("\nfailures:\n    nightly_batch\n    parses_rows\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.test_result(), "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in X.XXs");
}

#[test]
fn quit_stops_the_run_with_what_ran() {
    let f = batch();
    // The `c` after `q` is never read: the run is over.
    let run = session(&f, &[], &["p key", "q", "c"]);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        result_lines(&run.stdout),
        [
            "test batch_sizes_are_sane ... ok",
            "test nightly_batch ... FAILED"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches(">>> autopsy post-mortem: ").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("quit at the prompt: the run was stopped early"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\nfailures:\n    nightly_batch\n\n"),
        "{}",
        run.stdout
    );
    // The quit test's report still says why it failed.
    assert!(
        run.stdout.contains(
            "panicked at examples/batch/tests/batch.rs:<load>:11:\nno entry found for key\n"
        ),
        "{}",
        run.stdout
    );
    // parses_rows never ran: counted nowhere.
    assert_eq!(run.test_result(), "test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in X.XXs");
}

#[test]
fn end_of_input_continues_and_dev_null_never_hangs() {
    let f = batch();
    // Commands run out at the first prompt: it ends as `c`, and with no
    // more input the later failures are reported without a prompt.
    let run = session(&f, &[], &["p key"]);
    assert_eq!(run.code, Some(101));
    assert!(
        run.stdout
            .contains("(autopsy) p key\n\"timeout\"\n(autopsy) \ntest nightly_batch ... FAILED\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches(">>> autopsy post-mortem: ").count(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(
        result_lines(&run.stdout),
        [
            "test batch_sizes_are_sane ... ok",
            "test nightly_batch ... FAILED",
            "test parses_rows ... FAILED"
        ]
    );
    assert!(
        run.stdout.contains("\n---- parses_rows stdout ----\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.test_result(), "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in X.XXs");
    // CI: stdin is /dev/null: no prompt, a dump of each failure instead
    // (tests/dumps.rs checks them).
    let state = autopsy_e2e::scratch("pdb-dev-null");
    let (run, killed) = f.run_timeout(
        &["--pdb"],
        &[("XDG_STATE_HOME", state.to_str().unwrap())],
        None,
        LIMIT,
    );
    assert!(
        !killed,
        "--pdb with stdin from /dev/null hung:\n{}",
        run.stdout
    );
    assert_eq!(run.code, Some(101));
    assert_eq!(run.test_result(), "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in X.XXs");
    assert!(!run.stdout.contains("(autopsy) "), "{}", run.stdout);
    assert_eq!(
        run.stdout
            .matches("autopsy: post-mortem dump written to ")
            .count(),
        2,
        "{}",
        run.stdout
    );
}

#[test]
fn autopsy_pdb_env_is_the_twin_of_the_flag() {
    let f = batch();
    let (run, killed) = f.run_timeout(
        &["nightly_batch", "--exact"],
        &[("AUTOPSY_PDB", "1")],
        Some("p key\nc\n"),
        LIMIT,
    );
    assert!(!killed);
    assert!(canon(&run.stdout).contains("\n> examples/batch/tests/batch.rs(<load>)load()\n-> config[key]\n(autopsy) p key\n\"timeout\"\n(autopsy) c\n"), "{}", run.stdout);
    assert_eq!(run.code, Some(101));
    // Without it, no prompt.
    let (run, _) = f.run_timeout(
        &["nightly_batch", "--exact"],
        &[],
        Some("p key\nc\n"),
        LIMIT,
    );
    assert!(!run.stdout.contains("(autopsy)"), "{}", run.stdout);
}

// --- threads and `?` ---------------------------------------------------------

#[test]
fn panic_in_a_spawned_thread_opens_on_that_thread() {
    let f = pdb();
    let run = session(
        &f,
        &["flow::thread_panic", "--exact"],
        &[
            "p batch", "p index", "locals", "p before", "c", "p before", "p joined", "c",
        ],
    );
    let out = canon(&normalize(&run.stdout));
    let head = header(&out);
    assert!(
        head.starts_with(
            "\n>>> autopsy post-mortem: loader\nthread 'loader' panicked at tests/pdb.rs:"
        ),
        "{head}"
    );
    assert!(
        head.contains("index out of bounds: the len is 2 but the index is 9\n"),
        "{head}"
    );
    assert!(head.ends_with("-> batch[index]\n"), "{head}");
    let ex = exchanges(&out);
    assert_eq!(ex[0].answer, "[3, 4]\n");
    assert_eq!(ex[1].answer, "9\n");
    assert_eq!(ex[2].answer, "batch = [3, 4]\nindex = 9\n");
    assert_eq!(
        ex[3].answer,
        "*** no local named `before` in `pdb::flow::thread_panic::{{closure}}`\n"
    );
    // Then the test's own thread fails on the join: a second prompt there.
    assert!(
        ex[4]
            .answer
            .contains(">>> autopsy post-mortem: flow::thread_panic\n"),
        "{}",
        ex[4].answer
    );
    assert_eq!(ex[5].answer, "1\n");
    // {:?} of a thread's panic payload (Box<dyn Any + Send>).
    assert_eq!(ex[6].answer, "Err(Any { .. })\n");
    assert!(run.stdout.contains("test flow::thread_panic ... FAILED\n"));
}

#[test]
fn question_mark_opens_in_the_test_frame() {
    let f = pdb();
    let run = session(
        &f,
        &["flow::question_mark", "--exact"],
        &["where", "locals", "p input", "panic", "out", "c"],
    );
    let out = canon(&normalize(&run.stdout));
    let head = header(&out);
    let q = line_of("input.parse()?").to_string();
    assert_eq!(
        head,
        concat!(
            "\n>>> autopsy post-mortem: flow::question_mark\n",
            "---- flow::question_mark output so far ----\n",
            "parsing \"12x\"\n",
            "\n",
            "thread 'flow::question_mark' returned early at tests/pdb.rs:QLINE through `?`:\n",
            "ParseIntError { kind: InvalidDigit }\n",
            "\n",
            "Traceback (most recent call last):\n",
            "  File \"tests/pdb.rs\", line QLINE, in pdb::flow::question_mark\n",
            "    let n: u32 = input.parse()?;\n",
            "\n",
            "> tests/pdb.rs(QLINE)question_mark()\n",
            "-> let n: u32 = input.parse()?;\n",
        )
        .replace("QLINE", &q)
    );
    let ex = exchanges(&out);
    assert_eq!(
        renumber(&ex[0].answer),
        "> #N tests/pdb.rs:QLINE in pdb::flow::question_mark\n        let n: u32 = input.parse()?;\n".replace("QLINE", &q)
    );
    assert_eq!(ex[1].answer, "input = \"12x\"\ncount = 3\n");
    assert_eq!(ex[2].answer, "\"12x\"\n");
    assert_eq!(ex[3].answer, "thread 'flow::question_mark' returned early at tests/pdb.rs:QLINE through `?`:\nParseIntError { kind: InvalidDigit }\n".replace("QLINE", &q));
    assert_eq!(ex[4].answer, "parsing \"12x\"\n");
    assert!(out.contains("test flow::question_mark ... FAILED\n"));
    assert!(out.contains("---- flow::question_mark stdout ----\nparsing \"12x\"\nError: ParseIntError { kind: InvalidDigit }\n"), "{out}");
}

// --- --showlocals, no debug info -------------------------------------------

#[test]
fn showlocals_lists_the_failing_frames_locals() {
    let f = batch();
    let (run, killed) = f.run_timeout(&["--showlocals"], &[], None, LIMIT);
    assert!(!killed);
    assert_eq!(run.code, Some(101));
    let out = canon(&normalize(&run.stdout));
    assert!(!out.contains("(autopsy)"), "{out}");
    let section = &out[out
        .find("---- nightly_batch stdout ----\n")
        .expect("a failure report")..];
    let section = &section[..section.find("\n---- parses_rows").unwrap_or(section.len())];
    // The traceback of the user's frames, each with its locals, above the
    // panic's message (as pytest's --showlocals prints them).
    let tb = &section[section
        .find("\nTraceback (most recent call last):\n  File ")
        .unwrap_or_else(|| panic!("no traceback in:\n{section}"))..];
    assert!(
        tb.find("\nthread 'nightly_batch' panicked at")
            .is_some_and(|i| i > tb.find("in batch::load").unwrap_or(usize::MAX)),
        "{tb}"
    );
    assert!(
        tb.contains("\n  File \"examples/batch/tests/batch.rs\", line <test>, in batch::nightly_batch\n    let totals = run_batch(&rows, &config);\n    config = Config { name: \"batch\", "),
        "{tb}"
    );
    let locals = &tb[tb
        .find("  File \"examples/batch/tests/batch.rs\", line <load>, in batch::load\n    config[key]\n")
        .unwrap_or_else(|| panic!("no load frame in:\n{tb}"))..];
    let config_line = locals
        .lines()
        .find(|l| l.starts_with("    config = "))
        .unwrap_or("");
    assert!(
        config_line == r#"    config = {"batch_size": 500, "retries": 3}"#
            || config_line == r#"    config = {"retries": 3, "batch_size": 500}"#,
        "{locals}"
    );
    assert!(locals.contains("\n    key = \"timeout\"\n"), "{locals}");
    let parses = &out[out
        .find("---- parses_rows stdout ----\n")
        .expect("parses_rows report")..];
    assert!(parses.contains("  File \"examples/batch/tests/batch.rs\", line <amount>, in batch::parse_amount\n    field.trim().parse().unwrap()\n    field = \" n/a\"\n"), "{parses}");
    // -l is the short form.
    let (run, _) = f.run_timeout(&["-l", "nightly_batch"], &[], None, LIMIT);
    assert!(
        run.stdout.contains("\n    key = \"timeout\"\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn stripped_binary_still_opens_the_prompt() {
    let f = batch();
    let bin = f.binary();
    let dir = autopsy_e2e::root().join("target/e2e/pdb-scratch");
    std::fs::create_dir_all(&dir).unwrap();
    let stripped = dir.join("batch-stripped");
    let status = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(&bin)
        .arg(&stripped)
        .status()
        .expect("objcopy");
    assert!(status.success());
    let mut cmd = Command::new(&stripped);
    cmd.args(["--pdb", "nightly_batch", "--exact"])
        .current_dir(f.dir.join("examples/batch"))
        .env_remove("RUST_BACKTRACE")
        .env_remove("NO_COLOR")
        .env_remove("AUTOPSY_PDB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (run, killed) =
        run_killed_after(cmd, Some("where\np config\nlocals\nup\nargs\nc\n"), LIMIT);
    assert!(!killed, "{}", run.stdout);
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    let out = canon(&normalize(&run.stdout));
    let head = header(&out);
    assert!(head.contains("thread 'nightly_batch' panicked at examples/batch/tests/batch.rs:<load>:11:\nno entry found for key\n"), "{head}");
    // With function names from the symbol table, the prompt opens in the
    // user's function and `where` lists the user's frames.
    assert!(
        head.contains("\n> batch::load()\n"),
        "no user frame at the opening:\n{out}"
    );
    let ex = exchanges(&out);
    assert!(ex[0].answer.contains(" in batch::load"), "{}", ex[0].answer);
    assert!(
        ex[0].answer.contains(" in batch::transform"),
        "{}",
        ex[0].answer
    );
    assert!(
        ex[0].answer.contains(" in batch::nightly_batch"),
        "{}",
        ex[0].answer
    );
    // How to get locals back: said once, not at every `p`.
    let note = "note: this test binary has no debug info for locals";
    assert_eq!(
        out.matches(note).count(),
        1,
        "the note is said once:\n{out}"
    );
    assert!(out.contains("test nightly_batch ... FAILED\n"), "{out}");
}

// --- a real terminal --------------------------------------------------------

/// PTY text without the line editor's escape sequences and with `\n` line
/// ends.
fn plain(text: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    re.replace_all(text, "")
        .replace("\r\n", "\n")
        .replace('\r', "")
}

fn pty_command(f: &Fixture, args: &[&str]) -> Command {
    f.build();
    let mut cmd = f.command(args);
    cmd.env("NO_COLOR", "1").env("TERM", "xterm");
    cmd
}

#[test]
fn pty_prompt_print_completion_ctrl_c_ctrl_d() {
    let f = pdb();
    let cmd = pty_command(
        &f,
        &["--pdb", "values::exprs", "values::scalars", "--exact"],
    );
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string(">>> autopsy post-mortem: values::exprs")
        .expect("the prompt opens");
    p.exp_string("-> assert!(seen > limit, \"only {seen} tags\");")
        .expect("the opening line");
    p.exp_string("(autopsy) ").expect("the prompt");
    p.send_line("p limit").unwrap();
    let got = plain(&p.exp_string("(autopsy) ").expect("p limit"));
    assert!(got.ends_with("p limit\n3\n"), "{got:?}");
    // Tab completion of a local name: `p cf<TAB>` becomes `p cfg`.
    p.send("p cf").unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line(".name").unwrap();
    // `p cf.name` would be an error: the answer proves the completion.
    let got = plain(&p.exp_string("\"batch\"\r\n").expect("p cf<TAB>.name"));
    assert!(got.contains("p cfg"), "{got:?}");
    assert!(!got.contains("no local named"), "{got:?}");
    p.exp_string("(autopsy) ").unwrap();
    // Ctrl-C drops the line; the prompt stays.
    p.send("p no_such_local").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    p.send_control('c').unwrap();
    p.exp_string("(autopsy) ")
        .expect("a fresh prompt after Ctrl-C");
    p.send_line("p seen").unwrap();
    let got = plain(&p.exp_string("\r\n2\r\n").unwrap());
    assert!(
        !got.contains("no local named"),
        "the cancelled line ran: {got:?}"
    );
    p.exp_string("(autopsy) ").unwrap();
    // Ctrl-D continues: the test fails and the run goes on to the next,
    // which opens its own prompt.
    p.send_control('d').unwrap();
    p.exp_string("test values::exprs ... FAILED")
        .expect("continued");
    p.exp_string(">>> autopsy post-mortem: values::scalars")
        .expect("a prompt for the next failure");
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p f_sum").unwrap();
    p.exp_string("0.30000000000000004").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("c").unwrap();
    p.exp_string("test values::scalars ... FAILED").unwrap();
    p.exp_string("test result: FAILED. 0 passed; 2 failed")
        .expect("the summary");
    p.exp_eof().expect("the run ends");
}

#[test]
fn pty_quit() {
    let f = pdb();
    let cmd = pty_command(&f, &["--pdb", "flow::"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string("-> field.trim().parse().unwrap()")
        .expect("opens in parse_amount");
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p field").unwrap();
    p.exp_string("\" n/a\"").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("q").unwrap();
    let rest = p.exp_eof().expect("the run ends");
    assert!(rest.contains("quit at the prompt"), "{rest}");
    assert!(!rest.contains(">>> autopsy"), "no further prompt: {rest}");
}
