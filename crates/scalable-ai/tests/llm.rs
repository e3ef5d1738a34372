//! LLM backends against a real HTTP server on 127.0.0.1, started by each test,
//! that speaks both wire formats with scripted replies.

use std::net::TcpListener;
use std::time::Duration;

use scalable_ai::llm::{Config, LlmError, Message};

mod support;
use support::*;

fn ask(c: &Config) -> Result<String, LlmError> {
    c.chat(
        &[
            Message {
                role: "system",
                content: "Answer in JSON.".to_owned(),
            },
            Message {
                role: "user",
                content: "Explain the plan.".to_owned(),
            },
        ],
        true,
    )
}

const OPENAI_OK: &str = r#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"summary\":\"ok\"}"},"finish_reason":"stop"}]}"#;
const OLLAMA_OK: &str = r#"{"model":"llama3.1","message":{"role":"assistant","content":"{\"summary\":\"ok\"}"},"done":true}"#;

#[test]
fn openai_sends_the_key_only_in_the_header_and_reads_the_reply() {
    let (base, seen) = serve(vec![ok(OPENAI_OK)]);
    let c = config("openai", &format!("{base}/v1"), "10");
    assert_eq!(ask(&c).unwrap(), r#"{"summary":"ok"}"#);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
    assert_eq!(seen[0].body["model"], "gpt-4");
    assert_eq!(seen[0].body["response_format"]["type"], "json_object");
    assert_eq!(seen[0].body["messages"][1]["content"], "Explain the plan.");
}

#[test]
fn ollama_speaks_api_chat_without_a_key() {
    let (base, seen) = serve(vec![ok(OLLAMA_OK)]);
    let c = config("ollama", &base, "10");
    assert_eq!(ask(&c).unwrap(), r#"{"summary":"ok"}"#);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].path, "/api/chat");
    assert_eq!(seen[0].authorization, None);
    assert_eq!(seen[0].body["stream"], false);
    assert_eq!(seen[0].body["format"], "json");
}

#[test]
fn rate_limits_and_server_errors_are_retried_a_bounded_number_of_times() {
    let (base, seen) = serve(vec![status(429), ok(OPENAI_OK)]);
    assert!(ask(&config("openai", &base, "10")).is_ok());
    assert_eq!(seen.lock().unwrap().len(), 2);

    let (base, seen) = serve(vec![status(500)]);
    let err = ask(&config("openai", &base, "10")).unwrap_err();
    assert_eq!(
        err,
        LlmError::Server {
            status: 500,
            attempts: 3
        }
    );
    assert_eq!(seen.lock().unwrap().len(), 3);

    let (base, _) = serve(vec![status(429)]);
    let err = ask(&config("ollama", &base, "10")).unwrap_err();
    assert_eq!(err, LlmError::RateLimited { attempts: 3 });
}

#[test]
fn each_failure_has_one_clear_message_without_the_key() {
    let (base, seen) = serve(vec![status(401)]);
    let unauthorized = ask(&config("openai", &base, "10")).unwrap_err();
    assert_eq!(unauthorized.code(), "E_AI_UNAUTHORIZED");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a refused key is not retried"
    );

    let (base, _) = serve(vec![ok("<html>busy</html>")]);
    let malformed = ask(&config("openai", &base, "10")).unwrap_err();
    assert_eq!(malformed.code(), "E_AI_BAD_REPLY");

    let (base, _) = serve(vec![Reply {
        delay: Duration::from_secs(3),
        ..ok(OPENAI_OK)
    }]);
    let slow = ask(&config("openai", &base, "1")).unwrap_err();
    assert_eq!(slow.code(), "E_AI_TIMEOUT", "{slow}");

    // A port nothing listens on.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let unreachable = ask(&config("ollama", &closed, "5")).unwrap_err();
    assert_eq!(unreachable.code(), "E_AI_UNREACHABLE");
    assert!(unreachable.to_string().contains(&closed), "{unreachable}");

    for e in [&unauthorized, &malformed, &slow, &unreachable] {
        let text = format!("{e} {} {e:?}", e.hint());
        assert!(!text.contains(KEY), "{text}");
    }
}

/// The example planned for AWS (50 scenarios): a plan with a cost and risks.
fn aws_plan() -> scalable_plan::Plan {
    let source = include_str!("../../../docs/examples/scalable.demeter.yaml");
    let env = scalable_manifest::Env::from_map(
        [("ARTIFACT_STORAGE".to_owned(), "bucket".to_owned())].into(),
    );
    let doc = scalable_manifest::load_str(source, "scalable.yaml", std::path::Path::new("/p"), env)
        .unwrap();
    let request = scalable_plan::Request {
        scenarios: Some(50),
        ..scalable_plan::Request::new("aws")
    };
    let machine = scalable_plan::Machine {
        cpus: 8,
        memory_bytes: 32 << 30,
    };
    scalable_plan::plan_document(&doc, request, machine, None).unwrap()
}

/// An OpenAI reply whose content is `content` (a JSON value).
fn openai_reply(content: &serde_json::Value) -> String {
    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content.to_string()}}]})
        .to_string()
}

/// The heuristic explanation reworded, keeping every figure and risk code.
fn reworded(h: &scalable_ai::Explanation) -> serde_json::Value {
    serde_json::json!({
        "summary_line": format!("In short: {}", h.summary_line),
        "steps": h.steps.iter().map(|s| format!("{s} This matters for the budget.")).collect::<Vec<_>>(),
        "risks": h.risks.iter().map(|r| serde_json::json!({"code": r.code, "text": format!("Watch out: {}", r.text)})).collect::<Vec<_>>(),
    })
}

#[test]
fn explain_keeps_a_reply_that_keeps_the_facts() {
    use scalable_ai::explain::{explain, llm::explain_with};
    let plan = aws_plan();
    let heuristic = explain(&plan);
    let (base, seen) = serve(vec![status(429), ok(&openai_reply(&reworded(&heuristic)))]);
    let c = config("openai", &base, "10");
    let e = explain_with(&plan, Some(&c));
    assert_eq!(e.fallback, None);
    assert_eq!(e.mode, "llm:openai/gpt-4");
    assert!(e.summary_line.starts_with("In short: "));
    assert_eq!(e.cost_summary, heuristic.cost_summary);
    assert!(e.provenance.contains("worded by llm:openai/gpt-4"));
    // The prompt carries the plan and the heuristic explanation.
    let seen = seen.lock().unwrap();
    let prompt = seen[1].body["messages"][1]["content"].as_str().unwrap();
    assert!(prompt.contains(&heuristic.cost_summary));
}

#[test]
fn explain_falls_back_when_the_reply_changes_the_facts_or_never_comes() {
    use scalable_ai::explain::{explain, llm::explain_with};
    let plan = aws_plan();
    let heuristic = explain(&plan);
    let mut invented = reworded(&heuristic);
    invented["summary_line"] = serde_json::json!("This will cost about $123456.78.");
    let mut dropped = reworded(&heuristic);
    dropped["risks"] = serde_json::json!([]);
    let cases = [
        (
            ok(&openai_reply(&invented)),
            "figures the plan does not hold (123456.78)",
        ),
        (ok(&openai_reply(&dropped)), "are not the plan's"),
        (
            ok(r#"{"choices":[{"message":{"content":"Sure! Here is"}}]}"#),
            "not JSON",
        ),
        (status(500), "HTTP 500"),
    ];
    assert!(!heuristic.risks.is_empty());
    for (reply, why) in cases {
        let (base, _) = serve(vec![reply]);
        let e = explain_with(&plan, Some(&config("openai", &base, "10")));
        let fallback = e.fallback.clone().expect("fell back");
        assert!(fallback.contains(why), "{fallback}");
        assert!(fallback.starts_with("llm:openai/gpt-4 mode was asked, but "));
        assert_eq!(
            e,
            scalable_ai::Explanation {
                fallback: Some(fallback),
                ..heuristic.clone()
            }
        );
    }
}
