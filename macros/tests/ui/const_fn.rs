#[autopsy::test]
const fn constant() {}

fn main() {}
