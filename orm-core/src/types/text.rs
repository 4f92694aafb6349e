//! The text forms in which dates, timestamps and instants travel as
//! [`Value::Text`](crate::Value::Text): what SQLite stores, and what a
//! backend with native types (PostgreSQL) converts to and from its own.
//!
//! - a date is `YYYY-MM-DD`;
//! - a timestamp is `YYYY-MM-DD HH:MM:SS`, then `.fff` when the
//!   microseconds are whole milliseconds and `.ffffff` otherwise (nothing
//!   when they are zero);
//! - an instant is the UTC timestamp followed by `+00:00`.
//!
//! Years run from 1 to 9999, always four digits, so that comparing the
//! texts orders them as the times they stand for (SQLite compares text
//! byte by byte): a fraction starts with `.`, which sorts after the `+` of
//! the offset and after the end of the text, as a later time should.
//! Parsing also accepts `T` between date and time, 1 to 9 fraction digits
//! (cut to microseconds), and an offset `Z`, `+HH`, `+HHMM` or `+HH:MM`.

use std::fmt;

/// A calendar date of the proleptic Gregorian calendar, year 1 to 9999.
///
/// ```
/// use orm_core::types::text::CivilDate;
/// let date = CivilDate::parse("2024-02-29").unwrap();
/// assert_eq!(date.to_string(), "2024-02-29");
/// assert_eq!(date.days_since_unix_epoch(), 19782);
/// assert_eq!(CivilDate::from_days_since_unix_epoch(19782), Some(date));
/// assert_eq!(CivilDate::parse("2023-02-29"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// The year, 1 to 9999.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, from 1.
    pub day: u32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses exactly `digits` ASCII digits.
fn number(text: &str, digits: usize) -> Option<u32> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl CivilDate {
    /// The date, if it exists and its year is 1 to 9999.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(CivilDate { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let year = number(text.get(0..4)?, 4)?;
        let month = number(text.get(5..7)?, 2)?;
        let day = number(text.get(8..)?, 2)?;
        if text.as_bytes()[4] != b'-' || text.as_bytes()[7] != b'-' {
            return None;
        }
        Self::new(i32::try_from(year).ok()?, month, day)
    }

    /// Days from 1970-01-01 (negative before it).
    pub fn days_since_unix_epoch(self) -> i64 {
        // Howard Hinnant's `days_from_civil`, years starting in March.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month_from_march = (i64::from(self.month) + 9) % 12;
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01, if its year is 1 to 9999.
    pub fn from_days_since_unix_epoch(days: i64) -> Option<Self> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Self::new(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date and a time of day to the microsecond, without time zone.
///
/// ```
/// use orm_core::types::text::CivilDateTime;
/// let (time, offset) = CivilDateTime::parse("2024-05-06T07:08:09.5+02:00").unwrap();
/// assert_eq!(time.to_string(), "2024-05-06 07:08:09.500");
/// assert_eq!(offset, Some(7200));
/// let utc = CivilDateTime::from_micros_since_unix_epoch(
///     time.micros_since_unix_epoch() - 7200 * 1_000_000,
/// )
/// .unwrap();
/// assert_eq!(utc.to_string(), "2024-05-06 05:08:09.500");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    /// The date.
    pub date: CivilDate,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
    /// The second, 0 to 59.
    pub second: u32,
    /// The microsecond, 0 to 999,999.
    pub micro: u32,
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl CivilDateTime {
    /// The date and time, if the time of day is valid.
    pub fn new(date: CivilDate, hour: u32, minute: u32, second: u32, micro: u32) -> Option<Self> {
        let valid = hour < 24 && minute < 60 && second < 60 && micro < 1_000_000;
        valid.then_some(CivilDateTime {
            date,
            hour,
            minute,
            second,
            micro,
        })
    }

    /// Parses a timestamp (see the [module](self)) and its offset from UTC
    /// in seconds, if it has one.
    pub fn parse(text: &str) -> Option<(Self, Option<i32>)> {
        let date = CivilDate::parse(text.get(0..10)?)?;
        let rest = text.get(10..)?;
        let rest = rest.strip_prefix([' ', 'T'])?;
        let hour = number(rest.get(0..2)?, 2)?;
        let minute = number(rest.get(3..5)?, 2)?;
        let second = number(rest.get(6..8)?, 2)?;
        if rest.as_bytes()[2] != b':' || rest.as_bytes()[5] != b':' {
            return None;
        }
        let mut rest = rest.get(8..)?;
        let mut micro = 0;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&digits) {
                return None;
            }
            let kept = &fraction[..digits.min(6)];
            micro = number(kept, kept.len())? * 10_u32.pow(6 - kept.len() as u32);
            rest = &fraction[digits..];
        }
        let offset = parse_offset(rest)?;
        Some((Self::new(date, hour, minute, second, micro)?, offset))
    }

    /// Microseconds from 1970-01-01 00:00:00.
    pub fn micros_since_unix_epoch(self) -> i64 {
        let seconds = i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        self.date.days_since_unix_epoch() * MICROS_PER_DAY
            + seconds * 1_000_000
            + i64::from(self.micro)
    }

    /// The time `micros` after 1970-01-01 00:00:00, if its year is 1 to
    /// 9999.
    pub fn from_micros_since_unix_epoch(micros: i64) -> Option<Self> {
        let date = CivilDate::from_days_since_unix_epoch(micros.div_euclid(MICROS_PER_DAY))?;
        let of_day = micros.rem_euclid(MICROS_PER_DAY);
        let seconds = u32::try_from(of_day / 1_000_000).ok()?;
        let micro = u32::try_from(of_day % 1_000_000).ok()?;
        Self::new(date, seconds / 3600, seconds / 60 % 60, seconds % 60, micro)
    }
}

/// `""` (none), `Z`, `+HH`, `+HHMM` or `+HH:MM` (or `-`), in seconds.
fn parse_offset(text: &str) -> Option<Option<i32>> {
    if text.is_empty() {
        return Some(None);
    }
    if text == "Z" {
        return Some(Some(0));
    }
    let sign = match text.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    let (hours, minutes) = match body.len() {
        2 => (number(body, 2)?, 0),
        4 => (number(&body[..2], 2)?, number(&body[2..], 2)?),
        5 if body.as_bytes()[2] == b':' => (number(&body[..2], 2)?, number(&body[3..], 2)?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(Some(
        sign * i32::try_from(hours * 3600 + minutes * 60).ok()?,
    ))
}

impl fmt::Display for CivilDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        match self.micro {
            0 => Ok(()),
            micro if micro % 1000 == 0 => write!(f, ".{:03}", micro / 1000),
            micro => write!(f, ".{micro:06}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_the_whole_range() {
        let first = CivilDate::new(1, 1, 1).unwrap().days_since_unix_epoch();
        let last = CivilDate::new(9999, 12, 31)
            .unwrap()
            .days_since_unix_epoch();
        let mut previous = None;
        for days in (first..=last).step_by(7) {
            let date = CivilDate::from_days_since_unix_epoch(days).unwrap();
            assert_eq!(date.days_since_unix_epoch(), days);
            assert_eq!(CivilDate::parse(&date.to_string()), Some(date));
            assert!(previous.is_none_or(|p: String| p < date.to_string()));
            previous = Some(date.to_string());
        }
        assert_eq!(CivilDate::from_days_since_unix_epoch(first - 1), None);
        assert_eq!(CivilDate::from_days_since_unix_epoch(last + 1), None);
        assert_eq!(
            CivilDate::new(2000, 1, 1).unwrap().days_since_unix_epoch(),
            10957
        );
    }

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let texts = [
            "2024-01-02 03:04:05",
            "2024-01-02 03:04:05.000001",
            "2024-01-02 03:04:05.250",
            "2024-01-02 03:04:05.500",
            "2024-01-02 03:04:05.500001",
            "2024-01-02 03:04:06",
        ];
        for pair in texts.windows(2) {
            let a = CivilDateTime::parse(pair[0]).unwrap().0;
            let b = CivilDateTime::parse(pair[1]).unwrap().0;
            assert!(a < b && a.to_string() < b.to_string(), "{pair:?}");
            assert!(format!("{a}+00:00") < format!("{b}+00:00"), "{pair:?}");
            assert_eq!(a.to_string(), pair[0]);
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in [
            "2024-1-02 03:04:05",
            "2024-01-02",
            "2024-01-02 24:00:00",
            "2024-01-02 03:04:05.",
            "2024-01-02 03:04:05.1234567890",
            "2024-01-02 03:04:05 UTC",
            "2024-01-02 03:04:05+25:00",
            "0000-01-01 00:00:00",
        ] {
            assert_eq!(CivilDateTime::parse(text), None, "{text}");
        }
        assert_eq!(
            CivilDateTime::parse("2024-01-02T03:04:05.123456789Z")
                .unwrap()
                .0
                .micro,
            123_456
        );
    }
}
