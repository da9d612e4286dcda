//! Repaints for arriving data, at a bounded rate.
//!
//! Every frame redraws the whole window, and in a software-rendered window (a VM, remote
//! desktop) a frame costs milliseconds of CPU. So arrivals ask for a frame at most `max_fps`
//! times a second: the first arrival after a quiet spell is drawn at once, a stream is drawn
//! at the cap. And never with a zero delay: egui answers a zero-delay request with two frames
//! ("to give some things time to settle"), the second showing nothing new.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The shortest delay asked for: egui turns a zero delay into two frames.
const LEAST_DELAY: Duration = Duration::from_micros(1);

const NO_FRAME: u64 = u64::MAX;

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
}

impl RepaintPacer {
    pub fn new(ctx: egui::Context, max_fps: u32) -> Arc<Self> {
        let pacer = Self {
            ctx,
            epoch: Instant::now(),
            last_frame_us: AtomicU64::new(NO_FRAME),
            max_fps: AtomicU32::new(DEFAULT_MAX_FPS),
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

    fn interval(&self) -> Duration {
        Duration::from_secs(1) / self.max_fps().max(1)
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
}
