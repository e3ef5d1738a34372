//! A real HTTP server on 127.0.0.1 speaking the OpenAI and Ollama wire
//! formats with scripted replies, shared by the LLM-mode tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scalable_ai::llm::Config;

/// The API key every test configures (and looks for where it must not be).
pub const KEY: &str = "sk-test-0123456789abcdef";

/// One scripted answer: status, extra headers, body, delay before it.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: String,
    pub delay: Duration,
}

/// 200 with `body`.
pub fn ok(body: &str) -> Reply {
    Reply {
        status: 200,
        headers: vec![],
        body: body.to_owned(),
        delay: Duration::ZERO,
    }
}

/// `code` with an error body and `Retry-After: 0`.
pub fn status(code: u16) -> Reply {
    Reply {
        status: code,
        headers: vec![("Retry-After", "0")],
        body: r#"{"error":{"message":"scripted"}}"#.to_owned(),
        delay: Duration::ZERO,
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub body: serde_json::Value,
}

/// Serves `replies` in order (the last one again when they run out); returns
/// the base URL and what it was sent.
pub fn serve(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let reply = replies[i.min(replies.len() - 1)].clone();
            if let Some(s) = answer(stream, &reply) {
                log.lock().unwrap().push(s);
            }
        }
    });
    (base, seen)
}

fn answer(stream: TcpStream, reply: &Reply) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let (mut length, mut authorization) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    std::thread::sleep(reply.delay);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    Some(Seen {
        path,
        authorization,
        body: serde_json::from_slice(&body).unwrap_or_default(),
    })
}

/// LLM mode on `backend` at `base`, with the test key.
pub fn config(backend: &str, base: &str, timeout: &str) -> Config {
    let vars = [
        ("SCALABLE_AI_BACKEND", backend.to_owned()),
        ("SCALABLE_AI_ENDPOINT", base.to_owned()),
        ("SCALABLE_AI_TIMEOUT", timeout.to_owned()),
        ("OPENAI_API_KEY", KEY.to_owned()),
    ];
    Config::from_vars(
        |n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()),
        false,
    )
    .unwrap()
    .unwrap()
}
