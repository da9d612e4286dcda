//! Bytes waiting to be written to one TCP stream, kept in order, written as the socket allows.

use std::collections::VecDeque;
use std::io::{self, Write};

/// A FIFO of payloads for one stream. A payload counts as sent once every byte of it was
/// accepted by the OS.
#[derive(Default)]
pub(super) struct Outbox {
    queue: VecDeque<Vec<u8>>,
    /// How much of the front payload is already written.
    written: usize,
    /// Bytes not yet written, over all payloads.
    unwritten: usize,
}

impl Outbox {
    pub fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.unwritten += bytes.len();
            self.queue.push_back(bytes);
        }
    }

    /// Bytes waiting to be written.
    pub fn unwritten(&self) -> usize {
        self.unwritten
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Writes until the queue is empty or the socket would block. Calls `on_sent` with each
    /// payload that went out whole.
    pub fn flush(
        &mut self,
        stream: &mut impl Write,
        mut on_sent: impl FnMut(Vec<u8>),
    ) -> io::Result<()> {
        while let Some(front) = self.queue.front() {
            match stream.write(&front[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    self.unwritten -= n;
                    if self.written == front.len() {
                        self.written = 0;
                        if let Some(done) = self.queue.pop_front() {
                            on_sent(done);
                        }
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// What reading a stream until it would block found.
pub(super) enum ReadOutcome {
    /// Still open; more may come later.
    Open,
    /// The peer closed its side.
    Eof,
}

/// Reads until the socket would block, handing each chunk to `on_data`.
pub(super) fn read_available(
    stream: &mut impl io::Read,
    buffer: &mut [u8],
    mut on_data: impl FnMut(&[u8]),
) -> io::Result<ReadOutcome> {
    loop {
        match stream.read(buffer) {
            Ok(0) => return Ok(ReadOutcome::Eof),
            Ok(n) => on_data(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                return Ok(ReadOutcome::Open);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}
