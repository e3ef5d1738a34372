//! The component's image reference: a registry path from the repository
//! URL and a tag from the package version.

use serde::{Deserialize, Serialize};

use super::meta::Sourced;

/// The image reference and where its parts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// E.g. `ghcr.io/jgcri/demeter:2.0.1`.
    pub reference: String,
    /// The URL the registry path was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_url: Option<String>,
    /// Whether the tag is the package's version (else `dev`).
    pub versioned: bool,
}

/// Registries of the code hosts whose URLs we recognise: host → registry.
/// GitHub Pages (`owner.github.io/repo`) counts as GitHub.
pub const REGISTRIES: &[(&str, &str)] = &[
    ("github.com", "ghcr.io"),
    ("gitlab.com", "registry.gitlab.com"),
];

/// The image for component `name`: `REGISTRY/OWNER/REPO:VERSION` from the
/// first URL on a known code host, else `NAME:VERSION`; the tag is `dev`
/// when no version is known.
pub fn infer(urls: &[Sourced<String>], version: Option<&str>, name: &str) -> Image {
    let tag = version.map(sanitize_tag).filter(|t| !t.is_empty());
    let versioned = tag.is_some();
    let tag = tag.unwrap_or_else(|| "dev".to_string());
    for url in urls {
        if let Some(path) = registry_path(&url.value) {
            return Image {
                reference: format!("{path}:{tag}"),
                from_url: Some(url.value.clone()),
                versioned,
            };
        }
    }
    Image {
        reference: format!("{}:{tag}", name.to_ascii_lowercase()),
        from_url: None,
        versioned,
    }
}

/// `https://github.com/JGCRI/demeter(.git)(/tree/…)` → `ghcr.io/jgcri/demeter`;
/// also `git@github.com:o/r.git`, `ssh://git@github.com/o/r`, `git+https://…`
/// and `https://o.github.io/r`.
pub fn registry_path(url: &str) -> Option<String> {
    let url = url.trim().trim_start_matches("git+");
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.to_string(),
        // scp-like `git@github.com:owner/repo.git`
        None => url.split_once('@')?.1.replacen(':', "/", 1),
    };
    let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(&rest);
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let host = parts.next()?.to_ascii_lowercase();
    let host = host.trim_start_matches("www.");
    let segments: Vec<&str> = parts.collect();
    let (registry, owner, repo) = if let Some(owner) = host.strip_suffix(".github.io") {
        ("ghcr.io", owner.to_string(), segments.first()?.to_string())
    } else {
        let (_, registry) = REGISTRIES.iter().find(|(h, _)| *h == host)?;
        (
            *registry,
            segments.first()?.to_string(),
            segments.get(1)?.to_string(),
        )
    };
    let repo = repo.trim_end_matches(".git");
    let clean = |s: &str| {
        s.to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect::<String>()
    };
    let (owner, repo) = (clean(&owner), clean(repo));
    (!owner.is_empty() && !repo.is_empty()).then(|| format!("{registry}/{owner}/{repo}"))
}

/// A Docker tag: `[A-Za-z0-9_.-]`, at most 128, not starting with `.` or `-`.
fn sanitize_tag(version: &str) -> String {
    let tag: String = version
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    tag.trim_start_matches(['.', '-']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> Vec<Sourced<String>> {
        vec![Sourced {
            value: u.to_string(),
            file: "setup.py".to_string(),
        }]
    }

    #[test]
    fn from_urls() {
        assert_eq!(
            infer(
                &url("https://github.com/JGCRI/demeter"),
                Some("2.0.1"),
                "demeter"
            )
            .reference,
            "ghcr.io/jgcri/demeter:2.0.1"
        );
        for u in [
            "git@github.com:JGCRI/demeter.git",
            "https://www.github.com/JGCRI/demeter/tree/main",
            "git+https://github.com/JGCRI/demeter.git",
            "ssh://git@github.com/JGCRI/demeter",
            "https://jgcri.github.io/demeter/",
        ] {
            assert_eq!(
                registry_path(u).as_deref(),
                Some("ghcr.io/jgcri/demeter"),
                "{u}"
            );
        }
        assert_eq!(
            registry_path("https://gitlab.com/grp/Model").as_deref(),
            Some("registry.gitlab.com/grp/model")
        );
        assert_eq!(registry_path("https://example.org/model"), None);
        let local = infer(&url("https://example.org"), None, "GridLAB-D");
        assert_eq!(local.reference, "gridlab-d:dev");
        assert!(!local.versioned);
        assert_eq!(infer(&[], Some("1.0+local"), "m").reference, "m:1.0-local");
    }
}
