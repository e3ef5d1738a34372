//! Reports of one run: readable text, the summary as JSON, and one
//! self-contained HTML page (inline CSS and SVG, no script, no external
//! asset) with summary tables and a task timeline.

mod html;
mod text;

use std::path::Path;

use crate::error::Result;
use crate::read::{Run, load};
use crate::summary::{Summary, TaskRecord, apply_resource_peaks, summarize_with, task_records};

/// A run read from disk with its task records and summary.
#[derive(Debug, Clone)]
pub struct Report {
    /// The run.
    pub run: Run,
    /// One record per task, in order of first appearance.
    pub records: Vec<TaskRecord>,
    /// The summary.
    pub summary: Summary,
}

impl Report {
    /// Reads the run in `dir` and summarises it.
    pub fn load(dir: &Path) -> Result<Report> {
        Ok(Report::from_run(load(dir)?))
    }

    /// Summarises a run already read.
    pub fn from_run(run: Run) -> Report {
        let mut records = task_records(&run.tasks);
        apply_resource_peaks(&mut records, &run.resources);
        let summary = summarize_with(&run, &records);
        Report {
            run,
            records,
            summary,
        }
    }

    /// Readable text.
    pub fn text(&self) -> String {
        text::render(self)
    }

    /// The summary as pretty JSON (the shape of `summary.json`).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.summary).expect("a summary serialises") + "\n"
    }

    /// One self-contained HTML page.
    pub fn html(&self) -> String {
        html::render(self)
    }
}

/// `1.5 GiB`, `512 MiB`, `900 B`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `37%`.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// `$4.82`, other currencies after the amount.
pub(crate) fn money(amount: f64, currency: &str) -> String {
    if currency == "USD" {
        format!("${amount:.2}")
    } else {
        format!("{amount:.2} {currency}")
    }
}

/// The status line: `failed: 2 tasks failed (the workflow exited 0)`.
pub(crate) fn status_line(report: &Report) -> String {
    let s = &report.summary;
    let why = match (&s.reason, s.status) {
        (Some(r), status) if status == report.run.record.status => Some(r.clone()),
        (_, crate::schema::RunStatus::Interrupted) => {
            Some("the recording process is gone; the run never closed".to_owned())
        }
        (_, crate::schema::RunStatus::Running) => Some("in progress".to_owned()),
        _ => None,
    };
    match why {
        Some(why) if why != s.status.as_str() => format!("{}: {why}", s.status),
        _ => s.status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_units() {
        assert_eq!(bytes(900), "900 B");
        assert_eq!(bytes(16 << 30), "16.0 GiB");
        assert_eq!(percent(0.371), "37%");
        assert_eq!(money(4.821, "USD"), "$4.82");
        assert_eq!(money(4.0, "EUR"), "4.00 EUR");
    }
}
