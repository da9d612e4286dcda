//! The receive side in the real App: characters split across TCP reads decode whole.

mod common;

use std::io::Write;
use std::net::TcpListener;

use common::*;
use sockscope::session::Mode;

#[test]
fn a_character_split_across_two_reads_shows_whole() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Connect");
    let (mut peer, _) = listener.accept().expect("accept");
    step_until(&mut harness, "connected", |h| shows(h, "Connected — local"));

    // 你好 in UTF-8 is E4 BD A0 E5 A5 BD: cut inside 你, so the first read ends mid-character.
    peer.write_all(&[b'>', 0xE4, 0xBD]).expect("write");
    let rx_entries = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.state()
            .tab(Mode::TcpClient)
            .session
            .log
            .iter()
            .filter(|e| !e.bytes().is_empty())
            .count()
    };
    step_until(&mut harness, "the first read", |h| rx_entries(h) == 1);
    peer.write_all(&[0xA0, 0xE5, 0xA5, 0xBD, b'<'])
        .expect("write");
    step_until(&mut harness, "the second read", |h| rx_entries(h) == 2);

    step_until(&mut harness, "你好 whole", |h| shows(h, "你好<"));
    assert!(
        !shows(&harness, "\\x"),
        "no byte of the split character is shown as invalid"
    );
    // Hex still shows each read's own bytes.
    click(&mut harness, "Hex");
    assert!(shows(&harness, "3E E4 BD") && shows(&harness, "A0 E5 A5 BD 3C"));
}
