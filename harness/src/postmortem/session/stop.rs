//! Why the thread stopped: what the prompt's header tells.

/// Why the thread stopped.
#[derive(Debug, Clone)]
pub(crate) enum Stop {
    /// A panic: its message, `file:line:col`, and the thread's name.
    Panic {
        message: String,
        location: String,
        thread: String,
    },
    /// `?` in a test body about to return an error.
    Question {
        error: String,
        location: String,
        thread: String,
    },
    /// `autopsy::post_mortem!(&err)`: an error the code caught, as `{:?}`.
    Caught {
        error: String,
        location: String,
        thread: String,
    },
    /// `autopsy::breakpoint!()`.
    Breakpoint { location: String, thread: String },
    /// A trace stop under `--trace`: stepping or a breakpoint set with `b`.
    Trace { location: String, thread: String },
    /// A fatal signal (a dump's, reopened): its description, where.
    Signal {
        signal: String,
        location: String,
        thread: String,
    },
}

impl Stop {
    pub fn thread_name(&self) -> &str {
        self.thread()
    }

    pub(super) fn thread(&self) -> &str {
        match self {
            Stop::Panic { thread, .. }
            | Stop::Signal { thread, .. }
            | Stop::Question { thread, .. }
            | Stop::Caught { thread, .. }
            | Stop::Breakpoint { thread, .. }
            | Stop::Trace { thread, .. } => thread,
        }
    }

    pub(super) fn location(&self) -> &str {
        match self {
            Stop::Panic { location, .. }
            | Stop::Signal { location, .. }
            | Stop::Question { location, .. }
            | Stop::Caught { location, .. }
            | Stop::Breakpoint { location, .. }
            | Stop::Trace { location, .. } => location,
        }
    }

    /// Whether the thread can go on running statements (not a failure).
    pub fn is_live(&self) -> bool {
        matches!(self, Stop::Breakpoint { .. } | Stop::Trace { .. })
    }

    /// What `panic` prints and the header shows.
    pub fn describe(&self) -> String {
        match self {
            Stop::Panic {
                message,
                location,
                thread,
            } => {
                format!("thread '{thread}' panicked at {location}:\n{message}")
            }
            Stop::Question {
                error,
                location,
                thread,
            } => {
                format!("thread '{thread}' returned early at {location} through `?`:\n{error}")
            }
            Stop::Caught {
                error,
                location,
                thread,
            } => format!("thread '{thread}' caught an error at {location}:\n{error}"),
            Stop::Breakpoint { location, thread } => {
                format!("thread '{thread}' stopped at breakpoint!() in {location}")
            }
            Stop::Trace { location, thread } => format!("thread '{thread}' stopped at {location}"),
            Stop::Signal {
                signal,
                location,
                thread,
            } => format!("thread '{thread}' received a fatal signal at {location}:\n{signal}"),
        }
    }
}
