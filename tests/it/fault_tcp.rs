//! Faults of a TCP peer in the real window: a reset in the middle of a flood, either way. Each
//! is a visible state and a log line, and the tab goes on: the client connects again, the
//! server keeps serving the others.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::common::{
    DEADLINE, app_harness, click, connected_client, read_exactly, rx_bytes, shows, start_server,
    step_until, type_send_box,
};
use egui_kittest::Harness;
use sockscope::App;
use sockscope::session::{Mode, Status};

/// A file as the window system hands it over when the user drops it on the window.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|error| error.to_string())
    }
}

/// Resets `stream`: closing with a zero linger sends RST instead of FIN.
fn reset(stream: TcpStream) {
    let socket = socket2::Socket::from(stream);
    socket
        .set_linger(Some(Duration::ZERO))
        .expect("set a zero linger");
    drop(socket);
}

/// A client that writes 64 KiB blocks until `limit` bytes, then resets the connection.
fn flood_then_reset(addr: SocketAddr, limit: usize) -> JoinHandle<usize> {
    thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect the flooding client");
        let block = vec![b'f'; 64 * 1024];
        let mut written = 0;
        while written < limit && stream.write_all(&block).is_ok() {
            written += block.len();
        }
        reset(stream);
        written
    })
}

fn client_status(harness: &Harness<'_, App>) -> Status {
    harness
        .state()
        .tab(Mode::TcpClient)
        .session()
        .status
        .clone()
}

/// Sends `text` from the send box and checks `peer` gets it: the tab works.
fn assert_sends(harness: &mut Harness<'static, App>, peer: &mut TcpStream, text: &str) {
    type_send_box(harness, text);
    click(harness, "Send");
    assert_eq!(read_exactly(peer, text.len()), text.as_bytes());
}

#[test]
fn a_peer_that_resets_while_we_flood_it_is_shown_and_the_client_connects_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flood.bin");
    std::fs::write(&path, vec![0x5A; 32 * 1024 * 1024]).expect("write the file");

    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    harness.step();
    // The flood is on the wire: the peer reads a little of it, then resets.
    read_exactly(&mut peer, 1024 * 1024);
    reset(peer);
    step_until(&mut harness, "the reset shown", |h| {
        client_status(h) == Status::Idle && shows(h, "connection reset by peer")
    });
    assert!(shows(&harness, "Connection lost: connection reset by peer"));

    // The tab connects again, and sends.
    let mut peer = connected_client(&mut harness);
    assert_sends(&mut harness, &mut peer, "again");
}

#[test]
fn a_peer_that_floods_us_then_resets_is_shown_and_the_client_connects_again() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut harness = app_harness();
    crate::common::type_field(&mut harness, "Port", &addr.port().to_string());
    click(&mut harness, "Connect");
    let (mut peer, _) = listener.accept().expect("accept");
    let block = vec![b'f'; 64 * 1024];
    // Far more than the socket buffers hold: the tab is still taking it in when the reset comes.
    let flood = thread::spawn(move || {
        for _ in 0..256 {
            if peer.write_all(&block).is_err() {
                break;
            }
        }
        reset(peer);
    });
    step_until(&mut harness, "the flood arriving", |h| {
        rx_bytes(h, Mode::TcpClient) > 0
    });
    flood.join().expect("the flooding peer");
    step_until(&mut harness, "the reset shown", |h| {
        client_status(h) == Status::Idle && shows(h, "Connection lost: connection reset by peer")
    });

    let mut peer = connected_client(&mut harness);
    assert_sends(&mut harness, &mut peer, "after the flood");
}

#[test]
fn a_client_that_floods_the_server_then_resets_leaves_the_others_served() {
    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let mut steady = TcpStream::connect(addr).expect("connect a steady client");
    steady.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "the steady client listed", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 1
    });

    let flood = flood_then_reset(addr, 16 * 1024 * 1024);
    step_until(&mut harness, "the flooding client gone", |h| {
        shows(h, "Client disconnected: connection reset by peer")
    });
    assert!(flood.join().expect("the flooding client") > 0);
    let session = harness.state().tab(Mode::TcpServer).session();
    assert!(matches!(session.status, Status::Listening { .. }));
    assert_eq!(session.clients.len(), 1, "the steady client stays");
    drop(session);

    // The steady client is still served both ways, and a new one is taken.
    steady.write_all(b"still here").expect("send");
    step_until(&mut harness, "the steady client heard", |h| {
        shows(h, "still here")
    });
    assert_sends(&mut harness, &mut steady, "to everyone");
    let mut late = TcpStream::connect(addr).expect("a new client");
    late.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "the new client listed", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 2
    });
    assert_sends(&mut harness, &mut late, "welcome");
}

#[test]
fn a_client_that_resets_while_the_server_floods_it_leaves_the_others_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flood.bin");
    std::fs::write(&path, vec![0xA5; 32 * 1024 * 1024]).expect("write the file");

    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let mut victim = TcpStream::connect(addr).expect("connect the client to reset");
    victim.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut steady = TcpStream::connect(addr).expect("connect a steady client");
    steady.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "both clients listed", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 2
    });
    // The steady client drains what comes, so the file goes to it whole.
    let drain = thread::spawn(move || {
        let mut total = 0;
        let mut buffer = vec![0; 64 * 1024];
        while total < 32 * 1024 * 1024 {
            match steady.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        (total, steady)
    });
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    harness.step();
    read_exactly(&mut victim, 1024 * 1024);
    reset(victim);
    step_until(&mut harness, "the reset client gone", |h| {
        shows(h, "Client disconnected: connection reset by peer")
    });
    let (total, mut steady) = drain.join().expect("the steady client");
    assert_eq!(
        total,
        32 * 1024 * 1024,
        "the other client got the whole file"
    );
    let session = harness.state().tab(Mode::TcpServer).session();
    assert!(matches!(session.status, Status::Listening { .. }));
    assert_eq!(session.clients.len(), 1);
    drop(session);
    assert_sends(&mut harness, &mut steady, "still served");
}
