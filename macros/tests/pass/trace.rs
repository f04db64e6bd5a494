#![deny(warnings)]

use std::fmt::Debug;

#[autopsy::trace]
fn helper(x: u32) -> Option<u32> {
    let y = x.checked_add(1)?;
    if y > 10 {
        return None;
    }
    Some(y)
}

#[autopsy::trace]
fn generic<T: Debug + Clone>(value: &T) -> T
where
    T: PartialEq,
{
    let copy = value.clone();
    assert_eq!(&copy, value);
    copy
}

#[autopsy::trace]
async fn asynchronous(x: u32) -> u32 {
    let y = x + 1;
    y * 2
}

#[autopsy::trace]
unsafe fn raw(p: *const u8) -> u8 {
    unsafe { *p }
}

struct Counter(u32);

impl Counter {
    #[autopsy::trace]
    fn bump(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }

    #[autopsy::trace]
    pub(crate) fn new() -> Self {
        Counter(0)
    }
}

trait Describe {
    #[autopsy::trace]
    fn describe(&self) -> String {
        let name = "thing";
        name.to_owned()
    }
}

impl Describe for Counter {}

#[autopsy::test]
fn uses_helpers() {
    let mut counter = Counter::new();
    counter.bump();
    assert_eq!(helper(1), Some(2));
    assert_eq!(generic(&5), 5);
    drop(asynchronous(1));
    assert_eq!(unsafe { raw(&7) }, 7);
    assert_eq!(counter.describe(), "thing");
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
