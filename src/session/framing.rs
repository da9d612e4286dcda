//! How received bytes become log entries: one per read, per line, per delimiter, per fixed
//! length, or per burst (a new entry after a silence). Framing changes what the view shows,
//! never the bytes recorded: the recorder gets every read as it came.

use std::time::{Duration, SystemTime};

use crate::codec::Utf16Order;

/// The longest a frame may grow while waiting for its end; past it, what is there is shown, so
/// a peer that never sends a line end cannot hold bytes back without limit.
pub const MAX_FRAME: usize = 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Framing {
    /// One entry per read (per datagram in UDP).
    #[default]
    PerRead,
    /// One entry per line, ending in `\n` (so `\r\n` too).
    Lines,
    /// [`Self::Lines`] in UTF-16: a line ends in a `\n` code unit, not in any 0x0A byte.
    Utf16Lines(Utf16Order),
    /// One entry per occurrence of these bytes, which end it.
    Delimiter(Vec<u8>),
    /// One entry per this many bytes.
    FixedLength(usize),
    /// One entry per burst: a new entry after this many milliseconds without data.
    IdleGap(u64),
}

/// One stream's bytes waiting for the end of their frame.
#[derive(Debug, Default)]
pub struct Framer {
    pending: Vec<u8>,
    /// When the last byte arrived.
    last_arrival: Option<SystemTime>,
}

/// A finished frame and when its last byte arrived.
pub type Frame = (Vec<u8>, SystemTime);

impl Framer {
    /// Bytes held back, waiting for their frame's end.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Takes in one read; returns the frames it completes.
    pub fn push(&mut self, framing: &Framing, bytes: Vec<u8>, time: SystemTime) -> Vec<Frame> {
        self.last_arrival = Some(time);
        let mut frames = Vec::new();
        match framing {
            Framing::PerRead => frames.push((bytes, time)),
            Framing::Lines => self.split_after(b"\n", &bytes, time, &mut frames),
            Framing::Utf16Lines(order) => self.split_utf16_lines(*order, &bytes, time, &mut frames),
            Framing::Delimiter(delimiter) if !delimiter.is_empty() => {
                self.split_after(delimiter, &bytes, time, &mut frames);
            }
            Framing::FixedLength(length) if *length > 0 => {
                self.pending.extend_from_slice(&bytes);
                let whole = self.pending.len() / length * length;
                // Each frame its own exact allocation, and the rest moved down once: cutting
                // the pending buffer frame by frame would copy it once per frame.
                frames.extend(
                    self.pending[..whole]
                        .chunks_exact(*length)
                        .map(|frame| (frame.to_vec(), time)),
                );
                self.pending.drain(..whole);
            }
            // Idle gap, and the degenerate settings above: wait (the gap, or the size limit).
            _ => self.pending.extend_from_slice(&bytes),
        }
        if self.pending.len() >= MAX_FRAME {
            match framing {
                // A whole number of code units: the next line's code units start even.
                Framing::Utf16Lines(_) => {
                    let whole = self.pending.len() & !1;
                    frames.push((self.pending[..whole].to_vec(), time));
                    self.pending.drain(..whole);
                }
                _ => frames.extend(self.flush()),
            }
        }
        frames
    }

    /// Cuts pending + `bytes` after each `delimiter`; keeps the unfinished rest pending.
    fn split_after(
        &mut self,
        delimiter: &[u8],
        bytes: &[u8],
        time: SystemTime,
        frames: &mut Vec<Frame>,
    ) {
        // Only the tail of what was pending can hold the start of a delimiter split across reads.
        let mut search_from = self.pending.len().saturating_sub(delimiter.len() - 1);
        self.pending.extend_from_slice(bytes);
        let finder = memchr::memmem::Finder::new(delimiter);
        let mut start = 0;
        // Each frame its own exact allocation, and the rest moved down once (see above).
        while let Some(at) = finder.find(&self.pending[search_from..]) {
            let end = search_from + at + delimiter.len();
            frames.push((self.pending[start..end].to_vec(), time));
            start = end;
            search_from = end;
        }
        self.pending.drain(..start);
    }

    /// Lines of UTF-16 text: code units are counted from the first pending byte, which follows
    /// the last line end (frames end at code unit boundaries).
    fn split_utf16_lines(
        &mut self,
        order: Utf16Order,
        bytes: &[u8],
        time: SystemTime,
        frames: &mut Vec<Frame>,
    ) {
        // A line end split across reads starts in the last code unit pending, whole or not.
        let search_from = self.pending.len().saturating_sub(1) & !1;
        self.pending.extend_from_slice(bytes);
        let encoding = order.encoding();
        let newline = encoding.newline().len();
        let mut start = 0;
        for at in encoding.newlines(&self.pending[search_from..]) {
            let end = search_from + at + newline;
            frames.push((self.pending[start..end].to_vec(), time));
            start = end;
        }
        self.pending.drain(..start);
    }

    /// With an idle gap: the frame that `now` ends, if the gap has passed since the last byte.
    pub fn tick(&mut self, framing: &Framing, now: SystemTime) -> Option<Frame> {
        let Framing::IdleGap(millis) = framing else {
            return None;
        };
        let quiet = now.duration_since(self.last_arrival?).unwrap_or_default();
        (quiet >= Duration::from_millis(*millis))
            .then(|| self.flush())
            .flatten()
    }

    /// When the pending frame is due, with an idle gap.
    pub fn due(&self, framing: &Framing) -> Option<SystemTime> {
        let Framing::IdleGap(millis) = framing else {
            return None;
        };
        (!self.pending.is_empty()).then_some(self.last_arrival? + Duration::from_millis(*millis))
    }

    /// Whatever is pending, as a frame: the stream ended or the framing changed.
    pub fn flush(&mut self) -> Option<Frame> {
        let time = self.last_arrival?;
        (!self.pending.is_empty()).then(|| (std::mem::take(&mut self.pending), time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(framing: &Framing, reads: &[&[u8]]) -> (Vec<Vec<u8>>, usize) {
        let mut framer = Framer::default();
        let now = SystemTime::now();
        let frames = reads
            .iter()
            .flat_map(|read| framer.push(framing, read.to_vec(), now))
            .map(|(bytes, _)| bytes)
            .collect();
        (frames, framer.pending())
    }

    #[test]
    fn per_read_keeps_reads() {
        assert_eq!(
            frames_of(&Framing::PerRead, &[b"ab", b"c"]),
            (vec![b"ab".to_vec(), b"c".to_vec()], 0)
        );
    }

    #[test]
    fn lines_end_at_newline_across_reads() {
        let (frames, pending) = frames_of(&Framing::Lines, &[b"one\r", b"\ntwo\nthr", b"ee"]);
        assert_eq!(frames, [b"one\r\n".to_vec(), b"two\n".to_vec()]);
        assert_eq!(pending, 5);
    }

    #[test]
    fn utf16_lines_end_at_newline_code_units_across_reads() {
        // UTF-16LE "ਊ\nb\n" (U+0A0A holds two 0x0A bytes), then "c"; cut in odd places.
        let bytes = [0x0A, 0x0A, 0x0A, 0x00, 0x62, 0x00, 0x0A, 0x00, 0x63, 0x00];
        let framing = Framing::Utf16Lines(Utf16Order::Little);
        let reads: [&[u8]; 4] = [&bytes[..1], &bytes[1..3], &bytes[3..7], &bytes[7..]];
        let (frames, pending) = frames_of(&framing, &reads);
        assert_eq!(frames, [bytes[..4].to_vec(), bytes[4..8].to_vec()]);
        assert_eq!(pending, 2);
        // The same bytes as UTF-8 lines break at every 0x0A.
        let (frames, _) = frames_of(&Framing::Lines, &reads);
        assert_eq!(frames.len(), 4);
    }

    #[test]
    fn a_utf16_line_past_the_size_limit_is_cut_at_a_code_unit() {
        // A line longer than the limit in an odd-sized read, then its end and a short line.
        let mut long = [b'y', 0].repeat(MAX_FRAME / 2);
        long.push(b'y');
        let framing = Framing::Utf16Lines(Utf16Order::Little);
        let (frames, pending) = frames_of(&framing, &[&long, &[0, 0x0A, 0, b'z', 0, 0x0A, 0, 0]]);
        let lengths: Vec<usize> = frames.iter().map(Vec::len).collect();
        // The limit's worth (even), then "y\n" and "z\n": the odd byte stayed to begin a
        // code unit. The last byte waits.
        assert_eq!(lengths, [MAX_FRAME, 4, 4]);
        assert_eq!(pending, 1);
    }

    #[test]
    fn a_delimiter_split_across_reads_still_ends_a_frame() {
        let framing = Framing::Delimiter(vec![0xAA, 0x55]);
        let (frames, pending) = frames_of(&framing, &[&[1, 2, 0xAA], &[0x55, 3, 0xAA, 0x55, 4]]);
        assert_eq!(frames, [vec![1, 2, 0xAA, 0x55], vec![3, 0xAA, 0x55]]);
        assert_eq!(pending, 1);
    }

    #[test]
    fn fixed_length_cuts_every_n_bytes() {
        let (frames, pending) = frames_of(&Framing::FixedLength(3), &[b"abcd", b"efgh"]);
        assert_eq!(frames, [b"abc".to_vec(), b"def".to_vec()]);
        assert_eq!(pending, 2);
    }

    #[test]
    fn idle_gap_ends_a_burst_after_the_silence() {
        let framing = Framing::IdleGap(50);
        let mut framer = Framer::default();
        let start = SystemTime::now();
        assert!(framer.push(&framing, b"ab".to_vec(), start).is_empty());
        assert!(
            framer
                .push(&framing, b"cd".to_vec(), start + Duration::from_millis(30))
                .is_empty()
        );
        let due = framer.due(&framing);
        assert_eq!(due, Some(start + Duration::from_millis(80)));
        assert_eq!(
            framer.tick(&framing, start + Duration::from_millis(79)),
            None
        );
        let frame = framer.tick(&framing, start + Duration::from_millis(80));
        assert_eq!(frame.map(|(bytes, _)| bytes), Some(b"abcd".to_vec()));
        assert_eq!(framer.due(&framing), None);
    }

    #[test]
    fn a_frame_never_grows_past_the_limit() {
        let big = vec![b'x'; MAX_FRAME + 10];
        let (frames, pending) = frames_of(&Framing::Lines, &[&big]);
        assert_eq!(
            (frames.len(), frames[0].len(), pending),
            (1, MAX_FRAME + 10, 0)
        );
    }

    #[test]
    fn flush_hands_over_what_is_pending() {
        let mut framer = Framer::default();
        framer.push(&Framing::Lines, b"partial".to_vec(), SystemTime::now());
        assert_eq!(
            framer.flush().map(|(bytes, _)| bytes),
            Some(b"partial".to_vec())
        );
        assert_eq!(framer.flush(), None);
    }
}
