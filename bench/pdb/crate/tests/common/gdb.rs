//! A panic hook that attaches rust-gdb to this very process, as a person
//! would with `rust-gdb -p PID`, and prints the failing frame's locals.
//! Prints `gdb-latency-ms: N` (hook entry to gdb having printed the locals
//! and exited) into `$BENCH_GDB_OUT` after gdb's own output.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

pub fn install_hook(frame_fn: &'static str) {
    std::panic::set_hook(Box::new(move |_info| {
        let t0 = Instant::now();
        let pid = std::process::id();
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        // Hosts with Yama ptrace_scope = 1 need this for gdb to attach.
        unsafe { libc::prctl(libc::PR_SET_PTRACER, libc::PR_SET_PTRACER_ANY, 0, 0, 0) };
        let out_path = std::env::var("BENCH_GDB_OUT").unwrap_or_else(|_| "/dev/stderr".into());
        let gdb = std::env::var("BENCH_GDB").unwrap_or_else(|_| "rust-gdb".into());
        let out = std::fs::File::create(&out_path).expect("BENCH_GDB_OUT");
        let status = Command::new(gdb)
            .arg("-batch")
            .arg("-p")
            .arg(pid.to_string())
            // gdb selects the main thread: select the panicking one by its LWP.
            .arg("-ex")
            .arg(format!(
                "python [t.switch() for t in gdb.selected_inferior().threads() if t.ptid[1] == {tid}]"
            ))
            .args(["-ex", "bt"])
            .args(["-ex", &format!("frame function {frame_fn}")])
            .args(["-ex", "info args"])
            .args(["-ex", "info locals"])
            .args(["-ex", "p *config"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .status();
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let mut f = std::fs::OpenOptions::new().append(true).open(&out_path).unwrap();
        let _ = writeln!(f, "gdb-status: {status:?}");
        let _ = writeln!(f, "gdb-latency-ms: {ms:.1}");
    }));
}
