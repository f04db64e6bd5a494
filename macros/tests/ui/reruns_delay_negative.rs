#[autopsy::test(reruns = 2, reruns_delay = -0.5)]
fn flaky() {}

fn main() {}
