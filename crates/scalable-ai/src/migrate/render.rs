//! A migration as text (the tutorial's Step 6 layout) or JSON.

use serde::Serialize;

use super::Migration;
use crate::explain::render::{WIDTH, wrap};

/// The text `scalable migrate` prints: banner, the numbered changes, the
/// generated manifest, the notes, then the mode.
pub fn text(m: &Migration) -> String {
    let title = format!(
        "Migration: {} → {}",
        m.from_provider.as_str(),
        m.to_provider.as_str()
    );
    let mut out = format!("{title}\n{}\n\n", "═".repeat(title.chars().count() + 1));
    out.push_str(&changes(m));
    out.push_str("\nGenerated manifest:\n\n");
    out.push_str(&m.migrated_yaml);
    if let Some(path) = &m.written_to {
        out.push_str(&format!("\nWritten to: {path}\n"));
    }
    out.push_str("\nMigration notes:\n");
    out.push_str(&notes(&m.notes));
    out.push_str(&format!("\n({} mode)\n", m.mode));
    out
}

/// "Changes required:" and its numbered groups, each point wrapped under
/// its `-`.
pub fn changes(m: &Migration) -> String {
    let mut out = String::from("Changes required:\n");
    for (i, change) in m.changes.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let number = format!("{}. ", i + 1);
        let indent = " ".repeat(number.len());
        push(&mut out, &change.title, &number, &indent);
        for item in &change.items {
            push(
                &mut out,
                item,
                &format!("{indent}- "),
                &format!("{indent}  "),
            );
        }
    }
    out
}

/// The notes as bullets, wrapped.
pub fn notes(notes: &[String]) -> String {
    let mut out = String::new();
    for note in notes {
        push(&mut out, note, "• ", "  ");
    }
    out
}

fn push(out: &mut String, text: &str, first: &str, rest: &str) {
    for line in wrap(text, first, rest, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// One JSON document: every field of the migration, plus `changes_summary`
/// (the "Changes required" text) and `text`.
pub fn json(m: &Migration) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        migration: &'a Migration,
        changes_summary: String,
        text: String,
    }
    let doc = Document {
        migration: m,
        changes_summary: changes(m),
        text: text(m),
    };
    serde_json::to_string_pretty(&doc).expect("a migration always serialises") + "\n"
}
