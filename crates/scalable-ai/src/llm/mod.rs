//! LLM mode: the backends an assistant asks to enrich its heuristic result.
//!
//! Configured from the environment at call time, never at import time
//! (`SCALABLE_AI_BACKEND=none|openai|ollama`, `SCALABLE_AI_MODEL`,
//! `SCALABLE_AI_ENDPOINT`, `OPENAI_API_KEY`, `SCALABLE_AI_TIMEOUT`), so a
//! missing key is reported when a command needs it, with the fix. One blocking
//! HTTP client (ureq with rustls) speaks both wire formats ([`wire`]); 429 and
//! 5xx are retried a bounded number of times with backoff. The key goes only
//! into the `Authorization` header: no error, log or record holds it.

mod ask;
mod error;
pub mod wire;

use std::time::Duration;

pub use ask::{ask_json, figures, invented, parse_object};
pub use error::LlmError;

/// Attempts per call when the server answers 429 or 5xx.
const ATTEMPTS: u32 = 3;
/// The longest wait between attempts, whatever `Retry-After` asks.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Seconds to wait for a reply unless `SCALABLE_AI_TIMEOUT` says otherwise.
const DEFAULT_TIMEOUT_S: u64 = 60;

/// A wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// OpenAI chat completions, or any server speaking that format.
    OpenAi,
    /// Ollama's `/api/chat`.
    Ollama,
}

impl Backend {
    /// `openai` or `ollama`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::OpenAi => "openai",
            Backend::Ollama => "ollama",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// Its text.
    pub content: String,
}

/// Where and how to ask a model.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The wire format.
    pub backend: Backend,
    /// The model name, e.g. `gpt-4`, `llama3.1`.
    pub model: String,
    /// The base URL (`https://api.openai.com/v1`, `http://localhost:11434`).
    pub endpoint: String,
    /// Seconds to wait for a reply.
    pub timeout_s: u64,
    key: Option<String>,
}

impl std::fmt::Debug for Config {
    // The key stays out of every debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("backend", &self.backend)
            .field("model", &self.model)
            .field("endpoint", &self.endpoint)
            .field("timeout_s", &self.timeout_s)
            .field("key", &self.key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Config {
    /// The configuration `var` (an environment lookup) describes; `None` for
    /// heuristic mode (`no_ai`, an unset or empty `SCALABLE_AI_BACKEND`, or
    /// `none`).
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        no_ai: bool,
    ) -> Result<Option<Config>, LlmError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if no_ai {
            return Ok(None);
        }
        let backend = match get("SCALABLE_AI_BACKEND").as_deref().map(str::trim) {
            None | Some("none") => return Ok(None),
            Some("openai") => Backend::OpenAi,
            Some("ollama") => Backend::Ollama,
            Some(other) => return Err(LlmError::UnknownBackend(other.to_owned())),
        };
        let key = get("OPENAI_API_KEY");
        if backend == Backend::OpenAi && key.is_none() {
            return Err(LlmError::MissingKey);
        }
        let timeout_s = match get("SCALABLE_AI_TIMEOUT") {
            None => DEFAULT_TIMEOUT_S,
            Some(t) => t
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or(LlmError::BadTimeout(t))?,
        };
        let (model, endpoint) = match backend {
            Backend::OpenAi => ("gpt-4", "https://api.openai.com/v1"),
            Backend::Ollama => ("llama3.1", "http://localhost:11434"),
        };
        Ok(Some(Config {
            backend,
            model: get("SCALABLE_AI_MODEL").unwrap_or_else(|| model.to_owned()),
            endpoint: get("SCALABLE_AI_ENDPOINT").unwrap_or_else(|| endpoint.to_owned()),
            timeout_s,
            key: if backend == Backend::OpenAi {
                key
            } else {
                None
            },
        }))
    }

    /// [`Config::from_vars`] over the process environment.
    pub fn from_env(no_ai: bool) -> Result<Option<Config>, LlmError> {
        Config::from_vars(|name| std::env::var(name).ok(), no_ai)
    }

    /// The mode a result made with this configuration states: `llm:openai/gpt-4`.
    pub fn mode(&self) -> String {
        format!("llm:{}/{}", self.backend.as_str(), self.model)
    }

    /// Asks the model; returns the text of its reply. `json` asks for a JSON
    /// object where the wire format can.
    pub fn chat(&self, messages: &[Message], json: bool) -> Result<String, LlmError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(self.timeout_s)))
            .http_status_as_error(false)
            .build()
            .into();
        let url = wire::url(self.backend, &self.endpoint);
        let body = wire::request(self.backend, &self.model, messages, json).to_string();
        let mut last = 0;
        for attempt in 1..=ATTEMPTS {
            let mut request = agent.post(&url).header("Content-Type", "application/json");
            if let Some(key) = &self.key {
                request = request.header("Authorization", &format!("Bearer {key}"));
            }
            let mut response = match request.send(body.as_str()) {
                Ok(r) => r,
                Err(e) => return Err(self.transport(e)),
            };
            let status = response.status().as_u16();
            last = status;
            match status {
                200..=299 => {
                    let text = response
                        .body_mut()
                        .read_to_string()
                        .map_err(|e| self.transport(e))?;
                    return wire::reply_text(self.backend, &text);
                }
                401 | 403 => return Err(LlmError::Unauthorized { status }),
                429 | 500..=599 if attempt < ATTEMPTS => {
                    let asked = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map(Duration::from_secs_f64);
                    let backoff = Duration::from_millis(250 << attempt);
                    std::thread::sleep(asked.unwrap_or(backoff).min(MAX_BACKOFF));
                }
                429 => return Err(LlmError::RateLimited { attempts: attempt }),
                _ => {
                    return Err(LlmError::Server {
                        status,
                        attempts: attempt,
                    });
                }
            }
        }
        Err(LlmError::Server {
            status: last,
            attempts: ATTEMPTS,
        })
    }

    fn transport(&self, e: ureq::Error) -> LlmError {
        let timed_out = match &e {
            ureq::Error::Timeout(_) => true,
            ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
            _ => false,
        };
        if timed_out {
            LlmError::Timeout {
                endpoint: self.endpoint.clone(),
                seconds: self.timeout_s,
            }
        } else {
            LlmError::Unreachable {
                endpoint: self.endpoint.clone(),
                detail: e.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)], no_ai: bool) -> Result<Option<Config>, LlmError> {
        let vars: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|n| vars.get(n).cloned(), no_ai)
    }

    #[test]
    fn heuristic_unless_a_backend_is_chosen_and_no_ai_always_wins() {
        assert_eq!(config(&[], false), Ok(None));
        assert_eq!(config(&[("SCALABLE_AI_BACKEND", "none")], false), Ok(None));
        let openai = [
            ("SCALABLE_AI_BACKEND", "openai"),
            ("OPENAI_API_KEY", "sk-x"),
        ];
        assert_eq!(config(&openai, true), Ok(None));
        let c = config(&openai, false).unwrap().unwrap();
        assert_eq!(c.mode(), "llm:openai/gpt-4");
        assert_eq!(c.endpoint, "https://api.openai.com/v1");
        assert_eq!(c.timeout_s, 60);
    }

    #[test]
    fn ollama_needs_no_key_and_takes_model_endpoint_and_timeout() {
        let c = config(
            &[
                ("SCALABLE_AI_BACKEND", "ollama"),
                ("SCALABLE_AI_MODEL", "qwen2.5"),
                ("SCALABLE_AI_ENDPOINT", "http://127.0.0.1:9"),
                ("SCALABLE_AI_TIMEOUT", "5"),
            ],
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.mode(), "llm:ollama/qwen2.5");
        assert_eq!(
            (c.endpoint.as_str(), c.timeout_s),
            ("http://127.0.0.1:9", 5)
        );
    }

    #[test]
    fn configuration_errors_are_clear_and_keep_the_key_out() {
        let err = config(&[("SCALABLE_AI_BACKEND", "openai")], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SCALABLE_AI_BACKEND=openai but no OPENAI_API_KEY"
        );
        assert!(err.hint().contains("export OPENAI_API_KEY"));
        let err = config(&[("SCALABLE_AI_BACKEND", "claude")], false).unwrap_err();
        assert_eq!(err.code(), "E_AI_BACKEND");
        let err = config(
            &[
                ("SCALABLE_AI_BACKEND", "ollama"),
                ("SCALABLE_AI_TIMEOUT", "soon"),
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(err.code(), "E_AI_TIMEOUT_VALUE");
        let c = config(
            &[
                ("SCALABLE_AI_BACKEND", "openai"),
                ("OPENAI_API_KEY", "sk-secret"),
            ],
            false,
        )
        .unwrap()
        .unwrap();
        assert!(!format!("{c:?}").contains("sk-secret"));
    }
}
