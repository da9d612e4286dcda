//! The session: framing received bytes, the log's line layout, and the filter.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, UNIX_EPOCH};

use sockscope::codec::{TextEncoding, Utf16Order};
use sockscope::session::{
    Direction, EntryKind, FilterFields, FilterIndex, Framer, Framing, HEX_BYTES_PER_LINE, Layout,
    LogEntry, LogStore,
};

use crate::input::Input;

/// Every framing mode, on reads cut anywhere: the frames and what is left pending concatenate
/// back to the input; the frames do not depend on where reads were cut; each frame ends as its
/// mode says; an idle gap ends a frame only once the gap has passed.
pub fn framing(data: &[u8]) {
    let mut input = Input::new(data);
    let framing = match input.byte() % 7 {
        0 => Framing::PerRead,
        1 => Framing::Lines,
        2 => Framing::Delimiter(input.bytes(4).to_vec()),
        3 => Framing::FixedLength(usize::from(input.byte() % 40)),
        4 => Framing::Utf16Lines(Utf16Order::Little),
        5 => Framing::Utf16Lines(Utf16Order::Big),
        _ => Framing::IdleGap(u64::from(input.byte() % 50)),
    };
    let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut now = start;
    let mut framer = Framer::default();
    let mut reads: Vec<Vec<u8>> = Vec::new();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    while !input.is_empty() {
        now += Duration::from_millis(u64::from(input.byte() % 64));
        if input.byte().is_multiple_of(4) {
            // A tick between reads.
            let due = framer.due(&framing);
            let pending = framer.pending();
            match framer.tick(&framing, now) {
                Some((frame, _)) => {
                    let Framing::IdleGap(_) = framing else {
                        panic!("a tick ended a frame with {framing:?}");
                    };
                    assert!(due.is_some_and(|due| due <= now), "{due:?} {now:?}");
                    assert_eq!(frame.len(), pending);
                    assert_eq!(framer.pending(), 0);
                    frames.push(frame);
                }
                None => assert!(
                    pending == 0 || due.is_none_or(|due| due > now),
                    "{framing:?}: a due frame was not ended"
                ),
            }
            continue;
        }
        let read = input.bytes(48).to_vec();
        reads.push(read.clone());
        let before = framer.pending();
        let made = framer.push(&framing, read.clone(), now);
        let out: usize = made.iter().map(|(frame, _)| frame.len()).sum();
        assert_eq!(before + read.len(), out + framer.pending(), "{framing:?}");
        frames.extend(made.into_iter().map(|(frame, time)| {
            assert_eq!(time, now);
            frame
        }));
    }
    let rest = framer.flush().map(|(frame, _)| frame);
    assert!(rest.as_ref().is_none_or(|rest| !rest.is_empty()));
    assert_eq!(framer.pending(), 0);
    let whole: Vec<u8> = reads.concat();
    let mut joined = frames.concat();
    joined.extend(rest.iter().flatten());
    assert_eq!(joined, whole, "{framing:?}");

    match &framing {
        Framing::PerRead => assert_eq!(frames, reads),
        Framing::IdleGap(_) => {}
        split => {
            // The same bytes in one read make the same frames.
            let mut one = Framer::default();
            let alone: Vec<Vec<u8>> = one
                .push(split, whole.clone(), now)
                .into_iter()
                .map(|(frame, _)| frame)
                .collect();
            assert_eq!(frames, alone, "{split:?} {reads:02X?}");
            for frame in &frames {
                match split {
                    Framing::Lines => assert_eq!(
                        frame.iter().position(|&b| b == b'\n'),
                        Some(frame.len() - 1)
                    ),
                    Framing::Delimiter(delimiter) => {
                        let first = frame
                            .windows(delimiter.len())
                            .position(|w| w == delimiter.as_slice());
                        assert_eq!(
                            first.map(|at| at + delimiter.len()),
                            Some(frame.len()),
                            "{split:?} {frame:02X?}"
                        );
                    }
                    Framing::FixedLength(length) => assert_eq!(frame.len(), *length),
                    // Ends in its first `\n` code unit, counted from the frame's start.
                    Framing::Utf16Lines(order) => {
                        let units: Vec<u16> = frame
                            .chunks(2)
                            .map(|unit| order.unit([unit[0], *unit.get(1).unwrap_or(&0xFF)]))
                            .collect();
                        assert!(frame.len().is_multiple_of(2), "{frame:02X?}");
                        assert_eq!(
                            units.iter().position(|&unit| unit == 0x0A),
                            Some(units.len() - 1),
                            "{frame:02X?}"
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

fn peer(input: &mut Input<'_>) -> Option<SocketAddr> {
    match input.byte() % 4 {
        0 => None,
        1 => Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 9000))),
        2 => Some(SocketAddr::from((
            Ipv4Addr::new(10, 0, 0, input.byte() % 3),
            input.u16(),
        ))),
        _ => Some(SocketAddr::from((
            Ipv6Addr::LOCALHOST,
            9000 + u16::from(input.byte() % 2),
        ))),
    }
}

/// Entries as a session logs them: data of every direction, with line breaks and split
/// characters, and status lines.
fn entries(input: &mut Input<'_>, count: usize) -> Vec<LogEntry> {
    let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut entries = Vec::new();
    while !input.is_empty() && entries.len() < count {
        let peer = peer(input);
        let kind = input.byte() % 8;
        let bytes = input.bytes(40).to_vec();
        let kind = match kind {
            0 | 1 => EntryKind::Rx(bytes),
            2 => EntryKind::Tx(bytes),
            3 => EntryKind::AutoTx(bytes),
            4 => EntryKind::Info(String::from_utf8_lossy(&bytes).into_owned()),
            5 => EntryKind::ToUpstream(bytes),
            6 => EntryKind::ToClient(bytes),
            _ => EntryKind::Error(String::from_utf8_lossy(&bytes).into_owned()),
        };
        entries.push(LogEntry::new(time, peer, kind));
    }
    entries
}

/// Lines of text as the view draws them: a trailing line break ends the last line.
/// Whether data is binary, read directly: a control character text does not have (any C0 but
/// tab, line feed and carriage return, or DEL); such data is one line.
fn binary(text: impl IntoIterator<Item = char>) -> bool {
    text.into_iter()
        .any(|c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7F}')
}

fn text_lines(bytes: &[u8]) -> u64 {
    let mut lines = bytes.split(|&b| b == b'\n').count() as u64;
    if bytes.last() == Some(&b'\n') {
        lines -= 1;
    }
    lines.max(1)
}

/// An entry's text lines in UTF-16: the `\n` characters of the text it showed as it came
/// (what it borrowed and all its own bytes; it may hand an unfinished character on later).
fn utf16_text_lines(store: &LogStore, index: usize, own: &[u8], encoding: TextEncoding) -> u64 {
    let shown = store.shown_bytes(index, encoding);
    let handed_on = store.handed_on(index, encoding);
    let text = match own.len().checked_sub(handed_on) {
        Some(start) => {
            let mut as_it_came = shown.into_owned();
            as_it_came.extend_from_slice(&own[start..]);
            encoding.decode_marked(&as_it_came).text
        }
        // It hands on bytes it borrowed too: a character begun two entries back and still
        // unfinished, all of its bytes here at the end. Unfinished, it reads as a replacement
        // character, never a line break (the stream target checks unfinished characters).
        None => encoding.decode_marked(&shown).text + "\u{FFFD}",
    };
    if binary(text.chars()) {
        return 1;
    }
    text_lines(text.as_bytes())
}

/// The store's line index against a count of each entry's lines: line totals, the entry and
/// line on every row, the lines before each entry. Text lines break as `shown_in` breaks them.
fn check_lines(store: &LogStore, shown_in: TextEncoding) {
    for layout in Layout::ALL {
        let mut total = 0;
        let mut row = 0;
        let first = store.first_sequence();
        for index in 0..store.len() {
            let Some(entry) = store.get(index) else {
                panic!("entry {index} of {}", store.len());
            };
            let lines = store.entry_lines(index, layout);
            let expected = match (layout, entry.message()) {
                (Layout::Hex | Layout::Both, None) => {
                    (entry.bytes().len().div_ceil(HEX_BYTES_PER_LINE) as u64).max(1)
                }
                (_, Some(message)) => text_lines(message.as_bytes()),
                (Layout::Text, None) if shown_in.utf16_order().is_some() => {
                    utf16_text_lines(store, index, entry.bytes(), shown_in)
                }
                (Layout::Text, None) if binary(entry.bytes().iter().map(|&b| char::from(b))) => 1,
                (Layout::Text, None) => text_lines(entry.bytes()),
            };
            assert_eq!(lines, expected, "{layout}");
            assert_eq!(store.lines_before(layout, first + index as u64), total);
            for line in 0..lines {
                let found = store
                    .line(layout, row)
                    .unwrap_or_else(|| panic!("row {row}"));
                assert_eq!(
                    (found.index, found.line as u64),
                    (index, line),
                    "{layout} row {row}"
                );
                row += 1;
            }
            total += lines;
        }
        assert_eq!(store.line_total(layout), total, "{layout}");
        assert!(store.line(layout, total).is_none());
        assert_eq!(store.lines_before(layout, store.pushed()), total);
    }
}

/// The shown bytes of each stream (one peer, one direction) concatenate back to its bytes: a
/// character split across entries moves whole to one of them, nothing is lost or doubled.
fn check_streams(store: &LogStore, encoding: TextEncoding) {
    // Per stream (peer, received): its own bytes and the bytes its entries show.
    type Stream = ((Option<SocketAddr>, bool), Vec<u8>, Vec<u8>);
    let mut streams: Vec<Stream> = Vec::new();
    for index in 0..store.len() {
        let Some(entry) = store.get(index) else {
            continue;
        };
        if entry.message().is_some() {
            continue;
        }
        // A relay's two ways are streams of their own, in the slots of received and sent.
        let received = matches!(entry.direction(), Direction::Rx | Direction::ToClient);
        let key = (entry.to_entry().peer, received);
        let at = match streams.iter().position(|(k, _, _)| *k == key) {
            Some(at) => at,
            None => {
                streams.push((key, Vec::new(), Vec::new()));
                streams.len() - 1
            }
        };
        streams[at].1.extend_from_slice(entry.bytes());
        streams[at]
            .2
            .extend_from_slice(&store.shown_bytes(index, encoding));
    }
    for (key, own, shown) in streams {
        assert_eq!(shown, own, "{encoding} stream {key:?}");
    }
}

/// The line layout of the log store, as entries arrive and the oldest leave under the cap; and
/// split characters linked between entries, in UTF-8 and a second encoding chosen mid-way.
pub fn layout(data: &[u8]) {
    let mut input = Input::new(data);
    let cap = usize::from(input.u16()) % 4096 + 64;
    let encoding = input.pick(&TextEncoding::ALL);
    let link_after = usize::from(input.byte() % 16);
    let mut store = LogStore::with_cap(cap);
    let mut shown_in = TextEncoding::Utf8;
    for (number, entry) in entries(&mut input, 64).into_iter().enumerate() {
        if number == link_after {
            store.show_in(encoding);
            shown_in = encoding;
            check_lines(&store, shown_in);
        }
        store.push(entry);
        check_lines(&store, shown_in);
    }
    // And back: the text lines counted again as bytes.
    store.show_in(TextEncoding::Utf8);
    check_lines(&store, TextEncoding::Utf8);
    if store.evicted().0 == 0 {
        check_streams(&store, TextEncoding::Utf8);
        if link_after < store.len() {
            check_streams(&store, encoding);
        }
    }
}

/// The filter against a direct reading of its fields: which entries match, and the filtered
/// view's line index over them.
pub fn filter(data: &[u8]) {
    let mut input = Input::new(data);
    let encoding = input.pick(&TextEncoding::ALL);
    let fields = FilterFields {
        pattern: input.text(12),
        hex: input.bool(),
        rx: input.bool(),
        tx: input.bool(),
        info: input.bool(),
        peer: input.text(6),
    };
    let budget = usize::from(input.byte() % 8) + 1;
    let Ok(matcher) = fields.compile(encoding) else {
        assert!(fields.hex, "only a hex pattern fails: {fields:?}");
        return;
    };
    let mut store = LogStore::with_cap(1 << 20);
    // Shown in the filter's encoding, as a tab does: UTF-16 lines are counted otherwise.
    store.show_in(encoding);
    for entry in entries(&mut input, 32) {
        store.push(entry);
    }
    let pattern = fields.pattern.trim();
    let needle_bytes = fields
        .hex
        .then(|| sockscope::codec::parse_hex(pattern).unwrap_or_default());
    let mut expected = Vec::new();
    for index in 0..store.len() {
        let Some(entry) = store.get(index) else {
            continue;
        };
        let shown = match entry.direction() {
            Direction::Rx | Direction::ToClient => fields.rx,
            Direction::Tx | Direction::ToUpstream => fields.tx,
            Direction::Info | Direction::Error => fields.info,
        };
        let peer = fields.peer.trim();
        let by_peer = peer.is_empty() || entry.peer_text().contains(peer);
        let by_pattern = match (&needle_bytes, entry.message()) {
            _ if pattern.is_empty() => true,
            // No bytes in the pattern (only separators) filters nothing.
            (Some(needle), _) if needle.is_empty() => true,
            (Some(_), Some(_)) => false,
            (Some(needle), None) => entry
                .bytes()
                .windows(needle.len())
                .any(|w| w == needle.as_slice()),
            (None, Some(message)) => message.to_lowercase().contains(&pattern.to_lowercase()),
            (None, None) => {
                let text = encoding
                    .decode_marked(&store.shown_bytes(index, encoding))
                    .text;
                text.to_lowercase().contains(&pattern.to_lowercase())
            }
        };
        let matched = shown && by_peer && by_pattern;
        assert_eq!(
            matcher.matches(&store, index),
            matched,
            "{fields:?} entry {index}"
        );
        if matched {
            expected.push(index);
        }
    }
    let mut filtered = FilterIndex::new(matcher);
    let mut rounds = 0;
    while !filtered.update(&store, budget) {
        rounds += 1;
        assert!(rounds <= store.len() + 1, "update never finishes");
    }
    assert_eq!(filtered.matched(), expected.len());
    for layout in Layout::ALL {
        let mut row = 0;
        for &index in &expected {
            let sequence = store.first_sequence() + index as u64;
            assert!(filtered.contains(sequence));
            assert_eq!(filtered.lines_before(layout, sequence), row);
            for line in 0..store.entry_lines(index, layout) {
                let found = filtered
                    .line(&store, layout, row)
                    .unwrap_or_else(|| panic!("row {row}"));
                assert_eq!((found.index, found.line as u64), (index, line));
                row += 1;
            }
        }
        assert_eq!(filtered.line_total(layout), row);
        assert!(filtered.line(&store, layout, row).is_none());
    }
}
