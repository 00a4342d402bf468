//! Calendar dates (`YYYY-MM-DD`) for waiver expiry, and "today".
//!
//! Today comes from `--today`, else the `KBCHECK_TODAY` environment variable, else the
//! system clock (UTC). The calendar is `jiff`'s; this module only fixes the one written form
//! kbcheck accepts and words its errors for the people who write waivers.

use std::fmt;

/// The environment variable that fixes "today" (for reproducible CI runs and tests).
pub const TODAY_ENV: &str = "KBCHECK_TODAY";

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

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
        let num =
            |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<i16>().ok());
        let (true, Some(year), Some(month), Some(day)) =
            (well_formed, num(0..4), num(5..7), num(8..10))
        else {
            return Err(format!("`{text}` is not a date: {shape}"));
        };
        // Two digits each: they fit, and `jiff` refuses what is not a day of the month.
        let (month, day) = (
            i8::try_from(month).unwrap_or(0),
            i8::try_from(day).unwrap_or(0),
        );
        let first = jiff::civil::Date::new(year, month, 1)
            .map_err(|_| format!("`{text}` has no month {month}: months run from 01 to 12"))?;
        jiff::civil::Date::new(year, month, day)
            .map(Date)
            .map_err(|_| {
                format!(
                    "`{text}` does not exist: {} has {} days",
                    first.strftime("%B %Y"),
                    first.days_in_month()
                )
            })
    }

    /// Today's date in UTC, from the system clock.
    pub fn system_today() -> Date {
        Date(
            jiff::tz::Offset::UTC
                .to_datetime(jiff::Timestamp::now())
                .date(),
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `jiff` writes years past 9999 with a sign; `parse` never makes one.
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
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
    fn dates_round_trip_through_their_written_form() {
        for text in [
            "1970-01-01",
            "2000-02-29",
            "2024-01-01",
            "1969-12-31",
            "0055-03-01",
            "9999-12-31",
        ] {
            assert_eq!(
                Date::parse(text).map(|d| d.to_string()),
                Ok(text.to_owned())
            );
        }
        let today = Date::system_today();
        assert_eq!(Date::parse(&today.to_string()), Ok(today));
    }

    #[test]
    fn parse_refuses_what_is_not_a_day() {
        assert_eq!(
            Date::parse("2025-06-30").map(|d| (d.0.year(), d.0.month(), d.0.day())),
            Ok((2025, 6, 30))
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
        assert!(
            Date::parse("2025-00-01")
                .unwrap_err()
                .contains("no month 0")
        );
        assert!(Date::parse("2025-6-30").unwrap_err().contains("YYYY-MM-DD"));
        assert!(Date::parse("30/06/2025").is_err());
        assert!(Date::parse("+2025-06-30").is_err());
        assert!(
            Date::parse("2025-06-31")
                .unwrap_err()
                .contains("June 2025 has 30 days")
        );
        assert!(Date::parse("2025-06-00").is_err());
    }

    #[test]
    fn dates_order_by_day() {
        assert!(Date::parse("2025-01-31").unwrap() < Date::parse("2025-02-01").unwrap());
    }
}
