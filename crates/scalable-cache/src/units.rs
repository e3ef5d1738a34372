//! Sizes (`10G`) and ages (`30d`) as the CLI takes them, and sizes as it prints them.

use std::time::Duration;

use crate::error::{CacheError, Result};

/// Parses `500M`, `10G`, `1.5T`, `123` (bytes); units are powers of 1024.
pub fn parse_size(text: &str) -> Result<u64> {
    let bad = || CacheError::BadQuantity {
        what: "size",
        text: text.to_owned(),
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().map_err(|_| bad())?;
    let mult: f64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = num * mult;
    if !bytes.is_finite() || bytes < 0.0 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Parses `90s`, `45m`, `12h`, `30d`, `2w`.
pub fn parse_age(text: &str) -> Result<Duration> {
    let bad = || CacheError::BadQuantity {
        what: "age",
        text: text.to_owned(),
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(num * secs).map_err(|_| bad())
}

/// `1.5 GiB`, `512 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("10G").unwrap(), 10 << 30);
        assert_eq!(parse_size("1.5k").unwrap(), 1536);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("30d").unwrap(), Duration::from_secs(30 * 86400));
        assert_eq!(parse_age("90s").unwrap(), Duration::from_secs(90));
        assert!(parse_age("30").is_err());
        assert!(parse_age("3y").is_err());
    }
}
