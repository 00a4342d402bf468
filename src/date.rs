//! Calendar dates (`YYYY-MM-DD`) for waiver expiry and rules, "today", times of day (`HH:MM`)
//! and time windows (`HH:MM-HH:MM`, possibly past midnight).
//!
//! Today comes from `--today`, else the `KBCHECK_TODAY` environment variable, else the
//! system clock (UTC). The calendar is `jiff`'s; this module only fixes the one written form
//! kbcheck accepts for each value and words its errors for the people who write them.

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

    /// The days from `self` to `later` (negative when `later` comes first).
    pub fn days_until(self, later: Date) -> i64 {
        later
            .0
            .since(self.0)
            .map_or(0, |span| i64::from(span.get_days()))
    }

    /// The date `days` days later (earlier when negative); `None` outside the years
    /// 0000 to 9999, which kbcheck writes.
    pub fn add_days(self, days: i64) -> Option<Date> {
        let span = jiff::Span::new().try_days(days).ok()?;
        let d = self.0.checked_add(span).ok()?;
        (0..=9999).contains(&d.year()).then_some(Date(d))
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

/// The minutes in a day.
const DAY: u16 = 24 * 60;

/// A time of day, `HH:MM` on a 24-hour clock (`00:00` to `23:59`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(u16);

impl Time {
    /// Parse `HH:MM`; the error says what is wrong, in words.
    pub fn parse(text: &str) -> Result<Time, String> {
        match minutes(text) {
            Some(m) if m < DAY => Ok(Time(m)),
            Some(_) => Err(format!(
                "`{text}` is not a time of day: hours run from 00 to 23"
            )),
            None => Err(format!(
                "`{text}` is not a time of day: write it as `HH:MM` on a 24-hour clock, e.g. `07:30`"
            )),
        }
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// `HH:MM` as minutes since midnight (`24:00` included, for the end of a window).
fn minutes(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let digits = b.len() == 5
        && b.get(2) == Some(&b':')
        && [0, 1, 3, 4]
            .iter()
            .all(|i| b.get(*i).is_some_and(u8::is_ascii_digit));
    let h: u16 = text.get(0..2)?.parse().ok()?;
    let m: u16 = text.get(3..5)?.parse().ok()?;
    (digits && m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// A daily time window `HH:MM-HH:MM`, from its start up to (not including) its end. A window
/// whose end comes before its start wraps past midnight (`18:00-08:00`); `00:00-24:00` is
/// the whole day. A start equal to the end is refused: it could mean nothing or all day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    start: u16,
    end: u16,
}

impl Window {
    /// Parse `HH:MM-HH:MM`; the error says what is wrong, in words.
    pub fn parse(text: &str) -> Result<Window, String> {
        let shape = "write it as `HH:MM-HH:MM` on a 24-hour clock, e.g. `18:00-08:00` (past midnight) or `00:00-24:00` (all day)";
        let (start, end) = text
            .split_once('-')
            .and_then(|(a, b)| Some((minutes(a.trim())?, minutes(b.trim())?)))
            .ok_or_else(|| format!("`{text}` is not a time window: {shape}"))?;
        if start == DAY {
            return Err(format!(
                "`{text}` starts at 24:00: a window starts at 00:00 to 23:59"
            ));
        }
        if start == end {
            return Err(format!(
                "`{text}` starts and ends at the same time: write `00:00-24:00` for the whole day"
            ));
        }
        Ok(Window { start, end })
    }

    /// The window as one or two half-open ranges of minutes within `0..1440`.
    fn ranges(self) -> impl Iterator<Item = (u16, u16)> {
        let (first, second) = if self.start < self.end {
            ((self.start, self.end), None)
        } else {
            ((self.start, DAY), (self.end > 0).then_some((0, self.end)))
        };
        std::iter::once(first).chain(second)
    }

    /// Whether the two windows share a minute: touching ends (`08:00-09:00` and
    /// `09:00-10:00`) do not overlap.
    pub fn overlaps(self, other: Window) -> bool {
        self.ranges()
            .any(|(s1, e1)| other.ranges().any(|(s2, e2)| s1 < e2 && s2 < e1))
    }

    /// Whether the window holds the time (its start included, its end not).
    pub fn holds(self, t: Time) -> bool {
        self.ranges().any(|(s, e)| s <= t.0 && t.0 < e)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
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

    #[test]
    fn days_between_dates_and_adding_days() {
        let d = |t: &str| Date::parse(t).unwrap();
        assert_eq!(d("2000-12-31").days_until(d("2001-01-01")), 1);
        assert_eq!(d("2001-01-01").days_until(d("2000-12-31")), -1);
        assert_eq!(d("2024-01-01").days_until(d("2025-01-01")), 366);
        assert_eq!(d("2024-02-28").add_days(1), Some(d("2024-02-29")));
        assert_eq!(d("2025-03-01").add_days(-1), Some(d("2025-02-28")));
        assert_eq!(d("9999-12-31").add_days(1), None);
        assert_eq!(d("0000-01-01").add_days(-1), None);
    }

    #[test]
    fn times_of_day() {
        assert_eq!(Time::parse("07:30").map(Time::minutes), Ok(450));
        assert_eq!(
            Time::parse("23:59").map(|t| t.to_string()),
            Ok("23:59".into())
        );
        assert!(Time::parse("24:00").unwrap_err().contains("00 to 23"));
        assert!(Time::parse("7:30").unwrap_err().contains("HH:MM"));
        assert!(Time::parse("07:60").is_err());
        assert!(Time::parse("07-30").is_err());
        assert!(Time::parse("+7:30").is_err());
    }

    #[test]
    fn windows_parse_and_wrap_past_midnight() {
        let w = |t: &str| Window::parse(t).unwrap();
        assert_eq!(w("18:00-08:00").to_string(), "18:00-08:00");
        assert_eq!(w("00:00-24:00").to_string(), "00:00-24:00");
        assert!(
            Window::parse("08:00-08:00")
                .unwrap_err()
                .contains("same time")
        );
        assert!(Window::parse("00:00-00:00").is_err());
        assert!(Window::parse("24:00-08:00").unwrap_err().contains("24:00"));
        assert!(Window::parse("08:00").unwrap_err().contains("HH:MM-HH:MM"));
        assert!(Window::parse("8-9").is_err());
        // Touching ends do not overlap; one shared minute does.
        assert!(!w("08:00-09:00").overlaps(w("09:00-10:00")));
        assert!(!w("09:00-10:00").overlaps(w("08:00-09:00")));
        assert!(w("08:00-09:01").overlaps(w("09:00-10:00")));
        // Past midnight.
        assert!(w("18:00-08:00").overlaps(w("07:00-07:30")));
        assert!(w("18:00-08:00").overlaps(w("23:00-01:00")));
        assert!(!w("18:00-08:00").overlaps(w("08:00-18:00")));
        assert!(w("18:00-08:00").overlaps(w("07:59-18:00")));
        assert!(!w("22:00-00:00").overlaps(w("00:00-06:00")));
        assert!(w("00:00-24:00").overlaps(w("12:00-12:01")));
        assert!(w("18:00-08:00").holds(Time::parse("00:00").unwrap()));
        assert!(!w("18:00-08:00").holds(Time::parse("08:00").unwrap()));
        assert!(w("18:00-08:00").holds(Time::parse("18:00").unwrap()));
    }
}
