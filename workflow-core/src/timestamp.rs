//! RFC 3339 timestamps as AWS reads them in `Timestamp`, `TimestampPath` values and the
//! `Timestamp*` choice operators.
//!
//! AWS's profile of RFC 3339 requires an uppercase `T` between date and time and an
//! uppercase `Z` (or a numeric offset) for the zone; a missing zone is not accepted
//! (see the `wait_timestamp_invalid_*` records in the conformance corpus).

use std::fmt;

/// An instant, as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Timestamp {
    /// Parses `2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+02:00` and the like.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let s = text.as_bytes();
        let year = i64::from(digits(s, 0, 4)?);
        if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') || s.get(10) != Some(&b'T') {
            return None;
        }
        let month = digits(s, 5, 2)?;
        let day = digits(s, 8, 2)?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if s.get(13) != Some(&b':') || s.get(16) != Some(&b':') {
            return None;
        }
        let (hour, minute, second) = (digits(s, 11, 2)?, digits(s, 14, 2)?, digits(s, 17, 2)?);
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0u32;
        if s.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while s.get(at).is_some_and(u8::is_ascii_digit) {
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(s[at] - b'0');
                }
                at += 1;
            }
            if at == start {
                return None;
            }
            for _ in (at - start).min(9)..9 {
                nanos *= 10;
            }
        }
        let offset_seconds = match s.get(at) {
            Some(b'Z') if at + 1 == s.len() => 0,
            Some(sign @ (b'+' | b'-')) if at + 6 == s.len() && s[at + 3] == b':' => {
                let (h, m) = (digits(s, at + 1, 2)?, digits(s, at + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let offset = i64::from(h * 3600 + m * 60);
                if *sign == b'+' { offset } else { -offset }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let seconds =
            days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_seconds;
        Some(Timestamp { seconds, nanos })
    }

    /// The instant `millis` milliseconds after the epoch.
    pub fn from_unix_millis(millis: i64) -> Timestamp {
        Timestamp {
            seconds: millis.div_euclid(1000),
            nanos: (millis.rem_euclid(1000) * 1_000_000) as u32,
        }
    }

    /// Milliseconds since the epoch.
    pub fn unix_millis(&self) -> i64 {
        self.seconds * 1000 + i64::from(self.nanos / 1_000_000)
    }
}

impl fmt::Display for Timestamp {
    /// ISO 8601 in UTC with milliseconds, as AWS writes `$$.Execution.StartTime`:
    /// `2016-03-14T01:59:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            self.nanos / 1_000_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn accepts_rfc3339_as_aws_does() {
        let t = Timestamp::parse("2016-03-14T01:59:00Z").unwrap();
        assert_eq!(t.seconds, 1_457_920_740);
        assert_eq!(t.to_string(), "2016-03-14T01:59:00.000Z");
        let with_offset = Timestamp::parse("2016-03-14T03:59:00.5+02:00").unwrap();
        assert_eq!(with_offset.seconds, t.seconds);
        assert_eq!(with_offset.nanos, 500_000_000);
        assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for bad in [
            "2016-13-05T21:29:29Z",
            "05-12-2016T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29",
            "2023-02-29T00:00:00Z",
            "2016-12-05t21:29:29z",
            "2016-12-05T21:29:29.Z",
            "{% '2016-03-14T01:59:00Z' %}",
            "",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_through_millis() {
        let t = Timestamp::parse("1969-12-31T23:59:59.250Z").unwrap();
        assert_eq!(t.unix_millis(), -750);
        assert_eq!(Timestamp::from_unix_millis(-750), t);
    }
}
