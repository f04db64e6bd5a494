//! libtest's JSON lines (`-Z unstable-options --format json`), as IDE test
//! explorers read them: `tests/fixtures/json.rs` is built twice, with autopsy
//! and with libtest's own harness (`#[test]`, run with `RUSTC_BOOTSTRAP=1` as
//! rust-analyzer runs it), and the two runs' events are compared field by
//! field, times aside.

use autopsy_e2e::{Fixture, Run};
use serde_json::Value;

fn fixture() -> Fixture {
    Fixture::new("json", "")
}

const JSON: &[&str] = &["-Z", "unstable-options", "--format", "json"];

/// Leaves out the test whose result depends on the environment.
const STABLE: &[&str] = &["--skip", "flaky"];

/// The events of a run: one JSON object per line, nothing else on stdout.
/// Times become `"T"` (their presence is compared, not their values) and
/// thread ids leave panic messages.
#[track_caller]
fn events(run: &Run) -> Vec<Value> {
    let tid = regex::Regex::new(r"(thread '[^']*') \(\d+\)").unwrap();
    run.stdout
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
                panic!(
                    "not a JSON line ({e}): {line:?}\n{}{}",
                    run.stdout, run.stderr
                )
            });
            let obj = v.as_object_mut().expect("an object");
            for (k, field) in obj.iter_mut() {
                if k == "exec_time" {
                    assert!(field.is_f64() || field.is_u64(), "{line}");
                    *field = Value::from("T");
                } else if let Value::String(s) = field {
                    *s = tid.replace_all(s, "$1").into_owned();
                }
            }
            v
        })
        .collect()
}

/// Runs the fixture's libtest build and autopsy's with `args` (and `env`
/// for both) and asserts the same events and exit code.
#[track_caller]
fn same_as_libtest(args: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let fx = fixture();
    let twin = fx.libtest_twin();
    let mut libtest_env = env.to_vec();
    libtest_env.push(("RUSTC_BOOTSTRAP", "1"));
    let want = twin.run_binary(args, &libtest_env);
    assert!(
        !want.stdout.is_empty(),
        "libtest printed nothing: {}",
        want.stderr
    );
    let want_events = events(&want);
    // autopsy takes the same flags whether or not RUSTC_BOOTSTRAP is set.
    for bootstrap in [false, true] {
        let mut env = env.to_vec();
        if bootstrap {
            env.push(("RUSTC_BOOTSTRAP", "1"));
        }
        let got = fx.run_binary(args, &env);
        let got_events = events(&got);
        for (i, (g, w)) in got_events.iter().zip(&want_events).enumerate() {
            assert_eq!(
                g, w,
                "event {i} differs for {args:?}\nautopsy:\n{}\nlibtest:\n{}",
                got.stdout, want.stdout
            );
        }
        assert_eq!(
            got_events.len(),
            want_events.len(),
            "for {args:?}\nautopsy:\n{}\nlibtest:\n{}",
            got.stdout,
            want.stdout
        );
        assert_eq!(got.code, want.code, "{}", got.stderr);
    }
    want_events
}

fn args<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[test]
fn events_match_libtest_one_at_a_time() {
    let serial: &[&str] = &["--test-threads", "1"];
    // Every kind of result: ok, failed (with its output), failed with a
    // message (should_panic's verdicts), ignored with and without a reason.
    let all = same_as_libtest(&args(&[JSON, STABLE, serial]), &[]);
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["event"].as_str().unwrap()))
        .collect();
    for kind in [
        ("suite", "started"),
        ("test", "ok"),
        ("test", "failed"),
        ("test", "ignored"),
        ("suite", "failed"),
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} in {all:?}");
    }
    let ignored = all
        .iter()
        .find(|e| e["name"] == "ignored_reason" && e["event"] == "ignored")
        .unwrap();
    assert_eq!(ignored["message"], "needs the network");
    // Passing tests' output and each test's time.
    same_as_libtest(
        &args(&[JSON, STABLE, serial, &["--show-output", "--report-time"]]),
        &[],
    );
    // Filters: the counts of the suite events.
    same_as_libtest(
        &args(&[JSON, serial, &["should_panic", "--skip", "wrong"]]),
        &[],
    );
    same_as_libtest(&args(&[JSON, serial, &["--ignored", "plain"]]), &[]);
    // --shuffle-seed: libtest's order and the seed on the suite's event.
    let shuffled = same_as_libtest(
        &args(&[JSON, STABLE, serial, &["--shuffle-seed", "7"]]),
        &[],
    );
    assert_eq!(shuffled[0]["shuffle_seed"], 7);
    // `--format=json`, as rust-analyzer writes it.
    same_as_libtest(
        &["-Z", "unstable-options", "--format=json", "--exact", "slow"],
        &[],
    );
    // --ensure-time: a passing test over its critical time fails, with
    // libtest's `reason`.
    let timed = same_as_libtest(
        &args(&[JSON, serial, &["--ensure-time", "slow", "raw_name"]]),
        &[("RUST_TEST_TIME_INTEGRATION", "10,120")],
    );
    assert!(
        timed
            .iter()
            .any(|e| e["name"] == "slow" && e["reason"] == "time limit exceeded"),
        "{timed:?}"
    );
}

/// Sorted by the printed line: parallel runs finish in any order.
fn sorted(mut events: Vec<Value>) -> Vec<String> {
    let mut v: Vec<String> = events.drain(..).map(|e| e.to_string()).collect();
    v.sort();
    v
}

#[test]
fn parallel_events_match_libtest_as_a_set() {
    let fx = fixture();
    let twin = fx.libtest_twin();
    let a = args(&[JSON, STABLE, &["--test-threads", "4"]]);
    let want = twin.run_binary(&a, &[("RUSTC_BOOTSTRAP", "1")]);
    let got = fx.run_binary(&a, &[]);
    let (want_events, got_events) = (events(&want), events(&got));
    // The output of a test's first panic (std's backtrace hint) goes to
    // whichever test panics first in each process: not comparable in
    // parallel. Everything else is.
    let hint = "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    let strip = |mut e: Value| {
        if let Some(Value::String(s)) = e.get_mut("stdout") {
            *s = s.replace(hint, "");
        }
        e
    };
    assert_eq!(
        sorted(got_events.iter().cloned().map(strip).collect()),
        sorted(want_events.into_iter().map(strip).collect()),
        "autopsy:\n{}\nlibtest:\n{}",
        got.stdout,
        want.stdout
    );
    // Each test's `started` comes before its result, the suite's first.
    assert_eq!(got_events[0]["event"], "started");
    for (i, e) in got_events.iter().enumerate() {
        if e["type"] == "test" && e["event"] != "started" {
            let started = got_events[..i]
                .iter()
                .any(|s| s["event"] == "started" && s["name"] == e["name"]);
            assert!(started, "{} has no earlier started", e["name"]);
        }
    }
    assert_eq!(got.code, want.code);
}

#[test]
fn list_matches_libtest() {
    let list: &[&str] = &["--list"];
    let all = same_as_libtest(&args(&[list, JSON]), &[]);
    // Where each test is, as libtest says it (the name's span): a raw name
    // counts its `r#`, a non-ASCII one its characters.
    let raw = all.iter().find(|e| e["name"] == "raw_name").unwrap();
    assert_eq!(
        (&raw["start_col"], &raw["end_col"]),
        (&Value::from(4), &Value::from(14))
    );
    assert!(all.iter().any(|e| e["name"] == "naïve_name"));
    assert_eq!(all.last().unwrap()["event"], "completed");
    same_as_libtest(&args(&[list, JSON, &["--ignored"]]), &[]);
    same_as_libtest(&args(&[list, JSON, &["outer", "raw"]]), &[]);
}

#[test]
fn reruns_add_fields_not_events() {
    let fx = fixture();
    let dir = autopsy_e2e::scratch("json-flaky");
    let a = args(&[JSON, &["--exact", "flaky", "--reruns", "2"]]);
    let got = fx.run_binary(&a, &[("JSON_FLAKY_DIR", dir.to_str().unwrap())]);
    assert_eq!(got.code, Some(0), "{}{}", got.stdout, got.stderr);
    let mut got_events = events(&got);
    // Only libtest's kinds of events: parsers that know those (as
    // rust-analyzer's, which reads `event` as started/ok/failed/ignored)
    // read every line.
    for e in &got_events {
        let kind = (e["type"].as_str().unwrap(), e["event"].as_str().unwrap());
        assert!(
            matches!(
                kind,
                ("suite", "started" | "ok" | "failed") | ("test", "started" | "ok" | "failed")
            ),
            "{e}"
        );
    }
    // What autopsy adds, on the test's result and the suite's.
    let result = &got_events[2];
    assert_eq!(result["event"], "ok");
    let extra = &result["autopsy"];
    assert_eq!(extra["attempts"], 2, "{result}");
    assert_eq!(extra["flaky"], true, "{result}");
    assert_eq!(extra["reruns"][0]["message"], "first attempt fails");
    assert!(extra["reruns"][0]["stdout"]
        .as_str()
        .unwrap()
        .starts_with("attempt output\n"));
    assert_eq!(got_events[3]["autopsy"]["flaky"], 1);
    assert_eq!(got_events[3]["autopsy"]["reruns"], 1);
    // Without those fields, the events are libtest's for a test that passed.
    for e in &mut got_events {
        e.as_object_mut().unwrap().remove("autopsy");
    }
    let want = fx
        .libtest_twin()
        .run_binary(&a[..a.len() - 2], &[("RUSTC_BOOTSTRAP", "1")]);
    assert_eq!(got_events, events(&want), "{}", want.stdout);
}

/// libtest's text under the same time flags: ` <0.012s>` after each status,
/// and tests over their time in `failures (time limit exceeded)`.
#[test]
fn time_flags_in_text_match_libtest() {
    let fx = fixture();
    let twin = fx.libtest_twin();
    let times = regex::Regex::new(r" <\d+\.\d{3}s>").unwrap();
    let text = |run: &Run| times.replace_all(&run.normalized(), " <T>").into_owned();
    for (args, env) in [
        (
            args(&[STABLE, &["--report-time", "--test-threads", "1"]]),
            vec![],
        ),
        (
            // One at a time: the order of results is then libtest's.
            vec![
                "--ensure-time",
                "--test-threads",
                "1",
                "slow",
                "raw_name",
                "should_panic_but",
            ],
            vec![("RUST_TEST_TIME_INTEGRATION", "10,120")],
        ),
    ] {
        let mut libtest_env = env.clone();
        libtest_env.push(("RUSTC_BOOTSTRAP", "1"));
        let mut libtest_args = vec!["-Z", "unstable-options"];
        libtest_args.extend(&args);
        let want = twin.run_binary(&libtest_args, &libtest_env);
        let got = fx.run_binary(&args, &env);
        assert_eq!(text(&got), text(&want), "{args:?}");
        assert_eq!(got.code, want.code);
    }
}
