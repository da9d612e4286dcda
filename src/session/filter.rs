//! Filtering the log: which entries to show, by text or byte pattern, direction and peer. The
//! index of matches is built incrementally, a budget of entries per call, so a long history
//! never stalls a frame; new entries are tested as they arrive.

use std::collections::VecDeque;

use super::{Direction, Layout, LineRef, LogStore};
use crate::codec::{HexError, TextEncoding, parse_hex};

/// The most data one [`FilterIndex::update`] reads, so a frame stays short even when every
/// entry is large.
pub const BYTES_PER_UPDATE: usize = 8 * 1024 * 1024;

/// The filter as the user types it. Persisted per tab.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FilterFields {
    /// Text to look for in the decoded data (case-insensitive), or hex bytes with `hex`.
    pub pattern: String,
    pub hex: bool,
    pub rx: bool,
    pub tx: bool,
    /// Info and error lines.
    pub info: bool,
    /// Part of the peer address, e.g. `:50412` or `192.168.`.
    pub peer: String,
}

impl Default for FilterFields {
    fn default() -> Self {
        Self {
            pattern: String::new(),
            hex: false,
            rx: true,
            tx: true,
            info: true,
            peer: String::new(),
        }
    }
}

impl FilterFields {
    pub fn is_active(&self) -> bool {
        !self.pattern.trim().is_empty()
            || !self.rx
            || !self.tx
            || !self.info
            || !self.peer.trim().is_empty()
    }

    /// The matcher these fields describe, or what is wrong with the hex pattern (the tab puts
    /// it in words, in its language).
    pub fn compile(&self, encoding: TextEncoding) -> Result<Matcher, HexError> {
        let pattern = self.pattern.trim();
        let needle = match (pattern.is_empty(), self.hex) {
            (true, _) => Needle::Any,
            // Only separators (`,`) are no bytes: no filter, as an empty pattern (a search
            // for zero bytes would panic in `windows`).
            (false, true) => match parse_hex(pattern)? {
                bytes if bytes.is_empty() => Needle::Any,
                bytes => Needle::Bytes(bytes),
            },
            (false, false) => Needle::Text(pattern.to_lowercase()),
        };
        Ok(Matcher {
            needle,
            encoding,
            rx: self.rx,
            tx: self.tx,
            info: self.info,
            peer: self.peer.trim().to_owned(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Needle {
    Any,
    Text(String),
    Bytes(Vec<u8>),
}

/// A compiled filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matcher {
    needle: Needle,
    encoding: TextEncoding,
    rx: bool,
    tx: bool,
    info: bool,
    peer: String,
}

impl Matcher {
    /// Whether stored entry `index` passes.
    pub fn matches(&self, store: &LogStore, index: usize) -> bool {
        let Some(entry) = store.get(index) else {
            return false;
        };
        let direction_shown = match entry.direction() {
            // A relay's answers from the upstream are its received side, the client's requests
            // its sent side (as for a TCP client in the client's place).
            Direction::Rx | Direction::ToClient => self.rx,
            Direction::Tx | Direction::ToUpstream => self.tx,
            Direction::Info | Direction::Error => self.info,
        };
        if !direction_shown {
            return false;
        }
        // The peer column as shown: a group or broadcast address it was sent to matches too.
        let peer_matches =
            || entry.peer_text().contains(&self.peer) || entry.peer_column().contains(&self.peer);
        if !self.peer.is_empty() && !peer_matches() {
            return false;
        }
        match (&self.needle, entry.message()) {
            (Needle::Any, _) => true,
            (Needle::Text(text), Some(message)) => message.to_lowercase().contains(text),
            (Needle::Text(text), None) => {
                // As the view shows it: a send in the encoding it was written in.
                let encoding = entry.shown_in(self.encoding);
                let shown = store.shown_bytes(index, encoding);
                encoding
                    .decode_marked(&shown)
                    .text
                    .to_lowercase()
                    .contains(text)
            }
            (Needle::Bytes(_), Some(_)) => false,
            (Needle::Bytes(bytes), None) => entry
                .bytes()
                .windows(bytes.len())
                .any(|w| w == bytes.as_slice()),
        }
    }
}

/// The entries that pass a filter, with a line index of their own for the view.
pub struct FilterIndex {
    matcher: Matcher,
    /// The next entry (by sequence number) to test.
    next: u64,
    /// Matching entries: sequence number and display lines before it in the filtered view.
    matches: VecDeque<(u64, [u64; 2])>,
    /// Lines ever added to the filtered view: the next match's first line.
    lines: [u64; 2],
}

impl FilterIndex {
    pub fn new(matcher: Matcher) -> Self {
        Self {
            matcher,
            next: 0,
            matches: VecDeque::new(),
            lines: [0; 2],
        }
    }

    /// Tests entries not tested yet, stopping after `budget` entries or `BYTES_PER_UPDATE`
    /// bytes (a text filter decodes each entry); returns true once every entry is tested.
    pub fn update(&mut self, store: &LogStore, budget: usize) -> bool {
        let first = store.first_sequence();
        while self
            .matches
            .front()
            .is_some_and(|(sequence, _)| *sequence < first)
        {
            self.matches.pop_front();
        }
        self.next = self.next.max(first);
        let end = store.pushed().min(self.next + budget as u64);
        let mut bytes = 0;
        while self.next < end && bytes < BYTES_PER_UPDATE {
            let sequence = self.next;
            self.next += 1;
            let Some(index) = store.index_of(sequence) else {
                continue;
            };
            let Some(entry) = store.get(index) else {
                continue;
            };
            bytes += entry.bytes().len();
            if self.matcher.matches(store, index) {
                self.matches.push_back((sequence, self.lines));
                self.lines[0] += store.entry_lines(index, Layout::Text);
                self.lines[1] += store.entry_lines(index, Layout::Hex);
            }
        }
        self.next == store.pushed()
    }

    /// Entries tested so far, of those stored.
    pub fn tested(&self, store: &LogStore) -> u64 {
        self.next.saturating_sub(store.first_sequence())
    }

    /// Whether entry number `sequence` passes (once tested).
    pub fn contains(&self, sequence: u64) -> bool {
        self.matches
            .binary_search_by_key(&sequence, |(s, _)| *s)
            .is_ok()
    }

    /// How many stored entries pass.
    pub fn matched(&self) -> usize {
        self.matches.len()
    }

    fn first_line(&self, layout: Layout) -> u64 {
        self.matches
            .front()
            .map_or(self.lines[layout.slot()], |(_, first)| first[layout.slot()])
    }

    pub fn line_total(&self, layout: Layout) -> u64 {
        self.lines[layout.slot()] - self.first_line(layout)
    }

    /// Lines of the matches pushed before entry number `sequence` (for a paused view).
    pub fn lines_before(&self, layout: Layout, sequence: u64) -> u64 {
        let at = self.matches.partition_point(|(s, _)| *s < sequence);
        match self.matches.get(at) {
            Some((_, first)) => first[layout.slot()] - self.first_line(layout),
            None => self.line_total(layout),
        }
    }

    /// The entry and line on filtered row `row`.
    pub fn line<'a>(&self, store: &'a LogStore, layout: Layout, row: u64) -> Option<LineRef<'a>> {
        let target = self.first_line(layout) + row;
        let slot = layout.slot();
        let at = self
            .matches
            .partition_point(|(_, first)| first[slot] <= target)
            .checked_sub(1)?;
        let (sequence, first) = self.matches[at];
        let index = store.index_of(sequence)?;
        let entry = store.get(index)?;
        let line = target - first[slot];
        (line < store.entry_lines(index, layout)).then_some(LineRef {
            entry,
            index,
            line: line as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{EntryKind, LogEntry};

    fn store_with(entries: &[(EntryKind, u16)]) -> LogStore {
        let mut store = LogStore::default();
        for (kind, port) in entries {
            let peer = Some(std::net::SocketAddr::from(([127, 0, 0, 1], *port)));
            store.push(LogEntry::new(SystemTime::now(), peer, kind.clone()));
        }
        store
    }

    fn matching(store: &LogStore, fields: &FilterFields) -> Vec<String> {
        let mut index = FilterIndex::new(fields.compile(TextEncoding::Gbk).expect("valid"));
        while !index.update(store, 2) {}
        (0..index.line_total(Layout::Text))
            .filter_map(|row| index.line(store, Layout::Text, row))
            .map(|line| {
                String::from_utf8_lossy(line.entry.bytes()).into_owned()
                    + line.entry.message().unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn filters_by_text_bytes_direction_and_peer() {
        let store = store_with(&[
            (EntryKind::Rx(b"Temperature OK".to_vec()), 1),
            (EntryKind::Tx(b"read temp".to_vec()), 1),
            (EntryKind::Info("Client connected".into()), 2),
            (EntryKind::Rx(vec![0xAA, 0x55, 0x01]), 2),
            (EntryKind::Rx(vec![0xC4, 0xE3, 0xBA, 0xC3]), 2), // 你好 in GBK
        ]);
        let fields = |f: fn(&mut FilterFields)| {
            let mut fields = FilterFields::default();
            f(&mut fields);
            fields
        };
        assert_eq!(
            matching(&store, &fields(|f| f.pattern = "TEMP".into())),
            ["Temperature OK", "read temp"]
        );
        assert_eq!(matching(&store, &fields(|f| f.tx = false)).len(), 4);
        assert_eq!(
            matching(&store, &fields(|f| f.pattern = "你好".into())).len(),
            1
        );
        let hex = fields(|f| {
            f.pattern = "aa 55".into();
            f.hex = true;
        });
        assert_eq!(matching(&store, &hex).len(), 1);
        assert_eq!(matching(&store, &fields(|f| f.peer = ":2".into())).len(), 3);
        assert_eq!(matching(&store, &fields(|f| f.info = false)).len(), 4);
        let bad = fields(|f| {
            f.pattern = "zz".into();
            f.hex = true;
        });
        assert!(bad.compile(TextEncoding::Utf8).is_err());
    }

    #[test]
    fn a_hex_pattern_of_only_separators_filters_nothing() {
        // Found by fuzzing (fuzz/targets/filter.rs): "," is valid hex of no bytes, and the
        // byte search panicked on an empty needle.
        let store = store_with(&[
            (EntryKind::Rx(vec![0xAA]), 1),
            (EntryKind::Info("note".into()), 1),
        ]);
        for pattern in [",", " ， ,"] {
            let fields = FilterFields {
                pattern: pattern.into(),
                hex: true,
                ..FilterFields::default()
            };
            assert_eq!(matching(&store, &fields).len(), 2, "{pattern:?}");
        }
    }

    #[test]
    fn the_peer_filter_finds_where_datagrams_were_sent() {
        let mut store = store_with(&[(EntryKind::Rx(b"to me".to_vec()), 1)]);
        let peer = Some(std::net::SocketAddr::from(([10, 0, 0, 2], 7)));
        let to = Some(std::net::IpAddr::from([239, 1, 2, 3]));
        store.push(
            LogEntry::new(
                SystemTime::now(),
                peer,
                EntryKind::Rx(b"to the group".to_vec()),
            )
            .sent_to(to),
        );
        let fields = FilterFields {
            peer: "239.1.2.3".into(),
            ..FilterFields::default()
        };
        assert_eq!(matching(&store, &fields), ["to the group"]);
    }

    #[test]
    fn keeps_up_with_new_entries_and_evictions() {
        // Room for about 17 of these 20 entries (a header and a few bytes each).
        let mut store = LogStore::with_cap(1120);
        let fields = FilterFields {
            pattern: "keep".into(),
            ..FilterFields::default()
        };
        let mut index = FilterIndex::new(fields.compile(TextEncoding::Utf8).expect("valid"));
        for n in 0..20 {
            let text = if n % 2 == 0 {
                format!("keep {n}")
            } else {
                format!("drop {n}")
            };
            store.push(LogEntry::new(
                SystemTime::now(),
                None,
                EntryKind::Rx(text.into_bytes()),
            ));
            assert!(index.update(&store, 100));
        }
        // Only what is still stored is listed.
        let rows: Vec<_> = (0..index.line_total(Layout::Text))
            .filter_map(|row| index.line(&store, Layout::Text, row))
            .map(|line| String::from_utf8_lossy(line.entry.bytes()).into_owned())
            .collect();
        assert!(
            rows.len() < 10 && rows.iter().all(|r| r.starts_with("keep")),
            "{rows:?}"
        );
        assert_eq!(rows.last().map(String::as_str), Some("keep 18"));
    }

    #[test]
    fn a_long_scan_of_large_entries_is_spread_over_updates() {
        let mut store = LogStore::default();
        for _ in 0..20 {
            store.push(LogEntry::new(
                SystemTime::now(),
                None,
                EntryKind::Rx(vec![b'x'; 1024 * 1024]),
            ));
        }
        let fields = FilterFields {
            pattern: "y".into(),
            ..FilterFields::default()
        };
        let mut index = FilterIndex::new(fields.compile(TextEncoding::Utf8).expect("valid"));
        assert!(
            !index.update(&store, 50_000),
            "20 MiB is more than one update reads"
        );
        assert_eq!(index.tested(&store), 8);
        assert!(!index.update(&store, 50_000));
        assert!(index.update(&store, 50_000));
        assert_eq!(index.matched(), 0);
    }
}
