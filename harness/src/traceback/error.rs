//! An error and its `source()` chain, as Python prints chained exceptions.

use std::error::Error;

/// Most errors of one chain printed (a `source()` that loops ends here).
const MAX_CHAIN: usize = 64;

/// Between two errors of a chain, as Python words it for `raise .. from`.
const CAUSE: &str = "\nThe above error was the direct cause of the following error:\n\n";

/// `err` and the errors of its `source()` chain, oldest cause first and
/// `err` last, as Python prints chained exceptions; each as
/// `Error: {Display}`, every line ending in a newline:
///
/// ```text
/// Error: invalid digit found in string
///
/// The above error was the direct cause of the following error:
///
/// Error: bad amount "12x" in row 3
///
/// The above error was the direct cause of the following error:
///
/// Error: cannot load batch.csv
/// ```
///
/// Rust errors carry no traceback of their own, so unlike Python's this
/// has no `Traceback` sections; print a [`crate::Traceback`] beside it for
/// where the error was caught. For a `Box<dyn Error>` or an
/// `anyhow::Error`, pass `&*err`. A chain longer than 64 errors is cut,
/// oldest causes first.
pub fn format_error<E: Error + ?Sized>(err: &E) -> String {
    let mut messages = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        if messages.len() == MAX_CHAIN {
            break;
        }
        messages.push(e.to_string());
        next = e.source();
    }
    messages
        .iter()
        .rev()
        .map(|m| format!("Error: {m}\n"))
        .collect::<Vec<_>>()
        .join(CAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chained(&'static str, Option<Box<Chained>>);

    impl std::fmt::Display for Chained {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Chained {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn oldest_cause_first() {
        let e = Chained(
            "outer",
            Some(Box::new(Chained(
                "middle",
                Some(Box::new(Chained("inner", None))),
            ))),
        );
        assert_eq!(
            format_error(&e),
            "Error: inner\n\nThe above error was the direct cause of the following error:\n\nError: middle\n\nThe above error was the direct cause of the following error:\n\nError: outer\n"
        );
        assert_eq!(format_error(&Chained("alone", None)), "Error: alone\n");
    }

    #[test]
    fn a_looping_chain_is_cut() {
        #[derive(Debug)]
        struct Loop;
        impl std::fmt::Display for Loop {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("again")
            }
        }
        impl Error for Loop {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&Loop)
            }
        }
        assert_eq!(
            format_error(&Loop).matches("Error: again").count(),
            MAX_CHAIN
        );
    }
}
