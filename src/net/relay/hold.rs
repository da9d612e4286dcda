//! Holding one direction of the relay: what arrives waits, read by read, in the order it
//! came (over every pair, by a number the relay gives each read), until it is let go all at
//! once or one read at a time.

use std::cell::Cell;
use std::collections::VecDeque;

use crate::net::Toward;

/// Whether each way is held, and the number the next held read gets.
#[derive(Default)]
pub(super) struct Holding {
    /// Toward the upstream, toward the client.
    held: [bool; 2],
    next: Cell<u64>,
}

impl Holding {
    pub fn is_held(&self, toward: Toward) -> bool {
        self.held[slot(toward)]
    }

    pub fn set(&mut self, toward: Toward, hold: bool) {
        self.held[slot(toward)] = hold;
    }

    /// The number of a read that arrives now.
    fn number(&self) -> u64 {
        let number = self.next.get();
        self.next.set(number + 1);
        number
    }
}

/// The slot of a direction in per-direction arrays: toward the upstream, toward the client.
pub(super) fn slot(toward: Toward) -> usize {
    usize::from(toward == Toward::Client)
}

/// One way's held reads of one pair, oldest first.
#[derive(Default)]
pub(super) struct Held {
    reads: VecDeque<(u64, Vec<u8>)>,
    bytes: usize,
}

impl Held {
    /// Adds a read that arrives now; returns the number it got.
    pub fn push(&mut self, holding: &Holding, bytes: Vec<u8>) -> u64 {
        let number = holding.number();
        self.push_numbered(number, bytes);
        number
    }

    /// Adds a read that keeps the number it got when it arrived (it waited elsewhere first).
    pub fn push_numbered(&mut self, number: u64, bytes: Vec<u8>) {
        self.bytes += bytes.len();
        self.reads.push_back((number, bytes));
    }

    /// The oldest read with its number.
    pub fn pop_numbered(&mut self) -> Option<(u64, Vec<u8>)> {
        let (number, bytes) = self.reads.pop_front()?;
        self.bytes -= bytes.len();
        Some((number, bytes))
    }

    /// The oldest read's number, if any waits.
    pub fn oldest(&self) -> Option<u64> {
        self.reads.front().map(|(number, _)| *number)
    }

    pub fn pop(&mut self) -> Option<Vec<u8>> {
        let (_, bytes) = self.reads.pop_front()?;
        self.bytes -= bytes.len();
        Some(bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }

    pub fn reads(&self) -> usize {
        self.reads.len()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}
