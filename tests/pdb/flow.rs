//! How a session ends and where it opens: `c`, `q`, end of input, the env twin, threads, `?`, `--showlocals`, binaries without debug info.

use super::*;

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
        .unwrap_or_else(|| panic!("no failure report in:\n{out}\nstderr:\n{}", run.stderr))..];
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
