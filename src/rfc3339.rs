//! How timestamps are written in JSON answers: RFC 3339 as `time` writes it
//! (`2026-11-25T02:14:23.758065Z`; no fraction when it is zero), for `#[serde(with = …)]`.
//!
//! Formatted into a buffer on the stack: `time::serde::rfc3339` builds two heap strings per
//! value, and a page of 50 tasks has 100 timestamps (a list's hottest path: see the
//! README's "Leptodo ÷ floor").

use serde::{Deserializer, Serializer, ser::Error as _};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Room for the longest form `time` writes: RFC 3339 allows only 4-digit years, so
/// `YYYY-MM-DDTHH:MM:SS.fffffffff+hh:mm`, 35 bytes.
const MAX_LEN: usize = 35;

pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; MAX_LEN];
    let written = match utc(at, &mut buf) {
        Some(written) => written,
        None => {
            let mut out = &mut buf[..];
            at.format_into(&mut out, &Rfc3339)
                .map_err(S::Error::custom)?;
            MAX_LEN - out.len()
        }
    };
    let text = std::str::from_utf8(&buf[..written]).map_err(S::Error::custom)?;
    s.serialize_str(text)
}

/// The one form every stored timestamp takes — UTC, a 4-digit year — written digit by digit
/// (`time`'s general formatter cost 80 ns a value here); `None` for any other, which `time`
/// then writes. The test holds the two to the same output.
fn utc(at: &OffsetDateTime, buf: &mut [u8; MAX_LEN]) -> Option<usize> {
    if !at.offset().is_utc() || !(0..10_000).contains(&at.year()) {
        return None;
    }
    date_time(at, &mut buf[..19]);
    let nanos = at.nanosecond();
    let mut len = 19;
    if nanos != 0 {
        // As `time` writes it: the fraction without its trailing zeros.
        let mut digits = 9;
        let mut fraction = nanos;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            digits -= 1;
        }
        digits_into(&mut buf[20..20 + digits], fraction);
        buf[19] = b'.';
        len = 20 + digits;
    }
    buf[len] = b'Z';
    Some(len + 1)
}

/// `value`'s last `out.len()` decimal digits, zero-padded, into `out`.
fn digits_into(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of `at` (a 4-digit year) into `out` (19 bytes).
fn date_time(at: &OffsetDateTime, out: &mut [u8]) {
    digits_into(&mut out[0..4], at.year() as u32);
    digits_into(&mut out[5..7], u32::from(u8::from(at.month())));
    digits_into(&mut out[8..10], u32::from(at.day()));
    digits_into(&mut out[11..13], u32::from(at.hour()));
    digits_into(&mut out[14..16], u32::from(at.minute()));
    digits_into(&mut out[17..19], u32::from(at.second()));
    for (i, sep) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        out[i] = sep;
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    time::serde::rfc3339::deserialize(d)
}

/// Timestamps as JavaScript's `Date.prototype.toISOString()` writes them, which is what Better
/// Auth sends and what its client parses: UTC, exactly three fractional digits
/// (`2026-12-07T12:10:48.374Z`). Its client reads the fraction as milliseconds whatever its
/// length, so `time`'s microseconds would be misread by up to 16 minutes. For `/api/auth/*`.
pub mod millis {
    use serde::{Deserializer, Serializer, ser::Error as _};
    use time::{OffsetDateTime, UtcOffset};

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let at = at.to_offset(UtcOffset::UTC);
        if !(0..10_000).contains(&at.year()) {
            return Err(S::Error::custom("a year outside 0000-9999"));
        }
        let mut buf = [0u8; 24];
        super::date_time(&at, &mut buf[..19]);
        // Truncated, as a JavaScript Date holds whole milliseconds.
        buf[19] = b'.';
        super::digits_into(&mut buf[20..23], u32::from(at.millisecond()));
        buf[23] = b'Z';
        let text = std::str::from_utf8(&buf).map_err(S::Error::custom)?;
        s.serialize_str(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        super::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_timestamps_are_written_as_to_iso_string_writes_them() {
        #[derive(serde::Serialize)]
        struct Stamp(#[serde(with = "super::millis")] OffsetDateTime);
        let cases = [
            (
                time::macros::datetime!(2026-12-07 12:10:48.374_541 UTC),
                "2026-12-07T12:10:48.374Z",
            ),
            (
                time::macros::datetime!(2026-12-07 12:10:48 UTC),
                "2026-12-07T12:10:48.000Z",
            ),
            (
                time::macros::datetime!(2026-12-07 12:10:48.999_999_999 UTC),
                "2026-12-07T12:10:48.999Z",
            ),
            (
                time::macros::datetime!(2026-12-07 23:30:00.5 -01:00),
                "2026-12-08T00:30:00.500Z",
            ),
        ];
        for (at, text) in cases {
            assert_eq!(
                serde_json::to_string(&Stamp(at)).unwrap(),
                format!("\"{text}\"")
            );
        }
    }

    #[test]
    fn timestamps_are_written_as_time_writes_rfc3339() {
        use time::UtcOffset;
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Stamp(#[serde(with = "super")] OffsetDateTime);
        let base = time::macros::datetime!(2026-11-25 02:14:23 UTC);
        let mut values = vec![
            base,
            time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC),
            time::macros::datetime!(0000-01-01 00:00:00 UTC),
            base.to_offset(UtcOffset::from_hms(-23, -59, 0).unwrap()),
            base.to_offset(UtcOffset::from_hms(5, 30, 0).unwrap()),
        ];
        for nanos in [
            1,
            10,
            758_065_000,
            100_000_000,
            123_456_789,
            999_999_999,
            500,
        ] {
            values.push(base.replace_nanosecond(nanos).unwrap());
        }
        // Every month, day and hour boundary of a leap year, at varied fractions.
        let mut at = time::macros::datetime!(2028-01-01 00:00:00 UTC);
        while at.year() == 2028 {
            values.push(at);
            at += time::Duration::new(3_599, 987_654_321 % (at.hour() as i32 + 1));
        }
        for at in values {
            let json = serde_json::to_string(&Stamp(at)).unwrap();
            assert_eq!(json, format!("\"{}\"", at.format(&Rfc3339).unwrap()));
            let back: Stamp = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0, at);
        }
    }
}
