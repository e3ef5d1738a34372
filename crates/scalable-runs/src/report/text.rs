//! The text report.

use std::fmt::Write;

use super::{Report, bytes, money, percent, status_line};
use crate::summary::{Durations, GroupStats};
use crate::time::human;

/// Column alignment.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// A table with a header row, two spaces between columns, indented by two.
fn table(out: &mut String, columns: &[(&str, Align)], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = columns.iter().map(|(h, _)| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::from(" ");
        for ((cell, (_, align)), w) in cells.zip(columns).zip(&widths) {
            let pad = w - cell.chars().count();
            l.push(' ');
            match align {
                Align::Left => {
                    l.push_str(cell);
                    l.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    l.extend(std::iter::repeat_n(' ', pad));
                    l.push_str(cell);
                }
            }
            l.push(' ');
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut columns.iter().map(|(h, _)| *h));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

fn durations(d: Option<&Durations>) -> [String; 3] {
    match d {
        Some(d) => [human(d.p50), human(d.p95), human(d.max)],
        None => ["-".into(), "-".into(), "-".into()],
    }
}

fn groups(out: &mut String, title: &str, head: &'static str, groups: &[GroupStats]) {
    let _ = writeln!(out, "\n{title}");
    if groups.is_empty() {
        out.push_str("  none\n");
        return;
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let [p50, p95, max] = durations(g.duration.as_ref());
            vec![
                g.name.clone(),
                g.count.to_string(),
                g.succeeded.to_string(),
                g.failed.to_string(),
                g.unfinished.to_string(),
                g.retries.to_string(),
                p50,
                p95,
                max,
                g.peak_memory.map_or("-".into(), bytes),
            ]
        })
        .collect();
    use Align::{Left, Right};
    table(
        out,
        &[
            (head, Left),
            ("COUNT", Right),
            ("OK", Right),
            ("FAILED", Right),
            ("UNFINISHED", Right),
            ("RETRIES", Right),
            ("P50", Right),
            ("P95", Right),
            ("MAX", Right),
            ("PEAK MEM", Right),
        ],
        &rows,
    );
}

/// Renders the text report.
pub fn render(report: &Report) -> String {
    use Align::{Left, Right};
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "Run {}", s.run_id);
    let mut facts: Vec<(&str, String)> = vec![("project", s.project.clone())];
    if let Some(target) = &s.target {
        let provider = s
            .provider
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        facts.push(("target", format!("{target}{provider}")));
    }
    facts.push(("status", status_line(report)));
    facts.push(("started", s.started.clone()));
    if let Some(f) = &s.finished {
        facts.push(("finished", f.clone()));
    }
    if let Some(d) = s.duration_s {
        facts.push(("duration", human(d)));
    }
    if let Some(code) = s.exit_code {
        facts.push(("exit code", code.to_string()));
    }
    let t = &s.tasks;
    facts.push((
        "tasks",
        format!(
            "{} total: {} succeeded, {} failed, {} unfinished; {} retried",
            t.total, t.succeeded, t.failed, t.unfinished, t.retried
        ),
    ));
    for (k, v) in &facts {
        let _ = writeln!(out, "  {k:<9} {v}");
    }

    groups(&mut out, "Tasks by name", "NAME", &s.by_task);
    groups(&mut out, "Tasks by tag", "TAG", &s.by_tag);

    out.push_str("\nFailures by class\n");
    if s.failures.by_type.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows: Vec<Vec<String>> = s
            .failures
            .by_type
            .iter()
            .map(|c| {
                let tasks: Vec<String> =
                    c.tasks.iter().map(|(n, k)| format!("{n} ({k})")).collect();
                let mut example = format!("{}: {}", c.example_key, c.example_message);
                if example.chars().count() > 80 {
                    example = example.chars().take(79).collect::<String>() + "…";
                }
                vec![
                    c.kind.clone(),
                    format!("{} of {}", c.count, s.tasks.failed),
                    c.workers.to_string(),
                    tasks.join(", "),
                    example.replace('\n', " "),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                ("TYPE", Left),
                ("TASKS", Right),
                ("WORKERS", Right),
                ("BY NAME", Left),
                ("EXAMPLE", Left),
            ],
            &rows,
        );
    }
    if !s.failures.evidence.is_empty() {
        let ev: Vec<String> = s
            .failures
            .evidence
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(out, "  evidence in failures.jsonl: {}", ev.join(", "));
    }

    let c = &s.cache;
    out.push_str("\nCache\n");
    if c.hits + c.misses + c.stores == 0 {
        out.push_str("  no cache events\n");
    } else {
        let rate = c
            .hit_rate
            .map(|r| format!(" ({} hit rate)", percent(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} hits, {} misses{rate}, {} stored; time saved {}",
            c.hits,
            c.misses,
            c.stores,
            human(c.time_saved_s)
        );
        if c.recomputed + c.store_failed + c.corrupt > 0 {
            let _ = writeln!(
                out,
                "  {} recomputed, {} failed to store, {} corrupt entries quarantined",
                c.recomputed, c.store_failed, c.corrupt
            );
        }
    }

    out.push_str("\nWorkers\n");
    if s.workers.is_empty() {
        out.push_str("  none recorded\n");
    } else {
        let rows: Vec<Vec<String>> = s
            .workers
            .iter()
            .map(|w| {
                vec![
                    w.worker.clone(),
                    w.tasks.to_string(),
                    w.failed.to_string(),
                    human(w.busy_s),
                    human(w.lifetime_s),
                    w.threads.to_string(),
                    w.utilisation.map_or("-".into(), percent),
                    w.restarts.to_string(),
                    w.killed.to_string(),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                ("WORKER", Left),
                ("TASKS", Right),
                ("FAILED", Right),
                ("BUSY", Right),
                ("LIFETIME", Right),
                ("THREADS", Right),
                ("UTIL", Right),
                ("RESTARTS", Right),
                ("KILLED", Right),
            ],
            &rows,
        );
        if let Some(u) = s.utilisation {
            let _ = writeln!(out, "  overall utilisation {}", percent(u));
        }
    }

    let cost = &s.cost;
    out.push_str("\nCost\n");
    let estimate = cost
        .estimate
        .map(|e| format!(" (estimate {})", money(e, &cost.currency)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  so far {}{estimate}",
        money(cost.so_far, &cost.currency)
    );

    let _ = writeln!(
        out,
        "\nArtifacts: {} ({})",
        s.artifacts,
        bytes(s.artifact_bytes)
    );
    if !s.events.torn.is_empty() || s.events.invalid_lines > 0 {
        let _ = writeln!(
            out,
            "Record damage: torn last line in {}; {} unreadable lines skipped",
            if s.events.torn.is_empty() {
                "no stream".to_owned()
            } else {
                s.events.torn.join(", ")
            },
            s.events.invalid_lines
        );
    }
    out
}
