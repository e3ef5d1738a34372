//! What objectives and policies change. docs/planning.md states the same rules.

use crate::model::{Objective, Policy};

/// Memory multiplier the policy adds (safe: +25%).
pub fn memory_margin(policy: Policy) -> f64 {
    match policy {
        Policy::Safe => 1.25,
        Policy::Aggressive | Policy::Manual => 1.0,
    }
}

/// Retries per task (safe: 2).
pub fn retries(policy: Policy) -> u32 {
    match policy {
        Policy::Safe => 2,
        Policy::Aggressive | Policy::Manual => 0,
    }
}

/// Whether to ask for spot / preemptible capacity where the provider has it.
pub fn spot(policy: Policy) -> bool {
    policy == Policy::Aggressive
}

/// Fan-out workers the objective picks when the target leaves the count open,
/// out of `ceiling` possible (never more than `scenarios`, never fewer than 1).
pub fn fan_out_workers(objective: Objective, ceiling: u32, scenarios: u32) -> u32 {
    let ceiling = ceiling.min(scenarios).max(1);
    let count = match objective {
        Objective::Time => ceiling,
        Objective::Balance => ceiling.div_ceil(2),
        Objective::Cost => ceiling.div_ceil(4),
    };
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_order_worker_counts() {
        assert_eq!(fan_out_workers(Objective::Time, 20, 50), 20);
        assert_eq!(fan_out_workers(Objective::Balance, 20, 50), 10);
        assert_eq!(fan_out_workers(Objective::Cost, 20, 50), 5);
        assert_eq!(fan_out_workers(Objective::Time, 20, 3), 3);
        assert_eq!(fan_out_workers(Objective::Cost, 1, 1), 1);
    }
}
