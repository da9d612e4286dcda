//! Everything the user can ask a tab to do, as one vocabulary: UI functions return a
//! [`TabAction`] and [`super::Tab::handle`] carries it out.

use std::path::PathBuf;

use super::TabSettings;
use super::payloads::Payload;
use crate::codec::PayloadFormat;
use crate::net::{ClientId, Toward};

/// Everything the user can ask a tab to do. UI functions return these; [`super::Tab::handle`] acts.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum TabAction {
    /// The settings as the user has edited them this frame: the one way they change.
    Edit(Box<TabSettings>),
    /// Connect, listen or open, from the fields.
    Start,
    /// Disconnect, stop listening or close.
    Stop,
    /// Compose the send box and send it.
    Send,
    /// TCP server: send to this client (or stop), with the others selected.
    SelectClient {
        id: ClientId,
        selected: bool,
    },
    DisconnectClients(Vec<ClientId>),
    DisconnectAllClients,
    /// Relay: hold what goes `toward` one side, or let it all go on.
    Hold {
        toward: Toward,
        hold: bool,
    },
    /// Relay: let the read held longest `toward` one side go on.
    Step(Toward),
    ClearLog,
    ResetCounters,
    /// Time replies afresh (the chart's table), keeping the counters and the chart.
    ResetReplyTimes,
    /// Switch the send box between text and hex, converting what it holds when it can.
    SetInputFormat(PayloadFormat),
    /// The framing fields changed: use them if they are valid.
    ApplyFraming,
    /// Freeze the view (data is still counted, recorded and kept), or let it run again.
    TogglePause,
    /// Select or deselect an entry (by sequence number); `extend` selects the range from the
    /// last clicked entry.
    SelectEntry {
        sequence: u64,
        extend: bool,
    },
    ClearSelection,
    /// Start or stop the Record toggle's file.
    ToggleRecording,
    /// Start or stop saving received data to a file.
    ToggleRawCapture,
    /// The memory cap field changed: use it if it is valid.
    ApplyMemoryCap,
    /// Keep no log in memory (`--headless`: no window shows it). Counters, files, rules and
    /// scripts go on as before.
    KeepNoLog,
    /// UDP: the Broadcast switch changed; an open socket follows it at once.
    ApplyBroadcast,
    /// UDP: join the multicast group typed in (now if open, else as it opens).
    JoinGroup,
    /// UDP: leave this group (as typed), and forget it.
    LeaveGroup(String),
    /// Start the cyclic send of the send box, or stop it.
    ToggleCycle,
    /// Send this file's bytes.
    SendFile(PathBuf),
    /// Read the Replay window's recording and replay it.
    StartReplay,
    PauseReplay,
    ResumeReplay,
    StopReplay,
    CancelFile,
    /// Send a quick command (named) as saved, leaving the send box alone.
    SendPayload(String, Payload),
    /// Put a kept payload (from the history or a quick command) in the send box.
    LoadPayload(Payload),
    /// Run the script as it is in the settings, in place of any running one.
    RunScript,
    StopScript,
}
