#[autopsy::test]
#[should_panic]
fn panics() -> Result<(), String> {
    panic!("boom")
}

fn main() {}
