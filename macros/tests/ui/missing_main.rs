// A `harness = false` target with tests and no `autopsy::main!();`.

#[autopsy::test]
fn never_run() {}

fn main() {}
