//! The bounded log store: raw entries in arrival order, oldest leaving first past a memory cap.
//!
//! It also keeps a line index so a view can show entries of any height while laying out only the
//! rows on screen: each entry knows how many display lines came before it, in text and in hex
//! layout (see `layout.rs` for how lines are counted).

mod lines;
mod linking;

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::arena::{Arena, BlockQueue, Span};
use super::carry::{Carry, Linked, StreamTail};
use super::layout::{Layout, payload_line_count};
use super::peers::{Endpoint, PEER_COST, Peers};
use super::{EntryRef, EntryTag, LogEntry};
use crate::codec::TextEncoding;
use crate::net::Recycler;

/// The default memory cap of a store: with the program, its fonts, a full event queue and the
/// renderer, the process stays under 300 MB however long a flood runs. Drawn without a GPU the
/// renderer (Mesa's llvmpipe, with LLVM) holds some 70 MB: at 224 MiB a real window ended a
/// flood at 356 MB.
pub const DEFAULT_CAP_BYTES: usize = 128 * 1024 * 1024;

/// An entry as stored: fixed size, its payload in the arena.
#[derive(Clone, Copy)]
struct Header {
    /// Nanoseconds since the Unix epoch.
    time_ns: u64,
    /// Display lines before this entry since the store began: text lines, hex lines.
    first_line: [u64; 2],
    payload: Span,
    /// Index into the peer table, or `NO_PEER`.
    peer: u32,
    /// Characters split with its stream's neighbours, per slot of the store's [`Linked`].
    carries: [Carry; 2],
    tag: EntryTag,
    /// A send's text encoding: its lines are counted and shown in it, unlinked.
    written_in: Option<TextEncoding>,
}

fn to_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

/// One display line: which entry, and which of its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRef<'a> {
    pub entry: EntryRef<'a>,
    /// Position of the entry among those stored now.
    pub index: usize,
    /// Which line of the entry (0 = its first).
    pub line: usize,
}

/// How many characters `value` takes when written, without allocating.
fn display_width(value: &impl std::fmt::Display) -> usize {
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0 += text.chars().count();
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = std::fmt::write(&mut count, format_args!("{value}"));
    count.0
}

pub struct LogStore {
    headers: BlockQueue<Header>,
    payloads: Arena,
    peers: Peers,
    cap_bytes: usize,
    used_bytes: usize,
    /// Lines ever appended, per layout: the next entry's `first_line`.
    lines_appended: [u64; 2],
    evicted_entries: u64,
    evicted_bytes: u64,
    /// Entries ever pushed: the next entry's sequence number.
    pushed: u64,
    /// Per peer id (after a slot for no peer), per direction (received, sent): the stream's
    /// last entry by sequence number, and the character it may end in.
    streams: Vec<[Option<(u64, StreamTail)>; 2]>,
    /// The longest peer address written so far, in characters: the peer column's width.
    peer_width: usize,
    /// The encodings whose split characters the entries link.
    linked: Linked,
    /// Whose line breaks the text lines are counted by: UTF-8's (a 0x0A byte, as in every
    /// encoding offered but UTF-16), or a UTF-16 encoding's.
    text_breaks: TextEncoding,
    /// Each entry is a datagram, whole in itself: no character goes on into the next one (in
    /// UTF-16 an odd-sized datagram would otherwise set the rest of its peer's one byte off).
    datagrams: bool,
}

impl Default for LogStore {
    fn default() -> Self {
        Self::with_cap(DEFAULT_CAP_BYTES)
    }
}

impl LogStore {
    pub fn with_cap(cap_bytes: usize) -> Self {
        Self {
            headers: BlockQueue::new(),
            payloads: Arena::default(),
            peers: Peers::default(),
            cap_bytes,
            used_bytes: 0,
            lines_appended: [0; 2],
            evicted_entries: 0,
            evicted_bytes: 0,
            pushed: 0,
            streams: Vec::new(),
            peer_width: 0,
            linked: Linked::default(),
            text_breaks: TextEncoding::Utf8,
            datagrams: false,
        }
    }

    /// A store of datagrams, each whole in itself: no character is linked across entries.
    pub fn of_datagrams(mut self) -> Self {
        self.datagrams = true;
        self
    }

    /// Whether entries from now on are datagrams (a relay's tab carries either).
    pub fn set_datagrams(&mut self, datagrams: bool) {
        self.datagrams = datagrams;
    }

    /// The sequence number of the oldest entry stored (or of the next one, when empty).
    pub fn first_sequence(&self) -> u64 {
        self.pushed - self.headers.len() as u64
    }

    /// Where entry number `sequence` is stored now, if it still is.
    pub fn index_of(&self, sequence: u64) -> Option<usize> {
        sequence
            .checked_sub(self.first_sequence())
            .map(|i| i as usize)
            .filter(|&i| i < self.headers.len())
    }

    /// The bytes entry `index` shows in `encoding`: with a character split from the previous
    /// entry of its stream completed, and one split into the next left to it.
    pub fn shown_bytes(&self, index: usize, encoding: TextEncoding) -> Cow<'_, [u8]> {
        self.shown(index, encoding).0
    }

    /// [`Self::shown_bytes`], with how many of them were borrowed from the previous entry (they
    /// come first; the entry's own bytes follow).
    pub fn shown(&self, index: usize, encoding: TextEncoding) -> (Cow<'_, [u8]>, usize) {
        match self.headers.get(index) {
            Some(header) => {
                // An encoding not linked shows each entry's own bytes.
                let carry = self
                    .linked
                    .slot(encoding)
                    .map_or_else(Carry::default, |slot| header.carries[slot]);
                let bytes = self.payloads.get(header.payload);
                (carry.display(bytes), carry.borrowed_len())
            }
            None => (Cow::Borrowed(&[]), 0),
        }
    }

    /// How many bytes at the end of what entry `index` came with (what it borrowed, then its
    /// own) the next entry of its stream shows instead, in `encoding`. More than its own bytes
    /// when a character begun two entries back is still unfinished.
    pub fn handed_on(&self, index: usize, encoding: TextEncoding) -> usize {
        let slot = self.linked.slot(encoding);
        match (self.headers.get(index), slot) {
            (Some(header), Some(slot)) => header.carries[slot].handed_on(),
            _ => 0,
        }
    }

    /// What an entry costs against the cap: its header plus its payload.
    fn cost(payload_len: usize) -> usize {
        size_of::<Header>() + payload_len
    }

    fn entry(&self, header: &Header) -> EntryRef<'_> {
        let endpoint = self.peers.get(header.peer);
        EntryRef::new(
            UNIX_EPOCH + Duration::from_nanos(header.time_ns),
            endpoint.map(|endpoint| endpoint.peer),
            header.tag,
            self.payloads.get(header.payload),
        )
        .sent_to(endpoint.and_then(|endpoint| endpoint.to))
        .at(endpoint.and_then(|endpoint| endpoint.local))
        .written_in(header.written_in)
    }

    /// Appends an entry, first evicting the oldest ones it would not fit beside. A store
    /// that keeps nothing (a cap of 0: no window shows it) counts it as pushed and evicted.
    pub fn push(&mut self, entry: LogEntry) {
        if self.cap_bytes == 0 {
            self.pushed += 1;
            self.evicted_entries += 1;
            let (tag, payload) = entry.kind.into_parts();
            if tag.is_data() {
                self.evicted_bytes += payload.len() as u64;
            }
            self.payloads.recycle(payload);
            return;
        }
        let LogEntry {
            time,
            peer,
            to,
            local,
            kind,
            written_in,
            // Only a live recording writes a relay's upstream leg.
            via: _,
        } = entry;
        let (tag, payload) = kind.into_parts();
        let cost = Self::cost(payload.len());
        while self.used_bytes + cost > self.cap_bytes && self.headers.len() > 0 {
            self.evict_oldest();
        }
        self.used_bytes += cost;
        let named = self
            .peers
            .name(peer.map(|peer| Endpoint { peer, to, local }));
        let peer = named.number;
        if let Some(Endpoint {
            peer: address, to, ..
        }) = named.new
        {
            // As the view writes it: `address -> to` (see `EntryRef::peer_column`).
            let width = display_width(&address) + to.map_or(0, |to| 4 + display_width(&to));
            self.peer_width = self.peer_width.max(width);
            self.used_bytes += PEER_COST;
            // A number used again starts its streams afresh.
            if let Some(streams) = self.streams.get_mut(peer.wrapping_add(1) as usize) {
                *streams = [None; 2];
            }
        }
        // Text sent in an encoding of its own is whole: it neither borrows nor lends bytes.
        let carries = match written_in {
            Some(_) => [Carry::default(); 2],
            None => self.link_stream(peer, tag, &payload),
        };
        let first_line = self.lines_appended;
        self.lines_appended[Layout::Text.slot()] +=
            self.text_lines_of(tag, written_in, &payload, &carries);
        self.lines_appended[Layout::Hex.slot()] +=
            payload_line_count(tag, &payload, Layout::Hex, TextEncoding::Utf8);
        let header = Header {
            time_ns: to_nanos(time),
            first_line,
            payload: self.payloads.put(payload),
            peer,
            carries,
            tag,
            written_in,
        };
        self.headers.push_back(header);
        self.pushed += 1;
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self.headers.pop_front() {
            self.used_bytes -= Self::cost(oldest.payload.len());
            self.payloads.release(oldest.payload);
            if self.peers.release(oldest.peer) {
                self.used_bytes -= PEER_COST;
            }
            self.evicted_entries += 1;
            if oldest.tag.is_data() {
                self.evicted_bytes += oldest.payload.len() as u64;
            }
        }
    }

    /// Hands the buffers of evicted payloads to `recycler`, for the worker's later reads.
    pub fn recycle_into(&mut self, recycler: Recycler) {
        self.payloads.recycle_into(recycler);
    }

    /// Changes the cap, evicting the oldest entries at once if the log is now over it.
    pub fn set_cap(&mut self, cap_bytes: usize) {
        self.cap_bytes = cap_bytes;
        while self.used_bytes > self.cap_bytes && self.headers.len() > 0 {
            self.evict_oldest();
        }
    }

    /// Empties the view. Entries cleared on purpose are not counted as evicted.
    pub fn clear(&mut self) {
        self.headers.clear();
        self.payloads.clear();
        self.peers = Peers::default();
        self.streams.clear();
        self.used_bytes = 0;
        self.peer_width = 0;
    }

    /// The width of the peer column: the longest peer address written, in characters. It only
    /// grows (until Clear), so the data column does not jump while scrolling.
    pub fn peer_width(&self) -> usize {
        self.peer_width
    }

    pub fn len(&self) -> usize {
        self.headers.len()
    }

    /// Peers named by the entries kept.
    pub fn peers_kept(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.headers.len() == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = EntryRef<'_>> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    pub fn get(&self, index: usize) -> Option<EntryRef<'_>> {
        self.headers.get(index).map(|header| self.entry(header))
    }

    /// Memory counted against the cap.
    pub fn used_bytes(&self) -> usize {
        self.used_bytes
    }

    pub fn cap_bytes(&self) -> usize {
        self.cap_bytes
    }

    /// Entries, and payload bytes, that left the store to stay under the cap.
    pub fn evicted(&self) -> (u64, u64) {
        (self.evicted_entries, self.evicted_bytes)
    }

    fn first_stored_line(&self, layout: Layout) -> u64 {
        self.headers
            .front()
            .map_or(self.lines_appended[layout.slot()], |header| {
                header.first_line[layout.slot()]
            })
    }

    /// Display lines of everything stored, in `layout`.
    pub fn line_total(&self, layout: Layout) -> u64 {
        self.lines_appended[layout.slot()] - self.first_stored_line(layout)
    }

    /// Entries ever pushed (the next entry's sequence number).
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Display lines of the stored entries pushed before entry number `sequence`: what a view
    /// paused at that entry shows.
    pub fn lines_before(&self, layout: Layout, sequence: u64) -> u64 {
        if sequence >= self.pushed {
            return self.line_total(layout);
        }
        match self
            .index_of(sequence)
            .and_then(|index| self.headers.get(index))
        {
            Some(header) => header.first_line[layout.slot()] - self.first_stored_line(layout),
            None => 0,
        }
    }

    /// The entry and line shown on display row `row` (0 = the first line of the oldest entry).
    pub fn line(&self, layout: Layout, row: u64) -> Option<LineRef<'_>> {
        let target = self.first_stored_line(layout) + row;
        let at = layout.slot();
        // The last entry whose first line is at or before the target.
        let index = self
            .headers
            .partition_point(|header| header.first_line[at] <= target)
            .checked_sub(1)?;
        let header = self.headers.get(index)?;
        let entry = self.entry(header);
        let line = target - header.first_line[at];
        (line < self.entry_lines(index, layout)).then_some(LineRef {
            entry,
            index,
            line: line as usize,
        })
    }
}

#[cfg(test)]
mod tests;
