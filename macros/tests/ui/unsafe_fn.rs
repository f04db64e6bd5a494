#[autopsy::test]
unsafe fn dangerous() {}

fn main() {}
