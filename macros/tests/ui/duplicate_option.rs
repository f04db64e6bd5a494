#[autopsy::test(reruns = 2, reruns = 3)]
fn flaky() {}

fn main() {}
