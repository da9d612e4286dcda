//! Send file on the workers, against real loopback peers: 100 MB byte-exact over TCP in bounded
//! memory, UDP datagrams of a chosen size and pace, Cancel, and an unreadable file.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::common_net::{connect, expect_event, recv_datagram, udp_peer, wait_for};
use sha2::{Digest, Sha256};
use sockscope::net::{
    Command, EventKind, FileSpec, RemoteTarget, SendTarget, Stack, UdpOptions, Worker,
    spawn_tcp_server, spawn_udp,
};

/// Writes `len` bytes that repeat no pattern (xorshift) to `path`; returns their sha256.
fn write_noise(path: &Path, len: usize) -> [u8; 32] {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut digest = Sha256::new();
    let mut block = vec![0; 1 << 16];
    let mut left = len;
    while left > 0 {
        let size = left.min(block.len());
        for byte in &mut block[..size] {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = (state >> 32) as u8;
        }
        file.write_all(&block[..size]).expect("write");
        digest.update(&block[..size]);
        left -= size;
    }
    file.flush().expect("flush");
    digest.finalize().into()
}

fn server_with_client() -> (Worker, std::net::TcpStream) {
    let worker =
        spawn_tcp_server(SocketAddr::from(([127, 0, 0, 1], 0)), Stack::Dual, None).expect("spawn");
    let EventKind::Listening { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    let client = connect(local);
    expect_event(&worker, |kind| {
        matches!(kind, EventKind::ClientConnected { .. })
    });
    (worker, client)
}

fn file_done(kind: &EventKind) -> bool {
    matches!(kind, EventKind::FileProgress { running: false, .. })
}

#[test]
fn a_100_mb_file_arrives_byte_exact_over_tcp() {
    const SIZE: usize = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    let expected = write_noise(&path, SIZE);
    let (worker, mut client) = server_with_client();
    worker.send(Command::SendFile(FileSpec {
        path,
        to: SendTarget::Clients(Vec::new()),
        datagram: None,
        pace: None,
    }));
    // The peer reads on a thread while the test drains the worker's events.
    let reader = std::thread::spawn(move || {
        let mut digest = Sha256::new();
        let mut buffer = vec![0; 1 << 16];
        let mut total = 0;
        while total < SIZE {
            let n = client.read(&mut buffer).expect("read");
            assert!(n > 0, "closed after {total} bytes");
            digest.update(&buffer[..n]);
            total += n;
        }
        <[u8; 32]>::from(digest.finalize())
    });
    let events = wait_for(
        &worker,
        crate::common_net::deadline() + Duration::from_secs(50),
        file_done,
    );
    assert_eq!(
        reader.join().expect("reader"),
        expected,
        "sha256 of what arrived"
    );
    assert!(matches!(
        events.last().map(|event| &event.kind),
        Some(EventKind::FileProgress { sent, total, running: false })
            if *sent == SIZE as u64 && *total == SIZE as u64
    ));
    let progress = events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::FileProgress { .. }))
        .count();
    assert!(progress >= 2, "progress is reported along the way");
}

#[test]
fn udp_sends_a_file_in_paced_datagrams_of_the_chosen_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("small.bin");
    write_noise(&path, 10_500);
    let bytes = std::fs::read(&path).expect("read");
    let worker =
        spawn_udp(SocketAddr::from(([127, 0, 0, 1], 0)), UdpOptions::default()).expect("spawn");
    expect_event(&worker, |kind| matches!(kind, EventKind::Opened { .. }));
    let peer = udp_peer("127.0.0.1");
    let port = peer.local_addr().expect("addr").port();
    worker.send(Command::SendFile(FileSpec {
        path,
        to: SendTarget::Datagram(Some(RemoteTarget {
            host: "127.0.0.1".to_owned(),
            port,
        })),
        datagram: Some(1000),
        pace: Some(Duration::from_millis(2)),
    }));
    let mut received = Vec::new();
    let mut sizes = Vec::new();
    while received.len() < bytes.len() {
        let (datagram, _) = recv_datagram(&peer);
        sizes.push(datagram.len());
        received.extend(datagram);
    }
    assert_eq!(received, bytes);
    assert_eq!(sizes, [vec![1000; 10], vec![500]].concat());
    wait_for(&worker, crate::common_net::deadline(), file_done);
}

#[test]
fn cancel_stops_a_file_the_peer_is_not_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stuck.bin");
    write_noise(&path, 64 * 1024 * 1024);
    // The client never reads: the socket buffers fill and the worker stops reading the file.
    let (worker, _client) = server_with_client();
    worker.send(Command::SendFile(FileSpec {
        path,
        to: SendTarget::Clients(Vec::new()),
        datagram: None,
        pace: None,
    }));
    expect_event(
        &worker,
        |kind| matches!(kind, EventKind::FileProgress { sent, .. } if *sent > 0),
    );
    worker.send(Command::CancelFile);
    let events = wait_for(&worker, crate::common_net::deadline(), file_done);
    let Some(EventKind::FileProgress { sent, total, .. }) = events.last().map(|e| &e.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    assert!(sent < total, "cancelled at {sent} of {total}");
    // Bounded: no more than the socket buffers and the worker's queue took.
    assert!(
        *sent < 32 * 1024 * 1024,
        "read {sent} bytes for a peer that reads nothing"
    );
}

#[test]
fn an_unreadable_file_is_reported_and_nothing_is_sent() {
    let (worker, _client) = server_with_client();
    worker.send(Command::SendFile(FileSpec {
        path: "/no/such/firmware.bin".into(),
        to: SendTarget::Clients(Vec::new()),
        datagram: None,
        pace: None,
    }));
    let events = wait_for(&worker, crate::common_net::deadline(), file_done);
    let failed = events.iter().find_map(|event| match &event.kind {
        EventKind::SendFailed { error, .. } => Some(error.to_string()),
        _ => None,
    });
    let failed = failed.expect("a SendFailed event");
    assert!(failed.contains("/no/such/firmware.bin"), "{failed}");
    assert!(
        !events
            .iter()
            .any(|event| matches!(event.kind, EventKind::Sent { .. }))
    );
}
