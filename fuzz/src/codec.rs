//! The codecs: hex, escapes, checksums and frames, send variables, and the streaming decoder.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use encoding_rs::DecoderResult;
use sockscope::codec::hex::HexErrorKind;
use sockscope::codec::stream::{self, MAX_TAIL};
use sockscope::codec::{
    ByteOrder, Checksum, ComposeError, EscapedError, PayloadFormat, SendSpec, Template,
    TemplateError, TextEncoding, compose, compose_frame, encode_escaped, parse_hex, to_hex,
    to_spaced_hex,
};

use crate::char_at;
use crate::input::Input;

fn is_separator(ch: char) -> bool {
    ch.is_whitespace() || ch == ',' || ch == '，'
}

/// Hex as the send box documents it, read the obvious way: tokens between separators, each
/// with an optional `0x`, an even number of digits.
fn naive_hex(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for token in text.split(is_separator).filter(|token| !token.is_empty()) {
        let (digits, prefixed) = match token.strip_prefix("0x").or(token.strip_prefix("0X")) {
            Some(rest) => (rest, true),
            None => (token, false),
        };
        if (prefixed && digits.is_empty())
            || digits.len() % 2 != 0
            || !digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        for pair in digits.as_bytes().chunks(2) {
            let pair = std::str::from_utf8(pair).ok()?;
            out.push(u8::from_str_radix(pair, 16).ok()?);
        }
    }
    Some(out)
}

/// `parse_hex` reads what `to_hex`/`to_spaced_hex` write, agrees with a naive reader on any
/// text, and its errors point at a character of the input that is what the error says.
pub fn hex(data: &[u8]) {
    let lower = to_hex(data);
    assert_eq!(lower.len(), data.len() * 2);
    assert_eq!(parse_hex(&lower).ok().as_deref(), Some(data));
    let spaced = to_spaced_hex(data);
    assert_eq!(parse_hex(&spaced).ok().as_deref(), Some(data));

    let text = String::from_utf8_lossy(data);
    let parsed = parse_hex(&text);
    assert_eq!(parsed.as_ref().ok(), naive_hex(&text).as_ref(), "{text:?}");
    let Err(error) = parsed else {
        return;
    };
    let at = char_at(&text, error.line, error.column);
    let Some(ch) = at else {
        panic!("{error:?} points outside {text:?}");
    };
    match error.kind {
        HexErrorKind::InvalidDigit(found) => {
            assert_eq!(found, ch, "{text:?}");
            assert!(!ch.is_ascii_hexdigit() && !is_separator(ch), "{text:?}");
        }
        HexErrorKind::OddDigits => assert!(ch.is_ascii_hexdigit(), "{error:?} {text:?}"),
        HexErrorKind::MissingDigits => assert!(matches!(ch, 'x' | 'X'), "{error:?} {text:?}"),
    }
    // It is the first error: the lines before it read.
    let before: Vec<&str> = text.split('\n').take(error.line - 1).collect();
    assert!(parse_hex(&before.join("\n")).is_ok(), "{text:?}");
}

/// Text for the generated cases: ASCII, Latin, CJK, an emoji (which GBK cannot encode), a
/// full-width space and line breaks; never a backslash.
const ALPHABET: [char; 14] = [
    'a', 'Z', '0', ' ', '\n', 'é', '你', '€', '😀', 'ß', 'Ж', '\u{3000}', 'x', '{',
];

/// `encode_escaped` encodes text without a backslash as plain encoding does, turns each escape
/// into its byte between separately encoded runs, and points its errors at the input.
pub fn escape(data: &[u8]) {
    let mut input = Input::new(data);
    let encoding = input.pick(&TextEncoding::ALL);
    if input.bool() {
        let text = String::from_utf8_lossy(input.rest());
        let result = encode_escaped(&text, encoding);
        if !text.contains('\\') {
            let plain = encoding.encode(&text).map(std::borrow::Cow::into_owned);
            assert_eq!(result, plain.map_err(EscapedError::Encode), "{text:?}");
        }
        match result {
            Err(EscapedError::Escape(error)) => {
                assert_eq!(char_at(&text, error.line, error.column), Some('\\'));
            }
            Err(EscapedError::Encode(error)) => {
                assert_eq!(char_at(&text, error.line, error.column), Some(error.ch));
            }
            Ok(_) => {}
        }
        return;
    }
    // A generated input whose bytes are known.
    let mut typed = String::new();
    let mut literal = String::new();
    let mut expected: Result<Vec<u8>, char> = Ok(Vec::new());
    let flush = |literal: &mut String, expected: &mut Result<Vec<u8>, char>| {
        if let Ok(out) = expected {
            match encoding.encode(literal) {
                Ok(bytes) => out.extend_from_slice(&bytes),
                Err(error) => *expected = Err(error.ch),
            }
        }
        literal.clear();
    };
    while !input.is_empty() {
        match input.byte() % 8 {
            0..=3 => {
                for _ in 0..input.byte() % 8 {
                    let ch = input.pick(&ALPHABET);
                    typed.push(ch);
                    literal.push(ch);
                }
            }
            4 | 5 => {
                let byte = input.byte();
                flush(&mut literal, &mut expected);
                if input.bool() {
                    let _ = write!(typed, "\\x{byte:02X}");
                } else {
                    let _ = write!(typed, "\\x{byte:02x}");
                }
                if let Ok(out) = &mut expected {
                    out.push(byte);
                }
            }
            _ => {
                let (letter, byte) = input.pick(&[
                    ('r', b'\r'),
                    ('n', b'\n'),
                    ('t', b'\t'),
                    ('\\', b'\\'),
                    ('0', 0),
                ]);
                // A character, in the encoding (two bytes in UTF-16), unlike \xNN.
                typed.push('\\');
                typed.push(letter);
                literal.push(char::from(byte));
            }
        }
    }
    flush(&mut literal, &mut expected);
    match (encode_escaped(&typed, encoding), expected) {
        (Ok(bytes), Ok(wanted)) => assert_eq!(bytes, wanted, "{typed:?} in {encoding}"),
        (Err(EscapedError::Encode(error)), Err(ch)) => {
            assert_eq!(error.ch, ch, "{typed:?}");
            assert_eq!(
                char_at(&typed, error.line, error.column),
                Some(ch),
                "{typed:?}"
            );
        }
        (got, wanted) => panic!("{typed:?} in {encoding}: {got:?}, expected {wanted:?}"),
    }
}

/// Bit by bit, from each algorithm's published parameters.
fn naive_checksum(checksum: Checksum, bytes: &[u8]) -> u32 {
    let reflected = |poly: u32, init: u32, xorout: u32| {
        let mut crc = init;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    crc >> 1 ^ poly
                } else {
                    crc >> 1
                };
            }
        }
        crc ^ xorout
    };
    match checksum {
        Checksum::None => 0,
        Checksum::Sum8 => bytes.iter().map(|&b| u32::from(b)).sum::<u32>() % 256,
        Checksum::Xor8 => bytes.iter().fold(0, |x, &b| x ^ u32::from(b)),
        Checksum::Crc16Modbus => reflected(0xA001, 0xFFFF, 0),
        Checksum::Crc32 => reflected(0xEDB8_8320, 0xFFFF_FFFF, 0xFFFF_FFFF),
        Checksum::Crc16CcittFalse => {
            let mut crc: u32 = 0xFFFF;
            for &byte in bytes {
                crc ^= u32::from(byte) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1 ^ 0x1021) & 0xFFFF
                    } else {
                        crc << 1 & 0xFFFF
                    };
                }
            }
            crc
        }
    }
}

fn checksum_bytes(checksum: Checksum, bytes: &[u8], order: ByteOrder) -> Vec<u8> {
    let width = checksum.width();
    let mut out = naive_checksum(checksum, bytes).to_be_bytes()[4 - width..].to_vec();
    if order == ByteOrder::LittleEndian {
        out.reverse();
    }
    out
}

/// Each checksum agrees with a bitwise reference and with the `crc` crate; a frame is the
/// payload, its checksum, then the suffix, and fails exactly when its payload does.
pub fn checksum(data: &[u8]) {
    for checksum in Checksum::ALL {
        let value = checksum.value(data);
        assert_eq!(value, naive_checksum(checksum, data), "{checksum}");
        let from_crate = match checksum {
            Checksum::Crc16Modbus => {
                u32::from(crc::Crc::<u16>::new(&crc::CRC_16_MODBUS).checksum(data))
            }
            Checksum::Crc16CcittFalse => {
                u32::from(crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(data))
            }
            Checksum::Crc32 => crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data),
            _ => value,
        };
        assert_eq!(value, from_crate, "{checksum}");
        for order in [ByteOrder::BigEndian, ByteOrder::LittleEndian] {
            assert_eq!(
                checksum.bytes(data, order),
                checksum_bytes(checksum, data, order)
            );
        }
    }

    let mut input = Input::new(data);
    let spec = SendSpec {
        checksum: input.pick(&Checksum::ALL),
        order: input.pick(&[ByteOrder::BigEndian, ByteOrder::LittleEndian]),
        format: input.pick(&PayloadFormat::ALL),
        escapes: input.bool(),
        encoding: input.pick(&TextEncoding::ALL),
        suffix: input.bytes(8).to_vec(),
    };
    let text = String::from_utf8_lossy(input.rest());
    let frame = compose_frame(&text, &spec);
    if text.contains("{{") {
        // Variables change from send to send; the frame still ends as set.
        if let Ok(frame) = frame {
            assert!(frame.ends_with(&spec.suffix));
            assert!(frame.len() >= spec.suffix.len() + spec.checksum.width());
        }
        return;
    }
    let payload: Result<Vec<u8>, ComposeError> = match (spec.format, spec.escapes) {
        (PayloadFormat::Text, true) => encode_escaped(&text, spec.encoding).map_err(Into::into),
        (format, _) => compose(&text, format, spec.encoding),
    };
    let expected = payload.map(|mut bytes| {
        let check = checksum_bytes(spec.checksum, &bytes, spec.order);
        bytes.extend_from_slice(&check);
        bytes.extend_from_slice(&spec.suffix);
        bytes
    });
    assert_eq!(frame, expected, "{text:?} {spec:?}");
}

fn literal(text: &str) -> Result<Vec<u8>, TemplateError> {
    Ok(text.as_bytes().to_vec())
}

/// A template without `{{` renders to its literal bytes; a counter renders start + step × index
/// (increasing with a positive step), `{{crc}}` the checksum of what precedes it, `{{random N}}`
/// N bytes, `{{unixtime}}` the time given; errors point at the `{{` left open.
pub fn template(data: &[u8]) {
    let mut input = Input::new(data);
    let now = UNIX_EPOCH + Duration::from_millis(input.u64() % (300 * 365 * 86_400_000));
    let index = input.u64();
    match input.byte() % 5 {
        0 => {
            let text = String::from_utf8_lossy(input.rest());
            match Template::parse(&text, literal) {
                Ok(template) => {
                    assert_eq!(template.is_variable(), text.contains("{{"), "{text:?}");
                    let first = template.render(index, now);
                    if !text.contains("{{") {
                        assert_eq!(first, text.as_bytes());
                    }
                    if !text.to_ascii_lowercase().contains("random") {
                        assert_eq!(template.render(index, now), first, "{text:?}");
                    }
                }
                Err(TemplateError::Unclosed { line, column }) => {
                    assert_eq!(char_at(&text, line, column), Some('{'), "{text:?}");
                    assert_eq!(char_at(&text, line, column + 1), Some('{'), "{text:?}");
                }
                Err(_) => assert!(text.contains("{{"), "{text:?}"),
            }
        }
        1 => counter(&mut input, index, now),
        2 => {
            let prefix: String = String::from_utf8_lossy(input.bytes(64)).replace('{', "(");
            let (name, checksum) = input.pick(&[
                ("modbus", Checksum::Crc16Modbus),
                ("CCITT", Checksum::Crc16CcittFalse),
                ("crc32", Checksum::Crc32),
                ("sum8", Checksum::Sum8),
                ("xor", Checksum::Xor8),
            ]);
            let (order_name, order) = input.pick(&[
                ("", ByteOrder::BigEndian),
                (" le", ByteOrder::LittleEndian),
                (" be", ByteOrder::BigEndian),
            ]);
            let text = format!("{prefix}{{{{crc {name}{order_name}}}}}!");
            let rendered = Template::parse(&text, literal)
                .unwrap_or_else(|error| panic!("{text:?}: {error}"))
                .render(index, now);
            let mut expected = prefix.as_bytes().to_vec();
            expected.extend(checksum_bytes(checksum, prefix.as_bytes(), order));
            expected.push(b'!');
            assert_eq!(rendered, expected, "{text:?}");
        }
        3 => {
            let count = usize::from(input.u16()) % 300 + 1;
            let text = format!("<{{{{random {count}}}}}>");
            let rendered = Template::parse(&text, literal)
                .unwrap_or_else(|error| panic!("{text:?}: {error}"))
                .render(index, now);
            assert_eq!(rendered.len(), count + 2);
        }
        _ => {
            let millis = input.bool();
            let text = if millis {
                "{{UnixTime ms}}"
            } else {
                "{{unixtime}}"
            };
            let rendered = Template::parse(text, literal)
                .unwrap_or_else(|error| panic!("{text:?}: {error}"))
                .render(index, now);
            let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
            let expected = if millis {
                since.as_millis()
            } else {
                u128::from(since.as_secs())
            };
            assert_eq!(rendered, expected.to_string().as_bytes());
        }
    }
}

fn counter(input: &mut Input<'_>, index: u64, now: SystemTime) {
    let start = input.u64() as i64;
    let step = i64::from(input.u16() as i16);
    let width = usize::from(input.byte() % 21);
    let form = input.byte() % 3;
    let len = usize::from(input.byte() % 8) + 1;
    let little = input.bool();
    let mut args = vec![format!("start={start}"), format!("step={step}")];
    match form {
        0 => args.push(format!("width={width}")),
        1 => args.extend([format!("WIDTH={width}"), "hex".to_owned()]),
        _ => args.extend([
            format!("bytes={len}"),
            (if little { "le" } else { "BE" }).to_owned(),
        ]),
    }
    // The options in any order.
    let turn = usize::from(input.byte()) % args.len();
    args.rotate_left(turn);
    let text = format!("[{{{{Counter {}}}}}]", args.join(" "));
    let template =
        Template::parse(&text, literal).unwrap_or_else(|error| panic!("{text:?}: {error}"));
    let value_at = |index: u64| start.wrapping_add(step.wrapping_mul(index as i64));
    let rendered_at = |index: u64| {
        let rendered = template.render(index, now);
        assert!(
            rendered.starts_with(b"[") && rendered.ends_with(b"]"),
            "{text:?}"
        );
        rendered[1..rendered.len() - 1].to_vec()
    };
    for index in [index, index.wrapping_add(1)] {
        let value = value_at(index);
        let middle = rendered_at(index);
        match form {
            0 | 1 => {
                let digits = String::from_utf8(middle).unwrap_or_default();
                assert!(digits.len() >= width, "{text:?} {digits}");
                let read = if form == 0 {
                    digits.parse::<i64>().ok()
                } else {
                    u64::from_str_radix(&digits, 16).ok().map(|v| v as i64)
                };
                assert_eq!(read, Some(value), "{text:?} at {index}: {digits}");
            }
            _ => {
                let mut bytes = middle;
                assert_eq!(bytes.len(), len, "{text:?}");
                if little {
                    bytes.reverse();
                }
                let mut full = [0u8; 8];
                full[8 - len..].copy_from_slice(&bytes);
                let mask = if len == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * len)) - 1
                };
                assert_eq!(u64::from_be_bytes(full), value as u64 & mask, "{text:?}");
            }
        }
    }
    // Monotonic: with a positive step and no overflow, the next send's number is larger.
    if form == 0 && step > 0 && index < u64::MAX {
        let (this, next) = (value_at(index), value_at(index + 1));
        let no_overflow = i64::try_from(index)
            .ok()
            .and_then(|i| step.checked_mul(i))
            .and_then(|product| start.checked_add(product))
            .and_then(|value| value.checked_add(step))
            .is_some();
        if no_overflow {
            assert!(next > this, "{text:?} at {index}");
        }
    }
}

/// The text and invalid bytes by encoding_rs's own decoder: each malformed byte written `\xNN`.
fn reference_marked(encoding: TextEncoding, bytes: &[u8]) -> (String, Vec<bool>) {
    let mut decoder = encoding.encoding_rs().new_decoder_without_bom_handling();
    let mut text = String::new();
    let mut invalid = vec![false; bytes.len()];
    let capacity = bytes.len() * 3 + 16;
    let mut out = String::with_capacity(capacity);
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        text.push_str(&out);
        out.clear();
        match result {
            DecoderResult::InputEmpty => return (text, invalid),
            DecoderResult::OutputFull => out.reserve(capacity),
            DecoderResult::Malformed(len, after) => {
                let end = read_total - usize::from(after);
                for at in end.saturating_sub(usize::from(len))..end {
                    invalid[at] = true;
                    let _ = write!(text, "\\x{:02X}", bytes[at]);
                }
            }
        }
    }
}

/// The streaming decoder agrees with encoding_rs: the marked text, the invalid bytes, the
/// pieces of the hex view and the lossy text; and a stream cut anywhere into reads, each read's
/// unfinished tail carried to the next, decodes to the same text as the whole.
pub fn stream(data: &[u8]) {
    let mut input = Input::new(data);
    let encoding = input.pick(&TextEncoding::ALL);
    let cuts: Vec<usize> = (0..input.byte() % 6)
        .map(|_| usize::from(input.byte()))
        .collect();
    let bytes = input.rest();
    let (reference, invalid) = reference_marked(encoding, bytes);

    let marked = encoding.decode_marked(bytes);
    assert_eq!(marked.text, reference, "{encoding} {bytes:02X?}");
    let mut marked_bytes = 0;
    let mut last_end = None;
    for mark in &marked.marks {
        assert!(mark.start < mark.end && mark.end <= marked.text.len());
        assert!(
            last_end.is_none_or(|end| end < mark.start),
            "marks merge when adjacent"
        );
        last_end = Some(mark.end);
        let escapes = &marked.text[mark.clone()];
        assert!(
            escapes.len().is_multiple_of(4) && escapes.starts_with("\\x"),
            "{escapes}"
        );
        marked_bytes += escapes.len() / 4;
    }
    assert_eq!(marked_bytes, invalid.iter().filter(|&&bad| bad).count());

    let mut found = vec![false; bytes.len()];
    for (start, len) in stream::invalid_bytes(encoding, bytes) {
        assert!(len > 0 && start + len <= bytes.len());
        found[start..start + len].fill(true);
    }
    assert_eq!(found, invalid, "{encoding} {bytes:02X?}");

    // The hex view's pieces: contiguous, the same bytes invalid, and each one's text what
    // encoding_rs makes of its bytes.
    let mut at = 0;
    let mut pieces_text = String::new();
    for piece in stream::pieces(encoding, bytes) {
        assert_eq!(piece.start, at, "{encoding} {bytes:02X?}");
        assert!(piece.len > 0);
        let own = &bytes[at..at + piece.len];
        match piece.text {
            None => {
                assert_eq!(piece.len, 1);
                assert!(invalid[at], "{encoding} {bytes:02X?} at {at}");
                let _ = write!(pieces_text, "\\x{:02X}", own[0]);
            }
            Some(text) => {
                assert!(
                    !invalid[at..at + piece.len].contains(&true),
                    "{encoding} {bytes:02X?}"
                );
                let decoded = encoding
                    .encoding_rs()
                    .decode_without_bom_handling_and_without_replacement(own)
                    .unwrap_or_else(|| panic!("{encoding} {own:02X?}"));
                // All of it: a Big5 letter's combining mark too.
                let text: String = text.chars().collect();
                assert_eq!(text, decoded, "{encoding} {own:02X?}");
                pieces_text.push_str(&text);
            }
        }
        at += piece.len;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(pieces_text, reference, "{encoding} {bytes:02X?}");

    let lossy = encoding.encoding_rs().decode_without_bom_handling(bytes).0;
    assert_eq!(encoding.decode(bytes), lossy, "{encoding} {bytes:02X?}");

    // Reads cut anywhere: each shows what it has whole, and hands its unfinished end on.
    let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(bytes.len())).collect();
    cuts.sort_unstable();
    cuts.push(bytes.len());
    let mut carried: Vec<u8> = Vec::new();
    let mut shown = String::new();
    let mut from = 0;
    for cut in cuts {
        let read = &bytes[from..cut];
        from = cut;
        if !carried.is_empty() && !read.is_empty() {
            // A tail that a whole character of the joined bytes takes in goes on.
            let mut joined = carried.clone();
            joined.extend_from_slice(read);
            if stream::incomplete_tail(encoding, &joined) == joined.len() {
                assert!(
                    stream::starts_character(encoding, &carried, read),
                    "{encoding} {joined:02X?}"
                );
            }
        }
        let mut pending = std::mem::take(&mut carried);
        pending.extend_from_slice(read);
        let tail = stream::incomplete_tail(encoding, &pending);
        assert!(tail <= MAX_TAIL && tail <= pending.len());
        shown.push_str(
            &encoding
                .decode_marked(&pending[..pending.len() - tail])
                .text,
        );
        carried = pending[pending.len() - tail..].to_vec();
    }
    shown.push_str(&encoding.decode_marked(&carried).text);
    assert_eq!(shown, reference, "{encoding} {bytes:02X?}");
}
