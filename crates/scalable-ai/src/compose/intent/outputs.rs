//! The kinds of output a description names.

use serde::{Deserialize, Serialize};

use super::words::Word;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OutputKind {
    /// NetCDF (gridded model outputs).
    NetCDF,
    /// CSV (tables).
    CSV,
    /// PDF (reports).
    PDF,
    /// JSON (summaries).
    JSON,
    /// PNG (figures).
    PNG,
}

/// The words of each kind.
pub const RULES: &[(OutputKind, &[&str])] = &[
    (OutputKind::NetCDF, &["netcdf", "netcdf4", "nc", "nc4"]),
    (
        OutputKind::CSV,
        &["csv", "table", "tables", "spreadsheet", "csvs"],
    ),
    (OutputKind::PDF, &["pdf", "pdfs"]),
    (OutputKind::JSON, &["json"]),
    (OutputKind::PNG, &["png", "pngs", "image", "images"]),
];

/// The kinds named in `words`, sorted.
pub fn find(words: &[Word], used: &mut [bool]) -> Vec<OutputKind> {
    let mut kinds = Vec::new();
    for (i, word) in words.iter().enumerate() {
        // `per-scenario NetCDF` and `NetCDF-4` are single words.
        let text = word.text.trim_end_matches("-4");
        for (kind, keys) in RULES {
            if keys.contains(&text) {
                used[i] = true;
                if !kinds.contains(kind) {
                    kinds.push(*kind);
                }
            }
        }
    }
    kinds.sort();
    kinds
}
