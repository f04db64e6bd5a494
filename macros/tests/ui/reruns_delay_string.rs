#[autopsy::test(reruns = 2, reruns_delay = "1s")]
fn flaky() {}

fn main() {}
