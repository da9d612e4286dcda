//! A script's thread: it compiles the script, runs its top level and `on_start`, then calls
//! its handlers as inputs come and its timers fall due, each handler under a time limit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use indexmap::IndexMap;
use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, FuncArgs, Map, Position, Scope};

use super::api::{self, Peer};
use super::outbox::{Callee, Due, Outbox, STOP_ASKED, TOO_MUCH_MEMORY, Timer};
use super::{HANDLER_MEMORY_LIMIT, HANDLER_TIME_LIMIT, STATE_LIMIT, ScriptSetup};
use super::{ScriptEnd, ScriptError, ScriptInput, ScriptOutput, ScriptPeer};
use crate::i18n::tr;
use crate::net::{Command, Toward, Verdict};

/// Peers a script keeps state for at most (UDP senders come and go unannounced): past it, the
/// one heard from longest ago is forgotten.
const PEER_LIMIT: usize = 1024;

/// Timers run at most in a row before inputs are looked at again.
const TIMERS_IN_A_ROW: usize = 64;

/// How much of its time the script spends measuring its state, at most (1 in this many).
const MEASURE_SHARE: u32 = 50;

/// How a handler's run ended, when not normally.
enum Halt {
    Stopped,
    Failed(ScriptError),
}

pub(super) fn run(
    setup: &ScriptSetup,
    taken: &Receiver<ScriptInput>,
    backlog: &super::Backlog,
    said: &Sender<ScriptOutput>,
    stop: &Arc<AtomicBool>,
) {
    let outbox = Rc::new(Outbox::new(said.clone(), Arc::clone(stop), setup));
    // A panic in the engine or a native function ends the script with a message, not in
    // silence.
    let ran = catch_unwind(AssertUnwindSafe(|| match Runner::start(setup, &outbox) {
        Ok(mut runner) => runner.serve(taken, backlog),
        Err(halt) => halt,
    }));
    let end = match ran {
        Ok(Halt::Stopped) => ScriptEnd::Stopped,
        Ok(Halt::Failed(error)) => ScriptEnd::Failed(error),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let message = tr!(setup.language, "script.engine_failed", error = what);
            ScriptEnd::Failed(ScriptError {
                line: None,
                column: None,
                message: message.into_owned(),
            })
        }
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
    /// When the state may be measured again (measuring a large state takes a while).
    measure_after: Instant,
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
            measure_after: Instant::now(),
        };
        runner.check_handlers()?;
        runner.outbox.handler_starts();
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

    /// Serves inputs and timers until stopped, or until a handler fails. Timers that are due
    /// run before the next input, so a steady stream of inputs does not starve them.
    fn serve(&mut self, taken: &Receiver<ScriptInput>, backlog: &super::Backlog) -> Halt {
        loop {
            if self.outbox.stopped() {
                return Halt::Stopped;
            }
            if let Err(halt) = self.run_due() {
                return halt;
            }
            let next_at = self.outbox.timers.borrow().next_at();
            let far = Instant::now() + Duration::from_secs(3600);
            let result = match taken.recv_deadline(next_at.unwrap_or(far)) {
                Ok(input) => {
                    backlog.taken(&input);
                    self.take(input)
                }
                Err(RecvTimeoutError::Timeout) => Ok(()),
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
            ScriptInput::Passing {
                peer: who,
                toward,
                number,
                bytes,
            } => self.judge(who, (toward, number), bytes),
        }
    }

    /// Relay: calls `on_message` with a read passing through, and tells the relay what its
    /// value says becomes of the read (no handler: it goes on as it is).
    fn judge(
        &mut self,
        who: ScriptPeer,
        (toward, number): (Toward, u64),
        bytes: Vec<u8>,
    ) -> Result<(), Halt> {
        let Some(id) = who.client else {
            return Ok(());
        };
        let mut peer = self.peer(who);
        if let Some(mut passing) = peer.write_lock::<Peer>() {
            passing.toward = Some(toward);
        }
        let value = self.call_for("on_message", (peer, Dynamic::from_blob(bytes)))?;
        let verdict = match value {
            None => Verdict::AsItIs,
            Some(value) => api::verdict(value, self.outbox.encoding).map_err(|message| {
                let handler = "on_message";
                let message = tr!(
                    self.outbox.language,
                    "script.in_handler",
                    handler = handler,
                    message = message
                );
                Halt::Failed(located(Position::NONE, message.into_owned()))
            })?,
        };
        let pass = Command::Pass {
            id,
            toward,
            number,
            verdict,
        };
        let put = self.outbox.put(ScriptOutput::Command(pass));
        put.map_err(|error| self.halt(*error, Some("on_message")))
    }

    /// Runs what is due (timers' handlers, later sends), at most [`TIMERS_IN_A_ROW`].
    fn run_due(&mut self) -> Result<(), Halt> {
        for _ in 0..TIMERS_IN_A_ROW {
            let now = Instant::now();
            let Some(timer) = self.outbox.timers.borrow_mut().take_due(now) else {
                return Ok(());
            };
            match timer.due {
                Due::Send(command) => {
                    // Its own time to wait for room, not the last handler's.
                    self.outbox.handler_starts();
                    let put = self.outbox.put(ScriptOutput::Command(command));
                    put.map_err(|error| self.halt(*error, None))?;
                }
                Due::Call { callee, every } => {
                    if let Some(every) = every {
                        // The next run is timed from when this one was due, so a steady
                        // stream does not drift; one that fell far behind starts over.
                        let next = (timer.at + every).max(now);
                        let due = Due::Call {
                            callee: callee.clone(),
                            every: Some(every),
                        };
                        self.outbox.timers.borrow_mut().again(Timer {
                            id: timer.id,
                            at: next,
                            due,
                        });
                    }
                    self.call_timer(&callee)?;
                }
            }
        }
        Ok(())
    }

    /// Calls what a timer names: a function without parameters, or a closure.
    fn call_timer(&mut self, callee: &Callee) -> Result<(), Halt> {
        let name = match callee {
            Callee::Named(name) => name,
            Callee::Closure(closure) => {
                if self.outbox.stopped() {
                    return Err(Halt::Stopped);
                }
                self.outbox.handler_starts();
                let result = closure.call::<Dynamic>(&self.engine, &self.ast, ());
                let name = tr!(self.outbox.language, "script.timer_closure");
                result
                    .map(drop)
                    .map_err(|error| self.halt(*error, Some(&name)))?;
                return self.measure();
            }
        };
        let takes_none = self
            .ast
            .iter_functions()
            .any(|function| function.name == name.as_str() && function.params.is_empty());
        if !takes_none {
            let message = tr!(
                self.outbox.language,
                "script.no_timer_function",
                name = name
            );
            return Err(Halt::Failed(ScriptError {
                line: None,
                column: None,
                message: message.into_owned(),
            }));
        }
        self.call(name, ())
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
            toward: None,
            state,
            outbox: Rc::clone(&self.outbox),
        })
    }

    /// Calls `name` if the script has it (with `this` bound), under the time limit; then
    /// measures what the script keeps.
    fn call(&mut self, name: &str, args: impl FuncArgs) -> Result<(), Halt> {
        self.call_for(name, args).map(drop)
    }

    /// [`Self::call`], returning what the function returned (`None`: the script has no
    /// such function).
    fn call_for(&mut self, name: &str, args: impl FuncArgs) -> Result<Option<Dynamic>, Halt> {
        if self.outbox.stopped() {
            return Err(Halt::Stopped);
        }
        if !self
            .ast
            .iter_functions()
            .any(|function| function.name == name)
        {
            return Ok(None);
        }
        self.outbox.handler_starts();
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
        let value = result.map_err(|error| self.halt(*error, Some(name)))?;
        self.measure()?;
        Ok(Some(value))
    }

    /// Fails the script if what it keeps from call to call (`this`, each `peer.state`) has
    /// grown past [`STATE_LIMIT`]. A large state takes a while to measure: then it is
    /// measured less often, so that measuring takes at most one part in [`MEASURE_SHARE`].
    fn measure(&mut self) -> Result<(), Halt> {
        let now = Instant::now();
        if now < self.measure_after {
            return Ok(());
        }
        let kept =
            super::size::of(&self.this) + self.peers.values().map(super::size::of).sum::<usize>();
        self.measure_after = now + now.elapsed() * MEASURE_SHARE;
        if kept <= STATE_LIMIT {
            return Ok(());
        }
        let limit = STATE_LIMIT >> 20;
        let message = tr!(
            self.outbox.language,
            "script.state_too_large",
            limit = limit
        );
        Err(Halt::Failed(ScriptError {
            line: None,
            column: None,
            message: message.into_owned(),
        }))
    }

    /// Why the script ends after `error` in the handler `name`.
    fn halt(&self, error: EvalAltResult, name: Option<&str>) -> Halt {
        let language = self.outbox.language;
        let handler = name.unwrap_or("");
        let (error, position) = innermost(error);
        let message = match error {
            EvalAltResult::ErrorTerminated(reason, _) => match reason.to_string().as_str() {
                STOP_ASKED => return Halt::Stopped,
                TOO_MUCH_MEMORY => {
                    let limit = HANDLER_MEMORY_LIMIT >> 20;
                    tr!(
                        language,
                        "script.too_much_memory",
                        handler = handler,
                        limit = limit
                    )
                }
                _ => {
                    let limit = HANDLER_TIME_LIMIT.as_millis();
                    tr!(
                        language,
                        "script.too_long",
                        handler = handler,
                        limit = limit
                    )
                }
            }
            .into_owned(),
            EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
            other => other.to_string(),
        };
        // Rhai knows no place for some errors (a limit reached, a stop from outside): then
        // the message names the handler.
        let message = match name {
            Some(handler) if position.is_none() && !message.contains(handler) => tr!(
                language,
                "script.in_handler",
                handler = handler,
                message = message
            )
            .into_owned(),
            _ => message,
        };
        Halt::Failed(located(position, message))
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
