//! Running code of the test binary without letting it hurt the process:
//! in a child forked for the call, with a deadline, its text read back
//! through a pipe and capped in size.
//!
//! The debugger runs inside the user's process, often in the middle of a
//! panic: calling a `Debug` impl (or any function of the binary) there could
//! panic again, abort, loop forever, or block on a lock another thread holds.
//! [`run`] forks from the calling thread (the child has that one thread,
//! with a copy-on-write view of all memory, so every pointer the debugger
//! found is valid there), runs the closure, and streams what it writes into
//! a pipe. The parent waits at most the deadline, then kills the child. The
//! call's text is only accepted when the child ran it to the end and said so
//! (a trailer after the text, then exit status 0): a crash, an abort, a
//! panic, an early `exit`, a timeout or too much text is an error, and the
//! caller falls back to reading memory.
//!
//! In the child, stdin, stdout and stderr point at `/dev/null` (a panic
//! message or a `println!` in the callee must not reach the user's
//! terminal), and an `alarm` ends the child should the parent be gone.
//! glibc's `malloc` is fork-safe; other locks held by other threads at the
//! fork stay held in the child forever: that is what the deadline is for.

use std::fmt;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `AUTOPSY_CALL_TIMEOUT_MS`: the deadline of one isolated call.
pub const TIMEOUT_ENV: &str = "AUTOPSY_CALL_TIMEOUT_MS";
/// `AUTOPSY_CALLS=0`: never call code of the binary (always read memory).
pub const ENABLE_ENV: &str = "AUTOPSY_CALLS";
/// Deadline of one call unless [`TIMEOUT_ENV`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Most text one call may produce (more: the call counts as failed).
pub const MAX_OUTPUT: usize = 16 << 20;

/// What the child writes after the text when the call returned `Ok`:
/// a magic word and the text's length, little-endian.
const TRAILER_MAGIC: u64 = 0x6175_746f_7073_7921; // "autopsy!"
const TRAILER_LEN: usize = 16;

/// Exit statuses of the child (any other status, or a signal, is a crash).
const EXIT_OK: i32 = 0;
const EXIT_FMT_ERROR: i32 = 3;
const EXIT_PANICKED: i32 = 4;
const EXIT_TOO_LONG: i32 = 5;

/// Why an isolated call gave no text.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum IsolateError {
    #[error("calls into the binary are disabled ({ENABLE_ENV}=0)")]
    Disabled,
    #[error("cannot start the call: {0}")]
    Start(String),
    #[error("the call did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("the call wrote more than {0} bytes")]
    TooLong(usize),
    #[error("the call panicked")]
    Panicked,
    #[error("the call returned an error")]
    Failed,
    #[error("the call was killed by signal {0}")]
    Signaled(i32),
    #[error("the call exited with status {0}")]
    Exited(i32),
}

/// Limits of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub deadline: Duration,
    pub max_output: usize,
}

impl Limits {
    /// The deadline from [`TIMEOUT_ENV`] (milliseconds; default
    /// [`DEFAULT_TIMEOUT`]) and [`MAX_OUTPUT`].
    pub fn from_env() -> Limits {
        static DEADLINE: OnceLock<Duration> = OnceLock::new();
        let deadline = *DEADLINE.get_or_init(|| {
            std::env::var(TIMEOUT_ENV)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_TIMEOUT)
        });
        Limits {
            deadline,
            max_output: MAX_OUTPUT,
        }
    }
}

static IN_CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process is a child forked by [`run`] (the panic hook must
/// not open a prompt there).
pub fn in_child() -> bool {
    IN_CHILD.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether calls are allowed ([`ENABLE_ENV`] is not `0`/`off`/`false`).
pub fn enabled() -> bool {
    // Offline (a dump's memory), the binary's code is not this process's.
    if crate::debuginfo::mem::offline() {
        return false;
    }
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        !matches!(
            std::env::var(ENABLE_ENV).ok().as_deref().map(str::trim),
            Some("0" | "off" | "false" | "no")
        )
    })
}

/// The write end of the pipe, in the child: counts what it writes and
/// refuses more than the cap.
struct PipeWriter {
    fd: i32,
    written: usize,
    cap: usize,
}

impl PipeWriter {
    fn write_all(&mut self, mut b: &[u8]) -> bool {
        while !b.is_empty() {
            // SAFETY: writes from a valid slice to our own pipe.
            let n = unsafe { libc::write(self.fd, b.as_ptr().cast(), b.len()) };
            if n < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return false;
            }
            b = &b[n as usize..];
        }
        true
    }
}

impl fmt::Write for PipeWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.written = self.written.saturating_add(s.len());
        if self.written > self.cap || !self.write_all(s.as_bytes()) {
            return Err(fmt::Error);
        }
        Ok(())
    }
}

/// Runs `f` in a child forked from the calling thread and returns what it
/// wrote, if it returned `Ok` within the limits.
///
/// `f` sees the process's memory as it was at the fork; nothing it does to
/// memory reaches the caller. It must not rely on other threads (they do
/// not exist in the child).
pub fn run<F>(limits: Limits, f: F) -> Result<String, IsolateError>
where
    F: FnOnce(&mut dyn fmt::Write) -> fmt::Result,
{
    if !enabled() {
        return Err(IsolateError::Disabled);
    }
    let start = Instant::now();
    let (read_end, write_end) = pipe()?;
    let null = open_dev_null()?;
    // SAFETY: fork is called from one thread; the child only runs `f` and
    // async-signal-safe calls besides, and leaves through `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(IsolateError::Start(format!(
            "fork: {}",
            std::io::Error::last_os_error()
        )));
    }
    if pid == 0 {
        child(limits, f, read_end, write_end, null);
    }
    drop(write_end);
    drop(null);
    parent(pid, read_end, limits, start)
}

fn pipe() -> Result<(OwnedFd, OwnedFd), IsolateError> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 fills the two descriptors we pass.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(IsolateError::Start(format!(
            "pipe: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: both descriptors were just created and are ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn open_dev_null() -> Result<OwnedFd, IsolateError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map(OwnedFd::from)
        .map_err(|e| IsolateError::Start(format!("/dev/null: {e}")))
}

/// The child's side: never returns.
fn child<F>(limits: Limits, f: F, read_end: OwnedFd, write_end: OwnedFd, null: OwnedFd) -> !
where
    F: FnOnce(&mut dyn fmt::Write) -> fmt::Result,
{
    IN_CHILD.store(true, std::sync::atomic::Ordering::Relaxed);
    // `--trace`'s breakpoints: the user's code the child runs must not stop
    // (its SIGTRAP would be blocked when the fork came from a trace stop).
    crate::postmortem::traps::disarm_all();
    // SAFETY: plain descriptor and signal calls on descriptors we own.
    unsafe {
        libc::close(read_end.as_raw_fd());
        for fd in 0..3 {
            libc::dup2(null.as_raw_fd(), fd);
        }
        // Should the parent die before killing us.
        libc::alarm(limits.deadline.as_secs() as u32 + 2);
    }
    let mut w = PipeWriter {
        fd: write_end.as_raw_fd(),
        written: 0,
        cap: limits.max_output,
    };
    let status = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut w))) {
        Ok(Ok(())) => {
            let mut trailer = [0u8; TRAILER_LEN];
            trailer[..8].copy_from_slice(&TRAILER_MAGIC.to_le_bytes());
            trailer[8..].copy_from_slice(&(w.written as u64).to_le_bytes());
            if w.write_all(&trailer) {
                EXIT_OK
            } else {
                EXIT_FMT_ERROR
            }
        }
        Ok(Err(_)) if w.written > w.cap => EXIT_TOO_LONG,
        Ok(Err(_)) => EXIT_FMT_ERROR,
        Err(_) => EXIT_PANICKED,
    };
    // SAFETY: leaves without running destructors or atexit handlers: the
    // parent's state must not be flushed or torn down twice.
    unsafe { libc::_exit(status) }
}

/// The parent's side: reads until end of file or the deadline, then reaps
/// the child.
fn parent(
    pid: libc::pid_t,
    read_end: OwnedFd,
    limits: Limits,
    start: Instant,
) -> Result<String, IsolateError> {
    let deadline = start + limits.deadline;
    let fd = read_end.as_raw_fd();
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let outcome = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Err(IsolateError::TimedOut(limits.deadline));
        }
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: polls one descriptor we own.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        if r < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break Err(IsolateError::Start(format!(
                "poll: {}",
                std::io::Error::last_os_error()
            )));
        }
        if r == 0 {
            continue;
        }
        // SAFETY: reads into our buffer from our descriptor.
        let n = unsafe { libc::read(fd, chunk.as_mut_ptr().cast(), chunk.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break Err(IsolateError::Start(format!(
                "read: {}",
                std::io::Error::last_os_error()
            )));
        }
        if n == 0 {
            break Ok(());
        }
        buf.extend_from_slice(&chunk[..n as usize]);
        if buf.len() > limits.max_output + TRAILER_LEN {
            break Err(IsolateError::TooLong(limits.max_output));
        }
    };
    drop(read_end);
    let status = match outcome {
        Ok(()) => reap(pid, deadline),
        Err(e) => {
            kill(pid);
            return Err(e);
        }
    };
    let status = match status {
        Some(s) => s,
        None => {
            kill(pid);
            return Err(IsolateError::TimedOut(limits.deadline));
        }
    };
    if libc::WIFSIGNALED(status) {
        return Err(IsolateError::Signaled(libc::WTERMSIG(status)));
    }
    match libc::WEXITSTATUS(status) {
        EXIT_OK => {}
        EXIT_PANICKED => return Err(IsolateError::Panicked),
        EXIT_TOO_LONG => return Err(IsolateError::TooLong(limits.max_output)),
        EXIT_FMT_ERROR => return Err(IsolateError::Failed),
        code => return Err(IsolateError::Exited(code)),
    }
    // The text must be followed by the trailer naming its length: an
    // `exit(0)` from inside the callee has none.
    let Some(text_len) = buf.len().checked_sub(TRAILER_LEN) else {
        return Err(IsolateError::Exited(0));
    };
    let (text, trailer) = buf.split_at(text_len);
    let magic = u64::from_le_bytes(trailer[..8].try_into().unwrap_or_default());
    let len = u64::from_le_bytes(trailer[8..].try_into().unwrap_or_default());
    if magic != TRAILER_MAGIC || len != text_len as u64 {
        return Err(IsolateError::Exited(0));
    }
    Ok(String::from_utf8_lossy(text).into_owned())
}

/// Waits for the child to end, until `deadline`; its wait status.
fn reap(pid: libc::pid_t, deadline: Instant) -> Option<i32> {
    let mut pause = Duration::from_micros(50);
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return Some(status);
        }
        if r < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return None;
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
}

/// Kills the child and reaps it.
fn kill(pid: libc::pid_t) {
    // SAFETY: signals and waits for our own child.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status = 0;
        while libc::waitpid(pid, &mut status, 0) < 0
            && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(ms: u64) -> Limits {
        Limits {
            deadline: Duration::from_millis(ms),
            max_output: 1 << 20,
        }
    }

    #[test]
    fn returns_what_the_child_wrote() {
        let secret = vec![1, 2, 3];
        let r = run(limits(5000), |w| write!(w, "{secret:?} {:#x}", 255));
        assert_eq!(r, Ok("[1, 2, 3] 0xff".to_string()));
    }

    #[test]
    fn memory_changes_stay_in_the_child() {
        let cell = std::cell::Cell::new(1);
        let r = run(limits(5000), |w| {
            cell.set(2);
            write!(w, "{}", cell.get())
        });
        assert_eq!(r, Ok("2".to_string()));
        assert_eq!(cell.get(), 1);
    }

    #[test]
    fn a_panic_is_an_error() {
        let r = run(limits(5000), |_| panic!("boom"));
        assert_eq!(r, Err(IsolateError::Panicked));
    }

    #[test]
    fn an_abort_is_an_error() {
        let r = run(limits(5000), |_| std::process::abort());
        assert_eq!(r, Err(IsolateError::Signaled(libc::SIGABRT)));
    }

    #[test]
    fn an_early_exit_is_an_error() {
        let r = run(limits(5000), |w| {
            let _ = w.write_str("partial");
            std::process::exit(0)
        });
        assert_eq!(r, Err(IsolateError::Exited(0)));
    }

    #[test]
    fn a_fmt_error_is_an_error() {
        let r = run(limits(5000), |w| {
            w.write_str("x")?;
            Err(fmt::Error)
        });
        assert_eq!(r, Err(IsolateError::Failed));
    }

    #[test]
    fn a_loop_runs_into_the_deadline() {
        let t = Instant::now();
        let r = run(limits(200), |_| loop {
            std::hint::spin_loop();
        });
        assert_eq!(r, Err(IsolateError::TimedOut(Duration::from_millis(200))));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn a_lock_held_by_another_thread_runs_into_the_deadline() {
        let m = std::sync::Arc::new(std::sync::Mutex::new(5));
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let m2 = m.clone();
        let t = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            held_tx.send(()).unwrap();
            let _ = done_rx.recv();
        });
        held_rx.recv().unwrap();
        let r = run(limits(200), |w| write!(w, "{}", *m.lock().unwrap()));
        done_tx.send(()).unwrap();
        t.join().unwrap();
        assert_eq!(r, Err(IsolateError::TimedOut(Duration::from_millis(200))));
    }

    #[test]
    fn too_much_text_is_an_error() {
        let r = run(
            Limits {
                deadline: Duration::from_secs(5),
                max_output: 1000,
            },
            |w| {
                for _ in 0..100 {
                    w.write_str("0123456789abcdef")?;
                }
                Ok(())
            },
        );
        assert_eq!(r, Err(IsolateError::TooLong(1000)));
    }

    /// The fork copies the process's page tables: the cost of one call in a
    /// process with 512 MiB of touched heap. A benchmark (bench/debug_call.sh
    /// runs it): `cargo test -p autopsy --lib -- --ignored --nocapture fork_cost`.
    #[test]
    #[ignore = "a benchmark: bench/debug_call.sh"]
    fn fork_cost_with_512_mib_resident() {
        let mut heap = vec![1u8; 512 << 20];
        for i in (0..heap.len()).step_by(4096) {
            heap[i] = 2;
        }
        let mut times = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            let r = run(limits(5000), |w| write!(w, "{}", heap[4096]));
            times.push(t.elapsed());
            assert_eq!(r.as_deref(), Ok("2"));
        }
        times.sort();
        eprintln!(
            "one isolated call with 512 MiB resident: median {:.1} ms, min {:.1} ms",
            times[10].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0
        );
        assert!(times[10] < Duration::from_millis(50), "{:?}", times[10]);
    }

    #[test]
    fn large_text_is_read_whole() {
        let r = run(limits(10_000), |w| {
            for i in 0..100_000 {
                write!(w, "{i},")?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(r.len(), (0..100_000).map(|i| format!("{i},").len()).sum());
        assert!(r.ends_with("99999,"));
    }
}
