#![deny(warnings)]
//! Loops in `unsafe` code stay in an `unsafe` context, with no
//! `unused_unsafe` warning.

#[autopsy::trace]
unsafe fn sum_raw(p: *const u8, n: usize) -> u32 {
    let mut total = 0u32;
    for i in 0..n {
        total += unsafe { *p.add(i) } as u32;
    }
    total
}

#[allow(unsafe_op_in_unsafe_fn)]
#[autopsy::trace]
unsafe fn sum_raw_2021(p: *const u8, n: usize) -> u32 {
    let mut total = 0u32;
    let mut i = 0;
    while i < n {
        total += *p.add(i) as u32;
        i += 1;
    }
    total
}

#[autopsy::test]
fn loops_inside_unsafe_blocks() {
    let data = [1u8, 2, 3];
    let p = data.as_ptr();
    let mut total = 0u32;
    unsafe {
        for i in 0..data.len() {
            total += *p.add(i) as u32;
        }
    }
    for i in 0..data.len() {
        // A user's own `unsafe` inside a loop stays needed (no
        // `unused_unsafe`).
        total += unsafe { *p.add(i) } as u32;
    }
    assert_eq!(total, 12);
    assert_eq!(unsafe { sum_raw(p, 3) + sum_raw_2021(p, 3) }, 12);
}

fn main() {
    loops_inside_unsafe_blocks();
}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
