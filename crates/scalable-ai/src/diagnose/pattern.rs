//! What a class's failing tasks share that the successful tasks of the same
//! name do not.
//!
//! Candidates are tried in this order and the first that separates the two
//! sets completely is stated: a numeric argument threshold
//! (`spatial_resolution <= 0.1`), one categorical argument value, a path
//! prefix of a string argument, one worker, a time window. A rule is only
//! stated when it holds for every failure of the class and for none of the
//! successes, and there are at least two failures (one task alone "shares"
//! everything with itself). A worker or a time window needs at least three:
//! two tasks on one worker, or two fast tasks failing within milliseconds of
//! each other, happen by chance in any small run. A time window must also lie
//! inside the run, with successes finishing before and after it (an outage),
//! not at either end, and catch at least one task that had been running for
//! a second before it opened: tasks failing on arrival cluster in time only
//! because they were submitted together.

use scalable_runs::summary::TaskRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::facts::FailedTask;

/// A time window is only a pattern when it is this small a share of the run.
const WINDOW_SHARE: f64 = 0.25;
/// A failure this soon after its start failed on arrival, not in an outage.
const ARRIVAL_S: f64 = 1.0;
/// Failures a worker or time-window pattern needs.
const MIN_CHANCE_FAILURES: usize = 3;

/// A rule that separates a class's failures from the successful tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Separator {
    /// `threshold`, `value`, `path_prefix`, `worker` or `time_window`.
    pub kind: String,
    /// The rule as code-like text, e.g. `spatial_resolution <= 0.1`.
    pub rule: String,
    /// The argument it is about, if any.
    pub argument: Option<String>,
    /// Failures the rule matches (all of them).
    pub failures: u64,
    /// Successful tasks compared (those of the same task names that record the fact).
    pub successes: u64,
}

/// Which side of a threshold the failures are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `x <= value`.
    AtMost,
    /// `x >= value`.
    AtLeast,
}

/// A cut of one numeric argument: every failure on one side, every success on
/// the other. The value stated is the failures' extreme (the largest failing
/// value for `<=`), so the rule reads as what was observed. `None` when
/// either set is empty (after dropping non-finite values) or the sets overlap.
pub fn threshold(failures: &[f64], successes: &[f64]) -> Option<(Side, f64)> {
    let f: Vec<f64> = failures.iter().copied().filter(|x| x.is_finite()).collect();
    let s: Vec<f64> = successes
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if f.is_empty() || s.is_empty() || f.len() != failures.len() {
        return None;
    }
    let (f_min, f_max) = min_max(&f);
    let (s_min, s_max) = min_max(&s);
    if f_max < s_min {
        Some((Side::AtMost, f_max))
    } else if f_min > s_max {
        Some((Side::AtLeast, f_min))
    } else {
        None
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        })
}

/// Whether `x` is on the failures' side of a threshold.
pub fn matches(side: Side, value: f64, x: f64) -> bool {
    match side {
        Side::AtMost => x <= value,
        Side::AtLeast => x >= value,
    }
}

/// The first rule that separates `failed` from `successes`, or `None`.
pub fn separate(failed: &[&FailedTask<'_>], successes: &[&TaskRecord]) -> Option<Separator> {
    if failed.len() < 2 || successes.is_empty() {
        return None;
    }
    let failed: Vec<&TaskRecord> = failed.iter().map(|t| t.record).collect();
    numeric(&failed, successes)
        .or_else(|| categorical(&failed, successes))
        .or_else(|| path_prefix(&failed, successes))
        .or_else(|| worker(&failed, successes))
        .or_else(|| time_window(&failed, successes))
}

fn arg<'a>(r: &'a TaskRecord, name: &str) -> Option<&'a Value> {
    r.args.as_ref()?.get(name)
}

/// Argument names every failure records, sorted.
fn common_args(failed: &[&TaskRecord]) -> Vec<String> {
    let Some(first) = failed.first().and_then(|r| r.args.as_ref()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = first
        .keys()
        .filter(|k| failed.iter().all(|r| arg(r, k).is_some()))
        .cloned()
        .collect();
    names.sort();
    names
}

fn numeric(failed: &[&TaskRecord], successes: &[&TaskRecord]) -> Option<Separator> {
    // Of several separating arguments, the one with the widest gap relative
    // to its range is the likeliest cause (an index that happens to separate
    // usually does so by a hair).
    let mut best: Option<(f64, Separator)> = None;
    for name in common_args(failed) {
        let number = |r: &TaskRecord| match arg(r, &name) {
            Some(Value::Number(n)) => n.as_f64(),
            _ => None,
        };
        let f: Option<Vec<f64>> = failed.iter().map(|r| number(r)).collect();
        let Some(f) = f else { continue };
        let s: Vec<f64> = successes.iter().filter_map(|r| number(r)).collect();
        let Some((side, value)) = threshold(&f, &s) else {
            continue;
        };
        let all: Vec<f64> = f.iter().chain(&s).copied().collect();
        let (lo, hi) = min_max(&all);
        let (f_lo, f_hi) = min_max(&f);
        let (s_lo, s_hi) = min_max(&s);
        let gap = match side {
            Side::AtMost => s_lo - f_hi,
            Side::AtLeast => f_lo - s_hi,
        } / (hi - lo).max(f64::MIN_POSITIVE);
        let op = if side == Side::AtMost { "<=" } else { ">=" };
        let sep = Separator {
            kind: "threshold".to_owned(),
            rule: format!("{name} {op} {}", crate::explain::number(value)),
            argument: Some(name.clone()),
            failures: f.len() as u64,
            successes: s.len() as u64,
        };
        if best.as_ref().is_none_or(|(g, _)| gap > *g) {
            best = Some((gap, sep));
        }
    }
    best.map(|(_, s)| s)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(format!("{s:?}")),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn categorical(failed: &[&TaskRecord], successes: &[&TaskRecord]) -> Option<Separator> {
    for name in common_args(failed) {
        let values: Vec<Option<String>> = failed
            .iter()
            .map(|r| arg(r, &name).and_then(scalar_text))
            .collect();
        let Some(Some(first)) = values.first() else {
            continue;
        };
        if values.iter().any(|v| v.as_ref() != Some(first)) {
            continue;
        }
        let compared: Vec<String> = successes
            .iter()
            .filter_map(|r| arg(r, &name).and_then(scalar_text))
            .collect();
        if compared.is_empty() || compared.contains(first) {
            continue;
        }
        return Some(Separator {
            kind: "value".to_owned(),
            rule: format!("{name} == {first}"),
            argument: Some(name),
            failures: failed.len() as u64,
            successes: compared.len() as u64,
        });
    }
    None
}

/// The longest directory prefix (ending in `/`) all `paths` share.
pub fn common_dir(paths: &[&str]) -> Option<String> {
    let first = paths.first()?;
    let mut prefix = String::new();
    let mut acc = String::new();
    for part in first.split_inclusive('/') {
        if !part.ends_with('/') {
            break;
        }
        acc.push_str(part);
        if paths.iter().all(|p| p.starts_with(acc.as_str())) {
            prefix.clone_from(&acc);
        } else {
            break;
        }
    }
    (!prefix.is_empty() && prefix != "/").then_some(prefix)
}

fn path_prefix(failed: &[&TaskRecord], successes: &[&TaskRecord]) -> Option<Separator> {
    for name in common_args(failed) {
        let values: Option<Vec<&str>> = failed
            .iter()
            .map(|r| arg(r, &name).and_then(Value::as_str))
            .collect();
        let Some(values) = values else { continue };
        if !values.iter().all(|v| v.contains('/')) {
            continue;
        }
        let Some(prefix) = common_dir(&values) else {
            continue;
        };
        let compared: Vec<&str> = successes
            .iter()
            .filter_map(|r| arg(r, &name).and_then(Value::as_str))
            .collect();
        if compared.is_empty() || compared.iter().any(|v| v.starts_with(prefix.as_str())) {
            continue;
        }
        return Some(Separator {
            kind: "path_prefix".to_owned(),
            rule: format!("{name} under `{prefix}`"),
            argument: Some(name),
            failures: failed.len() as u64,
            successes: compared.len() as u64,
        });
    }
    None
}

fn worker(failed: &[&TaskRecord], successes: &[&TaskRecord]) -> Option<Separator> {
    if failed.len() < MIN_CHANCE_FAILURES {
        return None;
    }
    let w = failed.first()?.worker.as_deref()?;
    if failed.iter().any(|r| r.worker.as_deref() != Some(w)) {
        return None;
    }
    let compared: Vec<&str> = successes
        .iter()
        .filter_map(|r| r.worker.as_deref())
        .collect();
    if compared.is_empty() || compared.contains(&w) {
        return None;
    }
    Some(Separator {
        kind: "worker".to_owned(),
        rule: format!("worker == {w:?}"),
        argument: None,
        failures: failed.len() as u64,
        successes: compared.len() as u64,
    })
}

fn time_window(failed: &[&TaskRecord], successes: &[&TaskRecord]) -> Option<Separator> {
    if failed.len() < MIN_CHANCE_FAILURES {
        return None;
    }
    let ends: Option<Vec<f64>> = failed.iter().map(|r| r.ended).collect();
    let (from, to) = min_max(&ends?);
    let compared: Vec<f64> = successes.iter().filter_map(|r| r.ended).collect();
    // The span these tasks' events cover (the record's own start and end can
    // lie far outside it, e.g. a long preparation step).
    let starts = failed
        .iter()
        .chain(successes)
        .filter_map(|r| r.started.or(r.submitted));
    let first = starts.fold(f64::INFINITY, f64::min);
    let last = compared.iter().copied().fold(to, f64::max);
    let span = last - first;
    if !span.is_finite() || span <= 0.0 || (to - from) > WINDOW_SHARE * span {
        return None;
    }
    // An outage catches tasks that were already running; tasks that failed
    // as soon as they started (a missing file) only cluster because they
    // were submitted together.
    if !failed
        .iter()
        .any(|r| r.started.is_some_and(|s| s < from - ARRIVAL_S))
    {
        return None;
    }
    let before = compared.iter().any(|t| *t < from);
    let after = compared.iter().any(|t| *t > to);
    if !before || !after || compared.iter().any(|t| *t >= from && *t <= to) {
        return None;
    }
    Some(Separator {
        kind: "time_window".to_owned(),
        rule: format!(
            "failed between {} and {} ({})",
            clock(from),
            clock(to),
            scalable_runs::time::human(to - from)
        ),
        argument: None,
        failures: failed.len() as u64,
        successes: compared.len() as u64,
    })
}

/// `04:31:10 UTC`.
fn clock(t: f64) -> String {
    let rfc = scalable_runs::time::rfc3339(t);
    match rfc.split_once('T') {
        Some((_, time)) => format!("{} UTC", time.trim_end_matches('Z')),
        None => rfc,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn finds_the_tutorial_threshold() {
        let f = [0.05, 0.1, 0.1, 0.05];
        let s = [0.25, 0.5, 0.25, 1.0];
        assert_eq!(threshold(&f, &s), Some((Side::AtMost, 0.1)));
        assert_eq!(threshold(&s, &f), Some((Side::AtLeast, 0.25)));
        assert_eq!(threshold(&[0.1, 0.5], &[0.25]), None);
        assert_eq!(threshold(&[0.1], &[]), None);
        assert_eq!(threshold(&[f64::NAN, 0.1], &[0.5]), None);
    }

    #[test]
    fn common_directories() {
        assert_eq!(
            common_dir(&["scen/ssp5/a.ini", "scen/ssp5/b.ini"]).as_deref(),
            Some("scen/ssp5/")
        );
        assert_eq!(
            common_dir(&["scen/ssp5/a.ini", "scen/ssp2/b.ini"]).as_deref(),
            Some("scen/")
        );
        assert_eq!(common_dir(&["a.ini", "b.ini"]), None);
        assert_eq!(common_dir(&["/a/x", "/b/y"]), None);
    }

    proptest! {
        /// The rule `threshold` states really separates the sets: every
        /// failure matches it and no success does; and whenever the sets can
        /// be cut, it finds a cut.
        #[test]
        fn stated_threshold_separates(
            f in prop::collection::vec(-1e6f64..1e6, 1..40),
            s in prop::collection::vec(-1e6f64..1e6, 1..40),
        ) {
            let (f_lo, f_hi) = min_max(&f);
            let (s_lo, s_hi) = min_max(&s);
            let separable = f_hi < s_lo || f_lo > s_hi;
            match threshold(&f, &s) {
                Some((side, value)) => {
                    prop_assert!(f.iter().all(|x| matches(side, value, *x)));
                    prop_assert!(!s.iter().any(|x| matches(side, value, *x)));
                }
                None => prop_assert!(!separable),
            }
        }

        /// Shifting the failures below the successes always gives `<=` at
        /// their maximum.
        #[test]
        fn shifted_sets_are_cut_at_the_failures_extreme(
            f in prop::collection::vec(0f64..1.0, 1..20),
            s in prop::collection::vec(2f64..3.0, 1..20),
        ) {
            let (_, f_hi) = min_max(&f);
            prop_assert_eq!(threshold(&f, &s), Some((Side::AtMost, f_hi)));
        }
    }
}
