//! Benchmark suite for autopsy's post-mortem (issue 3) and `--trace` (issue 4).
//!
//! The binary links tokio, regex, clap, serde_json and syn (see common/deps.rs)
//! so that it carries well over 100 MB of DWARF, as a real project's test
//! binary does. The failing test is the seed's batch job: a HashMap lookup
//! that fails deep in a call stack.

use std::collections::HashMap;

#[path = "common/deps.rs"]
mod deps;
#[path = "common/gdb.rs"]
mod gdb;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Config {
    name: String,
    settings: HashMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: u32,
    key: &'static str,
    amount: f64,
}

fn load(config: &HashMap<String, u64>, key: &str) -> u64 {
    config[key]
}

fn transform(row: &Row, config: &Config) -> f64 {
    let limit = load(&config.settings, row.key);
    row.amount * limit as f64
}

fn run_batch(rows: &[Row], config: &Config) -> Vec<f64> {
    rows.iter().map(|row| transform(row, config)).collect()
}

fn nightly_config() -> Config {
    serde_json::from_str(r#"{"name": "batch", "settings": {"retries": 3, "batch_size": 500}}"#)
        .expect("config parses")
}

fn nightly_rows(bad_key: bool) -> Vec<Row> {
    vec![
        Row { id: 1, key: "retries", amount: 1.5 },
        Row { id: 2, key: if bad_key { "timeout" } else { "batch_size" }, amount: 0.25 },
    ]
}

/// The failure under test: `load()` indexes the map with a key it lacks.
#[autopsy::test]
fn nightly_batch() {
    let config = nightly_config();
    let rows = nightly_rows(true);
    let totals = run_batch(&rows, &config);
    assert_eq!(totals.len(), rows.len());
}

/// The same work as `nightly_batch`, passing (the no-debug-info baseline).
#[autopsy::test]
fn nightly_batch_ok() {
    let config = nightly_config();
    let rows = nightly_rows(false);
    let totals = run_batch(&rows, &config);
    assert_eq!(totals.len(), rows.len());
}

/// A test with several statements to step through with `n` under `--trace`.
#[autopsy::test]
fn steps() {
    let config = nightly_config();
    let keys = ["retries", "batch_size"];
    let mut total = 0u64;
    total += config.settings[keys[0]];
    total += config.settings[keys[1]];
    let name = config.name.clone();
    let rows = nightly_rows(false);
    let totals = run_batch(&rows, &config);
    assert_eq!(total, 503);
    assert_eq!(name, "batch");
    assert_eq!(totals.len(), 2);
}

/// Keeps the big dependencies linked (and exercised).
#[autopsy::test]
fn deps_are_linked() {
    let n = deps::exercise();
    assert!(n > 0);
}

/// rust-gdb side by side: the same failure, but this test's panic hook
/// attaches `rust-gdb -p` to the process and prints the failing frame's
/// locals. Run by bench/pdb.sh with `--ignored --exact gdb_attach`.
#[autopsy::test]
#[ignore = "benchmark: attaches rust-gdb at the panic"]
fn gdb_attach() {
    gdb::install_hook("big::load");
    let config = nightly_config();
    let rows = nightly_rows(true);
    let totals = run_batch(&rows, &config);
    assert_eq!(totals.len(), rows.len());
}

autopsy::main!();
