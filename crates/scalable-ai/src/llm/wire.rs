//! The two wire formats: OpenAI chat completions (`POST {base}/chat/completions`,
//! which many servers speak) and Ollama (`POST {base}/api/chat`). Building
//! requests and reading replies are pure functions, tested without a server.

use serde_json::{Value, json};

use super::{Backend, Message};
use crate::llm::LlmError;

/// The URL a chat request goes to.
pub fn url(backend: Backend, endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    match backend {
        Backend::OpenAi => format!("{base}/chat/completions"),
        Backend::Ollama => format!("{base}/api/chat"),
    }
}

/// The request body. `json` asks for a JSON object reply where the format
/// has a switch for it.
pub fn request(backend: Backend, model: &str, messages: &[Message], json: bool) -> Value {
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    match backend {
        Backend::OpenAi => {
            let mut body = json!({"model": model, "messages": messages, "temperature": 0});
            if json {
                body["response_format"] = json!({"type": "json_object"});
            }
            body
        }
        Backend::Ollama => {
            let mut body = json!({"model": model, "messages": messages, "stream": false,
                                  "options": {"temperature": 0}});
            if json {
                body["format"] = json!("json");
            }
            body
        }
    }
}

/// The reply's text: `choices[0].message.content` (OpenAI) or
/// `message.content` (Ollama).
pub fn reply_text(backend: Backend, body: &str) -> Result<String, LlmError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| LlmError::BadReply(format!("not JSON ({e})")))?;
    let content = match backend {
        Backend::OpenAi => value.pointer("/choices/0/message/content"),
        Backend::Ollama => value.pointer("/message/content"),
    };
    content
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            let wanted = match backend {
                Backend::OpenAi => "choices[0].message.content",
                Backend::Ollama => "message.content",
            };
            LlmError::BadReply(format!("no `{wanted}` in it"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Vec<Message> {
        vec![Message {
            role: "user",
            content: text.to_owned(),
        }]
    }

    #[test]
    fn openai_requests_and_replies() {
        assert_eq!(
            url(Backend::OpenAi, "http://127.0.0.1:9/v1/"),
            "http://127.0.0.1:9/v1/chat/completions"
        );
        let body = request(Backend::OpenAi, "gpt-4", &user("hi"), true);
        assert_eq!(body["model"], "gpt-4");
        assert_eq!(body["messages"][0]["content"], "hi");
        assert_eq!(body["response_format"]["type"], "json_object");
        let reply = r#"{"choices":[{"message":{"role":"assistant","content":"{\"a\":1}"}}]}"#;
        assert_eq!(reply_text(Backend::OpenAi, reply).unwrap(), r#"{"a":1}"#);
    }

    #[test]
    fn ollama_requests_and_replies() {
        assert_eq!(
            url(Backend::Ollama, "http://localhost:11434"),
            "http://localhost:11434/api/chat"
        );
        let body = request(Backend::Ollama, "llama3", &user("hi"), true);
        assert_eq!(body["stream"], false);
        assert_eq!(body["format"], "json");
        let reply =
            r#"{"model":"llama3","message":{"role":"assistant","content":"ok"},"done":true}"#;
        assert_eq!(reply_text(Backend::Ollama, reply).unwrap(), "ok");
    }

    #[test]
    fn unreadable_replies_say_what_is_missing() {
        let err = reply_text(Backend::OpenAi, "<html>").unwrap_err();
        assert_eq!(err.code(), "E_AI_BAD_REPLY");
        let err = reply_text(Backend::Ollama, r#"{"done":true}"#).unwrap_err();
        assert!(err.to_string().contains("message.content"), "{err}");
    }
}
