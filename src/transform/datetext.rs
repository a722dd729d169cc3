//! The text of a date or timestamp as PostgreSQL and JSON APIs write it, parsed
//! strictly and written back in the same shape: `YYYY-MM-DD`, or
//! `YYYY-MM-DD HH:MM:SS[.ffffff][zone]` with a space or `T`, where zone is `Z`, `±HH`,
//! `±HHMM` or `±HH:MM`. Shared by date truncation and date shift, which change the
//! date (and zero the time) but keep everything else as it was.

use super::TransformError;
use super::calendar::is_valid_date;

const EXPECTED: &str = "date (YYYY-MM-DD) or timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][+TZ])";

/// A parsed date or timestamp. The time part keeps the original text of its fraction
/// and zone, so writing it back changes only what a transform changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateText {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub time: Option<TimeText>,
}

/// The time-of-day part of a timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeText {
    /// `' '` or `'T'`.
    pub separator: char,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// The fraction's digits (1–6), without the dot.
    pub fraction: Option<String>,
    /// The zone exactly as written (`Z`, `+08`, `+08:00`, `-0530`).
    pub zone: Option<String>,
}

fn malformed() -> TransformError {
    TransformError::Malformed { expected: EXPECTED }
}

fn number(text: &str) -> Result<u32, TransformError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    text.parse().map_err(|_| malformed())
}

impl DateText {
    /// Parses a date or timestamp; anything else (names of days, BC, years beyond
    /// 9999, 24:00, leap seconds, junk after the zone) is `Malformed`.
    pub fn parse(input: &str) -> Result<Self, TransformError> {
        let bytes = input.as_bytes();
        if bytes.len() < 10 || !input.is_char_boundary(10) {
            return Err(malformed());
        }
        let (date, rest) = input.split_at(10);
        if date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
            return Err(malformed());
        }
        let year = i64::from(number(&date[0..4])?);
        let month = number(&date[5..7])?;
        let day = number(&date[8..10])?;
        if year < 1 || !is_valid_date(year, month, day) {
            return Err(malformed());
        }
        let time = if rest.is_empty() {
            None
        } else {
            Some(TimeText::parse(rest)?)
        };
        Ok(DateText {
            year,
            month,
            day,
            time,
        })
    }

    /// Replaces the date, keeping the rest. The year must stay within 1..=9999.
    pub fn with_date(&self, year: i64, month: u32, day: u32) -> Result<Self, TransformError> {
        if !(1..=9999).contains(&year) || !is_valid_date(year, month, day) {
            return Err(TransformError::Malformed {
                expected: "date that stays within years 1–9999",
            });
        }
        Ok(DateText {
            year,
            month,
            day,
            time: self.time.clone(),
        })
    }

    /// The same value at midnight (a date stays a date; a fraction keeps its digits, zeroed).
    pub fn at_midnight(mut self) -> Self {
        if let Some(time) = self.time.as_mut() {
            time.hour = 0;
            time.minute = 0;
            time.second = 0;
            if let Some(fraction) = time.fraction.as_mut() {
                *fraction = "0".repeat(fraction.len());
            }
        }
        self
    }

    /// The text, in the shape it was parsed from.
    pub fn render(&self) -> String {
        let mut out = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if let Some(t) = &self.time {
            out.push(t.separator);
            out.push_str(&format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second));
            if let Some(fraction) = &t.fraction {
                out.push('.');
                out.push_str(fraction);
            }
            if let Some(zone) = &t.zone {
                out.push_str(zone);
            }
        }
        out
    }
}

impl TimeText {
    /// Parses `[ T]HH:MM:SS[.f{1,6}][zone]`.
    fn parse(rest: &str) -> Result<Self, TransformError> {
        let separator = match rest.as_bytes().first() {
            Some(b' ') => ' ',
            Some(b'T') => 'T',
            _ => return Err(malformed()),
        };
        let rest = &rest[1..];
        if rest.len() < 8 || !rest.is_char_boundary(8) {
            return Err(malformed());
        }
        let (hms, mut tail) = rest.split_at(8);
        let b = hms.as_bytes();
        if b[2] != b':' || b[5] != b':' {
            return Err(malformed());
        }
        let (hour, minute, second) = (
            number(&hms[0..2])?,
            number(&hms[3..5])?,
            number(&hms[6..8])?,
        );
        if hour > 23 || minute > 59 || second > 59 {
            return Err(malformed());
        }
        let mut fraction = None;
        if let Some(after_dot) = tail.strip_prefix('.') {
            let len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=6).contains(&len) {
                return Err(malformed());
            }
            fraction = Some(after_dot[..len].to_owned());
            tail = &after_dot[len..];
        }
        let zone = if tail.is_empty() {
            None
        } else {
            Some(parse_zone(tail)?.to_owned())
        };
        Ok(TimeText {
            separator,
            hour,
            minute,
            second,
            fraction,
            zone,
        })
    }
}

/// Checks a zone: `Z`, `±HH`, `±HHMM`, `±HH:MM` (hours ≤ 15, minutes ≤ 59).
fn parse_zone(zone: &str) -> Result<&str, TransformError> {
    if zone == "Z" {
        return Ok(zone);
    }
    let body = zone
        .strip_prefix('+')
        .or_else(|| zone.strip_prefix('-'))
        .ok_or_else(malformed)?;
    let (hh, mm) = match body.len() {
        2 => (body, None),
        4 if body.is_char_boundary(2) => (&body[..2], Some(&body[2..])),
        5 if body.as_bytes()[2] == b':' => (&body[..2], Some(&body[3..])),
        _ => return Err(malformed()),
    };
    if number(hh)? > 15 || mm.map(number).transpose()?.is_some_and(|m| m > 59) {
        return Err(malformed());
    }
    Ok(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) {
        assert_eq!(DateText::parse(text).unwrap().render(), text);
    }

    #[test]
    fn dates_and_timestamps_of_every_shape_round_trip() {
        for text in [
            "2024-02-29",
            "2024-03-15 13:45:09",
            "2024-03-15 13:45:09+08",
            "2024-03-15 13:45:09.123456+08",
            "2024-03-15T13:45:09Z",
            "2024-03-15T13:45:09.5+05:30",
            "2024-03-15 13:45:09-0800",
        ] {
            round_trip(text);
        }
    }

    #[test]
    fn impossible_or_foreign_values_are_malformed() {
        for text in [
            "",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "0000-01-01",
            "2024-01-01 24:00:00",
            "2024-01-01 12:00:60",
            "2024-01-01 12:00",
            "2024-01-01 12:00:00.",
            "2024-01-01 12:00:00.1234567",
            "2024-01-01 12:00:00+8",
            "2024-01-01 12:00:00 BC",
            "2024-01-01x",
            "+2024-01-01",
            "２０２４-01-01",
            "infinity",
        ] {
            assert!(DateText::parse(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn midnight_zeroes_the_time_but_keeps_fraction_width_and_zone() {
        let t = DateText::parse("2024-03-15 13:45:09.123+08").unwrap();
        assert_eq!(t.at_midnight().render(), "2024-03-15 00:00:00.000+08");
    }
}
