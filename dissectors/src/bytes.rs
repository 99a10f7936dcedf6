//! Bounds-checked big-endian reads. Dissectors read hostile bytes: every
//! read that is not covered by a view's checked constructor goes through
//! these, which return `None` instead of panicking.

#[inline]
pub fn u8_at(b: &[u8], off: usize) -> Option<u8> {
    b.get(off).copied()
}

#[inline]
pub fn be16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

#[inline]
pub fn be24(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(3)?)?;
    Some(u32::from_be_bytes([0, s[0], s[1], s[2]]))
}

#[inline]
pub fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
pub fn le16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

#[inline]
pub fn le32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
pub fn array<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
    b.get(off..off.checked_add(N)?)?.try_into().ok()
}

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `b[start..start+len]` clamped to what is there.
#[inline]
pub fn clamp(b: &[u8], start: usize, len: usize) -> &[u8] {
    let s = start.min(b.len());
    let e = start.saturating_add(len).min(b.len());
    &b[s..e]
}

/// The Internet checksum (RFC 1071) of `data`, starting from `sum`.
pub fn ones_complement_sum(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    sum
}

pub fn fold_checksum(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Base64 decoded as GLib's `g_base64_decode` does for Wireshark: bytes
/// outside the alphabet are skipped, `=` ends the data. Bounded by the
/// input's length.
pub fn base64_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in b {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The byte a `%XX` escape at `b[at]` stands for (URIs and HTML forms);
/// none when `%` is not followed by two hex digits.
pub fn percent_escape(b: &[u8], at: usize) -> Option<u8> {
    let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
    match b.get(at) {
        Some(b'%') => Some((hex(at + 1)? * 16 + hex(at + 2)?) as u8),
        _ => None,
    }
}

/// Bytes as a Wireshark string field read with ENC_ASCII holds them
/// (`http.file_data`): up to the first NUL, each byte past ASCII a
/// replacement character.
pub fn ascii_string(b: &[u8]) -> String {
    b.iter()
        .take_while(|&&c| c != 0)
        .map(|&c| if c < 0x80 { char::from(c) } else { '\u{fffd}' })
        .collect()
}

/// Bytes as Wireshark's `format_text` shows them in a column: printable
/// text as is, C escapes for the usual controls, `\ooo` octal for other
/// control bytes, U+FFFD for what is no UTF-8. Bounded by the input's
/// length.
pub fn format_text(b: &[u8]) -> String {
    format_text_with(b, false)
}

/// Wireshark's `format_text_wsp`: as [`format_text`], but each whitespace
/// control (tab, line feed, carriage return, vertical tab, form feed)
/// shows as a space.
pub fn format_text_wsp(b: &[u8]) -> String {
    format_text_with(b, true)
}

fn format_text_with(b: &[u8], wsp: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' | '\n' | '\r' | '\x0b' | '\x0c' if wsp => s.push(' '),
                '\x07' => s.push_str("\\a"),
                '\x08' => s.push_str("\\b"),
                '\x0c' => s.push_str("\\f"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\x0b' => s.push_str("\\v"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(s, "\\{:03o}", c as u32);
                }
                c => s.push(c),
            }
        }
        if !chunk.invalid().is_empty() {
            // Bytes that are no UTF-8: one replacement character for each
            // maximal invalid sequence, as tshark 4.0 prints them.
            s.push('\u{fffd}');
        }
    }
    s
}

/// A QUIC variable-length integer (RFC 9000 §16) at `at`: its value and
/// its length in bytes (QUIC and HTTP/3 both use them).
pub fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    let len = 1usize << (first >> 6);
    let bytes = b.get(at..at.checked_add(len)?)?;
    let mut v = u64::from(first & 0x3f);
    for &x in &bytes[1..] {
        v = (v << 8) | u64::from(x);
    }
    Some((v, len))
}

/// Bytes written as hex, spaces allowed between them: test vectors as
/// RFCs print them.
#[cfg(test)]
pub fn from_hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_none() {
        let b = [1, 2, 3];
        assert_eq!(be16(&b, 1), Some(0x0203));
        assert_eq!(be16(&b, 2), None);
        assert_eq!(be32(&b, usize::MAX), None);
        assert_eq!(clamp(&b, 2, 10), &[3]);
        assert_eq!(clamp(&b, 9, 10), &[] as &[u8]);
    }

    #[test]
    fn percent_escapes_need_two_hex_digits() {
        assert_eq!(percent_escape(b"a%2Fb", 1), Some(b'/'));
        assert_eq!(percent_escape(b"%4", 0), None);
        assert_eq!(percent_escape(b"%zz", 0), None);
        assert_eq!(percent_escape(b"x", 0), None);
    }

    #[test]
    fn base64_skips_what_is_no_alphabet() {
        assert_eq!(base64_decode(b"aGVs\r\nbG8=\r\n"), b"hello");
        assert_eq!(base64_decode(b"YQ"), b"a");
        assert_eq!(base64_decode(b"**"), b"");
    }

    #[test]
    fn checksum_of_rfc1071_example() {
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold_checksum(ones_complement_sum(0, &d)), !0xddf2);
    }
}
