//! The coordinator's ears: what its workers report and when they end, and
//! Ctrl-C, all heard on the coordinator's one thread with `poll(2)`.
//!
//! (A reader thread per worker passing reports on through a channel cost
//! two thread wake-ups per test where this costs one; on 2,000 trivial
//! tests that was a third of the run's context switches.)

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use super::protocol::{frame_size, Report};
use super::unix::{self, WorkerChild};
use super::Msg;

/// One worker being listened to.
struct Watched {
    slot: usize,
    generation: u64,
    child: WorkerChild,
    /// Non-blocking; `None` once it reached its end or said something
    /// malformed (then only the worker's end is waited for).
    reports: Option<File>,
    /// What was read and is not yet a whole frame.
    pending: Vec<u8>,
    /// Readable once the worker has ended; without one (a kernel older
    /// than 5.3) the worker is asked every millisecond once its reports
    /// have ended.
    exit: Option<OwnedFd>,
}

impl Watched {
    /// Reads what the worker has written, up to now; queues every whole
    /// frame.
    fn drain(&mut self, out: &mut VecDeque<Msg>) {
        let Some(reports) = &mut self.reports else {
            return;
        };
        // Room for the whole frame begun, when its length has come: a
        // failing chatty test's output is read in place, not regrown.
        if let Some(size) = frame_size(&self.pending) {
            self.pending
                .reserve(size.saturating_sub(self.pending.len()));
        }
        // Everything there is: until it would block (the descriptor is
        // non-blocking; what was read is kept) or the end.
        let ended = loop {
            match reports.read_to_end(&mut self.pending) {
                Ok(_) => break true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
                Err(_) => break true,
            }
        };
        let mut at = 0;
        let malformed = loop {
            match Report::take(&self.pending[at..]) {
                Ok(Some((report, used))) => {
                    out.push_back(Msg::Report(self.slot, self.generation, report));
                    at += used;
                }
                Ok(None) => break false,
                Err(_) => break true,
            }
        };
        self.pending.drain(..at);
        if self.pending.is_empty() && self.pending.capacity() > 1 << 20 {
            // Not kept for a whole run after one large output.
            self.pending = Vec::new();
        }
        if ended || malformed {
            self.reports = None;
            self.pending = Vec::new();
        }
    }
}

/// What a polled descriptor is.
#[derive(Clone, Copy)]
enum Source {
    /// Worker `w`'s reports.
    Reports(usize),
    /// Worker `w`'s end (its pidfd).
    End(usize),
    Interrupts,
}

/// Every worker being listened to, and Ctrl-C.
#[derive(Default)]
pub(super) struct Watch {
    workers: Vec<Watched>,
    interrupts: Option<File>,
    heard: VecDeque<Msg>,
}

impl Watch {
    /// Listens to Ctrl-C's pipe too (see `unix::catch_interrupts`).
    pub fn interrupts(&mut self, read: File) {
        self.interrupts = Some(read);
    }

    /// Listens to a worker started in `slot`, until it ends.
    pub fn add(&mut self, slot: usize, generation: u64, child: WorkerChild, reports: File) {
        // (Cannot fail on a pipe we made; if it did, rather than block the
        // coordinator on it, only the worker's end is heard.)
        let reports = unix::set_nonblocking(&reports).is_ok().then_some(reports);
        let exit = child.exit_fd();
        self.workers.push(Watched {
            slot,
            generation,
            child,
            reports,
            pending: Vec::new(),
            exit,
        });
    }

    /// What comes next, waiting until `deadline` at most (`None` then). A
    /// deadline already past still hears what has come meanwhile.
    pub fn next(&mut self, deadline: Option<Instant>) -> Option<Msg> {
        loop {
            if let Some(msg) = self.heard.pop_front() {
                return Some(msg);
            }
            let now = Instant::now();
            let wait = deadline.map(|d| d.saturating_duration_since(now));
            if self.workers.is_empty() && self.interrupts.is_none() {
                // Nothing could ever come: wait out the deadline, if any.
                std::thread::sleep(wait?);
                return None;
            }
            self.listen(wait);
            if self.heard.is_empty() && deadline.is_some_and(|d| d <= Instant::now()) {
                return None;
            }
        }
    }

    /// One `poll(2)`: queues what was heard.
    fn listen(&mut self, wait: Option<Duration>) {
        let mut fds = Vec::with_capacity(self.workers.len() * 2 + 1);
        let mut sources = Vec::with_capacity(fds.capacity());
        let mut ask_every_ms = false;
        for (w, watched) in self.workers.iter().enumerate() {
            if let Some(r) = &watched.reports {
                fds.push(pollfd(r.as_raw_fd()));
                sources.push(Source::Reports(w));
            }
            match &watched.exit {
                Some(e) => {
                    fds.push(pollfd(e.as_raw_fd()));
                    sources.push(Source::End(w));
                }
                None if watched.reports.is_none() => ask_every_ms = true,
                None => {}
            }
        }
        if let Some(i) = &self.interrupts {
            fds.push(pollfd(i.as_raw_fd()));
            sources.push(Source::Interrupts);
        }
        let mut timeout = wait.map_or(-1, |w| w.as_millis().min(i32::MAX as u128) as i32);
        if let Some(w) = wait {
            // Never return early for a deadline less than a millisecond off.
            if w > Duration::from_millis(timeout as u64) {
                timeout += 1;
            }
        }
        if ask_every_ms && !(0..=1).contains(&timeout) {
            timeout = 1;
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if n < 0 {
            // EINTR (Ctrl-C: its pipe is readable now) or ENOMEM: again.
            return;
        }
        let mut ended = Vec::new();
        for (fd, &source) in fds.iter().zip(&sources) {
            if fd.revents == 0 {
                continue;
            }
            match source {
                Source::Interrupts => self.read_interrupts(),
                Source::Reports(w) => self.workers[w].drain(&mut self.heard),
                Source::End(w) => ended.push(w),
            }
        }
        if ask_every_ms {
            ended.extend(
                (0..self.workers.len()).filter(|&w| {
                    self.workers[w].exit.is_none() && self.workers[w].reports.is_none()
                }),
            );
        }
        // Highest first, so that removing one keeps the others' places.
        ended.sort_unstable();
        ended.dedup();
        for w in ended.into_iter().rev() {
            // Everything it wrote before ending is in the pipe: hear it
            // first, then its end.
            self.workers[w].drain(&mut self.heard);
            if let Some(status) = self.workers[w].child.try_wait().transpose() {
                let watched = self.workers.swap_remove(w);
                self.heard
                    .push_back(Msg::Exited(watched.slot, watched.generation, status));
            }
        }
    }

    fn read_interrupts(&mut self) {
        let Some(pipe) = &mut self.interrupts else {
            return;
        };
        let mut bytes = [0u8; 64];
        match pipe.read(&mut bytes) {
            Ok(0) | Err(_) => self.interrupts = None,
            Ok(n) => {
                for _ in 0..n {
                    self.heard.push_back(Msg::Interrupted);
                }
            }
        }
    }
}

fn pollfd(fd: i32) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};

    use super::*;

    /// A "worker" that writes `script`'s output as its reports.
    fn worker(watch: &mut Watch, script: &str) {
        let mut child = Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let reports = File::from(OwnedFd::from(child.stdout.take().unwrap()));
        watch.add(0, 1, WorkerChild::Exec(child), reports);
    }

    fn soon() -> Option<Instant> {
        Some(Instant::now() + Duration::from_secs(10))
    }

    /// The next thing heard, which must be the worker's end.
    fn end(watch: &mut Watch) -> std::process::ExitStatus {
        match watch.next(soon()) {
            Some(Msg::Exited(0, 1, Ok(status))) => status,
            _ => panic!("expected the worker's end"),
        }
    }

    #[test]
    fn hears_reports_then_the_end() {
        let mut watch = Watch::default();
        // Paused in two pieces, then Resumed, then exit 3.
        worker(
            &mut watch,
            r"printf '\001\000'; sleep 0.05; printf '\000\000\001\001\000\000\000\002'; exit 3",
        );
        assert!(matches!(
            watch.next(soon()),
            Some(Msg::Report(0, 1, Report::Paused))
        ));
        assert!(matches!(
            watch.next(soon()),
            Some(Msg::Report(0, 1, Report::Resumed))
        ));
        assert_eq!(end(&mut watch).code(), Some(3));
        // Nothing more can come.
        assert!(watch.next(None).is_none());
    }

    #[test]
    fn a_deadline_ends_the_wait() {
        let mut watch = Watch::default();
        worker(&mut watch, "sleep 5");
        let start = Instant::now();
        assert!(watch
            .next(Some(start + Duration::from_millis(30)))
            .is_none());
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(30), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
    }

    #[test]
    fn a_deadline_already_past_still_hears_what_came() {
        // The coordinator asks with a past deadline while a timed-out
        // worker dies: its end must come through, not a spin of `None`s.
        let mut watch = Watch::default();
        worker(&mut watch, r"printf '\001\000\000\000\001'; exit 0");
        std::thread::sleep(Duration::from_millis(200));
        let past = Some(Instant::now() - Duration::from_millis(100));
        assert!(matches!(
            watch.next(past),
            Some(Msg::Report(0, 1, Report::Paused))
        ));
        assert!(matches!(watch.next(past), Some(Msg::Exited(0, 1, Ok(_)))));
        assert!(watch.next(past).is_none());
    }

    #[test]
    fn the_end_is_heard_while_a_leftover_process_holds_the_pipe() {
        // A process the test started keeps the reports pipe open after the
        // worker died of a signal: its end must still be heard, at once.
        let mut watch = Watch::default();
        worker(
            &mut watch,
            r"sleep 5 & printf '\001\000\000\000\004'; kill -9 $$",
        );
        assert!(matches!(
            watch.next(soon()),
            Some(Msg::Report(0, 1, Report::Retiring))
        ));
        let start = Instant::now();
        assert_eq!(end(&mut watch).signal(), Some(9));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_malformed_report_stops_the_listening_not_the_wait() {
        let mut watch = Watch::default();
        worker(&mut watch, r"printf '\001\000\000\000\011'; exit 0");
        assert!(end(&mut watch).success());
    }
}
