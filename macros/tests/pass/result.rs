#![deny(warnings)]

use std::fmt;

#[autopsy::test]
fn parse_infers_through_question() -> Result<(), std::num::ParseIntError> {
    let s = "42";
    let n: i32 = s.parse()?;
    assert_eq!(n, 42);
    Ok(())
}

#[derive(Debug)]
struct MyError;

impl From<fmt::Error> for MyError {
    fn from(_: fmt::Error) -> Self {
        MyError
    }
}

fn fallible() -> Result<u8, fmt::Error> {
    Ok(1)
}

#[autopsy::test]
fn question_converts_the_error() -> Result<(), MyError> {
    let a = fallible()?;
    let b = Ok::<_, fmt::Error>(a)?.checked_add(1).ok_or(MyError)?;
    assert_eq!(b, 2);
    Ok(())
}

#[autopsy::test]
fn boxed_error() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = "7".parse()?;
    let m = if n > 3 { "8".parse::<u64>()? } else { 0 };
    let v: Vec<u64> = ["1", "2"]
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    assert_eq!(m + v.len() as u64, 10);
    Ok(())
}

#[autopsy::test]
fn question_in_tail() -> Result<(), String> {
    Err::<(), String>(String::new()).or(Ok::<(), String>(()))?;
    Ok(Ok::<(), String>(())?)
}

fn main() {}

// What `autopsy::main!()` defines beside `main`: these files are compiled
// as `harness = false` targets, not run.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}
