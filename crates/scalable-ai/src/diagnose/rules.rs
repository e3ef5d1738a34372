//! The evidence table: which facts of a failed task put it in which class.
//!
//! Rules are checked in table order and the first that matches decides the
//! class; every other rule of that class that also matches adds its evidence.
//! The order is deliberate: an exception the task itself raised says more
//! than the scheduler's summary of it (a `FileNotFoundError` on a worker that
//! was later killed is a missing file), so exception rules come first, then
//! the scheduler's, nanny's and provider's evidence (memory, walltime), then
//! connection errors (a walltime kill also breaks connections), then any
//! other exception. docs/assistants.md lists the same table (a test keeps the
//! two in step).

use serde::{Deserialize, Serialize};

use super::facts::FailedTask;

/// A failure class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The worker ran out of memory.
    Oom,
    /// The batch job reached its time limit.
    Walltime,
    /// An input file or directory is not where the task looked.
    MountMissing,
    /// A module the task imports is not installed on the workers.
    ImportError,
    /// A result or argument could not be pickled.
    Serialization,
    /// A network peer could not be reached.
    Connection,
    /// Credentials were missing, wrong or expired.
    Credential,
    /// Any other exception the model raised.
    ModelRuntime,
    /// No evidence says why.
    Unknown,
}

impl Category {
    /// Every class, in tie-break order.
    pub const ALL: [Category; 9] = [
        Category::Oom,
        Category::Walltime,
        Category::MountMissing,
        Category::ImportError,
        Category::Serialization,
        Category::Connection,
        Category::Credential,
        Category::ModelRuntime,
        Category::Unknown,
    ];

    /// `oom`, `walltime`, `mount_missing`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Oom => "oom",
            Category::Walltime => "walltime",
            Category::MountMissing => "mount_missing",
            Category::ImportError => "import_error",
            Category::Serialization => "serialization",
            Category::Connection => "connection",
            Category::Credential => "credential",
            Category::ModelRuntime => "model_runtime",
            Category::Unknown => "unknown",
        }
    }

    /// The class in words.
    pub fn title(self) -> &'static str {
        match self {
            Category::Oom => "Memory exhaustion",
            Category::Walltime => "Walltime exceeded",
            Category::MountMissing => "Missing input file",
            Category::ImportError => "Missing dependency",
            Category::Serialization => "Serialization error",
            Category::Connection => "Connection failure",
            Category::Credential => "Credential error",
            Category::ModelRuntime => "Model error",
            Category::Unknown => "Unexplained failure",
        }
    }
}

/// One row of the evidence table.
pub struct Rule {
    /// Stable code, e.g. `D_MEMORY_ERROR`.
    pub code: &'static str,
    /// The class it puts a task in.
    pub category: Category,
    /// The evidence it looks for, as docs/assistants.md states it.
    pub evidence: &'static str,
    /// What a match says, in a finding's evidence line.
    pub says: &'static str,
    /// Whether the task shows it.
    pub check: fn(&FailedTask<'_>) -> bool,
}

/// A task's worker memory at or above this share of its limit is memory exhaustion.
pub const MEMORY_SHARE: f64 = 0.9;

/// Exit codes of a process the kernel killed for memory: 137 (128 + SIGKILL,
/// the OOM killer's signal), -9 (SIGKILL as Python reports it), 247 (-9 as
/// an unsigned byte, how some launchers report it).
pub const OOM_EXIT_CODES: [i64; 3] = [137, -9, 247];

/// The evidence table, in the order it is checked.
pub const RULES: &[Rule] = &[
    Rule {
        code: "D_MEMORY_ERROR",
        category: Category::Oom,
        evidence: "the task raised `MemoryError` (numpy's `_ArrayMemoryError`, `OutOfMemoryError` included)",
        says: "the task raised `MemoryError`",
        check: |t| type_is(t, &["MemoryError", "_ArrayMemoryError", "OutOfMemoryError"]),
    },
    Rule {
        code: "D_FILE_NOT_FOUND",
        category: Category::MountMissing,
        evidence: "`FileNotFoundError`, `NotADirectoryError`, or an `OSError`/`IOError` saying `No such file or directory` or `not found`",
        says: "a file or directory was not found",
        check: |t| {
            type_is(t, &["FileNotFoundError", "NotADirectoryError"])
                || (type_is(t, &["OSError", "IOError", "EnvironmentError"])
                    && message_has(t, &["no such file or directory", "not found"]))
        },
    },
    Rule {
        code: "D_IMPORT",
        category: Category::ImportError,
        evidence: "`ModuleNotFoundError` or `ImportError`",
        says: "an import failed on the worker",
        check: |t| type_is(t, &["ModuleNotFoundError", "ImportError"]),
    },
    Rule {
        code: "D_PICKLE",
        category: Category::Serialization,
        evidence: "`PicklingError`, or a `TypeError`/`AttributeError` about pickling or serialising (`cannot pickle`, dill, cloudpickle)",
        says: "pickling failed",
        check: |t| {
            type_is(t, &["PicklingError", "UnpicklingError"])
                || (type_is(t, &["TypeError", "AttributeError", "RecursionError"])
                    && message_has(t, &["pickl", "serializ", "serialis"]))
        },
    },
    Rule {
        code: "D_CREDENTIAL",
        category: Category::Credential,
        evidence: "`NoCredentialsError`, `AuthenticationError`, `DefaultCredentialsError`, or a message naming expired, missing or invalid credentials, `AccessDenied`, `401 Unauthorized`, `403 Forbidden`",
        says: "credentials were missing or refused",
        check: |t| {
            type_is(
                t,
                &[
                    "NoCredentialsError",
                    "PartialCredentialsError",
                    "AuthenticationError",
                    "DefaultCredentialsError",
                    "RefreshError",
                ],
            ) || message_has(
                t,
                &[
                    "credential",
                    "accessdenied",
                    "access denied",
                    "invalidaccesskeyid",
                    "expiredtoken",
                    "unauthorized",
                    "401 ",
                    "403 forbidden",
                    "signaturedoesnotmatch",
                ],
            )
        },
    },
    Rule {
        code: "D_PROVIDER_OOM",
        category: Category::Oom,
        evidence: "the provider ended the worker's job for memory: Slurm `OUT_OF_MEMORY` (a `memory-limit` event from the provider), Kubernetes `OOMKilled`",
        says: "the provider killed the job for memory",
        check: |t| {
            t.failures.iter().any(|f| {
                let state = f.extra.get("job_state").and_then(|v| v.as_str());
                state == Some("OUT_OF_MEMORY")
                    || (f.evidence.as_deref() == Some("provider") && f.event == "memory-limit")
                    || f.reason.as_deref().is_some_and(|r| r.contains("OOMKilled"))
            })
        },
    },
    Rule {
        code: "D_NANNY_MEMORY",
        category: Category::Oom,
        evidence: "the nanny terminated the worker over its memory limit (a `memory-limit` event for the worker while the task ran)",
        says: "the nanny terminated the worker over its memory limit",
        check: |t| {
            t.workers.iter().any(|e| e.event == "memory-limit")
                || t.failures
                    .iter()
                    .any(|f| f.event == "memory-limit" && f.evidence.as_deref() != Some("provider"))
        },
    },
    Rule {
        code: "D_WORKER_LOST_NEAR_LIMIT",
        category: Category::Oom,
        evidence: "the worker was lost with the task on it while its memory was near its limit (`worker-lost` with `memory_near_limit`), or Dask gave up on it (`KilledWorker`) after such losses",
        says: "the worker was lost near its memory limit",
        check: |t| {
            t.failures.iter().any(|f| {
                f.event == "worker-lost"
                    && f.extra.get("memory_near_limit").and_then(|v| v.as_bool()) == Some(true)
            })
        },
    },
    Rule {
        code: "D_MEMORY_PEAK",
        category: Category::Oom,
        evidence: "the worker's memory reached at least 90% of its limit while the task ran (`worker_memory`/`peak_memory` vs `memory_limit`, `resources.jsonl` samples)",
        says: "worker memory reached at least 90% of its limit",
        check: |t| match (t.peak_memory, t.memory_limit) {
            (Some(peak), Some(limit)) if limit > 0 => peak as f64 >= MEMORY_SHARE * limit as f64,
            _ => false,
        },
    },
    Rule {
        code: "D_OOM_EXIT_CODE",
        category: Category::Oom,
        evidence: "the worker process or job exited with 137, -9 or 247 (SIGKILL, what the kernel's OOM killer sends)",
        says: "the worker was killed with SIGKILL (exit code 137, -9 or 247)",
        check: |t| {
            t.failures
                .iter()
                .filter_map(|f| f.exit_code)
                .chain(t.workers.iter().filter_map(|e| e.exit_code))
                .any(|c| OOM_EXIT_CODES.contains(&c))
        },
    },
    Rule {
        code: "D_WALLTIME",
        category: Category::Walltime,
        evidence: "the provider ended the job at its time limit (a `walltime` event, Slurm `TIMEOUT`/`DEADLINE`, `DUE TO TIME LIMIT`), or the task ran at least as long as the plan's walltime",
        says: "the job reached its walltime",
        check: |t| {
            let evidence = t.failures.iter().any(|f| {
                let state = f.extra.get("job_state").and_then(|v| v.as_str());
                f.event == "walltime"
                    || matches!(state, Some("TIMEOUT" | "DEADLINE"))
                    || f.reason
                        .as_deref()
                        .is_some_and(|r| r.contains("TIME LIMIT"))
            });
            let elapsed = match (t.record.duration(), t.walltime_s) {
                (Some(d), Some(w)) if w > 0 => d >= w as f64,
                _ => false,
            };
            evidence || elapsed || message_has(t, &["due to time limit"])
        },
    },
    Rule {
        code: "D_CONNECTION",
        category: Category::Connection,
        evidence: "`ConnectionError` and its kin (`ConnectionRefusedError`, `ConnectionResetError`, `EndpointConnectionError`, `CommClosedError`, `gaierror`, `socket.timeout`), or `Connection refused`, `Name or service not known`, `Temporary failure in name resolution`",
        says: "a connection failed",
        check: |t| {
            type_is(
                t,
                &[
                    "ConnectionError",
                    "ConnectionRefusedError",
                    "ConnectionResetError",
                    "ConnectionAbortedError",
                    "BrokenPipeError",
                    "EndpointConnectionError",
                    "CommClosedError",
                    "StreamClosedError",
                    "gaierror",
                    "timeout",
                    "ConnectTimeout",
                    "ReadTimeout",
                    "ConnectTimeoutError",
                    "MaxRetryError",
                    "NewConnectionError",
                    "URLError",
                ],
            ) || message_has(
                t,
                &[
                    "connection refused",
                    "connection reset",
                    "name or service not known",
                    "temporary failure in name resolution",
                    "could not connect",
                    "failed to establish a new connection",
                ],
            )
        },
    },
    Rule {
        code: "D_EXCEPTION",
        category: Category::ModelRuntime,
        evidence: "any other exception the task raised (grouped by type and message with numbers, paths and hex replaced)",
        says: "the task raised the same exception",
        check: |t| {
            t.record
                .exception
                .as_ref()
                .is_some_and(|e| !matches!(short_type(&e.kind), "KilledWorker" | "CancelledError"))
        },
    },
    Rule {
        code: "D_NO_EVIDENCE",
        category: Category::Unknown,
        evidence: "none of the above: `KilledWorker` without memory evidence, a lost worker, a node failure, a cancelled job, no exception",
        says: "no exception or evidence says why",
        check: |_| true,
    },
];

/// What the table says about one task.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Codes of the rules of its class that matched, the deciding one first.
    pub rules: Vec<&'static str>,
    /// The exception type, unqualified (`MemoryError`), or `no exception`.
    pub kind: String,
    /// The exception message, first line.
    pub message: String,
    /// `type: normalised message`: the grouping key of `model_runtime`.
    pub signature: String,
}

/// Puts a failed task in its class.
pub fn classify(t: &FailedTask<'_>) -> (Category, Verdict) {
    let category = RULES
        .iter()
        .find(|r| (r.check)(t))
        .map_or(Category::Unknown, |r| r.category);
    let rules = RULES
        .iter()
        .filter(|r| r.category == category && (r.check)(t))
        .map(|r| r.code)
        .collect();
    let (kind, message) = match &t.record.exception {
        Some(e) => (
            short_type(&e.kind).to_owned(),
            e.message.lines().next().unwrap_or("").trim().to_owned(),
        ),
        None => ("no exception".to_owned(), String::new()),
    };
    let signature = format!("{kind}: {}", normalise(&message));
    (
        category,
        Verdict {
            rules,
            kind,
            message,
            signature,
        },
    )
}

/// `builtins.MemoryError` → `MemoryError`.
pub fn short_type(kind: &str) -> &str {
    kind.rsplit('.').next().unwrap_or(kind)
}

fn type_is(t: &FailedTask<'_>, names: &[&str]) -> bool {
    t.record
        .exception
        .as_ref()
        .is_some_and(|e| names.contains(&short_type(&e.kind)))
}

fn message_has(t: &FailedTask<'_>, needles: &[&str]) -> bool {
    t.record.exception.as_ref().is_some_and(|e| {
        let m = e.message.to_lowercase();
        needles.iter().any(|n| m.contains(n))
    })
}

/// A message with what varies between tasks replaced: paths by `<path>`,
/// hex by `<hex>`, numbers by `<n>`. Two tasks failing the same way in
/// different scenarios then share one signature.
pub fn normalise(message: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in message.split_whitespace() {
        // Keep the punctuation around a word (quotes, brackets, a trailing colon).
        let start = word
            .find(|c: char| c.is_alphanumeric() || "/.~_-".contains(c))
            .unwrap_or(word.len());
        let end = word
            .rfind(|c: char| c.is_alphanumeric() || c == '/' || c == '_')
            .map_or(start, |i| i + 1)
            .max(start);
        let (lead, core, tail) = (&word[..start], &word[start..end], &word[end..]);
        out.push(format!("{lead}{}{tail}", normalise_word(core)));
    }
    out.join(" ")
}

fn normalise_word(w: &str) -> String {
    if w.is_empty() {
        return String::new();
    }
    if w.contains('/') || w.contains('\\') {
        return "<path>".to_owned();
    }
    let hex = w.strip_prefix("0x").unwrap_or(w);
    if (w.starts_with("0x") && !hex.is_empty() || hex.len() >= 8)
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && hex.chars().any(|c| c.is_ascii_digit())
    {
        return "<hex>".to_owned();
    }
    // Runs of digits (with a decimal point or sign) become `<n>`.
    let mut out = String::with_capacity(w.len());
    let mut in_number = false;
    for (i, c) in w.char_indices() {
        let numeric = c.is_ascii_digit()
            || (c == '.'
                && in_number
                && w[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_digit()));
        if numeric {
            if !in_number {
                out.push_str("<n>");
                in_number = true;
            }
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_varies() {
        assert_eq!(
            normalise("Unable to allocate 18.6 GiB for an array with shape (7200, 3600)"),
            "Unable to allocate <n> GiB for an array with shape (<n>, <n>)"
        );
        assert_eq!(
            normalise("[Errno 2] No such file or directory: '/data/ssp5/constraints.csv'"),
            "[Errno <n>] No such file or directory: '<path>'"
        );
        assert_eq!(
            normalise("object at 0x7f3a2b1c0d90 failed, key deadbeef12"),
            "object at <hex> failed, key <hex>"
        );
        assert_eq!(
            normalise("scenario ssp2 diverged"),
            "scenario ssp<n> diverged"
        );
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn codes_are_unique_and_every_class_has_a_rule() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        for c in Category::ALL {
            assert!(RULES.iter().any(|r| r.category == c), "{c:?}");
        }
        // The catch-all is last.
        assert_eq!(RULES.last().map(|r| r.code), Some("D_NO_EVIDENCE"));
    }

    #[test]
    fn short_types() {
        assert_eq!(short_type("builtins.MemoryError"), "MemoryError");
        assert_eq!(short_type("KilledWorker"), "KilledWorker");
    }
}
