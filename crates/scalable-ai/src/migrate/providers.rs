//! Per-provider rules: which target to migrate from, what the new target is
//! called, the options it gets, and Fargate's CPU/memory sizes.

use scalable_manifest::rules::{self, FARGATE_SIZES};
use scalable_manifest::{PROVIDER_KEYS, Provider};

use super::tree::Yaml;

/// Worker bounds for a scaling provider when the source says nothing
/// (the tutorial's Kubernetes target).
pub const DEFAULT_ADAPTIVE: (u32, u32) = (2, 20);
/// Where a new AWS target runs when the source names no AWS region.
pub const DEFAULT_AWS_REGION: &str = "us-east-1";
/// Where a new GCP target runs when the source names no GCP region.
pub const DEFAULT_GCP_REGION: &str = "us-central1";
/// Workers of a new local target.
pub const DEFAULT_LOCAL_WORKERS: u32 = 4;

/// The short name a new target of `provider` gets (`k8s`, `hpc`, ...).
pub fn short_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Local => "local",
        Provider::Slurm => "hpc",
        Provider::Kubernetes => "k8s",
        Provider::Aws => "aws",
        Provider::Gcp => "gcp",
    }
}

/// The provider's name as people write it.
pub fn display(provider: Provider) -> &'static str {
    match provider {
        Provider::Local => "local",
        Provider::Slurm => "Slurm",
        Provider::Kubernetes => "Kubernetes",
        Provider::Aws => "AWS",
        Provider::Gcp => "GCP",
    }
}

/// The option keys `provider` takes beside `provider` and `overlay`.
pub fn keys(provider: Provider) -> &'static [&'static str] {
    PROVIDER_KEYS
        .iter()
        .find(|(p, _)| *p == provider)
        .map_or(&[], |(_, k)| k)
}

/// The target to migrate when none is named: the first, in file order,
/// whose provider differs from `to`, preferring targets that are not
/// `local` (a laptop target is rarely what moves); else the first target.
pub fn default_source(targets: &[(String, Provider)], to: Provider) -> Option<&str> {
    let differs = |local: bool| {
        targets
            .iter()
            .find(|(_, p)| *p != to && (*p == Provider::Local) == local)
    };
    differs(false)
        .or_else(|| differs(true))
        .or_else(|| targets.first())
        .map(|(n, _)| n.as_str())
}

/// The new target's name: the provider's short name, or `-2`, `-3`, ...
/// after it when another target of the source (not the one migrated)
/// already has it, so the two files can be merged by hand.
pub fn default_name(to: Provider, taken: &[String], source: &str) -> String {
    let base = short_name(to);
    let free = |n: &str| n == source || !taken.iter().any(|t| t == n);
    if free(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| free(n))
        .unwrap_or_else(|| base.to_string())
}

/// What the new target's options are derived from.
pub struct Inputs<'a> {
    /// The source target's provider.
    pub from: Provider,
    /// The source target as written.
    pub source: &'a Yaml,
    /// The project name as written.
    pub project: &'a str,
    /// The image most tasks run, if any component names one.
    pub image: Option<&'a str>,
    /// Some component is too big for Fargate: AWS uses EC2.
    pub needs_ec2: bool,
    /// Some component names an image.
    pub any_image: bool,
}

/// The new target's options (without `provider` and `overlay`), in the order
/// docs list them.
pub fn target_options(to: Provider, i: &Inputs<'_>) -> Vec<(String, Yaml)> {
    let mut out: Vec<(String, Yaml)> = Vec::new();
    if to == i.from {
        // Same provider: keep every option as written.
        out.extend(
            i.source
                .entries()
                .iter()
                .filter(|(k, _)| k != "provider" && k != "overlay")
                .cloned(),
        );
        if to == Provider::Aws && i.needs_ec2 {
            set(&mut out, "cluster_type", Yaml::str("ec2"));
        }
        return out;
    }
    let source_adaptive = i
        .source
        .get("adaptive")
        .filter(|a| a.str_at("minimum").is_some() && a.str_at("maximum").is_some());
    let n_workers = i.source.get("n_workers").cloned();
    let adaptive = || match source_adaptive {
        Some(a) => a.clone(),
        None => Yaml::Map(vec![
            ("minimum".into(), Yaml::plain(DEFAULT_ADAPTIVE.0)),
            ("maximum".into(), Yaml::plain(DEFAULT_ADAPTIVE.1)),
        ]),
    };
    let image = i.image.map(Yaml::str);
    match to {
        Provider::Local => {
            out.push(("max_workers".into(), Yaml::plain(DEFAULT_LOCAL_WORKERS)));
            out.push(("processes".into(), Yaml::plain("true")));
        }
        Provider::Slurm => {
            let runtime = if i.any_image { "apptainer" } else { "none" };
            out.push(("container_runtime".into(), Yaml::str(runtime)));
        }
        Provider::Kubernetes => {
            out.push(("namespace".into(), Yaml::str(namespace(i.project))));
            if let Some(image) = image {
                out.push(("image".into(), image));
            }
            match (n_workers, source_adaptive) {
                (Some(n), None) => out.push(("n_workers".into(), n)),
                _ => out.push(("adaptive".into(), adaptive())),
            }
        }
        Provider::Aws => {
            out.push(("region".into(), Yaml::str(DEFAULT_AWS_REGION)));
            let cluster = if i.needs_ec2 { "ec2" } else { "fargate" };
            out.push(("cluster_type".into(), Yaml::str(cluster)));
            if let Some(image) = image {
                out.push(("image".into(), image));
            }
            match (n_workers, source_adaptive) {
                (Some(n), None) => out.push(("n_workers".into(), n)),
                _ => out.push(("adaptive".into(), adaptive())),
            }
        }
        Provider::Gcp => {
            out.push(("region".into(), Yaml::str(DEFAULT_GCP_REGION)));
            if let Some(image) = image {
                out.push(("image".into(), image));
            }
            // GCP targets take a fixed worker count: the most the source allowed.
            let most =
                n_workers.or_else(|| source_adaptive.and_then(|a| a.get("maximum").cloned()));
            if let Some(n) = most {
                out.push(("n_workers".into(), n));
            }
        }
    }
    out
}

fn set(options: &mut Vec<(String, Yaml)>, key: &str, value: Yaml) {
    match options.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => options.push((key.to_string(), value)),
    }
}

/// The Kubernetes namespace for a project: its name as a DNS-1123 label
/// (`Demeter_LULCC` → `demeter-lulcc`), `scalable` when nothing is usable.
pub fn namespace(project: &str) -> String {
    // A `${VAR}` name is not known until run time.
    let name = rules::dns1123_suggestion(&project.replace("${", "").replace('}', ""));
    if name.is_empty() {
        "scalable".to_string()
    } else {
        name
    }
}

/// The smallest Fargate size holding `cpus` and `bytes`: (CPU units, MiB).
/// `None` when nothing Fargate offers is big enough.
pub fn fargate_fit(cpus: f64, bytes: f64) -> Option<(u32, u32)> {
    let units = (cpus * 1024.0).ceil();
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    FARGATE_SIZES
        .iter()
        .filter(|&&(c, ..)| f64::from(c) >= units)
        .find_map(|&(c, ..)| {
            rules::fargate_memory_options(c)
                .into_iter()
                .find(|&m| f64::from(m) >= mib)
                .map(|m| (c, m))
        })
}

/// CPU units as a `cpus` value: 256 → `0.25`, 4096 → `4`.
pub fn cpus_text(units: u32) -> String {
    let cpus = f64::from(units) / 1024.0;
    if cpus.fract() == 0.0 {
        format!("{}", cpus as u32)
    } else {
        format!("{cpus}")
    }
}

/// MiB as a memory size: whole GiB as `16G`, else `3584M`.
pub fn memory_text(mib: u32) -> String {
    if mib.is_multiple_of(1024) {
        format!("{}G", mib / 1024)
    } else {
        format!("{mib}M")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes_round_up() {
        let gib = 1024.0 * 1024.0 * 1024.0;
        assert_eq!(fargate_fit(1.0, 2.0 * gib), Some((1024, 2048)));
        assert_eq!(fargate_fit(3.0, 2.0 * gib), Some((4096, 8192)));
        assert_eq!(fargate_fit(4.0, 64.0 * gib), Some((16384, 65536)));
        assert_eq!(fargate_fit(4.0, 60.0 * gib), Some((8192, 61440)));
        assert_eq!(fargate_fit(0.25, 1.5 * gib), Some((256, 2048)));
        assert_eq!(fargate_fit(17.0, gib), None);
        assert_eq!(fargate_fit(1.0, 200.0 * gib), None);
        assert_eq!(cpus_text(256), "0.25");
        assert_eq!(memory_text(3584), "3584M");
    }

    #[test]
    fn source_and_names() {
        let targets = vec![
            ("local".to_string(), Provider::Local),
            ("hpc".to_string(), Provider::Slurm),
            ("aws".to_string(), Provider::Aws),
        ];
        assert_eq!(default_source(&targets, Provider::Kubernetes), Some("hpc"));
        assert_eq!(default_source(&targets, Provider::Slurm), Some("aws"));
        assert_eq!(default_source(&targets[..1], Provider::Gcp), Some("local"));
        assert_eq!(
            default_source(&targets[..1], Provider::Local),
            Some("local")
        );
        let taken: Vec<String> = targets.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(default_name(Provider::Aws, &taken, "hpc"), "aws-2");
        assert_eq!(default_name(Provider::Aws, &taken, "aws"), "aws");
        assert_eq!(default_name(Provider::Kubernetes, &taken, "hpc"), "k8s");
        assert_eq!(namespace("Demeter_LULCC"), "demeter-lulcc");
        assert_eq!(namespace("${PROJECT}"), "project");
        assert_eq!(namespace("__"), "scalable");
    }
}
