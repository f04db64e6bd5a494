//! Runs the expansion: tests registered by `#[autopsy::test]` are read back
//! from their link section and checked field by field.
//!
//! A `harness = false` target (Cargo.toml), as `#[autopsy::test]`'s
//! registration with autopsy's runner is what is checked: under libtest
//! (`rustc --test`) the attribute registers with libtest instead. Its own
//! `main` runs the checks rather than the registered tests.

use autopsy::__private::{ShouldPanic, Test};

mod suite {
    #[autopsy::test]
    fn plain() {
        let mut total = 0;
        for i in 0..3 {
            if i % 2 == 0 {
                total += i;
            } else {
                total -= 1;
            }
        }
        let label = match total {
            0 => "zero",
            1 => {
                let one = "one";
                one.trim()
            }
            _ => "many",
        };
        assert_eq!(label, "one");
    }

    #[autopsy::test]
    fn returns_ok() -> Result<(), std::num::ParseIntError> {
        let n: i32 = "42".parse()?;
        assert_eq!(n, 42);
        Ok(())
    }

    #[autopsy::test]
    fn returns_err() -> Result<(), String> {
        let n: i32 = "forty-two".parse().map_err(|e| format!("{e}"))?;
        assert_eq!(n, 42);
        Ok(())
    }

    #[autopsy::test(reruns = 3, reruns_delay = 0.5)]
    #[ignore = "flaky on purpose"]
    fn options() {}

    #[should_panic(expected = "boom")]
    #[autopsy::test(reruns = 2, reruns_delay = 1)]
    fn should_panic_above() {
        panic!("boom");
    }

    #[autopsy::test]
    #[should_panic]
    #[ignore]
    fn should_panic_below() {
        panic!("boom");
    }

    #[autopsy::test]
    fn r#match() {}

    #[autopsy::test]
    #[cfg_attr(all(), ignore = "through cfg_attr")]
    fn cfg_attr_ignore() {}

    #[autopsy::test]
    #[cfg(any())]
    fn compiled_out() {
        this_does_not_exist();
    }
}

fn find(name: &str) -> &'static Test {
    let mut found = autopsy::__private::tests()
        .iter()
        .filter(|test| test.name() == name);
    let test = found
        .next()
        .unwrap_or_else(|| panic!("{name} is not registered"));
    assert!(found.next().is_none(), "{name} is registered twice");
    test
}

fn registers_every_test_once() {
    let mut names: Vec<_> = autopsy::__private::tests()
        .iter()
        .map(|test| test.name())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "cfg_attr_ignore",
            "match",
            "options",
            "plain",
            "returns_err",
            "returns_ok",
            "should_panic_above",
            "should_panic_below",
        ]
    );
}

fn records_location() {
    let test = find("plain");
    assert_eq!(test.module_path(), "registration::suite");
    // Joined by the compiler: the runner names tests without allocating.
    assert_eq!(test.path, "registration::suite::plain");
    assert_eq!(test.file, file!());
    assert_eq!(test.line, 13);
    assert_eq!(find("options").line, 49);
    assert_eq!(find("should_panic_above").line, 53);
}

fn records_options() {
    let plain = find("plain");
    assert_eq!(plain.ignore, None);
    assert_eq!(plain.should_panic, ShouldPanic::No);
    assert_eq!(plain.reruns, None);
    assert_eq!(plain.reruns_delay, None);

    let options = find("options");
    assert_eq!(options.ignore, Some("flaky on purpose"));
    assert_eq!(options.reruns, Some(3));
    assert_eq!(options.reruns_delay, Some(0.5));

    let above = find("should_panic_above");
    assert_eq!(above.should_panic, ShouldPanic::Expected("boom"));
    assert_eq!(above.reruns, Some(2));
    assert_eq!(above.reruns_delay, Some(1.0));

    assert_eq!(find("cfg_attr_ignore").ignore, Some("through cfg_attr"));

    let below = find("should_panic_below");
    assert_eq!(below.should_panic, ShouldPanic::Yes);
    assert_eq!(below.ignore, Some(""));
}

fn runs_the_body() {
    assert_eq!(find("plain").run.call(), Ok(()));
    assert_eq!(find("returns_ok").run.call(), Ok(()));
    assert_eq!(
        find("returns_err").run.call(),
        Err("\"invalid digit found in string\"".to_owned()),
    );
    let panicked = std::panic::catch_unwind(|| find("should_panic_below").run.call());
    assert!(panicked.is_err());
}

/// What `autopsy::main!()` would define; this target has its own `main`.
#[doc(hidden)]
pub struct __AutopsyMain;
impl autopsy::__private::HasMain for __AutopsyMain {}

fn main() {
    let checks: [(&str, fn()); 4] = [
        ("registers_every_test_once", registers_every_test_once),
        ("records_location", records_location),
        ("records_options", records_options),
        ("runs_the_body", runs_the_body),
    ];
    println!("\nrunning {} tests", checks.len());
    for (name, check) in checks {
        check();
        println!("test {name} ... ok");
    }
    println!("\n{} passed, 0 failed\n", checks.len());
}
