//! What earlier runs of a project say about how long its tasks take: the
//! planner's `history` basis for expected durations.

use std::collections::BTreeMap;
use std::path::Path;

use crate::summary::{Outcome, task_records};

/// Median minutes per task name over the `max_runs` most recent runs of
/// `project` on `target` under `root` (succeeded tasks only), and how many
/// runs gave any. Other targets run on other hardware, so they do not count.
pub fn task_medians(
    root: &Path,
    project: &str,
    target: &str,
    max_runs: usize,
) -> (BTreeMap<String, f64>, usize) {
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut runs = 0;
    let mut dirs = crate::layout::list(root).unwrap_or_default();
    dirs.reverse();
    for dir in dirs {
        if runs >= max_runs {
            break;
        }
        let Ok(run) = crate::read::load(dir.path()) else {
            continue;
        };
        if run.record.project != project || run.record.target.as_deref() != Some(target) {
            continue;
        }
        let mut any = false;
        for record in task_records(&run.tasks) {
            if let (Outcome::Succeeded, Some(seconds)) = (record.outcome, record.duration()) {
                durations
                    .entry(record.name.clone())
                    .or_default()
                    .push(seconds / 60.0);
                any = true;
            }
        }
        runs += usize::from(any);
    }
    let medians = durations
        .into_iter()
        .map(|(name, mut minutes)| {
            minutes.sort_by(f64::total_cmp);
            let mid = minutes.len() / 2;
            let median = if minutes.len() % 2 == 1 {
                minutes[mid]
            } else {
                (minutes[mid - 1] + minutes[mid]) / 2.0
            };
            (name, median)
        })
        .collect();
    (medians, runs)
}
