//! The log view holding 10,000,000 entries (100,000 in a short run): frame times at the
//! bottom, scrolled up, and under a filter; and the memory each entry costs beyond its payload.

use std::time::{Duration, Instant, SystemTime};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sockscope::App;
use sockscope::session::{EntryKind, LogEntry, Mode};

use crate::app_run::{Frames, app, resident_bytes};
use crate::common::wheel_over_log;
use crate::report::{Report, Row, count};

/// Frames measured in each position.
const FRAMES: usize = 60;

fn frames(
    harness: &mut Harness<'static, App>,
    all: &mut Frames,
    mut between: impl FnMut(&mut Harness<'static, App>),
) -> Frames {
    let mut these = Frames::default();
    for _ in 0..FRAMES {
        between(harness);
        let took = these.step(harness);
        all.record(took);
    }
    these
}

pub fn run(report: &mut Report) {
    // The entries are "datagram 0" on; each filter matches 111 of them (N, N0–N9, N00–N99).
    let (entries, filter) = crate::sized((10_000_000, "datagram 99999"), (100_000, "datagram 999"));
    let mut harness = app(None);
    harness.get_by_label("UDP").click();
    harness.step();
    // A log of a TiB: nothing is evicted.
    harness
        .state_mut()
        .tab_mut(Mode::Udp)
        .edit_settings(|settings| settings.memory_cap_mib = "1048576".into());
    harness
        .state_mut()
        .act(Mode::Udp, sockscope::tab::TabAction::ApplyMemoryCap);
    let tab = harness.state_mut().tab_mut(Mode::Udp);
    let peer = "127.0.0.1:9".parse().ok();
    let before = resident_bytes();
    let mut payload_bytes = 0;
    let fill = Instant::now();
    // In parts, each handed to the session's host at once.
    const PART: u64 = 100_000;
    for start in (0..entries).step_by(PART as usize) {
        let part = (start..entries.min(start + PART))
            .map(|n| {
                let payload = format!("datagram {n}").into_bytes();
                payload_bytes += payload.len() as u64;
                LogEntry::new(SystemTime::now(), peer, EntryKind::Rx(payload))
            })
            .collect();
        tab.load_entries(part);
    }
    let fill = fill.elapsed();
    let after = resident_bytes();
    let overhead = match (before, after) {
        (Some(before), Some(after)) => {
            Some((after.saturating_sub(before) as f64 - payload_bytes as f64) / entries as f64)
        }
        _ => None,
    };
    let mut all = Frames::default();
    let bottom = frames(&mut harness, &mut all, |_| {});
    let scrolled = frames(&mut harness, &mut all, |h| wheel_over_log(h, 3.0));
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Filter")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Filter")
        .type_text(filter);
    let mut filtering = Frames::default();
    filtering.run_until(&mut harness, Duration::from_secs(120), |h| {
        h.query_all_by_label_contains("entries match")
            .next()
            .is_some()
    });
    let filtered = frames(&mut harness, &mut all, |h| wheel_over_log(h, 0.2));
    let expected = format!(
        "111 of {} entries match",
        sockscope::units::group_digits(entries)
    );
    let matched = harness
        .query_all_by_label_contains(&expected)
        .next()
        .is_some();
    assert!(matched, "the filter found the 111 entries");

    let p99 = all.quantile_ms(0.99);
    report.row(Row {
        benchmark: format!("Log view with {} entries: frame time", count(entries)),
        baseline: None,
        measured: format!(
            "p99 {p99:.1} ms (bottom {:.1}, scrolling {:.1}, filtered {:.1}; filter built over {} frames, worst {:.1} ms)",
            bottom.quantile_ms(0.99),
            scrolled.quantile_ms(0.99),
            filtered.quantile_ms(0.99),
            filtering.count(),
            filtering.quantile_ms(1.0),
        ),
        ratio: None,
        target: "p99 ≤ 8 ms".to_owned(),
        met: Some(p99 <= 8.0 && filtering.quantile_ms(0.99) <= 8.0),
    });
    report.row(Row {
        benchmark: format!("Log view with {} entries: memory per entry", count(entries)),
        baseline: None,
        measured: overhead.map_or_else(
            || "not measured (no /proc here)".to_owned(),
            |bytes| {
                format!(
                    "{bytes:.0} B + payload (filled in {:.1} s)",
                    fill.as_secs_f64()
                )
            },
        ),
        ratio: None,
        target: "≤ 64 B + payload".to_owned(),
        met: overhead.map(|bytes| bytes <= 64.0),
    });
    report.figures(
        "log_scale",
        serde_json::json!({
            "entries": entries,
            "payload_bytes": payload_bytes,
            "overhead_bytes_per_entry": overhead,
            "fill_s": fill.as_secs_f64(),
            "frames": all.summary(),
            "bottom": bottom.summary(),
            "scrolling": scrolled.summary(),
            "filter_building": filtering.summary(),
            "filtered": filtered.summary(),
        }),
    );
}
