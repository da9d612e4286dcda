use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::net::{RemoteTarget, SendOrigin, SendTarget, Verdict};

fn start(source: &str, mode: Mode) -> ScriptRun {
    start_in(source, mode, TextEncoding::Utf8)
}

fn start_in(source: &str, mode: Mode, encoding: TextEncoding) -> ScriptRun {
    spawn(ScriptSetup {
        source: source.to_owned(),
        mode,
        datagrams: mode == Mode::Udp,
        encoding,
        language: Language::English,
    })
    .unwrap()
}

/// The script's next output, within a deadline far past any handler's.
fn next(run: &ScriptRun) -> ScriptOutput {
    run.outputs()
        .recv_timeout(Duration::from_secs(10))
        .expect("the script said nothing")
}

fn peer(port: u16, client: Option<u64>) -> ScriptPeer {
    ScriptPeer {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        client: client.map(ClientId),
    }
}

fn message(port: u16, client: Option<u64>, bytes: &[u8]) -> ScriptInput {
    ScriptInput::Message {
        peer: peer(port, client),
        bytes: bytes.to_vec(),
    }
}

/// The bytes and target of a send the script made.
fn sent(output: ScriptOutput) -> (Vec<u8>, SendTarget, SendOrigin) {
    match output {
        ScriptOutput::Command(Command::Send { bytes, to, origin }) => (bytes, to, origin),
        other => panic!("not a send: {other:?}"),
    }
}

fn failure(output: ScriptOutput) -> ScriptError {
    match output {
        ScriptOutput::Ended(ScriptEnd::Failed(error)) => error,
        other => panic!("not a failure: {other:?}"),
    }
}

#[test]
fn a_message_is_answered_to_its_sender_in_each_mode() {
    let source = "fn on_message(peer, data) { peer.send(data + blob(1, 0x21)); }";
    let cases = [
        (Mode::TcpClient, None, SendTarget::Peer),
        (
            Mode::TcpServer,
            Some(7),
            SendTarget::Clients(vec![ClientId(7)]),
        ),
        (
            Mode::Udp,
            None,
            SendTarget::Datagram(Some(RemoteTarget {
                host: "127.0.0.1".into(),
                port: 4000,
            })),
        ),
    ];
    for (mode, client, target) in cases {
        let run = start(source, mode);
        run.feed(message(4000, client, b"ping"));
        let (bytes, to, origin) = sent(next(&run));
        assert_eq!(bytes, b"ping!", "{mode:?}");
        assert_eq!(to, target, "{mode:?}");
        assert_eq!(origin, SendOrigin::Script(None), "{mode:?}");
    }
}

#[test]
fn text_is_read_and_written_in_the_tab_encoding() {
    let source = r#"fn on_message(peer, data) { peer.send(`收到：${text(data)}`); }"#;
    let run = start_in(source, Mode::TcpClient, TextEncoding::Gbk);
    let gbk_hello = TextEncoding::Gbk.encode("你好").unwrap().into_owned();
    run.feed(message(1, None, &gbk_hello));
    let (bytes, _, origin) = sent(next(&run));
    assert_eq!(TextEncoding::Gbk.decode(&bytes), "收到：你好");
    assert_eq!(origin, SendOrigin::Script(Some(TextEncoding::Gbk)));
}

#[test]
fn state_is_kept_per_tab_and_per_peer() {
    let source = r#"
        fn on_start() { this.total = 0; }
        fn on_message(peer, data) {
            this.total += 1;
            peer.state.count = (peer.state.count ?? 0) + 1;
            peer.send(`${this.total}/${peer.state.count}`);
        }
        fn on_disconnect(peer) { print(`${peer} left after ${peer.state.count}`); }
    "#;
    let run = start(source, Mode::TcpServer);
    let mut replies = Vec::new();
    for client in [1, 2, 1, 1] {
        run.feed(message(5000 + client as u16, Some(client), b"x"));
        replies.push(String::from_utf8(sent(next(&run)).0).unwrap());
    }
    assert_eq!(replies, ["1/1", "2/1", "3/2", "4/3"]);
    run.feed(ScriptInput::Disconnected(peer(5001, Some(1))));
    assert_eq!(
        next(&run),
        ScriptOutput::Say("127.0.0.1:5001 left after 3".into())
    );
}

#[test]
fn a_compile_error_names_its_line_and_column() {
    let run = start(
        "fn on_message(peer, data) {\n    peer.send(data\n}",
        Mode::TcpClient,
    );
    let error = failure(next(&run));
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.column.is_some(), "{error}");
    assert!(!error.message.contains("(line"), "{error}");
}

#[test]
fn a_runtime_error_names_the_line_in_the_function_it_happened_in() {
    let source = "fn on_message(peer, data) {\n  helper(data);\n}\nfn helper(data) {\n  let n = u16_be(data, 10);\n}";
    let run = start(source, Mode::TcpClient);
    run.feed(message(1, None, b"abc"));
    let error = failure(next(&run));
    assert_eq!(error.line, Some(5), "{error}");
    assert!(error.message.contains("past the end"), "{error}");
}

#[test]
fn a_handler_with_the_wrong_parameters_is_refused_at_start() {
    let run = start("fn on_message(data) { }", Mode::TcpClient);
    let error = failure(next(&run));
    assert_eq!(error.message, "on_message takes 2 parameters, not 1");
}

#[test]
fn an_endless_loop_is_stopped_with_a_message() {
    let run = start("fn on_message(peer, data) { loop { } }", Mode::TcpClient);
    run.feed(message(1, None, b"x"));
    let error = failure(next(&run));
    // Rhai knows no position for a stop from outside: the message names the handler.
    assert!(
        error.message.contains("on_message ran longer than 1000 ms"),
        "{error}"
    );
}

#[test]
fn a_huge_allocation_is_refused() {
    for source in [
        "fn on_message(peer, data) { let b = blob(2_000_000_000); }",
        "fn on_message(peer, data) { let s = \"x\"; loop { s += s; } }",
        "fn on_message(peer, data) { this.all = []; loop { this.all.push(blob(100000)); } }",
    ] {
        let run = start(source, Mode::TcpClient);
        run.feed(message(1, None, b"x"));
        let error = failure(next(&run));
        assert!(error.message.contains("too large"), "{source}: {error}");
    }
}

#[test]
fn stop_ends_a_running_handler() {
    let run = start("fn on_message(peer, data) { loop { } }", Mode::TcpClient);
    run.feed(message(1, None, b"x"));
    run.stop();
    assert_eq!(next(&run), ScriptOutput::Ended(ScriptEnd::Stopped));
}

#[test]
fn timers_repeat_until_cancelled_and_later_sends_wait() {
    let source = r#"
        fn on_start() { this.n = 0; this.timer = every(5, "tick"); after(1, Fn("once")); }
        fn tick() {
            this.n += 1;
            send(`tick ${this.n}`);
            if this.n == 3 { cancel(this.timer); }
        }
        fn once() { print("once"); }
        fn on_message(peer, data) { peer.send_later(20, "later"); peer.send("now"); }
    "#;
    let run = start(source, Mode::TcpClient);
    let mut said = Vec::new();
    for _ in 0..4 {
        said.push(match next(&run) {
            ScriptOutput::Say(text) => text,
            output => String::from_utf8(sent(output).0).unwrap(),
        });
    }
    said.sort();
    assert_eq!(said, ["once", "tick 1", "tick 2", "tick 3"]);
    run.feed(message(1, None, b"x"));
    assert_eq!(sent(next(&run)).0, b"now");
    assert_eq!(sent(next(&run)).0, b"later");
    // No fourth tick came between.
    assert!(run.outputs().try_recv().is_err());
}

#[test]
fn helpers_read_and_write_what_device_protocols_need() {
    let source = r#"
        fn on_message(peer, data) {
            let out = blob();
            out.put_u16_be(0x1234); out.put_u16_le(0x1234); out.put_i32_be(-2);
            out.put_f32_le(1.5);
            print(`${hex(out)}`);
            print(`${u16_be(out, 0)} ${u16_le(out, 2)} ${i32_be(out, 4)} ${f32_le(out, 8)}`);
            print(`${crc16_modbus(unhex("01 03 00 00 00 0A"))} ${sum8(data)} ${xor8(data)}`);
            print(`${crc32(bytes("123456789"))} ${crc16_ccitt(bytes("123456789"))}`);
            print(text(bytes("温度", "gbk"), "gbk"));
        }
    "#;
    let run = start(source, Mode::TcpClient);
    run.feed(message(1, None, &[1, 2, 4]));
    let mut lines = Vec::new();
    for _ in 0..5 {
        let ScriptOutput::Say(line) = next(&run) else {
            panic!("not a print")
        };
        lines.push(line);
    }
    assert_eq!(lines[0], "12 34 34 12 FF FF FF FE 00 00 C0 3F");
    assert_eq!(lines[1], "4660 4660 -2 1.5");
    // CRC-16/MODBUS of this read request is 0xCDC5 (sent low byte first: C5 CD).
    assert_eq!(lines[2], format!("{} 7 7", 0xCDC5));
    assert_eq!(lines[3], format!("{} {}", 0xCBF4_3926_u32, 0x29B1));
    assert_eq!(lines[4], "温度");
}

#[test]
fn the_modbus_example_reads_and_writes_registers() {
    let run = start(EXAMPLES[0].1, Mode::TcpServer);
    assert!(matches!(next(&run), ScriptOutput::Say(_)));
    // Write 0x0102 to register 5 (function 6), then read registers 4..6 (function 3), the
    // two requests in one read and the second split over two.
    let write = [0, 1, 0, 0, 0, 6, 9, 6, 0, 5, 1, 2];
    let read = [0, 2, 0, 0, 0, 6, 9, 3, 0, 4, 0, 3];
    let mut first = write.to_vec();
    first.extend_from_slice(&read[..4]);
    run.feed(message(1, Some(1), &first));
    run.feed(message(1, Some(1), &read[4..]));
    assert_eq!(sent(next(&run)).0, write);
    assert_eq!(
        sent(next(&run)).0,
        [0, 2, 0, 0, 0, 9, 9, 3, 6, 0, 0, 1, 2, 0, 0]
    );
    // An unknown function and an address past the end are Modbus exceptions.
    run.feed(message(1, Some(1), &[0, 3, 0, 0, 0, 2, 9, 0x2B]));
    assert_eq!(sent(next(&run)).0, [0, 3, 0, 0, 0, 3, 9, 0xAB, 1]);
    run.feed(message(1, Some(1), &[0, 4, 0, 0, 0, 6, 9, 3, 0, 99, 0, 2]));
    assert_eq!(sent(next(&run)).0, [0, 4, 0, 0, 0, 3, 9, 0x83, 2]);
}

#[test]
fn every_example_compiles_and_starts() {
    for (name, source) in EXAMPLES {
        let run = start(source, Mode::TcpServer);
        // Started: nothing failed within a handler's time limit (only prints may come).
        let deadline = std::time::Instant::now() + HANDLER_TIME_LIMIT;
        while let Ok(output) = run.outputs().recv_deadline(deadline) {
            assert!(matches!(output, ScriptOutput::Say(_)), "{name}: {output:?}");
        }
    }
}

#[test]
fn a_flood_of_timers_still_stops() {
    let source = r#"
        fn on_start() { for i in 0..1000 { every(1, "tick"); } }
        fn tick() { this.n = (this.n ?? 0) + 1; }
    "#;
    let run = start(source, Mode::TcpClient);
    std::thread::sleep(Duration::from_millis(100));
    run.stop();
    assert_eq!(next(&run), ScriptOutput::Ended(ScriptEnd::Stopped));
}

#[test]
fn sleep_and_eval_are_not_offered() {
    let run = start("fn on_start() {\n  sleep(100);\n}", Mode::TcpClient);
    let error = failure(next(&run));
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.message.contains("use after("), "{error}");
    let run = start("fn on_start() { eval(\"1\"); }", Mode::TcpClient);
    let error = failure(next(&run));
    assert!(error.line.is_some(), "eval is not a function here: {error}");
}

#[test]
fn a_timer_naming_no_function_says_so() {
    let run = start("fn on_start() { after(1, \"tock\"); }", Mode::TcpClient);
    let error = failure(next(&run));
    assert!(error.message.contains("no function tock()"), "{error}");
}

#[test]
fn state_that_only_grows_is_stopped() {
    // Map keys are not counted by Rhai's own limits: the state measured after each call is.
    let source = r#"
        fn on_message(peer, data) {
            let key = "k";
            key.pad(500000, "x");
            this.n = (this.n ?? 0) + 1;
            for i in 0..40 { this[`${key}${this.n}/${i}`] = 1; }
        }
    "#;
    let run = start(source, Mode::TcpClient);
    for _ in 0..10 {
        run.feed(message(1, None, b"x"));
    }
    let error = failure(next(&run));
    assert!(error.message.contains("keeps more than 64 MiB"), "{error}");
}

#[test]
fn deep_nesting_ends_with_a_message() {
    let source = "fn on_message(peer, data) { let a = []; loop { a = [a]; } }";
    let run = start(source, Mode::TcpClient);
    run.feed(message(1, None, b"x"));
    let error = failure(next(&run));
    assert!(!error.message.is_empty(), "{error}");
}

#[test]
fn later_sends_are_bounded_in_bytes() {
    let source = r#"
        fn on_message(peer, data) {
            let big = blob(1000000);
            for i in 0..20 { peer.send_later(60000, big); }
        }
    "#;
    let run = start(source, Mode::TcpClient);
    run.feed(message(1, None, b"x"));
    let error = failure(next(&run));
    assert!(error.message.contains("more than 16 MiB"), "{error}");
    assert_eq!(error.line, Some(4), "{error}");
}

#[test]
fn the_examples_survive_what_peers_may_send() {
    let noise = vec![b'A'; 5000];
    let zero_length = [0, 1, 0, 0, 0, 0, 9, 3];
    for (name, source) in EXAMPLES {
        let mut run = start(source, Mode::TcpServer);
        run.feed(ScriptInput::Connected(peer(1, Some(1))));
        run.feed(message(1, Some(1), &zero_length));
        run.feed(message(1, Some(1), &noise));
        run.feed(message(1, Some(1), &[0xFF; 3]));
        run.close_inputs();
        loop {
            match next(&run) {
                ScriptOutput::Ended(end) => {
                    assert_eq!(end, ScriptEnd::Stopped, "{name}");
                    break;
                }
                ScriptOutput::Command(_) | ScriptOutput::Say(_) => {}
            }
        }
    }
}

#[test]
fn a_timer_may_call_a_closure_with_what_it_captured() {
    let source = r#"
        fn on_message(peer, data) {
            let reply = "late " + text(data);
            after(10, || peer.send(reply));
        }
    "#;
    let run = start(source, Mode::TcpClient);
    run.feed(message(1, None, b"x"));
    assert_eq!(sent(next(&run)).0, b"late x");
    // An error in a closure names the closure and where.
    let source = "fn on_start() {\n  after(1, || u16_be(blob(), 0));\n}";
    let run = start(source, Mode::TcpClient);
    let error = failure(next(&run));
    assert!(error.message.contains("past the end"), "{error}");
    assert_eq!(error.line, Some(2), "{error}");
}

#[test]
fn in_the_relay_what_on_message_returns_decides_what_goes_on() {
    let source = r#"
        fn on_message(peer, data) {
            let line = text(data);
            if line == "keep" { return; }
            if line == "yes" { return true; }
            if line == "drop" { return false; }
            if line == "text" { return `${peer.from}!`; }
            if line == "poke" { peer.to_client("hi"); peer.to_upstream(blob(1, 7)); return; }
            if line == "send" { peer.send("x"); }
            if line == "odd" { return 42; }
            if line == "empty" { return ""; }
            data + blob(1, 0x21)
        }
    "#;
    let run = start(source, Mode::Relay);
    let pass = |line: &str, toward: Toward| {
        run.feed(ScriptInput::Passing {
            peer: peer(5000, Some(3)),
            toward,
            number: 1,
            bytes: line.as_bytes().to_vec(),
        });
    };
    let verdict = |output: ScriptOutput| match output {
        ScriptOutput::Command(Command::Pass {
            id: ClientId(3),
            verdict,
            ..
        }) => verdict,
        other => panic!("not a verdict on pair 3: {other:?}"),
    };
    pass("keep", Toward::Upstream);
    assert_eq!(verdict(next(&run)), Verdict::AsItIs);
    pass("yes", Toward::Upstream);
    assert_eq!(verdict(next(&run)), Verdict::AsItIs);
    pass("drop", Toward::Client);
    assert_eq!(verdict(next(&run)), Verdict::Drop);
    pass("text", Toward::Upstream);
    assert_eq!(verdict(next(&run)), Verdict::Instead(b"client!".to_vec()));
    pass("text", Toward::Client);
    assert_eq!(verdict(next(&run)), Verdict::Instead(b"upstream!".to_vec()));
    pass("ab", Toward::Client);
    assert_eq!(verdict(next(&run)), Verdict::Instead(b"ab!".to_vec()));
    pass("poke", Toward::Upstream);
    let pairs = vec![ClientId(3)];
    let (bytes, to, _) = sent(next(&run));
    assert_eq!(
        (bytes.as_slice(), to),
        (
            &b"hi"[..],
            SendTarget::Relay {
                pairs: pairs.clone(),
                toward: Toward::Client
            }
        )
    );
    let (bytes, to, _) = sent(next(&run));
    assert_eq!(
        (bytes.as_slice(), to),
        (
            &[7][..],
            SendTarget::Relay {
                pairs,
                toward: Toward::Upstream
            }
        )
    );
    assert_eq!(verdict(next(&run)), Verdict::AsItIs);
    pass("empty", Toward::Upstream);
    assert_eq!(verdict(next(&run)), Verdict::Drop, "nothing in its place");
    pass("odd", Toward::Upstream);
    let error = failure(next(&run));
    assert!(error.message.contains("not i64"), "{error}");
    assert!(error.message.contains("on_message"), "{error}");
}

#[test]
fn in_the_relay_peer_send_says_what_to_use() {
    let run = start(
        "fn on_message(peer, data) { peer.send(data); }",
        Mode::Relay,
    );
    run.feed(ScriptInput::Passing {
        peer: peer(5000, Some(1)),
        toward: Toward::Upstream,
        number: 1,
        bytes: b"x".to_vec(),
    });
    let error = failure(next(&run));
    assert!(
        error
            .message
            .contains("peer.to_client() or peer.to_upstream()"),
        "{error}"
    );
    assert_eq!(error.line, Some(1), "{error}");
}
