//! Time without clock reads: RFC 3339 timestamps (as the server sends them) and HTTP `Date`
//! headers to unix seconds, and [`ServerClock`], the device-to-server clock offset the driver
//! feeds into the flow so that expiry is judged by the server's clock, not the device's.

use latchkey_protocol::questions::is_valid_date;

/// Parses an RFC 3339 timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`) into unix seconds.
/// Fractions of a second are dropped. Returns `None` for anything malformed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !is_valid_date(s.get(..10)?) || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    };
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Parses an HTTP `Date` header in the IMF-fixdate form every HTTP/1.1 server must send
/// (RFC 9110 section 5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT`) into unix seconds. The obsolete
/// RFC 850 and asctime forms are not accepted (`None`), nor is anything malformed.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 bytes.
    if b.len() != 29 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    if !matches!(
        &b[..3],
        b"Mon" | b"Tue" | b"Wed" | b"Thu" | b"Fri" | b"Sat" | b"Sun"
    ) || &b[25..] != b" GMT"
    {
        return None;
    }
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == &b[8..11])? + 1;
    let date = format!(
        "{}-{:02}-{}T{}Z",
        std::str::from_utf8(&b[12..16]).ok()?,
        month,
        std::str::from_utf8(&b[5..7]).ok()?,
        std::str::from_utf8(&b[17..25]).ok()?
    );
    parse_rfc3339(&date)
}

/// The server's clock as seen from the device: `server time - device time`, in seconds, from
/// the last reply's `Date` header. Pure data; the driver measures, the flow only ever sees
/// [`ServerClock::server_now`].
///
/// The estimate errs early: `Date` is truncated to the second and stamped before the reply
/// travels, so the server's real time is at or after the estimate. The flow therefore never
/// calls a challenge expired that the server still accepts because of this estimate; the
/// server has the last word on everything the flow sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerClock {
    offset: Option<i64>,
}

impl ServerClock {
    /// No reply seen yet: the device clock is used as is.
    pub fn unknown() -> Self {
        ServerClock { offset: None }
    }

    /// Records a reply's `Date` header (unix seconds, see [`parse_http_date`]) received at
    /// `device_now` (unix seconds by the device clock). The latest reply wins.
    pub fn observe(&mut self, server_date: i64, device_now: i64) {
        self.offset = Some(server_date.saturating_sub(device_now));
    }

    /// `server time - device time` in seconds, once a reply has been seen.
    pub fn offset(&self) -> Option<i64> {
        self.offset
    }

    /// The server's time now (unix seconds), given the device's: the device clock shifted by
    /// the last measured offset (unshifted before any reply).
    pub fn server_now(&self, device_now: i64) -> i64 {
        device_now.saturating_add(self.offset.unwrap_or(0))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_table() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2000-03-01T00:00:00Z", Some(951_868_800)),
            ("2024-02-29T12:34:56Z", Some(1_709_210_096)),
            ("2024-02-29T12:34:56.789Z", Some(1_709_210_096)),
            ("2024-02-29T14:34:56+02:00", Some(1_709_210_096)),
            ("2024-02-29T10:04:56-02:30", Some(1_709_210_096)),
            ("2031-05-06T07:08:09Z", Some(1_935_817_689)),
            ("2024-02-30T12:34:56Z", None),
            ("2024-02-29T24:00:00Z", None),
            ("2024-02-29T12:34:56", None),
            ("2024-02-29T12:34:56.Z", None),
            ("2024-02-29 12:34", None),
            ("2024-02-29T12:34:56+0200", None),
            ("", None),
            ("not a time at all!!", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_rfc3339(s), *want, "{s}");
        }
    }

    #[test]
    fn http_date_table() {
        let cases: &[(&str, Option<i64>)] = &[
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Thu, 29 Feb 2024 12:34:56 GMT", Some(1_709_210_096)),
            (" Thu, 29 Feb 2024 12:34:56 GMT ", Some(1_709_210_096)),
            ("Thu, 30 Feb 2024 12:34:56 GMT", None),
            ("Thu, 29 Feb 2024 12:34:56 UTC", None),
            ("Thu, 29 Fob 2024 12:34:56 GMT", None),
            ("Sunday, 06-Nov-94 08:49:37 GMT", None),
            ("Sun Nov  6 08:49:37 1994", None),
            ("Thu, 29 Feb 2024 25:34:56 GMT", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_http_date(s), *want, "{s}");
        }
    }

    #[test]
    fn server_clock_shifts_the_device_clock() {
        let mut c = ServerClock::unknown();
        assert_eq!(c.server_now(1_000), 1_000);
        // A device 15 minutes fast.
        c.observe(10_000, 10_900);
        assert_eq!(c.offset(), Some(-900));
        assert_eq!(c.server_now(11_000), 10_100);
        // The latest reply wins (the device clock was corrected).
        c.observe(12_000, 12_000);
        assert_eq!(c.server_now(12_005), 12_005);
    }
}
