//! `--headless`: one preset's session without a window, as a Unix tool. The same tab (worker,
//! session host, files, rules) as in the window; its log goes to stdout as it happens (data)
//! and stderr (INFO and ERROR), in the `--format` asked for; what comes on stdin is sent; the
//! process ends with a code that says how the session ended. No egui, no display: nothing of
//! eframe or winit runs, so no X11 or Wayland library is loaded.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::app::start_options::{display_options, fill_preset};
use crate::cli::{HeadlessStart, StartOptions, StdinMode};
use crate::codec::PayloadFormat;
use crate::export::Recorder;
use crate::i18n::{Language, tr};
use crate::net::{CloseReason, NetError};
use crate::session::Status;
use crate::tab::payloads::Payload;
use crate::tab::{SendFields, Tab, TabAction, TabSettings, Wake};

/// How long ending waits for the session to close and its last entries to reach the files.
const FINISH_WAIT: Duration = Duration::from_secs(2);
/// How often the loop looks at the session when nothing woke it.
const LOOK_EVERY: Duration = Duration::from_millis(100);
/// stdin's sends waiting in the worker at most (each up to 64 KiB): past it, stdin waits.
const STDIN_IN_FLIGHT: u64 = 64;
/// Chunks of stdin waiting to be sent at most: a peer that does not read slows the reader.
const STDIN_QUEUE: usize = 64;

/// The exit codes: how the session ended.
pub mod exit {
    /// It ended normally: the peer closed, or a signal or a closed stdout ended it.
    pub const OK: u8 = 0;
    /// It failed for another reason (an I/O error, a file that could not be written).
    pub const FAILED: u8 = 1;
    /// Bad arguments (clap's code).
    pub const BAD_ARGUMENTS: u8 = 2;
    /// The peer refused the connection.
    pub const REFUSED: u8 = 3;
    /// The connection (or its TLS handshake) timed out.
    pub const TIMED_OUT: u8 = 4;
    /// The host name could not be resolved.
    pub const NO_SUCH_HOST: u8 = 5;
}

/// Runs the preset in `options` (clap makes sure there is one) until its session ends, a
/// signal comes, or stdout closes.
pub fn run(options: &StartOptions, start: &HeadlessStart) -> ExitCode {
    let format = start.format;
    let Some(mode) = options.preset.as_ref().map(crate::cli::Preset::mode) else {
        return ExitCode::from(exit::BAD_ARGUMENTS);
    };
    let language = options.language.unwrap_or_else(Language::of_system);
    let (wakes, woken) = crossbeam_channel::bounded(1);
    let wake: Wake = Arc::new(move || {
        let _ = wakes.try_send(());
    });
    let mut tab = Tab::new(mode, TabSettings::for_mode(mode), Arc::clone(&wake));
    tab.set_language(language);
    let closed = Arc::new(AtomicBool::new(false));
    let recorder = match Recorder::to_stdout(format, Arc::clone(&closed)) {
        Ok(recorder) => recorder,
        Err(error) => {
            eprintln!("sockscope: {error}");
            return ExitCode::from(exit::FAILED);
        }
    };
    tab.set_record_all(recorder.feed());
    display_options(&mut tab, options, &wake);
    if options.keep_mib.is_none() {
        // The log kept in memory is the window's to show: here nothing reads it. Keeping none
        // hands each read's buffer straight back to the worker (where a log filling up has
        // each read fault in fresh memory) and skips indexing lines no one will draw.
        tab.handle(TabAction::KeepNoLog, &wake);
    }
    fill_preset(&mut tab, options, &wake);
    if let Some(rules) = &options.auto_reply {
        let errors = rule_errors(&tab, &rules.path, language);
        if !errors.is_empty() {
            for error in errors {
                eprintln!("sockscope: {error}");
            }
            // The recorder waits for the tab's feed to close: both end as on any exit.
            finish(&mut tab, recorder, &wake);
            return ExitCode::from(exit::BAD_ARGUMENTS);
        }
    }
    if let Some(path) = &options.log {
        let (path, split) = (path.display().to_string(), options.split_bytes >> 20);
        tab.edit_settings(|settings| {
            settings.capture.record_path = path;
            settings.capture.split_mib = split.to_string();
        });
        tab.handle(TabAction::ToggleRecording, &wake);
    }
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signal(&stop, &wake);
    let stdin = read_stdin(&wake, start.stdin);
    tab.handle(TabAction::Start, &wake);
    let plan = Plan::new(start);
    let input = (&woken, &stdin, start.stdin);
    let ended = serve(&mut tab, &wake, input, (&stop, &closed), plan);
    finish(&mut tab, recorder, &wake);
    ExitCode::from(match ended {
        Ended::Closed(reason) => code_of(&reason),
        Ended::Stopped => exit::OK,
        Ended::TimedOut => exit::TIMED_OUT,
        Ended::NotStarted(errors) => {
            for error in errors {
                eprintln!("sockscope: {error}");
            }
            exit::BAD_ARGUMENTS
        }
    })
}

/// What is wrong with the rules of `--auto-reply` (read from `path`), rule by rule.
fn rule_errors(tab: &Tab, path: &std::path::Path, lang: Language) -> Vec<String> {
    let path = path.display();
    let errors = tab.view.auto_errors.iter().enumerate();
    errors
        .filter_map(|(at, error)| {
            let (number, error) = (at + 1, error.as_ref()?);
            let text = tr!(
                lang,
                "errors.rules.rule",
                path = path,
                number = number,
                error = error
            );
            Some(text.into_owned())
        })
        .collect()
}

/// Takes in the session's events and sends stdin until the session ends, or a signal or a
/// closed stdout ends it.
fn serve(
    tab: &mut Tab,
    wake: &Wake,
    (woken, stdin, stdin_mode): (&Receiver<()>, &Receiver<Vec<u8>>, StdinMode),
    (stop, closed): (&AtomicBool, &AtomicBool),
    mut plan: Plan,
) -> Ended {
    let mut started = false;
    let mut stdin_ended = false;
    let mut pacing = Pacing::default();
    let asked = Instant::now();
    let mut said = None;
    loop {
        let _ = woken.recv_timeout(LOOK_EVERY);
        tab.drain_events();
        if stop.load(Ordering::Relaxed) || closed.load(Ordering::Relaxed) {
            return Ended::Stopped;
        }
        if let Some(ended) = plan.look(tab, wake) {
            return ended;
        }
        // What the tab refused to send (a bad field) is said once, on stderr.
        let error = tab.view.errors.send.clone();
        if error.is_some() && error != said {
            eprintln!("sockscope: {}", error.as_deref().unwrap_or_default());
        }
        said = error;
        while pacing.has_room(&tab.session()) {
            let chunk = match stdin.try_recv() {
                Ok(chunk) => chunk,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    stdin_ended = true;
                    break;
                }
            };
            if let Some(payload) = stdin_payload(stdin_mode, &chunk, &tab.settings().send) {
                tab.handle(TabAction::SendPayload("stdin".to_owned(), payload), wake);
                // Refused by the tab (said below): it never reached the worker.
                if tab.view.errors.send.is_none() {
                    pacing.handed += 1;
                }
            }
        }
        let session = tab.session();
        // Nothing more to send and the peer is done sending: over, as for `nc -N`.
        if stdin_ended && matches!(session.status, Status::PeerFinished { .. }) {
            drop(session);
            tab.handle(TabAction::Stop, wake);
            continue;
        }
        if session.status != Status::Idle {
            started = true;
        } else if let Some(reason) = &session.last_end {
            return Ended::Closed(reason.clone());
        } else if !started {
            // Never started: the fields (from the arguments) say why, at once; a session
            // that says nothing for this long did not start either.
            let errors: Vec<String> = tab.view.errors.all().map(str::to_owned).collect();
            if !errors.is_empty() || asked.elapsed() > FINISH_WAIT {
                return Ended::NotStarted(errors);
            }
        }
    }
}

/// stdin paced by the peer: at most [`STDIN_IN_FLIGHT`] of its sends wait in the worker,
/// counted out as the session says the send box's sends went (or failed). Past it, stdin's queue fills and its
/// reader stops reading, so the pipe into `sockscope` slows its writer, as with `nc`.
#[derive(Default)]
struct Pacing {
    /// stdin's sends handed to the tab since `done_before`.
    handed: u64,
    /// Sends done (sent or failed) when counting began.
    done_before: u64,
    /// The connections then (the clients' ids summed, connections made): a change starts the
    /// count over, as sends waiting for a client that left are neither sent nor failed.
    link: (u64, u64),
}

impl Pacing {
    fn has_room(&mut self, session: &crate::session::Session) -> bool {
        let done = session.counters.typed_done;
        // Which clients (ids only grow): one leaving as another comes is a change too.
        let clients = session
            .clients
            .iter()
            .map(|client| client.id.0)
            .sum::<u64>();
        let link = (clients, session.came_up);
        // Counters reset, or another peer: count afresh (one window more at most).
        if done < self.done_before || link != self.link {
            *self = Self {
                handed: 0,
                done_before: done,
                link,
            };
        }
        self.handed.saturating_sub(done - self.done_before) < STDIN_IN_FLIGHT
    }
}

/// How serving ended.
enum Ended {
    /// The session closed, for this reason.
    Closed(CloseReason),
    /// A signal, stdout closing, `--count` reached, or `--timeout` with nothing awaited.
    Stopped,
    /// `--timeout` passed before `--count`'s messages arrived.
    TimedOut,
    /// The session never started; the fields' messages say why.
    NotStarted(Vec<String>),
}

/// What `--send`, `--repeat`, `--count` and `--timeout` ask of the session.
struct Plan {
    /// Sent (once, or repeated) as soon as the session can send; `None` once done.
    send: Option<(String, Option<crate::cli::Repeat>)>,
    count: Option<u64>,
    deadline: Option<Instant>,
}

impl Plan {
    fn new(start: &HeadlessStart) -> Self {
        Self {
            send: start.send.clone().map(|text| (text, start.repeat)),
            count: start.count,
            deadline: start.timeout.map(|timeout| Instant::now() + timeout),
        }
    }

    /// Sends what waits for the session to be up; says when the run is over.
    fn look(&mut self, tab: &mut Tab, wake: &Wake) -> Option<Ended> {
        if tab.can_send()
            && let Some((text, repeat)) = self.send.take()
        {
            tab.edit_settings(|settings| {
                settings.input_format = PayloadFormat::Text;
                settings.send_text = text;
                settings.send.escapes = true;
                if let Some(repeat) = repeat {
                    settings.cycle.interval_ms = repeat.every_ms.to_string();
                    settings.cycle.count = repeat.count.map(|n| n.to_string()).unwrap_or_default();
                }
            });
            let action = if repeat.is_some() {
                TabAction::ToggleCycle
            } else {
                TabAction::Send
            };
            tab.handle(action, wake);
        }
        let arrived = tab.session().counters.rx_messages;
        if self.count.is_some_and(|count| arrived >= count) {
            return Some(Ended::Stopped);
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Some(if self.count.is_some() {
                Ended::TimedOut
            } else {
                Ended::Stopped
            });
        }
        None
    }
}

/// Ends the session and completes every file, as the window does when it closes.
fn finish(tab: &mut Tab, recorder: Recorder, wake: &Wake) {
    tab.handle(TabAction::Stop, wake);
    tab.finish_worker(Instant::now() + FINISH_WAIT);
    tab.detach_files();
    let _ = recorder.finish();
    for failure in tab.finish_capture() {
        eprintln!("sockscope: {failure}");
    }
}

/// The exit code for how the session ended.
fn code_of(reason: &CloseReason) -> u8 {
    match reason {
        CloseReason::Requested
        | CloseReason::PeerClosed
        | CloseReason::Idle
        | CloseReason::Quiet { .. } => exit::OK,
        CloseReason::Failed(error) => match error {
            NetError::Refused { .. } => exit::REFUSED,
            NetError::TimedOut { .. } => exit::TIMED_OUT,
            NetError::Dns { .. } => exit::NO_SUCH_HOST,
            _ => exit::FAILED,
        },
    }
}

/// SIGINT and SIGTERM end the session the normal way, so every file is completed.
fn stop_on_signal(stop: &Arc<AtomicBool>, wake: &Wake) {
    let (stop, wake) = (Arc::clone(stop), Arc::clone(wake));
    let installed = ctrlc::set_handler(move || {
        stop.store(true, Ordering::Relaxed);
        wake();
    });
    if let Err(error) = installed {
        eprintln!("sockscope: cannot handle Ctrl+C: {error}");
    }
}

/// What to send for a piece of stdin (`--stdin`): bytes as they came (no append, no checksum),
/// or a line as the send box would send it, text with escapes or hex, with the send box's
/// append and checksum. An empty line sends only what is appended, if anything.
fn stdin_payload(mode: StdinMode, piece: &[u8], send: &SendFields) -> Option<Payload> {
    let (text, format) = match mode {
        StdinMode::Bytes => {
            return Some(Payload {
                text: crate::codec::to_hex(piece),
                format: PayloadFormat::Hex,
                send: SendFields::default(),
            });
        }
        StdinMode::Text => (String::from_utf8_lossy(piece), PayloadFormat::Text),
        StdinMode::Hex => (String::from_utf8_lossy(piece), PayloadFormat::Hex),
    };
    let appends = send.append != crate::tab::Append::Nothing;
    if text.trim().is_empty() && (format == PayloadFormat::Hex || !appends) {
        return None;
    }
    let send = SendFields {
        escapes: true,
        ..send.clone()
    };
    Some(Payload {
        text: text.into_owned(),
        format,
        send,
    })
}

/// Reads stdin on a thread of its own as it comes: chunks for `--stdin bytes`, else a line at
/// a time, without its line end. The channel closes at its end.
fn read_stdin(wake: &Wake, mode: StdinMode) -> Receiver<Vec<u8>> {
    let (chunks, read): (Sender<Vec<u8>>, Receiver<Vec<u8>>) =
        crossbeam_channel::bounded(STDIN_QUEUE);
    let wake = Arc::clone(wake);
    let spawned = std::thread::Builder::new()
        .name("stdin".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            if mode != StdinMode::Bytes {
                return read_lines(&mut stdin, &chunks, &wake);
            }
            let mut buffer = vec![0; 64 * 1024];
            loop {
                match stdin.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if chunks.send(buffer[..n].to_vec()).is_err() {
                            return;
                        }
                        wake();
                    }
                }
            }
        });
    if let Err(error) = spawned {
        eprintln!("sockscope: cannot read stdin: {error}");
    }
    read
}

/// Sends each line of `stdin` (its `\n` or `\r\n` taken off) until it ends; a last line with
/// no line end counts too.
fn read_lines(stdin: &mut impl std::io::BufRead, lines: &Sender<Vec<u8>>, wake: &Wake) {
    loop {
        let mut line = Vec::new();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                if lines.send(line).is_err() {
                    return;
                }
                wake();
            }
        }
    }
}
