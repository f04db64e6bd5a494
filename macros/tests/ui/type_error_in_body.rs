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

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
