#[autopsy::test]
#[autopsy::trace]
fn instrumented_twice() {}

fn main() {}
