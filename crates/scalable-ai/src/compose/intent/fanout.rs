//! What the runs fan out over and its values: SSP ranges ("SSP1-5"), year
//! ranges ("years 2020 to 2100 every 10"), parameter sweeps ("sweep ECS from
//! 2 to 5 step 0.5"), ensembles ("50 members") and named variables ("for
//! each basin", "a list of scenarios"). The first rule that matches wins.

use serde::{Deserialize, Serialize};

use super::words::Word;

/// At most this many values are generated, however wide a range is.
pub const MAX_VALUES: usize = 1000;

/// The Python type of a fan-out's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Names (`ssp1`).
    Str,
    /// Whole numbers (years, basin ids, members).
    Int,
    /// Parameter values.
    Float,
}

impl ValueType {
    /// The Python annotation.
    pub fn python(self) -> &'static str {
        match self {
            ValueType::Str => "str",
            ValueType::Int => "int",
            ValueType::Float => "float",
        }
    }
}

/// What the runs fan out over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanOut {
    /// The variable, a Python identifier: `scenario`, `year`, `basin`.
    pub variable: String,
    /// Its plural, for the constant and the flag: `scenarios`.
    pub plural: String,
    /// The values' type.
    pub value_type: ValueType,
    /// The values, as text (`ssp1`, `2020`, `0.5`).
    pub values: Vec<String>,
    /// Where the values came from: `description` or a default's reason.
    pub values_from: String,
    /// `(start, stop inclusive, step)` when the values are an integer range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<(i64, i64, i64)>,
}

/// Named variables: (words that name it, variable, plural, type).
pub const VARIABLES: &[(&[&str], &str, &str, ValueType)] = &[
    (
        &["scenario", "scenarios"],
        "scenario",
        "scenarios",
        ValueType::Str,
    ),
    (
        &["basin", "basins", "catchment", "catchments"],
        "basin",
        "basins",
        ValueType::Int,
    ),
    (&["region", "regions"], "region", "regions", ValueType::Str),
    (&["year", "years"], "year", "years", ValueType::Int),
    (
        &["site", "sites", "location", "locations"],
        "site",
        "sites",
        ValueType::Str,
    ),
    (
        &[
            "member",
            "members",
            "realization",
            "realizations",
            "realisation",
            "realisations",
            "sample",
            "samples",
        ],
        "member",
        "members",
        ValueType::Int,
    ),
];

/// Words that make a named variable a fan-out: "for each basin".
pub const QUANTIFIERS: &[&str] = &[
    "each",
    "every",
    "per",
    "list",
    "all",
    "multiple",
    "several",
    "many",
    "various",
    "different",
];

/// GCAM's water basins are numbered 1 to 235: the default for "each basin".
pub const GCAM_BASINS: i64 = 235;

/// The fan-out `words` describe, if any. `default_scenarios` are the first
/// model's scenarios, for "a list of scenarios" without names.
pub fn find(
    words: &[Word],
    used: &mut [bool],
    default_scenarios: &[&str],
    model: &str,
) -> Option<FanOut> {
    if let Some(f) = ssp(words, used) {
        return Some(f);
    }
    if let Some(f) = sweep(words, used) {
        return Some(f);
    }
    if let Some(f) = years(words, used) {
        return Some(f);
    }
    if let Some(f) = ensemble(words, used) {
        return Some(f);
    }
    named(words, used, default_scenarios, model)
}

fn ssp_number(text: &str) -> Option<u32> {
    let rest = text.strip_prefix("ssp")?;
    (!rest.is_empty() && rest.len() <= 3 && rest.chars().all(|c| c.is_ascii_digit()))
        .then(|| rest.parse().ok())
        .flatten()
}

fn number_after_ssp(text: &str) -> Option<u32> {
    ssp_number(text).or_else(|| {
        (text.len() == 1 && text.chars().all(|c| c.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    })
}

/// `SSP1-5`, `SSP1-SSP5`, `SSP1 to SSP5`, `SSP1, SSP2 and SSP5`, `the SSPs`.
fn ssp(words: &[Word], used: &mut [bool]) -> Option<FanOut> {
    let mut values: Vec<String> = Vec::new();
    let push = |v: String, values: &mut Vec<String>| {
        if !values.contains(&v) && values.len() < MAX_VALUES {
            values.push(v);
        }
    };
    let mut i = 0;
    let mut any = false;
    while i < words.len() {
        let text = words[i].text.as_str();
        if let Some((a, b)) = text.split_once('-')
            && let (Some(lo), Some(hi)) = (ssp_number(a), number_after_ssp(b))
        {
            used[i] = true;
            any = true;
            for n in lo.min(hi)..=hi.max(lo) {
                push(format!("ssp{n}"), &mut values);
            }
        } else if let Some(lo) = ssp_number(text) {
            used[i] = true;
            any = true;
            let to = words.get(i + 1).map(|w| w.text.as_str());
            if matches!(to, Some("to" | "through" | "thru" | "until"))
                && let Some(hi) = words.get(i + 2).and_then(|w| number_after_ssp(&w.text))
                && lo < 10
                && hi < 10
            {
                used[i + 1] = true;
                used[i + 2] = true;
                for n in lo.min(hi)..=hi.max(lo) {
                    push(format!("ssp{n}"), &mut values);
                }
                i += 3;
                continue;
            }
            push(format!("ssp{lo}"), &mut values);
        } else if text == "ssps" {
            used[i] = true;
            any = true;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    let named = !values.is_empty();
    if !named {
        values = (1..=5).map(|n| format!("ssp{n}")).collect();
    }
    // "the reference and SSP1-5": the reference scenario joins the list.
    if let Some(r) = words.iter().position(|w| w.text == "reference") {
        used[r] = true;
        values.insert(0, "reference".to_string());
    }
    mark(words, used, &["scenario", "scenarios", "per-scenario"]);
    Some(FanOut {
        variable: "scenario".to_string(),
        plural: "scenarios".to_string(),
        value_type: ValueType::Str,
        values,
        values_from: if named {
            "description".to_string()
        } else {
            "the five SSPs (the description names none)".to_string()
        },
        range: None,
    })
}

fn year(text: &str) -> Option<i64> {
    let n: i64 = text.parse().ok()?;
    (text.len() == 4 && (1700..=2500).contains(&n)).then_some(n)
}

fn number(text: &str) -> Option<f64> {
    let n: f64 = text.parse().ok()?;
    n.is_finite().then_some(n)
}

/// The step after `every`, `step`, `steps of`, `by`, `in N-year steps`, or
/// `decade`/`decadal` (10).
fn step(words: &[Word], used: &mut [bool], from: usize) -> Option<f64> {
    for i in from..words.len() {
        let t = words[i].text.as_str();
        if matches!(
            t,
            "every" | "step" | "steps" | "by" | "increment" | "increments" | "interval"
        ) {
            let mut j = i + 1;
            if words.get(j).is_some_and(|w| w.text == "of") {
                j += 1;
            }
            if let Some(n) = words
                .get(j)
                .and_then(|w| number(w.text.trim_end_matches("-year")))
                && n > 0.0
            {
                used[i] = true;
                used[j] = true;
                if words.get(j + 1).is_some_and(|w| w.text.starts_with("year")) {
                    used[j + 1] = true;
                }
                return Some(n);
            }
        }
        if let Some(n) = t.strip_suffix("-year").and_then(number)
            && n > 0.0
        {
            used[i] = true;
            return Some(n);
        }
        if matches!(t, "decade" | "decades" | "decadal") {
            used[i] = true;
            return Some(10.0);
        }
    }
    None
}

fn int_range(lo: i64, hi: i64, step: i64) -> Vec<String> {
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let step = step.max(1);
    (0..)
        .map(|k| lo + k * step)
        .take_while(|v| *v <= hi)
        .take(MAX_VALUES)
        .map(|v| v.to_string())
        .collect()
}

/// `years 2020 to 2100 every 10`, `2020-2100`, `for 2030, 2050 and 2100`.
fn years(words: &[Word], used: &mut [bool]) -> Option<FanOut> {
    let first = words.iter().position(|w| {
        year(&w.text).is_some()
            || w.text
                .split_once('-')
                .is_some_and(|(a, b)| year(a).is_some() && year(b).is_some())
    })?;
    let mut range = None;
    let text = words[first].text.as_str();
    if let Some((a, b)) = text.split_once('-')
        && let (Some(lo), Some(hi)) = (year(a), year(b))
    {
        used[first] = true;
        range = Some((lo, hi));
    } else if let Some(lo) = year(text) {
        used[first] = true;
        let to = words.get(first + 1).map(|w| w.text.as_str());
        if matches!(to, Some("to" | "through" | "thru" | "until" | "till"))
            && let Some(hi) = words.get(first + 2).and_then(|w| year(&w.text))
        {
            used[first + 1] = true;
            used[first + 2] = true;
            range = Some((lo, hi));
        }
    }
    mark(
        words,
        used,
        &[
            "year", "years", "yearly", "annually", "annual", "from", "per-year",
        ],
    );
    let (values, range, from) = match range {
        Some((lo, hi)) => {
            let s = step(words, used, first)
                .map(|s| s.round() as i64)
                .unwrap_or(1)
                .max(1);
            let values = int_range(lo, hi, s);
            let last = values.last().and_then(|v| v.parse().ok()).unwrap_or(lo);
            (
                values,
                Some((lo.min(hi), last, s)),
                "description".to_string(),
            )
        }
        None => {
            let mut values: Vec<String> = Vec::new();
            for (i, w) in words.iter().enumerate() {
                if year(&w.text).is_some() && !values.contains(&w.text) && values.len() < MAX_VALUES
                {
                    used[i] = true;
                    values.push(w.text.clone());
                }
            }
            (values, None, "description".to_string())
        }
    };
    Some(FanOut {
        variable: "year".to_string(),
        plural: "years".to_string(),
        value_type: ValueType::Int,
        values,
        values_from: from,
        range,
    })
}

/// `sweep ECS from 2 to 5 step 0.5`, `parameter sweep over alpha 0.1, 0.2, 0.3`.
fn sweep(words: &[Word], used: &mut [bool]) -> Option<FanOut> {
    let at = words
        .iter()
        .position(|w| matches!(w.text.as_str(), "sweep" | "sweeps" | "sweeping"))?;
    used[at] = true;
    if at > 0 && words[at - 1].text == "parameter" {
        used[at - 1] = true;
    }
    let mut name: Vec<String> = Vec::new();
    let mut i = at + 1;
    while i < words.len() && name.len() < 3 {
        let t = words[i].text.as_str();
        if matches!(
            t,
            "over" | "of" | "across" | "the" | "a" | "on" | "parameter"
        ) {
            used[i] = true;
            i += 1;
            continue;
        }
        if number(t).is_some()
            || matches!(
                t,
                "from" | "values" | "in" | "between" | "with" | "then" | "and" | "for" | "using"
            )
        {
            break;
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            break;
        }
        used[i] = true;
        name.push(t.replace('-', "_"));
        i += 1;
    }
    let mut variable = name.join("_");
    if variable.is_empty() || !variable.starts_with(|c: char| c.is_ascii_alphabetic()) {
        variable = "parameter".to_string();
    }
    // Numbers after the name: a range `from a to b step s`, else a list.
    let mut nums: Vec<(usize, f64)> = Vec::new();
    let mut range: Option<(f64, f64)> = None;
    for j in i..words.len() {
        let t = words[j].text.as_str();
        if matches!(t, "then" | "and" | "finally") && !nums.is_empty() && !words[j - 1].comma_after
        {
            // `2, 3 and 4.5` keeps going; `... then aggregate` stops.
            if t != "and" {
                break;
            }
        }
        if let Some(n) = number(t) {
            if words
                .get(j.wrapping_sub(1))
                .is_some_and(|w| matches!(w.text.as_str(), "step" | "every" | "by" | "of"))
            {
                continue;
            }
            used[j] = true;
            nums.push((j, n));
            if let Some(next) = words.get(j + 1)
                && matches!(next.text.as_str(), "to" | "through" | "until")
                && let Some(hi) = words.get(j + 2).and_then(|w| number(&w.text))
            {
                used[j + 1] = true;
                used[j + 2] = true;
                range = Some((n, hi));
                break;
            }
        } else if matches!(t, "from" | "values" | "between" | "in") {
            used[j] = true;
        } else if !nums.is_empty() && t != "and" {
            break;
        }
    }
    let values: Vec<String> = match range {
        Some((lo, hi)) => {
            let s = step(words, used, at).unwrap_or(((hi - lo).abs() / 4.0).max(f64::MIN_POSITIVE));
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            (0..MAX_VALUES)
                .map(|k| lo + k as f64 * s)
                .take_while(|v| *v <= hi + s * 1e-9)
                .map(format_float)
                .collect()
        }
        None => nums
            .iter()
            .take(MAX_VALUES)
            .map(|(_, n)| format_float(*n))
            .collect(),
    };
    let from = if values.is_empty() {
        "none given: fill in the values".to_string()
    } else {
        "description".to_string()
    };
    Some(FanOut {
        plural: format!("{variable}_values"),
        variable,
        value_type: ValueType::Float,
        values,
        values_from: from,
        range: None,
    })
}

/// A float as Python writes it: `2.0`, `0.5`, `1e-06`.
pub fn format_float(v: f64) -> String {
    let rounded = (v * 1e9).round() / 1e9;
    let text = format!("{rounded}");
    if text.contains(['.', 'e', 'E']) || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

/// `an ensemble of 50 members`, `100 samples`, `20 realizations`.
fn ensemble(words: &[Word], used: &mut [bool]) -> Option<FanOut> {
    for (i, w) in words.iter().enumerate() {
        let Ok(n) = w.text.parse::<i64>() else {
            continue;
        };
        if !(1..=MAX_VALUES as i64).contains(&n) || year(&w.text).is_some() {
            continue;
        }
        let next = words.get(i + 1).map(|w| w.text.as_str()).unwrap_or("");
        let member_word = [
            "member",
            "members",
            "realization",
            "realizations",
            "realisation",
            "realisations",
            "sample",
            "samples",
            "ensemble",
            "runs",
        ];
        let after_ensemble = i >= 2 && words[i - 2].text == "ensemble" && words[i - 1].text == "of";
        if member_word.contains(&next) || after_ensemble {
            used[i] = true;
            if member_word.contains(&next) {
                used[i + 1] = true;
            }
            mark(words, used, &["ensemble", "members", "member"]);
            return Some(FanOut {
                variable: "member".to_string(),
                plural: "members".to_string(),
                value_type: ValueType::Int,
                values: int_range(1, n, 1),
                values_from: "description".to_string(),
                range: Some((1, n, 1)),
            });
        }
    }
    None
}

/// `for each basin`, `a list of scenarios`, `per-region`, `the Indus, Ganges
/// and Nile basins`, `scenarios: reference, ssp2 and ssp5`.
fn named(
    words: &[Word],
    used: &mut [bool],
    default_scenarios: &[&str],
    model: &str,
) -> Option<FanOut> {
    for (names, variable, plural, value_type) in VARIABLES {
        let Some(at) = words.iter().position(|w| {
            let t = w
                .text
                .strip_prefix("per-")
                .or_else(|| w.text.strip_prefix("each-"))
                .unwrap_or(&w.text);
            names.contains(&t)
        }) else {
            continue;
        };
        let word = &words[at].text;
        let plural_word = word.ends_with('s');
        let quantified = word.starts_with("per-")
            || word.starts_with("each-")
            || (at > 0 && QUANTIFIERS.contains(&words[at - 1].text.as_str()))
            || (at > 1 && QUANTIFIERS.contains(&words[at - 2].text.as_str()));
        if !plural_word && !quantified {
            continue;
        }
        used[at] = true;
        mark(words, used, names);
        let listed = list_after(words, used, at).or_else(|| list_before(words, used, at));
        let (values, from, range, value_type) = match listed {
            Some(values) => {
                let ints = values.iter().all(|v| v.parse::<i64>().is_ok());
                let t = if ints { *value_type } else { ValueType::Str };
                (values, "description".to_string(), None, t)
            }
            None => match *variable {
                "scenario" if !default_scenarios.is_empty() => (
                    default_scenarios.iter().map(|s| s.to_string()).collect(),
                    format!("{model}'s usual scenarios: the description names none"),
                    None,
                    *value_type,
                ),
                "basin" => (
                    int_range(1, GCAM_BASINS, 1),
                    "GCAM's 235 water basins, ids 1-235: the description names none".to_string(),
                    Some((1, GCAM_BASINS, 1)),
                    ValueType::Int,
                ),
                _ => (
                    Vec::new(),
                    "none given: fill in the values".to_string(),
                    None,
                    if *value_type == ValueType::Int {
                        ValueType::Int
                    } else {
                        ValueType::Str
                    },
                ),
            },
        };
        return Some(FanOut {
            variable: variable.to_string(),
            plural: plural.to_string(),
            value_type,
            values,
            values_from: from,
            range,
        });
    }
    None
}

/// Whether a word can be a value a user lists: a name or a number.
fn is_value(w: &Word) -> bool {
    !w.text.is_empty()
        && w.raw
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !super::words::is_stopword(&w.text)
}

/// `scenarios: a, b and c` / `scenarios a, b, c`: at least two values.
fn list_after(words: &[Word], used: &mut [bool], at: usize) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut idx = Vec::new();
    let mut i = at + 1;
    if words
        .get(i)
        .is_some_and(|w| matches!(w.text.as_str(), "named" | "called"))
    {
        i += 1;
    }
    while let Some(w) = words.get(i) {
        if !is_value(w) {
            break;
        }
        values.push(w.raw.clone());
        idx.push(i);
        let more = w.comma_after || words.get(i + 1).is_some_and(|n| n.text == "and");
        if !more {
            break;
        }
        if words.get(i + 1).is_some_and(|n| n.text == "and") {
            i += 1;
        }
        i += 1;
    }
    (values.len() >= 2).then(|| {
        for j in idx {
            used[j] = true;
        }
        values
    })
}

/// `the Indus, Ganges and Nile basins`: at least two values before the word.
fn list_before(words: &[Word], used: &mut [bool], at: usize) -> Option<Vec<String>> {
    let mut values: Vec<(usize, String)> = Vec::new();
    let mut i = at;
    while i > 0 {
        let w = &words[i - 1];
        if w.text == "and" && !values.is_empty() {
            i -= 1;
            continue;
        }
        if !is_value(w) {
            break;
        }
        let joined = values.is_empty() || w.comma_after || words[i].text == "and";
        if !joined {
            break;
        }
        values.push((i - 1, w.raw.clone()));
        i -= 1;
    }
    (values.len() >= 2).then(|| {
        values.reverse();
        values
            .into_iter()
            .map(|(j, v)| {
                used[j] = true;
                v
            })
            .collect()
    })
}

fn mark(words: &[Word], used: &mut [bool], names: &[&str]) {
    for (i, w) in words.iter().enumerate() {
        let t = w.text.strip_prefix("per-").unwrap_or(&w.text);
        if names.contains(&t) || names.contains(&w.text.as_str()) {
            used[i] = true;
        }
    }
}
