//! A program holding a 100 MB `Vec` in a local when it panics: its dump
//! must respect the cap (`AUTOPSY_DUMP_CAP`, 64 MiB by default).

autopsy::install!();

fn check(big: &[u8]) -> u8 {
    let last = big[big.len() - 1];
    assert_eq!(last, 0, "the last byte of {} is {last}", big.len());
    last
}

fn main() {
    let big = vec![7u8; 100_000_000];
    println!("{}", check(&big));
}
