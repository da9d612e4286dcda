//! The command line read into presets, and what it refuses.

use super::*;

#[test]
fn parses_host_port_forms() {
    let target = |host: &str, port| RemoteTarget {
        host: host.to_owned(),
        port,
    };
    assert_eq!(
        parse_host_port("127.0.0.1:9000"),
        Ok(target("127.0.0.1", 9000))
    );
    assert_eq!(parse_host_port("[::1]:9000"), Ok(target("::1", 9000)));
    assert_eq!(
        parse_host_port("example.com:80"),
        Ok(target("example.com", 80))
    );
    assert!(parse_host_port("::1:9000").is_err());
    assert!(parse_host_port("host:99999").is_err());
    assert!(parse_host_port("host").is_err());
    assert!(parse_host_port(":80").is_err());
}

#[test]
fn builds_a_udp_preset_with_its_target() {
    let cli = Cli::try_parse_from([
        "sockscope",
        "--udp",
        "127.0.0.1:0",
        "--to",
        "[::1]:7",
        "--encoding",
        "GBK",
        "--hex",
        "--broadcast",
        "--join",
        "239.1.2.3",
        "--join",
        "ff02::1234@lo",
    ]);
    let options = StartOptions::from(
        cli.map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let to = Some(RemoteTarget {
        host: "::1".to_owned(),
        port: 7,
    });
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let broadcast = true;
    let join = vec!["239.1.2.3".to_owned(), "ff02::1234@lo".to_owned()];
    assert_eq!(
        options.preset,
        Some(Preset::Udp {
            local,
            to,
            broadcast,
            join
        })
    );
    assert_eq!(options.encoding, Some(TextEncoding::Gbk));
    assert!(options.hex);
}

#[test]
fn reads_utf16_encodings_by_their_labels() {
    assert_eq!(parse_encoding("utf-16be"), Ok(TextEncoding::Utf16Be));
    assert_eq!(parse_encoding("UTF-16LE"), Ok(TextEncoding::Utf16Le));
    assert!(parse_encoding("iso-2022-jp").is_err());
}

#[test]
fn reads_the_tcp_client_connect_options() {
    let cli = Cli::try_parse_from([
        "sockscope",
        "--tcp-client",
        "127.0.0.1:9",
        "--bind",
        "0.0.0.0:4000",
        "--reconnect",
        "2.5",
        "--send-on-connect",
        "HI\\r\\n",
    ]);
    let options = StartOptions::from(
        cli.map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let expected = ClientStart {
        bind: Some(SocketAddr::from(([0, 0, 0, 0], 4000))),
        reconnect: Some(std::time::Duration::from_millis(2500)),
        send_on_connect: Some("HI\\r\\n".to_owned()),
    };
    assert_eq!(options.client, expected);
    // clap's `requires` is met by another member of the preset group: conflicts say it.
    for stray in [["--bind", "0.0.0.0:1"], ["--reconnect", "1"]] {
        let args = ["sockscope", "--udp", "0.0.0.0:1", stray[0], stray[1]];
        assert!(
            Cli::try_parse_from(args).is_err(),
            "{stray:?} needs --tcp-client"
        );
    }
    let args = ["sockscope", "--tcp-client", "h:1", "--broadcast"];
    assert!(Cli::try_parse_from(args).is_err(), "--broadcast is UDP's");
    let args = ["sockscope", "--tcp-server", "0.0.0.0:1", "--to", "h:1"];
    assert!(Cli::try_parse_from(args).is_err(), "--to is UDP's");
    let args = ["sockscope", "--tcp-client", "h:1", "--reconnect", "0"];
    assert!(Cli::try_parse_from(args).is_err(), "an interval of 0 s");
}

#[test]
fn rejects_two_presets_and_a_stray_to() {
    assert!(
        Cli::try_parse_from([
            "sockscope",
            "--udp",
            "0.0.0.0:1",
            "--tcp-server",
            "0.0.0.0:2"
        ])
        .is_err()
    );
    assert!(Cli::try_parse_from(["sockscope", "--to", "127.0.0.1:1"]).is_err());
    assert!(Cli::try_parse_from(["sockscope", "--log", "events.bin"]).is_err());
}

#[test]
fn a_relay_preset_carries_tcp_or_udp_and_needs_its_upstream() {
    let preset = |flag: &str| {
        let args = [
            "sockscope",
            flag,
            "0.0.0.0:9000",
            "--upstream",
            "dev.test:5683",
        ];
        StartOptions::from(Cli::try_parse_from(args).expect("a relay preset")).preset
    };
    let upstream = RemoteTarget {
        host: "dev.test".to_owned(),
        port: 5683,
    };
    let listen: SocketAddr = "0.0.0.0:9000".parse().expect("an address");
    for (flag, udp) in [("--relay", false), ("--relay-udp", true)] {
        let expected = Preset::Relay {
            listen,
            upstream: upstream.clone(),
            udp,
        };
        assert_eq!(preset(flag), Some(expected), "{flag}");
    }
    let args = ["sockscope", "--relay-udp", "0.0.0.0:9000"];
    assert!(Cli::try_parse_from(args).is_err(), "no upstream");
    let args = ["sockscope", "--upstream", "dev.test:1"];
    assert!(Cli::try_parse_from(args).is_err(), "no relay");
    let args = [
        "sockscope",
        "--relay",
        "0.0.0.0:1",
        "--relay-udp",
        "0.0.0.0:2",
        "--upstream",
        "dev.test:1",
    ];
    assert!(Cli::try_parse_from(args).is_err(), "one relay at a time");
}

#[test]
fn the_relay_takes_tls_for_its_clients_and_its_upstream() {
    let pin = "AB:".repeat(31) + "AB";
    let cases = [
        ("roots", Verify::SystemRoots),
        ("insecure", Verify::Insecure),
        (pin.as_str(), Verify::Pinned(Fingerprint([0xAB; 32]))),
    ];
    for (value, verify) in cases {
        let args = [
            "sockscope",
            "--relay",
            "0.0.0.0:8443",
            "--upstream",
            "cloud.test:443",
            "--upstream-tls",
            value,
            "--tls",
        ];
        let options = StartOptions::from(Cli::try_parse_from(args).expect("relay TLS"));
        assert_eq!(options.tls.upstream, Some(verify), "{value}");
        assert!(options.tls.enabled, "--tls: its clients too");
    }
    let error = Cli::try_parse_from([
        "sockscope",
        "--relay",
        "0.0.0.0:1",
        "--upstream",
        "x.test:1",
        "--upstream-tls",
        "maybe",
    ])
    .expect_err("not a choice");
    assert!(error.to_string().contains("roots, insecure, or"), "{error}");
    let udp = [
        "sockscope",
        "--relay-udp",
        "0.0.0.0:1",
        "--upstream",
        "x.test:1",
        "--tls",
    ];
    assert!(Cli::try_parse_from(udp).is_err(), "no TLS over UDP");
    let client = [
        "sockscope",
        "--tcp-client",
        "x.test:1",
        "--upstream-tls",
        "roots",
    ];
    assert!(
        Cli::try_parse_from(client).is_err(),
        "--upstream-tls is the relay's"
    );
}

#[test]
fn tls_options_go_with_their_own_tab() {
    let start = |args: &[&str]| -> StartOptions {
        let args = [&["sockscope"], args].concat();
        Cli::try_parse_from(args).expect("parsed").into()
    };
    let tls = start(&["--tcp-client", "h:1", "--tls"]).tls;
    assert!(tls.enabled && tls.verify.is_none(), "the system's roots");
    let tls = start(&["--tcp-client", "h:1", "--tls-insecure"]).tls;
    assert_eq!(tls.verify, Some(Verify::Insecure), "implies --tls");
    let pin = "ab".repeat(32);
    let tls = start(&["--tcp-client", "h:1", "--tls-pin", &pin]).tls;
    assert_eq!(tls.verify, Some(Verify::Pinned(Fingerprint([0xAB; 32]))));
    let files = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];
    let tls = start(&[&["--tcp-server", "0.0.0.0:1"], &files[..]].concat()).tls;
    assert!(tls.enabled);
    assert_eq!(tls.files, Some(("c.pem".into(), "k.pem".into())));

    let refused: [&[&str]; 6] = [
        &["--udp", "0.0.0.0:1", "--tls"],
        &["--tcp-server", "0.0.0.0:1", "--tls-insecure"],
        &["--tcp-server", "0.0.0.0:1", "--tls-cert", "c.pem"],
        &[
            "--tcp-client",
            "h:1",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ],
        &["--tcp-client", "h:1", "--tls-pin", "AB:CD"],
        &["--tcp-client", "h:1", "--tls-insecure", "--tls-pin", &pin],
    ];
    for args in refused {
        let args = [&["sockscope"], args].concat();
        assert!(Cli::try_parse_from(&args).is_err(), "{args:?}");
    }
}

#[test]
fn headless_takes_its_send_repeat_count_and_timeout() {
    let args = [
        "sockscope",
        "--headless",
        "--udp",
        "0.0.0.0:0",
        "--send",
        "PING\\r\\n",
        "--repeat",
        "250,4",
        "--count",
        "2",
        "--timeout",
        "1.5",
        "--format",
        "jsonl",
    ];
    let options = StartOptions::from(Cli::try_parse_from(args).expect("headless options"));
    let start = options.headless.expect("headless");
    assert_eq!(start.format, LogFormat::Jsonl);
    assert_eq!(start.send.as_deref(), Some("PING\\r\\n"));
    let repeat = Repeat {
        every_ms: 250,
        count: Some(4),
    };
    assert_eq!(start.repeat, Some(repeat));
    assert_eq!(start.count, Some(2));
    assert_eq!(start.timeout, Some(std::time::Duration::from_millis(1500)));
    let bad = |extra: &[&str]| {
        let args = [
            &["sockscope", "--headless", "--udp", "0.0.0.0:0"][..],
            extra,
        ]
        .concat();
        Cli::try_parse_from(args).is_err()
    };
    assert!(bad(&["--repeat", "100"]), "--repeat needs --send");
    assert!(
        bad(&["--send", "x", "--repeat", "0"]),
        "an interval of 0 ms"
    );
    assert!(bad(&["--send", "x", "--repeat", "10,0"]), "a count of 0");
    assert!(bad(&["--count", "0"]));
    assert!(bad(&["--format", "pcapng"]), "a line format only");
    let windowed = ["sockscope", "--udp", "0.0.0.0:0", "--count", "1"];
    assert!(
        Cli::try_parse_from(windowed).is_err(),
        "--count is headless's"
    );
}

#[test]
fn reads_the_send_box_options_and_stdin_modes() {
    let cli = Cli::try_parse_from([
        "sockscope",
        "--tcp-client",
        "127.0.0.1:502",
        "--headless",
        "--stdin",
        "hex",
        "--append",
        "0D 0A",
        "--checksum",
        "crc16-modbus,be",
    ])
    .unwrap();
    let options = StartOptions::from(cli);
    assert_eq!(options.append, Some(AppendStart::Hex("0d 0a".to_owned())));
    assert_eq!(
        options.checksum,
        Some((Checksum::Crc16Modbus, ByteOrder::BigEndian))
    );
    assert_eq!(options.headless.unwrap().stdin, StdinMode::Hex);
    // Each checksum in its usual order when none is named: Modbus low byte first.
    assert_eq!(
        parse_checksum("crc16-modbus"),
        Ok((Checksum::Crc16Modbus, ByteOrder::LittleEndian))
    );
    assert_eq!(
        parse_checksum("crc32"),
        Ok((Checksum::Crc32, ByteOrder::BigEndian))
    );
    assert_eq!(parse_append("CRLF"), Ok(AppendStart::CrLf));
    for bad in ["crc99", "sum8,middle"] {
        assert!(parse_checksum(bad).is_err(), "{bad}");
    }
    for bad in ["", "0G", "cr"] {
        assert!(parse_append(bad).is_err(), "{bad}");
    }
    assert!(parse_stdin("lines").is_err());
    // --stdin needs --headless; --append needs a preset.
    assert!(
        Cli::try_parse_from(["sockscope", "--tcp-server", "0.0.0.0:1", "--stdin", "text"]).is_err()
    );
    assert!(Cli::try_parse_from(["sockscope", "--append", "lf"]).is_err());
}

#[test]
fn reads_the_framing_as_the_fields_would_take_it() {
    use crate::tab::FramingKind;
    let kind = |text: &str| parse_framing(text).map(|fields| fields.kind);
    assert_eq!(kind("read"), Ok(FramingKind::PerRead));
    assert_eq!(kind("LINE"), Ok(FramingKind::Lines));
    let delimiter = parse_framing("delimiter:03").unwrap();
    assert_eq!(
        (delimiter.kind, delimiter.delimiter_hex.as_str()),
        (FramingKind::Delimiter, "03")
    );
    assert_eq!(parse_framing("length: 8").unwrap().length, "8");
    assert_eq!(parse_framing("idle:20").unwrap().gap_ms, "20");
    for bad in [
        "",
        "lines",
        "line:3",
        "delimiter",
        "delimiter:0G",
        "length:0",
        "idle:x",
    ] {
        assert!(parse_framing(bad).is_err(), "{bad}");
    }
    let cli = Cli::try_parse_from(["sockscope", "--udp", "0.0.0.0:0", "--framing", "length:4"]);
    let options = StartOptions::from(cli.unwrap());
    assert_eq!(
        options.framing.map(|fields| fields.kind),
        Some(FramingKind::FixedLength)
    );
}
