//! Where a component's data comes from on each provider: host bind mounts
//! (`mounts`, local and Slurm), persistent volume claims (`volume_mounts` +
//! `volumes`, Kubernetes), buckets (AWS, GCP: nothing in the manifest, the
//! workflow reads them through fsspec).

use scalable_manifest::Provider;
use scalable_manifest::rules::dns1123_suggestion;

use super::tree::Yaml;

/// One data location as the source manifest gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Host path (bind mount) or, for a Kubernetes volume, the path the data
    /// would be staged at on a shared filesystem.
    pub host: String,
    /// Absolute path inside the container.
    pub container: String,
    /// The claim it came from, for a Kubernetes persistent volume.
    pub claim: Option<String>,
    /// The Kubernetes volume it came from; `None` for a bind mount.
    pub volume: Option<String>,
}

/// What translating one component's data locations did, for the report.
#[derive(Debug, Default)]
pub struct Translated {
    /// `from → to` lines for "Environment / mount changes".
    pub changes: Vec<String>,
    /// What must exist before deploying.
    pub notes: Vec<String>,
    /// Container paths that moved or went away.
    pub container_paths: Vec<String>,
}

/// The component's data locations: its bind mounts, then its Kubernetes
/// volume mounts. Volumes that hold no data to carry (`emptyDir`, config
/// maps, secrets) come back in the second list by name.
pub fn read(component: &Yaml) -> (Vec<Mount>, Vec<String>) {
    let mut mounts: Vec<Mount> = component
        .get("mounts")
        .map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(host, c)| {
            Some(Mount {
                host: host.clone(),
                container: c.text()?.to_string(),
                claim: None,
                volume: None,
            })
        })
        .collect();
    let mut skipped = Vec::new();
    let volumes = match component.get("volumes") {
        Some(Yaml::Seq(v)) => v.as_slice(),
        _ => &[],
    };
    if let Some(Yaml::Seq(items)) = component.get("volume_mounts") {
        for vm in items {
            let (Some(name), Some(path)) = (vm.str_at("name"), vm.str_at("mountPath")) else {
                continue;
            };
            let volume = volumes.iter().find(|v| v.str_at("name") == Some(name));
            let claim = volume
                .and_then(|v| v.get("persistentVolumeClaim"))
                .and_then(|p| p.str_at("claimName"));
            let host_path = volume
                .and_then(|v| v.get("hostPath"))
                .and_then(|p| p.str_at("path"));
            let nfs_path = volume
                .and_then(|v| v.get("nfs"))
                .and_then(|p| p.str_at("path"));
            let host = match (claim, host_path.or(nfs_path)) {
                (_, Some(path)) => path.to_string(),
                // `demeter-data-pvc` was staged from `./demeter-data`.
                (Some(claim), None) => format!("./{}", claim.strip_suffix("-pvc").unwrap_or(claim)),
                (None, None) => {
                    skipped.push(name.to_string());
                    continue;
                }
            };
            let container = if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            };
            mounts.push(Mount {
                host,
                container,
                claim: claim.map(str::to_string),
                volume: Some(name.to_string()),
            });
        }
    }
    (mounts, skipped)
}

/// The volume name for a host path: its last part as a DNS-1123 label
/// (`./demeter_data` → `demeter-data`), short enough for `-pvc` to follow.
fn volume_name(host: &str, component: &str, taken: &[String]) -> String {
    let last = host
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(host);
    let mut base = dns1123_suggestion(last);
    base.truncate(50);
    let base = base.trim_end_matches('-').to_string();
    let base = if base.is_empty() {
        format!("{}-data", dns1123_suggestion(component))
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// Rewrites `component`'s data locations for `to`. `from` words the notes;
/// `label` names the component in them.
pub fn translate(component: &mut Yaml, label: &str, from: Provider, to: Provider) -> Translated {
    let mut out = Translated::default();
    let (mounts, skipped) = read(component);
    let had_volumes =
        component.get("volume_mounts").is_some() || component.get("volumes").is_some();
    if mounts.is_empty() && skipped.is_empty() && !(had_volumes && to != Provider::Kubernetes) {
        return out;
    }
    let kind = |m: &Mount| match (&m.claim, &m.volume, from) {
        (Some(_), _, _) => "PVC mount",
        (None, Some(_), _) => "volume mount",
        (None, None, Provider::Slurm) => "Apptainer bind mount",
        (None, None, _) => "bind mount",
    };
    let shown = |m: &Mount| match (&m.claim, &m.volume) {
        (Some(source), _) | (None, Some(source)) => format!("`{source}:{}`", m.container),
        (None, None) => format!("`{}:{}`", m.host, m.container),
    };
    match to {
        Provider::Kubernetes => {
            // Volumes already there (a Kubernetes source) stay as they are.
            let mut names: Vec<String> = match component.get("volumes") {
                Some(Yaml::Seq(v)) => v
                    .iter()
                    .filter_map(|v| v.str_at("name"))
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            let mut volume_mounts = match component.remove("volume_mounts") {
                Some(Yaml::Seq(v)) => v,
                _ => Vec::new(),
            };
            let mut volumes = match component.remove("volumes") {
                Some(Yaml::Seq(v)) => v,
                _ => Vec::new(),
            };
            for m in mounts.iter().filter(|m| m.volume.is_none()) {
                let name = volume_name(&m.host, label, &names);
                let claim = format!("{name}-pvc");
                names.push(name.clone());
                volume_mounts.push(Yaml::Map(vec![
                    ("name".into(), Yaml::str(&name)),
                    ("mountPath".into(), Yaml::str(&m.container)),
                ]));
                volumes.push(Yaml::Map(vec![
                    ("name".into(), Yaml::str(&name)),
                    (
                        "persistentVolumeClaim".into(),
                        Yaml::Map(vec![("claimName".into(), Yaml::str(&claim))]),
                    ),
                ]));
                out.changes.push(format!(
                    "{} {} → PVC mount `{claim}:{}` (or a bucket read through fsspec)",
                    kind(m),
                    shown(m),
                    m.container
                ));
                let place = match from {
                    Provider::Slurm => {
                        "lives on the cluster's shared filesystem in the Slurm version"
                    }
                    Provider::Local => "lives on this machine in the local version",
                    _ => "is a host path in the source manifest",
                };
                out.notes.push(format!(
                    "Mount `{}` {place}; on Kubernetes you must create `{claim}` ahead of time \
                     in the target's namespace and copy the data into it (or switch to a bucket \
                     via fsspec).",
                    m.host
                ));
            }
            component.remove("mounts");
            if !volume_mounts.is_empty() {
                component.set("volume_mounts", Yaml::Seq(volume_mounts));
            }
            if !volumes.is_empty() {
                component.set("volumes", Yaml::Seq(volumes));
            }
        }
        Provider::Slurm | Provider::Local => {
            let mut kept = match component.remove("mounts") {
                Some(Yaml::Map(e)) => e,
                _ => Vec::new(),
            };
            // Bind mounts are kept as written; volumes become bind mounts.
            for m in mounts.iter().filter(|m| m.volume.is_some()) {
                if kept.iter().any(|(h, _)| h == &m.host) {
                    continue;
                }
                kept.push((m.host.clone(), Yaml::str(&m.container)));
                out.changes.push(format!(
                    "{} {} → bind mount `{}:{}`",
                    kind(m),
                    shown(m),
                    m.host,
                    m.container
                ));
                let source = match &m.claim {
                    Some(claim) => format!("claim `{claim}`"),
                    None => format!("volume `{}`", m.volume.as_deref().unwrap_or_default()),
                };
                out.notes.push(format!(
                    "Copy the data of {source} to `{}` where the {} workers can read it.",
                    m.host,
                    if to == Provider::Slurm {
                        "Slurm"
                    } else {
                        "local"
                    }
                ));
            }
            for name in &skipped {
                out.changes.push(format!(
                    "volume `{name}` (scratch or configuration) dropped: workers use their own disk"
                ));
            }
            component.remove("volume_mounts");
            component.remove("volumes");
            if !kept.is_empty() {
                component.set("mounts", Yaml::Map(kept));
            }
        }
        Provider::Aws | Provider::Gcp => {
            let (store, scheme, sync, share) = if to == Provider::Aws {
                ("S3", "s3", "aws s3 sync", "an EFS file system")
            } else {
                ("GCS", "gs", "gcloud storage rsync", "a Filestore share")
            };
            for m in &mounts {
                let folder = m
                    .host
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(&m.host);
                out.changes.push(format!(
                    "{} {} → {store} bucket (host paths do not exist on {})",
                    kind(m),
                    shown(m),
                    if to == Provider::Aws {
                        "Fargate/ECS"
                    } else {
                        "GCP VMs"
                    }
                ));
                out.notes.push(format!(
                    "Upload `{}` to {store} (e.g. `{sync} {} {scheme}://BUCKET/{folder}/`) and read \
                     it through fsspec, or mount {share} at `{}`; the generated manifest has no mount \
                     for it.",
                    m.host, m.host, m.container
                ));
                out.container_paths.push(m.container.clone());
            }
            for name in &skipped {
                out.changes.push(format!(
                    "volume `{name}` (scratch or configuration) dropped"
                ));
            }
            component.remove("mounts");
            component.remove("volume_mounts");
            component.remove("volumes");
        }
    }
    out
}
