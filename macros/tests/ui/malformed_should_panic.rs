#[autopsy::test]
#[should_panic(message = "boom")]
fn panics() {
    panic!("boom");
}

fn main() {}
