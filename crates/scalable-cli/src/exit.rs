//! Exit codes shared by every command.

/// What the process exit code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// The input was read and is invalid (validation errors, a stale lock).
    Invalid = 1,
    /// Bad usage or an I/O error: nothing could be checked.
    Usage = 2,
}
