#[autopsy::test]
#[tokio::test]
fn not_async() {}

autopsy::main!();
