//! Scripts: a tab's own program, in [Rhai](https://rhai.rs), that answers what arrives, keeps
//! state and sends on timers, so Sockscope can play a device or a server with state (a Modbus
//! slave's registers, a modem's AT dialogue, a login before data).
//!
//! Why Rhai: it is pure Rust (nothing to build in C), sandboxed by default (no files, no
//! network, no `import` here: the `no_module` feature), and its errors carry a line and a
//! column. Each script runs on a thread of its own ([`spawn`]): the tab's session host hands it
//! what arrives without waiting (a full queue drops and counts), and a handler that runs past
//! [`HANDLER_TIME_LIMIT`] is stopped, so a script can hold up neither the socket, the files
//! nor the window.
//!
//! The host gives a script [`ScriptInput`]s and carries out its [`ScriptOutput`]s: sends and
//! closes go to the worker, what it prints goes to the log.

mod api;
mod outbox;
mod runner;
mod size;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::codec::TextEncoding;
use crate::i18n::Language;
use crate::net::{ClientId, Command, Toward};
use crate::session::Mode;

/// The longest one handler may run before the script is stopped.
pub const HANDLER_TIME_LIMIT: Duration = Duration::from_secs(1);

/// How much a handler may grow the process's memory before it is stopped (measured where
/// the system tells it: Linux).
pub const HANDLER_MEMORY_LIMIT: u64 = 512 * 1024 * 1024;

/// What a script may keep from call to call (`this` and every `peer.state`), in bytes.
pub const STATE_LIMIT: usize = 64 * 1024 * 1024;

/// Messages waiting for a script past which its tab takes no more from the socket (as when a
/// file is behind): the sender is slowed, nothing is lost. A handler ends within the time
/// limit, so this holds the socket back for a slow script, never for ever.
pub const INPUT_LIMIT: usize = 4096;

/// The same, in bytes.
pub const INPUT_BYTES_LIMIT: usize = 1024 * 1024;

/// A script's sends and prints waiting for the host at most; the script waits past it.
const OUTPUT_LIMIT: usize = 256;

/// The file names and sources of the examples shipped with Sockscope.
pub const EXAMPLES: [(&str, &str); 6] = [
    (
        "modbus_slave.rhai",
        include_str!("../../examples/scripts/modbus_slave.rhai"),
    ),
    (
        "at_modem.rhai",
        include_str!("../../examples/scripts/at_modem.rhai"),
    ),
    (
        "nmea_sensor.rhai",
        include_str!("../../examples/scripts/nmea_sensor.rhai"),
    ),
    (
        "login.rhai",
        include_str!("../../examples/scripts/login.rhai"),
    ),
    (
        "delayed_echo.rhai",
        include_str!("../../examples/scripts/delayed_echo.rhai"),
    ),
    (
        "relay_tamper.rhai",
        include_str!("../../examples/scripts/relay_tamper.rhai"),
    ),
];

/// The largest script file read.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// Why a script file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("a script may have at most 1 MiB")]
    TooLarge,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A script file's text (at most [`MAX_SOURCE_BYTES`] of UTF-8). Blocks: never on the UI
/// thread.
pub fn read_source(path: &std::path::Path) -> Result<String, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut source = String::new();
    let size = file
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_string(&mut source)?;
    if size as u64 > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(source)
}

/// Who a script talks to: a TCP client's server, one of a TCP server's clients, the sender
/// of a UDP datagram, or a relay's pair (its client's address and the pair's number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScriptPeer {
    pub addr: SocketAddr,
    /// A TCP server's client.
    pub client: Option<ClientId>,
}

/// What the host tells a running script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptInput {
    /// A connection came up (a TCP client's, or a TCP server's client).
    Connected(ScriptPeer),
    /// It ended.
    Disconnected(ScriptPeer),
    /// A received message, as the tab frames it.
    Message { peer: ScriptPeer, bytes: Vec<u8> },
    /// Relay: a read of pair `peer` on its way `toward` one side, waiting for the script's
    /// verdict (what `on_message` returns).
    Passing {
        peer: ScriptPeer,
        toward: Toward,
        /// The read's number, which the verdict names.
        number: u64,
        bytes: Vec<u8>,
    },
}

/// What a running script asks of the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptOutput {
    /// A send or a close, for the worker.
    Command(Command),
    /// What the script printed: an INFO line in the log.
    Say(String),
    /// The script has ended; nothing follows.
    Ended(ScriptEnd),
}

/// How a script ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptEnd {
    /// Asked to stop, or its tab went.
    Stopped,
    Failed(ScriptError),
}

/// Whether a tab's script runs, or how it last ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ScriptState {
    #[default]
    Off,
    Running,
    Ended(ScriptEnd),
}

/// What went wrong in a script, and where (1-based; none when it is not in one place).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: {}", self.message),
            (Some(line), None) => write!(f, "{line}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// What a script runs with: its source, and the tab's mode, encoding and language.
#[derive(Clone, Debug)]
pub struct ScriptSetup {
    pub source: String,
    pub mode: Mode,
    /// The tab's reads are datagrams (UDP, a UDP relay).
    pub datagrams: bool,
    /// Text the script sends or reads is in it.
    pub encoding: TextEncoding,
    pub language: Language,
}

/// A running script, held by its tab's host. Dropping it stops the script.
pub struct ScriptRun {
    inputs: Sender<ScriptInput>,
    outputs: Receiver<ScriptOutput>,
    stop: Arc<AtomicBool>,
    /// What waits for the script.
    backlog: Arc<Backlog>,
}

/// Inputs handed to a script and not yet taken by it: counted in and out, so that the host
/// can stop taking from the socket while the script is behind.
#[derive(Default)]
pub(crate) struct Backlog {
    inputs: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicUsize,
}

impl Backlog {
    fn size(input: &ScriptInput) -> usize {
        match input {
            ScriptInput::Message { bytes, .. } | ScriptInput::Passing { bytes, .. } => bytes.len(),
            _ => 0,
        }
    }

    fn add(&self, input: &ScriptInput) {
        self.inputs.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(Self::size(input), Ordering::Relaxed);
    }

    pub(crate) fn taken(&self, input: &ScriptInput) {
        self.inputs.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(Self::size(input), Ordering::Relaxed);
    }

    fn is_full(&self) -> bool {
        self.inputs.load(Ordering::Relaxed) >= INPUT_LIMIT
            || self.bytes.load(Ordering::Relaxed) >= INPUT_BYTES_LIMIT
    }
}

impl ScriptRun {
    /// Hands the script `input` without waiting. Past [`INPUT_LIMIT`] waiting, the caller
    /// is to take no more from the socket ([`Self::is_behind`]).
    pub fn feed(&self, input: ScriptInput) {
        self.backlog.add(&input);
        if let Err(crossbeam_channel::SendError(input)) = self.inputs.send(input) {
            self.backlog.taken(&input);
        }
    }

    /// Whether the script has fallen behind: its tab takes no more from the socket for now.
    pub fn is_behind(&self) -> bool {
        self.backlog.is_full()
    }

    /// What the script asks, as it comes.
    pub fn outputs(&self) -> &Receiver<ScriptOutput> {
        &self.outputs
    }

    /// Gives the script nothing more: once it has taken what waits, it ends (timers left
    /// unrun) and says [`ScriptEnd::Stopped`]. For a caller that reads every output to the end
    /// (the fuzz target).
    pub fn close_inputs(&mut self) {
        let (closed, _) = crossbeam_channel::bounded(0);
        self.inputs = closed;
    }

    /// Asks the script to stop: it ends the handler it is in and says [`ScriptEnd::Stopped`].
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for ScriptRun {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `setup`'s script on a thread of its own. It compiles it, runs its top level and
/// `on_start`, then its handlers as inputs come and its timers fall due. A compile error ends
/// it at once, as [`ScriptOutput::Ended`].
pub fn spawn(setup: ScriptSetup) -> std::io::Result<ScriptRun> {
    // Unbounded as a channel, bounded by its backlog: the host takes no more from the socket
    // while the script is behind, so at most one batch of the host's lies past the limit.
    let (inputs, taken) = crossbeam_channel::unbounded();
    let backlog = Arc::new(Backlog::default());
    let taking = Arc::clone(&backlog);
    let (said, outputs) = crossbeam_channel::bounded(OUTPUT_LIMIT);
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    std::thread::Builder::new()
        .name(format!("script {:?}", setup.mode))
        // Rhai recurses into nested values (to drop them, say): room for the deepest its
        // limits allow.
        .stack_size(64 * 1024 * 1024)
        .spawn(move || runner::run(&setup, &taken, &taking, &said, &stopping))?;
    Ok(ScriptRun {
        inputs,
        outputs,
        stop,
        backlog,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
