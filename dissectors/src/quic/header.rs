//! QUIC's invariant header forms (RFC 8999) and version 1's and 2's long
//! header (RFC 9000 §17.2, RFC 9369 §3.2): a view over the bytes, checked
//! before any field is read. The packet number and the low bits of the
//! first byte are protected; [`super::protection`] takes that off.

pub use crate::bytes::varint;

pub const V1: u32 = 0x0000_0001;
pub const V2: u32 = 0x6b33_43cf;

/// A long header's packet type, by its meaning (v2 numbers them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

impl LongType {
    /// The two type bits of the first byte, as `version` numbers them.
    pub fn from_bits(version: u32, bits: u8) -> LongType {
        let bits = if version == V2 {
            bits.wrapping_sub(1) & 3
        } else {
            bits & 3
        };
        match bits {
            0 => LongType::Initial,
            1 => LongType::ZeroRtt,
            2 => LongType::Handshake,
            _ => LongType::Retry,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LongType::Initial => "Initial",
            LongType::ZeroRtt => "0-RTT",
            LongType::Handshake => "Handshake",
            LongType::Retry => "Retry",
        }
    }
}

/// Whether the first bytes are a QUIC version this module reads.
pub fn known_version(v: u32) -> bool {
    v == V1 || v == V2
}

/// A long header packet at the start of `b` (RFC 9000 §17.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongHeader {
    pub first: u8,
    pub version: u32,
    pub kind: LongType,
    /// Where the connection IDs are, and their lengths.
    pub dcid: (usize, usize),
    pub scid: (usize, usize),
    /// Initial: the token's length field's place and length, the token's.
    pub token: Option<(usize, usize, usize)>,
    /// The Length field's place and length, and its value.
    pub length: Option<(usize, usize, u64)>,
    /// Where the (protected) packet number starts.
    pub pn_offset: usize,
    /// The packet's end in `b` (Retry and damaged packets: `b`'s end).
    pub end: usize,
}

impl LongHeader {
    /// None for a short header, Version Negotiation (version 0) or a
    /// header cut short. A Length past the datagram's end is cut to it.
    pub fn parse(b: &[u8]) -> Option<LongHeader> {
        let first = *b.first()?;
        if first & 0x80 == 0 {
            return None;
        }
        let version = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?);
        if version == 0 {
            return None;
        }
        let kind = LongType::from_bits(version, (first >> 4) & 3);
        let dcil = usize::from(*b.get(5)?);
        let dcid = (6, dcil);
        let scil_at = 6 + dcil;
        let scil = usize::from(*b.get(scil_at)?);
        let scid = (scil_at + 1, scil);
        let mut at = scil_at + 1 + scil;
        if dcil > 20 || scil > 20 || at > b.len() {
            return None;
        }
        if kind == LongType::Retry {
            return Some(LongHeader {
                first,
                version,
                kind,
                dcid,
                scid,
                token: None,
                length: None,
                pn_offset: at,
                end: b.len(),
            });
        }
        let mut token = None;
        if kind == LongType::Initial {
            let (tlen, n) = varint(b, at)?;
            let tlen = usize::try_from(tlen).ok()?;
            token = Some((at, n, tlen));
            at = at.checked_add(n)?.checked_add(tlen)?;
        }
        let (len, n) = varint(b, at)?;
        let length = Some((at, n, len));
        let pn_offset = at + n;
        let end = pn_offset
            .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
            .min(b.len());
        if pn_offset > b.len() {
            return None;
        }
        Some(LongHeader {
            first,
            version,
            kind,
            dcid,
            scid,
            token,
            length,
            pn_offset,
            end,
        })
    }
}

/// The full packet number from its `len`-byte truncation, the largest
/// seen so far in its space being `largest` (RFC 9000 §A.3).
pub fn decode_pn(largest: Option<u64>, truncated: u64, len: usize) -> u64 {
    let expected = largest.map_or(0, |l| l + 1);
    let win = 1u64 << (len * 8);
    let half = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | truncated;
    if candidate + half <= expected && candidate < (1u64 << 62) - win {
        candidate + win
    } else if candidate > expected + half && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_of_each_length_as_rfc_9000_a_1() {
        let v = |h: &str| varint(&crate::bytes::from_hex(h), 0);
        assert_eq!(v("c2197c5eff14e88c"), Some((151_288_809_941_952_652, 8)));
        assert_eq!(v("9d7f3e7d"), Some((494_878_333, 4)));
        assert_eq!(v("7bbd"), Some((15_293, 2)));
        assert_eq!(v("25"), Some((37, 1)));
        assert_eq!(v("4025"), Some((37, 2)));
        assert_eq!(v("c2197c"), None);
    }

    #[test]
    fn packet_numbers_decode_as_rfc_9000_a_3() {
        assert_eq!(decode_pn(Some(0xa82f30ea), 0x9b32, 2), 0xa82f9b32);
        assert_eq!(decode_pn(None, 0, 1), 0);
        assert_eq!(decode_pn(Some(255), 1, 1), 257);
    }

    #[test]
    fn v2_numbers_its_long_packet_types_apart() {
        assert_eq!(LongType::from_bits(V1, 0), LongType::Initial);
        assert_eq!(LongType::from_bits(V2, 1), LongType::Initial);
        assert_eq!(LongType::from_bits(V2, 0), LongType::Retry);
        assert_eq!(LongType::from_bits(V2, 3), LongType::Handshake);
    }
}
