//! Feed dates to UTC: RFC 822/2822 (RSS), RFC 3339 / ISO 8601 (Atom, JSON Feed, Dublin Core)
//! and the sloppy variants publishers write and feedparser accepts: missing seconds or
//! weekday, two-digit years, named US zones, military zones, no zone (read as UTC), `T` or a
//! space between date and time, compact `20031231T101455`.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub(crate) fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Some(d) = parse_iso(s)
    {
        return Some(d);
    }
    parse_rfc822(s)
}

fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let (date_part, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let digits: String = date_part.chars().filter(char::is_ascii_digit).collect();
    let date = match (date_part.contains('-'), digits.len()) {
        (_, 8) => NaiveDate::from_ymd_opt(
            digits[..4].parse().ok()?,
            digits[4..6].parse().ok()?,
            digits[6..8].parse().ok()?,
        )?,
        (true, 6) => {
            NaiveDate::from_ymd_opt(digits[..4].parse().ok()?, digits[4..6].parse().ok()?, 1)?
        }
        (_, 4) => NaiveDate::from_ymd_opt(digits.parse().ok()?, 1, 1)?,
        _ => return None,
    };
    if rest.is_empty() {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    // Split the time from its zone.
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time_s, zone_s) = rest.split_at(zone_at);
    let time_s = time_s.trim();
    let (hms, frac) = match time_s.split_once(['.', ',']) {
        Some((a, f)) => (a, f),
        None => (time_s, ""),
    };
    let parts: Vec<u32> = if hms.contains(':') {
        hms.split(':')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?
    } else {
        let d: Vec<u32> = hms
            .as_bytes()
            .chunks(2)
            .filter_map(|c| std::str::from_utf8(c).ok()?.parse().ok())
            .collect();
        d
    };
    let (h, m, sec) = match parts.as_slice() {
        [h] => (*h, 0, 0),
        [h, m] => (*h, *m, 0),
        [h, m, s, ..] => (*h, *m, *s),
        [] => (0, 0, 0),
    };
    let nanos = if frac.is_empty() {
        0
    } else {
        let f: String = frac
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        let n: u32 = f.parse().unwrap_or(0);
        n * 10u32.pow(9 - u32::try_from(f.len()).unwrap_or(9))
    };
    let time = NaiveTime::from_hms_nano_opt(h, m, sec.min(59), nanos)?;
    let offset = zone_offset(zone_s.trim()).unwrap_or(0);
    local_to_utc(date.and_time(time), offset)
}

fn local_to_utc(local: NaiveDateTime, offset_secs: i32) -> Option<DateTime<Utc>> {
    let tz = FixedOffset::east_opt(offset_secs)?;
    tz.from_local_datetime(&local)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// Offset in seconds east of UTC for a zone written as `Z`, `+hh:mm`, `-hhmm`, `+hh`, a
/// name (`GMT`, `EST`, ...) or a military letter.
fn zone_offset(z: &str) -> Option<i32> {
    if z.is_empty() {
        return None;
    }
    let sign = match z.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => {
            let named = match z.to_ascii_uppercase().as_str() {
                "Z" | "UT" | "UTC" | "GMT" | "WET" => 0,
                "EST" => -5,
                "EDT" => -4,
                "CST" => -6,
                "CDT" => -5,
                "MST" => -7,
                "MDT" => -6,
                "PST" => -8,
                "PDT" => -7,
                "CET" | "BST" => 1,
                "CEST" | "EET" => 2,
                "EEST" => 3,
                "JST" => 9,
                m if m.len() == 1 => {
                    let c = m.as_bytes()[0];
                    match c {
                        b'A'..=b'I' => -i32::from(c - b'A' + 1),
                        b'K'..=b'M' => -i32::from(c - b'A'),
                        b'N'..=b'Y' => i32::from(c - b'N' + 1),
                        _ => 0,
                    }
                }
                _ => return None,
            };
            return Some(named * 3600);
        }
    };
    let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        3 => (
            digits[..1].parse::<i32>().ok()?,
            digits[1..].parse::<i32>().ok()?,
        ),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

fn month_of(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| w.starts_with(m))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// RFC 822 and friends: `[Wkd,] DD Mon YYYY hh:mm[:ss] [zone]`, tolerant of order and case.
fn parse_rfc822(s: &str) -> Option<DateTime<Utc>> {
    let cleaned = s.replace(',', " ");
    let mut day = None;
    let mut month = None;
    let mut year: Option<i32> = None;
    let mut time = None;
    let mut offset = None;
    for tok in cleaned.split_whitespace() {
        if tok.contains(':') && time.is_none() {
            // A zone glued to the time: `19:48:21+0000`.
            let (t, z) = match tok.find(['+', '-']) {
                Some(i) => (&tok[..i], Some(&tok[i..])),
                None => (tok, None),
            };
            let p: Vec<u32> = t
                .split(':')
                .map(|x| x.parse().ok())
                .collect::<Option<_>>()?;
            time = match p.as_slice() {
                [h, m] => NaiveTime::from_hms_opt(*h, *m, 0),
                [h, m, s, ..] => NaiveTime::from_hms_opt(*h, *m, (*s).min(59)),
                _ => None,
            };
            if let Some(z) = z {
                offset = zone_offset(z);
            }
        } else if let Some(m) = month_of(tok).filter(|_| month.is_none() && tok.len() >= 3) {
            month = Some(m);
        } else if tok.chars().all(|c| c.is_ascii_digit()) {
            let n: i32 = tok.parse().ok()?;
            if tok.len() >= 3 || day.is_some() && year.is_none() {
                year = Some(if tok.len() <= 2 {
                    if n < 50 { 2000 + n } else { 1900 + n }
                } else {
                    n
                });
            } else {
                day = Some(u32::try_from(n).ok()?);
            }
        } else if let Some(z) = zone_offset(tok)
            && time.is_some()
        {
            offset = Some(z);
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    local_to_utc(
        date.and_time(time.unwrap_or(NaiveTime::MIN)),
        offset.unwrap_or(0),
    )
    .or_else(|| Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)) - Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymdhms(d: DateTime<Utc>) -> String {
        d.format("%Y-%m-%d %H:%M:%S").to_string()
    }

    #[test]
    fn rfc822_variants() {
        for (s, want) in [
            ("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01 19:48:21"),
            ("Thu, 1 Jan 2004 14:48:21 EST", "2004-01-01 19:48:21"),
            ("1 Jan 04 19:48 +0000", "2004-01-01 19:48:00"),
            (
                "Thu, 01 January 2004 20:48:21 +01:00",
                "2004-01-01 19:48:21",
            ),
            ("Tue, 01 Dec 2026 09:00:00", "2026-12-01 09:00:00"),
        ] {
            assert_eq!(parse_date(s).map(ymdhms).as_deref(), Some(want), "{s}");
        }
    }

    #[test]
    fn iso8601_variants() {
        for (s, want) in [
            ("2003-12-31T10:14:55Z", "2003-12-31 10:14:55"),
            ("2003-12-31T10:14:55-08:00", "2003-12-31 18:14:55"),
            ("2003-12-31T10:14:55.25+0100", "2003-12-31 09:14:55"),
            ("2003-12-31 10:14", "2003-12-31 10:14:00"),
            ("20031231T101455Z", "2003-12-31 10:14:55"),
            ("2003-12-31", "2003-12-31 00:00:00"),
        ] {
            assert_eq!(parse_date(s).map(ymdhms).as_deref(), Some(want), "{s}");
        }
    }

    #[test]
    fn garbage_is_no_date() {
        assert!(parse_date("yesterday, probably").is_none());
    }
}
