//! Many writers, one file: no line is lost, torn or interleaved.

use std::collections::HashMap;
use std::sync::Arc;

use scalable_runs::Stream;
use scalable_runs::schema::TaskEvent;
use serde_json::json;

use crate::synthetic;

/// Reads tasks.jsonl and checks every line is a complete event; returns
/// (writer → seqs in file order).
fn lines_by_writer(dir: &std::path::Path) -> (usize, HashMap<u64, Vec<u64>>) {
    let text = std::fs::read_to_string(dir.join("tasks.jsonl")).unwrap();
    assert!(text.ends_with('\n'), "the file ends with a complete line");
    let mut by_writer: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut n = 0;
    for line in text.lines() {
        let event: TaskEvent = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {n} is not one event ({e}): {:.120}", line));
        let writer = event.extra["writer"].as_u64().unwrap();
        let seq = event.extra["seq"].as_u64().unwrap();
        assert_eq!(event.key, format!("w{writer}-{seq}"));
        by_writer.entry(writer).or_default().push(seq);
        n += 1;
    }
    (n, by_writer)
}

#[test]
fn processes_appending_to_one_stream_never_interleave() {
    const WRITERS: u64 = 8;
    const EVENTS: u64 = 2_000;
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let dir = rec.dir().path().to_path_buf();
    let go = tmp.path().join("go");
    let children: Vec<_> = (0..WRITERS)
        .map(|w| {
            crate::spawn_child(
                "append",
                &[
                    dir.to_str().unwrap(),
                    &w.to_string(),
                    &EVENTS.to_string(),
                    go.to_str().unwrap(),
                ],
                &[],
            )
        })
        .collect();
    std::fs::write(&go, b"").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer failed");
    }

    let (lines, by_writer) = lines_by_writer(&dir);
    assert_eq!(lines as u64, WRITERS * EVENTS, "exactly N×M complete lines");
    for w in 0..WRITERS {
        let seqs = &by_writer[&w];
        assert_eq!(seqs.len() as u64, EVENTS);
        assert!(
            seqs.iter().copied().eq(0..EVENTS),
            "writer {w}'s events are all there, in the order it wrote them"
        );
    }
    // The reader agrees, and the writers' events count as tasks.
    let run = scalable_runs::load(&dir).unwrap();
    assert_eq!(run.tasks.len() as u64, WRITERS * EVENTS);
    assert_eq!(run.damage[0], Default::default());
}

#[test]
fn threads_sharing_a_recorder_never_interleave() {
    const THREADS: u64 = 8;
    const EVENTS: u64 = 1_000;
    let tmp = tempfile::tempdir().unwrap();
    let rec = Arc::new(synthetic::create(tmp.path()));
    let handles: Vec<_> = (0..THREADS)
        .map(|w| {
            let rec = Arc::clone(&rec);
            std::thread::spawn(move || {
                let event = |seq: u64| {
                    let pad = if seq.is_multiple_of(7) {
                        "y".repeat(20_000)
                    } else {
                        String::new()
                    };
                    json!({"event": "started", "key": format!("w{w}-{seq}"), "writer": w,
                           "seq": seq, "pad": pad})
                    .to_string()
                };
                // Half one by one, half in batches of 50.
                for seq in 0..EVENTS / 2 {
                    rec.record_json(Stream::Tasks, &event(seq)).unwrap();
                }
                let rest: Vec<String> = (EVENTS / 2..EVENTS).map(event).collect();
                for chunk in rest.chunks(50) {
                    rec.record_many(Stream::Tasks, chunk).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let (lines, by_writer) = lines_by_writer(rec.dir().path());
    assert_eq!(lines as u64, THREADS * EVENTS);
    for w in 0..THREADS {
        assert!(by_writer[&w].iter().copied().eq(0..EVENTS));
    }
}

#[test]
fn a_bad_event_in_a_batch_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let batch = [
        json!({"event": "started", "key": "a"}).to_string(),
        json!({"event": "started"}).to_string(), // no key
    ];
    let err = rec.record_many(Stream::Tasks, &batch).unwrap_err();
    assert_eq!(err.code(), "E_RUN_EVENT");
    assert!(err.to_string().contains("missing field `key`"), "{err}");
    assert_eq!(
        std::fs::read(rec.dir().path().join("tasks.jsonl")).unwrap(),
        b""
    );
    for bad in [
        "[1]",
        "not json",
        r#"{"event": "started", "key": "k", "time": "noon"}"#,
    ] {
        assert_eq!(
            rec.record_json(Stream::Tasks, bad).unwrap_err().code(),
            "E_RUN_EVENT",
            "{bad}"
        );
    }
    assert_eq!(Stream::parse("nope"), None);
}
