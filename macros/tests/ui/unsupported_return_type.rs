#[autopsy::test]
fn returns_a_number() -> i32 {
    42
}

fn main() {}
