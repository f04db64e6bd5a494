#[autopsy::test(reruns = 1.5)]
fn flaky() {}

fn main() {}
