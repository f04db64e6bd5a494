#[autopsy::test]
fn takes_arguments(x: u32, y: &str) {
    let _ = (x, y);
}

fn main() {}
