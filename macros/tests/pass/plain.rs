#![deny(warnings)]

#[autopsy::test]
fn plain() {
    let x = 1;
    assert_eq!(x, 1);
}

#[autopsy::test]
fn empty() {}

#[autopsy::test]
pub fn public() {}

#[autopsy::test]
fn r#loop() {}

#[autopsy::test]
fn returns_unit() -> () {}

mod nested {
    #[autopsy::test]
    fn in_a_module() {}
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
