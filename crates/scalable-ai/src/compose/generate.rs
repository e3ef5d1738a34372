//! From an intent to a workflow: the functions (one per stage and model),
//! the steps of `main` that submit them, and the components and tasks the
//! manifest needs for their tags. Bodies come from the templates in
//! `templates/compose/`; this module decides which and with what.

use std::collections::BTreeSet;

use serde::Serialize;

use super::additions;
pub use super::additions::Additions;
use super::catalog::{self, Catalog, Model};
use super::intent::{FanOut, Intent, OutputKind, Stage, ValueType};
use super::known::Call;
use super::render::{self, Templates};

/// One generated function.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// Its name (also the task name in the manifest).
    pub name: String,
    /// Its stage.
    pub stage: Stage,
    /// The tag it is submitted with: a component of the (merged) manifest.
    pub tag: String,
    /// Its docstring.
    pub doc: String,
    /// `@cacheable(...)` keywords, as Python.
    pub decorator: Vec<String>,
    /// `(name, annotation)` of each parameter.
    pub params: Vec<(String, String)>,
    /// The return annotation.
    pub returns: String,
    /// The body, indented four spaces.
    pub body: String,
}

/// One step of `main`: a submit, or one submit per item.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The function submitted.
    pub function: String,
    /// Its tag.
    pub tag: String,
    /// One submit per item of `over` (else one submit).
    pub map: bool,
    /// The loop variable.
    pub item: String,
    /// The iterable.
    pub over: String,
    /// Arguments, as Python expressions.
    pub args: Vec<String>,
    /// The futures' variable (map steps).
    pub futures: String,
    /// The results' variable.
    pub result: String,
}

/// A command-line flag of the generated workflow.
#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    /// `--base-config`.
    pub flag: String,
    /// Its default, as Python.
    pub default: String,
    /// Its help text.
    pub help: String,
}

/// The generated workflow, before rendering.
#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    /// First line of the module docstring.
    pub title: String,
    /// Further docstring lines.
    pub doc: Vec<String>,
    /// Standard-library import lines, sorted.
    pub std_imports: Vec<String>,
    /// Names imported from `scalable`, sorted.
    pub scalable_imports: Vec<String>,
    /// Module constants: `(name, Python value, comment)`.
    pub constants: Vec<(String, String, String)>,
    /// The helper that reads the fan-out flag: `(name, variable, plural, type)`.
    pub helper: Option<(String, String, String, String)>,
    /// The functions, in pipeline order.
    pub functions: Vec<Function>,
    /// The flags of `main`.
    pub flags: Vec<Flag>,
    /// The steps of `main`.
    pub steps: Vec<Step>,
    /// Submit each item and wait for it before the next (sequential).
    pub sequential: bool,
    /// Expression of a file to record as the run's result.
    pub artifact: Option<String>,
    /// What `main` prints at the end (a Python f-string body).
    pub done: String,
}

/// Everything generated.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The workflow.
    pub workflow: Workflow,
    /// The manifest additions.
    pub additions: Additions,
    /// Python packages the workflow imports.
    pub dependencies: Vec<String>,
    /// What the user should do or check.
    pub notes: Vec<String>,
}

/// Names the generated `main` uses itself; a fan-out variable never takes one.
const RESERVED: &[&str] = &[
    "args", "client", "session", "parser", "result", "results", "cfg", "path", "config", "main",
    "str", "int", "float", "list", "dict", "print", "len", "range", "json", "csv", "figure",
    "summary", "report", "value", "text", "fields", "rows", "table", "index", "item", "items",
];

const KEYWORDS: &[&str] = &[
    "false", "none", "true", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type",
];

/// A Python identifier made from `text`: lower-case, `_` for the rest.
pub fn identifier(text: &str) -> String {
    let mut out: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let mut out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("m_{out}");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push_str("_value");
    }
    out
}

/// A Python string literal.
pub fn py_str(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

pub(super) struct Plan<'a> {
    pub(super) model: &'a Model,
    pub(super) id: String,
    pub(super) call: Option<Call>,
}

/// Generates the workflow, additions and dependencies for `intent`, or
/// `None` when no model to run was understood.
pub fn generate(intent: &Intent, catalog: &Catalog, templates: &Templates) -> Option<Generated> {
    if intent.models.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    let plans: Vec<Plan> = intent
        .models
        .iter()
        .filter_map(|m| catalog.models.iter().find(|c| c.key == m.key))
        .map(|model| {
            let call = match &model.repo {
                Some(repo) => {
                    let known = model.known.and_then(|k| k.to_call());
                    // A built-in call the onboarded copy still exports needs
                    // no walk of the repository (the walk is most of the time).
                    let confirmed = known.as_ref().and_then(|k| {
                        catalog::exports(repo, &k.module, &k.function).map(|file| Call {
                            source: format!("built-in knowledge, `{}` found in {file}", k.function),
                            ..k.clone()
                        })
                    });
                    if confirmed.is_some() {
                        return Plan {
                            model,
                            id: identifier(&model.key),
                            call: confirmed,
                        };
                    }
                    match (catalog::detect_call(repo), known) {
                        // The onboarded entry point is the one heuristic mode
                        // knows: keep its extra keywords and returned keys.
                        (Some(found), Some(known))
                            if found.module == known.module && found.function == known.function =>
                        {
                            Some(Call {
                                source: found.source,
                                ..known
                            })
                        }
                        (found, known) => found.or(known),
                    }
                }
                None => model.known.and_then(|k| k.to_call()),
            };
            Plan {
                model,
                id: identifier(&model.key),
                call,
            }
        })
        .collect();
    let first = &plans[0];
    let last = plans.last().expect("at least one model");
    let fan = intent.fanout.as_ref().map(|f| {
        let mut v = identifier(&f.variable);
        if RESERVED.contains(&v.as_str()) {
            v.push_str("_value");
        }
        (v, identifier(&f.plural), f)
    });
    let mut wf = Workflow {
        title: title(intent),
        doc: Vec::new(),
        std_imports: Vec::new(),
        scalable_imports: vec!["ScalableSession".to_string(), "cacheable".to_string()],
        constants: Vec::new(),
        helper: None,
        functions: Vec::new(),
        flags: Vec::new(),
        steps: Vec::new(),
        sequential: !intent.parallel,
        artifact: None,
        done: "Pipeline complete".to_string(),
    };
    let mut std: BTreeSet<&str> = BTreeSet::from(["import argparse"]);
    let mut needs_file_type = false;
    let output_dir = format!("./outputs/{}", first.model.key);
    wf.constants
        .push(("OUTPUT_DIR".to_string(), py_str(&output_dir), String::new()));

    // The fan-out's values: a constant, a flag, and the helper reading it.
    let items = match &fan {
        Some((v, plural, f)) => {
            let constant = plural.to_uppercase();
            let comment = if f.values.is_empty() {
                format!("TODO: list the {plural} to run (the description names none)")
            } else if f.values_from == "description" {
                String::new()
            } else {
                format!("from {}", f.values_from)
            };
            wf.constants
                .push((constant.clone(), values_literal(f), comment));
            wf.flags.push(Flag {
                flag: format!("--{}", plural.replace('_', "-")),
                default: format!("\",\".join(str(v) for v in {constant})"),
                help: format!("comma-separated {plural} to run"),
            });
            let helper = format!("{v}_runs");
            wf.helper = Some((
                helper.clone(),
                v.clone(),
                plural.clone(),
                f.value_type.python().to_string(),
            ));
            Some(format!("{helper}(args.{plural})"))
        }
        None => None,
    };
    let var = fan.as_ref().map(|(v, _, _)| v.clone());
    let var_type = fan
        .as_ref()
        .map(|(_, _, f)| f.value_type)
        .unwrap_or(ValueType::Str);

    // Prepare: the first model reads one configuration per run.
    let reads_config = first.model.known.is_some_and(|k| k.reads_config)
        || first
            .call
            .as_ref()
            .is_some_and(|c| c.config_keyword.is_some());
    let prepare =
        reads_config && (fan.is_some() || intent.has(Stage::Prepare)) || intent.has(Stage::Prepare);
    let base_config = first
        .model
        .known
        .map(|k| k.base_config.to_string())
        .unwrap_or_else(|| format!("./{}_data/config.ini", first.model.key.replace('-', "_")));
    if reads_config || prepare {
        wf.constants.push((
            "BASE_CONFIG".to_string(),
            py_str(&base_config),
            String::new(),
        ));
        wf.flags.push(Flag {
            flag: "--base-config".to_string(),
            default: "BASE_CONFIG".to_string(),
            help: "the configuration each run starts from".to_string(),
        });
    }
    wf.flags.push(Flag {
        flag: "--output-dir".to_string(),
        default: "OUTPUT_DIR".to_string(),
        help: "where runs write their outputs".to_string(),
    });

    let mut results_var;
    let mut config_source: Option<(String, bool)> = None; // (variable or expr, is a list)
    if prepare {
        let name = format!("prepare_{}_config", first.id);
        let mut params = Vec::new();
        let mut decorator = vec![
            "return_type=FileType".to_string(),
            "check_output=True".to_string(),
        ];
        if let Some(v) = &var {
            params.push((v.clone(), var_type.python().to_string()));
            decorator.push(format!("{v}={}", var_type.python()));
        }
        params.push(("base_config".to_string(), "str".to_string()));
        params.push(("output_dir".to_string(), "str".to_string()));
        decorator.push("base_config=FileType".to_string());
        decorator.push("output_dir=str".to_string());
        needs_file_type = true;
        let ini = first.model.known.and_then(|k| k.ini);
        let body = match ini {
            Some(ini) => {
                std.insert("import configparser");
                templates.body(
                    "prepare_ini.py.j2",
                    minijinja::context! {
                        var => &var, key => &first.model.key, display => &first.model.display,
                        scenario => ini.scenario, output_dir => ini.output_dir, root_dir => ini.root_dir,
                        sets_var => var.as_deref() == Some("scenario"),
                        todo => var.as_deref().filter(|v| *v != "scenario").map(|v| render::todo(&format!(
                            "set {v} in the copied configuration: heuristic mode knows which keys of {}'s configuration hold the scenario and the output folder, not the {v}", first.model.display), 4)),
                    },
                )
            }
            None => {
                std.insert("import shutil");
                templates.body(
                    "prepare_copy.py.j2",
                    minijinja::context! {
                        var => &var,
                        todo => render::todo(&format!(
                            "edit the copy for this run: set {} and point its outputs at run_dir ({}'s configuration format is not known to heuristic mode)",
                            var.as_deref().map(|v| format!("the {v} to `{v}`")).unwrap_or_else(|| "the run's parameters".to_string()),
                            first.model.display), 4),
                    },
                )
            }
        };
        std.insert("from pathlib import Path");
        wf.functions.push(Function {
            name: name.clone(),
            stage: Stage::Prepare,
            tag: "preprocess".to_string(),
            doc: match &var {
                Some(v) => format!("Write {}'s configuration for one {v}.", first.model.display),
                None => format!("Write {}'s configuration for the run.", first.model.display),
            },
            decorator,
            params,
            returns: "str".to_string(),
            body,
        });
        let mut args = Vec::new();
        if let Some(v) = &var {
            args.push(v.clone());
        }
        args.push("args.base_config".to_string());
        args.push("args.output_dir".to_string());
        let mapped = items.is_some();
        wf.steps.push(Step {
            function: name,
            tag: "preprocess".to_string(),
            map: mapped,
            item: var.clone().unwrap_or_default(),
            over: items.clone().unwrap_or_default(),
            args,
            futures: "config_futures".to_string(),
            result: if mapped {
                "config_files"
            } else {
                "config_file"
            }
            .to_string(),
        });
        config_source = Some((
            if mapped {
                "config_files"
            } else {
                "config_file"
            }
            .to_string(),
            mapped,
        ));
    } else if reads_config {
        config_source = Some(("args.base_config".to_string(), false));
    }

    // Run: the first model, then each next model on the previous results.
    for (i, plan) in plans.iter().enumerate() {
        let display = &plan.model.display;
        let name = match &var {
            Some(v) => format!("run_{}_{v}", plan.id),
            None => format!("run_{}", plan.id),
        };
        let tag = plan.model.key.clone();
        let (params, decorator, body, step_item, step_over, step_args, mapped);
        if i == 0 {
            match &config_source {
                Some((source, is_list)) => {
                    params = vec![("config_file".to_string(), "str".to_string())];
                    decorator = vec![
                        "return_type=dict".to_string(),
                        "config_file=FileType".to_string(),
                    ];
                    needs_file_type = true;
                    body = run_body(templates, plan, display, "config_file", &mut notes);
                    mapped = *is_list;
                    step_item = "cfg".to_string();
                    step_over = source.clone();
                    step_args = vec![if *is_list {
                        "cfg".to_string()
                    } else {
                        source.clone()
                    }];
                }
                None => {
                    let mut p = Vec::new();
                    let mut d = vec!["return_type=dict".to_string()];
                    if let Some(v) = &var {
                        p.push((v.clone(), var_type.python().to_string()));
                        d.push(format!("{v}={}", var_type.python()));
                    }
                    p.push(("output_dir".to_string(), "str".to_string()));
                    d.push("output_dir=str".to_string());
                    params = p;
                    decorator = d;
                    body = templates.body(
                        "run_todo.py.j2",
                        minijinja::context! {
                            var => &var,
                            todo => render::todo(&how_to_run(plan, display), 4),
                        },
                    );
                    mapped = items.is_some();
                    step_item = var.clone().unwrap_or_default();
                    step_over = items.clone().unwrap_or_default();
                    let mut a = Vec::new();
                    if let Some(v) = &var {
                        a.push(v.clone());
                    }
                    a.push("args.output_dir".to_string());
                    step_args = a;
                }
            }
        } else {
            let prev = format!("{}_result", plans[i - 1].id);
            params = vec![(prev.clone(), "dict[str, object]".to_string())];
            decorator = vec!["return_type=dict".to_string(), format!("{prev}=dict")];
            body = templates.body(
                "run_downstream.py.j2",
                minijinja::context! {
                    prev => &prev, key => &plan.model.key,
                    todo => render::todo(&match &plan.call {
                        Some(call) => format!(
                            "write a {display} configuration that reads the outputs in {prev}[\"output_dir\"] and writes into run_dir, then call {}.{}({}=that file{})",
                            call.module, call.function,
                            call.config_keyword.as_deref().unwrap_or("config"),
                            if call.extra.is_empty() { String::new() } else { format!(", {}", call.extra) }),
                        None => format!(
                            "run {display} on the outputs in {prev}[\"output_dir\"], writing into run_dir: {}",
                            how_to_run(plan, display)),
                    }, 4),
                },
            );
            mapped = wf.steps.last().is_some_and(|s| s.map) || items.is_some();
            step_item = "upstream".to_string();
            step_over = wf
                .steps
                .last()
                .map(|s| s.result.clone())
                .unwrap_or_default();
            step_args = vec![if mapped {
                "upstream".to_string()
            } else {
                step_over.clone()
            }];
        }
        std.insert("from pathlib import Path");
        results_var = match (&var, i) {
            (Some(v), 0) => format!("{v}_results"),
            (Some(_), _) => format!("{}_results", plan.id),
            (None, _) => format!("{}_result", plan.id),
        };
        wf.functions.push(Function {
            name: name.clone(),
            stage: Stage::Run,
            tag: tag.clone(),
            doc: match (&var, i) {
                (Some(v), 0) => format!("Run {display} for one {v}."),
                (Some(_), _) => format!("Run {display} on one upstream result."),
                (None, _) => format!("Run {display}."),
            },
            decorator,
            params,
            returns: "dict[str, object]".to_string(),
            body,
        });
        wf.steps.push(Step {
            function: name,
            tag,
            map: mapped,
            item: step_item,
            over: step_over,
            args: step_args,
            futures: format!(
                "{}_futures",
                results_var
                    .trim_end_matches("_results")
                    .trim_end_matches("_result")
            ),
            result: results_var.clone(),
        });
    }
    let run_step = wf.steps.last().expect("a run step").clone();
    let results_var = run_step.result.clone();
    let many = run_step.map;
    let results_list = if many {
        results_var.clone()
    } else {
        format!("[{results_var}]")
    };
    let stem = match &var {
        Some(v) => format!("{}_{v}", last.id),
        None => last.id.clone(),
    };

    // Plot: one figure per result.
    let mut figures: Option<String> = None;
    if intent.has(Stage::Plot) {
        let name = match &var {
            Some(v) => format!("plot_{}_{v}", last.id),
            None => format!("plot_{}_outputs", last.id),
        };
        wf.functions.push(Function {
            name: name.clone(),
            stage: Stage::Plot,
            tag: "postprocess".to_string(),
            doc: format!("Draw one figure of a {} run's outputs.", last.model.display),
            decorator: vec!["return_type=FileType".to_string(), "check_output=True".to_string(), "result=dict".to_string()],
            params: vec![("result".to_string(), "dict[str, object]".to_string())],
            returns: "str".to_string(),
            body: templates.body(
                "plot.py.j2",
                minijinja::context! {
                    stem => &stem,
                    todo => render::todo(&format!(
                        "draw {}'s outputs (in result[\"output_dir\"]) instead of listing the files",
                        last.model.display), 4),
                },
            ),
        });
        needs_file_type = true;
        let result = if many { "figure_paths" } else { "figure_path" };
        wf.steps.push(Step {
            function: name,
            tag: "postprocess".to_string(),
            map: many,
            item: "result".to_string(),
            over: results_var.clone(),
            args: vec![if many {
                "result".to_string()
            } else {
                results_var.clone()
            }],
            futures: "figure_futures".to_string(),
            result: result.to_string(),
        });
        figures = Some(if many {
            result.to_string()
        } else {
            format!("[{result}]")
        });
    }

    // Aggregate: every result into one table.
    let mut summary = false;
    if intent.has(Stage::Aggregate) {
        let name = format!("aggregate_{}_outputs", last.id);
        let param = if many {
            results_var.clone()
        } else {
            format!("{}_results", last.id)
        };
        std.insert("import csv");
        std.insert("import json");
        wf.functions.push(Function {
            name: name.clone(),
            stage: Stage::Aggregate,
            tag: "postprocess".to_string(),
            doc: format!("Collect every {} run into one table (CSV) and one JSON.", last.model.display),
            decorator: vec!["return_type=dict".to_string(), format!("{param}=list")],
            params: vec![(param.clone(), "list[dict[str, object]]".to_string())],
            returns: "dict[str, str]".to_string(),
            body: templates.body(
                "aggregate.py.j2",
                minijinja::context! {
                    param => &param,
                    name => fan.as_ref().map(|(_, p, _)| p.clone()).unwrap_or_else(|| "runs".to_string()),
                    todo => intent.outputs.contains(&OutputKind::NetCDF).then(|| render::todo(
                        "to combine the NetCDF files under each run's output_dir into one dataset, open them with xarray.open_mfdataset; this table has one row per run", 4)),
                },
            ),
        });
        wf.steps.push(Step {
            function: name,
            tag: "postprocess".to_string(),
            map: false,
            item: String::new(),
            over: String::new(),
            args: vec![results_list.clone()],
            futures: String::new(),
            result: "summary".to_string(),
        });
        wf.artifact = Some("summary[\"table_path\"]".to_string());
        wf.done = "Pipeline complete: {summary['summary_path']}".to_string();
        summary = true;
    }

    // Report: one PDF of the figures, else of the results.
    if intent.has(Stage::Report) {
        let name = format!("build_{}_report", last.id);
        let (param, arg, of_figures) = match &figures {
            Some(f) => ("figure_paths".to_string(), f.clone(), true),
            None => (
                if many {
                    results_var.clone()
                } else {
                    format!("{}_results", last.id)
                },
                results_list.clone(),
                false,
            ),
        };
        if !of_figures {
            std.insert("import json");
        }
        wf.functions.push(Function {
            name: name.clone(),
            stage: Stage::Report,
            tag: "postprocess".to_string(),
            doc: format!("Build one multi-page PDF of the {} runs.", last.model.display),
            decorator: vec![
                "return_type=FileType".to_string(),
                "check_output=True".to_string(),
                format!("{param}=list"),
                "output_dir=str".to_string(),
            ],
            params: vec![
                (param.clone(), if of_figures { "list[str]" } else { "list[dict[str, object]]" }.to_string()),
                ("output_dir".to_string(), "str".to_string()),
            ],
            returns: "str".to_string(),
            body: templates.body(
                "report.py.j2",
                minijinja::context! {
                    param => &param, of_figures => of_figures, key => &last.id,
                    todo => render::todo("lay out the comparison the report should show; each page now shows one run", 4),
                },
            ),
        });
        needs_file_type = true;
        wf.steps.push(Step {
            function: name,
            tag: "postprocess".to_string(),
            map: false,
            item: String::new(),
            over: String::new(),
            args: vec![arg, "args.output_dir".to_string()],
            futures: String::new(),
            result: "report_path".to_string(),
        });
        if !summary {
            wf.artifact = Some("report_path".to_string());
            wf.done = "Pipeline complete: {report_path}".to_string();
        } else {
            wf.done = "Pipeline complete: {summary['summary_path']}, {report_path}".to_string();
        }
    }
    if !summary && !intent.has(Stage::Report) {
        wf.done = match (&figures, many) {
            (Some(_), true) => "Pipeline complete: {len(figure_paths)} figures".to_string(),
            (Some(_), false) => "Pipeline complete: {figure_path}".to_string(),
            (None, true) => format!("Pipeline complete: {{len({results_var})}} runs"),
            (None, false) => format!("Pipeline complete: {{{results_var}['output_dir']}}"),
        };
    }
    if needs_file_type {
        wf.scalable_imports.insert(0, "FileType".to_string());
    }
    // Keep only what the bodies use: an unused import fails `ruff check`.
    let uses = |needle: &str| wf.functions.iter().any(|f| f.body.contains(needle));
    std.retain(|line| match *line {
        "import argparse" => true,
        "from pathlib import Path" => uses("Path("),
        other => other
            .strip_prefix("import ")
            .is_some_and(|module| uses(&format!("{module}."))),
    });
    let mut imports: Vec<&str> = std.into_iter().collect();
    // isort's order: `import x` lines, then `from x import y` lines.
    imports.sort_by_key(|line| (line.starts_with("from "), *line));
    wf.std_imports = imports.into_iter().map(str::to_string).collect();
    wf.doc = doc_lines(intent, &wf);

    let additions = additions::additions(catalog, &plans, &wf);
    let mut dependencies = vec!["scalable".to_string()];
    for plan in &plans {
        let package = match (&plan.call, plan.model.known.and_then(|k| k.package)) {
            (_, Some(p)) if plan.model.repo.is_none() => Some(p.to_string()),
            (Some(call), _) => call.module.split('.').next().map(str::to_string),
            _ => None,
        };
        if let Some(p) = package
            && !dependencies.contains(&p)
        {
            dependencies.push(p);
        }
        if plan.call.is_none() {
            notes.push(format!(
                "{} has a `# TODO:` where the workflow calls it: heuristic mode knows no Python entry point for it{}",
                plan.model.display,
                if plan.model.repo.is_none() {
                    format!("; onboard it with `scalable init-component ./capabilities/{} --name {}` and compose again", plan.model.key, plan.model.key)
                } else {
                    String::new()
                }
            ));
        }
        if plan.model.known.is_some_and(|k| k.image.is_none())
            && plan.model.onboarded.is_none()
            && !plan.model.in_manifest
        {
            notes.push(format!(
                "No image is known for {}: set `components.{}.image` before running on an HPC or cloud target",
                plan.model.display, plan.model.key
            ));
        }
    }
    if intent.has(Stage::Plot) || intent.has(Stage::Report) {
        dependencies.push("matplotlib".to_string());
    }
    Some(Generated {
        workflow: wf,
        additions,
        dependencies,
        notes,
    })
}

/// The values as a Python list literal (or `list(range(...))`).
fn values_literal(f: &FanOut) -> String {
    if let Some((lo, hi, step)) = f.range
        && f.values.len() > 4
    {
        return if step == 1 {
            format!("list(range({lo}, {}))", hi + 1)
        } else {
            format!("list(range({lo}, {}, {step}))", hi + 1)
        };
    }
    let items: Vec<String> = f
        .values
        .iter()
        .map(|v| match f.value_type {
            ValueType::Str => py_str(v),
            _ => v.clone(),
        })
        .collect();
    let one = format!("[{}]", items.join(", "));
    if one.len() <= 80 {
        one
    } else {
        let mut out = "[\n".to_string();
        for item in items {
            out.push_str(&format!("    {item},\n"));
        }
        out.push(']');
        out
    }
}

fn run_body(
    templates: &Templates,
    plan: &Plan,
    display: &str,
    config: &str,
    notes: &mut Vec<String>,
) -> String {
    match &plan.call {
        Some(call) if call.config_keyword.is_some() => templates.body(
            "run_call.py.j2",
            minijinja::context! {
                module => &call.module, function => &call.function,
                keyword => &call.config_keyword, extra => &call.extra, config => config,
                returns => minijinja::value::Serde(call.returns), source => render::comment(&format!("The entry point: {}.", call.source), 4),
            },
        ),
        Some(call) => {
            notes.push(format!(
                "{display}'s entry point `{}.{}` takes no argument heuristic mode recognises as its configuration",
                call.module, call.function
            ));
            templates.body(
                "run_config_todo.py.j2",
                minijinja::context! {
                    todo => render::todo(&format!(
                        "call {}.{} with config_file (found: {}); heuristic mode found no argument that takes the configuration",
                        call.module, call.function, call.source), 4),
                },
            )
        }
        None => templates.body(
            "run_config_todo.py.j2",
            minijinja::context! {
                todo => render::todo(&format!("{} with config_file, writing into output_dir", how_to_run(plan, display)), 4),
            },
        ),
    }
}

/// What the TODO of a model without a known entry point says.
fn how_to_run(plan: &Plan, display: &str) -> String {
    match &plan.model.repo {
        Some(repo) => format!(
            "call {display} here; `scalable init-component {}` found no Python function to call",
            repo.display()
        ),
        None => format!(
            "call {display} here (heuristic mode knows no Python entry point for it; `scalable init-component` on its repository under ./capabilities/{} finds one)",
            plan.model.key
        ),
    }
}

fn title(intent: &Intent) -> String {
    let names: Vec<&str> = intent.models.iter().map(|m| m.display.as_str()).collect();
    let mut t = format!("{} workflow", names.join(" then "));
    if let Some(f) = &intent.fanout {
        t.push_str(&format!(" over {}", f.plural.replace('_', " ")));
    }
    if t.len() < 40 {
        t.push_str(", composed by `scalable compose` (heuristic mode).");
    } else {
        t.push('.');
    }
    t
}

fn doc_lines(intent: &Intent, wf: &Workflow) -> Vec<String> {
    let mut lines = Vec::new();
    for f in &wf.functions {
        lines.push(format!("    {:<28} (tag {})", f.name, f.tag));
    }
    lines.push(String::new());
    lines.push("Run it through Scalable so it gets a run record and live progress:".to_string());
    lines.push(String::new());
    lines.push("    scalable run scalable.yaml --target local --workflow workflow.py".to_string());
    if intent.fanout.is_some() {
        lines.push(String::new());
        lines.push("Options after `--` reach this script (`-- --help` lists them).".to_string());
    }
    lines
}
