//! A script's thread: it compiles the script, runs its top level and `on_start`, then calls
//! its handlers as inputs come and its timers fall due, each handler under a time limit.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};
use indexmap::IndexMap;
use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, FuncArgs, Map, Position, Scope};

use super::ScriptSetup;
use super::api::{self, Peer};
use super::{HANDLER_TIME_LIMIT, ScriptEnd, ScriptError, ScriptInput, ScriptOutput, ScriptPeer};
use crate::codec::TextEncoding;
use crate::i18n::{Language, tr};
use crate::net::Command;
use crate::session::Mode;

/// Peers a script keeps state for at most (UDP senders come and go unannounced): past it, the
/// one heard from longest ago is forgotten.
const PEER_LIMIT: usize = 4096;

/// Timers and later sends a script may have waiting at most.
pub(super) const TIMER_LIMIT: usize = 1024;

/// How often a script waiting for room in its output looks whether it was stopped.
const OUTPUT_POLL: Duration = Duration::from_millis(20);

/// The reasons [`Outbox::progress`] gives Rhai to stop a handler.
const STOP_ASKED: &str = "stop asked";
const TOO_LONG: &str = "too long";

/// What the script's native functions share with the runner: where its outputs go, its
/// timers, and the running handler's deadline.
pub(super) struct Outbox {
    said: Sender<ScriptOutput>,
    stop: Arc<AtomicBool>,
    pub mode: Mode,
    pub encoding: TextEncoding,
    pub language: Language,
    pub timers: RefCell<Timers>,
    deadline: Cell<Instant>,
}

impl Outbox {
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

    /// Why the running handler must end now, if it must.
    pub(super) fn halt(&self) -> Option<&'static str> {
        if self.stop.load(Ordering::Relaxed) {
            Some(STOP_ASKED)
        } else if Instant::now() >= self.deadline.get() {
            Some(TOO_LONG)
        } else {
            None
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

fn terminated(reason: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(reason.into(), Position::NONE).into()
}

/// What waits for its time: a handler to call, or a send.
pub(super) enum Due {
    Call {
        handler: String,
        every: Option<Duration>,
    },
    Send(Command),
}

pub(super) struct Timer {
    pub id: i64,
    pub at: Instant,
    pub due: Due,
}

/// A script's timers and later sends, in no order.
#[derive(Default)]
pub(super) struct Timers {
    pub waiting: Vec<Timer>,
    pub last_id: i64,
}

impl Timers {
    fn next_at(&self) -> Option<Instant> {
        self.waiting.iter().map(|timer| timer.at).min()
    }

    /// The first timer due by `now`, taken out.
    fn take_due(&mut self, now: Instant) -> Option<Timer> {
        let index = (0..self.waiting.len())
            .filter(|&index| self.waiting[index].at <= now)
            .min_by_key(|&index| self.waiting[index].at)?;
        Some(self.waiting.swap_remove(index))
    }
}

/// How a handler's run ended, when not normally.
enum Halt {
    Stopped,
    Failed(ScriptError),
}

pub(super) fn run(
    setup: &ScriptSetup,
    taken: &Receiver<ScriptInput>,
    said: &Sender<ScriptOutput>,
    stop: &Arc<AtomicBool>,
) {
    let outbox = Rc::new(Outbox {
        said: said.clone(),
        stop: Arc::clone(stop),
        mode: setup.mode,
        encoding: setup.encoding,
        language: setup.language,
        timers: RefCell::default(),
        deadline: Cell::new(Instant::now() + HANDLER_TIME_LIMIT),
    });
    let end = match Runner::start(setup, &outbox) {
        Ok(mut runner) => runner.serve(taken),
        Err(halt) => halt,
    };
    let end = match end {
        Halt::Stopped => ScriptEnd::Stopped,
        Halt::Failed(error) => ScriptEnd::Failed(error),
    };
    // The host may be gone already: then no one needs to know.
    let _ = said.send(ScriptOutput::Ended(end));
}

struct Runner {
    engine: Engine,
    ast: AST,
    scope: Scope<'static>,
    /// The script's own state across calls: `this` in every handler.
    this: Dynamic,
    /// Each peer's `state`, in the order they were last heard from.
    peers: IndexMap<ScriptPeer, Dynamic>,
    outbox: Rc<Outbox>,
}

impl Runner {
    /// Compiles the script, runs its top level and its `on_start`.
    fn start(setup: &ScriptSetup, outbox: &Rc<Outbox>) -> Result<Self, Halt> {
        let engine = api::engine(outbox);
        let ast = engine
            .compile(&setup.source)
            .map_err(|error| Halt::Failed(located(error.1, error.0.to_string())))?;
        let mut runner = Self {
            engine,
            ast,
            scope: Scope::new(),
            this: Dynamic::from_map(Map::new()),
            peers: IndexMap::new(),
            outbox: Rc::clone(outbox),
        };
        runner.check_handlers()?;
        runner
            .outbox
            .deadline
            .set(Instant::now() + HANDLER_TIME_LIMIT);
        let top = runner
            .engine
            .run_ast_with_scope(&mut runner.scope, &runner.ast);
        top.map_err(|error| runner.halt(*error, None))?;
        runner.call("on_start", ())?;
        Ok(runner)
    }

    /// A handler with the wrong number of parameters would never be called: say so at once.
    fn check_handlers(&self) -> Result<(), Halt> {
        const HANDLERS: [(&str, usize); 4] = [
            ("on_start", 0),
            ("on_connect", 1),
            ("on_disconnect", 1),
            ("on_message", 2),
        ];
        for function in self.ast.iter_functions() {
            let Some(&(name, wanted)) = HANDLERS.iter().find(|(name, _)| *name == function.name)
            else {
                continue;
            };
            if function.params.len() != wanted {
                let language = self.outbox.language;
                let got = function.params.len();
                let message = tr!(
                    language,
                    "script.handler_params",
                    name = name,
                    wanted = wanted,
                    got = got
                );
                return Err(Halt::Failed(ScriptError {
                    line: None,
                    column: None,
                    message: message.into_owned(),
                }));
            }
        }
        Ok(())
    }

    /// Serves inputs and timers until stopped, or until a handler fails.
    fn serve(&mut self, taken: &Receiver<ScriptInput>) -> Halt {
        loop {
            if self.outbox.stopped() {
                return Halt::Stopped;
            }
            let next_at = self.outbox.timers.borrow().next_at();
            let far = Instant::now() + Duration::from_secs(3600);
            let result = match taken.recv_deadline(next_at.unwrap_or(far)) {
                Ok(input) => self.take(input),
                Err(RecvTimeoutError::Timeout) => self.run_due(),
                Err(RecvTimeoutError::Disconnected) => return Halt::Stopped,
            };
            if let Err(halt) = result {
                return halt;
            }
        }
    }

    fn take(&mut self, input: ScriptInput) -> Result<(), Halt> {
        match input {
            ScriptInput::Connected(who) => {
                let peer = self.peer(who);
                self.call("on_connect", (peer,))
            }
            ScriptInput::Disconnected(who) => {
                let peer = self.peer(who);
                self.peers.shift_remove(&who);
                self.call("on_disconnect", (peer,))
            }
            ScriptInput::Message { peer: who, bytes } => {
                let peer = self.peer(who);
                self.call("on_message", (peer, Dynamic::from_blob(bytes)))
            }
        }
    }

    /// Runs what is due: timers' handlers, and later sends.
    fn run_due(&mut self) -> Result<(), Halt> {
        loop {
            let now = Instant::now();
            let Some(timer) = self.outbox.timers.borrow_mut().take_due(now) else {
                return Ok(());
            };
            match timer.due {
                Due::Send(command) => {
                    let put = self.outbox.put(ScriptOutput::Command(command));
                    put.map_err(|error| self.halt(*error, None))?;
                }
                Due::Call { handler, every } => {
                    if let Some(every) = every {
                        // The next run is timed from when this one was due, so a steady
                        // stream does not drift; one that fell far behind starts over.
                        let next = (timer.at + every).max(now);
                        let due = Due::Call {
                            handler: handler.clone(),
                            every: Some(every),
                        };
                        self.outbox.timers.borrow_mut().waiting.push(Timer {
                            id: timer.id,
                            at: next,
                            due,
                        });
                    }
                    self.call(&handler, ())?;
                }
            }
        }
    }

    /// The script's value for `who`, with the state it keeps for it.
    fn peer(&mut self, who: ScriptPeer) -> Dynamic {
        let state = match self.peers.shift_remove(&who) {
            Some(state) => state,
            None => Dynamic::from_map(Map::new()).into_shared(),
        };
        if self.peers.len() >= PEER_LIMIT {
            self.peers.shift_remove_index(0);
        }
        self.peers.insert(who, state.clone());
        Dynamic::from(Peer {
            who,
            state,
            outbox: Rc::clone(&self.outbox),
        })
    }

    /// Calls `name` if the script has it (with `this` bound), under the time limit.
    fn call(&mut self, name: &str, args: impl FuncArgs) -> Result<(), Halt> {
        if !self
            .ast
            .iter_functions()
            .any(|function| function.name == name)
        {
            return Ok(());
        }
        self.outbox
            .deadline
            .set(Instant::now() + HANDLER_TIME_LIMIT);
        let options = CallFnOptions::new()
            .eval_ast(false)
            .rewind_scope(true)
            .bind_this_ptr(&mut self.this);
        let result = self.engine.call_fn_with_options::<Dynamic>(
            options,
            &mut self.scope,
            &self.ast,
            name,
            args,
        );
        result
            .map(drop)
            .map_err(|error| self.halt(*error, Some(name)))
    }

    /// Why the script ends after `error` in the handler `name`.
    fn halt(&self, error: EvalAltResult, name: Option<&str>) -> Halt {
        let language = self.outbox.language;
        let (error, position) = innermost(error);
        match error {
            EvalAltResult::ErrorTerminated(reason, _) if reason.to_string() == STOP_ASKED => {
                Halt::Stopped
            }
            EvalAltResult::ErrorTerminated(..) => {
                let limit = HANDLER_TIME_LIMIT.as_millis();
                let handler = name.unwrap_or("");
                let message = tr!(
                    language,
                    "script.too_long",
                    handler = handler,
                    limit = limit
                );
                Halt::Failed(located(position, message.into_owned()))
            }
            EvalAltResult::ErrorRuntime(value, _) => {
                Halt::Failed(located(position, value.to_string()))
            }
            other => Halt::Failed(located(position, other.to_string())),
        }
    }
}

/// The error a chain of calls ended in, and where in the script it happened.
fn innermost(error: EvalAltResult) -> (EvalAltResult, Position) {
    let mut error = error;
    let mut position = error.position();
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, at) = error {
        if !at.is_none() {
            position = at;
        }
        error = *inner;
        if !error.position().is_none() {
            position = error.position();
        }
    }
    (error, position)
}

/// `message` at `position` (its text without Rhai's own "(line L, position C)").
fn located(position: Position, message: String) -> ScriptError {
    let message = match message.rfind(" (line ") {
        Some(at) if message.ends_with(')') => message[..at].to_owned(),
        _ => message,
    };
    ScriptError {
        line: position.line(),
        column: position.position(),
        message,
    }
}
