#[autopsy::test(reruns)]
fn flaky() {}

fn main() {}
