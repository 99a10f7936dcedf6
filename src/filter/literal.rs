//! Values typed in a filter, read the way the field they are compared with
//! reads them: `0x50` for a port, `10.0.0.0/8` for an address,
//! `00:0c:29` for bytes, `1.5` seconds for a relative time.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::value::Kind;

/// A constant, typed for the side it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Int(i128),
    Float(f64),
    /// Nanoseconds (since the epoch for absolute times).
    Time(i64),
    Bytes(Vec<u8>),
    /// An address with a prefix length in bits: equal means inside the network.
    Net(Vec<u8>, u32),
}

/// Reads `text` (quoted when `quoted`) as a value of `kind`; `Err` holds the
/// reason, to be completed with the field's name by the caller.
pub fn parse(text: &[u8], quoted: bool, kind: Kind) -> Result<Lit, String> {
    let word = std::str::from_utf8(text).ok();
    match kind {
        Kind::Int | Kind::Bool => {
            let w = word.filter(|_| !quoted).ok_or("not a number")?;
            if kind == Kind::Bool {
                match w {
                    "True" | "true" | "TRUE" => return Ok(Lit::Int(1)),
                    "False" | "false" | "FALSE" => return Ok(Lit::Int(0)),
                    _ => {}
                }
            }
            int(w).map(Lit::Int).ok_or_else(|| "not a number".into())
        }
        Kind::Float => word
            .filter(|_| !quoted)
            .and_then(|w| w.parse::<f64>().ok())
            .filter(|f| f.is_finite())
            .map(Lit::Float)
            .ok_or_else(|| "not a number".into()),
        Kind::RelTime => word
            .filter(|_| !quoted)
            .and_then(seconds)
            .map(Lit::Time)
            .ok_or_else(|| "not a time in seconds".into()),
        Kind::AbsTime => {
            let w = word.ok_or("not a date and time")?;
            if !quoted && let Some(ns) = seconds(w) {
                return Ok(Lit::Time(ns));
            }
            date_time(w)
                .map(Lit::Time)
                .ok_or_else(|| "not a date and time (\"Nov 11, 2012 01:00:20.652\" or \"2012-11-11 01:00:20\", UTC)".into())
        }
        Kind::Str => Ok(Lit::Bytes(text.to_vec())),
        Kind::Bytes | Kind::Protocol => {
            if !quoted && let Some(w) = word {
                if let Some(b) = byte_string(w) {
                    return Ok(Lit::Bytes(b));
                }
                if let Some(v) = w
                    .strip_prefix("0x")
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    return Ok(Lit::Bytes(vec![v]));
                }
            }
            // Wireshark compares an unquoted word it cannot read as bytes
            // as the word's own characters.
            Ok(Lit::Bytes(text.to_vec()))
        }
        Kind::Ether => {
            let w = word.filter(|_| !quoted).ok_or("not a MAC address")?;
            byte_string(w)
                .filter(|b| b.len() == 6)
                .map(Lit::Bytes)
                .ok_or_else(|| "not a MAC address".into())
        }
        Kind::Ipv4 => {
            let w = word.ok_or("not an IPv4 address")?;
            let (addr, bits) = split_prefix(w, 32)?;
            let a: Ipv4Addr = addr.parse().map_err(|_| "not an IPv4 address")?;
            Ok(Lit::Net(a.octets().to_vec(), bits))
        }
        Kind::Ipv6 => {
            let w = word.ok_or("not an IPv6 address")?;
            let (addr, bits) = split_prefix(w, 128)?;
            let a: Ipv6Addr = addr.parse().map_err(|_| "not an IPv6 address")?;
            Ok(Lit::Net(a.octets().to_vec(), bits))
        }
        Kind::None => Err("this field has no value to compare".into()),
    }
}

fn split_prefix(w: &str, max: u32) -> Result<(&str, u32), String> {
    match w.split_once('/') {
        None => Ok((w, max)),
        Some((a, b)) => match b.parse::<u32>() {
            Ok(n) if n <= max => Ok((a, n)),
            _ => Err(format!(
                "not a network: the prefix length must be 0 to {max}"
            )),
        },
    }
}

/// Decimal, `0x` hex, `0b` binary or leading-zero octal, optionally negative.
pub fn int(w: &str) -> Option<i128> {
    let (neg, d) = match w.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, w.strip_prefix('+').unwrap_or(w)),
    };
    let v = if let Some(h) = d.strip_prefix("0x").or_else(|| d.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = d.strip_prefix("0b").or_else(|| d.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()?
    } else if d.len() > 1 && d.starts_with('0') {
        u64::from_str_radix(&d[1..], 8).ok()?
    } else {
        d.parse::<u64>().ok()?
    };
    let v = v as i128;
    Some(if neg { -v } else { v })
}

/// `1.5`, `-0.25`, `2`: seconds to nanoseconds, exactly (no float rounding).
pub fn seconds(w: &str) -> Option<i64> {
    let (neg, d) = match w.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, w),
    };
    let (int_part, frac) = d.split_once('.').unwrap_or((d, ""));
    if (int_part.is_empty() && frac.is_empty())
        || !int_part.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let s: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut ns: i64 = 0;
    for (i, c) in frac.bytes().take(9).enumerate() {
        ns += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
    }
    let v = s.checked_mul(1_000_000_000)?.checked_add(ns)?;
    Some(if neg { -v } else { v })
}

/// Bytes written `aa:bb:cc`, `aa-bb-cc`, `aabb.ccdd.eeff` or `aabbcc`.
pub fn byte_string(w: &str) -> Option<Vec<u8>> {
    if w.is_empty() {
        return None;
    }
    let hexval = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    for sep in [b':', b'-', b'.'] {
        if w.as_bytes().contains(&sep) {
            let mut out = Vec::new();
            let groups: Vec<&str> = w.split(sep as char).collect();
            // `.` separates groups of four digits (Cisco style); `:` and `-` single bytes.
            let group_len = if sep == b'.' { 4 } else { 2 };
            for g in groups {
                let g = g.as_bytes();
                if g.is_empty()
                    || g.len() > group_len
                    || (sep == b'.' && !g.len().is_multiple_of(2))
                {
                    return None;
                }
                if g.len() <= 2 {
                    let mut v = 0u8;
                    for &c in g {
                        v = v * 16 + hexval(c)?;
                    }
                    out.push(v);
                } else {
                    for pair in g.chunks(2) {
                        out.push(hexval(pair[0])? * 16 + hexval(pair[1])?);
                    }
                }
            }
            return Some(out);
        }
    }
    if !w.len().is_multiple_of(2) {
        return None;
    }
    w.as_bytes()
        .chunks(2)
        .map(|p| Some(hexval(p[0])? * 16 + hexval(p[1])?))
        .collect()
}

/// `Nov 11, 2012 01:00:20.652165` or `2012-11-11 01:00:20.652165` (also
/// with `T`), in UTC: nanoseconds since the epoch.
pub fn date_time(w: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = w.trim();
    let w = w
        .strip_suffix(" UTC")
        .or_else(|| w.strip_suffix('Z'))
        .unwrap_or(w);
    let (y, m, d, rest) = if w.as_bytes().first()?.is_ascii_alphabetic() {
        // "Nov 11, 2012 01:00:20"
        let (mon, rest) = w.split_once(' ')?;
        let m = MONTHS
            .iter()
            .position(|x| mon.get(..3).is_some_and(|m| x.eq_ignore_ascii_case(m)))?
            as u32
            + 1;
        let rest = rest.trim_start();
        let (d, rest) = rest.split_once(',')?;
        let rest = rest.trim_start();
        let (y, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        (
            y.parse::<i64>().ok()?,
            m,
            d.trim().parse::<u32>().ok()?,
            rest,
        )
    } else {
        let (date, rest) = match w.find([' ', 'T']) {
            Some(i) => (&w[..i], &w[i + 1..]),
            None => (w, ""),
        };
        let mut it = date.split('-');
        let y = it.next()?.parse::<i64>().ok()?;
        let m = it.next()?.parse::<u32>().ok()?;
        let d = it.next()?.parse::<u32>().ok()?;
        if it.next().is_some() {
            return None;
        }
        (y, m, d, rest)
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let rest = rest.trim();
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut parts = hms.split(':');
    let mut field = |max: i64| -> Option<i64> {
        match parts.next() {
            None | Some("") => Some(0),
            Some(p) => p.parse::<i64>().ok().filter(|v| (0..=max).contains(v)),
        }
    };
    let (h, mi, s) = (field(23)?, field(59)?, field(60)?);
    let ns = seconds(&format!("0.{frac}"))?;
    let days = days_from_civil(y, m, d);
    days.checked_mul(86_400)?
        .checked_add(h * 3600 + mi * 60 + s)?
        .checked_mul(1_000_000_000)?
        .checked_add(ns)
}

/// Inverse of `dissectors::field::civil_from_days`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_every_base() {
        assert_eq!(int("80"), Some(80));
        assert_eq!(int("0x50"), Some(80));
        assert_eq!(int("0120"), Some(80));
        assert_eq!(int("0b1010000"), Some(80));
        assert_eq!(int("-3"), Some(-3));
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("8a"), None);
    }

    #[test]
    fn byte_strings_in_every_notation() {
        let mac = Some(vec![0xff; 6]);
        assert_eq!(byte_string("ff:ff:ff:ff:ff:ff"), mac);
        assert_eq!(byte_string("ff-ff-ff-ff-ff-ff"), mac);
        assert_eq!(byte_string("ffff.ffff.ffff"), mac);
        assert_eq!(byte_string("ffffffffffff"), mac);
        assert_eq!(byte_string("0:c:29"), Some(vec![0, 12, 0x29]));
        assert_eq!(byte_string("c0"), Some(vec![0xc0]));
        assert_eq!(byte_string("192"), None);
    }

    #[test]
    fn times_are_exact() {
        assert_eq!(seconds("1.5"), Some(1_500_000_000));
        assert_eq!(seconds(".000001"), Some(1000));
        assert_eq!(seconds("-2"), Some(-2_000_000_000));
        let t = 1_352_595_620_652_165_000;
        assert_eq!(date_time("Nov 11, 2012 01:00:20.652165000"), Some(t));
        assert_eq!(date_time("2012-11-11T01:00:20.652165Z"), Some(t));
        assert_eq!(date_time("2012-11-11 01:00:20.652165"), Some(t));
        assert_eq!(date_time("2012-13-11"), None);
        // Found by the fuzzer: a month name cut inside a character.
        assert_eq!(date_time("N\u{fffd}v 13, 2023 22:13:22"), None);
    }

    #[test]
    fn addresses_take_a_prefix() {
        assert_eq!(
            parse(b"10.0.0.0/8", false, Kind::Ipv4),
            Ok(Lit::Net(vec![10, 0, 0, 0], 8))
        );
        assert!(parse(b"10.0.0.0/33", false, Kind::Ipv4).is_err());
        assert_eq!(
            parse(b"ff02::/16", false, Kind::Ipv6),
            Ok(Lit::Net(
                {
                    let mut v = vec![0; 16];
                    v[0] = 0xff;
                    v[1] = 2;
                    v
                },
                16
            ))
        );
    }
}
