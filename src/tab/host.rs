//! A tab's session host: the one thread that changes its session. It lives as long as the tab
//! and runs its worker: it takes the worker's events as they come and the UI's [`Request`]s in
//! the order sent. Received and sent bytes go through its [`Stage`] (framing and its idle-gap
//! timers, counting) into the tab's files (Record, Save data, `--log`) and past the
//! auto-reply rules at once; the session gets what the stage made when the UI is not reading
//! it.
//!
//! Why a thread: on the UI thread this work could only use the slice of each frame left after
//! drawing (a flood was taken in at a third of the wire's pace), and it stopped whenever frames
//! did (a minimized window): recordings, replies and idle-gap frames with it.
//!
//! Why a stage: a frame reads the session under one read lock (see [`super::link`]), so the
//! host never waits for a frame to take events: files and rules need no session, and what the
//! session must show waits in the stage (bounded) until the host gets the write lock, which it
//! only tries for. What changes the session's state (a client left, the session ended, a
//! request) waits for that lock before anything after it is taken, so every file keeps the
//! order of events.
//!
//! Back-pressure: while a file's queue or the stage is full the host takes no events, so the
//! worker's queue fills and it stops reading: TCP senders slow down, nothing is lost.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Select, Sender};

use super::Wake;
use super::link::Shared;
use super::outputs::Outputs;
use super::request::{Launch, Request};
use super::scripting::{self, Scripting};
use crate::export::Backlog;
use crate::i18n::tr;
use crate::net::{Command, Event, EventKind, Next, Worker};
use crate::script::{ScriptEnd, ScriptOutput};
use crate::session::{EntryKind, Mode, Session, Stage, Status};

/// The longest the host works on a batch of events before it looks at the session again.
const BATCH_TIME: Duration = Duration::from_micros(300);

/// Received bytes the stage holds for the session at most (while a frame reads it).
const STAGE_LIMIT: usize = 1024 * 1024;

/// How long the host waits for a frame to let go of the session, at a time, when something
/// that changes the session's state must reach it before anything else is taken.
const HAND_OVER_WAIT: Duration = Duration::from_millis(2);

/// How soon the host tries again to hand the session what waits in the stage.
const HAND_OVER_RETRY: Duration = Duration::from_millis(1);

/// How often a host whose files are behind looks whether they have room, at the latest: the
/// file's bell wakes it sooner (a file fed by several tabs rings for one of them).
const BACKLOG_CHECK: Duration = Duration::from_millis(5);

/// Starts the host of a tab in `mode`. It ends once the tab's request sender is gone.
pub(super) fn spawn(
    mode: Mode,
    shared: Arc<Shared>,
    requests: Receiver<Request>,
    outputs: Outputs,
    wake: Wake,
) -> std::io::Result<()> {
    let stage = Stage::new(mode, outputs.framing.clone());
    let host = Host {
        mode,
        shared,
        requests,
        wake,
        worker: None,
        listen_again: None,
        stage,
        outputs,
        held: None,
        finishing: Vec::new(),
        script: Scripting::default(),
        unsent_said: false,
    };
    thread::Builder::new()
        .name(format!("session {mode:?}"))
        .spawn(move || host.run())
        .map(drop)
}

/// What must reach the session before anything after it is taken.
enum Held {
    Event(Event),
    Request(Request),
    /// What the script printed, or how it ended.
    Script(ScriptOutput),
    /// Something the script missed.
    ScriptMissed(Missed),
}

/// What a script missed, for the log.
enum Missed {
    /// A send with no session open.
    Unsent,
    /// The script itself: its thread ended without saying how.
    Vanished,
}

/// What the host woke up for.
enum Wait {
    Event(Event),
    Request(Request),
    Script(ScriptOutput),
    ScriptGone,
    Timeout,
    /// A full file has room again.
    Room,
    WorkerEnded,
    TabGone,
}

struct Host {
    mode: Mode,
    shared: Arc<Shared>,
    requests: Receiver<Request>,
    wake: Wake,
    worker: Option<Worker>,
    /// Listen was asked for while the worker was still there (a server serving clients after
    /// Stop): if the worker ends before it listens, a new one starts from this.
    listen_again: Option<Launch>,
    stage: Stage,
    outputs: Outputs,
    held: Option<Held>,
    /// Told (by being dropped) when the worker has ended and its last events are in.
    finishing: Vec<Sender<()>>,
    /// The tab's script, while one runs.
    script: Scripting,
    /// The log has said a script's send found no session; said again once one starts.
    unsent_said: bool,
}

impl Host {
    fn run(mut self) {
        while self.turn() {}
    }

    /// One turn: hand the session what waits for it, wait for something to do, do it.
    /// Returns false once the tab has gone.
    fn turn(&mut self) -> bool {
        if self.held.is_some() || !self.stage.is_empty() {
            self.try_hand_over();
            if self.held.is_some() {
                return true;
            }
        }
        let queued = self.worker.as_ref().map_or(0, Worker::queued_bytes);
        self.shared.set_queued_bytes(queued);
        // A file or the script behind: take nothing until they catch up, so the worker stops
        // reading.
        let full = self.outputs.full_backlog();
        let held_back = full.is_some() || self.script.is_behind();
        let due = self.frame_due();
        let now = Instant::now();
        // Idle, it sleeps until an event or a request comes: nothing else needs it.
        let mut deadline = due.unwrap_or(now + Duration::from_secs(3600));
        if !self.stage.is_empty() {
            deadline = deadline.min(now + HAND_OVER_RETRY);
        }
        if held_back {
            // Take nothing until they have room, so the worker stops reading.
            deadline = deadline.min(now + BACKLOG_CHECK);
        }
        let take_events = !held_back && self.stage.staged_bytes() < STAGE_LIMIT;
        let room = full.as_deref().map(Backlog::room_bell);
        match self.wait(take_events, room, deadline) {
            Wait::Event(event) => self.take_batch(event),
            Wait::Request(request) => self.held = Some(Held::Request(request)),
            Wait::Script(output) => self.take_script(output),
            // Its thread ended without saying how: say it failed.
            Wait::ScriptGone => {
                self.script.stop();
                self.gate(false);
                self.held = Some(Held::ScriptMissed(Missed::Vanished));
            }
            Wait::Timeout | Wait::Room => {}
            Wait::WorkerEnded => self.worker_gone(),
            Wait::TabGone => return false,
        }
        if due.is_some_and(|due| Instant::now() >= due) {
            let mark = self.stage.mark();
            self.stage.tick(SystemTime::now());
            self.answer(mark);
        }
        true
    }

    /// Waits until `deadline` for the worker's next event (if `take_events`), the UI's next
    /// request, the script's next output or room in a file (`room`, the bell of one that is
    /// full).
    fn wait(&self, take_events: bool, room: Option<&Receiver<()>>, deadline: Instant) -> Wait {
        let worker = self.worker.as_ref().filter(|_| take_events);
        if let Some(event) = worker.and_then(Worker::try_next_event) {
            return Wait::Event(event);
        }
        let never = crossbeam_channel::never();
        let script = self.script.outputs().unwrap_or(&never);
        let never_room = crossbeam_channel::never();
        let room = room.unwrap_or(&never_room);
        let mut select = Select::new();
        let requests = select.recv(&self.requests);
        let script_index = select.recv(script);
        let room_index = select.recv(room);
        if let Some(worker) = worker {
            worker.select_events(&mut select);
        }
        let Ok(operation) = select.select_deadline(deadline) else {
            return Wait::Timeout;
        };
        let index = operation.index();
        if index == requests {
            return match operation.recv(&self.requests) {
                Ok(request) => Wait::Request(request),
                Err(_) => Wait::TabGone,
            };
        }
        if index == script_index {
            return match operation.recv(script) {
                Ok(output) => Wait::Script(output),
                Err(_) => Wait::ScriptGone,
            };
        }
        if index == room_index {
            let _ = operation.recv(room);
            return Wait::Room;
        }
        match worker.map(|worker| worker.take_selected::<()>(operation)) {
            Some(Next::Event(event)) => Wait::Event(event),
            Some(Next::WorkerEnded) => Wait::WorkerEnded,
            _ => Wait::Timeout,
        }
    }

    /// Carries out what the script asked: a send or a close goes to the worker at once, the
    /// rest waits for the session.
    fn take_script(&mut self, output: ScriptOutput) {
        match output {
            ScriptOutput::Command(command) => match &self.worker {
                Some(worker) => {
                    worker.send(command);
                }
                None if self.unsent_said => {}
                None => {
                    self.unsent_said = true;
                    self.held = Some(Held::ScriptMissed(Missed::Unsent));
                }
            },
            ScriptOutput::Ended(end) => {
                self.script.stop();
                self.gate(false);
                self.held = Some(Held::Script(ScriptOutput::Ended(end)));
            }
            say @ ScriptOutput::Say(_) => self.held = Some(Held::Script(say)),
        }
    }

    /// When the next idle-gap frame is due, as an instant, if one waits.
    fn frame_due(&self) -> Option<Instant> {
        let due = self.stage.next_frame_due()?;
        let wait = due.duration_since(SystemTime::now()).unwrap_or_default();
        Some(Instant::now() + wait)
    }

    /// Takes `first` and what follows it for up to [`BATCH_TIME`] into the stage: into the
    /// files and past the rules at once. Stops at an event that needs the session.
    fn take_batch(&mut self, first: Event) {
        let Some(worker) = &self.worker else { return };
        // Only this thread writes the session, so reading it here never waits.
        let session = Arc::clone(&self.shared.session);
        let session = session.read();
        let clients = &session.clients;
        let until = Instant::now() + BATCH_TIME;
        let mut next = Some(first);
        while let Some(event) = next {
            // A read at the relay's gate is the script's alone (the log had the read).
            if let EventKind::Gated {
                id,
                peer,
                toward,
                number,
                bytes,
            } = event.kind
            {
                self.script.judge((id, peer), (toward, number), bytes);
                if self.script.is_behind() {
                    break;
                }
                next = worker.try_next_event();
                continue;
            }
            let mark = self.stage.mark();
            let outputs = &self.outputs;
            let record = &mut |entry: &_| outputs.keep(entry);
            if let Some(event) = self.stage.take(event, clients, record) {
                self.held = Some(Held::Event(event));
                break;
            }
            for command in outputs.answer(&self.stage, clients, mark) {
                worker.send(command);
            }
            self.script.messages(&self.stage, clients, mark);
            if Instant::now() >= until
                || self.stage.staged_bytes() >= STAGE_LIMIT
                || outputs.full_backlog().is_some()
                || self.script.is_behind()
            {
                break;
            }
            next = worker.try_next_event();
        }
    }

    /// Sends the auto-replies to the entries staged since `mark`, and hands them the script.
    fn answer(&mut self, mark: usize) {
        let session = Arc::clone(&self.shared.session);
        let session = session.read();
        if let Some(worker) = &self.worker {
            for command in self.outputs.answer(&self.stage, &session.clients, mark) {
                worker.send(command);
            }
        }
        self.script.messages(&self.stage, &session.clients, mark);
    }

    /// Hands the session what the stage made and what is held for it, if the UI is not
    /// reading it (waiting a little when something is held); wakes the UI.
    fn try_hand_over(&mut self) {
        let patience = if self.held.is_some() || self.stage.staged_bytes() >= STAGE_LIMIT {
            HAND_OVER_WAIT
        } else {
            Duration::ZERO
        };
        let shared = Arc::clone(&self.shared);
        let Some(mut session) = shared.session.try_write_for(patience) else {
            return;
        };
        match self.held.take() {
            Some(Held::Event(event)) => self.apply_event(&mut session, event),
            Some(Held::Request(request)) => {
                session.absorb(&mut self.stage);
                self.apply(&mut session, request);
                shared.count_applied();
            }
            Some(Held::Script(output)) => {
                session.absorb(&mut self.stage);
                let outputs = &self.outputs;
                scripting::apply(&mut session, output, |entry| outputs.keep(entry));
            }
            Some(Held::ScriptMissed(missed)) => {
                session.absorb(&mut self.stage);
                let language = session.language();
                let outputs = &self.outputs;
                let keep = |entry: &_| outputs.keep(entry);
                let text = |missed| match missed {
                    Missed::Unsent => tr!(language, "script.unsent"),
                    Missed::Vanished => tr!(language, "script.vanished"),
                };
                if let Missed::Vanished = missed {
                    let error = crate::script::ScriptError {
                        line: None,
                        column: None,
                        message: text(missed).into_owned(),
                    };
                    scripting::ended(&mut session, ScriptEnd::Failed(error), keep);
                } else {
                    session.note(EntryKind::Error(text(missed).into_owned()), keep);
                }
            }
            None => session.absorb(&mut self.stage),
        }
        session.pending_frame_bytes = self.stage.pending_frame_bytes();
        drop(session);
        if shared.first_wake() {
            (self.wake)();
        }
    }

    fn apply_event(&mut self, session: &mut Session, event: Event) {
        let answered = matches!(
            event.kind,
            EventKind::Connected { .. }
                | EventKind::Listening { .. }
                | EventKind::Opened { .. }
                | EventKind::Warning(_)
        );
        let ended = matches!(event.kind, EventKind::Closed(_));
        // What the peer's frame held when it left is a message of its own: the script has
        // it before it hears the peer has gone.
        let mark = self.stage.mark();
        self.stage.ahead_of(&event);
        self.script.messages(&self.stage, &session.clients, mark);
        self.script.event(&event.kind);
        let outputs = &self.outputs;
        session.apply(&mut self.stage, event, |entry| outputs.keep(entry));
        // Listening, or a warning saying why not: the worker answered the Listen.
        if answered {
            self.listen_again = None;
        }
        if ended {
            self.worker_gone();
            if let Some(launch) = self.listen_again.take() {
                self.launch(session, launch);
            }
        }
    }

    fn worker_gone(&mut self) {
        self.worker = None;
        self.finishing.clear();
    }

    fn command(&self, command: Command) {
        if let Some(worker) = &self.worker {
            worker.send(command);
        }
    }

    /// Relay: each read waits for the script's verdict (`on`), or goes on as it comes.
    fn gate(&self, on: bool) {
        if self.mode == Mode::Relay {
            self.command(Command::Gate(on));
        }
    }

    fn apply(&mut self, session: &mut Session, request: Request) {
        let outputs = &mut self.outputs;
        match request {
            Request::Start(launch) => self.start(session, launch),
            Request::Stop => self.stop(session),
            Request::Command(command) => {
                if self.worker.is_some() {
                    session.starts(&command, SystemTime::now());
                }
                self.command(command);
            }
            Request::Note(kind) => session.note(kind, |entry| outputs.keep(entry)),
            Request::Load(entries) => {
                for entry in entries {
                    session.log.push(entry);
                }
            }
            Request::ClearLog => session.log.clear(),
            Request::ResetCounters => session.reset_counters(),
            Request::ResetReplyTimes => session.reset_reply_times(),
            Request::KeepAtMost(bytes) => session.log.set_cap(bytes),
            Request::ShowIn(encoding) => session.log.show_in(encoding),
            Request::Language(language) => session.set_language(language),
            Request::Framing(framing) => {
                self.stage.set_framing(&framing);
                outputs.framing = framing;
            }
            Request::RecordContext(context) => outputs.context = context,
            Request::Replies(replies) => outputs.replies = replies,
            Request::Recording(feed) => outputs.recording = feed,
            Request::RawData(feed) => outputs.raw = feed,
            Request::RecordAll(feed) => outputs.record_all = feed,
            Request::DetachFiles => {
                outputs.recording = None;
                outputs.raw = None;
                outputs.record_all = None;
            }
            Request::Script(Some(setup)) => {
                // What the script that runs now has said is done; the reads it was given and
                // did not judge go on as they are before the new one starts judging.
                hand_over_given(self.worker.as_ref(), &self.script);
                if let (true, Mode::Relay, Some(worker)) =
                    (self.script.is_running(), self.mode, &self.worker)
                {
                    worker.send(Command::Gate(false));
                }
                let keep = |entry: &_| outputs.keep(entry);
                self.script.start_in(session, self.mode, setup, keep);
                self.gate(self.script.is_running());
            }
            Request::Script(None) => {
                hand_over_given(self.worker.as_ref(), &self.script);
                if self.script.stop() {
                    scripting::ended(session, ScriptEnd::Stopped, |entry| outputs.keep(entry));
                    self.gate(false);
                }
            }
            Request::Finish(done) => match &self.worker {
                Some(worker) => {
                    worker.send(Command::Shutdown);
                    self.finishing.push(done);
                }
                None => drop(done),
            },
        }
    }

    fn start(&mut self, session: &mut Session, launch: Launch) {
        if let (Some(worker), Some(local)) = (&self.worker, launch.local()) {
            // Still serving clients after Stop (or ending): listen again on the same worker.
            worker.send(Command::Listen(local));
            self.listen_again = Some(launch);
            return;
        }
        self.launch(session, launch);
    }

    fn launch(&mut self, session: &mut Session, launch: Launch) {
        let datagrams = launch.datagrams();
        match launch.spawn() {
            Ok(worker) => {
                session.started();
                session.log.recycle_into(worker.recycler());
                session.log.set_datagrams(datagrams);
                let framing = self.outputs.framing.clone();
                self.stage = Stage::new(self.mode, framing).of_datagrams(datagrams);
                self.worker = Some(worker);
                self.unsent_said = false;
                // A new relay's reads wait for the running script too.
                self.gate(self.script.is_running());
            }
            Err(error) => {
                let text = tr!(session.language(), "events.worker_failed", error = error);
                let outputs = &self.outputs;
                session.note(EntryKind::Error(text.into_owned()), |entry| {
                    outputs.keep(entry);
                });
            }
        }
    }

    fn stop(&mut self, session: &mut Session) {
        self.listen_again = None;
        match (self.mode, &session.status) {
            (Mode::TcpServer | Mode::Relay, _) => self.command(Command::StopListening),
            // Connect may be blocked in the OS for up to its timeout: let the worker finish it
            // alone; it will see the shutdown and close.
            (Mode::TcpClient, Status::Starting | Status::Connecting { .. }) => {
                self.worker_gone();
                session.status = Status::Idle;
                let text = tr!(session.language(), "events.connect_cancelled");
                let outputs = &self.outputs;
                session.note(EntryKind::Info(text.into_owned()), |entry| {
                    outputs.keep(entry);
                });
            }
            _ => self.command(Command::Shutdown),
        }
    }
}

/// Carries out the sends and verdicts `script` has given that wait for the host, before it is
/// stopped or replaced.
fn hand_over_given(worker: Option<&Worker>, script: &Scripting) {
    if let Some(worker) = worker {
        for command in script.given() {
            worker.send(command);
        }
    }
}
