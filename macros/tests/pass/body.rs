#![deny(warnings)]
//! Statement forms the instrumentation must leave valid.

const N: usize = 2;

#[autopsy::test]
fn blocks_and_branches() -> Result<(), std::num::ParseIntError> {
    let x: i32 = "1".parse()?;
    let y = {
        let z = x + 1;
        z * 2
    };
    if y > 3 {
        let _ = y;
    } else if y > 1 {
        let _ = x;
    } else {
    }
    let mut i = 0;
    while i < 3 {
        i += 1;
    }
    loop {
        if i > 5 {
            break;
        }
        i += 1;
    }
    for j in 0..2 {
        i += j;
    }
    let labeled = 'block: {
        if i > 0 {
            break 'block 1;
        }
        2
    };
    let Some(w) = Some(labeled) else {
        panic!("no value");
    };
    let Ok(v) = "3".parse::<i32>() else {
        return Ok(());
    };
    let arm = match w + v {
        0 => "zero",
        1 if x > 0 => return Ok(()),
        4 => {
            let s = "four";
            s
        }
        _ => unreachable!(),
    };
    let unlabeled_arm_block = match arm {
        "four" => 'arm: {
            break 'arm 4;
        }
        _ => unsafe { std::hint::unreachable_unchecked() },
    };
    assert_eq!(unlabeled_arm_block, 4);
    Ok(())
}

#[autopsy::test]
fn const_contexts_are_left_alone() {
    let array = [0u8; {
        let n = N;
        n + 1
    }];
    let typed: [u8; {
        let n = N;
        n * 2
    }] = [0; 4];
    let inline = const {
        let n = N;
        n + 1
    };
    let turbofish = std::mem::size_of::<
        [u8; {
            let n = N;
            n
        }],
    >();
    assert_eq!(array.len() + typed.len() + inline + turbofish, 12);
}

#[autopsy::test]
fn opaque_code_is_left_alone() {
    fn nested() -> Option<u8> {
        let x = Some(1)?;
        Some(x)
    }
    struct Local;
    impl Local {
        fn get(&self) -> Option<u8> {
            Some(Some(2)?)
        }
    }
    let closure = |s: &str| -> Option<char> { s.chars().next() };
    let future = async {
        Some(1)?;
        Some(2)
    };
    drop(future);
    macro_rules! local {
        ($e:expr) => {
            $e
        };
    }
    let total =
        nested().unwrap() + Local.get().unwrap() + closure("x").map(|_| 0).unwrap() + local!(1);
    assert_eq!(total, 4);
}

#[autopsy::test]
fn tails_that_start_like_operators() {
    fn neg() -> i32 {
        -1
    }
    let a = {
        let b = 2;
        -b
    };
    let c = {
        let d = (1, 2);
        (d.0, d.1)
    };
    let e = {
        let f = 1;
        [f, f]
    };
    let g = {
        let h = true;
        !h
    };
    let r = &1;
    let i = {
        let _ = r;
        *r
    };
    let k = {
        let _ = 0;
        &&i
    };
    assert_eq!((a, c, e, g, **k, neg()), (-2, (1, 2), [1, 1], false, 1, -1));
}

#[autopsy::test]
fn cfg_statements() {
    let mut x = 0;
    #[cfg(any())]
    undefined_function();
    #[cfg(any())]
    if undefined_function() {}
    #[cfg(all())]
    {
        x += 1;
    }
    #[allow(unused_variables)]
    let y = 1;
    assert_eq!(x, 1);
}

#[autopsy::test]
fn diverging_bodies() {
    if true {
        return;
    }
    unreachable!()
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
