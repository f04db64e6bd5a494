//! `p` and `pp` through the value's own `Debug` impl (issue 9 §2): the
//! fixture (tests/fixtures/debug_impl.rs) prints `{:?}` and `{:#?}` of its
//! locals between `@@ p NAME` / `@@ pp NAME` and `@@ end` lines, then
//! panics; each `p NAME` / `pp NAME` answer at the prompt must be that text.
//! Impls that panic, loop, abort or exit fall back to the memory reader
//! (compared with a run where calls are off), and the prompt goes on.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use autopsy_e2e::{Fixture, Run};

/// The fixture's dependencies besides autopsy.
const DEPS: &str = "
[dev-dependencies.serde_json]
version = \"1\"

[dev-dependencies.indexmap]
version = \"2\"

[dev-dependencies.anyhow]
version = \"1\"

[dev-dependencies.uuid]
version = \"1\"

[dev-dependencies.chrono]
version = \"0.4\"
default-features = false
features = [\"alloc\"]

[dev-dependencies.smallvec]
version = \"1\"

[dev-dependencies.bytes]
version = \"1\"
";

fn fixture() -> Fixture {
    Fixture::new("debug_impl", DEPS)
}

/// The same fixture as its own crate (`debug_impl_o1`) whose code is built
/// at opt-level 1 (its dependencies stay at the dev profile's 0).
fn fixture_o1() -> Fixture {
    let extra = format!("{DEPS}\n[profile.dev.package.debug_impl_o1]\nopt-level = 1\n");
    Fixture::with_source("debug_impl_o1", "debug_impl", &extra)
}

/// No run may hang: everything is killed after this many seconds.
const LIMIT: u64 = 120;

/// Runs one test under `--pdb` with `commands` piped in, one a line.
fn session(f: &Fixture, test: &str, env: &[(&str, &str)], commands: &[String]) -> Run {
    let stdin: String = commands.iter().map(|c| format!("{c}\n")).collect();
    let (run, killed) = f.run_timeout(&["--pdb", test, "--exact"], env, Some(&stdin), LIMIT);
    assert!(!killed, "the session hung:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// What the test printed: `p NAME` / `pp NAME` → the text between markers.
fn truth(stdout: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = stdout.lines();
    while let Some(l) = lines.next() {
        let Some(cmd) = l.strip_prefix("@@ ").filter(|c| *c != "end") else {
            continue;
        };
        let mut text = Vec::new();
        for l in lines.by_ref() {
            if l == "@@ end" {
                break;
            }
            text.push(l);
        }
        out.entry(cmd.to_string()).or_insert(text.join("\n"));
    }
    out
}

/// The answer to each command of a piped session: what it printed up to
/// the next prompt.
fn answers(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .split("(autopsy) ")
        .skip(1)
        .filter_map(|chunk| {
            let (command, answer) = chunk.split_once('\n')?;
            Some((
                command.to_string(),
                answer.trim_end_matches('\n').to_string(),
            ))
        })
        .collect()
}

fn commands(names: &[&str]) -> Vec<String> {
    let mut c: Vec<String> = names
        .iter()
        .flat_map(|n| [format!("p {n}"), format!("pp {n}")])
        .collect();
    c.push("c".into());
    c
}

const OWN: &[&str] = &[
    "secret",
    "secret_ref",
    "login",
    "pair",
    "pair_secret",
    "boxed_pair",
    "temp",
    "duration",
    "range",
    "addr",
    "lock",
    "secrets",
    "map",
    "json",
    "index",
    "error",
    "id",
    "day",
    "when",
    "small",
    "spilled",
    "bytes",
];

/// Every command's answer compared with what the test printed.
fn check_against_truth(run: &Run, names: &[&str]) {
    let want = truth(&run.stdout);
    let got = answers(&run.stdout);
    let mut wrong = Vec::new();
    for cmd in commands(names).iter().filter(|c| *c != "c") {
        let w = want
            .get(cmd)
            .unwrap_or_else(|| panic!("the fixture printed no `{cmd}`:\n{}", run.stdout));
        let g = got
            .get(cmd)
            .unwrap_or_else(|| panic!("no answer to `{cmd}`:\n{}", run.stdout));
        if g != w {
            wrong.push(format!("{cmd}\n  Rust:    {w}\n  autopsy: {g}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the value's own Debug:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn p_and_pp_print_what_the_values_own_debug_prints() {
    let f = fixture();
    let run = session(&f, "own_impls", &[], &commands(OWN));
    check_against_truth(&run, OWN);
    // The hand-written impl hides the password; the reader would not.
    let got = answers(&run.stdout);
    assert_eq!(got["p secret"], "Secret(****)");
    assert!(!run.stdout.contains("hunter2") && !run.stdout.contains("swordfish"));
    assert!(
        run.stdout.contains("test own_impls ... FAILED"),
        "{}",
        run.stdout
    );
}

const CONTAINERS: &[&str] = &[
    "secrets",
    "slice",
    "boxed_slice",
    "array",
    "tuple",
    "triple",
    "maybe",
    "dyn_ref",
    "nested",
];

#[test]
fn slices_arrays_tuples_options_and_dyn_use_the_impls_too() {
    let f = fixture();
    let run = session(&f, "containers", &[], &commands(CONTAINERS));
    check_against_truth(&run, CONTAINERS);
    let got = answers(&run.stdout);
    assert_eq!(got["p slice"], "[Secret(****), Secret(****)]");
    assert_eq!(got["p tuple"], "(Secret(****), 5)");
}

#[test]
fn at_opt_level_1_the_impls_are_called_too() {
    let f = fixture_o1();
    let run = session(&f, "own_impls", &[], &commands(OWN));
    check_against_truth(&run, OWN);
    // At opt-level 1 the compiler keeps `slice` only in registers, in
    // pieces, over part of the function: at the panic it is `optimized
    // out`.
    let some: Vec<&str> = CONTAINERS
        .iter()
        .copied()
        .filter(|n| *n != "slice")
        .collect();
    let run = session(&f, "containers", &[], &commands(&some));
    check_against_truth(&run, &some);
}

#[test]
fn with_calls_off_the_memory_reader_answers() {
    // The same session without calling into the binary: the reader shows
    // the hidden field (the bypass this feature removes), which proves the
    // answers above came from the impls.
    let f = fixture();
    let run = session(
        &f,
        "own_impls",
        &[("AUTOPSY_CALLS", "0")],
        &commands(&["secret"]),
    );
    let got = answers(&run.stdout);
    assert_ne!(got["p secret"], "Secret(****)");
    assert!(got["p secret"].contains("hunter2"), "{}", got["p secret"]);
}

#[test]
fn impls_that_panic_loop_abort_or_exit_fall_back_and_the_prompt_goes_on() {
    let f = fixture();
    let names = ["grumpy", "forever", "bomb", "quitter", "secret"];
    let env = [("AUTOPSY_CALL_TIMEOUT_MS", "400")];
    // Built first: the clock is for the session, not the compiler.
    f.build();
    let start = Instant::now();
    let run = session(&f, "misbehaving_impls", &env, &commands(&names));
    let took = start.elapsed();
    let off = session(
        &f,
        "misbehaving_impls",
        &[("AUTOPSY_CALLS", "0")],
        &commands(&names),
    );
    let (got, reader) = (answers(&run.stdout), answers(&off.stdout));
    for name in ["grumpy", "forever", "bomb", "quitter"] {
        for cmd in [format!("p {name}"), format!("pp {name}")] {
            assert_eq!(got[&cmd], reader[&cmd], "{cmd}:\n{}", run.stdout);
        }
    }
    // The reader's own rendering of the fields, whatever it marks them with.
    assert!(got["p grumpy"].contains('7'), "{}", got["p grumpy"]);
    assert!(got["p forever"].contains("spins"), "{}", got["p forever"]);
    assert!(got["p bomb"].contains("fuse"), "{}", got["p bomb"]);
    assert!(got["p quitter"].contains("-4"), "{}", got["p quitter"]);
    // After all that, a well-behaved impl is still called.
    let want = truth(&run.stdout);
    assert_eq!(got["p secret"], want["p secret"]);
    assert_eq!(got["pp secret"], want["pp secret"]);
    // Nothing of the children reached the user, and the run went on.
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("no Debug for you"), "{all}");
    assert!(!all.contains("Quitter says"), "{all}");
    assert!(
        run.stdout.contains("test misbehaving_impls ... FAILED"),
        "{}",
        run.stdout
    );
    // Two loops, each cut at the 400 ms deadline, not 2 s.
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn a_derived_impl_nothing_formats_is_not_linked_and_the_reader_answers() {
    let f = fixture();
    let run = session(
        &f,
        "unused_impl",
        &[],
        &commands(&["shown", "compared", "never"]),
    );
    check_against_truth(&run, &["shown", "compared"]);
    let got = answers(&run.stdout);
    assert_eq!(got["p never"], "NeverFormatted { x: 1 }");
}

/// Reads the child's stdout on a thread, so the test can wait for each
/// prompt with a timeout.
fn prompt_reader(out: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = std::io::BufReader::new(out);
        let mut buf = Vec::new();
        loop {
            let mut byte = [0u8; 1];
            match r.read(&mut byte) {
                Ok(1) => {
                    buf.push(byte[0]);
                    if buf.ends_with(b"(autopsy) ") {
                        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
                        buf.clear();
                    }
                }
                _ => {
                    let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
                    return;
                }
            }
        }
    });
    rx
}

/// Opens the prompt on `own_impls` (the binary run directly, `env` set)
/// and times `rounds` `p` commands, each from writing the line to the next
/// prompt; checks each answer against the test's own `{:?}`. Returns the
/// time of the first `p` of each name, and the others.
fn time_p(
    bin: &std::path::Path,
    env: &[(&str, &str)],
    rounds: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let names = ["login", "json", "secret", "pair"];
    let mut cmd = Command::new(bin);
    cmd.args(["--pdb", "own_impls", "--exact"])
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let prompts = prompt_reader(child.stdout.take().unwrap());
    let wait = |what: &str| {
        prompts
            .recv_timeout(Duration::from_secs(LIMIT))
            .unwrap_or_else(|_| panic!("no prompt after {what}"))
    };
    let header = wait("the panic");
    let want = truth(&header);
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for (i, name) in names.iter().cycle().take(rounds).enumerate() {
        let start = Instant::now();
        writeln!(input, "p {name}").unwrap();
        input.flush().unwrap();
        let answer = wait(name);
        let took = start.elapsed();
        // The prompt echoes a piped command, then answers.
        let text = answer
            .strip_prefix(&format!("p {name}\n"))
            .unwrap_or(&answer)
            .trim_end_matches("(autopsy) ")
            .trim_end_matches('\n');
        if env.is_empty() {
            assert_eq!(text, want[&format!("p {name}")], "p {name}");
        }
        if i < names.len() {
            first.push(took);
        } else {
            rest.push(took);
        }
    }
    writeln!(input, "c").unwrap();
    drop(input);
    let _ = child.wait();
    (first, rest)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of `p` through the impl (issue 9's bound: under 50 ms),
/// printed beside the memory reader's for the same values.
#[test]
fn p_through_the_impl_takes_under_50_ms_median() {
    let bin = fixture().binary();
    let (first, mut calls) = time_p(&bin, &[], 41);
    let (_, mut reads) = time_p(&bin, &[("AUTOPSY_CALLS", "0")], 41);
    calls.sort();
    reads.sort();
    let median = calls[calls.len() / 2];
    eprintln!(
        "p through the impl: median {:.1} ms (min {:.1}, max {:.1}) over {} calls; \
         first p of each value {:?} ms; memory reader: median {:.1} ms",
        ms(median),
        ms(calls[0]),
        ms(calls[calls.len() - 1]),
        calls.len(),
        first
            .iter()
            .map(|d| (ms(*d) * 10.0).round() / 10.0)
            .collect::<Vec<_>>(),
        ms(reads[reads.len() / 2]),
    );
    assert!(median < Duration::from_millis(50), "median {median:?}");
}
