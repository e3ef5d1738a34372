//! The description as words: lower-cased tokens with their byte offsets, so
//! the rules can look at neighbours and mark what they used.

/// Only this many bytes of a description are read: a description is a
/// sentence or a paragraph, and the bound keeps a 1 MB paste fast.
pub const MAX_BYTES: usize = 4096;

/// One word of the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased text: letters, digits, `-`, `.` and `_` inside a word.
    pub text: String,
    /// As written (case kept), for names users chose.
    pub raw: String,
    /// Whether a comma, semicolon or colon follows it.
    pub comma_after: bool,
}

/// The words of `text` (at most [`MAX_BYTES`] of it) and whether it was cut.
pub fn split(text: &str) -> (Vec<Word>, bool) {
    let mut end = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = end < text.len();
    let mut words: Vec<Word> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<Word>| {
        let trimmed = current.trim_matches(|c: char| matches!(c, '-' | '.' | '_'));
        if !trimmed.is_empty() {
            words.push(Word {
                text: trimmed.to_lowercase(),
                raw: trimmed.to_string(),
                comma_after: false,
            });
        }
        current.clear();
    };
    for c in text[..end].chars() {
        if c.is_alphanumeric() || matches!(c, '-' | '.' | '_') {
            current.push(c);
        } else {
            flush(&mut current, &mut words);
            if matches!(c, ',' | ';' | ':')
                && let Some(last) = words.last_mut()
            {
                last.comma_after = true;
            }
        }
    }
    flush(&mut current, &mut words);
    (words, cut)
}

/// Words that carry no meaning for composing: articles, prepositions,
/// pronouns and fillers. They are never reported as not understood.
pub const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "to",
    "into",
    "in",
    "on",
    "onto",
    "and",
    "or",
    "then",
    "with",
    "using",
    "use",
    "by",
    "from",
    "at",
    "as",
    "each",
    "every",
    "per",
    "all",
    "list",
    "set",
    "some",
    "its",
    "it",
    "their",
    "them",
    "my",
    "our",
    "me",
    "we",
    "i",
    "is",
    "are",
    "be",
    "that",
    "this",
    "these",
    "those",
    "after",
    "before",
    "next",
    "finally",
    "first",
    "afterwards",
    "over",
    "across",
    "through",
    "via",
    "run",
    "runs",
    "running",
    "execute",
    "launch",
    "do",
    "please",
    "want",
    "need",
    "would",
    "like",
    "can",
    "should",
    "will",
    "single",
    "one",
    "multiple",
    "many",
    "several",
    "against",
    "under",
    "out",
    "up",
    "so",
    "also",
    "both",
    "model",
    "models",
    "workflow",
    "pipeline",
    "step",
    "steps",
    "file",
    "files",
    "output",
    "outputs",
    "result",
    "results",
    "data",
    "directory",
    "directories",
    "folder",
    "values",
    "value",
    "range",
    "between",
    "until",
    "till",
    "once",
    "time",
];

/// Whether `word` is a stopword.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}
