//! Text in Big5, Shift_JIS, EUC-KR and UTF-16 from a real peer, each character split across two
//! reads: the log shows it whole, and what is typed goes out in the same encoding.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::*;
use sockscope::codec::TextEncoding;
use sockscope::session::Mode;

/// A one-connection server that writes what the test hands it, and hands back what it reads.
fn relay_server() -> (u16, mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let (to_peer, writes) = mpsc::channel::<Vec<u8>>();
    let (reads, from_peer) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
        let mut buffer = [0; 4096];
        loop {
            match writes.try_recv() {
                Ok(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Err(mpsc::TryRecvError::Disconnected) => return,
                Err(mpsc::TryRecvError::Empty) => {}
            }
            match stream.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => {
                    let _ = reads.send(buffer[..n].to_vec());
                }
                Err(_) => {}
            }
        }
    });
    (port, to_peer, from_peer)
}

/// Receives `text` in `encoding` cut inside its first two-byte character, then sends `reply`.
fn split_text_shows_whole(encoding: TextEncoding, text: &str, reply: &str) {
    let bytes = encoding.encode(text).expect("encodable").into_owned();
    let cut = bytes
        .iter()
        .position(|&b| b >= 0x80)
        .expect("a two-byte character")
        + 1;
    let (port, to_peer, from_peer) = relay_server();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    choose_encoding(&mut harness, &encoding.to_string());
    click(&mut harness, "Connect");
    step_until(&mut harness, "connected", |h| {
        h.query_by_label("Disconnect").is_some()
    });

    // Two reads: the second is written only once the first is in the log.
    to_peer.send(bytes[..cut].to_vec()).expect("peer");
    step_until(&mut harness, "the first read", |h| {
        rx_bytes(h, Mode::TcpClient) == cut as u64
    });
    to_peer.send(bytes[cut..].to_vec()).expect("peer");
    step_until(&mut harness, "the text whole", |h| shows(h, text));
    assert!(
        harness.query_by_label_contains("\\x").is_none(),
        "{encoding}: no byte of the split character is shown apart"
    );

    type_send_box(&mut harness, reply);
    click(&mut harness, "Send");
    let sent = from_peer
        .recv_timeout(DEADLINE)
        .expect("the peer got the reply");
    assert_eq!(
        sent,
        encoding.encode(reply).expect("encodable").into_owned()
    );
}

#[test]
fn big5_split_across_reads_shows_whole_and_sends_big5() {
    split_text_shows_whole(TextEncoding::Big5, "溫度 23.5 網路正常", "收到");
}

#[test]
fn shift_jis_split_across_reads_shows_whole_and_sends_shift_jis() {
    split_text_shows_whole(TextEncoding::ShiftJis, "温度 23.5 接続しました", "了解");
}

#[test]
fn euc_kr_split_across_reads_shows_whole_and_sends_euc_kr() {
    split_text_shows_whole(TextEncoding::EucKr, "온도 23.5 연결됨", "확인");
}

/// UTF-16LE from a real peer, cut inside a line break's code unit and inside a character's: the
/// log breaks lines at the code unit (Ċ, U+010A, is the bytes 0A 01 and breaks nothing), shows
/// every character whole, and what is typed goes out in UTF-16LE. (Surrogate pairs split across
/// reads are the store's and the fuzzer's to check: the bundled fonts draw no character beyond
/// U+FFFF, and kittest refuses to draw one without a glyph.)
#[test]
fn utf16_split_across_reads_breaks_lines_at_code_units_and_sends_utf16() {
    let encoding = TextEncoding::Utf16Le;
    let text = "温度 23.5\nAĊ 第二行\n";
    let bytes = encoding.encode(text).expect("encodable").into_owned();
    // "温度 23.5" is 7 code units: the line break is bytes 14 and 15, Ċ bytes 18 and 19.
    let cuts = [15, 19];
    let (port, to_peer, from_peer) = relay_server();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    choose_encoding(&mut harness, "UTF-16LE");
    click(&mut harness, "Connect");
    step_until(&mut harness, "connected", |h| {
        h.query_by_label("Disconnect").is_some()
    });
    let mut sent = 0;
    for end in cuts.into_iter().chain([bytes.len()]) {
        to_peer.send(bytes[sent..end].to_vec()).expect("peer");
        step_until(&mut harness, "the read", |h| {
            rx_bytes(h, Mode::TcpClient) == end as u64
        });
        sent = end;
    }
    step_until(&mut harness, "the second line whole", |h| {
        // Each read is an entry: "A" ends the second, Ċ goes whole to the third.
        shows(h, "Ċ 第二行")
    });
    assert!(shows(&harness, "温度 23.5"));
    assert!(
        harness.query_by_label_contains("\\x").is_none(),
        "no byte of a split character is shown apart"
    );
    let second = harness.query_all_by_label_contains("第二行");
    let labels: Vec<String> = second
        .map(|node| {
            use egui_kittest::kittest::NodeT;
            let label = node.accesskit_node().data().label();
            label.unwrap_or_default().to_owned()
        })
        .collect();
    assert!(!labels.is_empty());
    assert!(
        labels.iter().all(|label| !label.contains("温度")),
        "two lines: {labels:?}"
    );

    type_send_box(&mut harness, "收到");
    click(&mut harness, "Send");
    let reply = from_peer
        .recv_timeout(DEADLINE)
        .expect("the peer got the reply");
    assert_eq!(reply, [0x36, 0x65, 0x30, 0x52]);
}
