#![deny(warnings)]

#[autopsy::test]
#[should_panic]
fn below() {
    panic!("boom");
}

#[should_panic]
#[autopsy::test]
fn above() {
    panic!("boom");
}

#[autopsy::test]
#[should_panic(expected = "boom")]
fn expected() {
    panic!("boom");
}

#[autopsy::test]
#[should_panic = "boom"]
fn expected_short_form() {
    panic!("boom");
}

#[should_panic(expected = "boom")]
#[autopsy::test(reruns = 2)]
#[ignore]
fn with_everything() -> () {
    panic!("boom");
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
