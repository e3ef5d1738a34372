//! `diagnose`: the root causes of a failed run, read off its record.
//!
//! Every failed task (a final failure, or a task whose worker was lost under
//! it and that never finished) is put in one class by the evidence table in
//! [`rules`]; each class becomes a finding, ranked by how many failures it
//! explains. For each finding [`pattern`] looks for what its failing tasks
//! share that the successful tasks of the same name do not (an argument
//! threshold, a value, a path prefix, a worker, a time window), and
//! [`recommend`] turns it into a concrete change: an overlay of the run's own
//! manifest, a mount, a walltime, a dependency, a code change.
//!
//! Everything is read off the run directory; the same record always gives
//! the same diagnosis, byte for byte.

mod facts;
pub mod llm;
pub mod overlay;
pub mod pattern;
pub mod recommend;
pub mod render;
pub mod rules;

use std::collections::BTreeMap;
use std::path::Path;

use scalable_runs::schema::{RUN_SCHEMA, RunStatus};
use scalable_runs::summary::{Outcome, TaskRecord};
use scalable_runs::{Run, RunsError};
use serde::{Deserialize, Serialize};

pub use pattern::Separator;
pub use rules::Category;

use crate::explain::HEURISTIC;

/// How a finding ranks among the run's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The class explaining the most failures.
    Primary,
    /// The second.
    Secondary,
    /// The third.
    Tertiary,
    /// Any further class.
    Also,
}

impl Severity {
    /// The severity of the finding at `rank` (0 = most failures).
    pub fn of_rank(rank: usize) -> Severity {
        match rank {
            0 => Severity::Primary,
            1 => Severity::Secondary,
            2 => Severity::Tertiary,
            _ => Severity::Also,
        }
    }

    /// `primary`, `secondary`, `tertiary` or `also`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Primary => "primary",
            Severity::Secondary => "secondary",
            Severity::Tertiary => "tertiary",
            Severity::Also => "also",
        }
    }
}

/// One root cause: a class of failures, what they share, and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Its rank.
    pub severity: Severity,
    /// The failure class.
    pub category: Category,
    /// The class in words, e.g. `Memory exhaustion`; for `model_runtime`, the
    /// exception type too.
    pub title: String,
    /// Failures in this class.
    pub count: u64,
    /// Failures in the run.
    pub of: u64,
    /// What the failing tasks share (the separating rule, or their common error).
    pub pattern: String,
    /// The evidence the class rests on, with counts.
    pub evidence: String,
    /// The recommended change.
    pub suggestion: String,
    /// The rule separating these failures from the successful tasks, if one does.
    pub separator: Option<Separator>,
    /// Evidence rules that matched, by rule code, with the failures each matched.
    pub rules: BTreeMap<String, u64>,
    /// Keys of the failed tasks (in record order).
    pub tasks: Vec<String>,
    /// The manifest change that fixes this class, as an overlay (a partial
    /// manifest), when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<serde_json::Value>,
}

/// A run diagnosed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The run id.
    pub run_id: String,
    /// The run's status (derived: see `scalable_runs::status`).
    pub status: RunStatus,
    /// `failed (13 task failures across 50 run_demeter_scenario tasks)`.
    pub status_line: String,
    /// One sentence: the primary root cause, or why there is nothing to diagnose.
    pub summary: String,
    /// Failed tasks diagnosed.
    pub failures: u64,
    /// Tasks in the run.
    pub tasks: u64,
    /// Findings, most failures first.
    pub findings: Vec<Finding>,
    /// One recommendation per finding, in finding order (duplicates dropped).
    pub recommendations: Vec<String>,
    /// Every finding's overlay merged: what `--write-overlay` writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<serde_json::Value>,
    /// What limits this diagnosis (a damaged record, a manifest that did not read).
    pub notes: Vec<String>,
    /// `heuristic`.
    pub mode: String,
    /// What produced this diagnosis from what.
    pub provenance: String,
    /// Why LLM mode fell back to this heuristic diagnosis, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl Diagnosis {
    /// Whether the run had failures to diagnose.
    pub fn has_failures(&self) -> bool {
        self.failures > 0
    }
}

/// Reads the run in `dir` and diagnoses it. A `run.json` of a newer schema
/// than this version reads is refused with a message naming the file.
pub fn diagnose_dir(dir: &Path) -> Result<Diagnosis, RunsError> {
    let run_dir = scalable_runs::RunDir::open(dir)?;
    let record = run_dir.read_record()?;
    if record.schema > RUN_SCHEMA {
        return Err(RunsError::BadRecord {
            path: run_dir.file(scalable_runs::layout::RUN_FILE),
            reason: format!(
                "its schema version {} is newer than this version of Scalable reads ({RUN_SCHEMA}); upgrade Scalable to diagnose it",
                record.schema
            ),
        });
    }
    let run = scalable_runs::load(dir)?;
    Ok(diagnose(&run))
}

/// Diagnoses a run already read.
pub fn diagnose(run: &Run) -> Diagnosis {
    let mut records = scalable_runs::summary::task_records(&run.tasks);
    scalable_runs::summary::apply_resource_peaks(&mut records, &run.resources);
    let context = recommend::Context::of(run);
    let failed = facts::failed_tasks(run, &records);
    let classified: Vec<(Category, rules::Verdict)> =
        failed.iter().map(|t| rules::classify(t)).collect();

    let total = failed.len() as u64;
    // What the manifest could not tell matters only to recommendations.
    let mut notes = if failed.is_empty() {
        Vec::new()
    } else {
        context.notes.clone()
    };
    notes.extend(damage_notes(run));

    // Group by class; model_runtime splits further by type and normalised message.
    let mut groups: BTreeMap<(Category, String), Vec<usize>> = BTreeMap::new();
    for (i, (category, verdict)) in classified.iter().enumerate() {
        let sub = if *category == Category::ModelRuntime {
            verdict.signature.clone()
        } else {
            String::new()
        };
        groups.entry((*category, sub)).or_default().push(i);
    }
    let mut ordered: Vec<((Category, String), Vec<usize>)> = groups.into_iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));

    let mut findings = Vec::with_capacity(ordered.len());
    for (rank, ((category, _), members)) in ordered.into_iter().enumerate() {
        let tasks: Vec<&facts::FailedTask<'_>> = members.iter().map(|&i| &failed[i]).collect();
        let verdicts: Vec<&rules::Verdict> = members.iter().map(|&i| &classified[i].1).collect();
        let successes = successes_like(&records, &tasks);
        let separator = pattern::separate(&tasks, &successes);
        let mut rule_counts: BTreeMap<String, u64> = BTreeMap::new();
        for v in &verdicts {
            for code in &v.rules {
                *rule_counts.entry((*code).to_owned()).or_default() += 1;
            }
        }
        let title = match category {
            Category::ModelRuntime => format!(
                "Model error: {}",
                verdicts
                    .first()
                    .map(|v| v.kind.as_str())
                    .unwrap_or("exception")
            ),
            c => c.title().to_owned(),
        };
        let (pattern, evidence) = recommend::describe(
            category,
            &tasks,
            &verdicts,
            &successes,
            separator.as_ref(),
            &rule_counts,
            &context,
        );
        let suggestion =
            recommend::suggest(category, &tasks, &verdicts, separator.as_ref(), &context);
        let overlay = overlay::for_class(category, &tasks, &context);
        findings.push(Finding {
            severity: Severity::of_rank(rank),
            category,
            title,
            count: tasks.len() as u64,
            of: total,
            pattern,
            evidence,
            suggestion,
            separator,
            rules: rule_counts,
            tasks: tasks.iter().map(|t| t.record.key.clone()).collect(),
            overlay,
        });
    }

    let mut recommendations: Vec<String> = Vec::new();
    for f in &findings {
        if !recommendations.contains(&f.suggestion) {
            recommendations.push(f.suggestion.clone());
        }
    }
    let status_line = status_line(run, &records, &failed);
    let summary = match findings.first() {
        Some(f) => format!(
            "{} ({} of {} failures): {}",
            f.title, f.count, f.of, f.pattern
        ),
        None => nothing_to_diagnose(run, &records),
    };
    Diagnosis {
        run_id: run.record.run_id.clone(),
        status: run.status,
        status_line,
        summary,
        failures: total,
        tasks: records.len() as u64,
        overlay: overlay::merged(&findings),
        findings,
        recommendations,
        notes,
        mode: HEURISTIC.to_owned(),
        provenance: format!(
            "heuristic rules of scalable-ai {} ({} evidence rules) over run record schema {} of `{}` ({} task events, {} failure events)",
            env!("CARGO_PKG_VERSION"),
            rules::RULES.len(),
            run.record.schema,
            run.record.run_id,
            run.tasks.len(),
            run.failures.len(),
        ),
        fallback: None,
    }
}

/// The successful tasks to compare a class's failures with: those of the
/// same task names.
fn successes_like<'a>(
    records: &'a [TaskRecord],
    failed: &[&facts::FailedTask<'_>],
) -> Vec<&'a TaskRecord> {
    let names: Vec<&str> = failed.iter().map(|t| t.record.name.as_str()).collect();
    records
        .iter()
        .filter(|r| r.outcome == Outcome::Succeeded && names.contains(&r.name.as_str()))
        .collect()
}

/// `failed (13 task failures across 50 run_demeter_scenario tasks)`.
fn status_line(run: &Run, records: &[TaskRecord], failed: &[facts::FailedTask<'_>]) -> String {
    let status = run.status.as_str();
    if failed.is_empty() {
        let why = run
            .record
            .reason
            .clone()
            .unwrap_or_else(|| format!("{} tasks, none failed", records.len()));
        return format!("{status} ({why})");
    }
    let mut names: Vec<&str> = failed.iter().map(|t| t.record.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let failures = plural(failed.len() as u64, "task failure", "task failures");
    let across = match names.as_slice() {
        [one] => {
            let n = records.iter().filter(|r| r.name == *one).count() as u64;
            plural(n, &format!("{one} task"), &format!("{one} tasks"))
        }
        _ => plural(records.len() as u64, "task", "tasks"),
    };
    format!("{status} ({failures} across {across})")
}

fn nothing_to_diagnose(run: &Run, records: &[TaskRecord]) -> String {
    match run.status {
        RunStatus::Succeeded if records.is_empty() => {
            "Nothing to diagnose: the run succeeded and no task ran".to_owned()
        }
        RunStatus::Succeeded => "Nothing to diagnose: every task succeeded".to_owned(),
        RunStatus::Running => {
            "Nothing to diagnose yet: the run is still running and no task has failed".to_owned()
        }
        RunStatus::Interrupted => {
            "No task failed: the run was interrupted before it finished; `scalable report` shows how far it got".to_owned()
        }
        RunStatus::Failed => format!(
            "No task failed: the run failed because {}; the workflow's output is in `logs/`",
            run.record
                .reason
                .as_deref()
                .unwrap_or("the workflow failed")
        ),
    }
}

fn damage_notes(run: &Run) -> Vec<String> {
    let mut notes = Vec::new();
    for s in scalable_runs::Stream::ALL {
        let d = run.damage[s as usize];
        if d.torn_last_line {
            notes.push(format!(
                "`{}` ends in a torn line (a write cut short); it was skipped",
                s.file_name()
            ));
        }
        if d.invalid_lines > 0 {
            notes.push(format!(
                "`{}` has {} unreadable line(s); they were skipped",
                s.file_name(),
                d.invalid_lines
            ));
        }
    }
    notes
}

/// `1 task`, `13 tasks`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
