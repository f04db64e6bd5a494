#[autopsy::test]
#[ignore(reason = "slow")]
fn slow() {}

fn main() {}
