#![deny(warnings)]

#[autopsy::test]
#[ignore]
fn ignored_below() {}

#[ignore]
#[autopsy::test]
fn ignored_above() {}

#[autopsy::test]
#[ignore = "needs the network"]
fn ignored_with_reason() {}

#[ignore = "slow"]
#[autopsy::test(reruns = 1)]
fn ignored_with_reason_above() {}

#[autopsy::test]
#[cfg_attr(all(), ignore = "through cfg_attr")]
fn ignored_through_cfg_attr() {}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
