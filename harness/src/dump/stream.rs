//! autopsy's own stream of the minidump: what the prompt needs beyond the
//! standard streams (see [`super::format`] for its layout).

use std::collections::BTreeMap;

use super::format::{Arch, Context, Dump, DumpError, StopKind, VERSION};
use super::minidump::{In, Out};

/// Most frames a dump may hold.
const MAX_FRAMES: usize = 4096;
/// Most source files a dump may hold.
const MAX_SOURCES: usize = 4096;
/// Most user crates a dump may name.
const MAX_CRATES: u32 = 1024;

/// The last section: a stream without it was cut short.
const TAG_END: u32 = 0;
const TAG_META: u32 = 1;
const TAG_OUTPUT: u32 = 2;
const TAG_FRAMES: u32 = 3;
const TAG_SOURCE: u32 = 4;

fn section(out: &mut Out, tag: u32, body: &[u8]) {
    out.u32(tag);
    out.bytes(body);
}

/// autopsy's stream of `d`.
pub(crate) fn encode(d: &Dump) -> Vec<u8> {
    let mut out = Out::default();
    out.u32(VERSION);
    let mut m = Out::default();
    for s in [
        &d.binary,
        &d.build_id,
        &d.autopsy_dir,
        &d.message,
        &d.location,
        &d.thread,
        &d.test,
    ] {
        m.str(s);
    }
    m.u64(d.bias);
    m.u32(d.kind as u32);
    m.u32(d.attempt.0);
    m.u32(d.attempt.1);
    m.u64(d.time);
    m.u32(d.pid);
    m.u64(d.cap);
    m.u64(d.left_out);
    m.u32(d.user_crates.len() as u32);
    for c in &d.user_crates {
        m.str(c);
    }
    m.u64(d.context.known());
    section(&mut out, TAG_META, &m.0);
    if let Some(o) = &d.output {
        section(&mut out, TAG_OUTPUT, o);
    }
    let mut f = Out::default();
    f.u32(d.frames.len() as u32);
    for (pc, cfa, name) in &d.frames {
        f.u64(*pc);
        f.u64(*cfa);
        f.str(name.as_deref().unwrap_or(""));
    }
    section(&mut out, TAG_FRAMES, &f.0);
    for (path, text) in &d.sources {
        let mut s = Out::default();
        s.str(path);
        s.bytes(text.as_bytes());
        section(&mut out, TAG_SOURCE, &s.0);
    }
    section(&mut out, TAG_END, &[]);
    out.0
}

/// The version autopsy's stream `data` says it has.
pub(crate) fn version(data: &[u8]) -> Result<u32, DumpError> {
    In::new(data, "autopsy's stream").u32()
}

/// Reads autopsy's stream: a [`Dump`] whose container parts (context,
/// signal, modules, maps, memory, thread id) are left empty, and the mask
/// of known registers.
pub(crate) fn decode(data: &[u8]) -> Result<(Dump, u64), DumpError> {
    let mut input = In::new(data, "autopsy's stream");
    let version = input.u32()?;
    if version != VERSION {
        return Err(DumpError::Version(version));
    }
    let mut meta = None;
    let mut output = None;
    let mut frames = None;
    let mut sources = BTreeMap::new();
    loop {
        if input.data.is_empty() {
            return Err(corrupt("autopsy's stream ends before its end marker"));
        }
        input.what = "a section of autopsy's stream";
        let tag = input.u32()?;
        let body = input.bytes()?;
        match tag {
            TAG_END => {
                input.what = "autopsy's stream after its end marker";
                input.done()?;
                break;
            }
            TAG_META => meta = Some(read_meta(body)?),
            TAG_OUTPUT => output = Some(body.to_vec()),
            TAG_FRAMES => frames = Some(read_frames(body)?),
            TAG_SOURCE => {
                if sources.len() >= MAX_SOURCES {
                    return Err(corrupt("too many source files"));
                }
                let mut s = In::new(body, "a source file");
                let path = s.str()?;
                let text = String::from_utf8(s.bytes()?.to_vec())
                    .map_err(|_| corrupt("a source file is not UTF-8"))?;
                s.done()?;
                sources.insert(path, text);
            }
            _ => {}
        }
    }
    let (meta, known) = meta.ok_or_else(|| corrupt("no metadata section"))?;
    let frames = frames.ok_or_else(|| corrupt("no frames section"))?;
    Ok((
        Dump {
            output,
            frames,
            sources,
            ..meta
        },
        known,
    ))
}

fn corrupt(what: &str) -> DumpError {
    DumpError::Corrupt(what.to_string())
}

fn read_meta(body: &[u8]) -> Result<(Dump, u64), DumpError> {
    let mut m = In::new(body, "the metadata");
    let binary = m.str()?;
    let build_id = m.str()?;
    let autopsy_dir = m.str()?;
    let message = m.str()?;
    let location = m.str()?;
    let thread = m.str()?;
    let test = m.str()?;
    let bias = m.u64()?;
    let kind = match m.u32()? {
        0 => StopKind::Panic,
        1 => StopKind::Signal,
        2 => StopKind::Caught,
        3 => StopKind::Question,
        k => return Err(DumpError::Corrupt(format!("unknown stop kind {k}"))),
    };
    let attempt = (m.u32()?, m.u32()?);
    let time = m.u64()?;
    let pid = m.u32()?;
    let cap = m.u64()?;
    let left_out = m.u64()?;
    let n = m.u32()?;
    if n > MAX_CRATES {
        return Err(corrupt("too many user crates"));
    }
    let mut user_crates = Vec::new();
    for _ in 0..n {
        user_crates.push(m.str()?);
    }
    let known = m.u64()?;
    m.done()?;
    let dump = Dump {
        binary,
        build_id,
        bias,
        autopsy_dir,
        user_crates,
        kind,
        message,
        location,
        thread,
        tid: 0,
        test,
        attempt,
        time,
        pid,
        cap,
        left_out,
        output: None,
        frames: Vec::new(),
        context: Context::new(Arch::X86_64, 0, 0),
        signal: None,
        modules: Vec::new(),
        maps: Vec::new(),
        sources: BTreeMap::new(),
        memory: Vec::new(),
    };
    Ok((dump, known))
}

type Frames = Vec<(u64, u64, Option<String>)>;

fn read_frames(body: &[u8]) -> Result<Frames, DumpError> {
    let mut f = In::new(body, "the frames");
    let n = f.u32()? as usize;
    if n > MAX_FRAMES {
        return Err(DumpError::Corrupt(format!(
            "{n} frames (at most {MAX_FRAMES})"
        )));
    }
    let mut frames = Vec::new();
    for _ in 0..n {
        let pc = f.u64()?;
        let cfa = f.u64()?;
        let name = f.str()?;
        frames.push((pc, cfa, (!name.is_empty()).then_some(name)));
    }
    f.done()?;
    Ok(frames)
}
