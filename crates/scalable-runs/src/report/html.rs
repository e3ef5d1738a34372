//! The HTML report: one self-contained page. Inline CSS and SVG only; a
//! Content-Security-Policy forbids anything else, so the page loads nothing
//! from anywhere. The timeline has one lane per worker and one bar per task
//! (its last attempt), coloured by task name from a fixed palette; failed
//! tasks are outlined in red with a marker above; each bar's `<title>` is
//! its hover text. Above [`MAX_BARS`] bars, successful tasks are drawn as
//! 2-pixel buckets per lane (the most frequent name's colour, the count in
//! the hover text) so the page stays small; failed tasks are always drawn
//! one by one.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::{Report, bytes, money, percent, status_line};
use crate::summary::{GroupStats, Outcome, TaskRecord, natural_cmp};
use crate::time::human;

/// Most task bars drawn one by one.
pub const MAX_BARS: usize = 12_000;

/// Fixed palette, by task name in sorted order.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac",
    "#86bcb6", "#f1ce63", "#a0cbe8", "#ffbe7d",
];

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 26.0;
const LANE: f64 = 18.0;
const GAP: f64 = 5.0;

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733;background:#fff}
body{margin:24px auto;max-width:1240px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px;word-break:break-all}
h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eef1f4;vertical-align:top}
th{background:#f5f7f9;font-weight:600}
th:first-child,td:first-child,td.l,th.l{text-align:left}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:14px;margin:8px 0}
dt{color:#58636f}dd{margin:0}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600}
.succeeded{background:#2e7d32}.failed{background:#c62828}.interrupted{background:#ef6c00}.running{background:#1565c0}
.muted{color:#6b7682;font-size:12px}
.timeline{width:100%;height:auto;border:1px solid #e3e7eb;background:#fcfdfe}
.timeline text{font-size:11px;fill:#3b4652}
.timeline .lane{fill:#f2f4f6}
.timeline .tick{stroke:#dfe3e8;stroke-width:1}
.bars rect:hover{stroke:#111;stroke-width:1.5}
.timeline .f{stroke:#c62828;stroke-width:2}
.timeline .m{fill:#c62828}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:6px 0}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px}
";

fn palette_css() -> String {
    PALETTE
        .iter()
        .enumerate()
        .map(|(i, c)| format!(".c{i}{{fill:{c}}}"))
        .collect()
}

/// Renders the page.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::with_capacity(64 * 1024 + report.records.len() * 140);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Scalable run {}</title><style>{STYLE}{}</style></head><body>\n",
        esc(&s.run_id),
        palette_css()
    );
    let _ = writeln!(out, "<h1>Run {}</h1>", esc(&s.run_id));
    let _ = writeln!(
        out,
        "<p><span class=\"badge {}\">{}</span> <span>{}</span></p>",
        s.status.as_str(),
        s.status.as_str(),
        esc(&status_line(report))
    );

    // Facts.
    out.push_str("<dl>");
    let mut fact = |k: &str, v: &str| {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    };
    fact("project", &s.project);
    if let Some(t) = &s.target {
        let p = s
            .provider
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        fact("target", &format!("{t}{p}"));
    }
    fact("started", &s.started);
    if let Some(f) = &s.finished {
        fact("finished", f);
    }
    if let Some(d) = s.duration_s {
        fact("duration", &human(d));
    }
    if let Some(code) = s.exit_code {
        fact("exit code", &code.to_string());
    }
    let t = &s.tasks;
    fact(
        "tasks",
        &format!(
            "{} total: {} succeeded, {} failed, {} unfinished; {} retried",
            t.total, t.succeeded, t.failed, t.unfinished, t.retried
        ),
    );
    let c = &s.cache;
    if c.hits + c.misses + c.stores == 0 {
        fact("cache", "no cache events");
    } else {
        fact(
            "cache",
            &format!(
                "{} hits, {} misses{}, {} stored; time saved {}",
                c.hits,
                c.misses,
                c.hit_rate
                    .map(|r| format!(" ({})", percent(r)))
                    .unwrap_or_default(),
                c.stores,
                human(c.time_saved_s)
            ),
        );
    }
    fact(
        "utilisation",
        &s.utilisation.map_or("-".to_owned(), percent),
    );
    let est = s
        .cost
        .estimate
        .map(|e| format!(" (estimate {})", money(e, &s.cost.currency)))
        .unwrap_or_default();
    fact(
        "cost so far",
        &format!("{}{est}", money(s.cost.so_far, &s.cost.currency)),
    );
    fact(
        "artifacts",
        &format!("{} ({})", s.artifacts, bytes(s.artifact_bytes)),
    );
    out.push_str("</dl>\n");

    out.push_str("<h2>Timeline</h2>\n");
    timeline(&mut out, &report.records);

    groups(&mut out, "Tasks by name", "name", &s.by_task);
    groups(&mut out, "Tasks by tag", "tag", &s.by_tag);

    out.push_str("<h2>Failures by class</h2>\n");
    if s.failures.by_type.is_empty() {
        out.push_str("<p class=\"muted\">No task failed.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>type</th><th>tasks</th><th>workers</th><th class=\"l\">by name</th>\
             <th class=\"l\">example</th></tr>\n",
        );
        for f in &s.failures.by_type {
            let names: Vec<String> = f.tasks.iter().map(|(n, k)| format!("{n} ({k})")).collect();
            let args = f
                .example_args
                .as_ref()
                .map(|a| serde_json::to_string(a).unwrap_or_default())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} of {}</td><td>{}</td><td class=\"l\">{}</td>\
                 <td class=\"l\"><code>{}</code><br>{}<br><span class=\"muted\">{}</span></td></tr>",
                esc(&f.kind),
                f.count,
                s.tasks.failed,
                f.workers,
                esc(&names.join(", ")),
                esc(&f.example_key),
                esc(&f.example_message),
                esc(&args)
            );
        }
        out.push_str("</table>\n");
    }
    if !s.failures.evidence.is_empty() {
        let ev: Vec<String> = s
            .failures
            .evidence
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"muted\">Scheduler evidence in failures.jsonl: {}</p>",
            esc(&ev.join(", "))
        );
    }

    out.push_str("<h2>Workers</h2>\n");
    if s.workers.is_empty() {
        out.push_str("<p class=\"muted\">No worker recorded.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>worker</th><th>tasks</th><th>failed</th><th>busy</th><th>lifetime</th>\
             <th>threads</th><th>utilisation</th><th>restarts</th><th>killed</th></tr>\n",
        );
        for w in &s.workers {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                esc(&w.worker),
                w.tasks,
                w.failed,
                human(w.busy_s),
                human(w.lifetime_s),
                w.threads,
                w.utilisation.map_or("-".to_owned(), percent),
                w.restarts,
                w.killed
            );
        }
        out.push_str("</table>\n");
    }
    if !s.events.torn.is_empty() || s.events.invalid_lines > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">Record damage: torn last line in {}; {} unreadable lines skipped.</p>",
            esc(&s.events.torn.join(", ")),
            s.events.invalid_lines
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">Written by scalable report from {}.</p>\n</body></html>",
        esc(&report.run.dir.path().display().to_string())
    );
    out
}

fn groups(out: &mut String, title: &str, head: &str, groups: &[GroupStats]) {
    let _ = writeln!(out, "<h2>{}</h2>", esc(title));
    if groups.is_empty() {
        out.push_str("<p class=\"muted\">No task recorded.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<table><tr><th>{}</th><th>count</th><th>ok</th><th>failed</th><th>unfinished</th>\
         <th>retries</th><th>p50</th><th>p95</th><th>max</th><th>peak memory</th></tr>",
        esc(head)
    );
    for g in groups {
        let (p50, p95, max) = g
            .duration
            .map(|d| (human(d.p50), human(d.p95), human(d.max)))
            .unwrap_or(("-".into(), "-".into(), "-".into()));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&g.name),
            g.count,
            g.succeeded,
            g.failed,
            g.unfinished,
            g.retries,
            p50,
            p95,
            max,
            g.peak_memory.map_or("-".to_owned(), bytes)
        );
    }
    out.push_str("</table>\n");
}

/// A tick step (seconds) giving about eight ticks over `span`.
fn tick_step(span: f64) -> f64 {
    const STEPS: [f64; 20] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
        3600.0, 7200.0, 14400.0, 28800.0, 86400.0,
    ];
    STEPS
        .into_iter()
        .find(|s| span / s <= 8.0)
        .unwrap_or(span / 8.0)
}

fn tick_label(t: f64, step: f64) -> String {
    if t == 0.0 {
        return "0".to_owned();
    }
    if step < 1.0 {
        return format!("{t:.1}s");
    }
    let t = t.round() as u64;
    match t {
        0..60 => format!("{t}s"),
        60..3600 if t.is_multiple_of(60) => format!("{}m", t / 60),
        60..3600 => format!("{}m{:02}s", t / 60, t % 60),
        _ if t.is_multiple_of(3600) => format!("{}h", t / 3600),
        _ => format!("{}h{:02}m", t / 3600, t % 3600 / 60),
    }
}

fn timeline(out: &mut String, records: &[TaskRecord]) {
    let bars: Vec<(&TaskRecord, f64, f64)> = records
        .iter()
        .filter_map(|r| Some((r, r.started?, r.ended?)))
        .filter(|(_, a, b)| a.is_finite() && b.is_finite() && b >= a)
        .collect();
    if bars.is_empty() {
        out.push_str("<p class=\"muted\">No task has both a start and an end yet.</p>\n");
        return;
    }
    let t0 = bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
    let t1 = bars.iter().map(|b| b.2).fold(f64::NEG_INFINITY, f64::max);
    let span = (t1 - t0).max(1e-3);
    let scale = (WIDTH - LEFT - RIGHT) / span;
    let x = |t: f64| LEFT + (t - t0) * scale;

    // Lanes by worker name; colours by task name, both sorted.
    let mut lanes: HashMap<&str, usize> = HashMap::new();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (r, _, _) in &bars {
        lanes.insert(r.worker.as_deref().unwrap_or("(no worker)"), 0);
        names.insert(r.name.as_str(), 0);
    }
    let mut order: Vec<&str> = lanes.keys().copied().collect();
    order.sort_by(|a, b| natural_cmp(a, b));
    for (i, worker) in order.iter().enumerate() {
        lanes.insert(worker, i);
    }
    for (i, v) in names.values_mut().enumerate() {
        *v = i % PALETTE.len();
    }
    let height = TOP + lanes.len() as f64 * (LANE + GAP) + GAP;
    let _ = writeln!(
        out,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Task timeline, one lane per worker\">"
    );
    // Axis.
    let step = tick_step(span);
    let mut k = 0.0;
    while k <= span + 1e-9 {
        let xx = x(t0 + k);
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{}\" y2=\"{height}\"/>\
             <text x=\"{xx:.1}\" y=\"14\" text-anchor=\"middle\">{}</text>",
            TOP - 6.0,
            tick_label(k, step)
        );
        k += step;
    }
    out.push('\n');
    for (i, worker) in order.iter().enumerate() {
        let y = TOP + i as f64 * (LANE + GAP);
        let label: String = if worker.chars().count() > 22 {
            worker.chars().take(21).collect::<String>() + "…"
        } else {
            (*worker).to_owned()
        };
        let _ = writeln!(
            out,
            "<rect class=\"lane\" x=\"{LEFT}\" y=\"{y}\" width=\"{:.1}\" height=\"{LANE}\"/>\
             <text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            WIDTH - LEFT - RIGHT,
            LEFT - 6.0,
            y + LANE * 0.72,
            esc(worker),
            esc(&label)
        );
    }

    // Bars, grouped per lane (`<g>` moved to the lane's y); failed ones
    // last so they draw on top.
    let one_by_one = bars.len() <= MAX_BARS;
    let mut per_lane: Vec<(String, String)> = vec![(String::new(), String::new()); lanes.len()];
    let mut buckets: HashMap<(usize, i64), BTreeMap<&str, u64>> = HashMap::new();
    let mut markers = String::new();
    for (r, a, b) in &bars {
        let lane = lanes[r.worker.as_deref().unwrap_or("(no worker)")];
        let failed = r.outcome == Outcome::Failed;
        if !one_by_one && !failed {
            let first = ((x(*a) - LEFT) / 2.0).floor() as i64;
            let last = ((x(*b) - LEFT) / 2.0).floor() as i64;
            for bucket in first..=last {
                *buckets
                    .entry((lane, bucket))
                    .or_default()
                    .entry(r.name.as_str())
                    .or_default() += 1;
            }
            continue;
        }
        let w = ((b - a) * scale).max(1.0);
        let mut hover = if r.key.starts_with(r.name.as_str()) {
            r.key.clone()
        } else {
            format!("{}: {}", r.name, r.key)
        };
        let _ = write!(hover, " · {}", human(b - a));
        if failed {
            let _ = write!(hover, " · FAILED on {}", r.worker.as_deref().unwrap_or("?"));
            if let Some(e) = &r.exception {
                let msg: String = e.message.chars().take(160).collect();
                let _ = write!(hover, "\n{}: {msg}", e.kind);
            }
            if let Some(args) = &r.args {
                let text: String = serde_json::to_string(args)
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                let _ = write!(hover, "\nargs {text}");
            }
            if r.retries > 0 {
                let _ = write!(hover, "\nretried {}×", r.retries);
            }
            let _ = write!(
                markers,
                "<path class=\"m\" d=\"M{:.1} {:.1}l-4 -6h8z\"><title>{}</title></path>",
                x(*a) + w / 2.0,
                TOP + lane as f64 * (LANE + GAP) - 0.5,
                esc(&hover)
            );
        } else if r.retries > 0 {
            let _ = write!(hover, " · retried {}×", r.retries);
        }
        let target = if failed {
            &mut per_lane[lane].1
        } else {
            &mut per_lane[lane].0
        };
        let _ = writeln!(
            target,
            "<rect class=\"c{}{}\" x=\"{:.1}\" width=\"{w:.1}\" height=\"{LANE}\"><title>{}</title></rect>",
            names[r.name.as_str()],
            if failed { " f" } else { "" },
            x(*a),
            esc(&hover)
        );
    }
    if !buckets.is_empty() {
        let mut keys: Vec<&(usize, i64)> = buckets.keys().collect();
        keys.sort();
        for key in keys {
            let counts = &buckets[key];
            let (name, _) = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .expect("a bucket holds a task");
            let total: u64 = counts.values().sum();
            let detail: Vec<String> = counts.iter().map(|(n, c)| format!("{n} ×{c}")).collect();
            let _ = writeln!(
                per_lane[key.0].0,
                "<rect class=\"c{}\" x=\"{:.1}\" width=\"2\" height=\"{LANE}\"><title>{} task{} here: {}</title></rect>",
                names[name],
                LEFT + key.1 as f64 * 2.0,
                total,
                if total == 1 { "" } else { "s" },
                esc(&detail.join(", "))
            );
        }
    }
    for (lane, (ok, failed)) in per_lane.iter().enumerate() {
        let _ = writeln!(
            out,
            "<g class=\"bars\" transform=\"translate(0 {})\">\n{ok}{failed}</g>",
            TOP + lane as f64 * (LANE + GAP)
        );
    }
    out.push_str(&markers);
    out.push_str("</svg>\n");
    if !one_by_one {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{} tasks: successful ones are drawn in 2-pixel buckets per worker; failed ones one by one.</p>",
            bars.len()
        );
    }
    out.push_str("<div class=\"legend\">");
    for (name, i) in &names {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span>",
            PALETTE[*i],
            esc(name)
        );
    }
    out.push_str(
        "<span><i style=\"background:#fff;outline:2px solid #c62828\"></i>failed</span></div>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn ticks() {
        assert_eq!(tick_step(60.0), 10.0);
        assert_eq!(tick_step(3600.0), 600.0);
        assert_eq!(tick_label(90.0, 30.0), "1m30s");
        assert_eq!(tick_label(7200.0, 3600.0), "2h");
        assert_eq!(tick_label(0.4, 0.2), "0.4s");
    }
}
