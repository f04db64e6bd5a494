//! The runner as a libtest user meets it: `cargo test -- ...` on a real suite.

use autopsy_e2e::{normalize, Fixture};

fn fixture() -> Fixture {
    Fixture::new("runner", "")
}

/// The tests that neither crash nor hang, for the exact-output checks.
const CALM: &[&str] = &["--skip", "crash::"];

#[test]
fn full_report_matches_libtest() {
    let run = fixture().run(&[CALM[0], CALM[1], "--test-threads", "2"]);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    insta_like("runner_full", &run.normalized());
}

fn insta_like(name: &str, actual: &str) {
    let path = autopsy_e2e::root()
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("AUTOPSY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "snapshot {name} differs (AUTOPSY_BLESS=1 rewrites it)"
    );
}

#[allow(dead_code)]
fn _n(s: &str) -> String {
    normalize(s)
}
