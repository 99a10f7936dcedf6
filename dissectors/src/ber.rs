//! ASN.1 BER (X.690) as the protocols that speak it need it: one
//! tag-length-value header at a time, integers, and object identifiers,
//! each read with every length checked against the bytes there are.

use std::fmt::Write as _;

/// The class bits of a tag.
pub const UNIVERSAL: u8 = 0;
pub const APPLICATION: u8 = 1;
pub const CONTEXT: u8 = 2;

/// Universal tags.
pub const INTEGER: u32 = 2;
pub const OCTET_STRING: u32 = 4;
pub const NULL: u32 = 5;
pub const OID: u32 = 6;
pub const SEQUENCE: u32 = 16;

/// The longest object identifier shown, in arcs (a hostile one is cut).
pub const MAX_OID_ARCS: usize = 128;

/// One element's header: where its value lies and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv {
    pub class: u8,
    pub constructed: bool,
    pub tag: u32,
    /// Where the header starts.
    pub start: usize,
    /// Where the value starts.
    pub value: usize,
    /// The value's length as the header gives it (it may run past the
    /// bytes there are: see [`Tlv::fits`]).
    pub len: usize,
}

impl Tlv {
    /// Where the element ends, as its header says.
    pub fn end(&self) -> usize {
        self.value.saturating_add(self.len)
    }
    /// The whole element lies within `within` bytes.
    pub fn fits(&self, within: usize) -> bool {
        self.end() <= within
    }
    pub fn is(&self, class: u8, tag: u32) -> bool {
        self.class == class && self.tag == tag
    }
    /// The value's bytes, cut at the end of `b`.
    pub fn bytes<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        let end = self.end().min(b.len());
        b.get(self.value..end).unwrap_or(&[])
    }
}

/// Why a header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BerError {
    /// The bytes end inside the header.
    Truncated,
    /// An indefinite length (0x80), which these protocols do not use.
    Indefinite,
    /// A length or tag number longer than four bytes.
    TooLong,
}

/// Reads the header at `off`.
pub fn header(b: &[u8], off: usize) -> Result<Tlv, BerError> {
    let first = *b.get(off).ok_or(BerError::Truncated)?;
    let mut at = off + 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        for i in 0.. {
            let c = *b.get(at).ok_or(BerError::Truncated)?;
            at += 1;
            if i == 4 {
                return Err(BerError::TooLong);
            }
            tag = tag << 7 | u32::from(c & 0x7f);
            if c & 0x80 == 0 {
                break;
            }
        }
    }
    let l = *b.get(at).ok_or(BerError::Truncated)?;
    at += 1;
    let len = match l {
        0x80 => return Err(BerError::Indefinite),
        0..=0x7f => usize::from(l),
        _ => {
            let n = usize::from(l & 0x7f);
            if n > 4 {
                return Err(BerError::TooLong);
            }
            let raw = b.get(at..at + n).ok_or(BerError::Truncated)?;
            at += n;
            raw.iter().fold(0usize, |v, &c| v << 8 | usize::from(c))
        }
    };
    Ok(Tlv {
        class: first >> 6,
        constructed: first & 0x20 != 0,
        tag,
        start: off,
        value: at,
        len,
    })
}

/// A two's-complement INTEGER of up to eight bytes (longer: `None`).
pub fn integer(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    let init: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
    Some(v.iter().fold(init, |acc, &c| acc << 8 | i64::from(c)))
}

/// An unsigned value (Counter, TimeTicks): up to eight bytes after a
/// leading zero.
pub fn unsigned(v: &[u8]) -> Option<u64> {
    let v = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => v,
    };
    if v.is_empty() || v.len() > 8 {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &c| acc << 8 | u64::from(c)))
}

/// The arcs of an OBJECT IDENTIFIER's value, at most [`MAX_OID_ARCS`];
/// `None` when an arc is cut off or overflows.
pub fn oid_arcs(v: &[u8]) -> Option<Vec<u64>> {
    let mut arcs = Vec::new();
    let mut cur: u64 = 0;
    let mut in_arc = false;
    for &c in v {
        if cur > u64::MAX >> 7 {
            return None;
        }
        cur = cur << 7 | u64::from(c & 0x7f);
        in_arc = c & 0x80 != 0;
        if in_arc {
            continue;
        }
        if arcs.is_empty() {
            let first = (cur / 40).min(2);
            arcs.push(first);
            arcs.push(cur - first * 40);
        } else {
            arcs.push(cur);
        }
        cur = 0;
        if arcs.len() >= MAX_OID_ARCS {
            break;
        }
    }
    (!in_arc && !arcs.is_empty()).then_some(arcs)
}

/// Dotted decimal: "1.3.6.1.2.1.1.1.0".
pub fn oid_string(arcs: &[u64]) -> String {
    let mut s = String::new();
    for (i, a) in arcs.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        let _ = write!(s, "{a}");
    }
    s
}

/// As Wireshark resolves an OID it has no MIB for: the first arc by name
/// ("iso.3.6.1.2.1.1.1.0").
pub fn oid_resolved(arcs: &[u64]) -> String {
    let dotted = oid_string(arcs);
    let name = match arcs.first() {
        Some(0) => "itu-t",
        Some(1) => "iso",
        Some(2) => "joint-iso-itu-t",
        _ => return dotted,
    };
    match dotted.find('.') {
        Some(dot) => format!("{name}{}", &dotted[dot..]),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_short_and_long_form() {
        let t = header(&[0x30, 0x03, 2, 1, 5], 0).unwrap();
        assert_eq!(
            (t.class, t.constructed, t.tag, t.value, t.len),
            (0, true, 16, 2, 3)
        );
        assert!(t.fits(5));
        let t = header(&[0xa2, 0x82, 0x01, 0x00], 0).unwrap();
        assert_eq!((t.class, t.tag, t.value, t.len), (CONTEXT, 2, 4, 256));
        assert!(!t.fits(4));
        assert_eq!(header(&[0x30, 0x80], 0), Err(BerError::Indefinite));
        assert_eq!(
            header(&[0x30, 0x85, 1, 1, 1, 1, 1], 0),
            Err(BerError::TooLong)
        );
        assert_eq!(header(&[0x30, 0x82, 1], 0), Err(BerError::Truncated));
        assert_eq!(
            header(&[0x1f, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01], 0),
            Err(BerError::TooLong)
        );
    }

    #[test]
    fn integers_keep_their_sign() {
        assert_eq!(integer(&[0xff]), Some(-1));
        assert_eq!(integer(&[0x00, 0x80]), Some(128));
        assert_eq!(integer(&[0x40, 0x0f, 0x42, 0x42]), Some(0x400f_4242));
        assert_eq!(integer(&[]), None);
        assert_eq!(unsigned(&[0x00, 0xff, 0xff, 0xff, 0xff]), Some(0xffff_ffff));
    }

    #[test]
    fn oids_as_wireshark_writes_them() {
        let arcs = oid_arcs(&[0x2b, 6, 1, 4, 1, 0xbf, 0x08, 2, 3]).unwrap();
        assert_eq!(oid_string(&arcs), "1.3.6.1.4.1.8072.2.3");
        assert_eq!(oid_resolved(&arcs), "iso.3.6.1.4.1.8072.2.3");
        assert_eq!(oid_arcs(&[0x2b, 0x86]), None);
        assert_eq!(oid_string(&oid_arcs(&[0x88, 0x37, 1]).unwrap()), "2.999.1");
    }
}
