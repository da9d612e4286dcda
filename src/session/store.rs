//! The bounded log store: raw entries in arrival order, oldest leaving first past a memory cap.
//!
//! It also keeps a line index so a view can show entries of any height while laying out only the
//! rows on screen: each entry knows how many display lines came before it, in text and in hex
//! layout. Line counts depend only on the raw bytes (a `\n` byte is a line break in UTF-8 and in
//! GBK alike, since GBK trail bytes are never 0x0A), so switching encodings never re-indexes.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use super::carry::{Carry, StreamTail};
use super::{Direction, LogEntry};
use crate::codec::TextEncoding;

/// Bytes shown per hex line.
pub const HEX_BYTES_PER_LINE: usize = 16;

/// The default memory cap of a store.
pub const DEFAULT_CAP_BYTES: usize = 256 * 1024 * 1024;

/// How the view lays entries out into lines.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Layout {
    /// Decoded text; one line per `\n`.
    #[default]
    Text,
    /// Spaced hex, [`HEX_BYTES_PER_LINE`] bytes a line.
    Hex,
    /// A hex dump with offsets, the decoded text beside each line of bytes.
    Both,
}

impl Layout {
    pub const ALL: [Self; 3] = [Self::Text, Self::Hex, Self::Both];

    /// Which line index serves this layout: Hex and Both break lines at the same bytes.
    pub(crate) fn slot(self) -> usize {
        match self {
            Self::Text => 0,
            Self::Hex | Self::Both => 1,
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Text => "Text",
            Self::Hex => "Hex",
            Self::Both => "Both",
        })
    }
}

/// How many display lines `entry` takes in `layout`.
pub fn line_count(entry: &LogEntry, layout: Layout) -> u64 {
    match (entry.message(), layout) {
        (Some(message), _) => text_line_count(message.as_bytes()),
        (None, Layout::Text) => text_line_count(entry.bytes()),
        (None, Layout::Hex | Layout::Both) => {
            entry.bytes().len().div_ceil(HEX_BYTES_PER_LINE).max(1) as u64
        }
    }
}

/// Lines of text in `bytes`: a trailing newline ends the last line rather than starting one.
fn text_line_count(bytes: &[u8]) -> u64 {
    let breaks = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let trailing = u64::from(bytes.last() == Some(&b'\n'));
    (breaks + 1 - trailing).max(1)
}

struct Stored {
    entry: LogEntry,
    /// Display lines before this entry since the store began: text lines, hex lines.
    first_line: [u64; 2],
    /// Characters split with its stream's neighbours, per encoding.
    carries: [Carry; 2],
}

/// Bytes that belong together for decoding: one peer, one direction.
type StreamKey = (Option<SocketAddr>, Direction);

/// One display line: which entry, and which of its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRef<'a> {
    pub entry: &'a LogEntry,
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
    entries: VecDeque<Stored>,
    cap_bytes: usize,
    used_bytes: usize,
    /// Lines ever appended, per layout: the next entry's `first_line`.
    lines_appended: [u64; 2],
    evicted_entries: u64,
    evicted_bytes: u64,
    /// Entries ever pushed: the next entry's sequence number.
    pushed: u64,
    /// Each stream's last entry (by sequence number) and the character it may end in.
    streams: HashMap<StreamKey, (u64, StreamTail)>,
    /// The longest peer address written so far, in characters: the peer column's width.
    peer_width: usize,
}

impl Default for LogStore {
    fn default() -> Self {
        Self::with_cap(DEFAULT_CAP_BYTES)
    }
}

impl LogStore {
    pub fn with_cap(cap_bytes: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            cap_bytes,
            used_bytes: 0,
            lines_appended: [0; 2],
            evicted_entries: 0,
            evicted_bytes: 0,
            pushed: 0,
            streams: HashMap::new(),
            peer_width: 0,
        }
    }

    /// The sequence number of the oldest entry stored (or of the next one, when empty).
    pub fn first_sequence(&self) -> u64 {
        self.pushed - self.entries.len() as u64
    }

    /// Where entry number `sequence` is stored now, if it still is.
    pub fn index_of(&self, sequence: u64) -> Option<usize> {
        let first = self.pushed - self.entries.len() as u64;
        sequence
            .checked_sub(first)
            .map(|i| i as usize)
            .filter(|&i| i < self.entries.len())
    }

    /// Links a data entry to the previous entry of its stream; status messages stand alone.
    fn link_stream(&mut self, entry: &LogEntry) -> [Carry; 2] {
        let direction = entry.direction();
        if !matches!(direction, Direction::Rx | Direction::Tx) {
            return [Carry::default(); 2];
        }
        let key = (entry.peer, direction);
        let (previous, mut tail) = match self.streams.get(&key) {
            Some(&(last, tail)) => (self.index_of(last), tail),
            None => (None, StreamTail::default()),
        };
        let previous = previous.map(|index| &mut self.entries[index].carries);
        let carries = tail.link(entry.bytes(), previous);
        self.streams.insert(key, (self.pushed, tail));
        carries
    }

    /// The bytes entry `index` shows in `encoding`: with a character split from the previous
    /// entry of its stream completed, and one split into the next left to it.
    pub fn shown_bytes(&self, index: usize, encoding: TextEncoding) -> Cow<'_, [u8]> {
        self.shown(index, encoding).0
    }

    /// [`Self::shown_bytes`], with how many of them were borrowed from the previous entry (they
    /// come first; the entry's own bytes follow).
    pub fn shown(&self, index: usize, encoding: TextEncoding) -> (Cow<'_, [u8]>, usize) {
        match self.entries.get(index) {
            Some(stored) => {
                let carry = &stored.carries[encoding as usize];
                (carry.display(stored.entry.bytes()), carry.borrowed_len())
            }
            None => (Cow::Borrowed(&[]), 0),
        }
    }

    /// What an entry costs against the cap: its bookkeeping plus its payload.
    fn cost(entry: &LogEntry) -> usize {
        size_of::<Stored>() + entry.bytes().len() + entry.message().map_or(0, str::len)
    }

    /// Appends an entry, first evicting the oldest ones it would not fit beside, and returns it.
    pub fn push(&mut self, entry: LogEntry) -> &LogEntry {
        let cost = Self::cost(&entry);
        while self.used_bytes + cost > self.cap_bytes && !self.entries.is_empty() {
            self.evict_oldest();
        }
        let first_line = self.lines_appended;
        for layout in [Layout::Text, Layout::Hex] {
            self.lines_appended[layout.slot()] += line_count(&entry, layout);
        }
        self.used_bytes += cost;
        if let Some(peer) = entry.peer {
            self.peer_width = self.peer_width.max(display_width(&peer));
        }
        let carries = self.link_stream(&entry);
        self.entries.push_back(Stored {
            entry,
            first_line,
            carries,
        });
        self.pushed += 1;
        &self.entries[self.entries.len() - 1].entry
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self.entries.pop_front() {
            self.used_bytes -= Self::cost(&oldest.entry);
            self.evicted_entries += 1;
            self.evicted_bytes += oldest.entry.bytes().len() as u64;
        }
    }

    /// Changes the cap, evicting the oldest entries at once if the log is now over it.
    pub fn set_cap(&mut self, cap_bytes: usize) {
        self.cap_bytes = cap_bytes;
        while self.used_bytes > self.cap_bytes && !self.entries.is_empty() {
            self.evict_oldest();
        }
    }

    /// Empties the view. Entries cleared on purpose are not counted as evicted.
    pub fn clear(&mut self) {
        self.entries.clear();
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
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter().map(|stored| &stored.entry)
    }

    pub fn get(&self, index: usize) -> Option<&LogEntry> {
        self.entries.get(index).map(|stored| &stored.entry)
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
        self.entries
            .front()
            .map_or(self.lines_appended[layout.slot()], |s| {
                s.first_line[layout.slot()]
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
        let first = self.pushed - self.entries.len() as u64;
        match sequence.checked_sub(first) {
            Some(index) => {
                self.entries[index as usize].first_line[layout.slot()]
                    - self.first_stored_line(layout)
            }
            None => 0,
        }
    }

    /// The entry and line shown on display row `row` (0 = the first line of the oldest entry).
    pub fn line(&self, layout: Layout, row: u64) -> Option<LineRef<'_>> {
        let target = self.first_stored_line(layout) + row;
        let at = layout.slot();
        // The last entry whose first line is at or before the target.
        let index = self
            .entries
            .partition_point(|s| s.first_line[at] <= target)
            .checked_sub(1)?;
        let stored = &self.entries[index];
        let line = target - stored.first_line[at];
        (line < line_count(&stored.entry, layout)).then_some(LineRef {
            entry: &stored.entry,
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

    #[test]
    fn counts_text_lines_from_newline_bytes() {
        assert_eq!(text_line_count(b""), 1);
        assert_eq!(text_line_count(b"one"), 1);
        assert_eq!(text_line_count(b"one\n"), 1);
        assert_eq!(text_line_count(b"one\r\ntwo"), 2);
        assert_eq!(text_line_count(b"\n\n"), 2);
    }

    #[test]
    fn counts_hex_lines_by_sixteen() {
        assert_eq!(line_count(&rx(&[0; 16]), Layout::Hex), 1);
        assert_eq!(line_count(&rx(&[0; 17]), Layout::Hex), 2);
        assert_eq!(line_count(&rx(&[]), Layout::Hex), 1);
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
        let entry_cost = LogStore::cost(&rx(&[0; 100]));
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
        assert_eq!(store.get(0).map(LogEntry::bytes), Some(&[b'a', 0xE4][..]));
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
