//! The seed's batch job: it crashes once at 3 a.m. with a missing key deep
//! in a call stack, and the input is gone. Run it under the post-mortem:
//!
//! ```text
//! cargo test -p batch-job --test batch -- --pdb
//! ```
//!
//! and the prompt opens in `load()`, where `config` still holds what the job
//! was given.

use std::collections::HashMap;

/// A job's configuration, as read from a file that lost a key.
#[derive(Debug, Clone, PartialEq)]
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
    Config {
        name: "batch".to_string(),
        settings: HashMap::from([("retries".to_string(), 3), ("batch_size".to_string(), 500)]),
    }
}

#[autopsy::test]
fn nightly_batch() {
    let config = nightly_config();
    let rows = vec![
        Row {
            id: 1,
            key: "retries",
            amount: 1.5,
        },
        Row {
            id: 2,
            key: "timeout",
            amount: 0.25,
        },
    ];
    let totals = run_batch(&rows, &config);
    assert_eq!(totals.len(), rows.len());
}

fn parse_amount(field: &str) -> f64 {
    field.trim().parse().unwrap()
}

fn parse_row(line: &str) -> (u32, f64) {
    let fields: Vec<&str> = line.split(',').collect();
    let id: u32 = fields[0].parse().unwrap();
    (id, parse_amount(fields[1]))
}

#[autopsy::test]
fn parses_rows() {
    let lines = ["1, 2.5", "2, 3.25", "3, n/a"];
    let parsed: Vec<(u32, f64)> = lines.iter().map(|l| parse_row(l)).collect();
    assert_eq!(parsed.len(), 3);
}

#[autopsy::test]
fn batch_sizes_are_sane() {
    let config = nightly_config();
    assert_eq!(config.settings["batch_size"], 500);
}

autopsy::main!();
