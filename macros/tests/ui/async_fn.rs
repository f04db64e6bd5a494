#[autopsy::test]
async fn asynchronous() {}

fn main() {}
