//! The status of a run, honestly.
//!
//! `run.json` says `running` from the moment the run is opened (with the
//! opener's pid, its start time and host) until its recorder closes it with
//! `succeeded`, `failed` or `interrupted`. Readers derive the rest:
//!
//! - a run still `running` whose process is gone (same host; pid dead or
//!   reused by another process) was **interrupted** (SIGKILL, a crash, a lost
//!   node); so was one with a torn last line in a stream unless its process is
//!   known to be alive;
//! - at close, a task whose last outcome is `failed` (not followed by
//!   `retried` and `finished`) makes the run **failed**, whatever the workflow
//!   script did with the exception and whatever exit code it returned.

use crate::schema::{RunRecord, RunStatus, TaskCounts};

/// The status a closer asks for and the facts it has, turned into the final
/// status and the reason stored beside it.
///
/// - `interrupted` requested: `interrupted` (a stopped run is not a success
///   nor a task failure);
/// - any task failed for good: `failed` (`N tasks failed`);
/// - a non-zero exit code: `failed` (`workflow exited with code N`);
/// - `failed` requested: `failed`;
/// - else `succeeded`.
pub fn final_status(
    requested: Option<RunStatus>,
    exit_code: Option<i32>,
    tasks: &TaskCounts,
) -> (RunStatus, String) {
    let failed_tasks = match tasks.failed {
        0 => None,
        1 => Some("1 task failed".to_owned()),
        n => Some(format!("{n} tasks failed")),
    };
    if requested == Some(RunStatus::Interrupted) {
        let mut reason = "interrupted".to_owned();
        if let Some(f) = failed_tasks {
            reason.push_str(&format!("; {f}"));
        }
        return (RunStatus::Interrupted, reason);
    }
    if let Some(f) = failed_tasks {
        let reason = match exit_code {
            Some(0) => format!("{f} (the workflow exited 0)"),
            Some(code) => format!("{f}; workflow exited with code {code}"),
            None => f,
        };
        return (RunStatus::Failed, reason);
    }
    match exit_code {
        Some(code) if code != 0 => (
            RunStatus::Failed,
            format!("workflow exited with code {code}"),
        ),
        _ if requested == Some(RunStatus::Failed) => {
            (RunStatus::Failed, "closed as failed".to_owned())
        }
        _ if tasks.total == 0 => (RunStatus::Succeeded, "no task ran".to_owned()),
        _ if tasks.unfinished > 0 => (
            RunStatus::Succeeded,
            format!("no task failed; {} never finished", tasks.unfinished),
        ),
        _ => (RunStatus::Succeeded, "every task succeeded".to_owned()),
    }
}

/// Whether the process that opened the run is still alive: `Some(true)` or
/// `Some(false)` when this host can tell, `None` when the record comes from
/// another host.
pub fn opener_alive(record: &RunRecord) -> Option<bool> {
    if record.host != hostname() {
        return None;
    }
    if !pid_alive(record.pid) {
        return Some(false);
    }
    // The pid lives; is it still the same process?
    match (record.pid_start, process_start(record.pid)) {
        (Some(recorded), Some(now)) => Some(recorded == now),
        _ => Some(true),
    }
}

/// The status a reader shows for a record with `torn` damaged streams.
pub fn derived_status(record: &RunRecord, torn: bool) -> RunStatus {
    if record.status != RunStatus::Running {
        return record.status;
    }
    match opener_alive(record) {
        Some(false) => RunStatus::Interrupted,
        Some(true) => RunStatus::Running,
        None if torn => RunStatus::Interrupted,
        None => RunStatus::Running,
    }
}

/// This host's name.
pub fn hostname() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes a
        // NUL-terminated name into it (truncated if longer).
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Whether a process with this pid exists on this host.
pub fn pid_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        if pid <= 0 {
            return false;
        }
        // SAFETY: signal 0 checks for existence and permission; it sends nothing.
        let rc = unsafe { libc::kill(pid, 0) };
        if rc == 0 {
            return !is_zombie(pid as u32);
        }
        std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// A zombie has exited; only its parent has not reaped it yet.
fn is_zombie(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|fields| fields.first().is_some_and(|s| s == "Z"))
}

/// The start time of a process (Linux: clock ticks after boot, field 22 of
/// `/proc/<pid>/stat`), to tell a reused pid from the original process.
pub fn process_start(pid: u32) -> Option<u64> {
    proc_stat(pid)?.get(19)?.parse().ok()
}

/// The fields of `/proc/<pid>/stat` after the command name (state first).
fn proc_stat(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces and parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(failed: u64) -> TaskCounts {
        TaskCounts {
            total: 3,
            succeeded: 3 - failed,
            failed,
            ..TaskCounts::default()
        }
    }

    #[test]
    fn failed_tasks_win_over_a_zero_exit_code() {
        let (s, why) = final_status(None, Some(0), &counts(2));
        assert_eq!(
            (s, why.as_str()),
            (RunStatus::Failed, "2 tasks failed (the workflow exited 0)")
        );
        let (s, _) = final_status(Some(RunStatus::Succeeded), None, &counts(1));
        assert_eq!(s, RunStatus::Failed);
    }

    #[test]
    fn other_outcomes() {
        assert_eq!(
            final_status(None, Some(0), &counts(0)).0,
            RunStatus::Succeeded
        );
        assert_eq!(final_status(None, None, &counts(0)).0, RunStatus::Succeeded);
        assert_eq!(final_status(None, Some(3), &counts(0)).0, RunStatus::Failed);
        assert_eq!(
            final_status(Some(RunStatus::Interrupted), Some(130), &counts(1)).0,
            RunStatus::Interrupted
        );
        assert_eq!(
            final_status(Some(RunStatus::Failed), Some(0), &counts(0)).0,
            RunStatus::Failed
        );
    }

    #[test]
    fn this_process_is_alive_and_has_a_start_time() {
        assert!(pid_alive(std::process::id()));
        if cfg!(target_os = "linux") {
            assert!(process_start(std::process::id()).is_some());
        }
        assert!(!hostname().is_empty());
    }
}
