//! What the user does to a relay's traffic, over TCP and UDP alike: the ways held, the faults
//! and rewrite rules of each way, and the commands that change them. A relay takes each
//! command here first; what is left for it to do comes back as an [`Ask`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use super::fault::Faults;
use super::hold::{Held, Holding, slot};
use super::rewrite::RewriteRule;
use super::{RelayConfig, SendTarget};
use crate::net::{ClientId, Command, EventKind, EventSink, SendOrigin, Toward, Verdict};

/// Each way's holding, faults and rules (toward the upstream, toward the client).
pub(super) struct Steering {
    pub holding: Holding,
    /// Each read waits for the script's verdict before it goes on.
    pub gated: bool,
    pub faults: [Faults; 2],
    pub rewrites: [Vec<RewriteRule>; 2],
    /// What was last said held each way: whether held, reads, bytes.
    held_said: [(bool, usize, usize); 2],
}

/// A command as far as the relay has to carry it out itself.
pub(super) enum Ask<'a> {
    Listen(SocketAddr),
    StopListening,
    Shutdown,
    End(ClientId),
    EndAll,
    /// Into these pairs (`None`: every pair), toward one side.
    Inject {
        pairs: Option<&'a [ClientId]>,
        toward: Toward,
        bytes: &'a [u8],
        origin: SendOrigin,
    },
    /// What is held `toward` one side goes on: everything, or (`one`) the read held longest
    /// over every pair.
    Release {
        toward: Toward,
        one: bool,
    },
    /// The script's verdict on the read of pair `id` that has waited longest `toward` one
    /// side.
    Pass {
        id: ClientId,
        toward: Toward,
        number: u64,
        verdict: &'a Verdict,
    },
    /// The gate is open again: every read waiting for the script goes on as it is.
    OpenGate,
    /// Nothing left to do: done here, or not a relay's (the worker context runs cyclic
    /// sends, replays and files and never passes them on; Broadcast and groups are UDP's).
    Nothing,
}

impl Steering {
    pub fn new(config: &RelayConfig) -> Self {
        Self {
            holding: Holding::default(),
            gated: false,
            faults: config.faults,
            rewrites: config.rewrites.clone(),
            held_said: [(false, 0, 0); 2],
        }
    }

    pub fn faults(&self, toward: Toward) -> &Faults {
        &self.faults[slot(toward)]
    }

    pub fn rules(&self, toward: Toward) -> &[RewriteRule] {
        &self.rewrites[slot(toward)]
    }

    /// Takes in what changes the steering; says what is left for the relay.
    pub fn take<'a>(&mut self, command: &'a Command) -> Ask<'a> {
        match command {
            Command::Listen(local) => Ask::Listen(*local),
            Command::StopListening => Ask::StopListening,
            Command::Shutdown => Ask::Shutdown,
            Command::DisconnectClient(id) => Ask::End(*id),
            Command::DisconnectAllClients => Ask::EndAll,
            Command::Send {
                bytes,
                to: SendTarget::Relay { pairs, toward },
                origin,
            } => Ask::Inject {
                pairs: (!pairs.is_empty()).then_some(pairs.as_slice()),
                toward: *toward,
                bytes,
                origin: *origin,
            },
            Command::Hold { toward, hold } => {
                self.holding.set(*toward, *hold);
                if *hold {
                    Ask::Nothing
                } else {
                    Ask::Release {
                        toward: *toward,
                        one: false,
                    }
                }
            }
            Command::Step(toward) => Ask::Release {
                toward: *toward,
                one: true,
            },
            Command::Gate(gated) => {
                self.gated = *gated;
                if *gated { Ask::Nothing } else { Ask::OpenGate }
            }
            Command::Pass {
                id,
                toward,
                number,
                verdict,
            } => Ask::Pass {
                id: *id,
                toward: *toward,
                number: *number,
                verdict,
            },
            Command::Faults { toward, faults } => {
                self.faults[slot(*toward)] = *faults;
                Ask::Nothing
            }
            Command::Rewrite { toward, rules } => {
                self.rewrites[slot(*toward)].clone_from(rules);
                Ask::Nothing
            }
            Command::Send { .. }
            | Command::SetBroadcast(_)
            | Command::JoinGroup(_)
            | Command::LeaveGroup(_)
            | Command::StartCycle(_)
            | Command::SendAfter { .. }
            | Command::StartReplay(_)
            | Command::PauseReplay
            | Command::ResumeReplay
            | Command::StopReplay
            | Command::StopCycle
            | Command::SendFile(_)
            | Command::CancelFile => Ask::Nothing,
        }
    }

    /// Says what is held each way (`held`: each pair's, that way) when it changed since it
    /// was last said.
    pub fn report_held<'h>(&mut self, sink: &EventSink, held: impl Fn(Toward) -> Vec<&'h Held>) {
        for toward in [Toward::Upstream, Toward::Client] {
            let holding = self.holding.is_held(toward);
            let said = &mut self.held_said[slot(toward)];
            if !holding && *said == (false, 0, 0) {
                continue;
            }
            let (reads, bytes) = held(toward)
                .into_iter()
                .fold((0, 0), |(reads, bytes), held| {
                    (reads + held.reads(), bytes + held.bytes())
                });
            if *said != (holding, reads, bytes) {
                *said = (holding, reads, bytes);
                sink.emit(EventKind::Held {
                    toward,
                    holding,
                    reads,
                    bytes,
                });
            }
        }
    }
}

/// A pair as the steering sees it, over TCP or UDP: what it holds and paces each way.
pub(super) trait Steered {
    fn held(&self, toward: Toward) -> &Held;
    /// Lets the held reads `toward` one side go on (`one`: the oldest only), behind what
    /// waits for its time there.
    fn release(&mut self, toward: Toward, one: bool, faults: &Faults);
    /// When the next paced read either way is due.
    fn paced_due(&self) -> Option<Instant>;
    /// Moves the paced reads whose time has come on.
    fn release_paced(&mut self, now: Instant);
}

/// Lets what is held `toward` one side go on: everything, pair by pair, or (`one`) the read
/// held longest over every pair. Returns the pairs to move on.
pub(super) fn release<P: Steered>(
    pairs: &mut BTreeMap<ClientId, P>,
    faults: &Faults,
    toward: Toward,
    one: bool,
) -> Vec<ClientId> {
    let ids: Vec<ClientId> = if one {
        let held = pairs
            .iter()
            .map(|(id, pair)| (pair.held(toward).oldest(), *id));
        let oldest = held.filter_map(|(oldest, id)| Some((oldest?, id))).min();
        oldest.map(|(_, id)| id).into_iter().collect()
    } else {
        pairs.keys().copied().collect()
    };
    for id in &ids {
        if let Some(pair) = pairs.get_mut(id) {
            pair.release(toward, one, faults);
        }
    }
    ids
}

/// Lets the paced reads whose time has come go on; returns the pairs to move on.
pub(super) fn release_paced<P: Steered>(pairs: &mut BTreeMap<ClientId, P>) -> Vec<ClientId> {
    let now = Instant::now();
    let mut due = Vec::new();
    for (id, pair) in pairs.iter_mut() {
        if pair.paced_due().is_some_and(|due| due <= now) {
            pair.release_paced(now);
            due.push(*id);
        }
    }
    due
}
