//! The worker events that are not bytes: how each changes the session and what the log says.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use super::clients::Upstream;
use super::{ClientInfo, EntryKind, LogEntry, Mode, ReplayState, Session, Status, messages};
use crate::i18n::tr;
use crate::net::{ClientId, CloseReason, Event, EventKind, SendOrigin, Toward};
use crate::units::group_digits;

/// What one event logs: the peer it is about, and the entry.
type Said = (Option<SocketAddr>, EntryKind);

fn info(text: Cow<'static, str>) -> EntryKind {
    EntryKind::Info(text.into_owned())
}

/// Relay: one way is held now, or flows again.
fn held_text(toward: Toward, holding: bool, lang: crate::i18n::Language) -> Cow<'static, str> {
    match (toward, holding) {
        (Toward::Upstream, true) => tr!(lang, "relay.hold.holding_up"),
        (Toward::Upstream, false) => tr!(lang, "relay.hold.released_up"),
        (Toward::Client, true) => tr!(lang, "relay.hold.holding_down"),
        (Toward::Client, false) => tr!(lang, "relay.hold.released_down"),
    }
}

impl Session {
    /// Applies an event that is not received or sent bytes; `record` sees the entry it logs.
    pub(super) fn apply_status(&mut self, event: Event, record: impl FnOnce(&LogEntry)) {
        let Event { time, kind } = event;
        let lang = self.language;
        let (peer, kind) = match kind {
            EventKind::Connecting { peer } => {
                self.status = Status::Connecting { peer };
                let text = tr!(lang, "events.connecting", peer = peer);
                (Some(peer), info(text))
            }
            EventKind::Connected { local, peer } => {
                self.came_up += 1;
                self.status = Status::Connected { local, peer };
                let text = tr!(lang, "events.connected", peer = peer, local = local);
                (Some(peer), info(text))
            }
            EventKind::Retrying {
                reason,
                attempt,
                limit,
                after,
            } => self.retrying(&reason, attempt, limit, after),
            EventKind::GroupJoined(group) => {
                let text = tr!(lang, "events.joined", group = group.to_string());
                self.groups.push(group);
                (None, info(text))
            }
            EventKind::GroupLeft(group) => {
                let text = tr!(lang, "events.left", group = group.to_string());
                self.groups.retain(|joined| *joined != group);
                (None, info(text))
            }
            EventKind::Secured { peer, session, .. } => {
                let session = messages::tls_session(&session, lang);
                // A relay ends TLS on two sides: it says which.
                let text = if self.mode == Mode::Relay {
                    tr!(lang, "relay.events.client_secured", session = session)
                } else {
                    session.into()
                };
                (Some(peer), info(text))
            }
            EventKind::UpstreamSecured { peer, session, .. } => {
                let session = messages::tls_session(&session, lang);
                let text = tr!(lang, "relay.events.upstream_secured", session = session);
                (Some(peer), info(text))
            }
            EventKind::ServerCertificate {
                certificate,
                generated,
            } => {
                let text = messages::certificate_text(&certificate, Some(generated), lang);
                (None, info(text.into()))
            }
            EventKind::Listening { local } => {
                self.came_up += 1;
                self.status = Status::Listening { local };
                (None, info(tr!(lang, "events.listening", local = local)))
            }
            EventKind::ListenStopped { local } => self.listen_stopped(local),
            EventKind::Opened { local } => {
                self.came_up += 1;
                self.status = Status::Open { local };
                (None, info(tr!(lang, "events.opened", local = local)))
            }
            EventKind::ClientConnected { id, peer, local } => {
                self.client_connected(id, peer, local, time)
            }
            EventKind::PeerFinished {
                peer,
                client,
                linger,
            } => self.peer_finished(peer, client.is_some(), linger),
            EventKind::ClientDisconnected { id, peer, reason } => {
                self.client_disconnected(id, peer, &reason)
            }
            // Taken by the stage, or (a read at the relay's gate) the script's: the read was
            // logged as it came.
            EventKind::Received { .. }
            | EventKind::Sent { .. }
            | EventKind::Forwarded { .. }
            | EventKind::Injected { .. }
            | EventKind::Gated { .. } => return,
            // A rule's replacement is taken by the stage; what is left: a dropped read.
            EventKind::Rewritten {
                peer, toward, rule, ..
            } => {
                let rule = rule + 1;
                let text = match toward {
                    Toward::Upstream => tr!(lang, "relay.rewrite.dropped_up", rule = rule),
                    Toward::Client => tr!(lang, "relay.rewrite.dropped_down", rule = rule),
                };
                (Some(peer), info(text))
            }
            // The script's replacement is taken by the stage; what is left: a dropped read.
            EventKind::ScriptChanged { peer, toward, .. } => {
                let text = match toward {
                    Toward::Upstream => tr!(lang, "relay.script_dropped_up"),
                    Toward::Client => tr!(lang, "relay.script_dropped_down"),
                };
                (Some(peer), info(text))
            }
            EventKind::UpstreamConnected {
                id,
                upstream,
                local,
            } => self.upstream_connected(id, upstream, local),
            EventKind::HalfClosed { id, peer, toward } => self.half_closed(id, peer, toward),
            EventKind::Held {
                toward,
                holding,
                reads,
                bytes,
            } => {
                let held = &mut self.held[usize::from(toward == Toward::Client)];
                let was = held.holding;
                *held = super::Held {
                    holding,
                    reads,
                    bytes,
                };
                if was == holding {
                    return;
                }
                (None, info(held_text(toward, holding, lang)))
            }
            EventKind::Backlog {
                id,
                to_upstream,
                to_client,
            } => {
                if let Some(pair) = self.clients.get_mut(id) {
                    pair.upstream.get_or_insert_default().backlog = [to_upstream, to_client];
                }
                return;
            }
            EventKind::SendFailed {
                peer,
                error,
                origin,
            } => {
                self.counters.send_failed += 1;
                if matches!(origin, SendOrigin::Typed(_)) {
                    self.counters.typed_done += 1;
                }
                let error = messages::net_error(&error, lang);
                let text = tr!(lang, "events.send_failed", error = error);
                (peer, EntryKind::Error(text.into_owned()))
            }
            EventKind::Warning(error) => {
                (None, EntryKind::Error(messages::net_error(&error, lang)))
            }
            EventKind::Dropped { total } => self.dropped(total),
            EventKind::ReplayProgress {
                sent,
                total,
                running,
                paused,
            } => {
                let state = ReplayState {
                    sent,
                    total,
                    running,
                    paused,
                };
                let Some(kind) = self.replay_progress(state) else {
                    return;
                };
                (None, kind)
            }
            EventKind::CycleProgress { sent, running } => {
                let Some(kind) = self.cycle_progress(sent, running) else {
                    return;
                };
                (None, kind)
            }
            EventKind::FileProgress {
                sent,
                total,
                running,
            } => {
                let Some(kind) = self.file_progress(time, sent, total, running) else {
                    return;
                };
                (None, kind)
            }
            EventKind::Closed(reason) => self.closed(reason),
        };
        let entry = LogEntry::new(time, peer, kind);
        record(&entry);
        self.log.push(entry);
    }

    /// TCP client with reconnect: why the connection ended, and when the next attempt is.
    fn retrying(
        &mut self,
        reason: &CloseReason,
        attempt: u32,
        limit: Option<u32>,
        after: Duration,
    ) -> Said {
        let lang = self.language;
        let (closed, failed) = match self.closed_message(reason) {
            EntryKind::Error(text) => (text, true),
            EntryKind::Info(text) => (text, false),
            // closed_message says only these two.
            _ => (String::new(), false),
        };
        let seconds = format!("{:.1}", after.as_secs_f64());
        let text = match limit {
            Some(limit) => tr!(
                lang,
                "events.retrying_of",
                closed = closed,
                seconds = seconds,
                attempt = attempt,
                limit = limit
            ),
            None => tr!(
                lang,
                "events.retrying",
                closed = closed,
                seconds = seconds,
                attempt = attempt
            ),
        }
        .into_owned();
        self.status = Status::Retrying { attempt, limit };
        let kind = if failed {
            EntryKind::Error(text)
        } else {
            EntryKind::Info(text)
        };
        (None, kind)
    }

    /// TCP server: no longer accepting; the clients it has stay.
    fn listen_stopped(&mut self, local: SocketAddr) -> Said {
        let lang = self.language;
        self.status = Status::Serving;
        let clients = self.clients.len();
        let count = group_digits(clients as u64);
        let text = if clients == 1 {
            tr!(
                lang,
                "events.listen_stopped_one",
                local = local,
                count = count
            )
        } else {
            tr!(
                lang,
                "events.listen_stopped_other",
                local = local,
                count = count
            )
        };
        (None, info(text))
    }

    fn client_connected(
        &mut self,
        id: ClientId,
        peer: SocketAddr,
        local: SocketAddr,
        time: SystemTime,
    ) -> Said {
        self.clients.insert(ClientInfo {
            id,
            peer,
            local,
            connected_at: time,
            bytes_in: 0,
            bytes_out: 0,
            upstream: (self.mode == Mode::Relay).then(Upstream::default),
        });
        let text = match self.mode {
            Mode::Relay => tr!(self.language, "relay.events.pair_opened"),
            _ => tr!(self.language, "events.client_connected"),
        };
        (Some(peer), info(text))
    }

    /// Relay: pair `id`'s upstream connection is up.
    fn upstream_connected(
        &mut self,
        id: ClientId,
        upstream: SocketAddr,
        local: SocketAddr,
    ) -> Said {
        let pair = self.clients.get_mut(id);
        let peer = pair.as_ref().map(|pair| pair.peer);
        if let Some(pair) = pair {
            pair.upstream.get_or_insert_default().addr = Some((upstream, local));
        }
        let text = tr!(
            self.language,
            "relay.events.upstream_connected",
            upstream = upstream,
            local = local
        );
        (peer, info(text))
    }

    /// Relay: one side of a pair finished sending, and the other side was told.
    fn half_closed(&mut self, id: ClientId, peer: SocketAddr, toward: Toward) -> Said {
        let side = usize::from(toward == Toward::Client);
        if let Some(pair) = self.clients.get_mut(id) {
            pair.upstream.get_or_insert_default().finished[side] = true;
        }
        let text = match toward {
            Toward::Upstream => tr!(self.language, "relay.events.client_finished"),
            Toward::Client => tr!(self.language, "relay.events.upstream_finished"),
        };
        (Some(peer), info(text))
    }

    fn client_disconnected(
        &mut self,
        id: ClientId,
        peer: SocketAddr,
        reason: &CloseReason,
    ) -> Said {
        let lang = self.language;
        self.clients.remove(id);
        let why = match reason {
            CloseReason::PeerClosed if self.mode == Mode::Relay => {
                tr!(lang, "relay.events.both_finished").into_owned()
            }
            _ => messages::close_reason(reason, lang),
        };
        let text = match self.mode {
            Mode::Relay => tr!(lang, "relay.events.pair_closed", reason = why),
            _ => tr!(lang, "events.client_disconnected", reason = why),
        };
        let kind = match reason {
            CloseReason::Failed(_) => EntryKind::Error(text.into_owned()),
            _ => info(text),
        };
        (Some(peer), kind)
    }

    /// UDP: the OS's count of datagrams it dropped since the socket opened; the counters take
    /// what is new.
    fn dropped(&mut self, total: u64) -> Said {
        let lang = self.language;
        let new = total.saturating_sub(self.dropped_since_open);
        self.dropped_since_open = total;
        self.counters.dropped += new;
        let (count, total) = (group_digits(new), group_digits(total));
        let text = if new == 1 {
            tr!(lang, "events.dropped_one", count = count, total = total)
        } else {
            tr!(lang, "events.dropped_other", count = count, total = total)
        };
        (None, EntryKind::Error(text.into_owned()))
    }

    /// The worker ended: what was running stops, and the log says why (and what a send file
    /// left unsent).
    fn closed(&mut self, reason: CloseReason) -> Said {
        if let Some(cycle) = &mut self.cycle {
            cycle.running = false;
        }
        if let Some(replay) = &mut self.replay {
            replay.running = false;
        }
        self.groups.clear();
        let file_note = self.file_cut_short();
        let mut kind = self.closed_message(&reason);
        if let (Some(note), EntryKind::Info(text) | EntryKind::Error(text)) = (file_note, &mut kind)
        {
            text.push_str(&note);
        }
        self.last_end_text = kind.message().map(str::to_owned);
        self.status = Status::Idle;
        self.clients.clear();
        self.last_end = Some(reason);
        (None, kind)
    }
}
