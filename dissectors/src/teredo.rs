//! Teredo (RFC 4380, UDP port 3544): IPv6 tunnelled in UDP, optionally
//! after an authentication header (indicator 0x0001) and an origin
//! indication (0x0000), as Wireshark's `teredo` shows them.

use crate::bytes;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    AUTH = FieldDef::new("teredo.auth", "Teredo Authentication header", T::None);
    AUTH_IDLEN = FieldDef::new("teredo.auth.idlen", "Client identifier length", T::U8);
    AUTH_AULEN = FieldDef::new("teredo.auth.aulen", "Authentication value length", T::U8);
    AUTH_ID = FieldDef::new("teredo.auth.id", "Client identifier", T::Bytes);
    AUTH_VALUE = FieldDef::new("teredo.auth.value", "Authentication value", T::Bytes);
    AUTH_NONCE = FieldDef::new("teredo.auth.nonce", "Nonce value", T::Bytes);
    AUTH_CONF = FieldDef::new("teredo.auth.conf", "Confirmation byte", T::Bytes);
    ORIG = FieldDef::new("teredo.orig", "Teredo Origin Indication header", T::None);
    ORIG_PORT = FieldDef::new("teredo.orig.port", "Origin UDP port", T::U16);
    ORIG_ADDR = FieldDef::new("teredo.orig.addr", "Origin IPv4 address", T::Ipv4);
}

/// The indicator types that open the optional headers.
const ORIGIN_INDICATION: u16 = 0x0000;
const AUTHENTICATION: u16 = 0x0001;
/// An authentication header without its identifier and value: indicator,
/// the two lengths, nonce and confirmation byte.
const AUTH_FIXED_LEN: usize = 13;
const ORIGIN_LEN: usize = 8;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let total = buf.len().saturating_sub(off);
    cx.layer(
        &proto::TEREDO,
        buf.span(off, total),
        format_args!("Teredo IPv6 over UDP tunneling"),
    );
    cx.set_info(format_args!(""));
    let mut at = off;
    if bytes::be16(buf.bytes, at) == Some(AUTHENTICATION) {
        let Some(next) = authentication(cx, buf, at) else {
            return cut_short(cx, buf, at, off);
        };
        at = next;
    }
    if bytes::be16(buf.bytes, at) == Some(ORIGIN_INDICATION) {
        if at + ORIGIN_LEN > buf.len() {
            return cut_short(cx, buf, at, off);
        }
        at = origin(cx, buf, at);
    }
    cx.end_layer();
    if at < buf.len() {
        cx.dissect_by(Table::IpVersion, 6, buf, at);
    }
    buf.reported.saturating_sub(off).max(1)
}

/// A header that runs past the datagram: shown as such, nothing handed on.
fn cut_short<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, off: usize) -> usize {
    cx.ran_out("Teredo", buf.span(at, buf.len() - at), buf);
    cx.end_layer();
    buf.reported.saturating_sub(off).max(1)
}

/// The authentication header at `at`; where what follows it starts, or
/// None when it runs past the datagram.
fn authentication<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize) -> Option<usize> {
    let idlen = usize::from(bytes::u8_at(buf.bytes, at + 2)?);
    let aulen = usize::from(bytes::u8_at(buf.bytes, at + 3)?);
    let len = AUTH_FIXED_LEN + idlen + aulen;
    if at + len > buf.len() {
        return None;
    }
    cx.field(&AUTH, buf.span(at, len), Value::None);
    cx.push();
    cx.field(&AUTH_IDLEN, buf.span(at + 2, 1), Value::U64(idlen as u64));
    cx.field(&AUTH_AULEN, buf.span(at + 3, 1), Value::U64(aulen as u64));
    let mut p = at + 4;
    for (def, n) in [
        (&AUTH_ID, idlen),
        (&AUTH_VALUE, aulen),
        (&AUTH_NONCE, 8),
        (&AUTH_CONF, 1),
    ] {
        if n > 0 {
            let b = bytes::clamp(buf.bytes, p, n);
            cx.field(def, buf.span(p, n), Value::Bytes(b));
        }
        p += n;
    }
    cx.pop();
    Some(at + len)
}

/// The origin indication at `at` (port and address ones-complemented on
/// the wire); where what follows it starts.
fn origin<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize) -> usize {
    cx.field(&ORIG, buf.span(at, ORIGIN_LEN), Value::None);
    cx.push();
    let port = bytes::be16(buf.bytes, at + 2).unwrap_or(0) ^ 0xffff;
    cx.field(&ORIG_PORT, buf.span(at + 2, 2), Value::U64(port.into()));
    let addr = bytes::array::<4>(buf.bytes, at + 4).unwrap_or_default();
    cx.field(
        &ORIG_ADDR,
        buf.span(at + 4, 4),
        Value::Ipv4(addr.map(|b| !b)),
    );
    cx.pop();
    at + ORIGIN_LEN
}

#[cfg(test)]
mod tests {
    use crate::harness::{Wrap, run_frames};

    /// A bubble after both optional headers: IPv6 with no next header.
    #[test]
    fn headers_then_ipv6() {
        let mut p = vec![0, 1, 2, 1, 0xaa, 0xbb, 0xcc];
        p.extend_from_slice(&[7; 8]); // nonce
        p.push(0); // confirmation
        p.extend_from_slice(&[0, 0, 0xf3, 0xfd, 0x52, 0x26, 0x27, 0x7a]);
        let mut ip6 = vec![0x60, 0, 0, 0, 0, 0, 59, 21];
        ip6.extend_from_slice(&[0x20, 1, 0, 0, 0x0d, 0x5d, 0xa5, 0x99]);
        ip6.extend_from_slice(&[0; 8]);
        ip6.extend_from_slice(&[0xff, 2]);
        ip6.extend_from_slice(&[0; 13]);
        ip6.push(1);
        p.extend_from_slice(&ip6);
        let infos = run_frames(228, &[Wrap::Udp(3544).apply(&p)]);
        assert_eq!(infos, ["IPv6 no next header"]);
    }
}
