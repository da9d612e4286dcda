//! Repaints for arriving data, at a bounded rate.
//!
//! Every frame redraws the whole window, and in a software-rendered window (a VM, remote
//! desktop) a frame costs milliseconds of CPU. So arrivals ask for a frame at most `max_fps`
//! times a second: the first arrival after a quiet spell is drawn at once, a stream is drawn
//! at the cap. And never with a zero delay: egui answers a zero-delay request with two frames
//! ("to give some things time to settle"), the second showing nothing new.
//!
//! During a flood (more than [`FLOOD_RATE`] arriving, or more than the app takes in), frames
//! come at most every [`BUSY_INTERVAL`]: in a software-rendered window each frame takes CPU
//! from taking the data in, and a log scrolling by too fast to read gains nothing from more.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The shortest delay asked for: egui turns a zero delay into two frames.
const LEAST_DELAY: Duration = Duration::from_micros(1);

const NO_FRAME: u64 = u64::MAX;

/// The longest wait between frames during a flood.
pub const BUSY_INTERVAL: Duration = Duration::from_millis(100);

/// Received bytes a second above which data is a flood: some hundred thousand lines a second.
pub const FLOOD_RATE: u64 = 16 * 1024 * 1024;

/// The default cap on frames a second drawn for arriving data.
pub const DEFAULT_MAX_FPS: u32 = 30;

/// The range of caps offered.
pub const MAX_FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

pub struct RepaintPacer {
    ctx: egui::Context,
    /// The time base of `last_frame_us`.
    epoch: Instant,
    /// When the last drawn frame began, in µs since `epoch`; [`NO_FRAME`] before the first.
    last_frame_us: AtomicU64,
    max_fps: AtomicU32,
    /// A flood: frames at most every [`BUSY_INTERVAL`].
    busy: AtomicBool,
}

impl RepaintPacer {
    pub fn new(ctx: egui::Context, max_fps: u32) -> Arc<Self> {
        let pacer = Self {
            ctx,
            epoch: Instant::now(),
            last_frame_us: AtomicU64::new(NO_FRAME),
            max_fps: AtomicU32::new(DEFAULT_MAX_FPS),
            busy: AtomicBool::new(false),
        };
        pacer.set_max_fps(max_fps);
        Arc::new(pacer)
    }

    /// Something arrived: asks for a frame as soon as the cap allows.
    pub fn wake(&self) {
        self.ctx.request_repaint_after(self.delay());
    }

    /// How long until the cap allows the next frame.
    fn delay(&self) -> Duration {
        let last = self.last_frame_us.load(Ordering::Relaxed);
        if last == NO_FRAME {
            return LEAST_DELAY;
        }
        let due = Duration::from_micros(last) + self.interval();
        due.saturating_sub(self.epoch.elapsed()).max(LEAST_DELAY)
    }

    /// A frame is being drawn.
    pub fn frame_began(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(NO_FRAME - 1);
        self.last_frame_us.store(now, Ordering::Relaxed);
    }

    pub fn max_fps(&self) -> u32 {
        self.max_fps.load(Ordering::Relaxed)
    }

    pub fn set_max_fps(&self, fps: u32) {
        let fps = fps.clamp(*MAX_FPS_RANGE.start(), *MAX_FPS_RANGE.end());
        self.max_fps.store(fps, Ordering::Relaxed);
    }

    /// Whether a flood arrives (see [`FloodGauge`]).
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    fn interval(&self) -> Duration {
        let capped = Duration::from_secs(1) / self.max_fps().max(1);
        if self.busy.load(Ordering::Relaxed) {
            capped.max(BUSY_INTERVAL)
        } else {
            capped
        }
    }
}

/// Tells a flood from the received-byte count, looked at once a frame by the UI thread.
#[derive(Default)]
pub struct FloodGauge {
    /// When the count was last looked at, and what it was.
    last: Option<(Instant, u64)>,
    flooding: bool,
}

/// The shortest span a rate is measured over: frames can come closer together than that.
const GAUGE_SPAN: Duration = Duration::from_millis(50);

impl FloodGauge {
    /// Whether data floods in, given all bytes received so far (counters may be reset: a
    /// smaller count starts over) and whether the app is behind taking them in.
    pub fn flooding(&mut self, now: Instant, received: u64, behind: bool) -> bool {
        match self.last {
            Some((at, before)) if now.duration_since(at) < GAUGE_SPAN && received >= before => {}
            Some((at, before)) => {
                let bytes = received.saturating_sub(before);
                let span = now.duration_since(at).as_secs_f64();
                self.flooding = bytes as f64 > FLOOD_RATE as f64 * span;
                self.last = Some((now, received));
            }
            None => self.last = Some((now, received)),
        }
        behind || self.flooding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_outside_the_range_is_clamped() {
        let pacer = RepaintPacer::new(egui::Context::default(), 0);
        assert_eq!(pacer.max_fps(), 1);
        pacer.set_max_fps(10_000);
        assert_eq!(pacer.max_fps(), 120);
        assert_eq!(pacer.interval(), Duration::from_secs(1) / 120);
    }

    /// Runs passes until egui wants no more; returns how many ran.
    fn settle(ctx: &egui::Context) -> usize {
        let mut passes = 0;
        while ctx.has_requested_repaint() || passes == 0 {
            let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
            // Nothing paints here: the deltas are dropped on purpose.
            output.textures_delta.clear();
            passes += 1;
            assert!(passes < 10, "egui keeps asking for frames");
        }
        passes
    }

    #[test]
    fn an_arrival_is_drawn_by_one_frame_where_a_plain_request_takes_two() {
        let ctx = egui::Context::default();
        settle(&ctx);
        ctx.request_repaint();
        assert_eq!(settle(&ctx), 2, "egui's own answer to a zero-delay request");
        let pacer = RepaintPacer::new(ctx.clone(), DEFAULT_MAX_FPS);
        pacer.wake();
        assert!(ctx.has_requested_repaint());
        assert_eq!(settle(&ctx), 1);
    }

    #[test]
    fn arrivals_right_after_a_frame_wait_for_the_cap() {
        let pacer = RepaintPacer::new(egui::Context::default(), 10);
        assert_eq!(pacer.delay(), LEAST_DELAY, "no frame yet: at once");
        pacer.frame_began();
        let delay = pacer.delay();
        assert!(
            delay > Duration::from_millis(90) && delay <= Duration::from_millis(100),
            "{delay:?}"
        );
    }

    #[test]
    fn a_flood_is_told_by_its_rate() {
        let mut gauge = FloodGauge::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert!(!gauge.flooding(at(0), 0, false));
        // 1 MiB in 100 ms is 10 MiB/s: a stream, not a flood.
        assert!(!gauge.flooding(at(100), 1 << 20, false));
        // 4 MiB more in 100 ms is 40 MiB/s.
        assert!(gauge.flooding(at(200), 5 << 20, false));
        // Looked at again within the span: the last verdict holds.
        assert!(gauge.flooding(at(210), 5 << 20, false));
        // Quiet again.
        assert!(!gauge.flooding(at(400), 5 << 20, false));
        // Counters reset: no flood from a smaller count.
        assert!(!gauge.flooding(at(500), 10, false));
        // Behind is a flood whatever the rate.
        assert!(gauge.flooding(at(600), 10, true));
    }

    #[test]
    fn a_busy_app_draws_at_most_every_busy_interval() {
        let pacer = RepaintPacer::new(egui::Context::default(), 60);
        pacer.frame_began();
        assert!(pacer.delay() <= Duration::from_secs(1) / 60);
        pacer.set_busy(true);
        assert!(pacer.delay() > BUSY_INTERVAL - Duration::from_millis(10));
        pacer.set_busy(false);
        assert!(pacer.delay() <= Duration::from_secs(1) / 60);
    }
}
