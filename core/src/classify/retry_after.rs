//! `Retry-After` header values (RFC 9110 §10.2.3), parsed one way for every
//! binding. See `spec/classify.md`, "Retry-After".

use crate::validate::MAX_DURATION;

/// The largest hint [`parse_retry_after`] returns (100 years, seawall's
/// longest duration), in ns: larger values saturate here.
pub const MAX_RETRY_AFTER_NS: u64 = MAX_DURATION.as_secs() * 1_000_000_000;

/// Parses a `Retry-After` header value into a delay in ns, or `None` when it
/// is not a valid value (then the computed backoff delay is used).
///
/// - **delay-seconds**: `1*DIGIT`, and also `1*DIGIT "." 1*DIGIT`
///   (`"1.5"` is 1.5 s: servers send it, and rounding it either way would
///   be wrong); digits below a nanosecond are dropped. Values above
///   [`MAX_RETRY_AFTER_NS`] saturate to it.
/// - **HTTP-date** in any of RFC 9110's three forms (IMF-fixdate
///   `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37
///   GMT`, asctime `Sun Nov  6 08:49:37 1994`; names case-sensitive): the
///   delay is the date minus `now_unix_ms` (the caller's wall clock, in ms
///   since the Unix epoch), 0 when the date has passed. RFC 850's two-digit
///   year is the year in the century of `now` unless that is more than 50
///   years ahead, then the century before (RFC 9110 §5.6.7).
/// - Leading and trailing spaces and tabs are ignored. Anything else —
///   empty, a sign (`-1`, `+1`), an exponent, `1.`, `.5`, a day that does not
///   exist, a zone other than `GMT` — is `None`.
///
/// ```
/// use seawall::classify::parse_retry_after;
/// const S: u64 = 1_000_000_000;
/// assert_eq!(parse_retry_after("120", 0), Some(120 * S));
/// assert_eq!(parse_retry_after(" 1.5 ", 0), Some(1_500_000_000));
/// assert_eq!(parse_retry_after("-1", 0), None);
/// // 784111777 s after the epoch is Sun, 06 Nov 1994 08:49:37 GMT.
/// let now_ms = 784_111_777_000 - 30_000;
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now_ms), Some(30 * S));
/// assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now_ms), Some(30 * S));
/// assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now_ms), Some(30 * S));
/// ```
pub fn parse_retry_after(value: &str, now_unix_ms: u64) -> Option<u64> {
    let v = value.trim_matches(|c| c == ' ' || c == '\t');
    let b = v.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() => delay_seconds(b),
        Some(_) => {
            let date_s = http_date(b, now_unix_ms)?;
            let date_ms = i128::from(date_s) * 1000;
            let delta_ms = (date_ms - i128::from(now_unix_ms)).max(0);
            let ns = delta_ms.saturating_mul(1_000_000);
            Some(u64::try_from(ns).map_or(MAX_RETRY_AFTER_NS, |n| n.min(MAX_RETRY_AFTER_NS)))
        }
        None => None,
    }
}

/// `1*DIGIT [ "." 1*DIGIT ]` as ns, saturating.
fn delay_seconds(b: &[u8]) -> Option<u64> {
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(p) => (b.get(..p)?, Some(b.get(p + 1..)?)),
        None => (b, None),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut secs: u64 = 0;
    for &d in int {
        secs = secs.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    let mut ns: u64 = 0;
    if let Some(f) = frac {
        if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut scale = 100_000_000u64;
        for &d in f {
            ns += u64::from(d - b'0') * scale;
            scale /= 10;
        }
    }
    Some(
        secs.saturating_mul(1_000_000_000)
            .saturating_add(ns)
            .min(MAX_RETRY_AFTER_NS),
    )
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAYS_LONG: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds since the epoch of an HTTP-date in one of its three forms.
fn http_date(b: &[u8], now_unix_ms: u64) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?;
    if let Some((day, rest)) = s.split_once(", ") {
        if DAYS.contains(&day) {
            return imf_fixdate(rest);
        }
        if DAYS_LONG.contains(&day) {
            return rfc850(rest, now_unix_ms);
        }
        return None;
    }
    asctime(s)
}

/// `DD Mon YYYY HH:MM:SS GMT`
fn imf_fixdate(s: &str) -> Option<i64> {
    let mut it = s.split(' ');
    let day = digits(it.next()?, 2)?;
    let month = month(it.next()?)?;
    let year = digits(it.next()?, 4)?;
    let t = time(it.next()?)?;
    (it.next()? == "GMT" && it.next().is_none()).then_some(())?;
    to_unix(year, month, day, t)
}

/// `DD-Mon-YY HH:MM:SS GMT`
fn rfc850(s: &str, now_unix_ms: u64) -> Option<i64> {
    let mut it = s.split(' ');
    let mut d = it.next()?.split('-');
    let day = digits(d.next()?, 2)?;
    let month = month(d.next()?)?;
    let yy = digits(d.next()?, 2)?;
    d.next().is_none().then_some(())?;
    let t = time(it.next()?)?;
    (it.next()? == "GMT" && it.next().is_none()).then_some(())?;
    let now_days = i64::try_from(now_unix_ms / 86_400_000).ok()?;
    let now_year = civil_year(now_days);
    let mut year = now_year - now_year.rem_euclid(100) + yy;
    if year > now_year + 50 {
        year -= 100;
    }
    to_unix(year, month, day, t)
}

/// `Mon DD HH:MM:SS YYYY` where a one-digit day is space-padded.
fn asctime(s: &str) -> Option<i64> {
    let (day_name, rest) = s.split_once(' ')?;
    DAYS.contains(&day_name).then_some(())?;
    let (mon, rest) = rest.split_once(' ')?;
    let month = month(mon)?;
    let (day, rest) = match rest.strip_prefix(' ') {
        Some(r) => {
            let (d, r) = r.split_once(' ')?;
            (digits(d, 1)?, r)
        }
        None => {
            let (d, r) = rest.split_once(' ')?;
            (digits(d, 2)?, r)
        }
    };
    let (t, year) = rest.split_once(' ')?;
    to_unix(digits(year, 4)?, month, day, time(t)?)
}

/// Exactly `n` ASCII digits.
fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|c| c.is_ascii_digit())).then_some(())?;
    s.parse().ok()
}

fn month(s: &str) -> Option<i64> {
    let i = MONTHS.iter().position(|m| *m == s)?;
    i64::try_from(i).ok().map(|i| i + 1)
}

/// `HH:MM:SS` as seconds of the day (second 60, a leap second, allowed).
fn time(s: &str) -> Option<i64> {
    let mut it = s.split(':');
    let h = digits(it.next()?, 2)?;
    let m = digits(it.next()?, 2)?;
    let sec = digits(it.next()?, 2)?;
    it.next().is_none().then_some(())?;
    (h < 24 && m < 60 && sec <= 60).then_some(h * 3600 + m * 60 + sec)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn to_unix(year: i64, month: i64, day: i64, secs_of_day: i64) -> Option<i64> {
    let dim = match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=dim).contains(&day).then_some(())?;
    Some(days_from_civil(year, month, day) * 86_400 + secs_of_day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year of a day number (inverse of [`days_from_civil`]).
fn civil_year(z: i64) -> i64 {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn seconds_and_decimals() {
        assert_eq!(parse_retry_after("0", 0), Some(0));
        assert_eq!(parse_retry_after("007", 0), Some(7 * S));
        assert_eq!(parse_retry_after("1.5", 0), Some(1_500_000_000));
        assert_eq!(parse_retry_after("0.000000001999", 0), Some(1));
        assert_eq!(
            parse_retry_after("99999999999999999999999", 0),
            Some(MAX_RETRY_AFTER_NS)
        );
        assert_eq!(parse_retry_after("\t3 ", 0), Some(3 * S));
        for bad in [
            "", " ", "-1", "+1", "1e3", "1.", ".5", "1.5.2", "1 2", "abc", "1,5", "١",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_in_three_forms() {
        let t = 784_111_777_000u64; // Sun, 06 Nov 1994 08:49:37 GMT
        for v in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_retry_after(v, t - 1_500), Some(1_500_000_000), "{v}");
            assert_eq!(parse_retry_after(v, t + 10), Some(0), "{v}");
        }
        // leap day, and the day after a month's end
        assert!(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", 0).is_some());
        assert_eq!(parse_retry_after("Thu, 29 Feb 2023 00:00:00 GMT", 0), None);
        assert_eq!(parse_retry_after("Sun, 31 Nov 1994 08:49:37 GMT", 0), None);
        for bad in [
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn rfc850_year_window() {
        // now = 2026-01-01: "26" is 2026, "76" is 2076 (50 years ahead), "77" is 1977.
        let now_ms = (days_from_civil(2026, 1, 1) * 86_400_000) as u64;
        let at = |v: &str| parse_retry_after(v, now_ms);
        assert_eq!(at("Friday, 02-Jan-26 00:00:00 GMT"), Some(86_400 * S));
        assert!(at("Friday, 01-Jan-76 00:00:00 GMT").is_some_and(|d| d > 0));
        assert_eq!(at("Saturday, 01-Jan-77 00:00:00 GMT"), Some(0));
        assert_eq!(civil_year(days_from_civil(2000, 2, 29)), 2000);
        assert_eq!(civil_year(days_from_civil(1969, 12, 31)), 1969);
    }
}
