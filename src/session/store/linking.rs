//! Characters split across entries: linking each new entry to the previous one of its stream,
//! and linking the stored entries again when the log is shown in another encoding.

use super::{Header, LogStore};
use crate::codec::TextEncoding;
use crate::session::carry::{Carry, StreamTail};
use crate::session::{Direction, EntryTag};

impl LogStore {
    /// Links a data entry to the previous entry of its stream; status messages stand alone.
    pub(super) fn link_stream(&mut self, peer: u32, tag: EntryTag, bytes: &[u8]) -> [Carry; 2] {
        // An empty entry (a zero-byte send) neither ends nor continues a character.
        let linkable = !self.datagrams && !bytes.is_empty();
        let Some(direction) = stream_direction(tag).filter(|_| linkable) else {
            return [Carry::default(); 2];
        };
        let slot = peer.wrapping_add(1) as usize;
        if self.streams.len() <= slot {
            self.streams.resize(slot + 1, [None; 2]);
        }
        let (previous, mut tail) = match self.streams[slot][direction] {
            Some((last, tail)) => (self.index_of(last), tail),
            None => (None, StreamTail::default()),
        };
        let previous = previous
            .and_then(|index| self.headers.get_mut(index))
            .map(|header| &mut header.carries);
        let carries = tail.link(self.linked, bytes, previous);
        self.streams[slot][direction] = Some((self.pushed, tail));
        carries
    }

    /// Links split characters in `encoding` too, from the oldest entry stored on, in the slot
    /// of the encoding other than UTF-8. One pass over the entries, reading at most a few bytes
    /// at the end of each in most text (see `codec::stream`).
    pub fn link_encoding(&mut self, encoding: TextEncoding) {
        const SLOT: usize = 1;
        if self.linked.slot(encoding).is_some() {
            return;
        }
        self.linked.0[SLOT] = encoding;
        let starts_odd = self.stored_streams_start_odd();
        // Per stream, as in `streams`: its last entry so far (by index), and what that ends in.
        let mut relinked: Vec<[Option<(usize, StreamTail)>; 2]> =
            vec![[None; 2]; self.streams.len()];
        for index in 0..self.headers.len() {
            let Some(header) = self.headers.get(index).copied() else {
                break;
            };
            let Some(direction) = self.link_direction(&header) else {
                continue;
            };
            let Some(stream) = relinked
                .get_mut(header.peer.wrapping_add(1) as usize)
                .map(|streams| &mut streams[direction])
            else {
                continue;
            };
            let (previous, tail) = stream.take().unzip();
            // Where the stream's bytes stored begin: mid–code unit in UTF-16 if an odd number
            // of its bytes left memory.
            let start_odd = starts_odd
                .get(header.peer.wrapping_add(1) as usize)
                .is_some_and(|odd| odd[direction]);
            let mut tail = tail.unwrap_or_else(|| StreamTail::with_parity(start_odd));
            let previous = previous
                .and_then(|previous| self.headers.get_mut(previous))
                .map(|previous| &mut previous.carries[SLOT]);
            let bytes = self.payloads.get(header.payload);
            let carry = tail.link_slot(SLOT, encoding, bytes, previous);
            if let Some(header) = self.headers.get_mut(index) {
                header.carries[SLOT] = carry;
            }
            *stream = Some((index, tail));
        }
        // The next entry of each stream links to what its last stored entry ends in now.
        for (streams, relinked) in self.streams.iter_mut().zip(&relinked) {
            for (stream, relinked) in streams.iter_mut().zip(relinked) {
                if let Some((_, tail)) = stream {
                    match relinked {
                        Some((_, relinked)) => tail.copy_slot(SLOT, relinked),
                        None => tail.clear_slot(SLOT),
                    }
                }
            }
        }
    }
}

impl LogStore {
    /// The direction slot of a stream entry `header` is part of, if it links to its neighbours.
    fn link_direction(&self, header: &Header) -> Option<usize> {
        // An empty entry (a zero-byte send) neither ends nor continues a character.
        let linkable = !self.datagrams && header.payload.len() > 0 && header.written_in.is_none();
        stream_direction(header.tag).filter(|_| linkable)
    }

    /// Per stream, as in `streams`: whether an odd number of its bytes came before the first of
    /// its entries stored (its bytes so far, less those stored).
    fn stored_streams_start_odd(&self) -> Vec<[bool; 2]> {
        let mut odd: Vec<[bool; 2]> = self
            .streams
            .iter()
            .map(|streams| streams.map(|stream| stream.is_some_and(|(_, tail)| tail.is_odd())))
            .collect();
        for index in 0..self.headers.len() {
            let Some(header) = self.headers.get(index) else {
                break;
            };
            if let Some(direction) = self.link_direction(header)
                && let Some(stream) = odd.get_mut(header.peer.wrapping_add(1) as usize)
            {
                stream[direction] ^= header.payload.len() % 2 == 1;
            }
        }
        odd
    }
}

/// The slot of a data entry's stream direction (received, sent); status messages stand alone.
fn stream_direction(tag: EntryTag) -> Option<usize> {
    match tag.direction() {
        Direction::Rx | Direction::ToClient => Some(0),
        Direction::Tx | Direction::ToUpstream => Some(1),
        Direction::Info | Direction::Error => None,
    }
}
