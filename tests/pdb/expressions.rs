//! Expressions, `whatis`, `locals` and `args` at the prompt.

use super::*;

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
