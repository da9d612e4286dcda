//! The send side of a tab: what Send puts on the wire (and its preview), where it goes, the
//! cyclic send, Send file, and switching the input between text and hex.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::fields::{parse_host, parse_port};
use super::messages;
use super::payloads::{Payload, remember};
use super::{Tab, TabSettings};
use crate::codec::{self, Frame, PayloadFormat, SendIndex};
use crate::i18n::{Language, tr};
use crate::net::{Command, CycleSpec, FileSpec, RemoteTarget, SendOrigin, SendTarget};
use crate::session::Mode;

/// The exact bytes the next Send puts on the wire, worked out when the send box, its options,
/// the encoding or the language change, or a send moves its variables on.
pub(super) struct Preview {
    /// The send it shows, by number (its counter).
    index: u64,
    bytes: Result<Vec<u8>, String>,
}

/// How far each quick command's variables have got, by name: its counter counts on from one
/// click to the next, and starts again when its text changes.
#[derive(Default)]
pub(super) struct QuickCounts(HashMap<String, (Payload, u64)>);

/// Quick commands followed at most; past it the counts start again (names of commands
/// long deleted would otherwise stay).
const QUICK_COUNTS_MAX: usize = 1024;

impl QuickCounts {
    /// The number of this send of `payload`, moving its count on.
    fn take(&mut self, name: &str, payload: &Payload) -> u64 {
        if self.0.len() >= QUICK_COUNTS_MAX && !self.0.contains_key(name) {
            self.0.clear();
        }
        let (last, next) = self
            .0
            .entry(name.to_owned())
            .or_insert_with(|| (payload.clone(), 0));
        if last != payload {
            *last = payload.clone();
            *next = 0;
        }
        *next += 1;
        *next - 1
    }
}

impl Tab {
    /// The bytes Send would put on the wire now, or why it cannot.
    pub fn wire_bytes(&mut self) -> Result<Vec<u8>, String> {
        let index = self.next_send_index();
        Ok(self.frame()?.render(index, SystemTime::now()))
    }

    /// The send box as a frame, its variables not yet worked out, or why it cannot be sent.
    fn frame(&self) -> Result<Frame, String> {
        box_payload(&self.settings).frame(self.settings.encoding, self.language)
    }

    /// The counter of the send box's text (a new one starts when the text changes, see
    /// `Tab::use_settings`): Send and a repeat of it on the worker count on from it.
    fn send_index(&self) -> &SendIndex {
        &self.send_count
    }

    /// The number of the next send of the send box's text.
    fn next_send_index(&self) -> u64 {
        self.send_index().peek()
    }

    /// [`wire_bytes`](Self::wire_bytes), as worked out last.
    pub fn preview(&self) -> &Result<Vec<u8>, String> {
        &self.view.preview.bytes
    }

    /// Works the preview out again if a send (a repeat, on the worker too) moved the send
    /// box's variables on since.
    pub fn follow_sends(&mut self) {
        if self.view.preview.index != self.next_send_index() {
            self.view.preview = Preview::of(&self.settings, self.language, self.next_send_index());
        }
    }

    /// Works the preview out again: the box, its options, the encoding or the language
    /// changed.
    pub(super) fn rebuild_preview(&mut self) {
        self.view.preview = Preview::of(&self.settings, self.language, self.next_send_index());
        // The last Send's complaint was about what has just changed.
        self.view.errors.send = None;
    }

    pub(super) fn send(&mut self) {
        if let Some((frame, to)) = self.outgoing() {
            let index = if frame.is_variable() {
                self.send_index().take()
            } else {
                0
            };
            let bytes = frame.render(index, SystemTime::now());
            let sent = box_payload(&self.settings);
            let written_in = sent.written_in(self.settings.encoding);
            self.command(Command::Send {
                bytes,
                to,
                origin: SendOrigin::Typed(written_in),
            });
            remember(&mut self.settings.history, sent);
        }
    }

    /// Sends a kept payload (a quick command) as it was saved, leaving the send box alone.
    pub(super) fn send_payload(&mut self, name: &str, payload: &Payload) {
        self.view.errors.send = None;
        let frame = match payload.frame(self.settings.encoding, self.language) {
            Ok(frame) => frame,
            Err(error) => {
                self.view.errors.send = Some(messages::labelled(name, &error, self.language));
                return;
            }
        };
        if let Some(to) = self.send_target() {
            let index = if frame.is_variable() {
                self.quick_counts.take(name, payload)
            } else {
                0
            };
            let bytes = frame.render(index, SystemTime::now());
            let written_in = payload.written_in(self.settings.encoding);
            self.command(Command::Send {
                bytes,
                to,
                origin: SendOrigin::Typed(written_in),
            });
            remember(&mut self.settings.history, payload.clone());
        }
    }

    /// Puts a kept payload in the send box, options and all.
    pub(super) fn load_payload(&mut self, payload: Payload) {
        self.edit_settings(|settings| {
            settings.send_text = payload.text;
            settings.input_format = payload.format;
            settings.send = payload.send;
        });
        self.view.focus_send_box = true;
    }

    /// What Send would send and where, or `None` with the reason beside its field.
    pub(super) fn outgoing(&mut self) -> Option<(Frame, SendTarget)> {
        self.view.errors.send = None;
        self.view.errors.remote = None;
        let frame = self
            .frame()
            .map_err(|error| self.view.errors.send = Some(error))
            .ok()?;
        Some((frame, self.send_target()?))
    }

    /// Where sends go now, or `None` with the reason beside its field.
    pub(super) fn send_target(&mut self) -> Option<SendTarget> {
        self.view.errors.remote = None;
        let to = match self.mode {
            Mode::TcpClient => SendTarget::Peer,
            Mode::TcpServer => {
                SendTarget::Clients(self.view.selected_clients.iter().copied().collect())
            }
            Mode::Udp => SendTarget::Datagram(
                self.remote_target()
                    .map_err(|error| self.view.errors.remote = Some(error))
                    .ok()?,
            ),
            Mode::Relay => SendTarget::Relay {
                pairs: self.view.selected_clients.iter().copied().collect(),
                toward: self.settings.inject_toward,
            },
        };
        if !self.session().status.is_active() {
            self.view.errors.send =
                Some(tr!(self.language, "errors.send.not_connected").into_owned());
            return None;
        }
        Some(to)
    }

    /// Starts sending a file (the worker reads it), or says why not beside the send box.
    pub(super) fn send_file(&mut self, path: PathBuf) {
        self.view.errors.send = None;
        self.view.errors.file = None;
        if self
            .session()
            .file
            .as_ref()
            .is_some_and(|file| file.running)
        {
            self.view.errors.file = Some(tr!(self.language, "errors.file.busy").into_owned());
            return;
        }
        // Over UDP (a UDP relay too) each chunk is a datagram, of the size asked.
        let (datagram, pace) = if self.settings.datagrams(self.mode) {
            match self.settings.file.parse(self.language) {
                Ok((datagram, pace)) => (Some(datagram), pace),
                Err(error) => {
                    self.view.errors.file = Some(error);
                    return;
                }
            }
        } else {
            (None, None)
        };
        let Some(to) = self.send_target() else { return };
        self.command(Command::SendFile(FileSpec {
            path,
            to,
            datagram,
            pace,
        }));
    }

    /// Starts the cyclic send from the send box and the cycle fields, or stops it.
    pub(super) fn toggle_cycle(&mut self) {
        if self.session().cycle.is_some_and(|cycle| cycle.running) {
            self.command(Command::StopCycle);
            return;
        }
        self.view.errors.cycle = None;
        let fields = &self.settings.cycle;
        let interval = match fields.interval_ms.trim().parse::<u64>() {
            Ok(ms @ 1..=86_400_000) => Duration::from_millis(ms),
            _ => {
                self.view.errors.cycle =
                    Some(tr!(self.language, "errors.cycle.every").into_owned());
                return;
            }
        };
        let count = match fields.count.trim() {
            "" => None,
            text => match text.parse::<u64>() {
                Ok(count @ 1..) => Some(count),
                _ => {
                    self.view.errors.cycle =
                        Some(tr!(self.language, "errors.cycle.times").into_owned());
                    return;
                }
            },
        };
        let Some((frame, to)) = self.outgoing() else {
            return;
        };
        let index = self.send_index().clone();
        let written_in = box_payload(&self.settings).written_in(self.settings.encoding);
        self.command(Command::StartCycle(CycleSpec {
            frame,
            index,
            to,
            interval,
            count,
            written_in,
        }));
    }

    /// UDP: the remote target from its fields, or `None` (reply to the last sender) when empty.
    pub(super) fn remote_target(&self) -> Result<Option<RemoteTarget>, String> {
        let host = self.settings.remote_host.trim();
        let port = self.settings.remote_port.trim();
        if host.is_empty() && port.is_empty() {
            return Ok(None);
        }
        let host = parse_host(host, self.language)?;
        let port = parse_port(port, false, self.language)?;
        Ok(Some(RemoteTarget { host, port }))
    }

    pub(super) fn set_input_format(&mut self, format: PayloadFormat) {
        let mut settings = self.settings.clone();
        if settings.input_format == format {
            return;
        }
        let converted = match converted_box(&settings, format) {
            Ok(converted) => converted,
            Err(error) => {
                // The radio stays where it was, with the reason beside the box.
                self.view.errors.send = Some(error.in_language(self.language));
                return;
            }
        };
        settings.send_text = converted.text;
        settings.send.escapes |= converted.escapes;
        settings.input_format = format;
        self.use_settings(settings);
        self.view.errors.send = None;
        // Clicking the radio took focus from the box; give it back so typing goes on there.
        self.view.focus_send_box = true;
    }
}

/// The send box's input after a switch of its format, the same bytes either way.
struct Converted {
    text: String,
    /// The text needs Escapes on to mean those bytes.
    escapes: bool,
}

/// Why the send box cannot switch its format.
enum ConvertError {
    /// Its variables would become the bytes of their braces.
    Variables,
    /// Its input does not compose (bad hex, a character the encoding lacks, a bad escape).
    Compose(codec::ComposeError),
}

impl ConvertError {
    fn in_language(&self, lang: Language) -> String {
        match self {
            Self::Variables => tr!(lang, "errors.convert.variables").into_owned(),
            Self::Compose(error) => {
                let error = messages::describe(error, lang);
                tr!(lang, "errors.convert.failed", error = error).into_owned()
            }
        }
    }
}

/// The send box's input in `format`, meaning the same bytes: text becomes its bytes in hex;
/// hex becomes the text it encodes when that is plain text, else that text with escapes for
/// the bytes that are not (so nothing is lost or added).
fn converted_box(settings: &TabSettings, format: PayloadFormat) -> Result<Converted, ConvertError> {
    let input = &settings.send_text;
    if input.contains("{{") {
        return Err(ConvertError::Variables);
    }
    // The encoding Send uses: the send box's own, else the tab's.
    let encoding = settings.send.encoding.unwrap_or(settings.encoding);
    let bytes = match format {
        PayloadFormat::Hex if settings.send.escapes => {
            codec::encode_escaped(input, encoding).map_err(codec::ComposeError::from)
        }
        PayloadFormat::Hex => codec::compose(input, PayloadFormat::Text, encoding),
        PayloadFormat::Text => codec::compose(input, PayloadFormat::Hex, encoding),
    }
    .map_err(ConvertError::Compose)?;
    Ok(match format {
        PayloadFormat::Hex => Converted {
            text: codec::to_spaced_hex(&bytes),
            escapes: false,
        },
        PayloadFormat::Text => {
            let text = encoding.decode(&bytes).into_owned();
            let same = encoding.encode(&text).is_ok_and(|back| *back == bytes[..]);
            let plain = !text.contains(|c: char| c.is_control() && c != '\n' && c != '\t');
            if same && plain {
                Converted {
                    text,
                    escapes: false,
                }
            } else {
                Converted {
                    text: codec::escape::escaped_text(&bytes, encoding),
                    escapes: true,
                }
            }
        }
    })
}

/// The bytes send number `index` of these settings would put on the wire, or why it cannot
/// in `lang`.
fn wire_bytes(settings: &TabSettings, lang: Language, index: u64) -> Result<Vec<u8>, String> {
    let frame = box_payload(settings).frame(settings.encoding, lang)?;
    Ok(frame.render(index, SystemTime::now()))
}

/// What the send box holds now.
fn box_payload(settings: &TabSettings) -> Payload {
    Payload {
        text: settings.send_text.clone(),
        format: settings.input_format,
        send: settings.send.clone(),
    }
}

impl Preview {
    /// Send number `index` of `settings`, or why it cannot be sent, in `language`.
    pub(super) fn of(settings: &TabSettings, language: Language, index: u64) -> Self {
        Self {
            index,
            bytes: wire_bytes(settings, language, index),
        }
    }
}
