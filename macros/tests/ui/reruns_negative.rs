#[autopsy::test(reruns = -1)]
fn flaky() {}

fn main() {}
