//! A finding in words (its pattern and evidence) and the change it
//! recommends, made concrete with the run's own manifest (`manifest.yaml` in
//! the run directory) and plan: an overlay that already raises the
//! component's memory, the component's mounts, the walltime its jobs had.

use std::collections::BTreeMap;
use std::path::PathBuf;

use scalable_manifest::{Env, Manifest, load_str};
use scalable_runs::Run;
use scalable_runs::summary::TaskRecord;

use super::facts::FailedTask;
use super::pattern::Separator;
use super::rules::{Category, RULES, Verdict};
use super::{Severity, plural};

/// What the run directory says beyond its events.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The run's manifest, when it reads and validates.
    pub manifest: Option<Manifest>,
    /// The run directory.
    pub run_dir: PathBuf,
    /// What could not be read (stated in the diagnosis).
    pub notes: Vec<String>,
    /// The target the run planned for, from its plan.
    pub target: Option<String>,
    /// That target's provider (`local`, `slurm`, ...), from its plan.
    pub provider: Option<String>,
}

impl Context {
    /// Reads the manifest the run saved. Variables are not expanded from this
    /// process's environment: the manifest is read as the run recorded it.
    pub fn of(run: &Run) -> Context {
        let run_dir = run.dir.path().to_path_buf();
        let path = run.dir.file(scalable_runs::layout::MANIFEST_FILE);
        let mut notes = Vec::new();
        let manifest = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let parsed = load_str(&text, "manifest.yaml", &run_dir, Env::default())
                    .ok()
                    .and_then(|doc| doc.validate(None).manifest);
                if parsed.is_none() {
                    notes.push(
                        "the run's `manifest.yaml` does not validate; recommendations cannot name its overlays, components or mounts"
                            .to_owned(),
                    );
                }
                parsed
            }
            Err(_) => {
                notes.push(
                    "the run has no readable `manifest.yaml`; recommendations cannot name its overlays, components or mounts"
                        .to_owned(),
                );
                None
            }
        };
        let plan_text = |key: &str| -> Option<String> {
            let v = run.plan.as_ref()?.get(key)?;
            v.as_str()
                .or_else(|| v.get("name")?.as_str())
                .map(str::to_owned)
        };
        Context {
            manifest,
            run_dir,
            notes,
            target: plan_text("target"),
            provider: plan_text("provider"),
        }
    }

    /// The component that runs `task`: the manifest's binding, else the tag it was routed by.
    pub fn component(&self, task: &TaskRecord) -> Option<String> {
        self.manifest
            .as_ref()
            .and_then(|m| m.tasks.get(&task.name))
            .map(|t| t.component.clone())
            .or_else(|| task.tag.clone())
    }
}

/// The pattern and evidence lines of a finding.
pub fn describe(
    category: Category,
    tasks: &[&FailedTask<'_>],
    verdicts: &[&Verdict],
    successes: &[&TaskRecord],
    separator: Option<&Separator>,
    rules: &BTreeMap<String, u64>,
    ctx: &Context,
) -> (String, String) {
    let n = tasks.len() as u64;
    let names = task_names(tasks);
    let signature = common_message(verdicts);
    let pattern = match separator {
        Some(sep) => separated(category, tasks, sep, &names, ctx),
        None => {
            let why = if successes.is_empty() {
                format!("every {names} task failed, so there is no success to compare with")
            } else if n == 1 {
                "a single failure, so there is nothing to compare".to_owned()
            } else {
                format!(
                    "nothing the record holds (arguments, workers, times) separates them from the {} successful {names} tasks",
                    successes.len()
                )
            };
            match &signature {
                Some(s) => format!("{s}; {why}."),
                None => format!("{}; {why}.", capitalise(&why_none(category))),
            }
        }
    };
    let mut parts: Vec<String> = RULES
        .iter()
        .filter_map(|r| {
            let count = *rules.get(r.code)?;
            Some(if count == n {
                format!(
                    "{} ({})",
                    r.says,
                    if n == 1 { "the failure" } else { "all" }
                )
            } else {
                format!("{} ({count} of {n})", r.says)
            })
        })
        .collect();
    if category == Category::Oom
        && let Some((peak, limit)) = memory_extremes(tasks)
    {
        parts.push(format!(
            "peak worker memory {} of a {} limit",
            scalable_plan::render::gib(peak),
            scalable_plan::render::gib(limit)
        ));
    }
    if separator.is_some()
        && let Some(s) = &signature
    {
        parts.push(s.clone());
    }
    if let Some(frame) = tasks.iter().find_map(|t| last_frame(t.record)) {
        parts.push(format!("raised in {frame}"));
    }
    let evidence = format!("{}.", capitalise(&parts.join("; ")));
    (pattern, evidence)
}

fn why_none(category: Category) -> String {
    match category {
        Category::Unknown => {
            "the record holds no exception and no evidence for these tasks".to_owned()
        }
        c => format!("{} without a common message", c.title().to_lowercase()),
    }
}

/// The pattern sentence for a separated class.
fn separated(
    category: Category,
    tasks: &[&FailedTask<'_>],
    sep: &Separator,
    names: &str,
    ctx: &Context,
) -> String {
    let none = format!("none of the {} successful {names} tasks", sep.successes);
    let n = sep.failures;
    let all = if n == 2 {
        "Both".to_owned()
    } else {
        format!("All {n}")
    };
    match sep.kind.as_str() {
        "threshold" | "value" | "path_prefix" if category == Category::Oom => {
            let limit = memory_limit_text(tasks, ctx)
                .map(|l| format!(" the {l} memory limit"))
                .unwrap_or_else(|| " their worker's memory".to_owned());
            format!(
                "Tasks with `{}` exhaust{limit} ({n} of {n} failures; {none}).",
                sep.rule
            )
        }
        "threshold" | "value" | "path_prefix" => {
            format!("{all} failures have `{}`; {none} do.", sep.rule)
        }
        "worker" => format!(
            "{all} failures ran on `{}`, where {none} ran.",
            sep.rule.trim_start_matches("worker == ").trim_matches('"')
        ),
        _ => format!("{all} {}, when {none} finished.", sep.rule),
    }
}

/// The recommended change for a finding.
pub fn suggest(
    category: Category,
    tasks: &[&FailedTask<'_>],
    verdicts: &[&Verdict],
    separator: Option<&Separator>,
    ctx: &Context,
) -> String {
    let first = tasks[0].record;
    let component = ctx.component(first);
    let task = format!("`{}`", first.name);
    let scope = separator
        .filter(|s| s.argument.is_some())
        .map(|s| format!(" for any task with `{}`", s.rule))
        .unwrap_or_default();
    match category {
        Category::Oom => oom(tasks, component.as_deref(), &scope, ctx),
        Category::Walltime => walltime(tasks, component.as_deref()),
        Category::MountMissing => mount(verdicts, component.as_deref(), ctx),
        Category::ImportError => {
            let module = verdicts
                .iter()
                .find_map(|v| quoted(&v.message))
                .map(|m| m.split('.').next().unwrap_or(&m).to_owned());
            let what = module.map_or("the missing module".to_owned(), |m| format!("`{m}`"));
            let place = match component {
                Some(c) => format!("the `{c}` component's image or environment"),
                None => "the workers' environment".to_owned(),
            };
            format!(
                "Add {what} to {place} (the workers cannot import it, whatever the client has), then rerun the failed tasks."
            )
        }
        Category::Serialization => {
            let what = verdicts
                .iter()
                .find_map(|v| quoted(&v.message))
                .map(|o| format!(" (a `{o}` cannot be pickled)"))
                .unwrap_or_default();
            format!(
                "In {task}, return only the output paths or plain data{what}: write large or live objects (loggers, handles, clients) to files or close them inside the task."
            )
        }
        Category::Connection => format!(
            "Check that what {task} connects to is reachable from the workers (host, port, firewall, DNS), and submit it with `retries=` so a transient failure is retried."
        ),
        Category::Credential => {
            let place = component.map_or("the target's `env`".to_owned(), |c| {
                format!("the `{c}` component's `env`")
            });
            format!(
                "Give the workers their credentials through {place}, set from the provider's secret store or the environment where the run starts (never written in the manifest), and check they have not expired."
            )
        }
        Category::ModelRuntime => {
            let v = verdicts[0];
            let at = last_frame(first)
                .map(|f| format!(" (raised in {f})"))
                .unwrap_or_default();
            format!(
                "Fix `{}` in {task}{at}; its message: `{}`. Cached tasks that succeeded are not rerun.",
                v.kind,
                ellipsis(&v.message, 120)
            )
        }
        Category::Unknown => format!(
            "Read the worker logs in `{}` and `scalable report` for {task}: the record holds no exception for these failures.",
            ctx.run_dir.join(scalable_runs::layout::LOGS_DIR).display()
        ),
    }
}

/// The memory a class of out-of-memory failures should get.
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryFix {
    /// An overlay of the run's manifest already raises it to `memory`.
    Overlay {
        /// The overlay's name.
        name: String,
        /// The memory it sets, as written.
        memory: String,
    },
    /// Twice `from` (the component's memory as written, or the limit seen).
    Doubled {
        /// The doubled memory, e.g. `32G`.
        memory: String,
        /// The current memory.
        from: String,
    },
}

impl MemoryFix {
    /// The memory to set.
    pub fn memory(&self) -> &str {
        match self {
            MemoryFix::Overlay { memory, .. } | MemoryFix::Doubled { memory, .. } => memory,
        }
    }
}

/// What component `c` should get: the cheapest existing overlay that raises
/// its memory, else twice its current memory.
pub fn memory_fix(tasks: &[&FailedTask<'_>], c: &str, ctx: &Context) -> Option<MemoryFix> {
    let written = ctx
        .manifest
        .as_ref()
        .and_then(|m| m.components.get(c))
        .map(|comp| (comp.memory.bytes, comp.memory.text.clone()));
    let current = written
        .as_ref()
        .map(|(bytes, _)| *bytes)
        .or_else(|| tasks.iter().filter_map(|t| t.memory_limit).max());
    if let Some((name, memory)) = raising_overlay(ctx, c, current) {
        return Some(MemoryFix::Overlay { name, memory });
    }
    match (written, current) {
        (Some((_, text)), _) => Some(MemoryFix::Doubled {
            memory: double_memory(&text)?,
            from: text,
        }),
        (None, Some(bytes)) => Some(MemoryFix::Doubled {
            memory: format!("{}G", (bytes * 2).div_ceil(1 << 30)),
            from: scalable_plan::render::gib(bytes),
        }),
        (None, None) => None,
    }
}

fn oom(tasks: &[&FailedTask<'_>], component: Option<&str>, scope: &str, ctx: &Context) -> String {
    let Some(c) = component else {
        return format!(
            "Give these tasks' workers more memory (twice the current limit){scope}, or split their inputs."
        );
    };
    match memory_fix(tasks, c, ctx) {
        Some(MemoryFix::Overlay { name, memory }) => {
            let targets = targets_applying(ctx, &name);
            let via = match targets.as_slice() {
                [] => String::new(),
                [one] => format!(" (target `{one}` applies it)"),
                many => format!(
                    " (targets {} apply it)",
                    many.iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!("Apply the `{name}` overlay (`{c}.memory: {memory}`){scope}{via}.")
        }
        Some(MemoryFix::Doubled { memory, from }) => format!(
            "Raise `components.{c}.memory` to `{memory}` (twice the {from} limit){scope}: add an overlay with `components: {{{c}: {{memory: {memory}}}}}` and a target that applies it."
        ),
        None => format!("Give the `{c}` component more memory (twice its limit){scope}."),
    }
}

/// The overlay raising `component`'s memory the least above `current`
/// (the cheapest that helps), by name on ties.
fn raising_overlay(
    ctx: &Context,
    component: &str,
    current: Option<u64>,
) -> Option<(String, String)> {
    let m = ctx.manifest.as_ref()?;
    let mut best: Option<(u64, String, String)> = None;
    for (name, overlay) in &m.overlays {
        let Some(text) = overlay
            .get("components")
            .and_then(|c| c.get(component))
            .and_then(|c| c.get("memory"))
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        let Ok(bytes) = scalable_manifest::rules::parse_memory(text) else {
            continue;
        };
        let bytes = bytes as u64;
        if current.is_some_and(|c| bytes <= c) {
            continue;
        }
        if best.as_ref().is_none_or(|(b, _, _)| bytes < *b) {
            best = Some((bytes, name.clone(), text.to_owned()));
        }
    }
    best.map(|(_, n, t)| (n, t))
}

fn targets_applying(ctx: &Context, overlay: &str) -> Vec<String> {
    ctx.manifest
        .as_ref()
        .map(|m| {
            m.targets
                .iter()
                .filter(|(_, t)| t.overlay() == Some(overlay))
                .map(|(n, _)| n.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// `16G` → `32G`, `1.5Gi` → `3Gi`.
pub fn double_memory(text: &str) -> Option<String> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    Some(format!("{}{unit}", crate::explain::number(value * 2.0)))
}

/// The walltime (`HH:MM:SS`) walltime failures should get, and why: twice
/// the walltime they hit (a killed task ran for all of it and needed more),
/// else 1.5 × the longest run seen, rounded up to 15 minutes.
pub fn walltime_fix(tasks: &[&FailedTask<'_>]) -> (String, String) {
    let current = tasks.iter().filter_map(|t| t.walltime_s).max();
    let longest = tasks
        .iter()
        .filter_map(|t| t.record.duration())
        .fold(0.0, f64::max);
    let basis = match current {
        Some(w) => (2 * w) as f64,
        None => 1.5 * longest,
    };
    let seconds = ((basis / 900.0).ceil().max(1.0) * 900.0) as u64;
    let hms = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    );
    let why = match current {
        Some(w) => format!(
            "twice the {} the failed tasks reached",
            scalable_runs::time::human(w as f64)
        ),
        None => format!(
            "1.5 × the longest observed run, {}",
            scalable_runs::time::human(longest)
        ),
    };
    (hms, why)
}

fn walltime(tasks: &[&FailedTask<'_>], component: Option<&str>) -> String {
    let (hms, why) = walltime_fix(tasks);
    let whose = component.map_or(String::new(), |c| format!(" for the `{c}` workers"));
    format!(
        "Set the target's `walltime: \"{hms}\"`{whose} ({why}), or split the work into shorter tasks."
    )
}

fn mount(verdicts: &[&Verdict], component: Option<&str>, ctx: &Context) -> String {
    let path = verdicts.iter().find_map(|v| missing_path(&v.message));
    let Some(path) = path else {
        // The record may not name the file (Dask keeps `repr(exception)`,
        // which drops an `OSError`'s filename).
        return match component {
            Some(c) => format!(
                "Make the files these tasks read exist on the `{c}` workers: add their directory to the `mounts:` block of the `{c}` component, or copy them into a mounted directory before fan-out."
            ),
            None => "Make the files these tasks read exist on the workers: mount their directory or copy them there before fan-out.".to_owned(),
        };
    };
    let dir = match path.rsplit_once('/') {
        Some((d, _)) if !d.is_empty() => format!("{d}/"),
        _ => "the file's directory".to_owned(),
    };
    let Some(c) = component else {
        return format!(
            "Make `{path}` exist on the workers: mount `{dir}` or copy the file there before fan-out."
        );
    };
    let mounts = ctx
        .manifest
        .as_ref()
        .and_then(|m| m.components.get(c))
        .map(|comp| comp.mounts.clone())
        .unwrap_or_default();
    // A path under a container mount is missing from the host directory behind it.
    if let Some((host, container)) = mounts
        .iter()
        .find(|(_, container)| path.starts_with(&format!("{}/", container.trim_end_matches('/'))))
    {
        let rest = &path[container.trim_end_matches('/').len() + 1..];
        return format!(
            "Copy `{rest}` into `{host}` (mounted at `{container}` in the `{c}` component) before fan-out."
        );
    }
    let into = mounts
        .iter()
        .next()
        .map(|(host, _)| format!(", or copy the file into `{host}` before fan-out"))
        .unwrap_or_default();
    format!("Add `{dir}` to the `mounts:` block of the `{c}` component{into}.")
}

/// The path a missing-file message names: the first quoted text that looks
/// like a path, else the first word with a `/`.
pub fn missing_path(message: &str) -> Option<String> {
    let looks = |s: &str| s.contains('/') || s.contains('.');
    for q in ['\'', '"', '`'] {
        let mut parts = message.split(q);
        parts.next();
        while let Some(inner) = parts.next() {
            if looks(inner) && !inner.contains(' ') {
                return Some(inner.to_owned());
            }
            parts.next();
        }
    }
    message
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| ",;:()[]".contains(c)))
        .find(|w| w.contains('/'))
        .map(str::to_owned)
}

/// The first quoted text of a message (`No module named 'xyz'` → `xyz`).
fn quoted(message: &str) -> Option<String> {
    let start = message.find(['\'', '"'])?;
    let q = message[start..].chars().next()?;
    let rest = &message[start + 1..];
    let end = rest.find(q)?;
    Some(rest[..end].to_owned()).filter(|s| !s.is_empty())
}

/// `` `Type: message` `` when every failure has the same message, else the
/// most common one with its count.
fn common_message(verdicts: &[&Verdict]) -> Option<String> {
    let with_message: Vec<&&Verdict> = verdicts
        .iter()
        .filter(|v| v.kind != "no exception")
        .collect();
    let first = with_message.first()?;
    let text = |v: &Verdict| {
        if v.message.is_empty() {
            format!("`{}`", v.kind)
        } else {
            format!("`{}: {}`", v.kind, ellipsis(&v.message, 100))
        }
    };
    if with_message
        .iter()
        .all(|v| v.message == first.message && v.kind == first.kind)
    {
        return Some(text(first));
    }
    // Most common normalised signature; on ties, the first seen.
    let mut counts: Vec<(&str, usize, &Verdict)> = Vec::new();
    for v in &with_message {
        match counts.iter_mut().find(|(s, _, _)| *s == v.signature) {
            Some(entry) => entry.1 += 1,
            None => counts.push((&v.signature, 1, v)),
        }
    }
    let (_, count, v) = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
    Some(format!("{} ({count} of {} alike)", text(v), verdicts.len()))
}

fn memory_extremes(tasks: &[&FailedTask<'_>]) -> Option<(u64, u64)> {
    let peak = tasks.iter().filter_map(|t| t.peak_memory).max()?;
    let limit = tasks.iter().filter_map(|t| t.memory_limit).max()?;
    Some((peak, limit))
}

/// The limit as the manifest writes it (`16G`), else in GiB from the record.
fn memory_limit_text(tasks: &[&FailedTask<'_>], ctx: &Context) -> Option<String> {
    let c = ctx.component(tasks.first()?.record)?;
    ctx.manifest
        .as_ref()
        .and_then(|m| m.components.get(&c))
        .map(|comp| comp.memory.text.clone())
        .or_else(|| {
            tasks
                .iter()
                .filter_map(|t| t.memory_limit)
                .max()
                .map(scalable_plan::render::gib)
        })
}

/// The innermost frame of a traceback: `` `func` (`file.py:12`) ``.
pub fn last_frame(r: &TaskRecord) -> Option<String> {
    let tb = r.exception.as_ref()?.traceback.as_deref()?;
    let line = tb
        .lines()
        .rfind(|l| l.trim_start().starts_with("File \""))?;
    let rest = line.trim_start().strip_prefix("File \"")?;
    let (file, rest) = rest.split_once('"')?;
    let number = rest
        .split("line ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or("?");
    let func = rest.split(", in ").nth(1).unwrap_or("?").trim();
    let file = file.rsplit('/').next().unwrap_or(file);
    Some(format!("`{func}` (`{file}:{number}`)"))
}

/// The task names of a finding: `run_demeter_scenario`, or `a/b`.
fn task_names(tasks: &[&FailedTask<'_>]) -> String {
    let mut names: Vec<&str> = tasks.iter().map(|t| t.record.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join("/")
}

fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Severity label as the text shows it: `PRIMARY`.
pub fn label(s: Severity) -> String {
    s.as_str().to_uppercase()
}

/// `3 failures`.
pub fn failures(n: u64) -> String {
    plural(n, "failure", "failures")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_messages() {
        assert_eq!(
            missing_path("[Errno 2] No such file or directory: 'constraints/soil_quality.csv'")
                .as_deref(),
            Some("constraints/soil_quality.csv")
        );
        assert_eq!(
            missing_path("constraints/soil_quality.csv not found").as_deref(),
            Some("constraints/soil_quality.csv")
        );
        assert_eq!(missing_path("nothing here"), None);
        assert_eq!(
            quoted("No module named 'demeter.process'").as_deref(),
            Some("demeter.process")
        );
    }

    #[test]
    fn doubles_memory_as_written() {
        assert_eq!(double_memory("16G").as_deref(), Some("32G"));
        assert_eq!(double_memory("1.5Gi").as_deref(), Some("3Gi"));
        assert_eq!(double_memory("G"), None);
    }
}
