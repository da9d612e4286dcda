use super::*;

const CHINESE: &str = "你好，世界！Hello 网络调试助手";

#[test]
fn utf8_round_trip() {
    let bytes = TextEncoding::Utf8.encode(CHINESE).unwrap();
    assert_eq!(&*bytes, CHINESE.as_bytes());
    assert_eq!(TextEncoding::Utf8.decode(&bytes), CHINESE);
}

#[test]
fn gbk_round_trip() {
    let bytes = TextEncoding::Gbk.encode(CHINESE).unwrap();
    assert_ne!(&*bytes, CHINESE.as_bytes());
    assert_eq!(TextEncoding::Gbk.decode(&bytes), CHINESE);
}

#[test]
fn gbk_known_bytes() {
    let bytes = TextEncoding::Gbk.encode("你好").unwrap();
    assert_eq!(&*bytes, [0xc4, 0xe3, 0xba, 0xc3]);
    assert_eq!(TextEncoding::Gbk.decode(&[0xc4, 0xe3, 0xba, 0xc3]), "你好");
}

#[test]
fn gbk_euro_is_single_byte() {
    assert_eq!(&*TextEncoding::Gbk.encode("€").unwrap(), [0x80]);
    assert_eq!(TextEncoding::Gbk.decode(&[0x80]), "€");
}

#[test]
fn gbk_decodes_four_byte_gb18030() {
    // The GBK decoder is GB18030's, so 0x82 0x35 0x91 0x32 decodes.
    assert_eq!(
        TextEncoding::Gbk.decode(&[0x82, 0x35, 0x91, 0x32]),
        "\u{9FB9}"
    );
}

#[test]
fn invalid_utf8_becomes_replacement() {
    let decoded = TextEncoding::Utf8.decode(b"ab\xffcd");
    assert_eq!(decoded, "ab\u{FFFD}cd");
}

#[test]
fn invalid_gbk_becomes_replacement() {
    // 0xFF is never valid; the following "你" still decodes.
    let decoded = TextEncoding::Gbk.decode(&[b'a', 0xff, 0xc4, 0xe3, b'z']);
    assert_eq!(decoded, "a\u{FFFD}你z");
}

#[test]
fn unmappable_char_reports_position() {
    let err = TextEncoding::Gbk.encode("第一行\nab😀c").unwrap_err();
    assert_eq!(
        err,
        EncodeError {
            ch: '😀',
            line: 2,
            column: 3,
            encoding: TextEncoding::Gbk
        }
    );
    assert_eq!(
        err.to_string(),
        "'😀' (U+1F600) at line 2, column 3 cannot be encoded in GBK"
    );
}

#[test]
fn unmappable_first_char() {
    let err = TextEncoding::Gbk.encode("😀").unwrap_err();
    assert_eq!((err.line, err.column), (1, 1));
}

#[test]
fn unmappable_bmp_char_is_reported() {
    // Hangul is outside GBK, and would need a four-byte GB18030 sequence.
    let err = TextEncoding::Gbk.encode("中한").unwrap_err();
    assert_eq!((err.ch, err.line, err.column), ('한', 1, 2));
    assert_eq!(
        err.to_string(),
        "'한' (U+D55C) at line 1, column 2 cannot be encoded in GBK"
    );
}

#[test]
fn ascii_passes_through() {
    let text = "Hello\r\n\t~\0";
    for encoding in TextEncoding::ALL {
        let bytes = encoding.encode(text).unwrap();
        if let Some(order) = encoding.utf16_order() {
            let units: Vec<u8> = text.bytes().flat_map(|b| order.bytes(b.into())).collect();
            assert_eq!(&*bytes, units, "{encoding}");
            assert_eq!(encoding.decode(&units), text);
            continue;
        }
        assert!(matches!(bytes, Cow::Borrowed(_)));
        assert_eq!(&*bytes, text.as_bytes());
        assert_eq!(encoding.decode(text.as_bytes()), text);
    }
}

#[test]
fn names() {
    assert_eq!(TextEncoding::default(), TextEncoding::Utf8);
    assert_eq!(TextEncoding::Utf8.to_string(), "UTF-8");
    assert_eq!(TextEncoding::Gbk.to_string(), "GBK");
    assert_eq!(TextEncoding::from_label("utf-8"), Some(TextEncoding::Utf8));
    assert_eq!(TextEncoding::from_label("gbk"), Some(TextEncoding::Gbk));
}

#[test]
fn decode_marked_shows_invalid_bytes_as_escapes() {
    let utf8 = [b'a', 0xFF, 0xE4, 0xBD, 0xA0, 0xE4, 0xBD];
    let marked = TextEncoding::Utf8.decode_marked(&utf8);
    assert_eq!(marked.text, "a\\xFF你\\xE4\\xBD");
    assert_eq!(marked.marks, [1..5, 8..16]);
    let gbk = [0xC4, 0xE3, 0x80, b'x', 0xC4];
    assert_eq!(TextEncoding::Gbk.decode_marked(&gbk).text, "你€x\\xC4");
    assert_eq!(
        TextEncoding::Gbk.decode_marked(&[0xFF, b'y']).text,
        "\\xFFy"
    );
    let all: Vec<u8> = (0..=255).collect();
    let marked = TextEncoding::Utf8.decode_marked(&all).text;
    assert!(marked.starts_with('\0') && marked.ends_with("\\xFF"));
    assert!(!marked.contains('\u{FFFD}'));
}

#[test]
fn every_encoding_offered_keeps_ascii_and_has_its_own_name() {
    let mut names = std::collections::HashSet::new();
    for encoding in TextEncoding::ALL {
        assert_eq!(
            encoding.encoding_rs().is_ascii_compatible(),
            encoding.utf16_order().is_none(),
            "{encoding}"
        );
        assert!(
            names.insert(encoding.encoding_rs().name()),
            "{encoding} twice"
        );
        assert_eq!(
            TextEncoding::from_label(encoding.encoding_rs().name()),
            Some(encoding)
        );
        let stored = serde_json::to_string(&encoding).unwrap();
        assert_eq!(
            serde_json::from_str::<TextEncoding>(&stored).unwrap(),
            encoding
        );
    }
    // What settings files of earlier versions hold still reads.
    assert_eq!(
        serde_json::from_str::<TextEncoding>(r#""Gbk""#).unwrap(),
        TextEncoding::Gbk
    );
    assert_eq!(
        TextEncoding::from_label("sjis"),
        Some(TextEncoding::ShiftJis)
    );
    assert_eq!(
        TextEncoding::from_label("latin1"),
        Some(TextEncoding::Windows1252)
    );
    assert_eq!(TextEncoding::from_label(" Big5 "), Some(TextEncoding::Big5));
    assert_eq!(
        TextEncoding::from_label("utf-16le"),
        Some(TextEncoding::Utf16Le)
    );
    assert_eq!(
        TextEncoding::from_label("UTF-16BE"),
        Some(TextEncoding::Utf16Be)
    );
    assert_eq!(TextEncoding::from_label("iso-2022-jp"), None);
    assert_eq!(TextEncoding::Gb18030.to_string(), "GB18030");
    assert_eq!(TextEncoding::ShiftJis.to_string(), "Shift_JIS");
}

#[test]
fn each_encoding_round_trips_text_in_its_script() {
    let cases = [
        (TextEncoding::Big5, "網路調試 你好"),
        (TextEncoding::ShiftJis, "こんにちは、世界"),
        (TextEncoding::EucJp, "こんにちは、世界"),
        (TextEncoding::EucKr, "안녕하세요 세계"),
        (TextEncoding::Gb18030, "你好 😀 한"),
        (TextEncoding::Windows1251, "Привет"),
        (TextEncoding::Koi8R, "Привет"),
        (TextEncoding::Windows1253, "Γειά σου"),
        (TextEncoding::Windows1255, "שלום"),
        (TextEncoding::Windows1256, "مرحبا"),
        (TextEncoding::Windows874, "สวัสดี"),
        (TextEncoding::Windows1252, "café €"),
    ];
    for (encoding, text) in cases {
        let bytes = encoding.encode(text).unwrap();
        assert_ne!(&*bytes, text.as_bytes(), "{encoding}");
        assert_eq!(encoding.decode(&bytes), text, "{encoding}");
        assert!(
            encoding.decode_marked(&bytes).marks.is_empty(),
            "{encoding}"
        );
    }
    assert_eq!(&*TextEncoding::ShiftJis.encode("あ").unwrap(), [0x82, 0xA0]);
    assert_eq!(&*TextEncoding::Big5.encode("你").unwrap(), [0xA7, 0x41]);
    assert_eq!(&*TextEncoding::EucKr.encode("한").unwrap(), [0xC7, 0xD1]);
}

#[test]
fn characters_outside_an_encoding_are_refused_with_its_name() {
    let err = TextEncoding::ShiftJis.encode("ok 😀").unwrap_err();
    assert_eq!(
        err.to_string(),
        "'😀' (U+1F600) at line 1, column 4 cannot be encoded in Shift_JIS"
    );
    let err = TextEncoding::Windows1252.encode("Привет").unwrap_err();
    assert_eq!((err.ch, err.column), ('П', 1));
}
