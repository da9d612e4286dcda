//! Bytes waiting to be written to one TCP stream, kept in order, written as the socket allows.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::SocketAddr;

use super::{NetError, ReadBuffer, SEND_BACKLOG_LIMIT, SendOrigin};

/// A FIFO of payloads for one stream, each with who asked for it (`T`: a relay's forwarded
/// bytes were asked for by nobody). A payload counts as sent once every byte of it was
/// accepted by the OS.
pub(super) struct Outbox<T = SendOrigin> {
    queue: VecDeque<(Vec<u8>, T)>,
    /// How much of the front payload is already written.
    written: usize,
    /// Bytes not yet written, over all payloads.
    unwritten: usize,
}

impl<T> Default for Outbox<T> {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            written: 0,
            unwritten: 0,
        }
    }
}

impl Outbox {
    /// Queues `bytes` unless [`SEND_BACKLOG_LIMIT`] bytes would then wait (one payload
    /// alone, however large, is taken); says why not, for `peer`.
    pub fn admit(
        &mut self,
        bytes: Vec<u8>,
        origin: SendOrigin,
        peer: SocketAddr,
    ) -> Result<(), NetError> {
        if self.unwritten > 0 && self.unwritten + bytes.len() > SEND_BACKLOG_LIMIT {
            let queued_mib = self.unwritten / (1024 * 1024);
            return Err(NetError::Backlog { peer, queued_mib });
        }
        self.push(bytes, origin);
        Ok(())
    }
}

impl<T> Outbox<T> {
    pub fn push(&mut self, bytes: Vec<u8>, origin: T) {
        if !bytes.is_empty() {
            self.unwritten += bytes.len();
            self.queue.push_back((bytes, origin));
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
        mut on_sent: impl FnMut(Vec<u8>, T),
    ) -> io::Result<()> {
        while let Some((front, _)) = self.queue.front() {
            match stream.write(&front[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    self.unwritten -= n;
                    if self.written == front.len() {
                        self.written = 0;
                        if let Some((done, origin)) = self.queue.pop_front() {
                            on_sent(done, origin);
                        }
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        // What the stream keeps of its own (TLS records) goes too.
        match stream.flush() {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(()),
            other => other,
        }
    }
}

/// What reading a stream until it would block found.
pub(super) enum ReadOutcome {
    /// Still open; more may come later.
    Open,
    /// The peer closed its side.
    Eof,
    /// Stopped before the socket was drained (its turn was over, or `on_data` asked to
    /// stop): read again later, as an edge-triggered poll will not report it again.
    Unfinished,
}

/// Reads in one turn at most: a peer that sends faster than we read must not keep the
/// worker from its commands and its other sockets.
const READS_PER_TURN: usize = 16;

/// Reads until the socket would block or its turn is over, handing each chunk to `on_data`,
/// which returns whether to go on.
pub(super) fn read_available(
    stream: &mut impl io::Read,
    buffer: &mut ReadBuffer,
    mut on_data: impl FnMut(Vec<u8>) -> bool,
) -> io::Result<ReadOutcome> {
    let mut reads = 0;
    loop {
        if reads == READS_PER_TURN {
            return Ok(ReadOutcome::Unfinished);
        }
        reads += 1;
        match stream.read(buffer.space()) {
            Ok(0) => return Ok(ReadOutcome::Eof),
            Ok(n) => {
                if !on_data(buffer.take(n)) {
                    return Ok(ReadOutcome::Unfinished);
                }
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                return Ok(ReadOutcome::Open);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}
