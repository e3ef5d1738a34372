//! UTC timestamps from the system clock, without a calendar crate: times are
//! seconds since the Unix epoch (`f64`) in events, and RFC 3339 UTC strings in
//! `run.json` and reports.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// (year, month, day) of the day `days` after 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
}

fn parts(unix: f64) -> Parts {
    let secs = unix.floor() as i64;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    Parts {
        year,
        month,
        day,
        hour: tod / 3600,
        minute: tod % 3600 / 60,
        second: tod % 60,
    }
}

/// `2026-05-20T04:15:00Z`.
pub fn rfc3339(unix: f64) -> String {
    let p = parts(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// `20260520T041500Z`, as run ids carry it.
pub fn compact(unix: f64) -> String {
    let p = parts(unix);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// A duration for people: `850ms`, `41.2s`, `3m 05s`, `2h 04m`.
pub fn human(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".to_owned();
    }
    if seconds < 1.0 {
        return format!("{}ms", (seconds * 1000.0).round() as u64);
    }
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let total = seconds.round() as u64;
    if total < 3600 {
        return format!("{}m {:02}s", total / 60, total % 60);
    }
    format!("{}h {:02}m", total / 3600, total % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        // 2026-05-20T04:15:00Z
        assert_eq!(rfc3339(1_779_250_500.0), "2026-05-20T04:15:00Z");
        assert_eq!(compact(1_779_250_500.9), "20260520T041500Z");
        // A leap day and the turn of a century.
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_399.0), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn humanises_durations() {
        assert_eq!(human(0.25), "250ms");
        assert_eq!(human(41.23), "41.2s");
        assert_eq!(human(185.0), "3m 05s");
        assert_eq!(human(7440.0), "2h 04m");
        assert_eq!(human(f64::NAN), "-");
    }
}
