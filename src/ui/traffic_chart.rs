//! The traffic chart under the log: RX and TX bytes (or messages) a second over the last
//! minutes, for the session or one peer, and each peer's request → reply times. It reads the
//! session's per-second counts, never the log.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use egui_plot::{Line, LineStyle, Plot, PlotPoints};

use super::command::Requests;
use crate::i18n::{Language, tr};
use crate::session::{ReplyTimes, Sample, Session};
use crate::tab::ChartFields;
use crate::tab::TabAction;
use crate::units::group_digits;

/// The spans offered, in seconds.
const SPANS: [u64; 3] = [60, 300, 600];

/// Peers in the reply-time table at most (the most recently active).
const TABLE_ROWS: usize = 8;

/// Draws the chart; returns whether it will look different in a second (traffic in its span
/// or in the second now running), so an idle chart asks for no frames.
pub fn show(
    ui: &mut egui::Ui,
    session: &Session,
    fields: &mut ChartFields,
    lang: Language,
    requests: &mut Requests,
) -> bool {
    let peers = session.traffic.peers();
    if fields.peer.is_some_and(|peer| !peers.contains(&peer)) {
        fields.peer = None;
    }
    controls(ui, fields, &peers, lang);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    // The second now running is not over: it would always look like a drop.
    let to = now.saturating_sub(1);
    // A span from a damaged settings file is held to what the history has.
    let span = fields.span_secs.clamp(1, crate::session::HISTORY_SECONDS);
    let from = to.saturating_sub(span - 1);
    let series = match fields.peer {
        Some(peer) => session.traffic.peer(peer),
        None => Some(session.traffic.session()),
    };
    let mut samples = series.map_or_else(Vec::new, |series| series.window(from, now));
    let moving = samples.iter().any(|sample| *sample != Sample::default());
    samples.pop();
    let pick = |sample: &Sample, rx: bool| {
        let value = match (fields.messages, rx) {
            (false, true) => sample.rx_bytes,
            (false, false) => sample.tx_bytes,
            (true, true) => sample.rx_messages,
            (true, false) => sample.tx_messages,
        };
        value as f64
    };
    let points = |rx: bool| -> PlotPoints<'static> {
        samples
            .iter()
            .enumerate()
            .map(|(at, sample)| {
                let ago = at as f64 - (samples.len() as f64 - 1.0);
                [ago, pick(sample, rx)]
            })
            .collect()
    };
    let unit = if fields.messages {
        tr!(lang, "chart.messages_per_second")
    } else {
        tr!(lang, "chart.bytes_per_second")
    };
    let colors = (ui.visuals().warn_fg_color, ui.visuals().hyperlink_color);
    // The key above the plot, not a legend on it: a legend sits on the newest data.
    ui.horizontal(|ui| {
        ui.colored_label(colors.1, "—— RX");
        ui.colored_label(colors.0, "- - TX");
    });
    // Quiet, the y axis runs from 0 to 1, not around 0 into negative rates.
    let top = samples
        .iter()
        .flat_map(|sample| [pick(sample, true), pick(sample, false)])
        .fold(1.0, f64::max);
    Plot::new(("traffic chart", session.mode))
        .height(150.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .include_y(0.0)
        .include_y(top)
        // The panel's fill is behind it already: a second fill of the plot's area cost a
        // fifth more of llvmpipe's pixel work per frame under a flood (a real window).
        .show_background(false)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(|input| one_two_five(&input)))
        .x_axis_label(tr!(lang, "chart.seconds_ago"))
        .y_axis_label(unit.into_owned())
        .show(ui, |plot| {
            plot.line(Line::new("RX", points(true)).color(colors.1));
            // Dashed, so RX equal to TX still shows under it.
            let tx = Line::new("TX", points(false)).color(colors.0);
            plot.line(tx.style(LineStyle::dashed_dense()));
        });
    if reply_table(ui, session, &peers, lang) {
        requests.tab(TabAction::ResetReplyTimes);
    }
    moving
}

fn controls(ui: &mut egui::Ui, fields: &mut ChartFields, peers: &[SocketAddr], lang: Language) {
    ui.horizontal_wrapped(|ui| {
        let everyone = tr!(lang, "chart.all_peers");
        let chosen = fields
            .peer
            .map_or(everyone.to_string(), |peer| peer.to_string());
        let label = ui.label(tr!(lang, "chart.peer"));
        egui::ComboBox::from_id_salt("chart peer")
            .selected_text(chosen)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut fields.peer, None, everyone.as_ref());
                for peer in peers {
                    ui.selectable_value(&mut fields.peer, Some(*peer), peer.to_string());
                }
            })
            .response
            .labelled_by(label.id);
        for span in SPANS {
            let text = tr!(lang, "chart.minutes", minutes = span / 60);
            ui.selectable_value(&mut fields.span_secs, span, text);
        }
        ui.selectable_value(&mut fields.messages, false, tr!(lang, "chart.bytes"));
        ui.selectable_value(&mut fields.messages, true, tr!(lang, "chart.messages"));
    });
}

/// Count, min, median, p99 and max of each recent peer's request → reply times; true when
/// the user asked to time them afresh.
fn reply_table(ui: &mut egui::Ui, session: &Session, peers: &[SocketAddr], lang: Language) -> bool {
    let rows: Vec<(SocketAddr, ReplyTimes)> = peers
        .iter()
        .filter_map(|peer| Some((*peer, session.traffic.reply_times(*peer)?)))
        .take(TABLE_ROWS)
        .collect();
    if rows.is_empty() {
        ui.weak(tr!(lang, "chart.no_replies"));
        return false;
    }
    egui::Grid::new(("reply times", session.mode))
        .striped(true)
        .show(ui, |ui| {
            for heading in [
                tr!(lang, "chart.reply_peer"),
                tr!(lang, "chart.replies"),
                tr!(lang, "chart.fastest"),
                tr!(lang, "chart.median"),
                "p99".into(),
                tr!(lang, "chart.slowest"),
            ] {
                ui.strong(heading);
            }
            ui.end_row();
            for (peer, times) in rows {
                ui.monospace(peer.to_string());
                ui.monospace(group_digits(times.count));
                for value in [times.min, times.median, times.p99, times.max] {
                    ui.monospace(milliseconds(value));
                }
                ui.end_row();
            }
        });
    ui.button(tr!(lang, "chart.reset_replies"))
        .on_hover_text(tr!(lang, "chart.reset_replies_hint"))
        .clicked()
}

/// Grid steps of 1, 2 or 5 times a power of ten (the default, powers of ten only, leaves a
/// short chart of 8,000 bytes/s with no line but 0: 1,000 is too dense, 10,000 too far).
fn one_two_five(input: &egui_plot::GridInput) -> [f64; 3] {
    let least = input.base_step_size.abs().max(f64::MIN_POSITIVE);
    let power = 10f64.powf(least.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|mantissa| mantissa * power)
        .find(|step| *step >= least)
        .unwrap_or(10.0 * power);
    [step, step * 5.0, step * 10.0]
}

fn milliseconds(value: Duration) -> String {
    format!("{:.3} ms", value.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(base_step_size: f64) -> [f64; 3] {
        one_two_five(&egui_plot::GridInput {
            bounds: (0.0, 8_200.0),
            base_step_size,
        })
    }

    #[test]
    fn grid_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(steps(730.0), [1_000.0, 5_000.0, 10_000.0]);
        assert_eq!(steps(150.0), [200.0, 1_000.0, 2_000.0]);
        assert_eq!(steps(3.0), [5.0, 25.0, 50.0]);
        assert_eq!(steps(1.0), [1.0, 5.0, 10.0]);
    }
}
