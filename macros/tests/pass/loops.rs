#![deny(warnings)]
#![forbid(unsafe_code)]
//! Loop forms in instrumented bodies (`?` rewritten, trace stops listed):
//! they must stay valid, warning-free and mean what they meant.

use std::sync::atomic::{AtomicUsize, Ordering};

#[autopsy::test]
fn labels_break_values_continue() -> Result<(), std::num::ParseIntError> {
    let mut total = 0;
    'outer: for i in 0..4 {
        let n: u32 = "1".parse()?;
        let mut j = 0;
        while j < i {
            j += n;
            if j == 2 {
                continue 'outer;
            }
        }
        'inner: loop {
            if total > 100 {
                break 'outer;
            }
            break 'inner;
        }
        total += j;
    }
    let found = loop {
        if total > 0 {
            break total * 2;
        }
        total += 1;
    };
    let labeled = 'search: loop {
        for k in 0..10 {
            if k == 3 {
                break 'search k;
            }
        }
        break 0;
    };
    let mut stack = vec![1u32, 2, 3];
    while let Some(top) = stack.pop() {
        let Some(next) = top.checked_sub(1) else {
            continue;
        };
        let _ = next;
    }
    assert_eq!((found, labeled), (2, 3));
    Ok(())
}

#[autopsy::test]
fn question_marks_in_loops() -> Result<(), String> {
    let mut sum = 0;
    for s in ["1", "2"] {
        let n: u32 = s.parse().map_err(|_| "bad".to_string())?;
        sum += n;
    }
    assert_eq!(sum, 3);
    Ok(())
}

#[autopsy::test]
fn items_and_macros_in_loop_bodies() {
    let mut out = Vec::new();
    for i in 0..3u32 {
        use std::fmt::Write as _;
        const STEP: u32 = 10;
        type Num = u32;
        macro_rules! twice {
            ($e:expr) => {
                $e * 2
            };
        }
        let v: Num = twice!(i) + STEP;
        let mut s = String::new();
        write!(s, "{v}").unwrap();
        out.push(s);
    }
    assert_eq!(out, ["10", "12", "14"]);
}

async fn tick(i: u32) -> u32 {
    i
}

/// `.await` in a loop body of an instrumented `async fn`.
#[autopsy::trace]
async fn awaits_in_loops(n: u32) -> u32 {
    let mut sum = 0;
    for i in 0..n {
        sum += tick(i).await;
    }
    sum
}

#[autopsy::test]
fn loops_in_async_fns() {
    use std::future::Future;
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut future = std::pin::pin!(awaits_in_loops(3));
    assert_eq!(future.as_mut().poll(&mut cx), std::task::Poll::Ready(3));
}

static FIRSTS: AtomicUsize = AtomicUsize::new(0);

/// Closures and statics in loop bodies: one type, one static.
#[autopsy::test]
fn bodies_kept_whole() {
    let mut callbacks = Vec::new();
    for i in 0..3 {
        // One closure type: pushed into a Vec declared before the loop.
        callbacks.push(move || i + 1);
    }
    for _ in 0..3 {
        // One static (`main` checks).
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        if CALLS.fetch_add(1, Ordering::Relaxed) == 0 {
            FIRSTS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut shapes = Vec::new();
    for n in 0..2 {
        #[derive(Debug, PartialEq)]
        struct Shape(u8);
        fn make(n: u8) -> Shape {
            Shape(n)
        }
        shapes.push(make(n));
    }
    for _ in 0..2 {
        thread_local! {
            static LOCAL: u8 = const { 1 };
        }
        LOCAL.with(|l| assert_eq!(*l, 1));
    }
    let handle = loop {
        break async { 1 };
    };
    drop(handle);
    assert_eq!(callbacks.iter().map(|f| f()).sum::<i32>(), 6);
    assert_eq!(shapes.len(), 2);
}

#[autopsy::test]
fn nested_loops_and_arms() {
    let mut grid = 0;
    for row in 0..3 {
        for col in 0..3 {
            match (row, col) {
                (0, _) => {
                    for _ in 0..2 {
                        grid += 1;
                    }
                }
                _ => loop {
                    grid += col;
                    break;
                },
            }
        }
    }
    let mut n = 0;
    while {
        let next = n + 1;
        next < 4
    } {
        n += 1;
    }
    assert_eq!((grid, n), (12, 3));
}

#[autopsy::test]
fn diverging_loop_bodies() {
    let mut i = 0;
    loop {
        i += 1;
        if i < 3 {
            continue;
        }
        break;
    }
    for _ in 0..1 {
        return;
    }
    unreachable!()
}

/// Runs every body.
fn main() {
    labels_break_values_continue().unwrap();
    question_marks_in_loops().unwrap();
    items_and_macros_in_loop_bodies();
    bodies_kept_whole();
    nested_loops_and_arms();
    diverging_loop_bodies();
    loops_in_async_fns();
    assert_eq!(FIRSTS.load(Ordering::Relaxed), 1);
}

// What `autopsy::main!()` defines beside `main`: this file is compiled as a
// `harness = false` target with a `main` of its own.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
