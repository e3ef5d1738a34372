//! Value rules: memory sizes, walltimes, Fargate sizes, Kubernetes names, image
//! references. Each is a small pure function so the fuzzer and property tests
//! can hammer it directly.

/// Parses a memory size. Single letters and `i` suffixes are binary (Slurm's
/// convention: `16G` = 16 GiB); `KB`, `MB`, ... are decimal. A unit is required.
pub fn parse_memory(text: &str) -> Result<f64, MemoryError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() || unit.chars().any(char::is_whitespace) || t != text {
        return Err(MemoryError::Malformed);
    }
    // Digits with an optional fraction (`16`, `1.5`), as the JSON Schema's
    // pattern has it; a leading `-` is read so it can be reported as not positive.
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = number.strip_prefix('-').unwrap_or(number);
    let well_formed = match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    };
    if !well_formed {
        return Err(MemoryError::Malformed);
    }
    let value: f64 = number.parse().map_err(|_| MemoryError::Malformed)?;
    if !value.is_finite() {
        return Err(MemoryError::Malformed);
    }
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" => return Err(MemoryError::NoUnit),
        "b" => 1.0,
        "k" | "ki" | "kib" => 1024.0,
        "m" | "mi" | "mib" => 1024f64.powi(2),
        "g" | "gi" | "gib" => 1024f64.powi(3),
        "t" | "ti" | "tib" => 1024f64.powi(4),
        "p" | "pi" | "pib" => 1024f64.powi(5),
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "pb" => 1e15,
        _ => return Err(MemoryError::Malformed),
    };
    Ok(value * factor)
}

/// Why a memory size did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryError {
    /// Not a number followed by a unit.
    Malformed,
    /// A bare number.
    NoUnit,
}

/// Parses a Slurm walltime, `HH:MM:SS` or `D-HH:MM:SS`, into seconds.
pub fn parse_walltime(text: &str) -> Option<u64> {
    let (days, clock) = match text.split_once('-') {
        Some((d, rest)) => (digits(d)?, rest),
        None => (0, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    let (h, m, s) = (digits(h)?, digits(m)?, digits(s)?);
    if m >= 60 || s >= 60 || (days > 0 && h >= 24) {
        return None;
    }
    Some(((days * 24 + h) * 60 + m) * 60 + s)
}

fn digits(t: &str) -> Option<u64> {
    if t.is_empty() || t.len() > 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// CPU units Fargate accepts, with the memory (MiB) range and step each allows.
/// Source: AWS ECS "Task size" table for Fargate (Linux), checked 2026-11.
pub const FARGATE_SIZES: &[(u32, u32, u32, u32)] = &[
    // (cpu units, min MiB, max MiB, step MiB)
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Whether AWS accepts this Fargate CPU/memory pair. 256 CPU units allow only
/// 512, 1024 and 2048 MiB.
pub fn fargate_pair_ok(cpu: u32, mem_mib: u32) -> bool {
    FARGATE_SIZES.iter().any(|&(c, lo, hi, step)| {
        c == cpu
            && (lo..=hi).contains(&mem_mib)
            && (mem_mib - lo).is_multiple_of(step)
            && !(c == 256 && mem_mib == 1536)
    })
}

/// The memory range Fargate allows for `cpu` units, for hints.
pub fn fargate_range(cpu: u32) -> Option<(u32, u32, u32)> {
    FARGATE_SIZES
        .iter()
        .find(|&&(c, ..)| c == cpu)
        .map(|&(_, lo, hi, step)| (lo, hi, step))
}

/// Every memory size (MiB) Fargate accepts with `cpu` units, smallest first;
/// empty when Fargate does not offer `cpu`.
pub fn fargate_memory_options(cpu: u32) -> Vec<u32> {
    let Some((lo, hi, step)) = fargate_range(cpu) else {
        return Vec::new();
    };
    (lo..=hi)
        .step_by(step as usize)
        .filter(|&mib| fargate_pair_ok(cpu, mib))
        .collect()
}

/// The largest Fargate task: 16 vCPU, 120 GiB.
pub const FARGATE_MAX_CPUS: f64 = 16.0;
/// The largest Fargate task memory, bytes.
pub const FARGATE_MAX_BYTES: f64 = 120.0 * 1024.0 * 1024.0 * 1024.0;

/// A DNS-1123 label: at most 63 of `a-z0-9-`, starting and ending alphanumeric.
pub fn is_dns1123_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns1123_label)
}

/// A DNS-1123 label spelling of `name` to suggest: lowercase, `_` and other
/// characters to `-`, cut to 63, without leading or trailing `-`. Empty when
/// nothing of `name` is usable.
pub fn dns1123_suggestion(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(63);
    s.trim_matches('-').to_string()
}

/// A DNS-1123 subdomain spelling of `name` to suggest: each `.`-separated
/// part spelled as a label ([`dns1123_suggestion`]), empty parts dropped, cut
/// to 253 at a `.`. Empty when nothing of `name` is usable.
pub fn dns1123_subdomain_suggestion(name: &str) -> String {
    let mut out = String::new();
    for label in name.split('.').map(dns1123_suggestion) {
        if label.is_empty() {
            continue;
        }
        if out.len() + 1 + label.len() > 253 {
            break;
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&label);
    }
    out
}

/// What an image reference says about its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageTag {
    /// A tag or digest other than `latest`.
    Pinned,
    /// No tag and no digest.
    Missing,
    /// `:latest`.
    Latest,
    /// A local file (e.g. an Apptainer `.sif`); tags do not apply.
    File,
}

/// Classifies an image reference.
pub fn image_tag(image: &str) -> ImageTag {
    if image.starts_with('/') || image.starts_with("./") || image.ends_with(".sif") {
        return ImageTag::File;
    }
    if image.contains('@') {
        return ImageTag::Pinned;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) => ImageTag::Latest,
        Some((_, tag)) if !tag.is_empty() => ImageTag::Pinned,
        _ => ImageTag::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("16G"), Ok(16.0 * 1024f64.powi(3)));
        assert_eq!(parse_memory("1Ti"), Ok(1024f64.powi(4)));
        assert_eq!(parse_memory("500MB"), Ok(5e8));
        assert_eq!(parse_memory("1.5GiB"), Ok(1.5 * 1024f64.powi(3)));
        assert_eq!(parse_memory("16 GB"), Err(MemoryError::Malformed));
        assert_eq!(parse_memory("lots"), Err(MemoryError::Malformed));
        assert_eq!(parse_memory("16"), Err(MemoryError::NoUnit));
        assert_eq!(parse_memory("0G"), Ok(0.0));
        assert!(parse_memory("-4G").unwrap() < 0.0);
    }

    #[test]
    fn walltimes() {
        assert_eq!(parse_walltime("02:30:00"), Some(9000));
        assert_eq!(parse_walltime("1-00:00:00"), Some(86400));
        assert_eq!(parse_walltime("2:61:00"), None);
        assert_eq!(parse_walltime("90"), None);
        assert_eq!(parse_walltime("1-25:00:00"), None);
    }

    #[test]
    fn fargate_pairs() {
        assert!(fargate_pair_ok(1024, 2048));
        assert!(fargate_pair_ok(4096, 16384));
        assert!(!fargate_pair_ok(4096, 4096));
        assert!(!fargate_pair_ok(1000, 2048));
        assert!(fargate_pair_ok(256, 512));
        assert!(!fargate_pair_ok(256, 1536));
        assert!(fargate_pair_ok(8192, 20480));
        assert!(!fargate_pair_ok(8192, 17408));
    }

    #[test]
    fn fargate_memory_options_are_the_accepted_pairs() {
        assert_eq!(fargate_memory_options(256), [512, 1024, 2048]);
        assert_eq!(fargate_memory_options(512), [1024, 2048, 3072, 4096]);
        assert_eq!(fargate_memory_options(1000), Vec::<u32>::new());
        for &(cpu, ..) in FARGATE_SIZES {
            let options = fargate_memory_options(cpu);
            for mib in (0..=130_000).step_by(256) {
                assert_eq!(
                    options.contains(&mib),
                    fargate_pair_ok(cpu, mib),
                    "{cpu} {mib}"
                );
            }
        }
    }

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("demeter-prod"));
        assert!(!is_dns1123_label("Demeter_prod"));
        assert!(!is_dns1123_label("-x"));
        assert_eq!(dns1123_suggestion("Demeter_Prod"), "demeter-prod");
        assert!(is_dns1123_subdomain("scalable.workers-sa"));
        assert!(!is_dns1123_subdomain("scalable..workers"));
        assert_eq!(
            dns1123_subdomain_suggestion("Scalable.Workers_SA"),
            "scalable.workers-sa"
        );
        assert_eq!(dns1123_subdomain_suggestion(".a..B_."), "a.b");
        assert_eq!(dns1123_subdomain_suggestion("_._"), "");
        let long = vec!["x".repeat(63); 5].join(".");
        let suggested = dns1123_subdomain_suggestion(&long);
        assert!(is_dns1123_subdomain(&suggested), "{suggested}");
        assert_eq!(suggested.len(), 63 * 3 + 2);
    }

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("ghcr.io/jgcri/demeter:2.0.1"), ImageTag::Pinned);
        assert_eq!(image_tag("ghcr.io/jgcri/demeter"), ImageTag::Missing);
        assert_eq!(image_tag("localhost:5000/demeter"), ImageTag::Missing);
        assert_eq!(image_tag("demeter:latest"), ImageTag::Latest);
        assert_eq!(image_tag("/containers/gcam.sif"), ImageTag::File);
    }
}
