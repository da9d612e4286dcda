//! Running the real App headless, at display rate, and measuring its frames and memory.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sockscope::cli::Preset;
use sockscope::i18n::Language;
use sockscope::session::{Mode, Status};
use sockscope::{App, StartOptions};

/// The window's size: a laptop's screen.
const WINDOW: egui::Vec2 = egui::vec2(1280.0, 800.0);

/// A 60 Hz display.
pub const FRAME_PERIOD: Duration = Duration::from_nanos(16_666_667);

pub fn app(preset: Option<Preset>) -> Harness<'static, App> {
    app_with(StartOptions {
        preset,
        ..StartOptions::default()
    })
}

/// The App with `options`; in English unless they name a language (the benchmarks find
/// widgets by their English labels, whatever the machine's language).
pub fn app_with(mut options: StartOptions) -> Harness<'static, App> {
    options.language = options.language.or(Some(Language::English));
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .build_eframe(move |cc| App::new(cc, &options));
    harness.step();
    harness
}

/// The App with its TCP Server tab listening on an ephemeral loopback port.
pub fn tcp_server_app() -> (Harness<'static, App>, SocketAddr) {
    tcp_server_app_with(StartOptions::default())
}

/// [`tcp_server_app`] started with `options` besides the preset.
pub fn tcp_server_app_with(options: StartOptions) -> (Harness<'static, App>, SocketAddr) {
    let mut harness = app_with(StartOptions {
        preset: Some(Preset::TcpServer(loopback(0))),
        ..options
    });
    let mut frames = Frames::default();
    frames.run_until(&mut harness, Duration::from_secs(10), |h| {
        matches!(
            h.state().tab(Mode::TcpServer).session().status,
            Status::Listening { .. }
        )
    });
    let Status::Listening { local } = harness.state().tab(Mode::TcpServer).session().status else {
        panic!("the TCP Server tab did not start listening");
    };
    (harness, local)
}

/// The App with its UDP tab open on an ephemeral loopback port.
pub fn udp_app() -> (Harness<'static, App>, SocketAddr) {
    let preset = Preset::Udp {
        local: loopback(0),
        to: None,
        broadcast: false,
        join: Vec::new(),
    };
    let mut harness = app(Some(preset));
    let mut frames = Frames::default();
    frames.run_until(&mut harness, Duration::from_secs(10), |h| {
        matches!(
            h.state().tab(Mode::Udp).session().status,
            Status::Open { .. }
        )
    });
    let Status::Open { local } = harness.state().tab(Mode::Udp).session().status else {
        panic!("the UDP tab did not open");
    };
    (harness, local)
}

/// Clicks the checkbox `label` in the settings panel's section `section`, unfolding the
/// section first as a user does (the tests' `unfold`). This window is shorter than the
/// tests' (1280×800, not ×1024), so each is scrolled into view before it is clicked.
pub fn click_checkbox_in_section(harness: &mut Harness<'static, App>, section: &str, label: &str) {
    scroll_into_view(harness, Role::DisclosureTriangle, section);
    crate::common::unfold(harness, section);
    scroll_into_view(harness, Role::CheckBox, label);
    harness.get_by_role_and_label(Role::CheckBox, label).click();
    harness.step();
}

/// Scrolls the widget `label` into its panel's view (nothing moves if it shows already) and
/// steps frames until it has stopped moving.
fn scroll_into_view(harness: &mut Harness<'static, App>, role: Role, label: &str) {
    let rect = |h: &Harness<'_, App>| h.get_by_role_and_label(role, label).rect();
    harness.get_by_role_and_label(role, label).scroll_to_me();
    let mut last = None;
    let what = format!("{label:?} scrolled into view");
    crate::common::step_until(harness, &what, |h| {
        let now = rect(h);
        last.replace(now) == Some(now)
    });
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, WINDOW);
    assert!(
        window.contains_rect(rect(harness)),
        "{label:?} is outside the window after scrolling to it"
    );
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Frame times of one run.
#[derive(Default)]
pub struct Frames {
    times: Vec<Duration>,
}

impl Frames {
    /// Steps one frame, then waits for the next display refresh. Returns the frame's time.
    pub fn step(&mut self, harness: &mut Harness<'static, App>) -> Duration {
        let start = Instant::now();
        harness.step();
        let took = start.elapsed();
        self.record(took);
        if let Some(rest) = FRAME_PERIOD.checked_sub(took) {
            std::thread::sleep(rest);
        }
        took
    }

    /// Steps frames at display rate until `done` holds; panics past `limit`.
    pub fn run_until(
        &mut self,
        harness: &mut Harness<'static, App>,
        limit: Duration,
        mut done: impl FnMut(&Harness<'static, App>) -> bool,
    ) {
        let deadline = Instant::now() + limit;
        while !done(harness) {
            assert!(Instant::now() < deadline, "timed out after {limit:?}");
            self.step(harness);
        }
        // A condition read from a session can hold before a frame drew it (the intake thread
        // changes sessions between frames), as in the tests' step_until.
        self.step(harness);
        self.step(harness);
    }

    /// Steps frames at display rate for `span`.
    pub fn run_for(&mut self, harness: &mut Harness<'static, App>, span: Duration) {
        let end = Instant::now() + span;
        while Instant::now() < end {
            self.step(harness);
        }
    }

    pub fn record(&mut self, took: Duration) {
        self.times.push(took);
    }

    pub fn count(&self) -> usize {
        self.times.len()
    }

    /// The `q` quantile (0.5, 0.99, 1.0) in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.times.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index].as_secs_f64() * 1000.0
    }

    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "frames": self.count(),
            "p50_ms": self.quantile_ms(0.5),
            "p99_ms": self.quantile_ms(0.99),
            "max_ms": self.quantile_ms(1.0),
        })
    }
}

/// This process's resident memory in bytes (Linux; `None` elsewhere).
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
