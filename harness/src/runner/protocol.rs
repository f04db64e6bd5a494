//! What the coordinator and its workers say to each other over two pipes.
//! Frames are `[u32 length][payload]`; payloads are a tag byte and fields,
//! strings as `[u32 length][utf-8]`. Hand-rolled: it is a few dozen lines and
//! keeps serde out of every user's test build.

use std::io::{self, Read, Write};
use std::time::Duration;

use crate::reporter::Failure;

/// Coordinator to worker: run this test.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    /// The test's place among the binary's registered tests (the worker is
    /// the same binary, or a copy of the coordinator: it finds the test, and
    /// its name, there; no name travels, so no string is built, sent and
    /// read back per test).
    pub index: u32,
    /// 1-based.
    pub attempt: u32,
    pub total_attempts: u32,
    /// Whether a failure on this attempt opens the post-mortem prompt.
    pub pdb: bool,
}

/// How a test ended, as the worker saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Passed,
    /// `message` is the short reason (a panic's message, a returned error,
    /// "test did not panic as expected"): reruns and JUnit match on it.
    /// `note` is printed after the captured output when the output does not
    /// already say it (a panic's message is in the output; a mismatch of
    /// `should_panic`'s expected string is not).
    Failed {
        message: String,
        note: String,
    },
}

impl Verdict {
    /// The report's side of it: `None` for a pass.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            Verdict::Passed => None,
            Verdict::Failed { message, note } => Some(Failure {
                message,
                note,
                time_limit: false,
            }),
        }
    }
}

/// The failure of a test that ended its process: `why` (a signal, an exit
/// status) is its message, and its note after the output.
pub(crate) fn ended_process(why: String) -> Failure {
    Failure {
        note: format!("note: {why}"),
        message: why,
        time_limit: false,
    }
}

/// Worker to coordinator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Report {
    /// The test the worker was given first of those it holds.
    Finished {
        verdict: Verdict,
        duration: Duration,
        output: Vec<u8>,
    },
    /// The prompt opened: stop the timeout clock and keep the screen quiet.
    Paused,
    /// The prompt closed.
    Resumed,
    /// `q(uit)` at the prompt: stop the run.
    Quit,
    /// Sent after a test's `Finished`: this worker exits now, without
    /// running what else it was given (a process that test started still
    /// runs and shares the worker's capture).
    Retiring,
}

/// A frame being written: its length's four bytes first, filled in by
/// `send`, so that the payload (a chatty test's whole output) is copied once.
struct Enc(Vec<u8>);

impl Enc {
    /// (A report's output is its last field: the one reallocation it
    /// causes copies only the few bytes before it.)
    fn new() -> Enc {
        let mut frame = Vec::with_capacity(64);
        frame.extend_from_slice(&[0; 4]);
        Enc(frame)
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
        self
    }
    fn send(mut self, w: &mut impl Write) -> io::Result<()> {
        let len = (self.0.len() - 4) as u32;
        self.0[..4].copy_from_slice(&len.to_le_bytes());
        // One write per frame so that frames from a dying worker are whole.
        w.write_all(&self.0)?;
        w.flush()
    }
}

struct Dec<'a>(&'a [u8]);

impl Dec<'_> {
    fn bad() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, "malformed autopsy frame")
    }
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.0.len() < n {
            return Err(Self::bad());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn bytes(&mut self) -> io::Result<Vec<u8>> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
}

/// The size of the frame `buf` begins with, its length field included,
/// once that field has arrived (whether or not the rest has).
pub(crate) fn frame_size(buf: &[u8]) -> Option<usize> {
    let len = buf.get(..4)?;
    Some(4 + u32::from_le_bytes(len.try_into().unwrap()) as usize)
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
fn read_frame(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut buf = vec![0; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut buf)?;
    Ok(Some(buf))
}

impl Assignment {
    pub fn send(&self, w: &mut impl Write) -> io::Result<()> {
        let mut e = Enc::new();
        e.u32(self.index)
            .u32(self.attempt)
            .u32(self.total_attempts)
            .u8(self.pdb as u8);
        e.send(w)
    }

    pub fn recv(r: &mut impl Read) -> io::Result<Option<Assignment>> {
        let Some(frame) = read_frame(r)? else {
            return Ok(None);
        };
        let mut d = Dec(&frame);
        Ok(Some(Assignment {
            index: d.u32()?,
            attempt: d.u32()?,
            total_attempts: d.u32()?,
            pdb: d.u8()? != 0,
        }))
    }
}

impl Report {
    pub fn send(&self, w: &mut impl Write) -> io::Result<()> {
        let mut e = Enc::new();
        match self {
            Report::Finished {
                verdict,
                duration,
                output,
            } => {
                e.u8(0).u64(duration.as_nanos() as u64);
                match verdict {
                    Verdict::Passed => e.u8(0),
                    Verdict::Failed { message, note } => {
                        e.u8(1).bytes(message.as_bytes()).bytes(note.as_bytes())
                    }
                };
                e.bytes(output);
            }
            Report::Paused => {
                e.u8(1);
            }
            Report::Resumed => {
                e.u8(2);
            }
            Report::Quit => {
                e.u8(3);
            }
            Report::Retiring => {
                e.u8(4);
            }
        }
        e.send(w)
    }

    /// The first whole frame at the start of `buf`, if there is one, and
    /// how many bytes it took (what the coordinator reads from a worker
    /// arrives in pieces of any size).
    pub fn take(buf: &[u8]) -> io::Result<Option<(Report, usize)>> {
        match frame_size(buf).and_then(|size| Some((buf.get(4..size)?, size))) {
            Some((frame, size)) => Ok(Some((Report::parse(frame)?, size))),
            None => Ok(None),
        }
    }

    fn parse(frame: &[u8]) -> io::Result<Report> {
        let mut d = Dec(frame);
        Ok(match d.u8()? {
            0 => {
                let duration = Duration::from_nanos(d.u64()?);
                let verdict = match d.u8()? {
                    0 => Verdict::Passed,
                    _ => Verdict::Failed {
                        message: String::from_utf8_lossy(&d.bytes()?).into(),
                        note: String::from_utf8_lossy(&d.bytes()?).into(),
                    },
                };
                Report::Finished {
                    verdict,
                    duration,
                    output: d.bytes()?,
                }
            }
            1 => Report::Paused,
            2 => Report::Resumed,
            3 => Report::Quit,
            4 => Report::Retiring,
            _ => return Err(Dec::bad()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = Vec::new();
        let a = Assignment {
            index: 7,
            attempt: 2,
            total_attempts: 3,
            pdb: true,
        };
        a.send(&mut buf).unwrap();
        let reports = [
            Report::Finished {
                verdict: Verdict::Failed {
                    message: "boom".into(),
                    note: String::new(),
                },
                duration: Duration::from_millis(5),
                output: b"out\xff".to_vec(),
            },
            Report::Paused,
            Report::Quit,
            Report::Retiring,
        ];
        for r in &reports {
            r.send(&mut buf).unwrap();
        }
        let mut cur = io::Cursor::new(&buf);
        assert_eq!(Assignment::recv(&mut cur).unwrap(), Some(a));
        let mut rest = &buf[cur.position() as usize..];
        for r in &reports {
            let (got, used) = Report::take(rest).unwrap().expect("a whole frame");
            assert_eq!(&got, r);
            rest = &rest[used..];
        }
        assert!(rest.is_empty());
        assert_eq!(Report::take(rest).unwrap(), None);
    }

    #[test]
    fn frames_arrive_in_pieces() {
        let mut buf = Vec::new();
        Report::Paused.send(&mut buf).unwrap();
        let big = Report::Finished {
            verdict: Verdict::Passed,
            duration: Duration::from_nanos(1),
            output: vec![b'x'; 100_000],
        };
        big.send(&mut buf).unwrap();
        assert_eq!(buf.len(), 5 + 4 + 1 + 8 + 1 + 4 + 100_000);
        // Nothing whole yet, then each frame as soon as it is whole.
        for cut in 0..4 {
            assert_eq!(Report::take(&buf[..cut]).unwrap(), None);
        }
        assert_eq!(Report::take(&buf[..4]).unwrap(), None);
        assert_eq!(Report::take(&buf[..5]).unwrap(), Some((Report::Paused, 5)));
        assert_eq!(Report::take(&buf[5..buf.len() - 1]).unwrap(), None);
        assert_eq!(Report::take(&buf[5..]).unwrap(), Some((big, buf.len() - 5)));
        // A malformed frame is an error, not a wait.
        assert!(Report::take(&[1, 0, 0, 0, 9]).is_err());
    }
}
