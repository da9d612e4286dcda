//! A script (an example, or text the fuzzer wrote) fed connections and messages the fuzzer
//! chose: it never panics, it always says how it ended, what it sends goes where the tab's
//! mode allows, and an error's line is one of the script's.

use std::net::SocketAddr;

use sockscope::codec::TextEncoding;
use sockscope::i18n::Language;
use sockscope::net::{ClientId, Command, SendTarget, Toward};
use sockscope::script::{self, EXAMPLES, ScriptEnd, ScriptInput, ScriptOutput, ScriptPeer};
use sockscope::session::Mode;

use crate::input::Input;

/// Pieces of the script API, so that fuzzed text reaches past the parser.
const PIECES: [&str; 16] = [
    "fn on_message(peer, data) { ",
    "fn on_connect(peer) { ",
    "fn on_start() { ",
    "}\n",
    "peer.send(data); ",
    "peer.state.n = (peer.state.n ?? 0) + 1; ",
    "this.x = u16_be(data, 1); ",
    "send(hex(data)); ",
    "print(text(data)); ",
    "peer.close(); ",
    "after(0, \"on_start\"); ",
    "peer.send_later(1, bytes(\"ok\")); ",
    "let b = blob(); b.put_f32_le(1.5); peer.send(b); ",
    "send_to(\"127.0.0.1\", 9, data); ",
    "crc16_modbus(data); unhex(text(data)); ",
    "data.extract(2); ",
];

pub fn script(data: &[u8]) {
    let mut input = Input::new(data);
    let source = match input.byte() % 3 {
        0 => EXAMPLES[usize::from(input.byte()) % EXAMPLES.len()]
            .1
            .to_owned(),
        1 => (0..input.byte() % 12)
            .map(|_| input.pick(&PIECES))
            .collect(),
        _ => input.text(200),
    };
    let mode = input.pick(&[Mode::TcpClient, Mode::TcpServer, Mode::Udp, Mode::Relay]);
    let setup = script::ScriptSetup {
        source: source.clone(),
        mode,
        datagrams: mode == Mode::Udp,
        encoding: input.pick(&TextEncoding::ALL),
        language: Language::English,
    };
    let Ok(mut run) = script::spawn(setup) else {
        return;
    };
    let mut passing = 0_usize;
    for _ in 0..input.byte() % 8 {
        let port = u16::from(input.byte() % 3) + 1;
        let peer = ScriptPeer {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            client: matches!(mode, Mode::TcpServer | Mode::Relay)
                .then_some(ClientId(u64::from(port))),
        };
        let toward = if input.byte() % 2 == 0 {
            Toward::Upstream
        } else {
            Toward::Client
        };
        run.feed(match input.byte() % 4 {
            0 => ScriptInput::Connected(peer),
            1 => ScriptInput::Disconnected(peer),
            _ if mode == Mode::Relay => {
                passing += 1;
                ScriptInput::Passing {
                    peer,
                    toward,
                    number: 1,
                    bytes: input.bytes(64).to_vec(),
                }
            }
            _ => ScriptInput::Message {
                peer,
                bytes: input.bytes(64).to_vec(),
            },
        });
    }
    run.close_inputs();
    let lines = source.split('\n').count();
    loop {
        let output = run
            .outputs()
            .recv()
            .unwrap_or_else(|_| panic!("the script's thread ended without saying how: {source:?}"));
        match output {
            ScriptOutput::Ended(ScriptEnd::Failed(error)) => {
                if let Some(line) = error.line {
                    assert!((1..=lines).contains(&line), "{error} in {source:?}");
                }
                return;
            }
            ScriptOutput::Ended(ScriptEnd::Stopped) => return,
            ScriptOutput::Command(Command::Send { to, .. }) => {
                let fits = match (mode, &to) {
                    (Mode::TcpClient, SendTarget::Peer) => true,
                    (Mode::TcpServer, SendTarget::Clients(_)) => true,
                    (Mode::Udp, SendTarget::Datagram(_)) => true,
                    (Mode::Relay, SendTarget::Relay { pairs, .. }) => pairs.len() == 1,
                    _ => false,
                };
                assert!(fits, "{mode:?} sent to {to:?}");
            }
            ScriptOutput::Command(Command::DisconnectClient(_)) => {
                assert!(matches!(mode, Mode::TcpServer | Mode::Relay), "{mode:?}");
            }
            // One verdict for each read passing through, at most (none once it failed).
            ScriptOutput::Command(Command::Pass { .. }) => {
                assert_eq!(mode, Mode::Relay);
                assert!(passing > 0, "a verdict on no read");
                passing -= 1;
            }
            ScriptOutput::Command(Command::Shutdown) => assert_eq!(mode, Mode::TcpClient),
            ScriptOutput::Command(other) => panic!("a script asked for {other:?}"),
            ScriptOutput::Say(_) => {}
        }
    }
}
