//! Every tab fits every window: at 800×600, 1100×720 and 1920×1080, in both languages and both
//! themes, with real traffic in the log, no control lies outside the window, across a panel's
//! edge or on another control, and no text runs off the window or under a panel.

use std::io::Write as _;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};
use sockscope::App;
use sockscope::i18n::Language;
use sockscope::session::Mode;
use sockscope::ui::command::UiCommand;

use crate::common::*;
use crate::ui_layout::text;

const SIZES: [egui::Vec2; 3] = [
    egui::vec2(800.0, 600.0),
    egui::vec2(1100.0, 720.0),
    egui::vec2(1920.0, 1080.0),
];

/// What a user clicks, ticks, types into or picks from.
fn is_control(role: Role) -> bool {
    matches!(
        role,
        Role::Button
            | Role::CheckBox
            | Role::RadioButton
            | Role::TextInput
            | Role::MultilineTextInput
            | Role::ComboBox
            | Role::SpinButton
            | Role::Slider
            | Role::Link
            | Role::Tab
            | Role::DisclosureTriangle
            | Role::ScrollBar
    )
}

/// A control or a run of text as the frame placed it.
#[derive(Clone, Debug)]
struct Placed {
    role: Role,
    label: String,
    rect: egui::Rect,
    id: NodeId,
    /// In the settings panel, which scrolls.
    in_settings: bool,
}

impl Placed {
    fn overlaps(&self, other: egui::Rect) -> bool {
        let common = self.rect.intersect(other);
        common.is_positive() && common.area() > 1.0
    }
}

fn placed(harness: &Harness<'_, App>, keep: fn(Role) -> bool) -> Vec<Placed> {
    let settings = settings_panel(harness);
    harness
        .query_all(By::new().predicate(move |node| {
            keep(node.role()) && node.bounding_box().is_some_and(|b| b.area() > 0.0)
        }))
        .map(|node| {
            let access = node.accesskit_node();
            Placed {
                id: access.locate().0,
                role: access.role(),
                label: access
                    .label()
                    .or_else(|| access.value())
                    .unwrap_or_default(),
                rect: node.rect(),
                in_settings: settings.is_some_and(|panel| descends(&access, panel)),
            }
        })
        .collect()
}

type NodeId = egui::accesskit::NodeId;

/// The settings panel's node: the window's part that holds the first section's title.
fn settings_panel(harness: &Harness<'_, App>) -> Option<NodeId> {
    let title = harness
        .query_all(By::new().predicate(|node| node.role() == Role::DisclosureTriangle))
        .next()?;
    let mut at = title.accesskit_node();
    while let Some(parent) = at.parent() {
        if parent.role() == Role::Pane {
            return Some(at.locate().0);
        }
        at = parent;
    }
    None
}

fn descends(node: &egui_kittest::kittest::AccessKitNode<'_>, ancestor: NodeId) -> bool {
    let mut at = node.parent();
    while let Some(parent) = at {
        if parent.locate().0 == ancestor {
            return true;
        }
        at = parent.parent();
    }
    false
}

/// What is wrong with the window as the last frame drew it: a control or a run of text past
/// the window's edge, across a panel's edge, or a control on another. The settings panel
/// scrolls: what lies outside its height counts where scrolling to it brings it.
fn faults(harness: &mut Harness<'_, App>, size: egui::Vec2) -> Vec<String> {
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size).expand(0.5);
    let edges: Vec<egui::Rect> = placed(harness, |role| role == Role::Splitter)
        .into_iter()
        .map(|splitter| splitter.rect)
        .collect();
    // The settings panel: left of the leftmost upright edge, as tall as that edge.
    let settings = edges
        .iter()
        .filter(|edge| edge.height() > edge.width())
        .min_by(|a, b| a.min.x.total_cmp(&b.min.x))
        .filter(|edge| edge.min.x < size.x * 0.4)
        .map(|edge| egui::Rect::from_x_y_ranges(0.0..=edge.min.x, edge.y_range()).expand(0.5));
    let room = |item: &Placed| match settings {
        Some(panel) if item.in_settings => panel,
        _ => window,
    };
    let mut faults = Vec::new();
    // Controls in view on one another (before anything scrolls).
    let controls: Vec<Placed> = placed(harness, is_control)
        .into_iter()
        .filter(|control| room(control).contains_rect(control.rect))
        .collect();
    for (n, first) in controls.iter().enumerate() {
        for second in &controls[n + 1..] {
            if first.overlaps(second.rect) {
                let common = first.rect.intersect(second.rect);
                let (a, b) = ((first.role, &first.label), (second.role, &second.label));
                faults.push(format!("{a:?} and {b:?} overlap at {common:?}"));
            }
        }
    }
    let shown = |role| is_control(role) || role == Role::TextRun;
    for item in placed(harness, shown) {
        let room = room(&item);
        let (role, label) = (item.role, &item.label);
        if room.contains_rect(item.rect) {
            if let Some(edge) = edges.iter().find(|&&edge| item.overlaps(edge)) {
                let rect = item.rect;
                faults.push(format!(
                    "{role:?} {label:?} at {rect:?} crosses a panel's edge at {edge:?}"
                ));
            }
            continue;
        }
        let rect = scrolled_to(harness, &item).unwrap_or(item.rect);
        if !room.contains_rect(rect) {
            faults.push(format!(
                "{role:?} {label:?} at {rect:?} is out of reach in {room:?}"
            ));
        }
    }
    faults
}

/// Where `item` is once its scroll area has brought it into view; `None` when nothing moved
/// (it has no such area).
fn scrolled_to(harness: &mut Harness<'_, App>, item: &Placed) -> Option<egui::Rect> {
    let id = item.id;
    // A run of text scrolls with the label that holds it.
    let target = harness
        .query_all(By::new().predicate(move |node| node.locate().0 == id))
        .next()?
        .accesskit_node();
    let scroll_id = match target.role() {
        Role::TextRun => target.parent().map_or(id, |parent| parent.locate().0),
        _ => id,
    };
    harness
        .query_all(By::new().predicate(move |node| node.locate().0 == scroll_id))
        .next()?
        .scroll_to_me();
    // egui scrolls there over a few frames.
    for _ in 0..30 {
        harness.step();
    }
    harness
        .query_all(By::new().predicate(move |node| node.locate().0 == id))
        .next()
        .map(|node| node.rect())
        .filter(|rect| *rect != item.rect)
}

/// Each tab's name, by its key.
const TABS: [&str; 4] = [
    "app.tab.tcp_client",
    "app.tab.tcp_server",
    "app.tab.udp",
    "relay.tab",
];

/// Every tab with traffic in it: a connected TCP client that got GBK text and a binary frame,
/// a server with two clients that each sent a line, a UDP socket that got datagrams, a relay
/// with a pair.
fn busy_app() -> (
    Harness<'static, App>,
    Vec<std::net::TcpStream>,
    std::net::UdpSocket,
) {
    let mut harness = app_harness();
    let mut peers = Vec::new();
    let mut peer = connected_client(&mut harness);
    peer.write_all(NIHAO_GBK).expect("write");
    peer.write_all(&[0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD])
        .expect("write");
    type_send_box(&mut harness, "READ STATUS");
    click(&mut harness, "Send");
    read_exactly(&mut peer, 11);
    peers.push(peer);
    let server = start_server(&mut harness);
    for n in 0..2 {
        let mut client = std::net::TcpStream::connect(server).expect("connect");
        client
            .write_all(format!("client {n} says hello\n").as_bytes())
            .expect("write");
        peers.push(client);
    }
    step_until(&mut harness, "two clients heard", |h| {
        h.state()
            .tab(Mode::TcpServer)
            .session()
            .counters
            .rx_messages
            >= 2
    });
    let local = open_udp(&mut harness);
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    for n in 0..3 {
        send_datagram_counted(
            &mut harness,
            &udp,
            local,
            format!("datagram {n}").as_bytes(),
        );
    }
    // A relay with a pair that spoke both ways.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let relay = start_relay(&mut harness, upstream.local_addr().expect("addr"));
    let mut client = std::net::TcpStream::connect(relay).expect("connect");
    let (mut server, _) = upstream.accept().expect("accept");
    client.write_all(b"GET / HTTP/1.0\r\n\r\n").expect("write");
    server
        .write_all(b"HTTP/1.0 200 OK\r\n\r\nhello")
        .expect("write");
    step_until(&mut harness, "the relay heard both ways", |h| {
        let counters = &h.state().tab(Mode::Relay).session().counters;
        counters.rx_messages >= 1 && counters.tx_messages >= 1
    });
    peers.extend([client, server]);
    (harness, peers, udp)
}

#[test]
fn every_tab_fits_every_window_size_in_both_languages_and_themes() {
    let (mut harness, _peers, _udp) = busy_app();
    let ctx = harness.ctx.clone();
    let mut all = Vec::new();
    for size in SIZES {
        harness.set_size(size);
        for language in Language::ALL {
            harness
                .state_mut()
                .run(&ctx, UiCommand::SetLanguage(language));
            harness.step();
            for theme in [egui::Theme::Dark, egui::Theme::Light] {
                harness
                    .state_mut()
                    .run(&ctx, UiCommand::SetTheme(theme.into()));
                harness.step();
                for tab in TABS {
                    click(&mut harness, &text(language, tab));
                    for _ in 0..10 {
                        harness.step();
                    }
                    // Not a frame of nothing, which would pass whatever its layout.
                    let controls = placed(&harness, is_control).len();
                    assert!(controls > 30, "{size:?} {tab}: {controls} controls");
                    for fault in faults(&mut harness, size) {
                        let code = language.code();
                        all.push(format!("{size:?} {code} {theme:?} {tab}: {fault}"));
                    }
                }
            }
        }
    }
    // The settings panel hidden: the log's row takes Text/Hex/Both too.
    harness.set_size(SIZES[0]);
    click(
        &mut harness,
        &text(Language::SimplifiedChinese, "app.settings_panel"),
    );
    for tab in TABS {
        click(&mut harness, &text(Language::SimplifiedChinese, tab));
        for _ in 0..10 {
            harness.step();
        }
        for fault in faults(&mut harness, SIZES[0]) {
            all.push(format!(
                "{:?} zh-CN, no settings panel, {tab}: {fault}",
                SIZES[0]
            ));
        }
    }
    assert!(all.is_empty(), "{} faults:\n{}", all.len(), all.join("\n"));
}
