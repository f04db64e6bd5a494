// `?` is rewritten, but the error still points at the user's `?`.
#[autopsy::test]
fn unit_test() {
    let n: i32 = "1".parse()?;
    let _ = n;
}

fn main() {}
