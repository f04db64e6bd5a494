//! The batch job's prompt through a pseudo-terminal, as tests/programs.rs
//! (live) and tests/dumps.rs (`cargo autopsy open`) both drive it.

use rexpect::session::PtySession;

/// At the prompt in `load()`: `p config` prints `settings` (the job's own
/// `{:?}`), `up` reaches `transform()`, `p row` prints the failing row, and
/// `q` quits; what was printed up to the end.
pub(crate) fn p_config_up_p_row_quit(p: &mut PtySession, settings: &str) -> String {
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p config").unwrap();
    let got = p.exp_string("(autopsy) ").expect("p config");
    assert!(got.contains(&format!("\n{settings}\r\n")), "{got:?}");
    p.send_line("up").unwrap();
    p.exp_string("transform()").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p row").unwrap();
    p.exp_string("Row { id: 2, key: \"timeout\", amount: 0.25 }")
        .unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("q").unwrap();
    p.exp_eof().expect("the prompt's process ends")
}
