//! Handshake messages: their framing across records, the hellos, key
//! exchange, certificate requests and session tickets.

use super::*;

/// The handshake messages of a record (after what earlier records began);
/// returns their names and, for a ServerHello, the version it settles on.
pub(super) fn handshake_messages<S: Sink>(
    cx: &mut Cx<'_, S>,
    area: Area<'_>,
    note: &TlsNote,
) -> (Vec<String>, Option<u16>) {
    let joined;
    let area = match &note.carry {
        Carry::None => area,
        Carry::Continued { head, len } => {
            continued_message(cx, area, head, *len);
            return (Vec::new(), None);
        }
        Carry::Whole(carry) => {
            let mut v = carry.clone();
            v.extend_from_slice(area.b);
            joined = v;
            let source = cx.sink.source("Reassembled TLS", &joined).max(1);
            Area {
                buf: Buf::source(&joined, source),
                off: 0,
                b: &joined,
            }
        }
    };
    let mut names = Vec::new();
    let mut learnt = None;
    let b = area.b;
    let mut pos = 0;
    while pos + 4 <= b.len() {
        let t = b[pos];
        let len = u32::from_be_bytes([0, b[pos + 1], b[pos + 2], b[pos + 3]]) as usize;
        let body = b.get(pos + 4..pos + 4 + len);
        let mut name = name_of(HANDSHAKE_TYPES, t.into()).to_string();
        if t == 2 && b.get(pos + 6..pos + 38) == Some(&HRR_RANDOM[..]) {
            name = "Hello Retry Request".into();
        }
        let Some(body) = body else {
            // Continued in the next record.
            cx.text(
                area.span(pos, b.len() - pos),
                format_args!("Handshake Protocol: {name} (fragment)"),
            );
            break;
        };
        cx.sink.field_with_label(
            &HANDSHAKE,
            area.span(pos, 4 + len),
            Value::None,
            Presence::Normal,
            format_args!("Handshake Protocol: {name}"),
        );
        cx.push();
        cx.field(&HS_TYPE, area.span(pos, 1), Value::U64(t.into()));
        cx.field(&HS_LENGTH, area.span(pos + 1, 3), Value::U64(len as u64));
        let m = Area {
            buf: area.buf,
            off: area.off + pos + 4,
            b: body,
        };
        match t {
            1 => hello(cx, m, true, note),
            2 => {
                if let Some(h) = Hello::parse(body, false) {
                    learnt = Some(h.negotiated_version());
                }
                hello(cx, m, false, note)
            }
            4 => new_session_ticket(cx, m, note),
            8 => extensions_block(cx, m, 0, false, false),
            11 if note.version == 0x0304 => certificates13(cx, m),
            11 => certificates(cx, m),
            20 => cx.field(&VERIFY_DATA, m.span(0, body.len()), Value::None),
            24 => {
                if let Some(&r) = body.first() {
                    cx.field(&KEY_UPDATE_REQUEST, m.span(0, 1), Value::U64(r.into()));
                }
            }
            12 => server_key_exchange(cx, m, note),
            13 if note.version == 0x0304 => certificate_request13(cx, m),
            13 => certificate_request(cx, m),
            15 => signature(cx, m, 0, true, note.version != 0 && note.version >= 0x0303),
            16 => client_key_exchange(cx, m, note),
            _ => {}
        }
        cx.pop();
        tls_info(cx, format_args!("{name}"));
        names.push(name);
        pos += 4 + len;
    }
    (names, learnt)
}

/// A record in the middle of a handshake message that earlier records
/// began (`head`: the first bytes of the `len` that came before) and a
/// later one completes: it is named, as the fragment it is.
pub(super) fn continued_message<S: Sink>(
    cx: &mut Cx<'_, S>,
    area: Area<'_>,
    head: &[u8],
    len: u32,
) {
    let mut header = head.to_vec();
    header.extend(area.b.iter().take(4usize.saturating_sub(head.len())));
    if len as usize + area.b.len() < 4 || header.len() < 4 {
        return;
    }
    let name = name_of(HANDSHAKE_TYPES, header[0].into());
    cx.text(
        area.span(0, area.b.len()),
        format_args!("Handshake Protocol: {name} (fragment)"),
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(super) fn hello<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, client: bool, note: &TlsNote) {
    let quic = note.quic;
    let b = m.b;
    let Some(h) = Hello::parse(b, client) else {
        return;
    };
    cx.field(&HS_VERSION, m.span(0, 2), Value::U64(h.version.into()));
    // tshark splits the random into time and bytes unless it knows the
    // hello is TLS 1.3's (a ServerHello says so in supported_versions; a
    // ClientHello after a HelloRetryRequest is in a TLS 1.3 connection).
    if h.is_hrr() {
        cx.labeled(
            &HS_RANDOM,
            m.span(2, 32),
            Value::Bytes(h.random),
            format_args!("Random: {} (HelloRetryRequest magic)", hex(h.random)),
        );
    } else if note.version == 0x0304 || (!client && h.negotiated_version() == 0x0304) {
        cx.field(&HS_RANDOM, m.span(2, 32), Value::Bytes(h.random));
    } else {
        cx.field(&HS_RANDOM, m.span(2, 32), Value::Bytes(h.random));
        cx.push();
        let t = u32::from_be_bytes([h.random[0], h.random[1], h.random[2], h.random[3]]);
        cx.field(
            &HS_RANDOM_TIME,
            m.span(2, 4),
            Value::AbsTime(i64::from(t) * 1_000_000_000),
        );
        cx.field(
            &HS_RANDOM_BYTES,
            m.span(6, 28),
            Value::Bytes(&h.random[4..]),
        );
        cx.pop();
    }
    cx.field(
        &HS_SESSION_ID_LENGTH,
        m.span(34, 1),
        Value::U64(h.session_id.len() as u64),
    );
    let mut p = 35;
    if !h.session_id.is_empty() {
        cx.field(
            &HS_SESSION_ID,
            m.span(p, h.session_id.len()),
            Value::Bytes(h.session_id),
        );
    }
    p += h.session_id.len();
    if client {
        let n = h.ciphers.len() * 2;
        cx.field(&HS_CIPHER_SUITES_LENGTH, m.span(p, 2), Value::U64(n as u64));
        cx.labeled(
            &HS_CIPHERSUITES,
            m.span(p + 2, n),
            Value::None,
            format_args!(
                "Cipher Suites ({} suite{})",
                h.ciphers.len(),
                if h.ciphers.len() == 1 { "" } else { "s" }
            ),
        );
        cx.push();
        for (i, c) in h.ciphers.iter().enumerate() {
            cx.field(
                &HS_CIPHERSUITE,
                m.span(p + 2 + 2 * i, 2),
                Value::U64((*c).into()),
            );
        }
        cx.pop();
        p += 2 + n;
        let n = h.compression.len();
        cx.field(&HS_COMP_METHODS_LENGTH, m.span(p, 1), Value::U64(n as u64));
        cx.labeled(
            &HS_COMP_METHODS,
            m.span(p + 1, n),
            Value::None,
            format_args!(
                "Compression Methods ({n} method{})",
                if n == 1 { "" } else { "s" }
            ),
        );
        cx.push();
        for (i, c) in h.compression.iter().enumerate() {
            cx.field(
                &HS_COMP_METHOD,
                m.span(p + 1 + i, 1),
                Value::U64((*c).into()),
            );
        }
        cx.pop();
        p += 1 + n;
    } else {
        cx.field(&HS_CIPHERSUITE, m.span(p, 2), Value::U64(h.cipher.into()));
        cx.field(
            &HS_COMP_METHOD,
            m.span(p + 2, 1),
            Value::U64(h.compression[0].into()),
        );
        p += 3;
    }
    extensions_block(cx, m, p, client, h.is_hrr());
    let z = m.span(0, 0);
    let full = h.ja3_full();
    if client {
        cx.generated(&JA3_FULL, z, Value::Str(&full));
        cx.generated(&JA3, z, Value::Str(&ja3_hash(&full)));
        let (ja4, ja4_r) = h.ja4(if quic { 'q' } else { 't' });
        cx.generated(&JA4, z, Value::Str(&ja4));
        cx.generated(&JA4_R, z, Value::Str(&ja4_r));
    } else {
        cx.generated(&JA3S_FULL, z, Value::Str(&full));
        cx.generated(&JA3S, z, Value::Str(&ja3_hash(&full)));
    }
}

/// A list of extensions at `m.b[p..]`: its length, then each extension.
fn extensions_block<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, p: usize, client: bool, hrr: bool) {
    let b = m.b;
    let Some(n) = bytes::be16(b, p) else { return };
    cx.field(&HS_EXTENSIONS_LENGTH, m.span(p, 2), Value::U64(n.into()));
    let mut e = p + 2;
    let end = (p + 2 + n as usize).min(b.len());
    while e + 4 <= end {
        let t = u16::from_be_bytes([b[e], b[e + 1]]);
        let l = u16::from_be_bytes([b[e + 2], b[e + 3]]) as usize;
        let d = b.get(e + 4..(e + 4 + l).min(end)).unwrap_or(&[]);
        let ename = if is_grease(t) {
            "Reserved (GREASE)"
        } else {
            name_of(EXTENSION_TYPES, t.into())
        };
        // A text item, as tshark 4.0's (it has no field for the whole
        // extension; its JSON keys it by this label).
        cx.text(
            m.span(e, 4 + d.len()),
            format_args!("Extension: {ename} (len={l})"),
        );
        cx.push();
        cx.field(&EXT_TYPE, m.span(e, 2), Value::U64(t.into()));
        cx.field(&EXT_LEN, m.span(e + 2, 2), Value::U64(l as u64));
        let x = Area {
            buf: m.buf,
            off: m.off + e + 4,
            b: d,
        };
        extension(cx, x, t, client, hrr);
        cx.pop();
        e += 4 + l;
    }
}

/// TLS 1.3's Certificate: a request context, then each certificate with
/// its own extensions (RFC 8446 §4.4.2).
fn certificates13<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    let d = m.b;
    let Some(n) = request_context(cx, m) else {
        return;
    };
    let Some(total) = bytes::be24(d, 1 + n) else {
        return;
    };
    let start = 4 + n;
    cx.field(
        &CERTIFICATES_LENGTH,
        m.span(1 + n, 3),
        Value::U64(total.into()),
    );
    let list_end = (start + total as usize).min(d.len());
    if total == 0 {
        return;
    }
    cx.labeled(
        &CERTIFICATES,
        m.span(start, list_end - start),
        Value::None,
        format_args!("Certificates ({total} bytes)"),
    );
    cx.push();
    let mut o = start;
    while o + 3 <= list_end {
        let len = bytes::be24(d, o).unwrap_or(0) as usize;
        let der = d.get(o + 3..(o + 3 + len).min(list_end)).unwrap_or(&[]);
        cx.field(&CERTIFICATE_LENGTH, m.span(o, 3), Value::U64(len as u64));
        certificate(cx, m, o + 3, der);
        o += 3 + len;
        // The certificate's extensions (OCSP status, SCTs).
        let Some(elen) = bytes::be16(d, o) else { break };
        extensions_block(cx, m, o, false, false);
        o += 2 + usize::from(elen);
    }
    cx.pop();
}

/// A signature: algorithm (TLS 1.2 and later: `with_algorithm`), length,
/// bytes; a CertificateVerify's (`verify`) has fields of its own.
pub(super) fn signature<S: Sink>(
    cx: &mut Cx<'_, S>,
    m: Area<'_>,
    mut o: usize,
    verify: bool,
    with_algorithm: bool,
) {
    let d = m.b;
    if with_algorithm && let Some(a) = bytes::be16(d, o) {
        cx.field(&SIG_HASH_ALG, m.span(o, 2), Value::U64(a.into()));
        cx.push();
        cx.field(&SIG_HASH_HASH, m.span(o, 1), Value::U64((a >> 8).into()));
        cx.field(
            &SIG_HASH_SIG,
            m.span(o + 1, 1),
            Value::U64((a & 0xff).into()),
        );
        cx.pop();
    }
    if with_algorithm {
        o += 2;
    }
    let (len, sig) = if verify {
        (&VERIFY_SIG_LEN, &VERIFY_SIG)
    } else {
        (&SIG_LEN, &SIG)
    };
    if let Some(n) = bytes::be16(d, o) {
        cx.field(len, m.span(o, 2), Value::U64(n.into()));
        let s = d.get(o + 2..o + 2 + n as usize).unwrap_or(&[]);
        cx.field(sig, m.span(o + 2, s.len()), Value::Bytes(s));
    }
}

pub(super) fn kx(note: &TlsNote) -> Option<tls_parser::TlsCipherKx> {
    tls_parser::TlsCipherSuite::from_id(note.cipher).map(|c| c.kx)
}

pub(super) fn server_key_exchange<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    use tls_parser::TlsCipherKx as K;
    let d = m.b;
    match kx(note) {
        Some(K::Ecdhe) | None if d.first() == Some(&3) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("EC Diffie-Hellman Server Params"),
            );
            cx.push();
            cx.field(&SERVER_CURVE_TYPE, m.span(0, 1), Value::U64(3));
            cx.field(
                &SERVER_NAMED_CURVE,
                m.span(1, 2),
                Value::U64(bytes::be16(d, 1).unwrap_or(0).into()),
            );
            let n = bytes::u8_at(d, 3).unwrap_or(0) as usize;
            cx.field(&SERVER_POINT_LEN, m.span(3, 1), Value::U64(n as u64));
            let p = d.get(4..4 + n).unwrap_or(&[]);
            cx.field(&SERVER_POINT, m.span(4, p.len()), Value::Bytes(p));
            signature(cx, m, 4 + n, false, note.version >= 0x0303);
            cx.pop();
        }
        Some(K::Dhe) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("Diffie-Hellman Server Params"),
            );
            cx.push();
            let mut o = 0;
            for (len_def, def) in [(&DH_P_LEN, &DH_P), (&DH_G_LEN, &DH_G), (&DH_YS_LEN, &DH_YS)] {
                o = sized(cx, m, o, len_def, def);
            }
            signature(cx, m, o, false, note.version >= 0x0303);
            cx.pop();
        }
        _ => {}
    }
}

/// A 16-bit length at `o`, then that many bytes; returns where they end.
fn sized<S: Sink>(
    cx: &mut Cx<'_, S>,
    m: Area<'_>,
    o: usize,
    len_def: &'static FieldDef,
    def: &'static FieldDef,
) -> usize {
    let n = bytes::be16(m.b, o).unwrap_or(0) as usize;
    cx.field(len_def, m.span(o, 2), Value::U64(n as u64));
    let v = m.b.get(o + 2..o + 2 + n).unwrap_or(&[]);
    cx.field(def, m.span(o + 2, v.len()), Value::Bytes(v));
    o + 2 + n
}

pub(super) fn client_key_exchange<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    use tls_parser::TlsCipherKx as K;
    let d = m.b;
    match kx(note) {
        Some(K::Rsa) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("RSA Encrypted PreMaster Secret"),
            );
            cx.push();
            sized(cx, m, 0, &EPMS_LEN, &EPMS);
            cx.pop();
        }
        Some(K::Dhe) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("Diffie-Hellman Client Params"),
            );
            cx.push();
            sized(cx, m, 0, &DH_YC_LEN, &DH_YC);
            cx.pop();
        }
        Some(K::Ecdhe) | Some(K::Ecdh) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("EC Diffie-Hellman Client Params"),
            );
            cx.push();
            let n = bytes::u8_at(d, 0).unwrap_or(0) as usize;
            cx.field(&CLIENT_POINT_LEN, m.span(0, 1), Value::U64(n as u64));
            let p = d.get(1..1 + n).unwrap_or(&[]);
            cx.field(&CLIENT_POINT, m.span(1, p.len()), Value::Bytes(p));
            cx.pop();
        }
        _ => {}
    }
}

/// TLS 1.3's CertificateRequest: a context, then extensions (RFC 8446
/// §4.3.2).
fn certificate_request13<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    if let Some(n) = request_context(cx, m) {
        extensions_block(cx, m, 1 + n, false, false);
    }
}

/// TLS 1.3's certificate_request_context at the message's start (its
/// length, then its bytes); returns the length.
fn request_context<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) -> Option<usize> {
    let d = m.b;
    let n = usize::from(*d.first()?);
    cx.field(
        &CERT_REQUEST_CONTEXT_LENGTH,
        m.span(0, 1),
        Value::U64(n as u64),
    );
    if n > 0 {
        let ctx = d.get(1..1 + n).unwrap_or(&[]);
        cx.field(
            &CERT_REQUEST_CONTEXT,
            m.span(1, ctx.len()),
            Value::Bytes(ctx),
        );
    }
    Some(n)
}

pub(super) fn certificate_request<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    let d = m.b;
    let Some(&n) = d.first() else { return };
    cx.field(&CERT_TYPES_COUNT, m.span(0, 1), Value::U64(n.into()));
    let types = d.get(1..1 + usize::from(n)).unwrap_or(&d[1..]);
    cx.labeled(
        &CERT_TYPES,
        m.span(1, types.len()),
        Value::None,
        format_args!(
            "Certificate types ({n} type{})",
            if n == 1 { "" } else { "s" }
        ),
    );
    cx.push();
    for (i, t) in types.iter().enumerate() {
        cx.field(&CERT_TYPE, m.span(1 + i, 1), Value::U64((*t).into()));
    }
    cx.pop();
    let o = 1 + n as usize;
    sig_algs(cx, m, o);
    let o = o + 2 + bytes::be16(d, o).unwrap_or(0) as usize;
    if let Some(l) = bytes::be16(d, o) {
        cx.field(&DNAMES_LEN, m.span(o, 2), Value::U64(l.into()));
    }
}

pub(super) fn new_session_ticket<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    let d = m.b;
    cx.text(m.span(0, d.len()), format_args!("TLS Session Ticket"));
    cx.push();
    let hint = bytes::be32(d, 0).unwrap_or(0);
    cx.labeled(
        &TICKET_LIFETIME,
        m.span(0, 4),
        Value::U64(hint.into()),
        format_args!(
            "Session Ticket Lifetime Hint: {hint} seconds ({})",
            duration_words(hint)
        ),
    );
    let mut o = 4;
    if note.version == 0x0304 {
        cx.field(
            &TICKET_AGE_ADD,
            m.span(4, 4),
            Value::U64(bytes::be32(d, 4).unwrap_or(0).into()),
        );
        let n = bytes::u8_at(d, 8).unwrap_or(0) as usize;
        cx.field(&TICKET_NONCE_LENGTH, m.span(8, 1), Value::U64(n as u64));
        cx.field(
            &TICKET_NONCE,
            m.span(9, n),
            Value::Bytes(d.get(9..9 + n).unwrap_or(&[])),
        );
        o = 9 + n;
    }
    let n = bytes::be16(d, o).unwrap_or(0) as usize;
    cx.field(&TICKET_LENGTH, m.span(o, 2), Value::U64(n as u64));
    let t = d.get(o + 2..o + 2 + n).unwrap_or(&[]);
    cx.field(&TICKET, m.span(o + 2, t.len()), Value::Bytes(t));
    if note.version == 0x0304 {
        extensions_block(cx, m, o + 2 + n, false, false);
    }
    cx.pop();
}

/// Seconds as tshark words a duration: "1 day, 3 hours, 46 minutes, 40
/// seconds", leaving out the zero parts ("0 seconds" for none).
fn duration_words(secs: u32) -> String {
    let parts = [
        (secs / 86_400, "day"),
        (secs / 3_600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".into()
    } else {
        words.join(", ")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_tsharks() {
        assert_eq!(
            super::duration_words(100_000),
            "1 day, 3 hours, 46 minutes, 40 seconds"
        );
        assert_eq!(super::duration_words(7200), "2 hours");
        assert_eq!(super::duration_words(0), "0 seconds");
    }
}
