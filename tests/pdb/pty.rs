//! At a real terminal (a pseudo-terminal): the line editor, Ctrl-C, Ctrl-D, `q`.

use super::*;

/// PTY text without the line editor's escape sequences and with `\n` line
/// ends.
fn plain(text: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    re.replace_all(text, "")
        .replace("\r\n", "\n")
        .replace('\r', "")
}

fn pty_command(f: &Fixture, args: &[&str]) -> Command {
    f.build();
    let mut cmd = f.command(args);
    cmd.env("NO_COLOR", "1").env("TERM", "xterm");
    cmd
}

#[test]
fn pty_prompt_print_completion_ctrl_c_ctrl_d() {
    let f = pdb();
    let cmd = pty_command(
        &f,
        &["--pdb", "values::exprs", "values::scalars", "--exact"],
    );
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string(">>> autopsy post-mortem: values::exprs")
        .expect("the prompt opens");
    p.exp_string("-> assert!(seen > limit, \"only {seen} tags\");")
        .expect("the opening line");
    p.exp_string("(autopsy) ").expect("the prompt");
    p.send_line("p limit").unwrap();
    let got = plain(&p.exp_string("(autopsy) ").expect("p limit"));
    assert!(got.ends_with("p limit\n3\n"), "{got:?}");
    // Tab completion of a local name: `p cf<TAB>` becomes `p cfg`.
    p.send("p cf").unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line(".name").unwrap();
    // `p cf.name` would be an error: the answer proves the completion.
    let got = plain(&p.exp_string("\"batch\"\r\n").expect("p cf<TAB>.name"));
    assert!(got.contains("p cfg"), "{got:?}");
    assert!(!got.contains("no local named"), "{got:?}");
    p.exp_string("(autopsy) ").unwrap();
    // Ctrl-C drops the line; the prompt stays.
    p.send("p no_such_local").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    p.send_control('c').unwrap();
    p.exp_string("(autopsy) ")
        .expect("a fresh prompt after Ctrl-C");
    p.send_line("p seen").unwrap();
    let got = plain(&p.exp_string("\r\n2\r\n").unwrap());
    assert!(
        !got.contains("no local named"),
        "the cancelled line ran: {got:?}"
    );
    p.exp_string("(autopsy) ").unwrap();
    // Ctrl-D continues: the test fails and the run goes on to the next,
    // which opens its own prompt.
    p.send_control('d').unwrap();
    p.exp_string("test values::exprs ... FAILED")
        .expect("continued");
    p.exp_string(">>> autopsy post-mortem: values::scalars")
        .expect("a prompt for the next failure");
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p f_sum").unwrap();
    p.exp_string("0.30000000000000004").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("c").unwrap();
    p.exp_string("test values::scalars ... FAILED").unwrap();
    p.exp_string("test result: FAILED. 0 passed; 2 failed")
        .expect("the summary");
    p.exp_eof().expect("the run ends");
}

#[test]
fn pty_quit() {
    let f = pdb();
    let cmd = pty_command(&f, &["--pdb", "flow::"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string("-> field.trim().parse().unwrap()")
        .expect("opens in parse_amount");
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("p field").unwrap();
    p.exp_string("\" n/a\"").unwrap();
    p.exp_string("(autopsy) ").unwrap();
    p.send_line("q").unwrap();
    let rest = p.exp_eof().expect("the run ends");
    assert!(rest.contains("quit at the prompt"), "{rest}");
    assert!(!rest.contains(">>> autopsy"), "no further prompt: {rest}");
}
