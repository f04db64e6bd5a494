//! Details of the post-mortem seen while hardening it (issue 11): where
//! `up` goes from a closure, how `bt full` shows autopsy's own frames, the
//! paths of tests/ files, and `cargo test --release -- --pdb` without debug
//! info (which profile the note names, which frame the prompt opens at).

use autopsy_e2e::{normalize, Fixture, Run};

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 600;

/// The README's batch job, laid out as in the repository.
fn batch() -> Fixture {
    Fixture::from_example("batch", "examples/batch", "batch")
}

/// Runs `cargo test [cargo_args] --test batch -- --pdb nightly_batch
/// --exact` with `commands` piped, one a line.
fn session(f: &Fixture, cargo_args: &[&str], commands: &[&str]) -> Run {
    use std::process::Stdio;
    let mut cmd = f.cargo_test(cargo_args, &["--pdb", "nightly_batch", "--exact"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin: String = commands.iter().map(|c| format!("{c}\n")).collect();
    let (run, killed) = autopsy_e2e::run_killed_after(cmd, Some(&stdin), LIMIT);
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    Run {
        stdout: normalize(&run.stdout),
        ..run
    }
}

/// What each command printed, in order (the text after each echoed
/// command up to the next prompt).
fn answers(stdout: &str) -> Vec<(String, String)> {
    stdout
        .split("(autopsy) ")
        .skip(1)
        .map(|chunk| {
            let (command, answer) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (command.to_string(), answer.to_string())
        })
        .collect()
}

/// The line of examples/batch/tests/batch.rs that contains `needle`.
fn batch_line(needle: &str) -> usize {
    autopsy_e2e::line_in("examples/batch/tests/batch.rs", needle)
}

#[test]
fn up_from_a_closure_names_the_closure_then_its_parent() {
    let f = batch();
    f.build();
    let run = session(&f, &[], &["up", "up", "up", "c"]);
    let ex = answers(&run.stdout);
    let at = |needle: &str| format!("examples/batch/tests/batch.rs({})", batch_line(needle));
    let run_line = "rows.iter().map(|row| transform(row, config)).collect()";
    assert_eq!(
        ex[0].1,
        format!(
            "> {}transform()\n-> let limit = load(&config.settings, row.key);\n",
            at("let limit = load(")
        )
    );
    // The closure, then the function that made it: two names, not one twice.
    assert_eq!(
        ex[1].1,
        format!(
            "> {}run_batch::{{{{closure}}}}()\n-> {run_line}\n",
            at(run_line)
        )
    );
    assert_eq!(
        ex[2].1,
        format!("> {}run_batch()\n-> {run_line}\n", at(run_line))
    );
}

#[test]
fn bt_full_folds_autopsys_own_frames() {
    let f = batch();
    f.build();
    let run = session(&f, &[], &["bt full", "c"]);
    let ex = answers(&run.stdout);
    let full = &ex[0].1;
    // autopsy's frames (the panic hook above the failure, the runner below
    // the test) are folded to a line each run, without source lines.
    let folded: Vec<&str> = full.lines().filter(|l| l.contains("[autopsy: ")).collect();
    assert!(folded.len() >= 2, "{full}");
    let re = regex::Regex::new(r"^  #\d+(-#\d+)? +\[autopsy: \d+ frames? of its own\]$").unwrap();
    for l in &folded {
        assert!(re.is_match(l), "{l:?} in:\n{full}");
    }
    for l in full.lines() {
        assert!(!l.contains(" in autopsy::"), "{l:?} in:\n{full}");
        assert!(!l.contains("harness/src/"), "{l:?} in:\n{full}");
    }
    // Still every frame counted: the numbers run on across the folds.
    assert!(full.contains(" in batch::load\n"), "{full}");
    assert!(full.contains(" in core::"), "{full}");
}

#[test]
fn release_without_debug_info_names_its_profiles_and_opens_at_a_named_frame() {
    // `cargo test --release` builds tests with [profile.bench], which
    // inherits [profile.release]: no debug info, symbols only, and the
    // user's functions inlined into std's.
    let f = batch();
    let run = session(&f, &["--release"], &["where", "c"]);
    let out = &run.stdout;
    assert!(
        out.contains(
            "remove `debug = false` / `strip` from [profile.release] or [profile.bench] \
             (or set `debug = true` there).\n"
        ),
        "{out}\n{}",
        run.stderr
    );
    assert!(!out.contains("[profile.dev]"), "{out}");
    let marker = out
        .lines()
        .find(|l| l.starts_with("> "))
        .unwrap_or_else(|| panic!("no prompt opened:\n{out}\n{}", run.stderr));
    assert!(
        !marker.starts_with("> 0x") && marker.ends_with("()"),
        "opens at {marker:?}:\n{out}"
    );
    let ex = answers(out);
    let selected = ex[0]
        .1
        .lines()
        .find(|l| l.starts_with('>'))
        .unwrap_or_else(|| panic!("no selected frame:\n{}", ex[0].1));
    assert!(!selected.contains(" in 0x"), "{selected:?}");
    assert!(out.contains("test nightly_batch ... FAILED\n"), "{out}");
}

#[test]
fn a_panic_in_stds_code_still_shows_the_users_files_relative() {
    // The panic's location is std's (`/rustc/.../time.rs`): the user's
    // files are still shown as `file!()` names them, as src/ files are.
    let f = Fixture::new("hostile", "");
    let (run, killed) = f.run_timeout(&["--pdb", "std_panic::"], &[], Some("where\nc\n"), LIMIT);
    assert!(!killed, "{}", run.stdout);
    let out = normalize(&run.stdout);
    let line = |needle: &str| autopsy_e2e::line_in("tests/fixtures/hostile.rs", needle);
    let (helper, test) = (
        line("std::time::Duration::from_secs_f64(secs)"),
        line("let _ = negative(secs);"),
    );
    assert!(
        out.contains(&format!(
            "Traceback (most recent call last):\n  File \"tests/hostile.rs\", line {test}, in hostile::std_panic::in_stds_code\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  File \"tests/hostile.rs\", line {helper}, in hostile::std_panic::negative\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("\n> tests/hostile.rs({helper})negative()\n")),
        "{out}"
    );
    let root = autopsy_e2e::root();
    let absolute = format!("{}/target/e2e/hostile/tests", root.display());
    assert!(!out.contains(&absolute), "{out}");
}
