//! The cost estimate: itemised per worker group from the price tables, hourly
//! and for the expected duration, plus a month of output storage.

use scalable_manifest::Target;

use crate::duration::round;
use crate::model::{Cost, CostItem, Scaling, Sizing, Storage, WorkerGroup};
use crate::prices::prices;
use crate::profiles;

/// Region whose Fargate prices apply when the target names none (or an unknown one).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Prices every group for `hours`, and storage for `scenarios`.
pub fn estimate(
    target: &Target,
    groups: &[WorkerGroup],
    storage: &Storage,
    hours: f64,
    scenarios: u32,
) -> Cost {
    let table = prices();
    let mut items = Vec::new();
    let mut priced = true;
    let core_hour_price = match target {
        Target::Local(t) => t.price_per_core_hour,
        Target::Slurm(t) => t.price_per_core_hour,
        _ => None,
    };
    let mut core_hours = 0.0;
    for g in groups {
        let workers = g.scaling.max();
        if workers == 0 {
            continue;
        }
        core_hours += workers as f64 * g.cpus * hours;
        let per_worker = match (&g.sizing, target) {
            (
                Sizing::Fargate {
                    cpu_units,
                    memory_mib,
                },
                Target::Aws(t),
            ) => {
                let region = t
                    .region
                    .as_deref()
                    .filter(|r| table.fargate.contains_key(*r))
                    .unwrap_or(DEFAULT_REGION);
                let rate = table.fargate[region];
                let (vcpu, gb) = if g.spot {
                    (rate.spot_vcpu_hour, rate.spot_gb_hour)
                } else {
                    (rate.vcpu_hour, rate.gb_hour)
                };
                let vcpus = *cpu_units as f64 / 1024.0;
                let gbs = *memory_mib as f64 / 1024.0;
                let kind = if g.spot { "Fargate Spot" } else { "Fargate" };
                Some((
                    vcpus * vcpu + gbs * gb,
                    format!("{kind} {vcpus} vCPU / {memory_mib} MiB in {region}"),
                ))
            }
            (Sizing::Instance { instance_type, .. }, Target::Aws(_)) => table
                .ec2
                .get(instance_type)
                .map(|r| (r.hour, format!("EC2 {instance_type}"))),
            (Sizing::Instance { instance_type, .. }, Target::Gcp(_)) => table
                .gce
                .get(instance_type)
                .map(|r| (r.hour, format!("GCE {instance_type}"))),
            _ => core_hour_price.map(|p| {
                (
                    p * g.cpus.ceil(),
                    format!("{} cores at {p} per core-hour", g.cpus.ceil()),
                )
            }),
        };
        let Some((rate, what)) = per_worker else {
            priced = false;
            continue;
        };
        let scale = match g.scaling {
            Scaling::Fixed { .. } => format!("{workers} x"),
            Scaling::Adaptive { .. } => format!("up to {workers} x"),
        };
        let hourly = rate * workers as f64;
        items.push(CostItem {
            group: g.name.clone(),
            description: format!("{scale} {what}"),
            rate: round(hourly, 4),
            per: "hour".to_string(),
            total: round(hourly * hours, 2),
        });
    }
    if let Some(item) = storage_item(groups, storage, scenarios) {
        items.push(item);
    }
    let hourly = items
        .iter()
        .filter(|i| i.per == "hour")
        .map(|i| i.rate)
        .sum::<f64>();
    let total = items.iter().map(|i| i.total).sum::<f64>();
    Cost {
        currency: table.currency.clone(),
        hourly: round(hourly, 4),
        total: if priced { round(total, 2) } else { 0.0 },
        core_hours: round(core_hours, 2),
        priced: priced && !items.is_empty(),
        items,
        price_source: format!("{} ({})", table.source, table.date),
    }
}

/// A month of the outputs the fan-out writes, on object storage.
fn storage_item(groups: &[WorkerGroup], storage: &Storage, scenarios: u32) -> Option<CostItem> {
    let price = prices().storage_gb_month.get(&storage.kind)?;
    let fan_out = groups.iter().find(|g| g.fan_out)?;
    let names = [fan_out.name.as_str()]
        .into_iter()
        .chain(fan_out.image.as_deref());
    let (_, profile) = profiles::lookup(names, true);
    let gb = profile.output_gb_per_task * scenarios as f64;
    let scheme = storage.kind.to_uppercase();
    Some(CostItem {
        group: "storage".to_string(),
        description: format!("{scheme} {gb} GB of outputs for one month at {price} per GB-month"),
        rate: round(gb * price, 4),
        per: "month".to_string(),
        total: round(gb * price, 2),
    })
}
