//! Compile tests of the attributes: every supported form expands to code that
//! builds without warnings, and every misuse is an error on its own span.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
