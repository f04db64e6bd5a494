// In a `harness = false` target rustc deletes a function marked `#[test]`
// before `#[autopsy::test]` sees it: `autopsy::main!()` refuses to build.

#[test]
#[autopsy::test]
fn lost() {}

autopsy::main!();
