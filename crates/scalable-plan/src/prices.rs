//! Static price tables (data/prices.json) with their source and date.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// Fargate prices in one region.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct FargateRate {
    /// Per vCPU-hour.
    pub vcpu_hour: f64,
    /// Per GB-hour.
    pub gb_hour: f64,
    /// Spot, per vCPU-hour.
    pub spot_vcpu_hour: f64,
    /// Spot, per GB-hour.
    pub spot_gb_hour: f64,
}

/// An instance type and its hourly price.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct InstanceRate {
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// Per hour.
    pub hour: f64,
}

/// The whole table.
#[derive(Debug, Deserialize)]
pub struct Prices {
    /// Where the figures come from.
    pub source: String,
    /// When they were recorded.
    pub date: String,
    /// Currency of every figure.
    pub currency: String,
    /// Fargate by region.
    pub fargate: BTreeMap<String, FargateRate>,
    /// EC2 on-demand by instance type.
    pub ec2: BTreeMap<String, InstanceRate>,
    /// GCE on-demand by machine type.
    pub gce: BTreeMap<String, InstanceRate>,
    /// Object storage per GB-month by scheme (`s3`, `gs`).
    pub storage_gb_month: BTreeMap<String, f64>,
}

/// The price table shipped with this build.
pub fn prices() -> &'static Prices {
    static PRICES: OnceLock<Prices> = OnceLock::new();
    PRICES.get_or_init(|| {
        serde_json::from_str(include_str!("../data/prices.json")).expect("prices.json is valid")
    })
}

/// The cheapest instance in `table` with at least `vcpus` and `memory_gib`.
pub fn cheapest_fitting(
    table: &BTreeMap<String, InstanceRate>,
    vcpus: f64,
    memory_gib: f64,
) -> Option<(&str, InstanceRate)> {
    table
        .iter()
        .filter(|(_, r)| r.vcpus as f64 >= vcpus && r.memory_gib >= memory_gib)
        .min_by(|a, b| a.1.hour.total_cmp(&b.1.hour).then(a.0.cmp(b.0)))
        .map(|(name, r)| (name.as_str(), *r))
}
