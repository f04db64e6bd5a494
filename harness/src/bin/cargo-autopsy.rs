//! `cargo autopsy`: reopens post-mortem dumps (`open`, `list`).
//! Install: `cargo install --path harness --bin cargo-autopsy`.

fn main() {
    std::process::exit(autopsy::__private::cargo_autopsy(std::env::args_os()));
}
