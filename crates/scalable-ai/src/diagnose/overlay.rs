//! The manifest change a diagnosis proposes, as an overlay: a partial
//! manifest that `scalable diagnose --write-overlay FILE` writes and
//! `scalable run --overlay FILE` applies. Only fixes a manifest can express
//! are proposed (memory, a Slurm walltime); a missing file or a code change
//! stays a recommendation in words.

use serde_json::{Map, Value, json};

use super::facts::FailedTask;
use super::recommend::{Context, memory_fix, walltime_fix};
use super::rules::Category;
use super::{Diagnosis, Finding};
use crate::onboard::component::scalar;

/// The overlay that fixes one class of failures, when a manifest change does.
pub fn for_class(category: Category, tasks: &[&FailedTask<'_>], ctx: &Context) -> Option<Value> {
    let component = ctx.component(tasks.first()?.record);
    match category {
        Category::Oom => {
            let c = component?;
            let fix = memory_fix(tasks, &c, ctx)?;
            Some(json!({"components": {c: {"memory": fix.memory()}}}))
        }
        // Only Slurm targets have a walltime to raise.
        Category::Walltime if ctx.provider.as_deref() == Some("slurm") => {
            let target = ctx.target.clone()?;
            let (hms, _) = walltime_fix(tasks);
            Some(json!({"targets": {target: {"walltime": hms}}}))
        }
        _ => None,
    }
}

/// Every finding's overlay merged into one (findings in rank order; a later
/// finding does not override an earlier one's value).
pub fn merged(findings: &[Finding]) -> Option<Value> {
    let mut out = Value::Object(Map::new());
    for overlay in findings.iter().filter_map(|f| f.overlay.as_ref()) {
        merge_missing(&mut out, overlay);
    }
    out.as_object()
        .is_some_and(|m| !m.is_empty())
        .then_some(out)
}

fn merge_missing(into: &mut Value, from: &Value) {
    let (Value::Object(into), Value::Object(from)) = (into, from) else {
        return;
    };
    for (k, v) in from {
        match into.get_mut(k) {
            Some(existing) => merge_missing(existing, v),
            None => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The overlay file for `diagnosis`: a header saying where it came from and
/// how to apply it (`rerun`, the command that applies it), then the change
/// as YAML. `None` when no finding's fix is a manifest change.
pub fn file_text(diagnosis: &Diagnosis, rerun: &str) -> Option<String> {
    let overlay = diagnosis.overlay.as_ref()?;
    let mut out = format!(
        "# Proposed by `scalable diagnose` for run {}.\n",
        diagnosis.run_id
    );
    for f in diagnosis.findings.iter().filter(|f| f.overlay.is_some()) {
        out.push_str(&format!(
            "# {}: {} ({} of {} failures).\n",
            f.severity.as_str().to_uppercase(),
            f.title,
            f.count,
            f.of
        ));
    }
    out.push_str(&format!(
        "# Apply it without editing the manifest (cached tasks are not run again):\n#   {rerun}\n"
    ));
    emit(overlay, 0, &mut out);
    Some(out)
}

/// The command that reruns `argv` (a `scalable run` command line, as the run
/// record keeps it) with the overlay file `file`; a template when the run did
/// not start from `scalable run`.
pub fn rerun_command(argv: &[String], file: &str) -> String {
    // The console script's argv starts with the Python that runs it.
    let run = argv.windows(2).position(|w| {
        w[1] == "run"
            && std::path::Path::new(&w[0])
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("scalable"))
    });
    let Some(at) = run else {
        return format!("scalable run MANIFEST --overlay {file} --workflow WORKFLOW.py");
    };
    let mut words = vec!["scalable".to_owned(), "run".to_owned()];
    words.extend(argv[at + 2..].iter().cloned());
    // `--` starts the workflow's own arguments: the flag goes before it.
    let at = words.iter().position(|w| w == "--").unwrap_or(words.len());
    words.splice(at..at, ["--overlay".to_owned(), file.to_owned()]);
    words.join(" ")
}

/// Block-style YAML for a JSON value made of mappings and scalars.
fn emit(value: &Value, indent: usize, out: &mut String) {
    let Value::Object(map) = value else {
        return;
    };
    let pad = " ".repeat(indent);
    for (k, v) in map {
        match v {
            Value::Object(_) => {
                out.push_str(&format!("{pad}{}:\n", scalar(k)));
                emit(v, indent + 2, out);
            }
            // `02:30:00` is a number to a YAML 1.1 reader: quote anything with a colon.
            Value::String(s) if s.contains(':') => {
                out.push_str(&format!(
                    "{pad}{}: {}\n",
                    scalar(k),
                    Value::String(s.clone())
                ));
            }
            Value::String(s) => out.push_str(&format!("{pad}{}: {}\n", scalar(k), scalar(s))),
            other => out.push_str(&format!("{pad}{}: {other}\n", scalar(k))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_finding_keeps_its_value() {
        let mut into = json!({"components": {"model": {"memory": "2G"}}});
        merge_missing(
            &mut into,
            &json!({"components": {"model": {"memory": "8G", "cpus": 2}}, "targets": {"hpc": {"walltime": "01:00:00"}}}),
        );
        assert_eq!(
            into,
            json!({"components": {"model": {"memory": "2G", "cpus": 2}}, "targets": {"hpc": {"walltime": "01:00:00"}}})
        );
    }

    #[test]
    fn the_rerun_command_puts_the_overlay_before_the_workflow_arguments() {
        let argv: Vec<String> = [
            "/venv/bin/scalable",
            "run",
            "s.yaml",
            "-w",
            "w.py",
            "--",
            "--n",
            "3",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            rerun_command(&argv, "fix.yaml"),
            "scalable run s.yaml -w w.py --overlay fix.yaml -- --n 3"
        );
        let console: Vec<String> = ["/venv/bin/python3", "/venv/bin/scalable", "run", "s.yaml"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            rerun_command(&console, "fix.yaml"),
            "scalable run s.yaml --overlay fix.yaml"
        );
        assert_eq!(
            rerun_command(&[], "fix.yaml"),
            "scalable run MANIFEST --overlay fix.yaml --workflow WORKFLOW.py"
        );
    }

    #[test]
    fn emits_block_yaml_that_quotes_what_needs_it() {
        let mut out = String::new();
        emit(
            &json!({"targets": {"hpc": {"walltime": "02:00:00"}}, "components": {"model": {"memory": "2G"}}}),
            0,
            &mut out,
        );
        assert_eq!(
            out,
            "components:\n  model:\n    memory: 2G\ntargets:\n  hpc:\n    walltime: \"02:00:00\"\n"
        );
    }
}
