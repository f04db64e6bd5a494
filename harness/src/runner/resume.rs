//! What stands in for a worker when a lone test runs in the runner's own
//! process under capture (see `inline`): if the test ends the process (a
//! signal, `abort`, a stack overflow, `std::process::exit`), the process
//! starts its own binary again (`execve`, the same pid, arguments and
//! environment), and that image reports the test as the coordinator
//! reports a worker that died: its captured output, then the signal or
//! the exit status, the summary, `--lf`'s record and the JUnit file.
//! Exit status 101, as when a worker dies.
//!
//! Only async-signal-safe calls run in the handler, on what [`arm`]
//! prepared before the test: `sigprocmask`, `fcntl`, `chdir`, `dup2`,
//! `execve`. The new image starts where the run started (the working
//! directory, the environment, fds 0 to 2), whatever the test changed. The
//! capture file (a memfd) survives the `execve`; its descriptor number,
//! the signal and the clock readings that time the run and the test travel
//! in [`RESUME_ENV`], checked against the pid so that no other process
//! takes them for its own.
//!
//! What differs from a worker's crash: no core dump is written (the
//! process does not die of the signal); a test that installs its own
//! handler for one of these signals replaces this one, so its crash ends
//! the process as under libtest; a process killed from outside
//! (`SIGKILL`, the OOM killer) loses its capture, as under libtest; and a
//! test that corrupted the memory `arm` prepared may leave the restart
//! impossible, and the process dies of its signal, as under libtest.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::{Duration, Instant};

/// The environment variable that tells the image started again what ended
/// the test: `KNNN PID FD RUN_NS TEST_NS NAME`, `K` `s` (a signal) or `e`
/// (an exit status), `NNN` its number, the clock readings
/// `CLOCK_MONOTONIC` nanoseconds at the run's and the test's start.
pub(crate) const RESUME_ENV: &str = "__AUTOPSY_RESUME";

/// The signals that end a process with no chance to report: what a test's
/// bug raises (a fault, `abort`, `ud2`, a division by zero). Not SIGTRAP:
/// the debugger's own stops (`postmortem::traps`) take it.
const FATAL: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGABRT,
];

/// How the test ended the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Death {
    Signal(i32),
    Exit(i32),
}

impl Death {
    /// As `wait` would have said it of a worker.
    pub fn status(self) -> ExitStatus {
        match self {
            Death::Signal(sig) => ExitStatus::from_raw(sig & 0x7f),
            Death::Exit(code) => ExitStatus::from_raw((code & 0xff) << 8),
        }
    }
}

/// The image started again: what the first one left it.
pub(crate) struct Resumed {
    pub death: Death,
    pub name: String,
    /// The capture file, as the test left it.
    pub capture: File,
    /// When the run, and the test, started (in the first image).
    pub run_started: Instant,
    pub test_started: Instant,
}

/// Monotonic nanoseconds, the clock `Instant` reads on Linux.
fn clock_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime(2) writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `Instant::now()` moved back to the clock reading `ns`.
fn instant_at(ns: u64) -> Instant {
    let ago = Duration::from_nanos(clock_ns().saturating_sub(ns));
    let now = Instant::now();
    now.checked_sub(ago).unwrap_or(now)
}

/// Parses [`RESUME_ENV`]'s value; `None` unless it is well formed and was
/// written for this process.
fn parse(value: &str, pid: u32) -> Option<(Death, RawFd, u64, u64, String)> {
    let (head, rest) = value.split_once(' ')?;
    let mut fields = rest.splitn(5, ' ');
    let kind = head.get(..1)?;
    let number: i32 = head.get(1..)?.parse().ok()?;
    let death = match kind {
        "s" => Death::Signal(number),
        "e" => Death::Exit(number),
        _ => return None,
    };
    if fields.next()?.parse::<u32>().ok()? != pid {
        return None;
    }
    let fd: RawFd = fields.next()?.parse().ok()?;
    let run_ns = fields.next()?.parse().ok()?;
    let test_ns = fields.next()?.parse().ok()?;
    let name = fields.next()?.to_string();
    (fd > 2).then_some((death, fd, run_ns, test_ns, name))
}

/// In the image started again: what ended the test, once. The variable
/// leaves the environment, so that nothing this image starts sees it.
pub(crate) fn take() -> Option<Resumed> {
    let value = std::env::var(RESUME_ENV).ok()?;
    std::env::remove_var(RESUME_ENV);
    let Some((death, fd, run_ns, test_ns, name)) = parse(&value, std::process::id()) else {
        eprintln!("autopsy: ignoring {RESUME_ENV} in the environment: not left for this process");
        return None;
    };
    // SAFETY: the first image cleared close-on-exec on this descriptor for
    // this image (the pid matched); nothing else here owns it.
    let capture = unsafe { File::from_raw_fd(fd) };
    // Nothing this image starts may inherit it.
    // SAFETY: fcntl(2) on a descriptor we own.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    Some(Resumed {
        death,
        name,
        capture,
        run_started: instant_at(run_ns),
        test_started: instant_at(test_ns),
    })
}

/// Everything the handler needs, built before the test: it may not
/// allocate.
struct Prepared {
    /// The working directory before the test: a test that changed it
    /// changed only its own (a worker's), not where the run writes.
    cwd: Option<CString>,
    /// NULL-terminated arrays of pointers into `_strings` and `resume`.
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    _strings: Vec<u8>,
    /// `__AUTOPSY_RESUME=KNNN ...\0`: the handler writes `KNNN`.
    resume: Vec<u8>,
    /// What fds 0, 1 and 2 were before capture, and the capture file.
    terminal: [RawFd; 3],
    capture: RawFd,
    /// The runner's pid: a process the test forked and that crashes dies
    /// as it would have.
    pid: libc::pid_t,
    /// The actions this replaced, restored by [`Armed`]'s drop.
    old: [libc::sigaction; FATAL.len()],
}

/// The running image itself, even if a rebuild replaced the file since.
const EXE: &std::ffi::CStr = c"/proc/self/exe";

/// Armed while not null: the handler takes it (once).
static PREPARED: AtomicPtr<Prepared> = AtomicPtr::new(ptr::null_mut());

/// Where `KNNN` sits in [`Prepared::resume`].
const SLOT: usize = RESUME_ENV.len() + 1;

/// While alive, a crash of the test restarts the binary to report it.
pub(crate) struct Armed(());

/// Prepares the restart and installs the handlers; `None` (and the caller
/// runs the test in a worker instead) when the binary cannot be found
/// again. `run_started` is when the run began; the test starts now; `cwd`
/// is where the restarted image starts.
pub(crate) fn arm(
    name: &str,
    terminal: [RawFd; 3],
    capture: RawFd,
    run_started: Instant,
    cwd: Option<&std::path::Path>,
) -> Option<Armed> {
    // Without /proc the restart could not find the binary: a worker then.
    // SAFETY: `EXE` is a NUL-terminated path.
    if unsafe { libc::access(EXE.as_ptr(), libc::X_OK) } != 0 {
        return None;
    }
    let cwd = cwd.and_then(|d| CString::new(d.as_os_str().as_bytes()).ok());
    let pid = std::process::id();
    let now = clock_ns();
    let run_ns = now.saturating_sub(run_started.elapsed().as_nanos() as u64);
    // The arguments, then the environment but a stale `RESUME_ENV`, each
    // NUL-terminated in one buffer: a `CString` each (two allocations, in
    // the user's unoptimized build) was half of arming's time. (Neither can
    // hold a NUL: the kernel and `set_var` see to it.)
    let mut strings: Vec<u8> = Vec::with_capacity(4096);
    let mut arg_at: Vec<usize> = Vec::new();
    for arg in std::env::args_os() {
        arg_at.push(strings.len());
        strings.extend_from_slice(arg.as_bytes());
        strings.push(0);
    }
    let mut var_at: Vec<usize> = Vec::new();
    for (key, value) in std::env::vars_os() {
        if key != RESUME_ENV {
            var_at.push(strings.len());
            strings.extend_from_slice(key.as_bytes());
            strings.push(b'=');
            strings.extend_from_slice(value.as_bytes());
            strings.push(0);
        }
    }
    let mut resume =
        format!("{RESUME_ENV}=s000 {pid} {capture} {run_ns} {now} {name}").into_bytes();
    if resume.contains(&0) {
        return None;
    }
    resume.push(0);
    // `strings` is complete: its buffer stays where it is from here on,
    // moved into `Prepared` with the pointers into it.
    let at = |i: &usize| strings[*i..].as_ptr().cast::<libc::c_char>();
    let mut argv: Vec<*const libc::c_char> = arg_at.iter().map(at).collect();
    argv.push(ptr::null());
    let mut envp: Vec<*const libc::c_char> = var_at.iter().map(at).collect();
    envp.push(resume.as_ptr().cast());
    envp.push(ptr::null());
    // SAFETY: an all-zero sigaction is a valid value to overwrite.
    let old = [unsafe { std::mem::zeroed::<libc::sigaction>() }; FATAL.len()];
    let prepared = Box::into_raw(Box::new(Prepared {
        cwd,
        argv,
        envp,
        _strings: strings,
        resume,
        terminal,
        capture,
        pid: pid as libc::pid_t,
        old,
    }));
    // SAFETY: `prepared` is ours until published below; each sigaction
    // call installs a handler that only reads it.
    unsafe {
        for (i, sig) in FATAL.into_iter().enumerate() {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal as *const () as libc::sighandler_t;
            // On the alternate stack (std gives each thread one): a stack
            // overflow must reach it too.
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, &mut (*prepared).old[i]);
        }
    }
    PREPARED.store(prepared, Ordering::SeqCst);
    Some(Armed(()))
}

/// The test ended the process through `exit` (an exit handler calls
/// this): restarts to report it if armed, else returns.
pub(crate) fn exited(status: i32) {
    resume(Death::Exit(status));
}

impl Drop for Armed {
    /// The test is over: the handlers it replaced are back.
    fn drop(&mut self) {
        let p = PREPARED.swap(ptr::null_mut(), Ordering::SeqCst);
        if p.is_null() {
            return;
        }
        // SAFETY: `p` came from Box::into_raw in `arm` and nobody else
        // holds it now; the old actions are restored before it is freed.
        unsafe {
            for (i, sig) in FATAL.into_iter().enumerate() {
                libc::sigaction(sig, &(*p).old[i], ptr::null_mut());
            }
            drop(Box::from_raw(p));
        }
    }
}

extern "C" fn on_fatal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let p = PREPARED.load(Ordering::SeqCst);
    if !p.is_null() {
        // The handler this one replaced runs first, as in a worker. std's
        // for SIGSEGV and SIGBUS: on a stack's guard page it says "has
        // overflowed its stack" and aborts (SIGABRT, handled here too);
        // otherwise it puts back the default action and returns. One a
        // constructor installed may end the process itself, as it would.
        let i = FATAL.iter().position(|&s| s == sig).unwrap_or(0);
        // SAFETY: `p` is live while published (it is freed only after it
        // is unpublished, and a fatal signal stops the test first).
        let old = unsafe { &(*p).old[i] };
        let handler = old.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            if old.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: a handler installed with SA_SIGINFO, called as
                // the kernel would.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(handler) };
                f(sig, info, ctx);
            } else {
                // SAFETY: a plain handler, called as the kernel would.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
                f(sig);
            }
        }
    }
    resume(Death::Signal(sig));
    // Not armed, or execve failed: die of the signal as without us.
    // SAFETY: signal(2) and raise(3) are async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Starts the binary again to report `death`, if armed. Async-signal-safe.
fn resume(death: Death) {
    let p = PREPARED.load(Ordering::SeqCst);
    // SAFETY: getpid(2) is async-signal-safe; `p` is live (see `on_fatal`).
    if p.is_null() || unsafe { libc::getpid() != (*p).pid } {
        return;
    }
    let p = PREPARED.swap(ptr::null_mut(), Ordering::SeqCst);
    if p.is_null() {
        return;
    }
    // SAFETY: `p` is live (see `on_fatal`) and now ours alone; every call
    // below is async-signal-safe and works on what `arm` prepared.
    unsafe {
        let p = &mut *p;
        let (kind, n) = match death {
            Death::Signal(s) => (b's', s),
            Death::Exit(e) => (b'e', e & 0xff),
        };
        let n = n.clamp(0, 999) as u32;
        p.resume[SLOT] = kind;
        p.resume[SLOT + 1] = b'0' + (n / 100) as u8;
        p.resume[SLOT + 2] = b'0' + (n / 10 % 10) as u8;
        p.resume[SLOT + 3] = b'0' + (n % 10) as u8;
        // The new image starts with no signal blocked (this one is, in
        // its handler) and the capture file open.
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, ptr::null_mut());
        libc::fcntl(p.capture, libc::F_SETFD, 0);
        if let Some(cwd) = &p.cwd {
            libc::chdir(cwd.as_ptr());
        }
        for (fd, saved) in p.terminal.iter().enumerate() {
            libc::dup2(*saved, fd as libc::c_int);
        }
        libc::execve(EXE.as_ptr(), p.argv.as_ptr(), p.envp.as_ptr());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_round_trips_and_names_its_process() {
        let v = "s011 42 7 100 250 tests::a b:c";
        let (death, fd, run, test, name) = parse(v, 42).unwrap();
        assert_eq!(death, Death::Signal(11));
        assert_eq!((fd, run, test), (7, 100, 250));
        assert_eq!(name, "tests::a b:c");
        assert!(parse(v, 43).is_none(), "another process's");
        assert_eq!(parse("e003 42 7 1 2 t", 42).unwrap().0, Death::Exit(3));
        for bad in [
            "",
            "s011",
            "x011 42 7 1 2 t",
            "s011 42 1 1 2 t",
            "s0x1 42 7 1 2 t",
        ] {
            assert!(parse(bad, 42).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_death_reads_as_a_worker_wait_status() {
        assert_eq!(Death::Signal(11).status().signal(), Some(11));
        assert_eq!(Death::Exit(3).status().code(), Some(3));
        assert_eq!(Death::Exit(0).status().code(), Some(0));
    }
}
