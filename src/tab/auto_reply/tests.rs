use super::*;

fn rule(when: MatchKind, pattern: &str, reply: &str) -> ReplyRule {
    ReplyRule {
        when,
        pattern: pattern.to_owned(),
        reply: reply.to_owned(),
        ..ReplyRule::default()
    }
}

#[test]
fn the_first_matching_rule_replies() {
    let rules = [
        rule(MatchKind::Equals, r"PING\r\n", r"PONG\r\n"),
        rule(MatchKind::StartsWith, "GET", "200"),
        rule(MatchKind::Contains, "temp", "ack"),
    ];
    let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::English);
    assert_eq!(errors, [None, None, None]);
    assert_eq!(replies.reply_to(b"PING\r\n").unwrap(), b"PONG\r\n");
    assert_eq!(
        replies.reply_to(b"PING\r\nx"),
        None,
        "equals means all of it"
    );
    assert_eq!(
        replies.reply_to(b"GET temp").unwrap(),
        b"200",
        "first match wins"
    );
    assert_eq!(replies.reply_to(b"a temp b").unwrap(), b"ack");
    assert_eq!(replies.reply_to(b"nothing"), None);
}

#[test]
fn hex_gbk_echo_and_disabled_rules() {
    let hex = ReplyRule {
        pattern: "AA 55".to_owned(),
        pattern_format: PayloadFormat::Hex,
        reply: "你好".to_owned(),
        ..rule(MatchKind::StartsWith, "", "")
    };
    let off = ReplyRule {
        enabled: false,
        ..rule(MatchKind::Contains, "x", "y")
    };
    let rules = [off, hex, ReplyRule::echo()];
    let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Gbk, Language::English);
    assert_eq!(errors, [None, None, None]);
    assert_eq!(
        replies.reply_to(&[0xAA, 0x55, 1]).unwrap(),
        [0xC4, 0xE3, 0xBA, 0xC3]
    );
    assert_eq!(
        replies.reply_to(b"x").unwrap(),
        b"x",
        "disabled rule skipped; echo"
    );
}

#[test]
fn bad_rules_are_explained_and_left_out() {
    let rules = [
        ReplyRule {
            pattern_format: PayloadFormat::Hex,
            ..rule(MatchKind::Contains, "ZZ", "r")
        },
        rule(MatchKind::Equals, "", "r"),
        rule(MatchKind::Contains, "a", ""),
    ];
    let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::English);
    assert!(replies.is_empty());
    let errors: Vec<String> = errors.into_iter().map(Option::unwrap).collect();
    assert!(
        errors[0].starts_with("When: invalid hex digit 'Z'"),
        "{errors:?}"
    );
    assert_eq!(errors[1], "When: type the bytes to match");
    assert_eq!(errors[2], "Reply: type what to send");
    let (_, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::SimplifiedChinese);
    let errors: Vec<String> = errors.into_iter().map(Option::unwrap).collect();
    assert_eq!(
        errors,
        [
            "条件：第 1 行第 1 列的“Z”不是有效的十六进制数字",
            "条件：请输入要匹配的字节",
            "回复：请输入要发送的内容",
        ]
    );
}

/// A rule just added is inert and says nothing; once something is typed in it, what is
/// missing is said.
#[test]
fn a_blank_rule_is_inert_without_an_error() {
    let half = ReplyRule {
        pattern: "PING".to_owned(),
        ..ReplyRule::default()
    };
    let rules = [ReplyRule::default(), half];
    let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::English);
    assert!(replies.is_empty());
    assert_eq!(errors[0], None);
    assert_eq!(errors[1].as_deref(), Some("Reply: type what to send"));
}

#[test]
fn regular_expressions_put_their_captures_in_the_reply() {
    let text = ReplyRule {
        when: MatchKind::Regex,
        pattern: r"温度=(?P<t>\d+)".to_owned(),
        reply: r"T=${t} ($1) $$\r\n".to_owned(),
        delay_ms: 250,
        ..ReplyRule::default()
    };
    let raw = ReplyRule {
        when: MatchKind::BytesRegex,
        pattern: r"\x02(..)\x03".to_owned(),
        reply: "ACK $1 $9".to_owned(),
        ..ReplyRule::default()
    };
    let (replies, errors) =
        AutoReplies::compile(&[text, raw], TextEncoding::Gbk, Language::English);
    assert_eq!(errors, [None, None]);
    let gbk = TextEncoding::Gbk.encode("温度=23").unwrap().into_owned();
    let answer = replies.answer(&gbk).unwrap();
    assert_eq!(answer.bytes, b"T=23 (23) $\r\n");
    assert_eq!(answer.delay, Duration::from_millis(250));
    let answer = replies.answer(&[0xFF, 0x02, 0xAB, 0xCD, 0x03]).unwrap();
    assert_eq!(answer.bytes, b"ACK \xAB\xCD ", "raw bytes; no group 9");
    assert_eq!(answer.delay, Duration::ZERO);
    assert!(replies.answer(b"nothing").is_none());
}

#[test]
fn a_bad_regular_expression_is_explained() {
    let rule = ReplyRule {
        when: MatchKind::Regex,
        pattern: "(unclosed".to_owned(),
        reply: "x".to_owned(),
        ..ReplyRule::default()
    };
    let (replies, errors) = AutoReplies::compile(&[rule], TextEncoding::Utf8, Language::English);
    assert!(replies.is_empty());
    let error = errors[0].clone().unwrap();
    assert!(
        error.starts_with("When: not a regular expression:"),
        "{error}"
    );
}

#[test]
fn references_are_read_before_encoding_so_any_name_and_encoding_works() {
    let named = ReplyRule {
        when: MatchKind::Regex,
        pattern: r"温度=(?P<温度>\d+)".to_owned(),
        reply: "温度是${温度}度".to_owned(),
        ..ReplyRule::default()
    };
    let (replies, errors) = AutoReplies::compile(&[named], TextEncoding::Gbk, Language::English);
    assert_eq!(errors, [None]);
    let gbk = |text: &str| TextEncoding::Gbk.encode(text).unwrap().into_owned();
    assert_eq!(
        replies.reply_to(&gbk("温度=23")).unwrap(),
        gbk("温度是23度")
    );
    // マ in Shift_JIS is 83 7D: its 7D is no '}' here.
    let kana = ReplyRule {
        when: MatchKind::Regex,
        pattern: "(..)".to_owned(),
        reply: "${1}マ$$".to_owned(),
        ..ReplyRule::default()
    };
    let (replies, _) = AutoReplies::compile(&[kana], TextEncoding::ShiftJis, Language::English);
    assert_eq!(replies.reply_to(b"ab").unwrap(), b"ab\x83\x7D$");
}
