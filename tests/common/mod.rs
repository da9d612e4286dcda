//! Helpers for driving the real App with egui_kittest against real loopback peers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
pub use egui_kittest::kittest::Queryable;
use sockscope::i18n::Language;
use sockscope::session::{Mode, Status};
use sockscope::{App, StartOptions};
use std::net::SocketAddr;

/// How long a background result may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

pub fn app_harness() -> Harness<'static, App> {
    app_harness_with(StartOptions::default())
}

/// The app with `options`; in English unless they name a language, whatever the machine's.
/// The window is 1280×1024, tall enough for every section of the settings panel open at once
/// (the layout at the default size has tests of its own).
pub fn app_harness_with(mut options: StartOptions) -> Harness<'static, App> {
    options.language = options.language.or(Some(Language::English));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 1024.0))
        .build_eframe(move |cc| App::new(cc, &options));
    harness.step();
    harness
}

/// Steps frames until `done` holds, failing with `what` (and what the screen shows) at the deadline.
///
/// The intake threads change sessions between frames, so a condition read from a session can
/// hold before any frame has drawn it: two more frames let the UI take it in (one to see it,
/// one for what it asked for then, such as focus).
pub fn step_until(
    harness: &mut Harness<'_, App>,
    what: &str,
    done: impl FnMut(&Harness<'_, App>) -> bool,
) {
    step_until_within(harness, what, DEADLINE, done);
}

/// How long files may take to complete: writing megabytes waits for the disk, and right after a
/// clean build the kernel may be flushing gigabytes of it.
pub const FILE_DEADLINE: Duration = Duration::from_secs(90);

/// [`step_until`] with a deadline of its own.
pub fn step_until_within(
    harness: &mut Harness<'_, App>,
    what: &str,
    limit: Duration,
    mut done: impl FnMut(&Harness<'_, App>) -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        harness.step();
        if done(harness) {
            harness.step();
            harness.step();
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting for: {what}\nscreen:\n{:#?}",
                harness.root()
            );
        }
        // Give the worker threads a moment between frames, as a real frame rate would.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether some widget's label contains `text`.
pub fn shows(harness: &Harness<'_, App>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Replaces a text field's content the way a user does: focus, select all, delete, type; then
/// runs the frame that shows what depends on it (the settings change at the end of the frame
/// that edits them).
pub fn type_into(harness: &mut Harness<'_, App>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.step();
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.step();
    harness.step();
}

pub fn type_field(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    type_into(harness, Role::TextInput, label, text);
}

pub fn type_send_box(harness: &mut Harness<'_, App>, text: &str) {
    type_into(harness, Role::MultilineTextInput, "Send data", text);
}

/// Clicks a widget by its label and runs the frames the click and its outcome take.
pub fn click(harness: &mut Harness<'_, App>, label: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.step();
}

/// Clicks a checkbox by its label: for checkboxes that also name a text field.
pub fn tick(harness: &mut Harness<'_, App>, label: &str) {
    harness.get_by_role_and_label(Role::CheckBox, label).click();
    harness.step();
    harness.step();
}

/// Turns the mouse wheel over the log by `pages` (up is positive); the next frame scrolls.
pub fn wheel_over_log(harness: &mut Harness<'_, App>, pages: f32) {
    harness.event(egui::Event::PointerMoved(egui::pos2(600.0, 400.0)));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Page,
        delta: egui::vec2(0.0, pages),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
}

/// "你好，世界" in GBK.
pub const NIHAO_GBK: &[u8] = &[0xC4, 0xE3, 0xBA, 0xC3, 0xA3, 0xAC, 0xCA, 0xC0, 0xBD, 0xE7];

pub fn listening_port(harness: &Harness<'_, App>) -> Option<u16> {
    match harness.state().tab(Mode::TcpServer).session().status {
        Status::Listening { local } => Some(local.port()),
        _ => None,
    }
}

/// Listens on 127.0.0.1 and an ephemeral port in the TCP Server tab.
pub fn start_server(harness: &mut Harness<'static, App>) -> SocketAddr {
    click(harness, "TCP Server");
    type_field(harness, "Address", "127.0.0.1");
    type_field(harness, "Port", "0");
    click(harness, "Listen");
    step_until(harness, "listening", |h| listening_port(h).is_some());
    let port = listening_port(harness).expect("listening");
    assert!(shows(harness, &format!("Listening on 127.0.0.1:{port}")));
    assert!(
        harness.query_by_label("Stop").is_some(),
        "Listen became Stop"
    );
    SocketAddr::from(([127, 0, 0, 1], port))
}

pub fn relay_port(harness: &Harness<'_, App>) -> Option<u16> {
    match harness.state().tab(Mode::Relay).session().status {
        Status::Listening { local } => Some(local.port()),
        _ => None,
    }
}

/// Starts the Relay tab on 127.0.0.1 and an ephemeral port, toward `upstream`.
pub fn start_relay(harness: &mut Harness<'static, App>, upstream: SocketAddr) -> SocketAddr {
    click(harness, "Relay");
    type_field(harness, "Address", "127.0.0.1");
    type_field(harness, "Port", "0");
    type_field(harness, "Upstream host", "127.0.0.1");
    type_field(harness, "Upstream port", &upstream.port().to_string());
    click(harness, "Listen");
    step_until(harness, "the relay listening", |h| relay_port(h).is_some());
    let port = relay_port(harness).expect("listening");
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Opens the UDP tab on 127.0.0.1 and an ephemeral port.
pub fn open_udp(harness: &mut Harness<'static, App>) -> SocketAddr {
    click(harness, "UDP");
    type_field(harness, "Address", "127.0.0.1");
    type_field(harness, "Port", "0");
    click(harness, "Open");
    step_until(harness, "open", |h| {
        matches!(
            h.state().tab(Mode::Udp).session().status,
            Status::Open { .. }
        )
    });
    let Status::Open { local } = harness.state().tab(Mode::Udp).session().status else {
        unreachable!()
    };
    assert!(
        harness.query_by_label("Close").is_some(),
        "Open became Close"
    );
    local
}

/// Connects the TCP Client tab to a fresh loopback listener; returns the server's side.
pub fn connected_client(harness: &mut Harness<'static, App>) -> std::net::TcpStream {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    type_field(harness, "Port", &port.to_string());
    click(harness, "Connect");
    let (peer, _) = listener.accept().expect("accept");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(harness, "connected", |h| {
        h.state().tab(Mode::TcpClient).can_send()
    });
    peer
}

/// Reads exactly `len` bytes from a peer (within its read timeout).
pub fn read_exactly(peer: &mut std::net::TcpStream, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    std::io::Read::read_exact(peer, &mut bytes).expect("the bytes");
    bytes
}

/// Sends one datagram to the UDP tab at `local` and steps until it is counted: paced by what
/// arrives, so the socket buffer never drops one.
pub fn send_datagram_counted(
    harness: &mut Harness<'_, App>,
    peer: &std::net::UdpSocket,
    local: SocketAddr,
    bytes: &[u8],
) {
    let counted = |h: &Harness<'_, App>| h.state().tab(Mode::Udp).session().counters.rx_messages;
    let before = counted(harness);
    peer.send_to(bytes, local).expect("send");
    step_until(harness, "the datagram counted", |h| counted(h) > before);
}

/// Picks `option` from the combo box labelled `combo`.
pub fn choose(harness: &mut Harness<'_, App>, combo: &str, option: &str) {
    // The option is the node with its label that the popup added, not a same-named button
    // elsewhere in the window (told apart by where it is).
    let before: Vec<_> = harness
        .query_all_by_label(option)
        .map(|node| node.rect())
        .collect();
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    // The popup shows from the frame after the click.
    harness.step();
    harness.step();
    let popup_option = harness
        .query_all_by_label(option)
        .find(|node| !before.contains(&node.rect()));
    popup_option.expect("the option in the popup").click();
    harness.step();
    harness.step();
}

/// Shows the log in the encoding named `name` (as the menu writes it: `GBK`, `Big5`).
pub fn choose_encoding(harness: &mut Harness<'_, App>, name: &str) {
    choose(harness, "Encoding", name);
}

/// Bytes the tab for `mode` has counted as received.
pub fn rx_bytes(harness: &Harness<'_, App>, mode: Mode) -> u64 {
    harness.state().tab(mode).session().counters.rx_bytes
}

/// Bytes the tab for `mode` has counted as sent.
pub fn tx_bytes(harness: &Harness<'_, App>, mode: Mode) -> u64 {
    harness.state().tab(mode).session().counters.tx_bytes
}

/// Opens a folded section of the settings panel by its title, as a user clicks it; an open one
/// stays open.
pub fn unfold(harness: &mut Harness<'_, App>, title: &str) {
    use egui_kittest::kittest::NodeT;
    let expanded = harness
        .get_by_label(title)
        .accesskit_node()
        .data()
        .is_expanded();
    if expanded != Some(true) {
        click(harness, title);
    }
}

/// An in-memory stand-in for eframe's on-disk store (the harness has none).
#[derive(Default)]
pub struct MemoryStorage(pub std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}
