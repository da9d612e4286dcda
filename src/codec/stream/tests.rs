use super::*;

#[test]
fn finds_unfinished_utf8_characters() {
    let text = "a你😀".as_bytes(); // 1 + 3 + 4 bytes
    assert_eq!(incomplete_tail(TextEncoding::Utf8, text), 0);
    assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..2]), 1);
    assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..3]), 2);
    assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..5]), 1);
    assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..7]), 3);
    // Never valid, so never carried: a lone continuation byte, an overlong lead, 0xFF.
    for invalid in [&[0x80][..], &[0xC0], &[0xFF], &[0xE0, 0x80]] {
        assert_eq!(
            incomplete_tail(TextEncoding::Utf8, invalid),
            0,
            "{invalid:x?}"
        );
    }
    // A malformed sequence followed by a real start: the start is the tail.
    assert_eq!(incomplete_tail(TextEncoding::Utf8, &[0xE4, 0x41, 0xE4]), 1);
}

#[test]
fn finds_unfinished_gbk_characters() {
    let gbk = [b'a', 0xC4, 0xE3, 0x81, 0x30, 0x81, 0x30]; // a, 你, a four-byte GB18030 code
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk), 0);
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..2]), 1);
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..4]), 1);
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..5]), 2);
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..6]), 3);
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &[0xFF]), 0);
    assert_eq!(
        incomplete_tail(TextEncoding::Gbk, &[0x80]),
        0,
        "0x80 is € on its own"
    );
    // A trail byte in the lead range is read as part of the pair, not as a new lead.
    assert_eq!(incomplete_tail(TextEncoding::Gbk, &[0xC4, 0xE3, 0xC4]), 1);
}

/// The text `pieces` gives, written as the view writes it.
fn pieces_text(encoding: TextEncoding, bytes: &[u8]) -> String {
    pieces(encoding, bytes)
        .iter()
        .map(|piece| match piece.text {
            Some(text) => text.chars().collect(),
            None => format!("\\x{:02X}", bytes[piece.start]),
        })
        .collect()
}

#[test]
fn pieces_keep_byte_offsets() {
    let bytes = "a你".as_bytes();
    let found = pieces(TextEncoding::Utf8, bytes);
    assert_eq!(
        found[1],
        Piece {
            start: 1,
            len: 3,
            text: Some('你'.into())
        }
    );
    let gbk = pieces(TextEncoding::Gbk, &[0xC4, 0xE3, 0xFF, 0x80]);
    let chars: Vec<_> = gbk.iter().map(|p| (p.start, p.text)).collect();
    assert_eq!(
        chars,
        [(0, Some('你'.into())), (2, None), (3, Some('€'.into()))]
    );
}

#[test]
fn a_big5_letter_keeps_its_combining_mark() {
    // 88 62 is Ê̄ (U+00CA U+0304); 88 66 is Ê alone.
    let found = pieces(TextEncoding::Big5, &[0x88, 0x62, b'x', 0x88, 0x66]);
    let texts: Vec<String> = found
        .iter()
        .filter_map(|piece| piece.text)
        .map(|text| text.chars().collect())
        .collect();
    assert_eq!(texts, ["\u{CA}\u{304}", "x", "\u{CA}"]);
    assert_eq!((found[1].start, found[1].len), (2, 1));
}

#[test]
fn the_tail_found_near_the_end_is_the_tail_found_from_the_start() {
    let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1D_u64);
    // Few bytes that end the GBK search, so it often has to look far back.
    let alphabet = [
        0x20, 0x30, 0x39, 0x41, 0x5A, 0x7F, 0x80, 0x81, 0xA1, 0xBF, 0xC4, 0xE4, 0xF0, 0xFE, 0xFF,
    ];
    // One character at a time from the start, with no shortcut.
    let reference = |encoding, bytes: &[u8]| {
        let mut at = 0;
        while at < bytes.len() {
            match sequence_at(encoding, &bytes[at..]) {
                Sequence::Complete(len) | Sequence::Invalid(len) => at += len,
                Sequence::Unfinished => return bytes.len() - at,
            }
        }
        0
    };
    for n in 0..50_000 {
        // Every other buffer is long and mostly GBK lead bytes (0x81-0xFE), as binary data
        // can be: the blocks skipped at a time must land where a byte-by-byte scan would.
        let long = n % 2 == 0;
        let len = (next() % if long { 100 } else { 40 }) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if long && !r.is_multiple_of(20) {
                    0x81 + ((r >> 8) % 0x7E) as u8
                } else if r.is_multiple_of(5) {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        for encoding in TextEncoding::ALL {
            assert_eq!(
                incomplete_tail(encoding, &bytes),
                reference(encoding, &bytes),
                "{encoding} {bytes:02X?}"
            );
        }
    }
}

/// Random bytes weighted towards the interesting ranges, from a fixed seed.
fn random_buffers() -> impl Iterator<Item = Vec<u8>> {
    let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15_u64);
    let alphabet: Vec<u8> = [
        0x00, 0x0A, 0x30, 0x39, 0x41, 0x7F, 0x80, 0x81, 0xA0, 0xA1, 0xBF, 0xC2, 0xC4, 0xE0, 0xE3,
        0xE4, 0xED, 0xF0, 0xF4, 0xFE, 0xFF,
    ]
    .to_vec();
    (0..20_000).map(move |_| {
        let len = (next() % 12) as usize;
        (0..len)
            .map(|_| {
                let r = next();
                if r.is_multiple_of(3) {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect()
    })
}

#[test]
fn the_marked_text_is_encoding_rs_text_with_escapes_for_its_replacements() {
    // Without its marks, our text is what encoding_rs decodes without its U+FFFD.
    for bytes in random_buffers() {
        for encoding in TextEncoding::ALL {
            let marked = encoding.decode_marked(&bytes);
            let mut ours = marked.text.clone();
            for range in marked.marks.iter().rev() {
                ours.replace_range(range.clone(), "");
            }
            // A U+FFFD may be a character that came (FF FD in UTF-16BE).
            let ours = ours.replace('\u{FFFD}', "");
            let theirs = encoding.decode(&bytes).replace('\u{FFFD}', "");
            assert_eq!(ours, theirs, "{encoding} {bytes:02X?}");
        }
    }
}

#[test]
fn pieces_agree_with_the_bulk_decoder_on_random_bytes() {
    for bytes in random_buffers() {
        for encoding in TextEncoding::ALL {
            assert_eq!(
                pieces_text(encoding, &bytes),
                encoding.decode_marked(&bytes).text,
                "{encoding} {bytes:02X?}"
            );
        }
    }
}
