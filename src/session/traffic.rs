//! Traffic over time, for the chart and the reply times: bytes and messages per second for the
//! session and its recent peers, and each peer's request → reply times. Fed by the counted
//! traffic (one read or datagram at a time), not by the drawn log, so it is there whatever
//! the view shows, and a flood costs a hash lookup per read.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds of history kept: the chart's longest span.
pub const HISTORY_SECONDS: u64 = 600;
/// Peers followed at most; past it the least recently active leave (a UDP socket may hear
/// from a million source ports).
pub const PEERS_MAX: usize = 256;
/// Sends remembered per peer, for a received entry's time since the last send.
const SENDS_KEPT: usize = 4096;
/// Reply times kept per peer, for its summary.
const REPLIES_KEPT: usize = 10_000;

/// A clock stepped back by more than this (seconds) starts the history afresh: the chart's
/// "now" moved back too, and the old seconds would stand in front of it.
const CLOCK_STEP_BACK: u64 = 2;

/// Which way counted bytes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    In,
    Out,
    /// Sent by an auto-reply rule: counted as sent, but no reply is timed from it (the peer
    /// asked for it; what the peer sends next is not its answer).
    AutoOut,
    /// Counted as received, but not the answer to a request (a relay's user put it in).
    UntimedIn,
}

impl Way {
    pub fn is_received(self) -> bool {
        matches!(self, Self::In | Self::UntimedIn)
    }
}

/// What went each way in one second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_messages: u64,
    pub tx_messages: u64,
}

/// Samples a second apart, the last [`HISTORY_SECONDS`] of them.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// The Unix second of `samples[0]`.
    first: u64,
    samples: VecDeque<Sample>,
}

impl Series {
    fn add(&mut self, second: u64, received: bool, bytes: u64) {
        let newest = self.first + self.samples.len() as u64;
        if self.samples.is_empty() || second + CLOCK_STEP_BACK < newest {
            self.samples.clear();
            self.first = second;
        }
        // A little out of order (another thread's clock read a moment earlier): the oldest
        // second kept takes it.
        let second = second.max(self.first);
        let mut slot = (second - self.first) as usize;
        if slot >= self.samples.len() {
            // Seconds without traffic in between are zeros; no more than the history holds.
            let gap = (slot + 1 - self.samples.len()).min(HISTORY_SECONDS as usize);
            self.samples
                .extend(std::iter::repeat_n(Sample::default(), gap));
            while self.samples.len() > HISTORY_SECONDS as usize {
                self.samples.pop_front();
            }
            self.first = second + 1 - self.samples.len() as u64;
            slot = self.samples.len() - 1;
        }
        if let Some(sample) = self.samples.get_mut(slot) {
            if received {
                sample.rx_bytes += bytes;
                sample.rx_messages += 1;
            } else {
                sample.tx_bytes += bytes;
                sample.tx_messages += 1;
            }
        }
    }

    /// The samples of the seconds `from..=to` (Unix seconds), zeros where nothing went.
    pub fn window(&self, from: u64, to: u64) -> Vec<Sample> {
        (from..=to)
            .map(|second| {
                second
                    .checked_sub(self.first)
                    .and_then(|slot| self.samples.get(slot as usize))
                    .copied()
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// A peer's request → reply times: the first arrival after each send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyTimes {
    pub count: u64,
    pub min: Duration,
    pub median: Duration,
    pub p99: Duration,
    pub max: Duration,
}

#[derive(Default)]
struct Peer {
    series: Series,
    /// When sends to it went, oldest first.
    sends: VecDeque<SystemTime>,
    /// A send not answered yet.
    waiting_since: Option<SystemTime>,
    replies: VecDeque<Duration>,
    /// All replies seen, also those no longer kept.
    reply_count: u64,
    /// The Unix second of its last traffic.
    last_active: u64,
}

/// Traffic over time of one session.
#[derive(Default)]
pub struct Traffic {
    session: Series,
    peers: HashMap<SocketAddr, Peer>,
}

fn unix_second(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

impl Traffic {
    /// Counts `bytes` that went to or came from `peer` at `time`.
    pub fn add(&mut self, time: SystemTime, peer: SocketAddr, way: Way, bytes: u64) {
        let received = way.is_received();
        let second = unix_second(time);
        self.session.add(second, received, bytes);
        if !self.peers.contains_key(&peer) && self.peers.len() >= PEERS_MAX + PEERS_MAX / 4 {
            self.forget_idlest();
        }
        let follow = self.peers.entry(peer).or_default();
        follow.series.add(second, received, bytes);
        follow.last_active = second;
        if way == Way::In {
            if let Some(sent) = follow.waiting_since.take() {
                let reply = time.duration_since(sent).unwrap_or_default();
                if follow.replies.len() == REPLIES_KEPT {
                    follow.replies.pop_front();
                }
                follow.replies.push_back(reply);
                follow.reply_count += 1;
            }
        } else if way == Way::Out {
            follow.waiting_since = Some(time);
            if follow.sends.len() == SENDS_KEPT {
                follow.sends.pop_front();
            }
            follow.sends.push_back(time);
        }
    }

    /// Down to [`PEERS_MAX`], the least recently active leaving first (in batches, so a
    /// stream of new peers sorts once per quarter of the table, not once per peer).
    fn forget_idlest(&mut self) {
        let mut active: Vec<(u64, SocketAddr)> = self
            .peers
            .iter()
            .map(|(peer, follow)| (follow.last_active, *peer))
            .collect();
        active.sort_unstable();
        let excess = self.peers.len().saturating_sub(PEERS_MAX);
        for (_, peer) in active.into_iter().take(excess.max(1)) {
            self.peers.remove(&peer);
        }
    }

    pub fn session(&self) -> &Series {
        &self.session
    }

    pub fn peer(&self, peer: SocketAddr) -> Option<&Series> {
        self.peers.get(&peer).map(|follow| &follow.series)
    }

    /// The peers followed, the most recently active first.
    pub fn peers(&self) -> Vec<SocketAddr> {
        let mut peers: Vec<(u64, SocketAddr)> = self
            .peers
            .iter()
            .map(|(peer, follow)| (follow.last_active, *peer))
            .collect();
        peers.sort_unstable_by(|a, b| b.cmp(a));
        peers.into_iter().map(|(_, peer)| peer).collect()
    }

    /// How long before `time` the last send to `peer` went, if one is remembered.
    pub fn since_send(&self, peer: SocketAddr, time: SystemTime) -> Option<Duration> {
        let sends = &self.peers.get(&peer)?.sends;
        let before = sends.partition_point(|sent| *sent <= time);
        let sent = sends.get(before.checked_sub(1)?)?;
        time.duration_since(*sent).ok()
    }

    /// `peer`'s request → reply times, once it has answered a send.
    pub fn reply_times(&self, peer: SocketAddr) -> Option<ReplyTimes> {
        let follow = self.peers.get(&peer)?;
        let mut sorted: Vec<Duration> = follow.replies.iter().copied().collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_unstable();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Some(ReplyTimes {
            count: follow.reply_count,
            min: sorted[0],
            median: at(0.5),
            p99: at(0.99),
            max: sorted[sorted.len() - 1],
        })
    }

    /// Forgets everything (Reset counters).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Forgets the reply times only, keeping the chart: a new series of requests is timed on
    /// its own (a send still waiting is not timed).
    pub fn clear_replies(&mut self) {
        for peer in self.peers.values_mut() {
            peer.sends.clear();
            peer.waiting_since = None;
            peer.replies.clear();
            peer.reply_count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_764_000_000_000 + ms)
    }

    fn peer(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn seconds_add_up_and_quiet_seconds_are_zeros() {
        let mut traffic = Traffic::default();
        traffic.add(at(0), peer(1), Way::In, 100);
        traffic.add(at(500), peer(1), Way::In, 50);
        traffic.add(at(600), peer(2), Way::Out, 7);
        traffic.add(at(3_100), peer(1), Way::In, 1);
        let start = unix_second(at(0));
        let session = traffic.session().window(start, start + 3);
        assert_eq!(session[0].rx_bytes, 150);
        assert_eq!(session[0].rx_messages, 2);
        assert_eq!(session[0].tx_bytes, 7);
        assert_eq!(session[1], Sample::default());
        assert_eq!(session[3].rx_bytes, 1);
        let one = traffic
            .peer(peer(1))
            .expect("followed")
            .window(start, start);
        assert_eq!(one[0].tx_bytes, 0, "the other peer's send is not its");
        assert_eq!(traffic.peers(), [peer(1), peer(2)]);
    }

    #[test]
    fn history_and_peers_are_bounded() {
        let mut traffic = Traffic::default();
        traffic.add(at(0), peer(1), Way::In, 1);
        traffic.add(at(2_000_000), peer(1), Way::In, 1);
        assert_eq!(traffic.session.samples.len(), HISTORY_SECONDS as usize);
        for port in 0..5_000 {
            traffic.add(at(2_000_000), peer(port), Way::In, 1);
        }
        assert!(traffic.peers.len() <= PEERS_MAX + PEERS_MAX / 4);
    }

    #[test]
    fn replies_are_timed_from_the_send_they_answer() {
        let mut traffic = Traffic::default();
        let device = peer(502);
        for (send, reply) in [(0, 12), (100, 105), (200, 230)] {
            traffic.add(at(send), device, Way::Out, 8);
            traffic.add(at(reply), device, Way::In, 7);
            // A second arrival answers nothing.
            traffic.add(at(reply + 1), device, Way::In, 7);
        }
        let times = traffic.reply_times(device).expect("answered");
        assert_eq!(times.count, 3);
        assert_eq!(times.min, Duration::from_millis(5));
        assert_eq!(times.median, Duration::from_millis(12));
        assert_eq!(times.max, Duration::from_millis(30));
        assert_eq!(
            traffic.since_send(device, at(231)),
            Some(Duration::from_millis(31))
        );
        assert_eq!(
            traffic.since_send(device, at(50)),
            Some(Duration::from_millis(50))
        );
        assert_eq!(traffic.since_send(peer(9), at(50)), None);
    }

    #[test]
    fn reply_times_clear_apart_from_the_chart() {
        let mut traffic = Traffic::default();
        let device: SocketAddr = "127.0.0.1:502".parse().unwrap();
        traffic.add(at(0), device, Way::Out, 8);
        traffic.add(at(12), device, Way::In, 7);
        assert_eq!(traffic.reply_times(device).map(|t| t.count), Some(1));
        traffic.clear_replies();
        assert_eq!(traffic.reply_times(device), None);
        assert!(
            traffic.peer(device).is_some(),
            "the chart keeps the peer's traffic"
        );
        traffic.add(at(100), device, Way::Out, 8);
        traffic.add(at(130), device, Way::In, 7);
        let times = traffic.reply_times(device).expect("timed again");
        assert_eq!((times.count, times.max), (1, Duration::from_millis(30)));
    }

    #[test]
    fn auto_replies_count_as_sent_but_time_no_reply() {
        let mut traffic = Traffic::default();
        let device = peer(502);
        traffic.add(at(0), device, Way::In, 4);
        traffic.add(at(1), device, Way::AutoOut, 2);
        traffic.add(at(40), device, Way::In, 4);
        assert_eq!(traffic.reply_times(device), None, "nothing was asked of it");
        assert_eq!(traffic.since_send(device, at(40)), None);
        let start = unix_second(at(0));
        assert_eq!(traffic.session().window(start, start)[0].tx_bytes, 2);
    }

    #[test]
    fn a_clock_stepped_back_starts_the_history_afresh() {
        let mut traffic = Traffic::default();
        traffic.add(at(3_599_000), peer(1), Way::In, 10);
        traffic.add(at(3_600_000), peer(1), Way::In, 100);
        // A second late (another thread's clock): still in its own second.
        traffic.add(at(3_599_500), peer(1), Way::In, 1);
        let late = unix_second(at(3_599_500));
        assert_eq!(traffic.session().window(late, late)[0].rx_bytes, 11);
        // An hour back: counted at the time it says, not piled on the oldest second.
        traffic.add(at(0), peer(1), Way::In, 7);
        let start = unix_second(at(0));
        assert_eq!(traffic.session().window(start, start)[0].rx_bytes, 7);
        let before = unix_second(at(3_600_000));
        assert_eq!(traffic.session().window(before, before)[0].rx_bytes, 0);
    }
}
