//! `scalable cache stats | ls | show KEY | verify [--repair] | prune | clear | explain`:
//! the project's result cache (see docs/caching.md).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use scalable_cache::explain::{self, short};
use scalable_cache::maintain::Listed;
use scalable_cache::units::{human_bytes, parse_age, parse_size};
use scalable_cache::{Cache, CacheError, Options, Store};
use scalable_runs::time::{human, rfc3339};
use serde_json::json;

use crate::{ExitCode, Format};

/// Flags of `scalable cache`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Cache directory [default: $SCALABLE_CACHE_DIR, else the manifest's
    /// `project.local_cache`, else ./.scalable/cache]
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Manifest naming the cache in `project.local_cache` [default:
    /// $SCALABLE_MANIFEST or ./scalable.yaml, when present]
    #[arg(long, global = true, value_name = "MANIFEST")]
    manifest: Option<PathBuf>,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Entries, sizes and compute time held, per function
    Stats,
    /// List the entries, oldest first
    Ls,
    /// One entry: its key parts, value and output
    Show {
        /// The key, or a unique prefix of it (at least 4 hex digits)
        key: String,
    },
    /// Check every entry and blob against its digest
    Verify {
        /// Move damaged files to `quarantine/`, drop entries whose value is
        /// gone, remove stale temp files and leases
        #[arg(long)]
        repair: bool,
    },
    /// Remove old entries, or the oldest until the cache fits a size
    Prune {
        /// Remove entries stored longer ago than this (`30d`, `12h`)
        #[arg(long, value_name = "AGE")]
        older_than: Option<String>,
        /// Then remove the oldest entries until the cache holds at most this (`10G`)
        #[arg(long, value_name = "SIZE")]
        max_size: Option<String>,
    },
    /// Remove every entry (asks for `--yes`)
    Clear {
        /// Really remove everything in the cache
        #[arg(long)]
        yes: bool,
    },
    /// Say which part of the key changed between a function's latest entry
    /// and the closest earlier one (the body, an argument, a file in a
    /// directory, the image)
    Explain {
        /// The function's qualified name (as in `scalable cache stats`)
        function: String,
        /// Explain each entry this run stored (a run id or a unique part of one)
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
    },
}

fn fail(e: &CacheError) -> ExitCode {
    eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
    ExitCode::Usage
}

/// The cache directory the flags, environment and manifest name.
fn cache_dir(args: &Args, cwd: &Path) -> PathBuf {
    if let Some(dir) = &args.dir {
        return cwd.join(dir);
    }
    let manifest = args
        .manifest
        .clone()
        .or_else(|| std::env::var_os("SCALABLE_MANIFEST").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("scalable.yaml"));
    let from_manifest = if cwd.join(&manifest).is_file() {
        scalable_manifest::load(&cwd.join(&manifest))
            .ok()
            .and_then(|doc| {
                let local = doc.validate(None).manifest?.project.local_cache?;
                Some(doc.dir.join(local))
            })
    } else {
        None
    };
    scalable_cache::resolve_dir(cwd, from_manifest.as_deref())
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = cache_dir(args, &cwd);
    let store = Store::at(&dir);
    let json = args.format == Format::Json;
    match &args.command {
        Sub::Stats => stats(&store, json),
        Sub::Ls => ls(&store, json),
        Sub::Show { key } => show(&store, key, json),
        Sub::Verify { repair } => verify(&store, *repair, json),
        Sub::Prune {
            older_than,
            max_size,
        } => prune(&store, older_than.as_deref(), max_size.as_deref(), json),
        Sub::Clear { yes } => clear(&store, *yes, json),
        Sub::Explain { function, run } => explain_cmd(&dir, &cwd, function, run.as_deref(), json),
    }
}

fn stats(store: &Store, json: bool) -> ExitCode {
    let s = store.stats();
    if json {
        print_json(&serde_json::to_value(&s).unwrap_or_default());
        return ExitCode::Ok;
    }
    let mut out = String::new();
    let _ = writeln!(out, "Cache `{}`", s.dir);
    let _ = writeln!(
        out,
        "  entries      {} ({}), {} damaged",
        s.entries,
        human_bytes(s.bytes),
        s.damaged
    );
    let _ = writeln!(
        out,
        "  on disk      {} in entries and {} blobs",
        human_bytes(s.disk_bytes),
        s.blobs
    );
    let _ = writeln!(out, "  quarantined  {} files", s.quarantined);
    let _ = writeln!(out, "  leases       {}", s.leases);
    if let (Some(o), Some(n)) = (s.oldest, s.newest) {
        let _ = writeln!(out, "  stored       {} .. {}", rfc3339(o), rfc3339(n));
    }
    if !s.functions.is_empty() {
        let w = s
            .functions
            .keys()
            .map(String::len)
            .max()
            .unwrap_or(0)
            .max(8);
        let _ = writeln!(out, "\nFunctions");
        let _ = writeln!(
            out,
            "  {:<w$}  {:>7}  {:>10}  {:>9}  NEWEST",
            "FUNCTION", "ENTRIES", "SIZE", "COMPUTE"
        );
        for (name, f) in &s.functions {
            let _ = writeln!(
                out,
                "  {:<w$}  {:>7}  {:>10}  {:>9}  {}",
                name,
                f.entries,
                human_bytes(f.bytes),
                human(f.compute_s),
                rfc3339(f.newest)
            );
        }
    }
    print!("{out}");
    ExitCode::Ok
}

fn ls(store: &Store, json: bool) -> ExitCode {
    let listed = store.list();
    if json {
        let rows: Vec<_> = listed.iter().map(row_json).collect();
        print_json(&serde_json::Value::Array(rows));
        return ExitCode::Ok;
    }
    if listed.is_empty() {
        eprintln!("no entries in `{}`", store.dir().display());
        return ExitCode::Ok;
    }
    let w = listed
        .iter()
        .filter_map(|l| l.meta.as_ref().ok().map(|m| m.function.len()))
        .max()
        .unwrap_or(0)
        .max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12}  {:<w$}  {:<20}  {:>10}  {:>8}",
        "KEY", "FUNCTION", "STORED", "SIZE", "COMPUTE"
    );
    for l in &listed {
        match &l.meta {
            Ok(m) => {
                let _ = writeln!(
                    out,
                    "{:<12}  {:<w$}  {:<20}  {:>10}  {:>8}",
                    short(&m.key),
                    m.function,
                    rfc3339(m.created),
                    human_bytes(l.bytes),
                    human(m.compute_s)
                );
            }
            Err(why) => {
                let _ = writeln!(out, "damaged: `{}`: {why}", l.path.display());
            }
        }
    }
    print!("{out}");
    ExitCode::Ok
}

fn row_json(l: &Listed) -> serde_json::Value {
    match &l.meta {
        Ok(m) => json!({
            "key": m.key, "function": m.function, "created": m.created,
            "compute_s": m.compute_s, "bytes": l.bytes, "value_bytes": m.value.bytes,
            "path": l.path.display().to_string(),
        }),
        Err(why) => json!({"path": l.path.display().to_string(), "damaged": why}),
    }
}

fn show(store: &Store, key: &str, json: bool) -> ExitCode {
    let listed = match store.find(key) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let meta = match &listed.meta {
        Ok(m) => m,
        Err(why) => {
            eprintln!(
                "error[E_CACHE_DAMAGED]: entry `{}` is damaged: {why}\n  = help: run `scalable cache verify --repair` to quarantine it",
                listed.path.display()
            );
            return ExitCode::Invalid;
        }
    };
    if json {
        let mut v = serde_json::to_value(meta).unwrap_or_default();
        v["path"] = json!(listed.path.display().to_string());
        print_json(&v);
        return ExitCode::Ok;
    }
    let mut out = String::new();
    let _ = writeln!(out, "Entry {}", meta.key);
    let _ = writeln!(out, "  function   {}", meta.function);
    let _ = writeln!(out, "  stored     {}", rfc3339(meta.created));
    let _ = writeln!(out, "  compute    {}", human(meta.compute_s));
    let _ = writeln!(
        out,
        "  value      {} ({}), digest {}",
        human_bytes(meta.value.bytes),
        if meta.value.inline { "inline" } else { "blob" },
        short(&meta.value.digest.to_hex())
    );
    if let Some(o) = &meta.output {
        let _ = writeln!(
            out,
            "  output     {} `{}`, digest {}",
            o.kind,
            o.path,
            short(&o.digest.to_hex())
        );
    }
    let _ = writeln!(out, "  path       {}", listed.path.display());
    let p = &meta.parts;
    let _ = writeln!(out, "Key parts (format version {})", p.version);
    let _ = writeln!(
        out,
        "  function   {} (source {})",
        p.function.name,
        short(&p.function.source.to_hex())
    );
    for a in &p.args {
        let _ = writeln!(
            out,
            "  argument   {} ({}) {} = {}",
            a.name,
            a.kind.as_str(),
            short(&a.digest.to_hex()),
            a.shown.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(
        out,
        "  image      {}",
        p.image.as_deref().unwrap_or("(none)")
    );
    print!("{out}");
    ExitCode::Ok
}

fn verify(store: &Store, repair: bool, json: bool) -> ExitCode {
    let bar = progress_bar();
    let report = store.verify(repair, &mut |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let unrepaired = report.problems.iter().any(|p| !p.quarantined);
    if json {
        print_json(&serde_json::to_value(&report).unwrap_or_default());
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "verified {} entries and {} blobs ({})",
            report.entries,
            report.blobs,
            human_bytes(report.bytes)
        );
        for p in &report.problems {
            let action = if p.quarantined {
                "quarantined"
            } else {
                "damaged"
            };
            let _ = writeln!(out, "  {action}: `{}`: {}", p.path, p.reason);
        }
        if repair {
            let _ = writeln!(
                out,
                "removed {} stale temp files and {} stale leases",
                report.removed_temps, report.removed_leases
            );
        }
        if report.ok() {
            let _ = writeln!(out, "ok: every entry and blob matches its digest");
        } else if unrepaired {
            let _ = writeln!(
                out,
                "{} damaged; run `scalable cache verify --repair` to quarantine them (they are recomputed when next needed)",
                report.problems.len()
            );
        }
        print!("{out}");
    }
    if unrepaired {
        ExitCode::Invalid
    } else {
        ExitCode::Ok
    }
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "verifying {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .ok()?,
    );
    Some(bar)
}

fn prune(store: &Store, older: Option<&str>, max: Option<&str>, json: bool) -> ExitCode {
    let older = match older.map(parse_age).transpose() {
        Ok(v) => v,
        Err(e) => return fail(&e),
    };
    let max = match max.map(parse_size).transpose() {
        Ok(v) => v,
        Err(e) => return fail(&e),
    };
    let r = store.prune(older, max);
    if json {
        print_json(&serde_json::to_value(&r).unwrap_or_default());
    } else {
        println!(
            "removed {} entries and {} blobs ({}); kept {} entries ({})",
            r.entries,
            r.blobs,
            human_bytes(r.bytes),
            r.kept,
            human_bytes(r.kept_bytes)
        );
    }
    ExitCode::Ok
}

fn clear(store: &Store, yes: bool, json: bool) -> ExitCode {
    if !yes {
        eprintln!(
            "error[E_CACHE_CONFIRM]: refusing to clear `{}` without `--yes`\n  = help: run `scalable cache clear --yes` to remove every entry",
            store.dir().display()
        );
        return ExitCode::Usage;
    }
    match store.clear() {
        Ok(n) if json => {
            print_json(&json!({"removed": n, "dir": store.dir().display().to_string()}))
        }
        Ok(n) => println!("removed {n} entries from `{}`", store.dir().display()),
        Err(e) => return fail(&e),
    }
    ExitCode::Ok
}

fn explain_cmd(dir: &Path, cwd: &Path, function: &str, run: Option<&str>, json: bool) -> ExitCode {
    let keys = match run {
        None => None,
        Some(id) => {
            let root = scalable_runs::runs_root(cwd);
            let loaded = scalable_runs::find(&root, id).and_then(|d| scalable_runs::load(d.path()));
            match loaded {
                Ok(run) => Some(
                    run.cache
                        .iter()
                        .filter(|e| e.event == "store")
                        .filter_map(|e| e.key.clone())
                        .collect::<Vec<_>>(),
                ),
                Err(e) => return crate::commands::runs::fail(&e),
            }
        }
    };
    let cache = match Cache::open(dir, Options::from_env()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let list = match explain::explain(&cache, function, keys.as_deref()) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if json {
        print_json(&serde_json::to_value(&list).unwrap_or_default());
    } else if list.is_empty() {
        eprintln!("the run stored no entry of `{function}`");
    } else {
        print!("{}", explain::to_text(&list, &rfc3339));
    }
    ExitCode::Ok
}
