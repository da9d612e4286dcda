//! The log's peer addresses, each stored once and named by a number in the entries' headers.
//!
//! A peer stays while entries from it are kept: each entry holds a reference, and when the
//! last one leaves the log (past its cap) the peer leaves too and its number is used again.
//! A UDP socket hearing from a million source ports otherwise grew this table without end,
//! beside a log that kept only its cap.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use super::carry::StreamTail;

/// A peer, where its datagrams were sent when the socket says (a datagram to a group and one
/// to this host from the same peer are two streams), and this end's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Endpoint {
    pub peer: SocketAddr,
    pub to: Option<IpAddr>,
    /// This end of the conversation, where known (a new connection is a new stream).
    pub local: Option<SocketAddr>,
}

/// The number of entries with no peer.
pub(super) const NO_PEER: u32 = u32::MAX;

/// What a peer costs against the log's cap, as held: by number its address, reference count
/// and two stream tails (in the store), in vectors half again as long as what they hold; and
/// its address and number in the index, which is about 60% full. At 128 bytes, a million
/// source addresses over the default 128 MiB log kept 721,601 peers in 250 MB resident.
pub(super) const PEER_COST: usize = {
    let by_number = size_of::<Option<Endpoint>>()
        + size_of::<u32>()
        + 2 * size_of::<Option<(u64, StreamTail)>>();
    let index = size_of::<Endpoint>() + size_of::<u32>() + 1;
    by_number * 3 / 2 + index * 5 / 3
};

// 352 bytes with 84-byte addresses (x86-64, aarch64): what a million peers were seen to take.
const _: () = assert!(PEER_COST >= 300 && PEER_COST < 512);

#[derive(Default)]
pub(super) struct Peers {
    /// By number; `None` for a number free to use again.
    addresses: Vec<Option<Endpoint>>,
    /// By number: the entries kept that name the peer.
    references: Vec<u32>,
    numbers: HashMap<Endpoint, u32>,
    free: Vec<u32>,
    /// The last one looked up: floods come from one peer at a time.
    last: Option<(Endpoint, u32)>,
}

/// A peer's number for a new entry.
pub(super) struct Named {
    pub number: u32,
    /// The peer was not kept before: the caller counts its cost and starts its stream afresh.
    pub new: Option<Endpoint>,
}

impl Peers {
    /// The number of `peer` for an entry about to be kept, which holds a reference to it.
    pub fn name(&mut self, peer: Option<Endpoint>) -> Named {
        let Some(peer) = peer else {
            return Named {
                number: NO_PEER,
                new: None,
            };
        };
        let (number, new) = match self.last {
            Some((last, number)) if last == peer => (number, None),
            _ => match self.numbers.get(&peer) {
                Some(&number) => (number, None),
                None => (self.add(peer), Some(peer)),
            },
        };
        self.last = Some((peer, number));
        if let Some(count) = self.references.get_mut(number as usize) {
            *count += 1;
        }
        Named { number, new }
    }

    fn add(&mut self, peer: Endpoint) -> u32 {
        let number = match self.free.pop() {
            Some(number) => {
                self.addresses[number as usize] = Some(peer);
                number
            }
            None => {
                self.addresses.push(Some(peer));
                self.references.push(0);
                (self.addresses.len() - 1) as u32
            }
        };
        self.numbers.insert(peer, number);
        number
    }

    /// An entry naming `number` left the log. Returns true if that was the peer's last, and
    /// the peer left too.
    pub fn release(&mut self, number: u32) -> bool {
        let Some(count) = self.references.get_mut(number as usize) else {
            return false;
        };
        *count = count.saturating_sub(1);
        if *count > 0 {
            return false;
        }
        if let Some(peer) = self.addresses[number as usize].take() {
            self.numbers.remove(&peer);
            self.free.push(number);
            if self.last.is_some_and(|(_, last)| last == number) {
                self.last = None;
            }
        }
        true
    }

    pub fn get(&self, number: u32) -> Option<Endpoint> {
        self.addresses.get(number as usize).copied().flatten()
    }

    /// Peers kept now.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(n: u16) -> Option<Endpoint> {
        Some(Endpoint {
            peer: SocketAddr::from(([127, 0, 0, 1], n)),
            to: None,
            local: None,
        })
    }

    #[test]
    fn a_peer_leaves_with_its_last_entry_and_its_number_is_used_again() {
        let mut peers = Peers::default();
        let a = peers.name(port(1));
        assert_eq!(a.new, port(1));
        assert!(peers.name(port(1)).new.is_none(), "a second entry from it");
        let b = peers.name(port(2));
        assert_ne!(a.number, b.number);
        assert!(!peers.release(a.number), "one entry from it is still kept");
        assert!(peers.release(a.number));
        assert_eq!(peers.get(a.number), None);
        assert_eq!(peers.len(), 1);
        let c = peers.name(port(3));
        assert_eq!(c.number, a.number, "the freed number");
        assert_eq!(peers.get(c.number), port(3));
        // The peer that left is new again when it comes back.
        assert_eq!(peers.name(port(1)).new, port(1));
    }

    #[test]
    fn entries_without_a_peer_hold_nothing() {
        let mut peers = Peers::default();
        assert_eq!(peers.name(None).number, NO_PEER);
        assert!(!peers.release(NO_PEER));
        assert_eq!(peers.len(), 0);
    }
}
