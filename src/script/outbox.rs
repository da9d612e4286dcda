//! What a script's native functions share with its runner: where its outputs go (waiting for
//! room only while the handler may still run), its timers and later sends (bounded in number
//! and in bytes), how many lines it may print a second, and the running handler's deadline.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{SendTimeoutError, Sender};
use rhai::{EvalAltResult, Position};

use super::ScriptOutput;
use crate::codec::TextEncoding;
use crate::i18n::{Language, tr};
use crate::net::Command;
use crate::session::Mode;

/// Timers and later sends a script may have waiting at most.
pub(super) const TIMER_LIMIT: usize = 1024;

/// The bytes later sends may hold at most, all together.
pub(super) const LATER_BYTES_LIMIT: usize = 16 * 1024 * 1024;

/// Lines a script may print a second; past it, lines are counted and the count said.
const PRINTS_PER_SECOND: u32 = 200;

/// How often a script waiting for room in its output looks whether it was stopped.
const OUTPUT_POLL: Duration = Duration::from_millis(20);

/// The reasons a handler is stopped from outside (Rhai's termination token).
pub(super) const STOP_ASKED: &str = "stop asked";
pub(super) const TOO_LONG: &str = "too long";
pub(super) const TOO_MUCH_MEMORY: &str = "too much memory";

pub(super) struct Outbox {
    said: Sender<ScriptOutput>,
    stop: Arc<AtomicBool>,
    pub mode: Mode,
    pub encoding: TextEncoding,
    pub language: Language,
    pub timers: RefCell<Timers>,
    deadline: Cell<Instant>,
    prints: Cell<Prints>,
    /// The process's resident memory as the running handler started, in bytes.
    resident_at_start: Cell<Option<u64>>,
}

/// Lines printed in the current second, and those not shown since the last shown.
#[derive(Clone, Copy)]
struct Prints {
    second_began: Instant,
    shown: u32,
    not_shown: u64,
}

impl Outbox {
    pub fn new(
        said: Sender<ScriptOutput>,
        stop: Arc<AtomicBool>,
        setup: &super::ScriptSetup,
    ) -> Self {
        Self {
            said,
            stop,
            mode: setup.mode,
            encoding: setup.encoding,
            language: setup.language,
            timers: RefCell::default(),
            deadline: Cell::new(Instant::now() + super::HANDLER_TIME_LIMIT),
            prints: Cell::new(Prints {
                second_began: Instant::now(),
                shown: 0,
                not_shown: 0,
            }),
            resident_at_start: Cell::new(None),
        }
    }

    /// A handler starts: it has until the time limit, and its memory is measured from now.
    pub fn handler_starts(&self) {
        self.deadline
            .set(Instant::now() + super::HANDLER_TIME_LIMIT);
        self.resident_at_start.set(resident_bytes());
    }

    /// Hands the host `output`, waiting for room while the handler may still run.
    pub fn put(&self, output: ScriptOutput) -> Result<(), Box<EvalAltResult>> {
        let mut output = output;
        loop {
            match self.said.send_timeout(output, OUTPUT_POLL) {
                Ok(()) => return Ok(()),
                Err(SendTimeoutError::Disconnected(_)) => return Err(terminated(STOP_ASKED)),
                Err(SendTimeoutError::Timeout(back)) => {
                    if let Some(reason) = self.halt() {
                        return Err(terminated(reason));
                    }
                    output = back;
                }
            }
        }
    }

    /// A line the script printed, unless it has printed too many this second (then counted,
    /// and the count said before the next line shown).
    pub fn say(&self, text: &str) -> Result<(), Box<EvalAltResult>> {
        let mut prints = self.prints.get();
        let now = Instant::now();
        if now.duration_since(prints.second_began) >= Duration::from_secs(1) {
            prints.second_began = now;
            prints.shown = 0;
        }
        if prints.shown >= PRINTS_PER_SECOND {
            prints.not_shown += 1;
            self.prints.set(prints);
            return Ok(());
        }
        prints.shown += 1;
        let not_shown = std::mem::take(&mut prints.not_shown);
        self.prints.set(prints);
        if not_shown > 0 {
            let count = tr!(self.language, "script.not_shown", count = not_shown);
            self.put(ScriptOutput::Say(count.into_owned()))?;
        }
        self.put(ScriptOutput::Say(text.to_owned()))
    }

    /// Why the running handler must end now, if it must. `deep` also measures memory (a
    /// file read on Linux: for one look in many).
    pub fn halt_looking(&self, deep: bool) -> Option<&'static str> {
        if let Some(reason) = self.halt() {
            return Some(reason);
        }
        let grown = match (
            deep.then(resident_bytes).flatten(),
            self.resident_at_start.get(),
        ) {
            (Some(now), Some(start)) => now.saturating_sub(start),
            _ => 0,
        };
        (grown > super::HANDLER_MEMORY_LIMIT).then_some(TOO_MUCH_MEMORY)
    }

    /// Why the running handler must end now: stopped, or out of time.
    pub fn halt(&self) -> Option<&'static str> {
        if self.stopped() {
            Some(STOP_ASKED)
        } else if Instant::now() >= self.deadline.get() {
            Some(TOO_LONG)
        } else {
            None
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

pub(super) fn terminated(reason: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(reason.into(), Position::NONE).into()
}

/// The process's resident memory, where the system says it (Linux).
fn resident_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * 4096)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// What waits for its time: a function to call, or a send.
pub(super) enum Due {
    Call {
        callee: Callee,
        every: Option<Duration>,
    },
    Send(Command),
}

/// What a timer calls.
#[derive(Clone)]
pub(super) enum Callee {
    /// A function of the script's, with `this`.
    Named(String),
    /// A closure, with what it captured (no `this`).
    Closure(rhai::FnPtr),
}

impl Due {
    fn bytes(&self) -> usize {
        match self {
            Self::Send(Command::Send { bytes, .. }) => bytes.len(),
            _ => 0,
        }
    }
}

pub(super) struct Timer {
    pub id: i64,
    pub at: Instant,
    pub due: Due,
}

/// A script's timers and later sends, in no order.
#[derive(Default)]
pub(super) struct Timers {
    waiting: Vec<Timer>,
    last_id: i64,
    /// The bytes of the later sends waiting.
    bytes: usize,
}

impl Timers {
    /// Adds `due` at `at`; its id, or why not.
    pub fn add(&mut self, at: Instant, due: Due) -> Result<i64, String> {
        if self.waiting.len() >= TIMER_LIMIT {
            return Err(format!(
                "{TIMER_LIMIT} timers and later sends are waiting already"
            ));
        }
        let bytes = due.bytes();
        if self.bytes + bytes > LATER_BYTES_LIMIT {
            return Err(format!(
                "later sends would hold more than {} MiB",
                LATER_BYTES_LIMIT >> 20
            ));
        }
        self.bytes += bytes;
        self.last_id += 1;
        let id = self.last_id;
        self.waiting.push(Timer { id, at, due });
        Ok(id)
    }

    /// Puts back a repeating timer under its own id.
    pub fn again(&mut self, timer: Timer) {
        self.waiting.push(timer);
    }

    /// Cancels timer `id`; whether it was waiting.
    pub fn cancel(&mut self, id: i64) -> bool {
        let Some(index) = self.waiting.iter().position(|timer| timer.id == id) else {
            return false;
        };
        let timer = self.waiting.swap_remove(index);
        self.bytes -= timer.due.bytes();
        true
    }

    pub fn next_at(&self) -> Option<Instant> {
        self.waiting.iter().map(|timer| timer.at).min()
    }

    /// The first timer due by `now`, taken out.
    pub fn take_due(&mut self, now: Instant) -> Option<Timer> {
        let index = (0..self.waiting.len())
            .filter(|&index| self.waiting[index].at <= now)
            .min_by_key(|&index| self.waiting[index].at)?;
        let timer = self.waiting.swap_remove(index);
        self.bytes -= timer.due.bytes();
        Some(timer)
    }
}
