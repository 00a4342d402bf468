//! Calendar dates (`YYYY-MM-DD`) for waiver expiry, and "today".
//!
//! Today comes from `--today`, else the `KBCHECK_TODAY` environment variable, else the
//! system clock (UTC). The civil date is computed from the days since 1970-01-01 with
//! Howard Hinnant's `civil_from_days`, so no date crate is needed.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that fixes "today" (for reproducible CI runs and tests).
pub const TODAY_ENV: &str = "KBCHECK_TODAY";

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parse `YYYY-MM-DD`; the error says what is wrong, in words.
    pub fn parse(text: &str) -> Result<Date, String> {
        let shape = "write the date as `YYYY-MM-DD`, e.g. `2025-06-30`";
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(format!("`{text}` is not a date: {shape}"));
        }
        let num = |range: std::ops::Range<usize>| {
            text.get(range)
                .and_then(|s| s.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let (year, month, day) = (num(0..4), num(5..7), num(8..10));
        if !(1..=12).contains(&month) {
            return Err(format!(
                "`{text}` has no month {month}: months run from 01 to 12"
            ));
        }
        let year = i32::try_from(year).unwrap_or(0);
        let month = u8::try_from(month).unwrap_or(1);
        let last = days_in_month(year, month);
        if day == 0 || day > u32::from(last) {
            return Err(format!(
                "`{text}` does not exist: {} has {last} days",
                month_name(year, month)
            ));
        }
        Ok(Date {
            year,
            month,
            day: u8::try_from(day).unwrap_or(1),
        })
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097); // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
        let mp = (5 * doy + 2) / 153; // [0, 11], March first
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Today's date in UTC, from the system clock.
    pub fn system_today() -> Date {
        let days = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs() / 86_400).unwrap_or(0),
            Err(e) => -i64::try_from(e.duration().as_secs().div_ceil(86_400)).unwrap_or(0),
        };
        Date::from_days(days)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_name(year: i32, month: u8) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = NAMES
        .get(usize::from(month).saturating_sub(1))
        .copied()
        .unwrap_or("the month");
    format!("{name} {year}")
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_days(-1).to_string(), "1969-12-31");
        // Days from year 0055 to 9909 round-trip through the parser.
        for days in (-700_000..2_900_000).step_by(997) {
            let d = Date::from_days(days);
            assert_eq!(Date::parse(&d.to_string()), Ok(d), "{days}");
        }
    }

    #[test]
    fn parse_refuses_what_is_not_a_day() {
        assert_eq!(
            Date::parse("2025-06-30"),
            Ok(Date {
                year: 2025,
                month: 6,
                day: 30
            })
        );
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(
            Date::parse("2025-02-29")
                .unwrap_err()
                .contains("February 2025 has 28 days")
        );
        assert!(
            Date::parse("2025-13-01")
                .unwrap_err()
                .contains("no month 13")
        );
        assert!(Date::parse("2025-6-30").unwrap_err().contains("YYYY-MM-DD"));
        assert!(Date::parse("30/06/2025").is_err());
        assert!(Date::parse("2025-06-31").is_err());
        assert!(Date::parse("2025-06-00").is_err());
    }

    #[test]
    fn dates_order_by_day() {
        assert!(Date::parse("2025-01-31").unwrap() < Date::parse("2025-02-01").unwrap());
    }
}
