//! The README's batch job: the opening frame, navigation, `list`.

use super::*;

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
