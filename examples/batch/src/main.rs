//! The seed's batch job as a program: it reads its input (a configuration
//! and rows, `data/nightly.txt`), and crashes on the row whose key the
//! configuration lost, deep in a call stack.
//!
//! `autopsy::install!()` arms the post-mortem: run from a terminal, the
//! prompt opens in `load()`; run from cron or CI (no terminal), the panic
//! goes on as without autopsy.
//!
//! ```text
//! cargo run -p batch-job -- examples/batch/data/nightly.txt
//! ```

use std::collections::HashMap;

autopsy::install!();

/// A job's configuration, as read from a file that lost a key.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    name: String,
    settings: HashMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: u32,
    key: String,
    amount: f64,
}

fn load(config: &HashMap<String, u64>, key: &str) -> u64 {
    config[key]
}

fn transform(row: &Row, config: &Config) -> f64 {
    let limit = load(&config.settings, &row.key);
    row.amount * limit as f64
}

fn run_batch(rows: &[Row], config: &Config) -> Vec<f64> {
    rows.iter().map(|row| transform(row, config)).collect()
}

/// Reads `[config]` (`key = value` lines) and `[rows]` (`id, key, amount`
/// lines); `#` starts a comment.
fn read_input(name: &str, text: &str) -> Result<(Config, Vec<Row>), String> {
    let mut config = Config {
        name: name.to_string(),
        settings: HashMap::new(),
    };
    let mut rows = Vec::new();
    let mut section = "";
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let bad = || format!("line {}: cannot read {line:?}", n + 1);
        match section {
            "[config]" => {
                let (key, value) = line.split_once('=').ok_or_else(bad)?;
                let value = value.trim().parse().map_err(|_| bad())?;
                config.settings.insert(key.trim().to_string(), value);
            }
            "[rows]" => {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                let [id, key, amount] = fields[..] else {
                    return Err(bad());
                };
                rows.push(Row {
                    id: id.parse().map_err(|_| bad())?,
                    key: key.to_string(),
                    amount: amount.parse().map_err(|_| bad())?,
                });
            }
            _ => return Err(bad()),
        }
    }
    Ok((config, rows))
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/batch/data/nightly.txt".to_string());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("batch-job: cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let (config, rows) = match read_input("nightly", &text) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("batch-job: {path}: {e}");
            std::process::exit(2);
        }
    };
    println!("batch-job: config {config:?}");
    println!("batch-job: {} rows", rows.len());
    let totals = run_batch(&rows, &config);
    println!("batch-job: totals {totals:?}");
}
