//! How received TCP bytes reach the log through each peer's framer, and when idle-gap frames
//! are due.

use std::net::SocketAddr;
use std::time::SystemTime;

use super::{EntryKind, Framer, Framing, LogEntry, Mode, Session};

impl Session {
    /// Changes how new bytes become entries; bytes waiting under the old framing show first.
    pub fn set_framing(&mut self, framing: &Framing) {
        if self.framing != *framing {
            self.flush_frames(None);
            self.framing = framing.clone();
        }
    }

    /// Received bytes not shown yet because their frame has not ended.
    pub fn pending_frame_bytes(&self) -> usize {
        self.framers.values().map(Framer::pending).sum()
    }

    /// Shows the frames whose idle gap has passed by `now`.
    pub fn tick(&mut self, now: SystemTime) {
        let framing = &self.framing;
        let due: Vec<_> = self
            .framers
            .iter_mut()
            .filter_map(|(peer, framer)| framer.tick(framing, now).map(|frame| (*peer, frame)))
            .collect();
        for (peer, (bytes, time)) in due {
            self.log
                .push(LogEntry::new(time, Some(peer), EntryKind::Rx(bytes)));
        }
    }

    /// When the next idle-gap frame is due, if any waits.
    pub fn next_frame_due(&self) -> Option<SystemTime> {
        self.framers
            .values()
            .filter_map(|framer| framer.due(&self.framing))
            .min()
    }

    /// Shows what is pending from `peer` (or from everyone) as frames: its stream ended.
    pub(super) fn flush_frames(&mut self, peer: Option<SocketAddr>) {
        let mut frames: Vec<_> = self
            .framers
            .iter_mut()
            .filter(|(from, _)| peer.is_none_or(|peer| peer == **from))
            .filter_map(|(from, framer)| framer.flush().map(|frame| (*from, frame)))
            .collect();
        frames.sort_by_key(|(_, (_, time))| *time);
        for (from, (bytes, time)) in frames {
            self.log
                .push(LogEntry::new(time, Some(from), EntryKind::Rx(bytes)));
        }
        match peer {
            Some(peer) => {
                self.framers.remove(&peer);
            }
            None => self.framers.clear(),
        }
    }

    /// Puts an entry in the log; received TCP bytes go through their peer's framer.
    pub(super) fn show(&mut self, entry: LogEntry) {
        let framed = self.mode != Mode::Udp && self.framing != Framing::PerRead;
        match (entry.kind, entry.peer) {
            (EntryKind::Rx(bytes), Some(peer)) if framed => {
                let framer = self.framers.entry(peer).or_default();
                for (frame, time) in framer.push(&self.framing, bytes, entry.time) {
                    self.log
                        .push(LogEntry::new(time, Some(peer), EntryKind::Rx(frame)));
                }
            }
            (kind, peer) => {
                self.log.push(LogEntry::new(entry.time, peer, kind));
            }
        }
    }
}
