//! Read buffers handed back for reuse. Under a flood the worker copies every full read into a
//! buffer of its own, and the log frees an old one for each it keeps; with the system
//! allocator those frees went back to the kernel and each new buffer was faulted in again,
//! a third of the worker's time. Here a buffer the log let go carries the next full read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender, bounded};

use super::READ_BUFFER_SIZE;

/// Buffers waiting to be reused, at most: as many as the event channel holds before the worker
/// stops reading (16 MiB). Under a flood the worker reads in bursts of up to that much; with
/// room for only 64, 11-43% of the reads of a 512 MiB flood took a new buffer (zeroed, page
/// faults and all) where now only the first 270 do.
const KEPT: usize = super::flow::QUEUE_LIMIT / READ_BUFFER_SIZE;

/// A pool of read-sized buffers, shared by a worker (which fills them) and a log (which
/// empties them). Cloning shares the pool.
#[derive(Clone)]
pub struct Recycler {
    kept: Sender<Vec<u8>>,
    reuse: Receiver<Vec<u8>>,
    /// The worker has ended: nothing more is kept (a tab's log, which still frees buffers
    /// into the pool, would otherwise hold up to [`KEPT`] of them for no one).
    closed: Arc<AtomicBool>,
}

impl Default for Recycler {
    fn default() -> Self {
        let (kept, reuse) = bounded(KEPT);
        Self {
            kept,
            reuse,
            closed: Arc::default(),
        }
    }
}

impl Recycler {
    /// Keeps a buffer no longer needed, if it is a read buffer's size, the worker is still
    /// there and there is room.
    pub fn give(&self, buffer: Vec<u8>) {
        if buffer.capacity() == READ_BUFFER_SIZE && !self.closed.load(Ordering::Relaxed) {
            let _ = self.kept.try_send(buffer);
        }
    }

    /// The worker ends: the buffers kept are freed, and those given later are not kept.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        while self.reuse.try_recv().is_ok() {}
    }

    /// A buffer to read into: a reused one, or a new one.
    fn read_space(&self) -> Vec<u8> {
        let mut space = self.reuse.try_recv().unwrap_or_default();
        // What it still holds is overwritten by the read; only the end is filled in here.
        space.resize(READ_BUFFER_SIZE, 0);
        space
    }
}

/// A worker's read buffer. A read that fills most of it leaves in it, with no copy, and a
/// reused buffer takes its place; a short read is copied out into a buffer of its size.
pub(super) struct ReadBuffer {
    space: Vec<u8>,
    recycler: Recycler,
}

impl ReadBuffer {
    pub fn new(recycler: Recycler) -> Self {
        Self {
            space: recycler.read_space(),
            recycler,
        }
    }

    pub fn space(&mut self) -> &mut [u8] {
        &mut self.space
    }

    /// The first `n` bytes of the space, just read, in a buffer of their own. A buffer handed
    /// on whole has at most an eighth of it unused.
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        if n + n / 8 < READ_BUFFER_SIZE {
            return self.space[..n].to_vec();
        }
        let mut full = std::mem::replace(&mut self.space, self.recycler.read_space());
        full.truncate(n);
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_read_leaves_without_a_copy_and_a_given_buffer_takes_its_place() {
        let recycler = Recycler::default();
        let mut reads = ReadBuffer::new(recycler.clone());
        reads.space().fill(1);
        let at = reads.space().as_ptr();
        let first = reads.take(READ_BUFFER_SIZE - 100);
        assert_eq!(first.as_ptr(), at, "not copied");
        assert_eq!(first.len(), READ_BUFFER_SIZE - 100);
        assert_eq!(reads.space().len(), READ_BUFFER_SIZE, "a new space");

        recycler.give(first);
        let next = reads.take(READ_BUFFER_SIZE);
        assert_eq!(next.len(), READ_BUFFER_SIZE);
        assert_eq!(
            reads.space().as_ptr(),
            at,
            "the given buffer is the space again"
        );
    }

    #[test]
    fn a_closed_pool_frees_what_it_kept_and_keeps_nothing_more() {
        let recycler = Recycler::default();
        recycler.give(Vec::with_capacity(READ_BUFFER_SIZE));
        assert_eq!(recycler.reuse.len(), 1);
        recycler.close();
        assert_eq!(recycler.reuse.len(), 0, "freed");
        recycler.clone().give(Vec::with_capacity(READ_BUFFER_SIZE));
        assert_eq!(recycler.reuse.len(), 0, "not kept");
    }

    #[test]
    fn short_reads_are_copied_and_odd_buffers_are_not_kept() {
        let recycler = Recycler::default();
        let mut reads = ReadBuffer::new(recycler.clone());
        reads.space()[..4].copy_from_slice(b"ping");
        let short = reads.take(4);
        assert_eq!((short.as_slice(), short.capacity()), (&b"ping"[..], 4));
        recycler.give(short);
        recycler.give(Vec::with_capacity(READ_BUFFER_SIZE));
        assert_eq!(
            recycler.reuse.len(),
            1,
            "only the read-sized buffer was kept"
        );
    }
}
