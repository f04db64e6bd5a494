#![deny(warnings)]

#[autopsy::test(reruns = 3)]
fn reruns() {}

#[autopsy::test(reruns = 3, reruns_delay = 0.5)]
fn reruns_and_float_delay() {}

#[autopsy::test(reruns = 2, reruns_delay = 1)]
fn integer_delay() {}

#[autopsy::test(reruns_delay = 0.25, reruns = 0)]
fn any_order_trailing_comma() {}

#[autopsy::test(reruns = 5u32, reruns_delay = 2.0f64)]
fn suffixed() {}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
