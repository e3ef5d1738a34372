//! Errors planning or reading plans. Each has a stable code and a hint.

/// Why a plan could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The plan file could not be read.
    #[error("cannot read plan `{path}`: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The file is not plan JSON.
    #[error("`{path}` is not a plan: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// What the JSON parser said.
        reason: String,
    },
    /// The plan was written by another schema version.
    #[error("`{path}` is plan schema version {found}; this Scalable reads version {expected}")]
    Version {
        /// The file.
        path: String,
        /// Its version.
        found: u64,
        /// Ours.
        expected: u32,
    },
    /// A worker group is larger than the provider offers.
    #[error("worker group `{group}` needs {what}, more than {provider} offers")]
    TooLarge {
        /// The group.
        group: String,
        /// What it needs.
        what: String,
        /// The provider.
        provider: String,
    },
}

impl PlanError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::Io { .. } => "E_PLAN_IO",
            PlanError::Parse { .. } => "E_PLAN_PARSE",
            PlanError::Version { .. } => "E_PLAN_VERSION",
            PlanError::TooLarge { .. } => "E_PLAN_TOO_LARGE",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            PlanError::Io { .. } => {
                "check the path; write a plan with `scalable plan MANIFEST --target T --output plan.json`"
            }
            PlanError::Parse { .. } | PlanError::Version { .. } => {
                "regenerate it with `scalable plan MANIFEST --target T --output plan.json`"
            }
            PlanError::TooLarge { .. } => {
                "lower the component's cpus/memory, or choose a policy without a memory margin"
            }
        }
    }
}
