//! The Unix side of the runner: worker processes with inherited pipes, and
//! capture of a test's output at the file-descriptor level.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The environment variable that makes a test binary a worker; its value is
/// `COMMANDS_FD,REPORTS_FD,CAPTURE_FD` (the last `-1` without capture).
pub(crate) const WORKER_ENV: &str = "__AUTOPSY_WORKER";

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A pipe with both ends close-on-exec.
fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

/// Makes reads and writes on `fd` return `WouldBlock` instead of waiting.
pub(crate) fn set_nonblocking(fd: &impl AsRawFd) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl(2) reading and setting the status flags of an open
    // descriptor.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    // SAFETY: as above.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) }).map(drop)
}

/// A fresh capture file for a worker: a `memfd` (memory, like tmpfs) when
/// the kernel has them, else an unlinked file in the temporary directory.
/// Under capture every line a test prints is one `write(2)` into it
/// (Rust's stdout is line-buffered): into a memfd that write costs a
/// fraction of one into a journaled disk file system's file.
pub(crate) fn capture_file() -> io::Result<File> {
    // SAFETY: a NUL-terminated name and flags; the descriptor returned is
    // fresh and owned by nobody else.
    let fd = unsafe { libc::memfd_create(c"autopsy-capture".as_ptr(), libc::MFD_CLOEXEC) };
    if fd >= 0 {
        // SAFETY: see above.
        return Ok(unsafe { File::from_raw_fd(fd) });
    }
    tempfile::tempfile()
}

/// A running worker, from the coordinator's side.
pub(crate) struct WorkerProcess {
    pub child: WorkerChild,
    pub commands: File,
    pub reports: File,
}

/// A worker process, as the coordinator waits for it.
pub(crate) enum WorkerChild {
    /// This test binary started again (`exec`).
    Exec(Child),
    /// A copy of the coordinator (`fork` without `exec`).
    Forked(libc::pid_t),
}

impl WorkerChild {
    pub fn id(&self) -> u32 {
        match self {
            WorkerChild::Exec(child) => child.id(),
            WorkerChild::Forked(pid) => *pid as u32,
        }
    }

    /// How the worker ended, if it has (without waiting).
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match self {
            WorkerChild::Exec(child) => child.try_wait(),
            WorkerChild::Forked(pid) => {
                let mut status = 0;
                // SAFETY: waitpid(2) on our own child, with a valid out-pointer.
                match unsafe { libc::waitpid(*pid, &mut status, libc::WNOHANG) } {
                    -1 => Err(io::Error::last_os_error()),
                    0 => Ok(None),
                    _ => Ok(Some(ExitStatus::from_raw(status))),
                }
            }
        }
    }

    /// A descriptor that becomes readable when the worker ends
    /// (`pidfd_open(2)`, Linux 5.3); `None` on older kernels. The pid
    /// cannot be reused meanwhile: the worker is ours and not yet reaped.
    pub fn exit_fd(&self) -> Option<OwnedFd> {
        // SAFETY: pidfd_open with a pid and no flags; a descriptor it
        // returns is fresh and owned by nobody else.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, self.id() as libc::pid_t, 0) };
        // SAFETY: as above.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
    }
}

/// What a worker started by `fork` runs, and what it must not keep.
pub(crate) struct Fork<'a> {
    /// The coordinator's descriptors of its other workers (their pipes'
    /// ends, their capture files). `exec` would have closed them (they are
    /// close-on-exec); a copy must close them itself: a worker holding
    /// another's command pipe open would keep that one from ever seeing
    /// the end of its commands.
    pub foreign: Vec<RawFd>,
    /// The worker (it never returns): its commands, its reports and its
    /// capture file.
    pub serve: &'a dyn Fn(File, File, Option<File>),
}

/// Whether this process has only the thread calling this. Only then is a
/// copy made by `fork` sound: another thread could hold a lock (the
/// allocator's, the environment's, stdout's) that the copy would find held
/// forever.
pub(crate) fn single_threaded() -> bool {
    // Field 20 of /proc/self/stat, counted after the parenthesised name
    // (which may hold spaces).
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return false;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return false;
    };
    rest.split_ascii_whitespace().nth(17) == Some("1")
}

/// Starts a worker: a copy of this process made by `fork` when `fork` is
/// given (what `exec` and the dynamic loader, relocations, constructors
/// and argument parsing would cost again is already done, and the pages
/// stay shared), else this test binary started again with the same
/// arguments. The caller makes sure a copy is sound ([`single_threaded`]).
pub(crate) fn spawn_worker(
    capture: Option<&File>,
    fork: Option<Fork<'_>>,
) -> io::Result<WorkerProcess> {
    let (cmd_read, cmd_write) = pipe()?;
    let (rep_read, rep_write) = pipe()?;
    if let Some(fork) = fork {
        let capture = capture.map(File::try_clone).transpose()?;
        // Nothing buffered may be written twice, once by each process.
        flush_all();
        // SAFETY: the caller checked that this process has one thread; the
        // child runs the worker and exits, never returning into the
        // coordinator's frames.
        let pid = cvt(unsafe { libc::fork() })?;
        if pid == 0 {
            for &fd in &fork.foreign {
                // SAFETY: the coordinator's descriptors, which this copy
                // does not use; its own are not among them.
                unsafe { libc::close(fd) };
            }
            drop((cmd_write, rep_read));
            let serve = fork.serve;
            let _: std::thread::Result<()> =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    serve(cmd_read, rep_write, capture)
                }));
            // SAFETY: _exit(2) ends the copy without running anything of
            // the coordinator's.
            unsafe { libc::_exit(101) }
        }
        return Ok(WorkerProcess {
            child: WorkerChild::Forked(pid),
            commands: cmd_write,
            reports: rep_read,
        });
    }
    let inherit: Vec<RawFd> = [
        Some(cmd_read.as_raw_fd()),
        Some(rep_write.as_raw_fd()),
        capture.map(|f| f.as_raw_fd()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let spec = format!(
        "{},{},{}",
        cmd_read.as_raw_fd(),
        rep_write.as_raw_fd(),
        capture.map_or(-1, |f| f.as_raw_fd())
    );
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(std::env::args_os().skip(1)).env(WORKER_ENV, spec);
    // SAFETY: only async-signal-safe calls (fcntl) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for &fd in &inherit {
                // Descriptors are made close-on-exec by their creator; only
                // this child keeps these, so concurrent spawns inherit none.
                cvt(libc::fcntl(fd, libc::F_SETFD, 0))?;
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    // The child's ends: closing ours lets EOF through when the child dies.
    drop(cmd_read);
    drop(rep_write);
    Ok(WorkerProcess {
        child: WorkerChild::Exec(child),
        commands: cmd_write,
        reports: rep_read,
    })
}

/// The worker's ends of its pipes and capture file, from its environment.
pub(crate) fn worker_fds(spec: &str) -> Option<(File, File, Option<File>)> {
    let mut it = spec.split(',').map(|s| s.parse::<RawFd>().ok());
    let (cmd, rep, cap) = (it.next()??, it.next()??, it.next()??);
    // SAFETY: the coordinator passed these descriptors to this process alone.
    unsafe {
        for fd in [cmd, rep, cap] {
            if fd >= 0 {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
        let cap = (cap >= 0).then(|| File::from_raw_fd(cap));
        Some((File::from_raw_fd(cmd), File::from_raw_fd(rep), cap))
    }
}

/// Describes how a worker ended, for a crashed test's report.
pub(crate) fn describe_exit(status: ExitStatus) -> String {
    if let Some(sig) = status.signal() {
        let name = match sig {
            libc::SIGABRT => "SIGABRT: aborted",
            libc::SIGSEGV => "SIGSEGV: invalid memory reference",
            libc::SIGBUS => "SIGBUS: access to undefined memory",
            libc::SIGILL => "SIGILL: illegal instruction",
            libc::SIGFPE => "SIGFPE: arithmetic exception",
            libc::SIGKILL => "SIGKILL: killed",
            libc::SIGTERM => "SIGTERM: terminated",
            libc::SIGINT => "SIGINT: interrupted",
            _ => "signal",
        };
        let core = if status.core_dumped() {
            " (core dumped)"
        } else {
            ""
        };
        format!("process terminated by signal {sig} ({name}){core}")
    } else {
        format!(
            "process exited with status {} during the test",
            status.code().unwrap_or(-1)
        )
    }
}

pub(crate) fn kill(pid: u32) {
    // SAFETY: kill(2) with a pid we spawned and have not reaped.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

/// The worker's standard descriptors. What the coordinator passed (a
/// terminal, pipes) is kept aside at start, and before each test fds 0, 1
/// and 2 are pointed again where tests' go, whatever the test before did to
/// them (closed them, `dup2`ed `/dev/null` over them): one test cannot
/// silence the tests after it.
///
/// Under capture, fds 1 and 2 point at one file (so stdout and stderr
/// interleave as written, and child processes and C code are captured too)
/// and fd 0 at `/dev/null`, as pytest gives tests an empty stdin under
/// capture: the prompt's commands, piped to the run, are the prompt's alone.
/// The terminal's descriptors stay reachable for the prompt.
pub(crate) struct Streams {
    capture: Option<File>,
    /// `/dev/null`, the tests' stdin under capture.
    null: Option<File>,
    /// What fds 0, 1 and 2 were at start.
    terminal: [OwnedFd; 3],
}

fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we then own.
    let new = cvt(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    // SAFETY: `new` is fresh.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn dup2(from: RawFd, to: RawFd) -> io::Result<()> {
    // SAFETY: `from` is an open descriptor; dup2 is atomic and replaces
    // `to` whether it is open or not.
    cvt(unsafe { libc::dup2(from, to) }).map(drop)
}

/// Flushes Rust's and C's buffered stdout so nothing lands after a switch.
pub(crate) fn flush_all() {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // SAFETY: fflush(NULL) flushes every C stream.
    unsafe {
        libc::fflush(std::ptr::null_mut());
    }
}

impl Streams {
    /// Keeps the terminal's descriptors and points fds 0, 1 and 2 at the
    /// tests' (the capture file, or the terminal's again without one).
    pub fn install(capture: Option<File>) -> io::Result<Streams> {
        let terminal = [dup(0)?, dup(1)?, dup(2)?];
        let null = match capture {
            Some(_) => Some(File::open("/dev/null")?),
            None => None,
        };
        let streams = Streams {
            capture,
            null,
            terminal,
        };
        flush_all();
        streams.point_at_tests()?;
        Ok(streams)
    }

    /// Whether output is captured.
    pub fn captures(&self) -> bool {
        self.capture.is_some()
    }

    /// The capture file's descriptor, and what fds 0, 1 and 2 were at
    /// start: for a restart after a crash (`resume`).
    pub fn raw_fds(&self) -> Option<(RawFd, [RawFd; 3])> {
        let capture = self.capture.as_ref()?.as_raw_fd();
        Some((capture, self.terminal.each_ref().map(|fd| fd.as_raw_fd())))
    }

    /// Points fds 0, 1 and 2 back where they were at start, for good: the
    /// runner's own process after its one test (`inline`).
    pub fn uninstall(&self) -> io::Result<()> {
        flush_all();
        self.point_at_terminal()
    }

    fn point_at_tests(&self) -> io::Result<()> {
        match (&self.null, &self.capture) {
            (Some(null), Some(file)) => {
                dup2(null.as_raw_fd(), 0)?;
                dup2(file.as_raw_fd(), 1)?;
                dup2(file.as_raw_fd(), 2)
            }
            _ => self.point_at_terminal(),
        }
    }

    fn point_at_terminal(&self) -> io::Result<()> {
        for (fd, saved) in self.terminal.iter().enumerate() {
            dup2(saved.as_raw_fd(), fd as RawFd)?;
        }
        Ok(())
    }

    /// How much was written since the last reset: fds 1 and 2 (and those
    /// of child processes) share the file's offset, and every write moves it.
    fn written(file: &File) -> io::Result<u64> {
        let mut f = file;
        f.stream_position()
    }

    /// Before each test: empties the capture. Fds 0, 1 and 2 already point
    /// where tests' go: [`Streams::install`] pointed them there, and
    /// [`Streams::restore`] and [`Streams::with_terminal`] point them back
    /// (and flush) after anything that may move them, so that one test
    /// cannot silence the tests after it. Doing it here again cost every
    /// test three `dup2` and a flush of every stream for nothing. Most tests
    /// write nothing: then there is nothing to truncate either.
    pub fn prepare(&self) -> io::Result<()> {
        if let Some(file) = &self.capture {
            if Self::written(file)? != 0 {
                file.set_len(0)?;
                let mut f = file;
                f.seek(SeekFrom::Start(0))?;
            }
        }
        Ok(())
    }

    /// After a test: fds 0, 1 and 2 where tests' go again, the capture kept
    /// (what the test wrote after damaging them went where it pointed them).
    pub fn restore(&self) -> io::Result<()> {
        if self.captures() {
            flush_all();
        }
        self.point_at_tests()
    }

    /// Everything captured since the last reset, read with `pread` so the
    /// shared offset stays where the test's writes left it. Empty without
    /// capture.
    pub fn contents(&self) -> io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let Some(file) = &self.capture else {
            return Ok(Vec::new());
        };
        flush_all();
        let end = Self::written(file)?;
        let mut out = vec![0; end as usize];
        let mut at = 0;
        while at < out.len() {
            match file.read_at(&mut out[at..], at as u64) {
                Ok(0) => break,
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        out.truncate(at);
        Ok(out)
    }

    /// Runs `f` with fds 0, 1 and 2 on the terminal again (the prompt),
    /// then back where the test had them.
    pub fn with_terminal<R>(&self, f: impl FnOnce() -> R) -> R {
        if !self.captures() {
            return f();
        }
        flush_all();
        let _ = self.point_at_terminal();
        let r = f();
        flush_all();
        let _ = self.point_at_tests();
        r
    }
}

/// Makes this process the reaper of its orphaned descendants, so that a
/// process a test started and left behind (directly, or through a shell
/// that exited) stays this worker's child, where [`has_children`] sees it.
pub(crate) fn become_subreaper() {
    // SAFETY: prctl with an integer argument.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Whether this process has any child, running or exited and not yet
/// waited for (none are reaped here: a thread of the test may still wait).
pub(crate) fn has_children() -> bool {
    // SAFETY: a zeroed siginfo_t is a valid out-parameter for waitid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: WNOWAIT leaves any exited child waitable; WNOHANG never blocks.
    let r = unsafe {
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // ECHILD: no children at all; any other answer means there is one.
    !(r == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD))
}

/// The write end of the pipe that wakes the coordinator on Ctrl-C.
static INTERRUPT_PIPE: AtomicI32 = AtomicI32::new(-1);
/// Ctrl-C reached the coordinator.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let fd = INTERRUPT_PIPE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: errno is this thread's; write(2) is async-signal-safe.
        unsafe {
            let errno = *libc::__errno_location();
            libc::write(fd, b"!".as_ptr().cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

/// Catches Ctrl-C (SIGINT) in the coordinator: each one writes a byte into
/// the pipe whose read end this returns (the coordinator polls it with its
/// workers' reports). Workers get the default action back at `exec`.
pub(crate) fn catch_interrupts() -> io::Result<File> {
    let (read, write) = pipe()?;
    // The handler must never block: a byte is as good as many.
    set_nonblocking(&write)?;
    INTERRUPT_PIPE.store(write.into_raw_fd(), Ordering::SeqCst);
    // SAFETY: a zeroed sigaction with a handler that only stores, loads and
    // writes (async-signal-safe).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        cvt(libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()))?;
    }
    Ok(read)
}

/// Whether a worker that died of SIGINT died of the user's Ctrl-C (which the
/// terminal sends to the coordinator too), not of a signal its test raised.
pub(crate) fn ended_by_ctrl_c(status: &ExitStatus) -> bool {
    if status.signal() != Some(libc::SIGINT) {
        return false;
    }
    // Both got it at once; the coordinator's handler may not have run yet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while !INTERRUPTED.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Reads a crashed worker's capture file from the coordinator's side.
pub(crate) fn read_capture(file: &File) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(mut own) = File::open(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        let _ = own.read_to_end(&mut out);
    }
    out
}
