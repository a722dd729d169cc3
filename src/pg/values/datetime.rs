//! `date`, `timestamp`, `timestamptz`: PostgreSQL's binary counts from 2000-01-01 ⇄
//! ISO text (`DateStyle=ISO`).
//!
//! `date` is days (`Int32`), the timestamps are microseconds (`Int64`), both since
//! 2000-01-01 (00:00:00 UTC for `timestamptz`); the extreme values mean ±infinity.
//! Years before 1 AD print as `0044-03-15 BC`.
//!
//! The time zone: a `timestamptz` travels in UTC, but its text form is written in the
//! session's `TimeZone`, which this codec does not know. It writes UTC (`+00`), so
//! the gateway must either start the upstream session with `TimeZone=UTC` (and keep
//! the client from changing it) or track the `TimeZone` ParameterStatus and convert.

use super::{TypeOid, ValueError};

const USECS_PER_DAY: i64 = 86_400_000_000;
/// Days from 1970-01-01 to 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// Days since 1970-01-01 of a proleptic Gregorian date (astronomical year numbering:
/// 1 BC is year 0). Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            era * 400 + yoe + 1
        } else {
            era * 400 + yoe
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// PostgreSQL's first day, 4714-11-24 BC (Julian day 0), in days since 2000-01-01.
fn first_day() -> i64 {
    days_from_civil(-4713, 11, 24) - PG_EPOCH_DAYS
}

/// The last date PostgreSQL accepts, 5874897-12-31.
fn last_date() -> i64 {
    days_from_civil(5_874_897, 12, 31) - PG_EPOCH_DAYS
}

/// Valid finite timestamps: from the first day up to (not including)
/// 294277-01-01 00:00:00, in microseconds since 2000-01-01.
fn timestamp_range() -> std::ops::Range<i64> {
    let end = days_from_civil(294_277, 1, 1) - PG_EPOCH_DAYS;
    first_day() * USECS_PER_DAY..end * USECS_PER_DAY
}

/// `YYYY-MM-DD` and whether the year is BC.
fn format_date(days_since_2000: i64) -> (String, bool) {
    let (y, m, d) = civil_from_days(days_since_2000 + PG_EPOCH_DAYS);
    let bc = y <= 0;
    let year = if bc { 1 - y } else { y };
    (format!("{year:04}-{m:02}-{d:02}"), bc)
}

/// Binary to text for `date`.
pub fn date_to_text(raw: &[u8]) -> Result<String, ValueError> {
    let days = i32::from_be_bytes(
        raw.try_into()
            .map_err(|_| ValueError::binary(TypeOid::DATE, "wrong length"))?,
    );
    Ok(match days {
        i32::MIN => "-infinity".into(),
        i32::MAX => "infinity".into(),
        days => {
            let days = i64::from(days);
            if days < first_day() || days > last_date() {
                return Err(ValueError::binary(TypeOid::DATE, "date out of range"));
            }
            let (text, bc) = format_date(days);
            if bc { format!("{text} BC") } else { text }
        }
    })
}

/// Binary to text for `timestamp` (no zone) and `timestamptz` (written in UTC).
pub fn timestamp_to_text(oid: TypeOid, raw: &[u8]) -> Result<String, ValueError> {
    let us = i64::from_be_bytes(
        raw.try_into()
            .map_err(|_| ValueError::binary(oid, "wrong length"))?,
    );
    match us {
        i64::MIN => return Ok("-infinity".into()),
        i64::MAX => return Ok("infinity".into()),
        us if !timestamp_range().contains(&us) => {
            return Err(ValueError::binary(oid, "timestamp out of range"));
        }
        _ => {}
    }
    let (date, bc) = format_date(us.div_euclid(USECS_PER_DAY));
    let tod = us.rem_euclid(USECS_PER_DAY);
    let (secs, micros) = (tod / 1_000_000, tod % 1_000_000);
    let mut out = format!(
        "{date} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if micros != 0 {
        out.push_str(format!(".{micros:06}").trim_end_matches('0'));
    }
    if oid == TypeOid::TIMESTAMPTZ {
        out.push_str("+00");
    }
    if bc {
        out.push_str(" BC");
    }
    Ok(out)
}

fn bad(oid: TypeOid) -> ValueError {
    ValueError::text(oid, "not an ISO date/time in range")
}

fn num<T: std::str::FromStr>(oid: TypeOid, s: &str, width: Option<usize>) -> Result<T, ValueError> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && width.is_none_or(|w| s.len() == w);
    if !ok {
        return Err(bad(oid));
    }
    s.parse().map_err(|_| bad(oid))
}

/// Parses `Y-MM-DD` (year of one or more digits) into days since 2000-01-01, given
/// whether a ` BC` suffix was present.
fn parse_date(oid: TypeOid, s: &str, bc: bool) -> Result<i64, ValueError> {
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad(oid));
    };
    let y: i64 = num(oid, y, None)?;
    let (m, d): (u32, u32) = (num(oid, m, Some(2))?, num(oid, d, Some(2))?);
    if y == 0 || y > 10_000_000 {
        return Err(bad(oid));
    }
    let y = if bc { 1 - y } else { y };
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad(oid));
    }
    let days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
    if days < first_day() {
        return Err(bad(oid));
    }
    Ok(days)
}

fn split_bc(s: &str) -> (&str, bool) {
    match s.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (s, false),
    }
}

/// Text to binary for `date`.
pub fn date_from_text(text: &str) -> Result<Vec<u8>, ValueError> {
    let oid = TypeOid::DATE;
    let t = text.trim();
    let days = match t {
        "infinity" | "+infinity" => i32::MAX,
        "-infinity" => i32::MIN,
        _ => {
            let (date, bc) = split_bc(t);
            let days = parse_date(oid, date, bc)?;
            if days > last_date() {
                return Err(bad(oid));
            }
            i32::try_from(days).map_err(|_| bad(oid))?
        }
    };
    Ok(days.to_be_bytes().to_vec())
}

/// Parses `[+-]HH[:MM[:SS]]` or `Z` into seconds east of UTC.
fn parse_offset(oid: TypeOid, s: &str) -> Result<i64, ValueError> {
    if s == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad(oid)),
    };
    let mut secs = 0i64;
    for (i, part) in rest.split(':').enumerate() {
        let v: i64 = num(oid, part, Some(2))?;
        let limit = if i == 0 { 15 } else { 59 };
        if i > 2 || v > limit {
            return Err(bad(oid));
        }
        secs += v * [3600, 60, 1][i];
    }
    Ok(sign * secs)
}

/// Text to binary for `timestamp` and `timestamptz`. A `timestamptz` needs an explicit
/// offset (`+00`, `+05:30`, `Z`): the codec does not know the session's zone.
pub fn timestamp_from_text(oid: TypeOid, text: &str) -> Result<Vec<u8>, ValueError> {
    let t = text.trim();
    let us = match t {
        "infinity" | "+infinity" => i64::MAX,
        "-infinity" => i64::MIN,
        _ => parse_timestamp(oid, t)?,
    };
    Ok(us.to_be_bytes().to_vec())
}

fn parse_timestamp(oid: TypeOid, t: &str) -> Result<i64, ValueError> {
    let (t, bc) = split_bc(t);
    let (date, time) = t.split_once([' ', 'T']).ok_or(bad(oid))?;
    let days = parse_date(oid, date, bc)?;
    let zone_at = time.find(['+', '-', 'Z']);
    let (time, offset) = match (zone_at, oid == TypeOid::TIMESTAMPTZ) {
        (Some(i), true) => (&time[..i], parse_offset(oid, &time[i..])?),
        (None, false) => (time, 0),
        _ => return Err(bad(oid)),
    };
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = hms.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(oid));
    };
    let (h, m, s): (i64, i64, i64) = (
        num(oid, h, Some(2))?,
        num(oid, m, Some(2))?,
        num(oid, s, Some(2))?,
    );
    if h > 23 || m > 59 || s > 59 || frac.len() > 6 || (time.contains('.') && frac.is_empty()) {
        return Err(bad(oid));
    }
    let micros: i64 = if frac.is_empty() {
        0
    } else {
        num::<i64>(oid, frac, None)? * 10i64.pow(6 - frac.len() as u32)
    };
    let us = days
        .checked_mul(USECS_PER_DAY)
        .and_then(|us| us.checked_add(((h * 60 + m) * 60 + s - offset) * 1_000_000 + micros))
        .ok_or(bad(oid))?;
    if !timestamp_range().contains(&us) {
        return Err(bad(oid));
    }
    Ok(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_calendar_round_trips_over_many_centuries() {
        for days in (-2_500_000..2_500_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-05",
            "0000-01-01",
            "4714-11-23 BC",
        ] {
            assert!(date_from_text(s).is_err(), "{s}");
        }
        assert!(date_from_text("2024-02-29").is_ok());
    }

    #[test]
    fn timestamptz_offsets_are_applied_and_required() {
        let utc = timestamp_from_text(TypeOid::TIMESTAMPTZ, "2024-03-05 14:07:09+00").unwrap();
        let cet = timestamp_from_text(TypeOid::TIMESTAMPTZ, "2024-03-05 15:07:09+01:00").unwrap();
        assert_eq!(utc, cet);
        assert!(timestamp_from_text(TypeOid::TIMESTAMPTZ, "2024-03-05 14:07:09").is_err());
        assert!(timestamp_from_text(TypeOid::TIMESTAMP, "2024-03-05 14:07:09+00").is_err());
    }

    #[test]
    fn timestamp_fractions_beyond_microseconds_are_refused() {
        assert!(timestamp_from_text(TypeOid::TIMESTAMP, "2024-03-05 14:07:09.1234567").is_err());
        assert!(timestamp_from_text(TypeOid::TIMESTAMP, "2024-03-05 14:07:09.").is_err());
        assert!(timestamp_from_text(TypeOid::TIMESTAMP, "2024-03-05T14:07:09.5").is_ok());
        assert!(timestamp_from_text(TypeOid::TIMESTAMP, "9999999-01-01 00:00:00").is_err());
    }

    #[test]
    fn binary_timestamps_outside_postgres_range_are_refused_like_timestamp_recv_does() {
        for us in [i64::MIN + 1, i64::MAX - 1] {
            assert!(timestamp_to_text(TypeOid::TIMESTAMPTZ, &us.to_be_bytes()).is_err());
        }
        for us in [-1i64, 1] {
            assert!(timestamp_to_text(TypeOid::TIMESTAMPTZ, &us.to_be_bytes()).is_ok());
        }
        assert!(date_to_text(&(i32::MAX - 1).to_be_bytes()).is_err());
    }
}
