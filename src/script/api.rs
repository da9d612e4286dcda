//! What a script can call: sends and closes in the tab's terms, timers, and the helpers device
//! protocols need (hex, the tab's encodings, integers and floats in either byte order, the
//! send box's checksums). Nothing here reaches a file or the network but through the tab.

use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Blob, Dynamic, Engine, EvalAltResult, FnPtr};

use super::outbox::{Callee, Due, Outbox};
use super::{ScriptOutput, ScriptPeer};
use crate::codec::{self, Checksum, TextEncoding};
use crate::net::{Command, RemoteTarget, SendOrigin, SendTarget, Toward, Verdict, WrittenIn};
use crate::session::Mode;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The longest a timer or a later send may wait, and the shortest a repeating timer's period.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);
const SHORTEST_PERIOD: Duration = Duration::from_millis(1);

/// A peer as a script sees it: `peer.send(..)`, `peer.close()`, `peer.addr`, `peer.state`.
#[derive(Clone)]
pub(super) struct Peer {
    pub who: ScriptPeer,
    /// Relay: where the read `on_message` is given goes (from the other side).
    pub toward: Option<Toward>,
    /// What the script keeps for this peer (a shared map: changes stay).
    pub state: Dynamic,
    pub outbox: Rc<Outbox>,
}

fn error<T>(message: impl Into<String>) -> Fallible<T> {
    Err(message.into().into())
}

/// The engine a script runs in: the API registered, the sandbox's limits set.
pub(super) fn engine(outbox: &Rc<Outbox>) -> Engine {
    let mut engine = Engine::new();
    // Deep enough for any protocol's code, small enough that a runaway cannot take the
    // memory: sizes count what arrays and maps hold, blobs included.
    engine
        .set_max_call_levels(48)
        .set_max_expr_depths(64, 64)
        .set_max_string_size(1 << 20)
        .set_max_array_size(1 << 20)
        .set_max_map_size(1 << 16);
    let watch = Rc::clone(outbox);
    engine.on_progress(move |operations| {
        // A look at the clock every 256 operations costs nothing that shows; at memory (a
        // file read) every 64 Ki.
        if operations % 256 == 0 {
            let deep = operations % 65_536 == 0;
            watch.halt_looking(deep).map(Dynamic::from)
        } else {
            None
        }
    });
    let printing = Rc::clone(outbox);
    engine.on_print(move |text| {
        // A stopped script's print goes nowhere; the next operation stops it.
        let _ = printing.say(text);
    });
    let debugging = Rc::clone(outbox);
    engine.on_debug(move |text, _, _| {
        let _ = debugging.say(text);
    });
    // A script waits with timers, never by holding its thread; `eval` would hide where an
    // error is.
    let refused = "sleep() holds the script: use after(ms, \"name\") or peer.send_later(ms, data)";
    engine.register_fn("sleep", move |_: i64| -> Fallible<()> { error(refused) });
    engine.register_fn("sleep", move |_: f64| -> Fallible<()> { error(refused) });
    engine.disable_symbol("eval");
    register_peer(&mut engine);
    register_sends(&mut engine, outbox);
    register_timers(&mut engine, outbox);
    register_codec(&mut engine, outbox.encoding);
    register_numbers(&mut engine);
    engine
}

fn register_peer(engine: &mut Engine) {
    engine
        .register_type_with_name::<Peer>("Peer")
        .register_get("addr", |peer: &mut Peer| peer.who.addr.to_string())
        .register_get("ip", |peer: &mut Peer| peer.who.addr.ip().to_string())
        .register_get("port", |peer: &mut Peer| i64::from(peer.who.addr.port()))
        .register_get("id", |peer: &mut Peer| {
            peer.who
                .client
                .map_or(Dynamic::UNIT, |client| Dynamic::from(client.0 as i64))
        })
        .register_get("state", |peer: &mut Peer| peer.state.clone())
        // Relay: who sent the read `on_message` is given.
        .register_get("from", |peer: &mut Peer| match peer.toward {
            Some(Toward::Upstream) => Dynamic::from("client"),
            Some(Toward::Client) => Dynamic::from("upstream"),
            None => Dynamic::UNIT,
        })
        .register_fn("to_client", |peer: &mut Peer, data: Dynamic| {
            inject(peer, data, Toward::Client)
        })
        .register_fn("to_upstream", |peer: &mut Peer, data: Dynamic| {
            inject(peer, data, Toward::Upstream)
        })
        .register_fn("to_string", |peer: &mut Peer| peer.who.addr.to_string())
        .register_fn("to_debug", |peer: &mut Peer| peer.who.addr.to_string())
        .register_fn("send", |peer: &mut Peer, data: Dynamic| {
            let to = peer_target(peer)?;
            let command = send_command(&peer.outbox, data, to)?;
            peer.outbox.put(ScriptOutput::Command(command))
        })
        .register_fn("send_later", |peer: &mut Peer, ms: i64, data: Dynamic| {
            let to = peer_target(peer)?;
            let command = send_command(&peer.outbox, data, to)?;
            let wait = wait_of(ms, Duration::ZERO)?;
            add_timer(&peer.outbox, wait, Due::Send(command)).map(drop)
        })
        .register_fn("close", |peer: &mut Peer| {
            let command = match (peer.outbox.mode, peer.who.client) {
                (Mode::TcpServer | Mode::Relay, Some(client)) => Command::DisconnectClient(client),
                (Mode::TcpClient, _) => Command::Shutdown,
                // A UDP sender has no connection to close.
                _ => return Ok(()),
            };
            peer.outbox.put(ScriptOutput::Command(command))
        });
}

/// Relay: `data` put into `peer`'s pair `toward` one side, as if the other side had sent it.
fn inject(peer: &Peer, data: Dynamic, toward: Toward) -> Fallible<()> {
    let (Mode::Relay, Some(pair)) = (peer.outbox.mode, peer.who.client) else {
        return error("to_client() and to_upstream() work only in the relay");
    };
    let to = SendTarget::Relay {
        pairs: vec![pair],
        toward,
    };
    let command = send_command(&peer.outbox, data, to)?;
    peer.outbox.put(ScriptOutput::Command(command))
}

/// Relay: what becomes of a read, by what `on_message` returned: nothing (or true) lets it go
/// on as it is, a blob or a string (in the tab's encoding) goes on in its place, false drops
/// it.
pub(super) fn verdict(value: Dynamic, encoding: TextEncoding) -> Result<Verdict, String> {
    if value.is_unit() || value.as_bool() == Ok(true) {
        return Ok(Verdict::AsItIs);
    }
    if value.as_bool() == Ok(false) {
        return Ok(Verdict::Drop);
    }
    if value.is_blob() || value.is_string() {
        // Nothing in its place is a drop, and said as one.
        return payload(value, encoding)
            .map(|(bytes, _)| match bytes.is_empty() {
                true => Verdict::Drop,
                false => Verdict::Instead(bytes),
            })
            .map_err(|error| error.to_string());
    }
    Err(format!(
        "in the relay, on_message returns nothing (the read goes on), a blob or a string (in \
         its place) or false (dropped), not {}",
        value.type_name()
    ))
}

/// Where `peer.send` goes in the tab's mode.
fn peer_target(peer: &Peer) -> Fallible<SendTarget> {
    match (peer.outbox.mode, peer.who.client) {
        (Mode::Relay, _) => error("in the relay, send with peer.to_client() or peer.to_upstream()"),
        (Mode::TcpClient, _) => Ok(SendTarget::Peer),
        (Mode::TcpServer, Some(client)) => Ok(SendTarget::Clients(vec![client])),
        (Mode::Udp, _) => Ok(SendTarget::Datagram(Some(RemoteTarget {
            host: peer.who.addr.ip().to_string(),
            port: peer.who.addr.port(),
        }))),
        _ => error("this peer cannot be sent to"),
    }
}

/// A send of `data` (a blob as it is, a string in the tab's encoding) to `to`.
fn send_command(outbox: &Outbox, data: Dynamic, to: SendTarget) -> Fallible<Command> {
    let (bytes, written_in) = payload(data, outbox.encoding)?;
    Ok(Command::Send {
        bytes,
        to,
        origin: SendOrigin::Script(written_in),
    })
}

fn payload(data: Dynamic, encoding: TextEncoding) -> Fallible<(Vec<u8>, WrittenIn)> {
    if data.is_blob() {
        return Ok((data.cast::<Blob>(), None));
    }
    if data.is_string() {
        let text = data.into_immutable_string()?;
        return match encoding.encode(&text) {
            Ok(bytes) => Ok((bytes.into_owned(), Some(encoding))),
            Err(encode_error) => error(encode_error.to_string()),
        };
    }
    error(format!(
        "send takes a blob or a string, not {}",
        data.type_name()
    ))
}

fn register_sends(engine: &mut Engine, outbox: &Rc<Outbox>) {
    let tab = Rc::clone(outbox);
    engine.register_fn("send", move |data: Dynamic| {
        let to = match tab.mode {
            Mode::TcpClient => SendTarget::Peer,
            Mode::TcpServer => SendTarget::Clients(Vec::new()),
            Mode::Udp => SendTarget::Datagram(None),
            Mode::Relay => return error("send() does not work in the relay"),
        };
        let command = send_command(&tab, data, to)?;
        tab.put(ScriptOutput::Command(command))
    });
    let tab = Rc::clone(outbox);
    engine.register_fn("send_to", move |host: &str, port: i64, data: Dynamic| {
        if tab.mode != Mode::Udp {
            return error("send_to() works only in a UDP tab");
        }
        let Ok(port) = u16::try_from(port) else {
            return error(format!("{port} is not a port (0 to 65535)"));
        };
        // An address, not a name: a name per send would be a lookup per send.
        if host.parse::<std::net::IpAddr>().is_err() {
            return error(format!("send_to() takes an IP address, not '{host}'"));
        }
        let to = SendTarget::Datagram(Some(RemoteTarget {
            host: host.to_owned(),
            port,
        }));
        let command = send_command(&tab, data, to)?;
        tab.put(ScriptOutput::Command(command))
    });
}

/// How long `ms` milliseconds are, if they are within reason.
fn wait_of(ms: i64, shortest: Duration) -> Fallible<Duration> {
    let wait = u64::try_from(ms).map(Duration::from_millis);
    match wait {
        Ok(wait) if wait >= shortest && wait <= LONGEST_WAIT => Ok(wait),
        _ => error(format!(
            "{ms} ms is not a wait from {} ms to a day",
            shortest.as_millis()
        )),
    }
}

fn add_timer(outbox: &Outbox, wait: Duration, due: Due) -> Fallible<i64> {
    let added = outbox.timers.borrow_mut().add(Instant::now() + wait, due);
    added.or_else(error)
}

fn register_timers(engine: &mut Engine, outbox: &Rc<Outbox>) {
    // `every` repeats (every at least a millisecond), `after` runs once; either calls a
    // function by name, or a closure with what it captured.
    for (name, repeats) in [("every", true), ("after", false)] {
        let tab = Rc::clone(outbox);
        let timer = move |ms: i64, callee: Callee| {
            let shortest = if repeats {
                SHORTEST_PERIOD
            } else {
                Duration::ZERO
            };
            let wait = wait_of(ms, shortest)?;
            let every = repeats.then_some(wait);
            add_timer(&tab, wait, Due::Call { callee, every })
        };
        let named = timer.clone();
        engine.register_fn(name, move |ms: i64, handler: &str| {
            named(ms, Callee::Named(handler.to_owned()))
        });
        engine.register_fn(name, move |ms: i64, pointer: FnPtr| {
            let callee = if pointer.is_anonymous() || !pointer.curry().is_empty() {
                Callee::Closure(pointer)
            } else {
                Callee::Named(pointer.fn_name().to_owned())
            };
            timer(ms, callee)
        });
    }
    let tab = Rc::clone(outbox);
    engine.register_fn("cancel", move |id: i64| tab.timers.borrow_mut().cancel(id));
}

fn encoding_named(label: &str) -> Fallible<TextEncoding> {
    match TextEncoding::from_label(label) {
        Some(encoding) => Ok(encoding),
        None => error(format!("no encoding is called '{label}'")),
    }
}

fn encoded(text: &str, encoding: TextEncoding) -> Fallible<Blob> {
    match encoding.encode(text) {
        Ok(bytes) => Ok(bytes.into_owned()),
        Err(encode_error) => error(encode_error.to_string()),
    }
}

fn register_codec(engine: &mut Engine, tab_encoding: TextEncoding) {
    engine
        .register_fn("hex", |bytes: Blob| codec::to_spaced_hex(&bytes))
        .register_fn("unhex", |text: &str| -> Fallible<Blob> {
            match codec::parse_hex(text) {
                Ok(bytes) => Ok(bytes),
                Err(hex_error) => error(hex_error.to_string()),
            }
        })
        .register_fn("text", move |bytes: Blob| {
            tab_encoding.decode(&bytes).into_owned()
        })
        .register_fn("text", |bytes: Blob, label: &str| -> Fallible<String> {
            Ok(encoding_named(label)?.decode(&bytes).into_owned())
        })
        .register_fn("bytes", move |text: &str| encoded(text, tab_encoding))
        .register_fn("bytes", |text: &str, label: &str| -> Fallible<Blob> {
            encoded(text, encoding_named(label)?)
        });
    let checksums = [
        ("sum8", Checksum::Sum8),
        ("xor8", Checksum::Xor8),
        ("crc16_modbus", Checksum::Crc16Modbus),
        ("crc16_ccitt", Checksum::Crc16CcittFalse),
        ("crc32", Checksum::Crc32),
    ];
    for (name, checksum) in checksums {
        engine.register_fn(name, move |bytes: Blob| i64::from(checksum.value(&bytes)));
    }
}

/// The `N` bytes of `bytes` at `at`, or what is wrong.
fn bytes_at<const N: usize>(bytes: &Blob, at: i64, name: &str) -> Fallible<[u8; N]> {
    let slice = usize::try_from(at)
        .ok()
        .and_then(|start| bytes.get(start..start.checked_add(N)?));
    match slice.and_then(|slice| <[u8; N]>::try_from(slice).ok()) {
        Some(array) => Ok(array),
        None => error(format!(
            "{name}: {N} bytes at {at} are past the end ({} bytes)",
            bytes.len()
        )),
    }
}

/// Registers a reader `name(blob, at)` and an appender `blob.put_name(value)` for one
/// integer type in one byte order.
macro_rules! integer {
    ($engine:expr, $name:literal, $put:literal, $type:ty, $from:ident, $to:ident) => {
        $engine.register_fn($name, |bytes: Blob, at: i64| {
            bytes_at::<{ size_of::<$type>() }>(&bytes, at, $name)
                .map(|array| i64::from(<$type>::$from(array)))
        });
        $engine.register_fn($put, |bytes: &mut Blob, value: i64| {
            let Ok(value) = <$type>::try_from(value) else {
                return error(format!("{}: {value} does not fit", $put));
            };
            bytes.extend_from_slice(&value.$to());
            Ok(())
        });
    };
}

macro_rules! float {
    ($engine:expr, $name:literal, $put:literal, $type:ty, $from:ident, $to:ident) => {
        $engine.register_fn($name, |bytes: Blob, at: i64| {
            bytes_at::<{ size_of::<$type>() }>(&bytes, at, $name)
                .map(|array| f64::from(<$type>::$from(array)))
        });
        $engine.register_fn($put, |bytes: &mut Blob, value: f64| {
            // A float narrows to f32 as the protocol's field would.
            #[allow(clippy::cast_possible_truncation)]
            bytes.extend_from_slice(&(value as $type).$to());
        });
    };
}

fn register_numbers(engine: &mut Engine) {
    integer!(
        engine,
        "u16_be",
        "put_u16_be",
        u16,
        from_be_bytes,
        to_be_bytes
    );
    integer!(
        engine,
        "u16_le",
        "put_u16_le",
        u16,
        from_le_bytes,
        to_le_bytes
    );
    integer!(
        engine,
        "i16_be",
        "put_i16_be",
        i16,
        from_be_bytes,
        to_be_bytes
    );
    integer!(
        engine,
        "i16_le",
        "put_i16_le",
        i16,
        from_le_bytes,
        to_le_bytes
    );
    integer!(
        engine,
        "u32_be",
        "put_u32_be",
        u32,
        from_be_bytes,
        to_be_bytes
    );
    integer!(
        engine,
        "u32_le",
        "put_u32_le",
        u32,
        from_le_bytes,
        to_le_bytes
    );
    integer!(
        engine,
        "i32_be",
        "put_i32_be",
        i32,
        from_be_bytes,
        to_be_bytes
    );
    integer!(
        engine,
        "i32_le",
        "put_i32_le",
        i32,
        from_le_bytes,
        to_le_bytes
    );
    float!(
        engine,
        "f32_be",
        "put_f32_be",
        f32,
        from_be_bytes,
        to_be_bytes
    );
    float!(
        engine,
        "f32_le",
        "put_f32_le",
        f32,
        from_le_bytes,
        to_le_bytes
    );
    float!(
        engine,
        "f64_be",
        "put_f64_be",
        f64,
        from_be_bytes,
        to_be_bytes
    );
    float!(
        engine,
        "f64_le",
        "put_f64_le",
        f64,
        from_le_bytes,
        to_le_bytes
    );
    engine.register_fn("now_ms", || {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since.map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
    });
    engine.register_fn("random", |low: i64, high: i64| {
        if low > high {
            return error(format!(
                "random({low}, {high}): the low end is above the high"
            ));
        }
        Ok(fastrand::i64(low..=high))
    });
}
