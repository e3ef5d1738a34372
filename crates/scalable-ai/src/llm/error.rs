//! What can go wrong talking to a model: one message and one fix each, and
//! never the API key.

use std::fmt;

/// A failed model call. Every variant names what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmError {
    /// `SCALABLE_AI_BACKEND` is not `none`, `openai` or `ollama`.
    UnknownBackend(String),
    /// `SCALABLE_AI_BACKEND=openai` without `OPENAI_API_KEY`.
    MissingKey,
    /// `SCALABLE_AI_TIMEOUT` is not a positive number of seconds.
    BadTimeout(String),
    /// Nothing answered at the endpoint.
    Unreachable {
        /// The endpoint's base URL.
        endpoint: String,
        /// What the connection said.
        detail: String,
    },
    /// No reply within the timeout.
    Timeout {
        /// The endpoint's base URL.
        endpoint: String,
        /// Seconds waited.
        seconds: u64,
    },
    /// 401 or 403: the key was refused.
    Unauthorized {
        /// The HTTP status.
        status: u16,
    },
    /// 429 on every attempt.
    RateLimited {
        /// Attempts made.
        attempts: u32,
    },
    /// 5xx on every attempt, or another unexpected status.
    Server {
        /// The last HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The reply was not the wire format's JSON.
    BadReply(String),
}

impl LlmError {
    /// A stable code for the error (`E_AI_...`).
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::UnknownBackend(_) => "E_AI_BACKEND",
            LlmError::MissingKey => "E_AI_NO_KEY",
            LlmError::BadTimeout(_) => "E_AI_TIMEOUT_VALUE",
            LlmError::Unreachable { .. } => "E_AI_UNREACHABLE",
            LlmError::Timeout { .. } => "E_AI_TIMEOUT",
            LlmError::Unauthorized { .. } => "E_AI_UNAUTHORIZED",
            LlmError::RateLimited { .. } => "E_AI_RATE_LIMITED",
            LlmError::Server { .. } => "E_AI_SERVER",
            LlmError::BadReply(_) => "E_AI_BAD_REPLY",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            LlmError::UnknownBackend(_) => {
                "set SCALABLE_AI_BACKEND to none, openai or ollama (or pass --no-ai)".to_owned()
            }
            LlmError::MissingKey => {
                "set your API key: export OPENAI_API_KEY=sk-... (or pass --no-ai for heuristic mode)"
                    .to_owned()
            }
            LlmError::BadTimeout(_) => "set SCALABLE_AI_TIMEOUT to seconds, e.g. 60".to_owned(),
            LlmError::Unreachable { .. } => {
                "check SCALABLE_AI_ENDPOINT and that the server runs (`ollama serve` for Ollama), or pass --no-ai".to_owned()
            }
            LlmError::Timeout { .. } => {
                "raise SCALABLE_AI_TIMEOUT, try a smaller model, or pass --no-ai".to_owned()
            }
            LlmError::Unauthorized { .. } => {
                "check OPENAI_API_KEY (and that it is meant for SCALABLE_AI_ENDPOINT)".to_owned()
            }
            LlmError::RateLimited { .. } => {
                "wait and try again, or pass --no-ai for heuristic mode".to_owned()
            }
            LlmError::Server { .. } => {
                "the model server failed; try again later or pass --no-ai".to_owned()
            }
            LlmError::BadReply(_) => {
                "check that SCALABLE_AI_ENDPOINT speaks the backend's wire format".to_owned()
            }
        }
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LlmError::UnknownBackend(b) => write!(f, "SCALABLE_AI_BACKEND={b} is not a backend"),
            LlmError::MissingKey => write!(f, "SCALABLE_AI_BACKEND=openai but no OPENAI_API_KEY"),
            LlmError::BadTimeout(t) => {
                write!(f, "SCALABLE_AI_TIMEOUT={t} is not a number of seconds")
            }
            LlmError::Unreachable { endpoint, detail } => {
                write!(f, "cannot reach the model at {endpoint}: {detail}")
            }
            LlmError::Timeout { endpoint, seconds } => {
                write!(
                    f,
                    "the model at {endpoint} did not answer within {seconds} s"
                )
            }
            LlmError::Unauthorized { status } => {
                write!(f, "the model server refused the API key (HTTP {status})")
            }
            LlmError::RateLimited { attempts } => {
                write!(
                    f,
                    "the model server is rate-limiting (HTTP 429 on {attempts} attempts)"
                )
            }
            LlmError::Server { status, attempts } => {
                write!(
                    f,
                    "the model server answered HTTP {status} ({attempts} attempts)"
                )
            }
            LlmError::BadReply(why) => write!(f, "the model's reply could not be read: {why}"),
        }
    }
}

impl std::error::Error for LlmError {}
