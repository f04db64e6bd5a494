// `?` is rewritten, but the error still points at the user's `?`.
#[autopsy::test]
fn unit_test() {
    let n: i32 = "1".parse()?;
    let _ = n;
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
