//! Tests of [`super`].

use super::sink::BATCH_BYTES_MAX;
use super::*;

fn sink() -> (EventSink, Receiver<Vec<Event>>) {
    let (events, batches) = crossbeam_channel::unbounded();
    let sink = EventSink::new(events, Arc::default(), Recycler::default());
    (sink, batches)
}

fn received(bytes: &[u8]) -> EventKind {
    EventKind::Received {
        peer: ([127, 0, 0, 1], 9).into(),
        client: None,
        bytes: bytes.to_vec(),
        to: None,
    }
}

#[test]
fn small_reads_wait_for_the_next_event_of_another_kind_and_keep_their_order() {
    let (sink, batches) = sink();
    sink.emit(received(b"one"));
    sink.emit(received(b"two"));
    assert!(
        batches.try_recv().is_err(),
        "bytes wait for the end of the turn"
    );
    let local = ([127, 0, 0, 1], 1).into();
    sink.emit(EventKind::Opened { local });
    let batch = batches.try_recv().expect("one batch");
    let kinds: Vec<_> = batch.into_iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        [
            received(b"one"),
            received(b"two"),
            EventKind::Opened { local }
        ]
    );
}

#[test]
fn large_reads_go_at_once_and_what_waits_goes_when_the_sink_is_dropped() {
    let (sink, batches) = sink();
    sink.emit(received(&[0; BATCH_BYTES_MAX]));
    assert_eq!(batches.try_recv().map(|batch| batch.len()), Ok(1));
    sink.emit(received(b"last"));
    drop(sink);
    let batch = batches.try_recv().expect("sent on drop");
    assert_eq!(batch[0].kind, received(b"last"));
}
