//! Flaky tests (issue 5): reruns, `--lf`/`--ff`, JUnit.

use autopsy_e2e::Fixture;

fn fixture() -> Fixture {
    Fixture::new("flaky", "")
}

#[test]
fn smoke() {
    let run = fixture().run(&["flaky::", "--reruns", "3", "--test-threads", "1"]);
    println!("{}\n{}", run.stdout, run.stderr);
}
