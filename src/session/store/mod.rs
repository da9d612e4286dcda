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

    /// How many of entry `index`'s last bytes the next entry of its stream shows in `encoding`.
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
    }

    /// Appends an entry, first evicting the oldest ones it would not fit beside, and returns it.
    pub fn push(&mut self, entry: LogEntry) -> EntryRef<'_> {
        let LogEntry {
            time,
            peer,
            to,
            local,
            kind,
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
            let width = display_width(&address) + to.map_or(0, |to| 3 + display_width(&to));
            self.peer_width = self.peer_width.max(width);
            self.used_bytes += PEER_COST;
            // A number used again starts its streams afresh.
            if let Some(streams) = self.streams.get_mut(peer.wrapping_add(1) as usize) {
                *streams = [None; 2];
            }
        }
        let carries = self.link_stream(peer, tag, &payload);
        let first_line = self.lines_appended;
        self.lines_appended[Layout::Text.slot()] += self.text_lines_of(tag, &payload, &carries);
        self.lines_appended[Layout::Hex.slot()] +=
            payload_line_count(tag, &payload, Layout::Hex, TextEncoding::Utf8);
        let header = Header {
            time_ns: to_nanos(time),
            first_line,
            payload: self.payloads.put(payload),
            peer,
            carries,
            tag,
        };
        self.headers.push_back(header);
        self.pushed += 1;
        self.entry(&header)
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
mod tests {
    use std::net::SocketAddr;
    use std::time::SystemTime;

    use super::*;
    use crate::session::EntryKind;

    fn rx(bytes: &[u8]) -> LogEntry {
        LogEntry::new(SystemTime::now(), None, EntryKind::Rx(bytes.to_vec()))
    }

    /// A UDP socket hearing from a new source port with each datagram: the peers kept follow
    /// the entries kept, and count against the cap.
    #[test]
    fn peers_leave_with_their_last_entry() {
        let cap = 64 * 1024;
        let mut store = LogStore::with_cap(cap);
        for n in 0..100_000u32 {
            let peer = SocketAddr::from(([10, 0, (n >> 16) as u8, (n >> 8) as u8], n as u16));
            store.push(LogEntry::new(
                SystemTime::now(),
                Some(peer),
                EntryKind::Rx(b"0123456789".to_vec()),
            ));
            assert!(store.used_bytes() <= cap + PEER_COST);
        }
        assert!(store.len() > 100 && store.len() < 1_000, "{}", store.len());
        assert_eq!(store.peers_kept(), store.len());
        // The newest entries still name their own peers.
        let newest = store.get(store.len() - 1).and_then(|entry| entry.peer);
        assert_eq!(newest, Some(SocketAddr::from(([10, 0, 1, 134], 34_463))));
    }

    #[test]
    fn a_header_fits_in_less_than_64_bytes() {
        assert!(size_of::<Header>() <= 56, "{}", size_of::<Header>());
    }

    #[test]
    fn entries_come_back_as_they_went_in() {
        let mut store = LogStore::default();
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], 7)));
        let time = SystemTime::now();
        let entries = [
            LogEntry::new(time, peer, EntryKind::Rx(b"in".to_vec())),
            LogEntry::new(time, peer, EntryKind::AutoTx(b"auto".to_vec())),
            LogEntry::new(time, None, EntryKind::Info("Listening".into())),
            LogEntry::new(time, None, EntryKind::Error("Send failed: 你好".into())),
            LogEntry::new(time, peer, EntryKind::Tx(vec![0xA5; 70_000])),
        ];
        for entry in &entries {
            store.push(entry.clone());
        }
        let back: Vec<LogEntry> = store.iter().map(|entry| entry.to_entry()).collect();
        assert_eq!(back, entries);
        assert_eq!(store.get(2).and_then(|e| e.message()), Some("Listening"));
        assert_eq!(store.get(2).map(|e| e.bytes().len()), Some(0));
    }

    #[test]
    fn maps_rows_to_entries_and_lines() {
        let mut store = LogStore::default();
        store.push(rx(b"a\nb\nc"));
        store.push(rx(b"d"));
        store.push(rx(&[7; 40]));
        assert_eq!(store.line_total(Layout::Text), 5);
        assert_eq!(store.line_total(Layout::Hex), 5);
        let row = |layout, n| store.line(layout, n).map(|r| (r.index, r.line));
        assert_eq!(row(Layout::Text, 0), Some((0, 0)));
        assert_eq!(row(Layout::Text, 2), Some((0, 2)));
        assert_eq!(row(Layout::Text, 3), Some((1, 0)));
        assert_eq!(row(Layout::Text, 4), Some((2, 0)));
        assert_eq!(row(Layout::Text, 5), None);
        assert_eq!(row(Layout::Hex, 1), Some((1, 0)));
        assert_eq!(row(Layout::Hex, 4), Some((2, 2)));
    }

    #[test]
    fn evicts_oldest_past_the_cap_and_counts_what_left() {
        let entry_cost = LogStore::cost(100);
        let mut store = LogStore::with_cap(entry_cost * 3);
        for n in 0..10u8 {
            store.push(rx(&[n; 100]));
        }
        assert_eq!(store.len(), 3);
        assert_eq!(store.evicted(), (7, 700));
        assert!(store.used_bytes() <= store.cap_bytes());
        assert_eq!(store.get(0).map(|e| e.bytes()[0]), Some(7));
        // Rows restart at the oldest entry still stored.
        assert_eq!(store.line_total(Layout::Text), 3);
        assert_eq!(
            store.line(Layout::Text, 0).map(|r| r.entry.bytes()[0]),
            Some(7)
        );
    }

    fn rx_from(port: u16, bytes: &[u8]) -> LogEntry {
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], port)));
        LogEntry::new(SystemTime::now(), peer, EntryKind::Rx(bytes.to_vec()))
    }

    #[test]
    fn a_character_split_across_reads_shows_whole_in_the_later_entry() {
        let mut store = LogStore::default();
        store.push(rx_from(1, &[b'a', 0xE4])); // 你 = E4 BD A0
        store.push(rx_from(2, b"other peer"));
        store.push(rx_from(1, &[0xBD, 0xA0, b'b']));
        let utf8 = |index| {
            TextEncoding::Utf8
                .decode_marked(&store.shown_bytes(index, TextEncoding::Utf8))
                .text
        };
        assert_eq!([utf8(0), utf8(1), utf8(2)], ["a", "other peer", "你b"]);
        // The same bytes in GBK pair up differently: E4 BD is 浣, A0 62 is 燽.
        let gbk = |index| {
            TextEncoding::Gbk
                .decode_marked(&store.shown_bytes(index, TextEncoding::Gbk))
                .text
        };
        assert_eq!([gbk(0), gbk(2)], ["a", "浣燽"]);
        // Hex shows each read's own bytes.
        assert_eq!(store.get(0).map(|e| e.bytes()), Some(&[b'a', 0xE4][..]));
    }

    #[test]
    fn an_encoding_chosen_later_links_what_is_stored_and_what_comes() {
        // 網路 in Big5, split inside each character, another peer in between.
        let bytes = TextEncoding::Big5.encode("網路").expect("Big5 has it");
        let [wang0, wang1, lu0, lu1] = bytes[..] else {
            panic!("two characters of two bytes: {bytes:02X?}");
        };
        let mut store = LogStore::default();
        store.push(rx_from(1, &[b'a', wang0]));
        store.push(rx_from(2, &[lu0]));
        store.push(rx_from(1, &[wang1, lu0]));
        let big5 = |store: &LogStore, index| {
            TextEncoding::Big5
                .decode_marked(&store.shown_bytes(index, TextEncoding::Big5))
                .text
        };
        // Not linked yet: each entry shows its own bytes.
        assert_ne!(big5(&store, 2), "網");
        store.link_encoding(TextEncoding::Big5);
        // A character unfinished at the end of a stream shows as its bytes until it goes on.
        let lone = format!("\\x{lu0:02X}");
        assert_eq!(
            [big5(&store, 0), big5(&store, 1), big5(&store, 2)],
            ["a".to_owned(), lone.clone(), format!("網{lone}")]
        );
        // The stream goes on linked: the byte handed on joins the next read.
        store.push(rx_from(1, &[lu1, b'!']));
        assert_eq!([big5(&store, 2), big5(&store, 3)], ["網", "路!"]);
        // GBK's slot gave way (each entry shows its own bytes); UTF-8 stays linked.
        let gbk = TextEncoding::Gbk.decode_marked(&store.shown_bytes(0, TextEncoding::Gbk));
        assert_eq!(gbk.text, format!("a\\x{wang0:02X}"));
    }

    #[test]
    fn directions_are_separate_streams() {
        let mut store = LogStore::default();
        store.push(rx_from(1, &[0xE4]));
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], 1)));
        store.push(LogEntry::new(
            SystemTime::now(),
            peer,
            EntryKind::Tx(vec![0xBD, 0xA0]),
        ));
        assert_eq!(
            TextEncoding::Utf8
                .decode_marked(&store.shown_bytes(0, TextEncoding::Utf8))
                .text,
            "\\xE4"
        );
        assert_eq!(
            TextEncoding::Utf8
                .decode_marked(&store.shown_bytes(1, TextEncoding::Utf8))
                .text,
            "\\xBD\\xA0"
        );
    }

    #[test]
    fn lines_before_an_entry_serve_a_paused_view() {
        let mut store = LogStore::default();
        store.push(rx(b"a\nb"));
        let paused_at = store.pushed();
        store.push(rx(b"c"));
        assert_eq!(store.lines_before(Layout::Text, paused_at), 2);
        assert_eq!(store.lines_before(Layout::Text, store.pushed()), 3);
        assert_eq!(store.lines_before(Layout::Hex, paused_at), 1);
    }

    #[test]
    fn the_peer_column_fits_the_longest_peer_so_far() {
        let mut store = LogStore::default();
        assert_eq!(store.peer_width(), 0);
        store.push(rx_from(80, b"a"));
        assert_eq!(store.peer_width(), "127.0.0.1:80".len());
        let v6: SocketAddr = "[2001:db8::1]:65535".parse().unwrap();
        store.push(LogEntry::new(
            SystemTime::now(),
            Some(v6),
            EntryKind::Rx(b"b".to_vec()),
        ));
        store.push(rx_from(1, b"c"));
        assert_eq!(store.peer_width(), "[2001:db8::1]:65535".len());
        store.clear();
        assert_eq!(store.peer_width(), 0);
    }

    #[test]
    fn lowering_the_cap_evicts_at_once() {
        let mut store = LogStore::with_cap(1 << 20);
        for _ in 0..10 {
            store.push(rx(&[b'x'; 1000]));
        }
        let one = store.used_bytes() / 10;
        store.set_cap(one * 3);
        assert_eq!(store.len(), 3);
        assert_eq!(store.evicted(), (7, 7000));
        assert_eq!(store.first_sequence(), 7);
        store.set_cap(1 << 20);
        store.push(rx(b"y"));
        assert_eq!(store.len(), 4, "a higher cap keeps what is left");
    }

    #[test]
    fn clear_empties_without_counting_evictions() {
        let mut store = LogStore::default();
        store.push(rx(b"x"));
        store.clear();
        assert!(store.is_empty());
        assert_eq!(store.line_total(Layout::Text), 0);
        assert_eq!(store.evicted(), (0, 0));
        store.push(rx(b"y"));
        assert_eq!(
            store.line(Layout::Text, 0).map(|r| r.entry.bytes()),
            Some(&b"y"[..])
        );
    }
}
