//! The manifest additions a workflow needs: the components its tags name
//! (`preprocess`, each model, `postprocess`) and one task per function,
//! leaving out what the manifest already declares.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::catalog::Catalog;
use super::generate::{Plan, Workflow};

/// The manifest additions, before rendering.
#[derive(Debug, Clone, Serialize)]
pub struct Additions {
    /// New components: name → fields.
    pub components: Vec<(String, Map<String, Value>)>,
    /// New tasks: name → component.
    pub tasks: Vec<(String, String)>,
    /// The project name, when the additions are a whole manifest.
    pub project: Option<String>,
    /// The storage folder of a whole manifest.
    pub storage: String,
}

pub(super) fn additions(catalog: &Catalog, plans: &[Plan], wf: &Workflow) -> Additions {
    let first = plans[0].model;
    let domain = first
        .known
        .map(|k| k.domain.to_string())
        .or_else(|| scalable_plan::profiles::get(&first.key).and_then(|p| p.tags.first().cloned()))
        .unwrap_or_else(|| first.key.clone());
    let mut components: Vec<(String, Map<String, Value>)> = Vec::new();
    let add = |name: &str,
               fields: Map<String, Value>,
               components: &mut Vec<(String, Map<String, Value>)>| {
        if !catalog.components.contains(name) && !components.iter().any(|(n, _)| n == name) {
            components.push((name.to_string(), fields));
        }
    };
    let tags: BTreeSet<&str> = wf.functions.iter().map(|f| f.tag.as_str()).collect();
    if tags.contains("preprocess") {
        add(
            "preprocess",
            object(json!({"cpus": 1, "memory": "2G", "tags": [domain, "config"]})),
            &mut components,
        );
    }
    for plan in plans {
        let m = plan.model;
        let fields = match &m.onboarded {
            Some(c) => c.clone(),
            None => {
                let profile = scalable_plan::profiles::get(&m.key)
                    .unwrap_or_else(|| scalable_plan::profiles::for_language("python"));
                let mut f = Map::new();
                if let Some(image) = m.known.and_then(|k| k.image) {
                    f.insert("image".to_string(), json!(image));
                }
                f.insert(
                    "cpus".to_string(),
                    json!(profile.cpus.max(1.0).round() as u64),
                );
                f.insert("memory".to_string(), json!(profile.memory));
                if !profile.tags.is_empty() {
                    f.insert("tags".to_string(), json!(profile.tags));
                }
                f
            }
        };
        add(&m.key, fields, &mut components);
    }
    if tags.contains("postprocess") {
        add(
            "postprocess",
            object(json!({"cpus": 2, "memory": "8G", "tags": [domain, "aggregation"]})),
            &mut components,
        );
    }
    let tasks = wf
        .functions
        .iter()
        .filter(|f| !catalog.tasks.contains(&f.name))
        .map(|f| (f.name.clone(), f.tag.clone()))
        .collect();
    Additions {
        components,
        tasks,
        project: catalog
            .manifest
            .is_none()
            .then(|| format!("{}-workflow", first.key.to_lowercase().replace('_', "-"))),
        storage: format!("./outputs/{}", first.key),
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
