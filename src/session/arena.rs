//! Where a log store keeps its entries without an allocation per entry: fixed-size records in
//! blocks, and payload bytes packed into large chunks. Ten million small entries then cost
//! their record and their bytes, and the oldest leave in whole blocks and chunks.

use std::collections::VecDeque;

use crate::net::Recycler;

/// Records per block: enough that the block list stays short, few enough that a new block is a
/// small allocation (a single growing buffer would copy all of a huge log at once, mid-frame).
const BLOCK: usize = 4096;

/// A queue of records in fixed blocks: push at the back, pop at the front, index in O(1).
pub struct BlockQueue<T> {
    /// Every block but the last holds exactly [`BLOCK`] records.
    blocks: VecDeque<Vec<T>>,
    /// Records of the first block already popped.
    head: usize,
    len: usize,
}

impl<T: Copy> BlockQueue<T> {
    pub fn new() -> Self {
        Self {
            blocks: VecDeque::new(),
            head: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push_back(&mut self, record: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push(record),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(record);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    pub fn pop_front(&mut self) -> Option<T> {
        let front = self.blocks.front()?;
        let record = *front.get(self.head)?;
        self.head += 1;
        self.len -= 1;
        if self.head == front.len() {
            self.blocks.pop_front();
            self.head = 0;
        }
        Some(record)
    }

    fn at(&self, index: usize) -> Option<(usize, usize)> {
        let at = self.head + index;
        (index < self.len).then_some((at / BLOCK, at % BLOCK))
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        let (block, slot) = self.at(index)?;
        self.blocks.get(block)?.get(slot)
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let (block, slot) = self.at(index)?;
        self.blocks.get_mut(block)?.get_mut(slot)
    }

    pub fn front(&self) -> Option<&T> {
        self.get(0)
    }

    /// The number of leading records for which `pred` holds (it must hold for a prefix).
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.get(middle).is_some_and(&pred) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    pub fn clear(&mut self) {
        self.blocks.clear();
        self.head = 0;
        self.len = 0;
    }
}

/// Where a payload lies in an [`Arena`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// The chunk's number (they are numbered in order of creation, wrapping).
    chunk: u32,
    offset: u32,
    len: u32,
}

impl Span {
    pub fn len(&self) -> usize {
        self.len as usize
    }
}

/// Chunk size for small payloads.
const CHUNK: usize = 1024 * 1024;

/// Payloads larger than this get a chunk of their own: the bytes move in without a copy, and
/// the packed chunks never waste more than this at their ends.
const PACKED_MAX: usize = 16 * 1024;

struct Chunk {
    bytes: Vec<u8>,
    /// Payloads in it not yet released; at zero its bytes are freed.
    live: u32,
}

/// Payload bytes in chunks, released in any order, freed chunk by chunk.
#[derive(Default)]
pub struct Arena {
    chunks: VecDeque<Chunk>,
    /// The number of `chunks[0]`.
    first: u32,
    /// The chunk small payloads are packed into now.
    packing: Option<u32>,
    /// A packing chunk's buffer kept when it was freed, for the next one: a fresh 1 MiB
    /// buffer costs a map, 256 page faults and an unmap, a datagram flood needs one every
    /// few hundred datagrams.
    spare: Option<Vec<u8>>,
    /// Where freed payload buffers go to carry later reads.
    recycler: Option<Recycler>,
}

impl Arena {
    /// Hands freed payload buffers to `recycler` from now on.
    pub fn recycle_into(&mut self, recycler: Recycler) {
        self.recycler = Some(recycler);
    }

    /// Keeps `bytes`, and says where.
    pub fn put(&mut self, mut bytes: Vec<u8>) -> Span {
        // Entries are bounded far below 4 GiB (reads, frames and messages all are).
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        bytes.truncate(len as usize);
        if bytes.len() > PACKED_MAX {
            if bytes.capacity() > bytes.len() + bytes.len() / 8 {
                bytes.shrink_to_fit();
            }
            let chunk = self.push_chunk(bytes);
            return Span {
                chunk,
                offset: 0,
                len,
            };
        }
        let fits = self
            .packing
            .and_then(|number| self.chunk(number))
            .is_some_and(|chunk| chunk.bytes.capacity() - chunk.bytes.len() >= bytes.len());
        if !fits {
            if let Some(full) = self.packing.take() {
                self.free_if_unused(full);
            }
            let mut buffer = self.spare.take().unwrap_or_default();
            buffer.clear();
            buffer.reserve_exact(CHUNK);
            self.packing = Some(self.push_chunk(buffer));
        }
        let number = self.packing.unwrap_or_default();
        let Some(chunk) = self.chunk_mut(number) else {
            return Span::default();
        };
        let offset = chunk.bytes.len() as u32;
        chunk.bytes.extend_from_slice(&bytes);
        chunk.live += 1;
        Span {
            chunk: number,
            offset,
            len,
        }
    }

    fn push_chunk(&mut self, bytes: Vec<u8>) -> u32 {
        let number = self.first.wrapping_add(self.chunks.len() as u32);
        // A chunk of its own holds one payload from the start.
        let live = u32::from(!bytes.is_empty());
        self.chunks.push_back(Chunk { bytes, live });
        number
    }

    fn chunk(&self, number: u32) -> Option<&Chunk> {
        self.chunks.get(number.wrapping_sub(self.first) as usize)
    }

    fn chunk_mut(&mut self, number: u32) -> Option<&mut Chunk> {
        self.chunks
            .get_mut(number.wrapping_sub(self.first) as usize)
    }

    pub fn get(&self, span: Span) -> &[u8] {
        let start = span.offset as usize;
        self.chunk(span.chunk)
            .and_then(|chunk| chunk.bytes.get(start..start + span.len()))
            .unwrap_or_default()
    }

    /// Gives up a payload; its chunk is freed once nothing in it is kept.
    pub fn release(&mut self, span: Span) {
        if let Some(chunk) = self.chunk_mut(span.chunk) {
            chunk.live = chunk.live.saturating_sub(1);
        }
        self.free_if_unused(span.chunk);
    }

    /// Hands a buffer never kept here to the recycler, if there is one.
    pub fn recycle(&self, bytes: Vec<u8>) {
        if let Some(recycler) = &self.recycler {
            recycler.give(bytes);
        }
    }

    fn free_if_unused(&mut self, number: u32) {
        let packing = self.packing;
        if let Some(chunk) = self.chunk_mut(number)
            && chunk.live == 0
            && packing != Some(number)
        {
            let freed = std::mem::take(&mut chunk.bytes);
            if freed.capacity() == CHUNK {
                self.spare = Some(freed);
            } else if let Some(recycler) = &self.recycler {
                recycler.give(freed);
            }
        }
        // Freed chunks at the front leave the list, so it stays as long as what is kept. The
        // packing chunk goes too once it is the oldest and empty: left there, it would hold
        // back every chunk freed behind it.
        while self.chunks.front().is_some_and(|chunk| chunk.live == 0) {
            if self.packing == Some(self.first) {
                self.packing = None;
            }
            self.chunks.pop_front();
            self.first = self.first.wrapping_add(1);
        }
    }

    pub fn clear(&mut self) {
        self.first = self.first.wrapping_add(self.chunks.len() as u32);
        self.chunks.clear();
        self.packing = None;
        self.spare = None;
    }

    /// Bytes held by chunks (kept payloads and the room left in the packing chunk).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.bytes.capacity()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_queue_indexes_across_blocks_and_pops_whole_blocks() {
        let mut queue = BlockQueue::new();
        for n in 0..3 * BLOCK + 5 {
            queue.push_back(n);
        }
        assert_eq!(queue.get(BLOCK + 7), Some(&(BLOCK + 7)));
        for n in 0..BLOCK + 2 {
            assert_eq!(queue.pop_front(), Some(n));
        }
        assert_eq!(queue.blocks.len(), 3, "the first block left whole");
        assert_eq!(queue.len(), 2 * BLOCK + 3);
        assert_eq!(queue.front(), Some(&(BLOCK + 2)));
        assert_eq!(queue.get(2 * BLOCK + 2), Some(&(3 * BLOCK + 4)));
        assert_eq!(queue.get(2 * BLOCK + 3), None);
        assert_eq!(queue.partition_point(|&n| n < 2 * BLOCK), BLOCK - 2);
        if let Some(n) = queue.get_mut(0) {
            *n = 0;
        }
        assert_eq!(queue.front(), Some(&0));
    }

    #[test]
    fn a_block_queue_emptied_starts_again() {
        let mut queue = BlockQueue::new();
        queue.push_back(1);
        assert_eq!(queue.pop_front(), Some(1));
        assert_eq!(queue.pop_front(), None);
        queue.push_back(2);
        assert_eq!((queue.len(), queue.front()), (1, Some(&2)));
    }

    #[test]
    fn small_payloads_share_a_chunk_and_large_ones_move_in_whole() {
        let mut arena = Arena::default();
        let a = arena.put(b"abc".to_vec());
        let b = arena.put(b"de".to_vec());
        let large = vec![7; PACKED_MAX + 1];
        let at = large.as_ptr();
        let c = arena.put(large);
        assert_eq!((arena.get(a), arena.get(b)), (&b"abc"[..], &b"de"[..]));
        assert_eq!(arena.get(c).as_ptr(), at, "not copied");
        assert_eq!(arena.chunks.len(), 2);
        let d = arena.put(b"f".to_vec());
        assert_eq!(arena.get(d), b"f", "packed beside a and b");
        assert_eq!(arena.chunks.len(), 2);
    }

    #[test]
    fn chunks_are_freed_once_all_their_payloads_are_released() {
        let mut arena = Arena::default();
        let per_chunk = CHUNK / PACKED_MAX;
        let spans: Vec<Span> = (0..3 * per_chunk)
            .map(|n| arena.put(vec![n as u8; PACKED_MAX]))
            .collect();
        assert_eq!(arena.chunks.len(), 3);
        for span in &spans[..per_chunk + 1] {
            arena.release(*span);
        }
        assert_eq!(arena.chunks.len(), 2, "the first chunk left");
        assert_eq!(arena.get(spans[per_chunk + 1])[0], (per_chunk + 1) as u8);
        for span in &spans[per_chunk + 1..] {
            arena.release(*span);
        }
        assert_eq!(
            arena.held(),
            0,
            "the packing chunk, oldest and empty, left too"
        );
        assert!(arena.chunks.is_empty());
        arena.clear();
        assert_eq!(arena.held(), 0);
        let e = arena.put(b"again".to_vec());
        assert_eq!(arena.get(e), b"again");
    }

    #[test]
    fn a_packing_chunk_holds_back_nothing_once_its_payloads_are_gone() {
        let mut arena = Arena::default();
        let note = arena.put(b"Client connected".to_vec());
        let mut reads: VecDeque<Span> = VecDeque::new();
        for _ in 0..1000 {
            reads.push_back(arena.put(vec![0x5A; PACKED_MAX * 4]));
            if reads.len() > 10 {
                let oldest = reads.pop_front().unwrap_or_default();
                arena.release(oldest);
            }
            if reads.len() == 5 {
                arena.release(note);
            }
        }
        assert_eq!(arena.chunks.len(), 10, "only the chunks still kept");
    }
}
