//! The worker's side of the event channel: events go to the session host in batches, and the flow
//! control says when the worker must stop reading.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crossbeam_channel::Sender;

use super::flow::Flow;
use super::recycle::{ReadBuffer, Recycler};
use super::{Event, EventKind, SendOrigin};

/// The worker's side of the event channel. Received and sent bytes go out in batches, one per
/// turn of the poll loop (or per [`BATCH_MAX`] events): under a datagram flood, a channel
/// message and a wake-up call per datagram cost the worker more than receiving it.
pub(super) struct EventSink {
    events: Sender<Vec<Event>>,
    /// Events not sent yet; sent before the worker waits, and before any event that is not
    /// received or sent bytes.
    batch: RefCell<Vec<Event>>,
    /// The UI was there at the last send.
    delivered: Cell<bool>,
    /// A cyclic send failed since the worker last looked: it stops the cycle.
    cyclic_failure: Cell<bool>,
    flow: Arc<Flow>,
    recycler: Recycler,
}

/// Events in one batch at most.
const BATCH_MAX: usize = 256;

/// Received or sent bytes of this size or more are not batched.
pub(super) const BATCH_BYTES_MAX: usize = 16 * 1024;

impl Drop for EventSink {
    fn drop(&mut self) {
        self.flush();
        // The worker is ending: its read buffers are no one's to reuse.
        self.recycler.close();
    }
}

impl EventSink {
    pub(super) fn new(events: Sender<Vec<Event>>, flow: Arc<Flow>, recycler: Recycler) -> Self {
        Self {
            events,
            batch: RefCell::default(),
            delivered: Cell::new(true),
            cyclic_failure: Cell::new(false),
            flow,
            recycler,
        }
    }

    /// A read buffer whose full reads leave without a copy.
    pub(super) fn read_buffer(&self) -> ReadBuffer {
        ReadBuffer::new(self.recycler.clone())
    }

    /// Queues an event stamped now: bytes received or sent wait for the end of the turn, other
    /// events go at once (with what waited before them). Returns false when the UI has gone
    /// away.
    pub(super) fn emit(&self, kind: EventKind) -> bool {
        let event = Event::now(kind);
        if let EventKind::SendFailed {
            origin: SendOrigin::Cyclic(_),
            ..
        } = event.kind
        {
            self.cyclic_failure.set(true);
        }
        self.flow.queue(&event);
        // Large reads go at once: a few of them are already a batch's worth.
        let bytes = match &event.kind {
            EventKind::Received { bytes, .. }
            | EventKind::Sent { bytes, .. }
            | EventKind::Forwarded { bytes, .. }
            | EventKind::Injected { bytes, .. } => bytes.len() < BATCH_BYTES_MAX,
            _ => false,
        };
        let batched = {
            let mut batch = self.batch.borrow_mut();
            batch.push(event);
            batch.len()
        };
        if bytes && batched < BATCH_MAX {
            return self.delivered.get();
        }
        self.flush()
    }

    /// Whether a cyclic send failed since the last call.
    pub(super) fn take_cyclic_failure(&self) -> bool {
        self.cyclic_failure.replace(false)
    }

    /// Sends what waits. Returns false when the UI has gone away.
    pub(super) fn flush(&self) -> bool {
        let batch = self.batch.take();
        if batch.is_empty() {
            return self.delivered.get();
        }
        let delivered = self.events.send(batch).is_ok();
        self.delivered.set(delivered);
        delivered
    }

    /// Whether to stop reading because the UI is behind; the UI wakes the worker when it
    /// has caught up.
    pub(super) fn must_pause(&self) -> bool {
        self.flow.must_pause()
    }
}
