//! Expected duration: from this project's earlier runs when there are any,
//! else from model profiles.

use crate::model::{Duration, WorkerGroup};
use crate::profiles;
use crate::request::History;

/// Minutes one task of `task` takes, and where that figure comes from.
fn task_minutes(task: &str, group: &WorkerGroup, history: Option<&History>) -> (f64, String) {
    if let Some(m) = history.and_then(|h| h.median_minutes.get(task)) {
        let shown = if *m < 1.0 {
            format!("{:.1} s", m * 60.0)
        } else {
            format!("{m:.1} min")
        };
        let runs = history.map_or(0, |h| h.runs);
        return (
            *m,
            format!("{task}: median {shown} over {runs} earlier run(s)"),
        );
    }
    let names = [group.name.as_str()]
        .into_iter()
        .chain(group.image.as_deref());
    let (model, profile) = profiles::lookup(names, group.fan_out);
    let source = match (model, group.fan_out) {
        (Some(m), _) => format!("{m} profile"),
        (None, true) => "default profile".to_string(),
        (None, false) => "supporting-step profile".to_string(),
    };
    (
        profile.minutes_per_task,
        format!("{task}: {} min ({source})", profile.minutes_per_task),
    )
}

/// Fan-out tasks run in waves of the fan-out group's maximum workers; every
/// other task runs once.
pub fn estimate(groups: &[WorkerGroup], scenarios: u32, history: Option<&History>) -> Duration {
    let mut minutes = 0.0;
    let mut parts = Vec::new();
    let mut from_history = false;
    for group in groups {
        for task in &group.tasks {
            let (m, why) = task_minutes(task, group, history);
            from_history |= why.contains("earlier run(s)");
            if group.fan_out {
                let workers = group.scaling.max().max(1);
                let waves = scenarios.div_ceil(workers);
                minutes += m * waves as f64;
                let s = |n: u32, word: &str| {
                    if n == 1 {
                        format!("1 {word}")
                    } else {
                        format!("{n} {word}s")
                    }
                };
                parts.push(format!(
                    "{why} x {} over {} = {}",
                    s(scenarios, "scenario"),
                    s(workers, "worker"),
                    s(waves, "wave")
                ));
            } else {
                minutes += m;
                parts.push(why);
            }
        }
    }
    let basis = if from_history { "history" } else { "profile" };
    let detail = if parts.is_empty() {
        "no tasks are bound".to_string()
    } else {
        parts.join("; ")
    };
    Duration {
        hours: round(minutes / 60.0, 2),
        basis: basis.to_string(),
        detail,
    }
}

/// Rounds to `places` decimals, so plans print stable, readable figures.
pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}
