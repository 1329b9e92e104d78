//! Units: Spark's size and time strings, and human formatting of bytes and durations.

/// Parses a Spark size string (`64m`, `8388608`, `1g`, `512k`, `2.5gb`) into bytes.
/// A bare number is bytes (as for `spark.sql.*` byte settings).
pub fn parse_size_bytes(s: &str) -> Option<u64> {
    parse_size_with_default(s, 1)
}

/// Parses a Spark memory string where a bare number means MiB (`spark.executor.memory=2048`).
pub fn parse_memory_bytes(s: &str) -> Option<u64> {
    parse_size_with_default(s, 1 << 20)
}

/// `" 64M "` → (64.0, "m"): a non-negative number and its lower-case unit suffix.
fn number_and_suffix(s: &str) -> Option<(f64, String)> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, suffix) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| (value, suffix.trim().to_string()))
}

fn parse_size_with_default(s: &str, bare_unit: u64) -> Option<u64> {
    let (value, suffix) = number_and_suffix(s)?;
    let mult: u64 = match suffix.as_str() {
        "" => bare_unit,
        "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        "p" | "pb" | "pib" => 1 << 50,
        _ => return None,
    };
    let bytes = value * mult as f64;
    (bytes <= u64::MAX as f64).then_some(bytes.round() as u64)
}

/// Parses a Spark time string (`60s`, `500ms`, `5min`, `1h`, `100us`) into seconds.
/// A bare number uses `bare_unit_s` (Spark's default unit differs per setting).
pub fn parse_time_s(s: &str, bare_unit_s: f64) -> Option<f64> {
    let (value, suffix) = number_and_suffix(s)?;
    let mult = match suffix.as_str() {
        "" => bare_unit_s,
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    Some(value * mult)
}

/// Bytes in binary units with three significant digits: `1.23 GB`, `512 KB`, `0 B`.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    if !bytes.is_finite() {
        return "–".into();
    }
    let mut v = bytes.abs();
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    let sign = if bytes < 0.0 { "-" } else { "" };
    if u == 0 || v >= 100.0 {
        format!("{sign}{v:.0} {}", UNITS[u])
    } else if v >= 10.0 {
        format!("{sign}{v:.1} {}", UNITS[u])
    } else {
        format!("{sign}{v:.2} {}", UNITS[u])
    }
}

/// A duration as `1 h 02 min`, `8 min 05 s`, `12.3 s`, `250 ms`.
pub fn format_duration(s: f64) -> String {
    if !s.is_finite() {
        return "–".into();
    }
    let s = s.max(0.0);
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{m:.0} min {:02.0} s", (s - m * 60.0).floor())
    } else {
        let h = (s / 3600.0).floor();
        format!("{h:.0} h {:02.0} min", ((s - h * 3600.0) / 60.0).floor())
    }
}

/// A time axis label: `m:ss` below an hour, `h:mm:ss` above.
pub fn format_clock(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    let (h, m, sec) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m}:{sec:02}")
    }
}

/// Milliseconds since 1970-01-01 UTC as `YYYY-MM-DD HH:MM` (UTC).
pub fn format_utc(epoch_ms: i64) -> String {
    let secs = epoch_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem / 60) % 60
    )
}

/// The date of a day count from 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        // 2026-11-21 23:25:06 UTC (S1 before's start).
        assert_eq!(
            format_utc(1_763_767_506_000 + 31_536_000_000),
            "2026-11-21 23:25"
        );
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(format_utc(-86_400_000), "1969-12-31 00:00");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size_bytes("64m"), Some(64 << 20));
        assert_eq!(parse_size_bytes("8388608"), Some(8_388_608));
        assert_eq!(parse_size_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_size_bytes("64k"), Some(65536));
        assert_eq!(parse_memory_bytes("2048"), Some(2048 << 20));
        assert_eq!(parse_size_bytes("x"), None);
        assert_eq!(parse_size_bytes("-1"), None);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time_s("60s", 1.0), Some(60.0));
        assert_eq!(parse_time_s("500ms", 1.0), Some(0.5));
        assert_eq!(parse_time_s("5min", 1.0), Some(300.0));
        assert_eq!(parse_time_s("1", 1e-3), Some(1e-3));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_bytes(0.0), "0 B");
        assert_eq!(format_bytes(1536.0), "1.50 KB");
        assert_eq!(format_bytes(190.0 * (1u64 << 30) as f64), "190 GB");
        assert_eq!(format_duration(3725.0), "1 h 02 min");
        assert_eq!(format_duration(485.0), "8 min 05 s");
        assert_eq!(format_clock(3725.0), "1:02:05");
        assert_eq!(format_clock(65.0), "1:05");
    }
}
