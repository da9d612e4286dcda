//! The text line index when the log is shown in UTF-16, whose line breaks are not 0x0A bytes.

use super::{Carry, LogStore};
use crate::codec::TextEncoding;
use crate::session::EntryTag;
use crate::session::layout::{Layout, payload_line_count};

impl LogStore {
    /// Shows the log in `encoding`: links its split characters (see `link_encoding`), and
    /// counts text lines by its line breaks. Switching to or from UTF-16 counts the text lines
    /// of every entry stored again: one pass over the stored bytes, as when linking.
    pub fn show_in(&mut self, encoding: TextEncoding) {
        self.link_encoding(encoding);
        let breaks = match encoding.utf16_order() {
            Some(_) => encoding,
            None => TextEncoding::Utf8,
        };
        if breaks == self.text_breaks {
            return;
        }
        self.text_breaks = breaks;
        let slot = Layout::Text.slot();
        let mut line = self.first_stored_line(Layout::Text);
        for index in 0..self.headers.len() {
            let Some(header) = self.headers.get(index).copied() else {
                break;
            };
            let bytes = self.payloads.get(header.payload);
            let lines = self.text_lines_of(header.tag, header.written_in, bytes, &header.carries);
            if let Some(header) = self.headers.get_mut(index) {
                header.first_line[slot] = line;
            }
            line += lines;
        }
        self.lines_appended[slot] = line;
    }

    /// Text lines of an entry with these bytes and carries. In UTF-16 they are counted in the
    /// bytes it shows as it comes: a `\n` may be a byte borrowed from the previous entry and
    /// one of its own. (What it hands on later is an unfinished character, never a `\n`.)
    /// A send written in an encoding of its own counts its lines in it.
    pub(super) fn text_lines_of(
        &self,
        tag: EntryTag,
        written_in: Option<TextEncoding>,
        payload: &[u8],
        carries: &[Carry; 2],
    ) -> u64 {
        if let Some(encoding) = written_in {
            return payload_line_count(tag, payload, Layout::Text, encoding);
        }
        let breaks = self.text_breaks;
        let carry = self.linked.slot(breaks).map(|slot| carries[slot]);
        match carry {
            // As they came: counted again, they must come to what they came to when pushed,
            // whatever the entry handed on since (the index only grows).
            Some(carry) if tag.is_data() && breaks.utf16_order().is_some() => {
                payload_line_count(tag, &carry.as_it_came(payload), Layout::Text, breaks)
            }
            _ => payload_line_count(tag, payload, Layout::Text, breaks),
        }
    }

    /// Display lines of stored entry `index` in `layout`, as the line index counted them.
    pub fn entry_lines(&self, index: usize, layout: Layout) -> u64 {
        let slot = layout.slot();
        let next = self
            .headers
            .get(index + 1)
            .map_or(self.lines_appended[slot], |next| next.first_line[slot]);
        self.headers
            .get(index)
            .map_or(0, |header| next - header.first_line[slot])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{EntryKind, LogEntry};

    fn rx(bytes: &[u8]) -> LogEntry {
        LogEntry::new(SystemTime::now(), None, EntryKind::Rx(bytes.to_vec()))
    }

    /// Each data entry takes as many rows as the text of its shown bytes has lines (a final
    /// `\n` ends the last line), as the view lays them out.
    fn rows_agree(store: &LogStore, encoding: TextEncoding) {
        for index in 0..store.len() {
            if store.get(index).unwrap().message().is_some() {
                continue;
            }
            let text = encoding
                .decode_marked(&store.shown_bytes(index, encoding))
                .text;
            let breaks = text.matches('\n').count();
            let lines = (breaks + 1 - usize::from(text.ends_with('\n'))).max(1);
            assert_eq!(
                store.entry_lines(index, Layout::Text),
                lines as u64,
                "{index}"
            );
        }
    }

    #[test]
    fn utf16_lines_break_at_code_units_even_split_across_reads() {
        let le = TextEncoding::Utf16Le;
        // "a\nb\nc", the first "\n" cut between its two bytes.
        let bytes = le.encode("a\nb\nc").unwrap();
        let mut store = LogStore::default();
        store.show_in(le);
        store.push(rx(&bytes[..3]));
        store.push(rx(&bytes[3..]));
        let message = EntryKind::Info("one\ntwo".into());
        store.push(LogEntry::new(SystemTime::now(), None, message));
        // "a"; then "\nb\nc" with the borrowed byte; the message's two lines.
        assert_eq!(store.line_total(Layout::Text), 1 + 3 + 2);
        rows_agree(&store, le);
        // Read as UTF-8 or GBK their NUL bytes make both reads binary, a line each; back in
        // UTF-16 the code units break lines again.
        store.show_in(TextEncoding::Utf8);
        assert_eq!(store.line_total(Layout::Text), 1 + 1 + 2);
        store.show_in(TextEncoding::Gbk);
        assert_eq!(store.line_total(Layout::Text), 1 + 1 + 2);
        store.show_in(le);
        assert_eq!(store.line_total(Layout::Text), 1 + 3 + 2);
        rows_agree(&store, le);
        let line = store.line(Layout::Text, 3).unwrap();
        assert_eq!((line.index, line.line), (1, 2));
    }

    /// Found by the layout fuzz target: an entry ending in a line break and half a code unit
    /// hands the half on when the next read comes. Counted again after a switch, it must come
    /// to what it came to when pushed: the index only grows.
    #[test]
    fn a_recount_counts_what_an_entry_handed_on_as_when_it_came() {
        let le = TextEncoding::Utf16Le;
        let mut store = LogStore::default();
        store.show_in(le);
        // "a\n" and the first byte of U+D83D; then its second byte and a low surrogate.
        store.push(rx(&[0x61, 0x00, 0x0A, 0x00, 0x3D]));
        store.push(rx(&[0xD8, 0x00, 0xDE]));
        let pushed = store.entry_lines(0, Layout::Text);
        assert_eq!(
            pushed, 2,
            "\"a\", and the unfinished character after the break"
        );
        assert_eq!(store.handed_on(0, le), 1);
        store.show_in(TextEncoding::Utf8);
        store.show_in(le);
        assert_eq!(store.entry_lines(0, Layout::Text), pushed);
        assert_eq!(store.line_total(Layout::Text), 3);
    }

    #[test]
    fn datagrams_are_whole_in_themselves() {
        let le = TextEncoding::Utf16Le;
        let mut store = LogStore::default().of_datagrams();
        store.show_in(le);
        // An odd-sized datagram, then one whole code unit: it is not taken for the second half.
        store.push(rx(&[0x41]));
        store.push(rx(&[0x42, 0x00]));
        assert_eq!(&*store.shown_bytes(0, le), [0x41]);
        assert_eq!(&*store.shown_bytes(1, le), [0x42, 0x00]);
        store.show_in(TextEncoding::Gbk);
        store.push(rx(&[0xC4]));
        store.push(rx(&[0xE3]));
        assert_eq!(&*store.shown_bytes(3, TextEncoding::Gbk), [0xE3]);
    }

    /// UTF-16 chosen after the oldest reads left memory: the stream stays in step whether an
    /// odd or an even number of its bytes left (the first stored entry then starts mid-unit).
    #[test]
    fn utf16_chosen_after_reads_left_memory_stays_in_step() {
        let le = TextEncoding::Utf16Le;
        let text = le.encode(&"abcdefghij".repeat(40)).unwrap().into_owned();
        let entry_cost = LogStore::cost(7);
        let mut parities = std::collections::HashSet::new();
        for kept in 20..24 {
            let mut store = LogStore::with_cap(entry_cost * kept);
            for chunk in text.chunks(7) {
                store.push(rx(chunk));
            }
            let (evicted, _) = store.evicted();
            parities.insert(evicted % 2);
            store.show_in(le);
            store.push(rx(&text[..6]));
            for index in 0..store.len() {
                let shown = le.decode_marked(&store.shown_bytes(index, le)).text;
                let letters = shown.chars().all(|c| c.is_ascii_lowercase());
                assert!(letters, "{evicted} evicted, entry {index}: {shown:?}");
            }
        }
        assert_eq!(
            parities.len(),
            2,
            "odd and even numbers of 7-byte reads left"
        );
    }

    #[test]
    fn a_utf16_index_survives_eviction() {
        let be = TextEncoding::Utf16Be;
        let line = be.encode("x\n").unwrap();
        let mut store = LogStore::with_cap(4096);
        store.show_in(be);
        for _ in 0..200 {
            store.push(rx(&line));
        }
        assert!(store.evicted().0 > 0);
        assert_eq!(store.line_total(Layout::Text), store.len() as u64);
        store.show_in(TextEncoding::Utf8);
        store.show_in(be);
        assert_eq!(store.line_total(Layout::Text), store.len() as u64);
        rows_agree(&store, be);
    }
}
