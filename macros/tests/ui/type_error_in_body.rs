// Errors in an instrumented body point at the user's code.
#[autopsy::test]
fn body() {
    let x: u32 = "not a number";
    if x > 0 {
        let y: bool = x;
        let _ = y;
    }
}

fn main() {}
