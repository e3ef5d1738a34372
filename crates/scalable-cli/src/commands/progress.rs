//! Live progress of a run, read from its `tasks.jsonl` as it grows: done,
//! failed and running per tag, elapsed time and an ETA.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Instant;

/// Counts for one tag.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Submitted.
    pub submitted: u64,
    /// Started and not yet ended.
    pub running: u64,
    /// Finished.
    pub done: u64,
    /// Failed (last outcome).
    pub failed: u64,
}

/// Follows `tasks.jsonl` from where it last read.
pub struct Progress {
    path: PathBuf,
    offset: u64,
    partial: String,
    tag_of: HashMap<String, String>,
    state: HashMap<String, &'static str>,
    started: Instant,
}

impl Progress {
    /// Follows the tasks file of a run.
    pub fn new(path: PathBuf) -> Progress {
        Progress {
            path,
            offset: 0,
            partial: String::new(),
            tag_of: HashMap::new(),
            state: HashMap::new(),
            started: Instant::now(),
        }
    }

    /// Reads what was appended since the last call.
    pub fn poll(&mut self) {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut fresh = String::new();
        if let Ok(n) = file.read_to_string(&mut fresh) {
            self.offset += n as u64;
        }
        self.partial.push_str(&fresh);
        // Only complete lines: a writer may be midway through the last one.
        let Some(end) = self.partial.rfind('\n') else {
            return;
        };
        let complete: String = self.partial.drain(..=end).collect();
        for line in complete.lines() {
            self.apply(line);
        }
    }

    fn apply(&mut self, line: &str) {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        let Some(key) = event.get("key").and_then(|k| k.as_str()) else {
            return;
        };
        let kind = event
            .get("event")
            .and_then(|e| e.as_str())
            .unwrap_or_default();
        if kind == "submitted" {
            let tag = event
                .get("tag")
                .and_then(|t| t.as_str())
                .unwrap_or("untagged");
            self.tag_of.insert(key.to_string(), tag.to_string());
        }
        let state = match kind {
            "submitted" | "retried" => "waiting",
            "started" => "running",
            "finished" => "done",
            "failed" => "failed",
            _ => return,
        };
        self.state.insert(key.to_string(), state);
    }

    /// Counts per tag, sorted by tag.
    pub fn counts(&self) -> BTreeMap<String, Counts> {
        let mut out: BTreeMap<String, Counts> = BTreeMap::new();
        for (key, state) in &self.state {
            let tag = self.tag_of.get(key).map_or("untagged", String::as_str);
            let c = out.entry(tag.to_string()).or_default();
            c.submitted += 1;
            match *state {
                "running" => c.running += 1,
                "done" => c.done += 1,
                "failed" => c.failed += 1,
                _ => {}
            }
        }
        out
    }

    /// One line: per tag done/total, failed and running, elapsed and ETA.
    pub fn line(&self) -> String {
        let counts = self.counts();
        let elapsed = self.started.elapsed().as_secs_f64();
        let (mut ended, mut total) = (0u64, 0u64);
        let parts: Vec<String> = counts
            .iter()
            .map(|(tag, c)| {
                ended += c.done + c.failed;
                total += c.submitted;
                let mut s = format!("{tag} {}/{}", c.done, c.submitted);
                if c.failed > 0 {
                    s.push_str(&format!(" ({} failed)", c.failed));
                }
                if c.running > 0 {
                    s.push_str(&format!(" {} running", c.running));
                }
                s
            })
            .collect();
        let eta = if ended > 0 && total > ended {
            format!(
                ", ETA {:.0}s",
                elapsed / ended as f64 * (total - ended) as f64
            )
        } else {
            String::new()
        };
        let body = if parts.is_empty() {
            "waiting for tasks".to_string()
        } else {
            parts.join(" | ")
        };
        format!("[{elapsed:.0}s{eta}] {body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_last_event_per_key_and_skip_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"event":"submitted","key":"a","tag":"demeter"}"#,
                "\n",
                r#"{"event":"submitted","key":"b","tag":"demeter"}"#,
                "\n",
                r#"{"event":"started","key":"a"}"#,
                "\n",
                r#"{"event":"finished","key":"a"}"#,
                "\n",
                r#"{"event":"started","key":"b"}"#,
                "\n",
                r#"{"event":"fail"#
            ),
        )
        .unwrap();
        let mut p = Progress::new(path.clone());
        p.poll();
        let c = p.counts()["demeter"];
        assert_eq!(
            c,
            Counts {
                submitted: 2,
                running: 1,
                done: 1,
                failed: 0
            }
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, b"ed\",\"key\":\"b\"}\n").unwrap();
        p.poll();
        assert_eq!(p.counts()["demeter"].failed, 1);
        assert!(p.line().contains("demeter 1/2 (1 failed)"), "{}", p.line());
    }
}
