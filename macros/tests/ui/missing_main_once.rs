// Without `autopsy::main!();`, the build fails once, at the first test, not
// once per test: the check is about the target.

#[autopsy::test]
fn first() {}

#[autopsy::test]
fn second() {}

#[autopsy::test]
fn third() {}

fn main() {}
