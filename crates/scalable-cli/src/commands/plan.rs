//! `scalable plan` (and `scalable run --dry-run`): validate for a target,
//! plan, print the summary or JSON, optionally write plan.json + manifest.lock
//! and the provider artifacts (`--emit DIR`).

use std::path::PathBuf;

use scalable_manifest::{LOCK_FILE, Lock, render as manifest_render};
use scalable_plan::{Failure, Machine, Objective, Plan, Policy, Request, plan_document};

use crate::commands::load_with;
use crate::{ExitCode, Format, ManifestArg, OverlayArg};

/// Flags shared by `plan` and `run --dry-run`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    overlays: OverlayArg,
    /// Target to plan for [default: $SCALABLE_TARGET, the only target, or `local`]
    #[arg(long, short = 't')]
    target: Option<String>,
    /// Plan only; launch nothing (planning never launches anything)
    #[arg(long)]
    pub dry_run: bool,
    /// Write the plan JSON here, and `manifest.lock` beside it
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write provider artifacts rendered from the plan (sbatch scripts, Dask
    /// Kubernetes resources, ECS task definitions) into DIR
    #[arg(long, value_name = "DIR")]
    emit: Option<PathBuf>,
    /// What to optimise: cost, time or balance
    #[arg(long, value_parser = objective, default_value = "balance")]
    objective: Objective,
    /// Margins and retries: safe, aggressive or manual (exactly as written)
    #[arg(long, value_parser = policy, default_value = "manual")]
    policy: Policy,
    /// Scenarios (fan-out tasks) to plan for [default: 10]
    #[arg(long, value_name = "N")]
    scenarios: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn objective(text: &str) -> Result<Objective, String> {
    Objective::parse(text)
        .ok_or_else(|| format!("`{text}` is not an objective; use cost, time or balance"))
}

fn policy(text: &str) -> Result<Policy, String> {
    Policy::parse(text)
        .ok_or_else(|| format!("`{text}` is not a policy; use safe, aggressive or manual"))
}

impl PlanArgs {
    /// The manifest file these flags name.
    pub fn manifest_path(&self) -> PathBuf {
        self.manifest.path()
    }

    /// The `--overlay` files, as given.
    pub fn overlay_files(&self) -> &[PathBuf] {
        &self.overlays.files
    }

    /// `--scenarios`, if given.
    pub fn scenarios(&self) -> Option<u32> {
        self.scenarios
    }
}

/// Runs `scalable plan`.
pub fn run(args: &PlanArgs) -> ExitCode {
    let plan = match make(args) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    if let Some(path) = &args.output
        && let Err(code) = write(&plan, path, args)
    {
        return code;
    }
    if let Some(dir) = &args.emit
        && let Err(code) = emit(&plan, dir)
    {
        return code;
    }
    match (args.format, &args.output) {
        (Format::Json, None) => print!("{}", scalable_plan::to_json(&plan)),
        (Format::Json, Some(_)) => {}
        (Format::Text, _) => print!("{}", scalable_plan::render::text(&plan)),
    }
    ExitCode::Ok
}

/// Loads, validates and plans; prints why when it cannot.
pub fn make(args: &PlanArgs) -> Result<Plan, ExitCode> {
    let path = args.manifest.path();
    let doc = load_with(&path, &args.overlays)?;
    let target = match doc.select_target(
        args.target.as_deref(),
        std::env::var("SCALABLE_TARGET").ok().as_deref(),
    ) {
        Ok(Some(t)) => t,
        Ok(None) => {
            print!(
                "{}",
                manifest_render::text(&doc.validate(None), &doc.source)
            );
            return Err(ExitCode::Invalid);
        }
        Err(d) => {
            eprint!("{}", manifest_render::diagnostic(&d, &doc.source));
            return Err(ExitCode::Invalid);
        }
    };
    let request = Request {
        objective: args.objective,
        policy: args.policy,
        scenarios: args.scenarios,
        ..Request::new(target)
    };
    let history = crate::run_history(&doc, &request.target);
    match plan_document(&doc, request, Machine::detect(), history) {
        Ok(plan) => Ok(plan),
        Err(Failure::Invalid(report)) => {
            print!("{}", manifest_render::text(&report, &doc.source));
            Err(ExitCode::Invalid)
        }
        Err(Failure::Plan(e)) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            Err(ExitCode::Invalid)
        }
    }
}

fn write(plan: &Plan, path: &std::path::Path, args: &PlanArgs) -> Result<(), ExitCode> {
    let fail = |what: &std::path::Path, e: std::io::Error| {
        eprintln!("error: cannot write `{}`: {e}", what.display());
        ExitCode::Usage
    };
    scalable_manifest::write_atomic(path, scalable_plan::to_json(plan).as_bytes())
        .map_err(|e| fail(path, e))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let lock_path = dir.join(LOCK_FILE);
    match &plan.manifest_lock {
        Some(sha256) => {
            let lock = Lock {
                version: 1,
                manifest: manifest_name(&args.manifest.path()),
                sha256: sha256.clone(),
            };
            lock.write(&lock_path).map_err(|e| fail(&lock_path, e))?;
            eprintln!("Wrote {} and {}", path.display(), lock_path.display());
        }
        None => eprintln!(
            "Wrote {} (no {LOCK_FILE}: other parts of the manifest have errors)",
            path.display()
        ),
    }
    Ok(())
}

/// Writes the plan's provider artifacts under `dir` (created if missing),
/// each atomically, and says on stderr what it wrote.
fn emit(plan: &Plan, dir: &std::path::Path) -> Result<(), ExitCode> {
    let artifacts = scalable_plan::emit::emit(plan);
    if artifacts.is_empty() {
        eprintln!(
            "No provider artifacts for `{}` targets; nothing written to `{}`",
            plan.provider.name,
            dir.display()
        );
        return Ok(());
    }
    let fail = |what: &std::path::Path, e: std::io::Error| {
        eprintln!("error: cannot write `{}`: {e}", what.display());
        ExitCode::Usage
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    for artifact in &artifacts {
        let path = dir.join(&artifact.path);
        scalable_manifest::write_atomic(&path, artifact.contents.as_bytes())
            .map_err(|e| fail(&path, e))?;
        eprintln!("Wrote {}", path.display());
    }
    Ok(())
}

fn manifest_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
