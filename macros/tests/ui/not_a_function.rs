#[autopsy::test]
struct NotATest {
    field: u32,
}

fn main() {}
