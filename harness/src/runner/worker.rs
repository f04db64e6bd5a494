//! A worker process: runs the tests the coordinator assigns, one at a time,
//! each on a fresh thread named after the test (as libtest does), with its
//! output captured, and reports how each ended.

use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::protocol::{Assignment, Report, Verdict};
use super::unix::{self, Streams};
use crate::__private::{ShouldPanic, Test, PDB_ARMED};

use crate::cli::HiArgs;

/// What the panic hook and the prompt need to reach from any thread.
pub(crate) struct WorkerState {
    pub streams: Streams,
    reports: Mutex<File>,
    /// The test running now and its attempt.
    pub current: Mutex<Option<Current>>,
}

/// The test a worker runs now.
pub(crate) struct Current {
    pub name: &'static str,
    pub attempt: u32,
    pub total_attempts: u32,
    /// Its `#[should_panic]`: a panic it expects opens no prompt.
    pub should_panic: ShouldPanic,
}

static STATE: OnceLock<WorkerState> = OnceLock::new();

impl WorkerState {
    /// Tells the coordinator something now (the prompt opened or closed, or
    /// the user quit).
    pub fn send(&self, report: &Report) {
        let mut w = self.reports.lock().unwrap_or_else(|e| e.into_inner());
        let _ = report.send(&mut *w);
    }

    /// The current test's output so far.
    pub fn output_so_far(&self) -> Vec<u8> {
        self.streams.contents().unwrap_or_default()
    }
}

/// The worker hosts the prompt: the terminal behind the capture, the
/// attempt of the test running, and quitting through the coordinator.
impl crate::postmortem::Host for WorkerState {
    fn interactive(&self, f: &mut dyn FnMut()) {
        self.send(&Report::Paused);
        self.streams.with_terminal(f);
        self.send(&Report::Resumed);
    }

    fn output_so_far(&self) -> Vec<u8> {
        WorkerState::output_so_far(self)
    }

    fn prompt_input(&self) -> bool {
        PROMPT_INPUT.get().copied().unwrap_or(false)
    }

    fn test_name(&self) -> Option<String> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|a| a.name.to_string())
    }

    /// As libtest judges `#[should_panic]`: the panic of the test's own
    /// thread (named after the test), with the expected text if one is
    /// given. A panic on a thread the test started is not the test's.
    fn expects_panic(&self, message: &str) -> bool {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let Some(c) = current.as_ref() else {
            return false;
        };
        std::thread::current().name() == Some(c.name) && c.should_panic.expects(message)
    }

    fn attempt(&self) -> Option<(u32, u32)> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|a| (a.attempt, a.total_attempts))
    }

    fn quit(&self) -> ! {
        self.send(&Report::Quit);
        unix::flush_all();
        std::process::exit(101);
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// How the test's own thread ended.
pub(super) enum Ending {
    Returned,
    ReturnedErr(String),
    Panicked(String),
}

pub(super) fn run_one(test: &'static Test, name: &str) -> Ending {
    let run = test.run;
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || run.call());
    match spawned.map(|h| h.join()) {
        Ok(Ok(Ok(()))) => Ending::Returned,
        Ok(Ok(Err(e))) => Ending::ReturnedErr(e),
        Ok(Err(payload)) => Ending::Panicked(panic_message(&*payload)),
        Err(e) => Ending::Panicked(format!("autopsy could not start the test's thread: {e}")),
    }
}

pub(super) fn verdict(test: &Test, ending: Ending) -> Verdict {
    let failed = |message: String, note: String| Verdict::Failed { message, note };
    match (ending, test.should_panic) {
        (Ending::Returned, ShouldPanic::No) => Verdict::Passed,
        (Ending::Returned, _) => failed(
            "test did not panic as expected".into(),
            format!(
                "note: test did not panic as expected at {}:{}:{}",
                test.file, test.line, test.column
            ),
        ),
        (Ending::ReturnedErr(e), _) => {
            // libtest's `Termination` prints the error to the test's stderr.
            let _ = writeln!(std::io::stderr(), "Error: {e}");
            failed(format!("Error: {e}"), String::new())
        }
        (Ending::Panicked(_), ShouldPanic::Yes) => Verdict::Passed,
        (Ending::Panicked(msg), ShouldPanic::Expected(want)) if msg.contains(want) => {
            Verdict::Passed
        }
        (Ending::Panicked(msg), ShouldPanic::Expected(want)) => {
            let note = format!(
                "note: panic did not contain expected string\n      panic message: {msg:?}\n expected substring: {want:?}"
            );
            failed(msg, note)
        }
        (Ending::Panicked(msg), ShouldPanic::No) => failed(msg, String::new()),
    }
}

/// Whether a test's captured output is read back: a passing test's only
/// where something shows it (a chatty test's output read back and sent
/// through the pipe, for nothing, cost a captured run more than the test's
/// own writes).
pub(super) fn shown(args: &HiArgs, verdict: &Verdict) -> bool {
    *verdict != Verdict::Passed
        || args.show_output
        || args.junit.is_some()
        || args.ensure_time.is_some()
}

/// When a panic's message never reached the captured `output` (the test
/// closed its stderr, or its own hook did not print it), the failure's note
/// still says why the test failed. Bytes searched from the end, where the
/// default hook printed it: a forward search, or one through a lossy copy,
/// of a chatty test's whole output (in the user's unoptimized build) cost
/// more than the test.
pub(super) fn note_unseen_panic(verdict: &mut Verdict, panicked: bool, output: &[u8]) {
    if let Verdict::Failed { message, note } = verdict {
        if panicked
            && note.is_empty()
            && memchr::memmem::rfind(output, message.as_bytes()).is_none()
        {
            *note = format!("note: the test panicked: {message}");
        }
    }
}

/// The hook std had before the worker's: printing the panic's message
/// stays its job.
type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;
static DEFAULT_HOOK: OnceLock<Hook> = OnceLock::new();

/// Set by the worker's hook: a test that panicked without it ran had
/// replaced the hook (`std::panic::set_hook`, `take_hook`).
static HOOK_RAN: AtomicBool = AtomicBool::new(false);

/// Where this worker writes a dump of each failing test: `--dump DIR`,
/// or, under `--pdb` with no terminal and no piped commands (CI), the
/// default directory, so that `--pdb` there leaves something to look at.
static DUMP_DIR: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();

/// Whether failures write dumps instead of opening a prompt nobody can
/// answer.
fn dumps_instead_of_prompts() -> bool {
    DUMP_DIR.get().is_some_and(|d| d.is_some()) && !PROMPT_INPUT.get().copied().unwrap_or(false)
}

/// Whether the worker's stdin, before capture points fd 0 at `/dev/null`,
/// can bring commands to a prompt.
static PROMPT_INPUT: OnceLock<bool> = OnceLock::new();

fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    HOOK_RAN.store(true, Ordering::Relaxed);
    let written = DUMP_DIR.get().cloned().flatten().and_then(|dir| {
        let state = STATE.get()?;
        let test = state
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|a| a.name.to_string())?;
        crate::postmortem::dump_panic(info, test, dir)
    });
    if crate::postmortem::wants_panics() {
        crate::postmortem::on_panic(info);
    }
    if let Some(default) = DEFAULT_HOOK.get() {
        default(info);
    }
    if let Some(w) = written {
        // Into the test's output: the failure's report names the dump.
        let _ = writeln!(std::io::stderr(), "{}", crate::dump::write::line(&w));
    }
    if crate::postmortem::quit_requested() {
        crate::postmortem::quit_now();
    }
}

/// Installs the worker's panic hook, before each test: a test that replaced
/// it (`set_hook`, `take_hook`) must not switch off `--pdb` and
/// `--showlocals` for the tests after it. (`panic_hook` is a function: the
/// box allocates nothing.)
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    if DEFAULT_HOOK.get().is_none() {
        let _ = DEFAULT_HOOK.set(previous);
    }
    std::panic::set_hook(Box::new(panic_hook));
}

/// Runs this process, the test binary started again by the coordinator, as
/// a worker until the coordinator closes its pipe.
pub(crate) fn run(args: &HiArgs, spec: &str) -> ! {
    // A test that starts this binary again must not get a worker.
    std::env::remove_var(unix::WORKER_ENV);
    let Some((commands, reports, capture)) = unix::worker_fds(spec) else {
        eprintln!("autopsy: malformed {} in the environment", unix::WORKER_ENV);
        std::process::exit(2);
    };
    serve(args, commands, reports, capture)
}

/// Runs this process as a worker until the coordinator closes `commands`:
/// the test binary started again ([`run`]), or a copy of the coordinator.
pub(crate) fn serve(args: &HiArgs, commands: File, reports: File, capture: Option<File>) -> ! {
    let _ = PROMPT_INPUT.set(crate::postmortem::prompt_input());
    let streams = match Streams::install(capture.filter(|_| args.capture)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("autopsy: cannot capture output: {e}");
            std::process::exit(2);
        }
    };
    // A process a test leaves running must stay visible (`has_children`).
    unix::become_subreaper();
    let state = STATE.get_or_init(|| WorkerState {
        streams,
        reports: Mutex::new(reports),
        current: Mutex::new(None),
    });
    crate::postmortem::set_host(state);
    crate::postmortem::configure(args);
    let _ = DUMP_DIR.set(args.dump.clone().or_else(|| {
        (args.pdb && !PROMPT_INPUT.get().copied().unwrap_or(false))
            .then(crate::dump::write::default_dir)
    }));
    if let Some(Some(dir)) = DUMP_DIR.get() {
        // A test that fails through `?` writes its dump there too.
        crate::postmortem::dump_questions_to(dir.clone());
        crate::__private::DUMP_ARMED.store(true, Ordering::Relaxed);
    }

    // In the same order as the coordinator's (one binary): a test is
    // found by its index, without naming and hashing every test.
    let tests = crate::registry::tests();
    // The attempt numbers last put in the environment.
    let mut exported: Option<(u32, u32)> = None;
    // Buffered: a frame's length and body, and the pipelined assignment
    // after it, in one read(2) instead of two per assignment.
    let mut commands = std::io::BufReader::new(commands);
    while let Ok(Some(assignment)) = Assignment::recv(&mut commands) {
        let Some(test) = tests.get(assignment.index as usize) else {
            eprintln!("autopsy: no test at index {}", assignment.index);
            std::process::exit(2);
        };
        let name = crate::list::test_name(test);
        let _ = state.streams.prepare();
        install_panic_hook();
        HOOK_RAN.store(false, Ordering::Relaxed);
        // SAFETY-ish: set_var races with threads reading the environment;
        // between tests only threads leaked by earlier tests can run. Set
        // only when they change (nearly every test is attempt 1 of 1): two
        // rewrites of the environment per test showed in a whole run.
        let attempts = (assignment.attempt, assignment.total_attempts);
        if exported != Some(attempts) {
            std::env::set_var("AUTOPSY_ATTEMPT", attempts.0.to_string());
            std::env::set_var("AUTOPSY_TOTAL_ATTEMPTS", attempts.1.to_string());
            exported = Some(attempts);
        }
        // Under --trace a failure opens the post-mortem too, as under --pdb.
        let traced = args.trace && assignment.attempt == assignment.total_attempts;
        let pdb = (assignment.pdb || traced)
            && !crate::postmortem::trace::input_ended()
            && !dumps_instead_of_prompts();
        PDB_ARMED.store(pdb, Ordering::Relaxed);
        crate::postmortem::trace::enter_test(test.file, test.stops);
        if traced {
            crate::postmortem::trace::arm_for_test();
        }
        *state.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(Current {
            name,
            attempt: assignment.attempt,
            total_attempts: assignment.total_attempts,
            should_panic: test.should_panic,
        });

        let start = Instant::now();
        let ending = run_one(test, name);
        let duration = start.elapsed();
        // What autopsy says about the test from here on goes into its
        // output even if the test closed or redirected fds 1 and 2.
        let _ = state.streams.restore();
        let panicked = matches!(ending, Ending::Panicked(_));
        let hook_replaced = panicked && !HOOK_RAN.load(Ordering::Relaxed);
        let mut verdict = verdict(test, ending);
        let lost_post_mortem = pdb || args.showlocals;
        if hook_replaced && lost_post_mortem && verdict != Verdict::Passed {
            let _ = writeln!(
                std::io::stderr(),
                "autopsy: this test replaced the panic hook (std::panic::set_hook or take_hook): \
                 its own hook ran instead of the post-mortem"
            );
        }

        PDB_ARMED.store(false, Ordering::Relaxed);
        crate::postmortem::trace::disarm();
        let output = match shown(args, &verdict) {
            true => state.output_so_far(),
            false => Vec::new(),
        };
        if state.streams.captures() {
            note_unseen_panic(&mut verdict, panicked, &output);
        }
        let report = Report::Finished {
            verdict,
            duration,
            output,
        };
        state.send(&report);
        if state.streams.captures() && unix::has_children() {
            // A process the test started outlives it and writes into this
            // worker's capture: what it prints later must not be shown
            // under another test's name. A fresh worker, with a fresh
            // capture file, runs the rest.
            state.send(&Report::Retiring);
            break;
        }
    }
    unix::flush_all();
    std::process::exit(0);
}
