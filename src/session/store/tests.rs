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
    // A datagram sent to a group: the column as the view writes it.
    let to_group = rx_from(2, b"d").sent_to(Some("239.255.255.250".parse().unwrap()));
    let column = to_group.entry_ref().peer_column();
    assert_eq!(column, "127.0.0.1:2 -> 239.255.255.250");
    store.push(to_group);
    assert_eq!(store.peer_width(), column.len());
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

/// `--headless` keeps no log: each entry is counted as pushed and evicted, its buffer goes
/// back to the worker's reads, and a cap set again keeps entries from then on.
#[test]
fn a_store_that_keeps_nothing_counts_what_passed() {
    let recycler = Recycler::default();
    let mut store = LogStore::with_cap(0);
    store.recycle_into(recycler.clone());
    store.push(rx(&[1; 100]));
    store.push(LogEntry::new(
        SystemTime::now(),
        None,
        EntryKind::Info("note".into()),
    ));
    assert_eq!((store.len(), store.pushed()), (0, 2));
    assert_eq!(store.evicted(), (2, 100));
    assert_eq!(store.lines_before(Layout::Text, store.pushed()), 0);
    store.set_cap(1024);
    store.push(rx(b"kept"));
    assert_eq!((store.len(), store.pushed()), (1, 3));
    assert_eq!(
        store.get(0).map(|entry| entry.bytes().to_vec()),
        Some(b"kept".to_vec())
    );
}
