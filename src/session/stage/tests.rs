//! The stage's tests: bytes staged and framed, sends logged as their origin says, a relay's
//! frames and rewritten reads.

use super::*;
use crate::net::CloseReason;
use crate::session::EntryTag;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn event(kind: EventKind) -> Event {
    Event::now(kind)
}

#[test]
fn bytes_are_recorded_at_once_and_wait_framed_for_the_session() {
    let mut stage = Stage::new(Mode::TcpServer, Framing::Lines);
    let mut session = Session::new(Mode::TcpServer);
    let (id, peer) = (ClientId(7), addr(4000));
    let local = addr(80);
    let connected = event(EventKind::ClientConnected { id, peer, local });
    session.apply(&mut stage, connected, |_| {});
    let local_end = session
        .clients
        .at(peer)
        .map(|client| (client.id, client.local));
    assert_eq!(local_end, Some((id, local)), "replies know the client");

    let mut recorded = Vec::new();
    let mark = stage.mark();
    let read = EventKind::Received {
        peer,
        client: Some(id),
        bytes: b"PING\nPI".to_vec(),
        to: None,
    };
    let taken = stage.take(event(read), &session.clients, &mut |entry: &LogEntry| {
        recorded.push(entry.bytes().to_vec());
    });
    assert!(taken.is_none(), "bytes stay in the stage");
    assert_eq!(recorded, [b"PING\nPI".to_vec()], "the read, as it came");
    let shown: Vec<_> = stage.shown_since(mark).map(LogEntry::bytes).collect();
    assert_eq!(shown, [&b"PING\n"[..]], "the framed line, for the rules");
    assert_eq!(
        session.counters.rx_bytes, 0,
        "the session has not seen it yet"
    );

    let left = EventKind::ClientDisconnected {
        id,
        peer,
        reason: CloseReason::PeerClosed,
    };
    session.apply(&mut stage, event(left), |_| {});
    let log: Vec<_> = session.log.iter().map(|e| e.bytes().to_vec()).collect();
    assert_eq!(log[1..3], [b"PING\n".to_vec(), b"PI".to_vec()]);
    assert_eq!(session.counters.rx_bytes, 7);
    assert!(
        session.clients.at(peer).is_none(),
        "one table, and it is gone"
    );
    assert!(stage.is_empty());
}

#[test]
fn a_send_is_logged_as_its_origin_says() {
    let mut stage = Stage::new(Mode::Udp, Framing::PerRead);
    let peer = addr(9);
    let mut tags = Vec::new();
    let gbk = Some(crate::codec::TextEncoding::Gbk);
    let origins = [
        SendOrigin::AutoReply(None),
        SendOrigin::Typed(gbk),
        SendOrigin::Cyclic(None),
    ];
    for origin in origins {
        let sent = EventKind::Sent {
            peer,
            client: None,
            bytes: b"PONG".to_vec(),
            origin,
        };
        let taken = stage.take(event(sent), &Clients::default(), &mut |entry: &LogEntry| {
            tags.push(entry.kind.tag());
            assert_eq!(
                entry.written_in,
                origin.written_in(),
                "the encoding goes along"
            );
        });
        assert!(taken.is_none(), "bytes stay in the stage");
    }
    assert_eq!(tags, [EntryTag::AutoTx, EntryTag::Tx, EntryTag::Tx]);
}

#[test]
fn a_relay_frame_keeps_its_end_and_a_rewritten_read_stands_before_its_replacement() {
    let mut stage = Stage::new(Mode::Relay, Framing::Lines);
    let mut session = Session::new(Mode::Relay);
    let (id, peer, local) = (ClientId(1), addr(4000), addr(8010));
    let connected = event(EventKind::ClientConnected { id, peer, local });
    session.apply(&mut stage, connected, |_| {});
    let forwarded = |bytes: &[u8], went_on| {
        event(EventKind::Forwarded {
            id,
            peer,
            toward: Toward::Upstream,
            bytes: bytes.to_vec(),
            went_on,
        })
    };
    let clients = session.clients.clone();
    let mut take = |event| assert!(stage.take(event, &clients, &mut |_| {}).is_none());
    take(forwarded(b"ab\ncd", true));
    take(forwarded(b"temp=1\n", false));
    take(event(EventKind::Rewritten {
        id,
        peer,
        toward: Toward::Upstream,
        rule: 0,
        bytes: Some(b"t=1\n".to_vec()),
    }));
    let staged: Vec<_> = stage.drain().collect();
    let counted: u64 = staged
        .iter()
        .map(|item| match item {
            Staged::Traffic { bytes, .. } => *bytes,
            Staged::Show(_) | Staged::TypedSent => 0,
        })
        .sum();
    assert_eq!(
        counted,
        5 + 7,
        "the replacement counts as the read it replaced, once"
    );
    let shown: Vec<_> = staged
        .into_iter()
        .filter_map(|item| match item {
            Staged::Show(entry) => Some((entry.kind.tag(), entry.bytes().to_vec(), entry.local)),
            Staged::Traffic { .. } | Staged::TypedSent => None,
        })
        .collect();
    assert_eq!(
        shown,
        [
            (EntryTag::ToUpstream, b"ab\n".to_vec(), Some(local)),
            (EntryTag::ToUpstream, b"cd".to_vec(), Some(local)),
            (EntryTag::ToUpstream, b"temp=1\n".to_vec(), Some(local)),
            (EntryTag::InjectedToUpstream, b"t=1\n".to_vec(), Some(local)),
        ],
        "the frame keeps the connection's end; the rewritten read stands alone, then \
         what went on instead"
    );
}
