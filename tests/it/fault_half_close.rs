//! A peer that shuts down its sending side (FIN) and still reads: Sockscope goes on sending,
//! says so in the log and the status line, and ends the connection only when nothing has been
//! sent for `HALF_CLOSED_LINGER` (a peer that closed entirely sends the same FIN).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

use crate::common::{
    DEADLINE, app_harness, click, connected_client, read_exactly, shows, start_server, step_until,
    type_send_box,
};
use crate::common_net::{self, expect_closed, expect_event};
use sockscope::net::{CloseReason, Command, EventKind, HALF_CLOSED_LINGER, SendOrigin, SendTarget};
use sockscope::session::{Mode, Status};

/// Reads until end of stream; returns what came.
fn read_to_end(peer: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).expect("read to the end");
    rest
}

#[test]
fn a_peer_that_stops_sending_can_still_be_sent_to_from_the_client_tab() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    peer.write_all(b"last words").expect("send");
    peer.shutdown(Shutdown::Write).expect("half-close");
    step_until(&mut harness, "the half-close shown", |h| {
        shows(
            h,
            "The peer closed its sending side; you can still send (the connection closes after 5 s without a send)",
        )
    });
    assert!(shows(&harness, "last words"), "what came before the FIN");
    assert!(matches!(
        harness.state().tab(Mode::TcpClient).session().status,
        Status::PeerFinished { .. }
    ));
    assert!(
        shows(
            &harness,
            "the peer closed its sending side, you can still send"
        ),
        "the status line"
    );

    type_send_box(&mut harness, "still listening?");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 16), b"still listening?");

    // Nothing more sent: the connection ends by itself, and the peer sees it end.
    assert!(read_to_end(&mut peer).is_empty());
    step_until(&mut harness, "the connection ended", |h| {
        h.state().tab(Mode::TcpClient).session().status == Status::Idle
    });
    assert!(shows(&harness, "closed by peer"));
}

#[test]
fn a_client_that_stops_sending_can_still_be_answered_by_the_server() {
    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let mut client = TcpStream::connect(addr).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    client.write_all(b"request").expect("send");
    client.shutdown(Shutdown::Write).expect("half-close");
    step_until(&mut harness, "the half-close shown", |h| {
        shows(
            h,
            "The client closed its sending side; you can still send to it",
        )
    });
    assert_eq!(
        harness.state().tab(Mode::TcpServer).session().clients.len(),
        1,
        "still listed"
    );

    type_send_box(&mut harness, "response");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut client, 8), b"response");
    assert!(read_to_end(&mut client).is_empty());
    step_until(&mut harness, "the client gone", |h| {
        h.state().tab(Mode::TcpServer).session().clients.is_empty()
    });
    assert!(shows(&harness, "Client disconnected: closed by peer"));
}

/// The worker floods a peer that half-closes in the middle of it: every byte still arrives,
/// and the linger counts from the last send.
#[test]
fn a_flood_goes_on_whole_to_a_peer_that_stops_sending() {
    let (worker, mut peer) = common_net::connected_client_worker();

    let chunk: Vec<u8> = (0..1024 * 1024u32).map(|n| (n % 251) as u8).collect();
    let chunks = 24;
    for _ in 0..chunks {
        let send = Command::Send {
            bytes: chunk.clone(),
            to: SendTarget::Peer,
            origin: SendOrigin::Typed(None),
        };
        assert!(worker.send(send));
    }
    // Stop sending once part of the flood came in; read the rest.
    let first = read_exactly(&mut peer, chunk.len());
    peer.shutdown(Shutdown::Write).expect("half-close");
    let kind = expect_event(&worker, |kind| {
        matches!(kind, EventKind::PeerFinished { .. })
    });
    assert!(matches!(
        kind,
        EventKind::PeerFinished { client: None, linger, .. } if linger == HALF_CLOSED_LINGER
    ));
    let rest = read_to_end(&mut peer);
    assert_eq!(first, chunk);
    assert_eq!(rest.len(), (chunks - 1) * chunk.len(), "every byte arrived");
    assert!(
        rest.chunks(chunk.len())
            .all(|part| part == chunk.as_slice())
    );
    assert_eq!(expect_closed(&worker), CloseReason::PeerClosed);
}
