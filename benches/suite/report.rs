//! The suite's table and its JSON: one row per figure, with its baseline and ratio when it
//! has one.

use std::fmt::Write as _;

/// One measured figure.
pub struct Row {
    pub benchmark: String,
    /// What the same run measured without Sockscope, if this figure has a baseline.
    pub baseline: Option<String>,
    pub measured: String,
    /// measured / baseline, when both are rates.
    pub ratio: Option<f64>,
    pub target: String,
    /// Whether the target was met; `None` for figures that are only reported.
    pub met: Option<bool>,
}

pub struct Report {
    rows: Vec<Row>,
    figures: serde_json::Map<String, serde_json::Value>,
    /// A short run's sizes say nothing about the targets: its rows get no verdict.
    short: bool,
}

impl Report {
    pub fn new(short: bool) -> Self {
        Self {
            rows: Vec::new(),
            figures: serde_json::Map::new(),
            short,
        }
    }

    pub fn row(&mut self, mut row: Row) {
        if self.short {
            row.met = None;
        }
        println!("  {}: {} {}", row.benchmark, row.measured, verdict(row.met));
        self.rows.push(row);
    }

    /// Keeps the raw figures of one benchmark for target/bench-results.json.
    pub fn figures(&mut self, name: &str, figures: serde_json::Value) {
        self.figures.insert(name.to_owned(), figures);
    }

    pub fn table(&self) -> String {
        let header = ["benchmark", "baseline", "sockscope", "ratio", "target", ""];
        let cells: Vec<[String; 6]> = self
            .rows
            .iter()
            .map(|row| {
                [
                    row.benchmark.clone(),
                    row.baseline.clone().unwrap_or_else(|| "—".to_owned()),
                    row.measured.clone(),
                    row.ratio
                        .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                    row.target.clone(),
                    verdict(row.met).to_owned(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            let _ = writeln!(out, "| {} |", padded.join(" | ").trim_end());
        };
        line(&mut out, &header.map(str::to_owned));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for row in &cells {
            line(&mut out, row);
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.figures.clone())
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "NOT met",
        None => "",
    }
}

/// Rates and sizes as the table shows them.
pub fn mib_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds / (1024.0 * 1024.0)
}

pub fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// A benchmark's size in bytes: whole GiB, else MiB.
pub fn size(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GiB", bytes / GIB)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// A count as the table shows it: 2M, 100k, 500.
pub fn count(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}
