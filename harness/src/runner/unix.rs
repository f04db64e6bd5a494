//! The Unix side of the runner: worker processes with inherited pipes, and
//! capture of a test's output at the file-descriptor level.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};

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

/// A running worker, from the coordinator's side.
pub(crate) struct WorkerProcess {
    pub child: Child,
    pub commands: File,
    pub reports: File,
}

/// Starts this test binary again as a worker with the same arguments.
pub(crate) fn spawn_worker(capture: Option<&File>) -> io::Result<WorkerProcess> {
    let (cmd_read, cmd_write) = pipe()?;
    let (rep_read, rep_write) = pipe()?;
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
        child,
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

/// Output capture at the descriptor level: fds 1 and 2 point at one file
/// (so stdout and stderr interleave as written, and child processes and C
/// code are captured too); the terminal stays reachable for the prompt.
pub(crate) struct Capture {
    file: File,
    terminal_out: OwnedFd,
    terminal_err: OwnedFd,
}

fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we then own.
    let new = cvt(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    // SAFETY: `new` is fresh.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn dup2(from: RawFd, to: RawFd) -> io::Result<()> {
    // SAFETY: both are open descriptors; dup2 is atomic.
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

impl Capture {
    pub fn install(file: File) -> io::Result<Capture> {
        let terminal_out = dup(1)?;
        let terminal_err = dup(2)?;
        flush_all();
        dup2(file.as_raw_fd(), 1)?;
        dup2(file.as_raw_fd(), 2)?;
        Ok(Capture {
            file,
            terminal_out,
            terminal_err,
        })
    }

    /// How much was written since the last reset: fds 1 and 2 (and those
    /// of child processes) share the file's offset, and every write moves it.
    fn written(&self) -> io::Result<u64> {
        (&self.file).stream_position()
    }

    /// Empties the capture for the next test. Most tests write nothing: then
    /// there is nothing to truncate (a file system call per test, saved).
    pub fn reset(&self) -> io::Result<()> {
        flush_all();
        if self.written()? == 0 {
            return Ok(());
        }
        self.file.set_len(0)?;
        (&self.file).seek(SeekFrom::Start(0)).map(drop)
    }

    /// Everything captured since the last reset, read with `pread` so the
    /// shared offset stays where the test's writes left it.
    pub fn contents(&self) -> io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        flush_all();
        let end = self.written()?;
        let mut out = vec![0; end as usize];
        let mut at = 0;
        while at < out.len() {
            match self.file.read_at(&mut out[at..], at as u64) {
                Ok(0) => break,
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        out.truncate(at);
        Ok(out)
    }

    /// Runs `f` with fds 1 and 2 on the terminal again (the prompt).
    pub fn with_terminal<R>(&self, f: impl FnOnce() -> R) -> R {
        flush_all();
        let _ = dup2(self.terminal_out.as_raw_fd(), 1);
        let _ = dup2(self.terminal_err.as_raw_fd(), 2);
        let r = f();
        flush_all();
        let _ = dup2(self.file.as_raw_fd(), 1);
        let _ = dup2(self.file.as_raw_fd(), 2);
        r
    }
}

/// Reads a crashed worker's capture file from the coordinator's side.
pub(crate) fn read_capture(file: &File) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(mut own) = File::open(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        let _ = own.read_to_end(&mut out);
    }
    out
}
