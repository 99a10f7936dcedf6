//! The PROXY protocol (HAProxy's, v1 text and v2 binary): the header a
//! load balancer puts before a connection's first bytes to say who the
//! client really is. Found as a preamble of the connection's first payload
//! where no port says what the connection is (Wireshark's heuristic after
//! the port tables); the TCP analysis frames it as a PDU of its own and
//! the connection's protocol after it.
//!
//! As tshark 4.0: after a v1 header the proxied protocol follows in the
//! same segment; a v2 header's segment shows only the header (4.0 hands
//! the rest of it to no one; later Wireshark does).

use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    VERSION = FieldDef::new("proxy.version", "Version", T::U8);
    SRC_IPV4 = FieldDef::new("proxy.src.ipv4", "Source Address", T::Ipv4);
    DST_IPV4 = FieldDef::new("proxy.dst.ipv4", "Destination Address", T::Ipv4);
    SRC_IPV6 = FieldDef::new("proxy.src.ipv6", "Source Address", T::Ipv6);
    DST_IPV6 = FieldDef::new("proxy.dst.ipv6", "Destination Address", T::Ipv6);
    SRCPORT = FieldDef::new("proxy.srcport", "Source Port", T::U16);
    DSTPORT = FieldDef::new("proxy.dstport", "Destination Port", T::U16);
    V1_MAGIC = FieldDef::new("proxy.v1.magic", "PROXY v1 magic", T::None);
    V1_PROTO = FieldDef::new("proxy.v1.proto", "Protocol", T::String);
    V1_UNKNOWN = FieldDef::new("proxy.v1.unknown", "Unknown data", T::String);
    V2_MAGIC = FieldDef::new("proxy.v2.magic", "Magic", T::Bytes);
    V2_VERSION = FieldDef::new("proxy.v2.version", "Version", T::U8).mask(0xf0);
    V2_CMD = FieldDef::new("proxy.v2.cmd", "Command", T::U8).mask(0x0f);
    V2_ADDR_FAMILY_PROTOCOL = FieldDef::new("proxy.v2.addr_family_protocol", "Address Family Protocol", T::U8).base(Base::Hex).names(FAMILY_PROTOCOLS);
    V2_ADDR_FAMILY = FieldDef::new("proxy.v2.addr_family", "Address Family", T::U8).base(Base::Hex).mask(0xf0).names(FAMILIES);
    V2_PROTOCOL = FieldDef::new("proxy.v2.protocol", "Protocol", T::U8).base(Base::Hex).mask(0x0f);
    V2_LENGTH = FieldDef::new("proxy.v2.length", "Length", T::U16);
    V2_SRC_UNIX = FieldDef::new("proxy.v2.src.unix", "Source Address", T::Bytes);
    V2_DST_UNIX = FieldDef::new("proxy.v2.dst.unix", "Destination Address", T::Bytes);
    V2_UNKNOWN = FieldDef::new("proxy.v2.unknown", "Unknown data", T::Bytes);
}

const FAMILY_PROTOCOLS: &[(u64, &str)] = &[
    (0x00, "UNSPEC"),
    (0x11, "TCP over IPv4"),
    (0x12, "UDP over IPv4"),
    (0x21, "TCP over IPv6"),
    (0x22, "UDP over IPv6"),
    (0x31, "UNIX stream"),
    (0x32, "UNIX datagram"),
];

const FAMILIES: &[(u64, &str)] = &[(0x1, "IPv4"), (0x2, "IPv6"), (0x3, "UNIX")];

/// Byte ranges of the v2 header.
mod field {
    use std::ops::Range;
    pub const MAGIC: Range<usize> = 0..12;
    pub const VER_CMD: usize = 12;
    pub const FAMILY_PROTOCOL: usize = 13;
    pub const LENGTH: Range<usize> = 14..16;
    pub const ADDRESSES: usize = 16;
    /// A UNIX socket path, each way.
    pub const UNIX_PATH: usize = 108;
}

const V2_MAGIC_BYTES: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// "a 108-byte buffer is always enough to store all the line and a
/// trailing zero" (the specification), so a line is at most 107 bytes.
const V1_MAX_LINE: usize = 107;

/// The preamble at the start of `first`, as the registry's `preamble:`
/// asks: the bytes it takes and where the proxied protocol starts.
pub fn preamble(first: &[u8]) -> Option<(usize, usize)> {
    if let Some(len) = v2_len(first) {
        // tshark 4.0 takes the whole segment of a v2 header.
        return Some((first.len(), len));
    }
    // A v1 header that does not read to its end takes its segment too.
    let len = v1_len(first)?;
    let whole = if v1_reads(&first[..len - 2]) {
        len
    } else {
        first.len()
    };
    Some((whole, len))
}

/// Whether a v1 line (without its CRLF) reads to its end: TCP4 or TCP6,
/// two addresses of that family, two ports.
fn v1_reads(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    let t: Vec<&str> = text.splitn(6, ' ').collect();
    let v6 = match t.get(1) {
        Some(&"TCP4") => false,
        Some(&"TCP6") => true,
        _ => return false,
    };
    let addr = |s: &str| match s.parse::<std::net::IpAddr>() {
        Ok(a) => a.is_ipv6() == v6,
        Err(_) => false,
    };
    t.len() == 6
        && addr(t[2])
        && addr(t[3])
        && t[4].parse::<u16>().is_ok()
        && t[5].parse::<u16>().is_ok()
}

/// A v1 header's length: "PROXY " and a line that ends with CRLF within
/// the line bound.
fn v1_len(b: &[u8]) -> Option<usize> {
    if b.len() < b"PROXY \r\n".len() || !b.starts_with(b"PROXY ") {
        return None;
    }
    let window = &b[..b.len().min(V1_MAX_LINE)];
    let end = 6 + window[6..].iter().position(|&c| c == b'\n' || c == b'\r')?;
    (window.get(end..end + 2) == Some(b"\r\n")).then_some(end + 2)
}

/// A v2 header's length: the magic, then 16 bytes of fixed header and the
/// length it declares (bounded by what is there).
fn v2_len(b: &[u8]) -> Option<usize> {
    if b.len() < field::ADDRESSES || !b.starts_with(V2_MAGIC_BYTES) {
        return None;
    }
    let declared = usize::from(u16::from_be_bytes([
        b[field::LENGTH.start],
        b[field::LENGTH.start + 1],
    ]));
    Some((field::ADDRESSES + declared).min(b.len()))
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    if v2_len(b).is_some() {
        dissect_v2(cx, buf, off);
        return b.len().max(1);
    }
    match v1_len(b) {
        Some(len) => {
            dissect_v1(cx, buf, off, len);
            // As tshark 4.0: a header that does not read takes its segment.
            if v1_reads(&b[..len - 2]) {
                len
            } else {
                b.len()
            }
        }
        None => 0,
    }
}

fn set_column<S: Sink>(cx: &mut Cx<'_, S>, column: &'static str) {
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed(column);
    }
}

/// "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n": each token in
/// turn, stopping at the first that does not read.
fn dissect_v1<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, len: usize) {
    cx.layer(
        &proto::PROXY,
        buf.span(off, len),
        format_args!("PROXY Protocol"),
    );
    set_column(cx, "PROXYv1");
    cx.field(&V1_MAGIC, buf.span(off, 5), Value::None);
    let line = &buf.rest(off)[..len - 2];
    let mut at = 6usize;
    let next = |at: &mut usize| -> Option<(usize, usize)> {
        let n = line.get(*at..)?.iter().position(|&c| c == b' ')?;
        let token = (*at, n);
        *at += n + 1;
        (n > 0).then_some(token)
    };
    let Some((p, n)) = next(&mut at) else {
        return cx.end_layer();
    };
    let family = &line[p..p + n];
    cx.field(
        &V1_PROTO,
        buf.span(off + p, n),
        Value::Str(&String::from_utf8_lossy(family)),
    );
    let defs = match family {
        b"TCP4" => [&SRC_IPV4, &DST_IPV4],
        b"TCP6" => [&SRC_IPV6, &DST_IPV6],
        _ => {
            // The span is the bytes', not the text's (a replacement
            // character is longer than the byte it stands for).
            let raw = line.get(at..).unwrap_or(&[]);
            let rest = String::from_utf8_lossy(raw);
            cx.field(
                &V1_UNKNOWN,
                buf.span(off + at, raw.len()),
                Value::Str(&rest),
            );
            return cx.end_layer();
        }
    };
    for def in defs {
        let Some((t, n)) = next(&mut at) else {
            return cx.end_layer();
        };
        let text = std::str::from_utf8(&line[t..t + n]).unwrap_or("");
        let value = match text.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) if def.ftype == T::Ipv4 => Value::Ipv4(a.octets()),
            Ok(std::net::IpAddr::V6(a)) if def.ftype == T::Ipv6 => Value::Ipv6(a.octets()),
            _ => return cx.end_layer(),
        };
        cx.field(def, buf.span(off + t, n), value);
    }
    // The source port ends at a space, the destination port at the CRLF.
    let Some((t, n)) = next(&mut at) else {
        return cx.end_layer();
    };
    for (def, (t, n)) in [
        (&SRCPORT, (t, n)),
        (&DSTPORT, (at, line.len().saturating_sub(at))),
    ] {
        match std::str::from_utf8(&line[t.min(line.len())..(t + n).min(line.len())])
            .ok()
            .and_then(|s| s.parse::<u16>().ok())
        {
            Some(port) => cx.field(def, buf.span(off + t, n), Value::U64(port.into())),
            None => break,
        }
    }
    cx.end_layer();
}

/// The binary header: version and command, family and transport, the
/// addresses' length, then the addresses and ports.
fn dissect_v2<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    cx.layer(
        &proto::PROXY,
        buf.span(off, b.len()),
        format_args!("PROXY Protocol"),
    );
    set_column(cx, "PROXYv2");
    cx.field(&V2_MAGIC, buf.span(off, 12), Value::Bytes(&b[field::MAGIC]));
    let ver_cmd = b[field::VER_CMD];
    let at = off + field::VER_CMD;
    cx.field(
        &V2_VERSION,
        buf.span(at, 1),
        Value::U64((ver_cmd >> 4).into()),
    );
    cx.field(
        &V2_CMD,
        buf.span(at, 1),
        Value::U64((ver_cmd & 0x0f).into()),
    );
    cx.generated(&VERSION, buf.span(at, 1), Value::U64(2));
    let fam = b[field::FAMILY_PROTOCOL];
    let at = off + field::FAMILY_PROTOCOL;
    cx.field(
        &V2_ADDR_FAMILY_PROTOCOL,
        buf.span(at, 1),
        Value::U64(fam.into()),
    );
    cx.push();
    cx.field(
        &V2_ADDR_FAMILY,
        buf.span(at, 1),
        Value::U64((fam >> 4).into()),
    );
    cx.field(
        &V2_PROTOCOL,
        buf.span(at, 1),
        Value::U64((fam & 0x0f).into()),
    );
    cx.pop();
    let len = u16::from_be_bytes([b[field::LENGTH.start], b[field::LENGTH.start + 1]]);
    cx.field(
        &V2_LENGTH,
        buf.span(off + field::LENGTH.start, 2),
        Value::U64(len.into()),
    );
    addresses_v2(cx, buf, off + field::ADDRESSES, fam, usize::from(len));
    cx.end_layer();
}

/// The addresses a v2 header's family and transport call for.
fn addresses_v2<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, fam: u8, len: usize) {
    let b = buf.rest(at);
    match fam {
        0x11 | 0x12 | 0x21 | 0x22 => {
            let n = if fam >> 4 == 1 { 4 } else { 16 };
            if b.len() < 2 * n + 4 {
                return;
            }
            let (src, dst) = (&b[..n], &b[n..2 * n]);
            if n == 4 {
                cx.field(
                    &SRC_IPV4,
                    buf.span(at, 4),
                    Value::Ipv4(src.try_into().unwrap_or([0; 4])),
                );
                cx.field(
                    &DST_IPV4,
                    buf.span(at + 4, 4),
                    Value::Ipv4(dst.try_into().unwrap_or([0; 4])),
                );
            } else {
                cx.field(
                    &SRC_IPV6,
                    buf.span(at, 16),
                    Value::Ipv6(src.try_into().unwrap_or([0; 16])),
                );
                cx.field(
                    &DST_IPV6,
                    buf.span(at + 16, 16),
                    Value::Ipv6(dst.try_into().unwrap_or([0; 16])),
                );
            }
            let port = |i: usize| u64::from(u16::from_be_bytes([b[i], b[i + 1]]));
            cx.field(&SRCPORT, buf.span(at + 2 * n, 2), Value::U64(port(2 * n)));
            cx.field(
                &DSTPORT,
                buf.span(at + 2 * n + 2, 2),
                Value::U64(port(2 * n + 2)),
            );
        }
        0x31 | 0x32 => {
            let p = field::UNIX_PATH;
            if b.len() >= 2 * p {
                cx.field(&V2_SRC_UNIX, buf.span(at, p), Value::Bytes(&b[..p]));
                cx.field(
                    &V2_DST_UNIX,
                    buf.span(at + p, p),
                    Value::Bytes(&b[p..2 * p]),
                );
            }
        }
        _ if len > 0 => {
            let n = len.min(b.len());
            cx.field(&V2_UNKNOWN, buf.span(at, n), Value::Bytes(&b[..n]));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_header_ends_at_its_crlf_and_reads_only_when_complete() {
        let b = b"PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\nGET /";
        assert_eq!(preamble(b), Some((45, 45)));
        // A family v1 does not read takes the segment, as tshark 4.0.
        let u = b"PROXY UNKNOWN\r\nGET /";
        assert_eq!(preamble(u), Some((u.len(), 15)));
        // An IPv6 address under TCP4 does not read either.
        assert!(!v1_reads(b"PROXY TCP4 ::1 ::1 1 2"));
        // A lone LF, or no line end within 107 bytes, is no header.
        assert_eq!(v1_len(b"PROXY TCP4 1.2.3.4 1.2.3.4 1 2\nGET"), None);
        let mut long = b"PROXY ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 120));
        long.extend_from_slice(b"\r\n");
        assert_eq!(v1_len(&long), None);
    }

    #[test]
    fn v2_header_is_bounded_by_what_is_there() {
        let mut b = V2_MAGIC_BYTES.to_vec();
        b.extend_from_slice(&[0x21, 0x11, 0x00, 0x0c]);
        b.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb]);
        assert_eq!(v2_len(&b), Some(28));
        b.extend_from_slice(b"GET / HTTP/1.1\r\n");
        // tshark 4.0 takes the segment; the connection's bytes start at 28.
        assert_eq!(preamble(&b), Some((b.len(), 28)));
        // A length past the segment is cut to it.
        b[15] = 0xff;
        assert_eq!(v2_len(&b), Some(b.len()));
        assert_eq!(v2_len(&V2_MAGIC_BYTES[..11]), None);
    }
}
