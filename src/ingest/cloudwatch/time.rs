//! Timestamps as the AWS CLI prints them → milliseconds since the Unix epoch, without a date crate
//! (the core builds for wasm32 and needs nothing more than a civil-date conversion).
//!
//! Accepted: ISO 8601 / RFC 3339 date-times (`2026-11-20T10:05:00Z`, `…+00:00`, `…+02:00`,
//! `…T10:05:00.123456+00:00`, a space instead of `T`, no seconds, no offset = UTC), and epoch
//! seconds as a JSON number or numeric string (AWS CLI v1 prints Glue timestamps that way).
//! A number of 10^11 or more is taken as epoch milliseconds: as seconds it would be past the year 5000.

use serde_json::Value;

/// Epoch numbers at or above this are milliseconds, below it seconds.
const EPOCH_MS_THRESHOLD: f64 = 1e11;
/// 0000-01-01 .. 9999-12-31 in epoch milliseconds: anything outside is not a CloudWatch time.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// A parsed timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub ms: i64,
    /// True when the text had no UTC offset and was read as UTC.
    pub assumed_utc: bool,
}

/// True for a leap year of the proleptic Gregorian calendar.
pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1..=12) of year `y`.
pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to `y-m-d` (proleptic Gregorian, any year): H. Hinnant's `days_from_civil`,
/// which counts in 400-year eras starting in March so the leap day is the last day of a year.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // 0..=399
    let mp = i64::from((m + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // 0..=365
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // 0..=146096
    era * 146_097 + doe - 719_468
}

/// The civil date `(y, m, d)` of a day count from 1970-01-01 (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2026-11-20T10:05:00Z` (with `.mmm` when the milliseconds are not zero), for messages.
pub(crate) fn format_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

/// Parses a timestamp JSON value. The error says what is wrong, without quoting the value
/// (callers quote it with the input's name and position).
pub(crate) fn parse_value(v: &Value) -> Result<Timestamp, String> {
    match v {
        Value::String(s) => parse_str(s),
        Value::Number(n) => match n.as_f64() {
            Some(x) => epoch_to_ms(x),
            None => Err("not a usable number".to_string()),
        },
        Value::Null => Err("null is not a time".to_string()),
        Value::Bool(_) => Err("a boolean is not a time".to_string()),
        Value::Array(_) | Value::Object(_) => {
            Err("expected a date-time string or epoch seconds".to_string())
        }
    }
}

/// Parses an ISO 8601 date-time or an epoch-seconds string.
pub(crate) fn parse_str(s: &str) -> Result<Timestamp, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty time".to_string());
    }
    let looks_numeric = t
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'));
    // A date always has '-' after four digits; a bare number is epoch seconds.
    if looks_numeric && !(t.len() > 4 && t.as_bytes()[4] == b'-') {
        return match t.parse::<f64>() {
            Ok(x) => epoch_to_ms(x),
            Err(_) => Err("not a date-time or a number".to_string()),
        };
    }
    parse_iso(t)
}

fn epoch_to_ms(x: f64) -> Result<Timestamp, String> {
    if !x.is_finite() {
        return Err("not a finite number".to_string());
    }
    let ms = if x.abs() >= EPOCH_MS_THRESHOLD {
        x
    } else {
        x * 1000.0
    };
    let ms = ms.round();
    if !(MIN_MS as f64..=MAX_MS as f64).contains(&ms) {
        return Err("epoch time out of range".to_string());
    }
    Ok(Timestamp {
        ms: ms as i64,
        assumed_utc: false,
    })
}

/// A cursor over ASCII bytes for the date-time grammar.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` digits as a number.
    fn digits(&mut self, n: usize, what: &str) -> Result<u32, String> {
        let end = self.i + n;
        match self.b.get(self.i..end) {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                self.i = end;
                Ok(d.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
            }
            _ => Err(format!("expected {n} digits for the {what}")),
        }
    }
}

fn parse_iso(s: &str) -> Result<Timestamp, String> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = i64::from(c.digits(4, "year")?);
    if !c.eat(b'-') {
        return Err("expected YYYY-MM-DD".to_string());
    }
    let month = c.digits(2, "month")?;
    if !c.eat(b'-') {
        return Err("expected YYYY-MM-DD".to_string());
    }
    let day = c.digits(2, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is not 1-12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err("expected a time after the date (T, then HH:MM:SS)".to_string());
    }
    let hour = c.digits(2, "hour")?;
    if !c.eat(b':') {
        return Err("expected HH:MM".to_string());
    }
    let minute = c.digits(2, "minute")?;
    let mut second = 0;
    let mut nanos: u64 = 0;
    if c.eat(b':') {
        second = c.digits(2, "second")?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                c.i += 1;
            }
            let frac = &c.b[start..c.i];
            if frac.is_empty() {
                return Err("expected digits after the decimal point".to_string());
            }
            // Nanoseconds from the first nine digits; further digits cannot change the millisecond.
            for k in 0..9 {
                nanos = nanos * 10 + frac.get(k).map_or(0, |d| u64::from(d - b'0'));
            }
        }
    }
    if hour > 23 {
        return Err(format!("hour {hour} is not 0-23"));
    }
    if minute > 59 {
        return Err(format!("minute {minute} is not 0-59"));
    }
    if second > 60 {
        return Err(format!("second {second} is not 0-60"));
    }
    let (offset_min, assumed_utc) = match c.peek() {
        None => (0i64, true),
        Some(b'Z' | b'z') => {
            c.i += 1;
            (0, false)
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2, "offset hours")?;
            c.eat(b':');
            let om = if c.peek().is_some() {
                c.digits(2, "offset minutes")?
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return Err(format!("UTC offset {oh:02}:{om:02} is out of range"));
            }
            let m = i64::from(oh * 60 + om);
            (if sign == b'-' { -m } else { m }, false)
        }
        Some(_) => return Err("unexpected text after the time".to_string()),
    };
    if c.i != c.b.len() {
        return Err("unexpected text after the UTC offset".to_string());
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
        - offset_min * 60;
    let ms = secs * 1000 + ((nanos + 500_000) / 1_000_000) as i64;
    Ok(Timestamp { ms, assumed_utc })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        parse_str(s)
            .map(|t| t.ms)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn civil_round_trip_over_a_wide_range() {
        // Every day from about 1600 to 2400, both ways, and monotone.
        let mut prev = None;
        for z in -135_000..160_000 {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
            if let Some((py, pm, pd)) = prev {
                assert!((y, m, d) > (py, pm, pd));
            }
            prev = Some((y, m, d));
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016); // 2000 is a leap year (divisible by 400)
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        ); // 1900 is not
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(0, 3, 1), -719_468);
        assert!(
            is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2100) && !is_leap(2026)
        );
    }

    #[test]
    fn iso_forms() {
        let base = ms("2026-11-20T10:05:00Z");
        assert_eq!(base, 1_795_169_100_000);
        assert_eq!(ms("2026-11-20T10:05:00+00:00"), base);
        assert_eq!(ms("2026-11-20T12:05:00+02:00"), base);
        assert_eq!(ms("2026-11-20T12:05:00+0200"), base);
        assert_eq!(ms("2026-11-20T07:35:00-02:30"), base);
        assert_eq!(ms("2026-11-20 10:05:00+00:00"), base);
        assert_eq!(ms("2026-11-20T10:05Z"), base);
        assert_eq!(ms("2026-11-20T10:05:00.123456+00:00"), base + 123);
        assert_eq!(ms("2026-11-20T10:05:00.9996Z"), base + 1000);
        assert_eq!(ms("2026-11-20T10:05:00,5Z"), base + 500);
        assert_eq!(ms("2024-02-29T00:00:00Z"), 19_782 * 86_400_000);
        let t = parse_str("2026-11-20T10:05:00").unwrap();
        assert!(t.assumed_utc && t.ms == base);
    }

    #[test]
    fn epoch_forms() {
        assert_eq!(ms("1795169100"), 1_795_169_100_000);
        assert_eq!(ms("1795169100.25"), 1_795_169_100_250);
        assert_eq!(ms("1795169100250"), 1_795_169_100_250);
        let v: Value = serde_json::json!(1795169100.5);
        assert_eq!(parse_value(&v).unwrap().ms, 1_795_169_100_500);
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-20T24:00:00Z",
            "2026-11-20T10:60:00Z",
            "2026-11-20",
            "2026-11-20T10:05:00+25:00",
            "2026-11-20T10:05:00Zjunk",
            "2026-11-20T10:05:00.Z",
            "NaN",
            "1e400",
        ] {
            assert!(parse_str(s).is_err(), "{s:?} should not parse");
        }
        assert!(parse_value(&Value::Null).is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(format_ms(1_795_169_100_000), "2026-11-20T10:05:00Z");
        assert_eq!(format_ms(1_795_169_100_042), "2026-11-20T10:05:00.042Z");
        assert_eq!(format_ms(-1000), "1969-12-31T23:59:59Z");
    }
}
