#[autopsy::test]
#[ignore]
#[ignore = "slow"]
fn slow() {}

fn main() {}
