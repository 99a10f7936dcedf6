//! Hello extensions, each with tshark's fields.

use super::*;

/// Extension `t`'s data (`x`), by type; one too short for its fields shows
/// as data or nothing, as tshark.
pub(super) fn extension<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, t: u16, client: bool, hrr: bool) {
    let d = x.b;
    let u16_at = |o: usize| bytes::be16(d, o).unwrap_or(0);
    match t {
        0 if d.len() >= 5 => server_name(cx, x),
        10 if d.len() >= 2 => supported_groups(cx, x),
        11 if !d.is_empty() => ec_point_formats(cx, x),
        13 if d.len() >= 2 => sig_algs(cx, x, 0),
        16 if d.len() >= 2 => alpn(cx, x),
        43 => supported_versions(cx, x, client),
        51 => key_share(cx, x, client, hrr),
        41 => {
            cx.text(x.span(0, d.len()), format_args!("Pre-Shared Key extension"));
            cx.push();
            if client && d.len() >= 2 {
                pre_shared_key_offer(cx, x);
            } else if d.len() >= 2 {
                cx.field(&PSK_SELECTED, x.span(0, 2), Value::U64(u16_at(0).into()));
            }
            cx.pop();
        }
        5 if client && d.len() >= 5 => status_request(cx, x),
        45 if !d.is_empty() => {
            cx.field(&PSK_KE_MODES_LENGTH, x.span(0, 1), Value::U64(d[0].into()));
            for (i, m) in d[1..].iter().take(usize::from(d[0])).enumerate() {
                cx.field(&PSK_KE_MODE, x.span(1 + i, 1), Value::U64((*m).into()));
            }
        }
        27 if !d.is_empty() => {
            cx.field(&COMPRESS_ALGS_LENGTH, x.span(0, 1), Value::U64(d[0].into()));
            let list = d.get(1..1 + usize::from(d[0])).unwrap_or(&d[1..]);
            for (i, a) in list.chunks_exact(2).enumerate() {
                let v = u16::from_be_bytes([a[0], a[1]]);
                cx.field(&COMPRESS_ALG, x.span(1 + 2 * i, 2), Value::U64(v.into()));
            }
        }
        15 if !d.is_empty() => cx.field(&HEARTBEAT_MODE, x.span(0, 1), Value::U64(d[0].into())),
        28 if d.len() >= 2 => {
            let limit = Value::U64(u16_at(0).into());
            cx.field(&RECORD_SIZE_LIMIT, x.span(0, 2), limit);
        }
        44 if d.len() >= 2 => {
            cx.field(&COOKIE_LEN, x.span(0, 2), Value::U64(u16_at(0).into()));
            cx.field(&COOKIE, x.span(2, d.len() - 2), Value::Bytes(&d[2..]));
        }
        65281 if !d.is_empty() => {
            let all = x.span(0, d.len());
            cx.text(all, format_args!("Renegotiation Info extension"));
            cx.push();
            cx.field(&RENEG_LEN, x.span(0, 1), Value::U64(d[0].into()));
            cx.pop();
        }
        21 => cx.field(&PADDING, x.span(0, d.len()), Value::Bytes(d)),
        57 => transport_parameters::dissect(cx, d, &|o, n| x.span(o, n)),
        // tshark words the ticket by its size, also an empty one.
        35 => cx.labeled(
            &EXT_DATA,
            x.span(0, d.len()),
            Value::Bytes(d),
            format_args!(
                "Data ({} byte{})",
                d.len(),
                if d.len() == 1 { "" } else { "s" }
            ),
        ),
        // An extension tshark does not know shows its data, also none
        // ("<MISSING>"); those it knows to be empty show nothing.
        _ if is_grease(t) => cx.field(&EXT_DATA, x.span(0, d.len()), Value::Bytes(d)),
        _ => {
            if !d.is_empty() {
                cx.field(&EXT_DATA, x.span(0, d.len()), Value::Bytes(d));
            }
        }
    }
}

/// server_name (0): the list of names, each with its type and length.
fn server_name<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    let u16_at = |o: usize| bytes::be16(d, o).unwrap_or(0);
    let all = x.span(0, d.len());
    cx.text(all, format_args!("Server Name Indication extension"));
    cx.push();
    cx.field(&SNI_LIST_LEN, x.span(0, 2), Value::U64(u16_at(0).into()));
    let mut o = 2;
    while o + 3 <= d.len() {
        let n = u16_at(o + 1) as usize;
        let name = d.get(o + 3..o + 3 + n).unwrap_or(&[]);
        cx.field(&SNI_TYPE, x.span(o, 1), Value::U64(d[o].into()));
        cx.field(&SNI_LEN, x.span(o + 1, 2), Value::U64(n as u64));
        let text = String::from_utf8_lossy(name);
        cx.field(&SNI, x.span(o + 3, name.len()), Value::Str(&text));
        o += 3 + n;
    }
    cx.pop();
}

/// supported_groups (10).
fn supported_groups<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    let n = bytes::be16(d, 0).unwrap_or(0) as usize;
    cx.field(&GROUPS_LENGTH, x.span(0, 2), Value::U64(n as u64));
    let list = d.get(2..2 + n).unwrap_or(&d[2..]);
    cx.labeled(
        &GROUPS_LIST,
        x.span(2, list.len()),
        Value::None,
        format_args!(
            "Supported Groups ({} group{})",
            list.len() / 2,
            if list.len() == 2 { "" } else { "s" }
        ),
    );
    cx.push();
    for (i, g) in list.chunks_exact(2).enumerate() {
        let group = Value::U64(u16::from_be_bytes([g[0], g[1]]).into());
        cx.field(&GROUP, x.span(2 + 2 * i, 2), group);
    }
    cx.pop();
}

/// ec_point_formats (11).
fn ec_point_formats<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    let n = d[0] as usize;
    cx.field(&EC_FORMATS_LENGTH, x.span(0, 1), Value::U64(n as u64));
    let list = d.get(1..1 + n).unwrap_or(&d[1..]);
    cx.labeled(
        &EC_FORMATS,
        x.span(1, list.len()),
        Value::None,
        format_args!("Elliptic curves point formats ({})", list.len()),
    );
    cx.push();
    for (i, f) in list.iter().enumerate() {
        cx.field(&EC_FORMAT, x.span(1 + i, 1), Value::U64((*f).into()));
    }
    cx.pop();
}

/// application_layer_protocol_negotiation (16): the protocol names.
fn alpn<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    let len = bytes::be16(d, 0).unwrap_or(0);
    cx.field(&ALPN_LEN, x.span(0, 2), Value::U64(len.into()));
    let list = x.span(2, d.len() - 2);
    cx.labeled(&ALPN_LIST, list, Value::None, format_args!("ALPN Protocol"));
    cx.push();
    let mut o = 2;
    while let Some(&n) = d.get(o) {
        let s = d.get(o + 1..o + 1 + n as usize).unwrap_or(&[]);
        cx.field(&ALPN_STR_LEN, x.span(o, 1), Value::U64(n.into()));
        let text = String::from_utf8_lossy(s);
        cx.field(&ALPN_STR, x.span(o + 1, s.len()), Value::Str(&text));
        o += 1 + n as usize;
    }
    cx.pop();
}

/// supported_versions (43): a client's list, or the server's choice.
fn supported_versions<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, client: bool) {
    let d = x.b;
    if client && !d.is_empty() {
        let len = Value::U64(d[0].into());
        cx.field(&SUPPORTED_VERSIONS_LEN, x.span(0, 1), len);
        for (i, v) in d[1..].chunks_exact(2).enumerate() {
            let version = Value::U64(u16::from_be_bytes([v[0], v[1]]).into());
            cx.field(&SUPPORTED_VERSION, x.span(1 + 2 * i, 2), version);
        }
    } else if let Some(v) = bytes::be16(d, 0) {
        cx.field(&SUPPORTED_VERSION, x.span(0, 2), Value::U64(v.into()));
    }
}

/// key_share (51): a client's shares, a HelloRetryRequest's group, or the
/// server's share.
fn key_share<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, client: bool, hrr: bool) {
    let d = x.b;
    cx.text(x.span(0, d.len()), format_args!("Key Share extension"));
    cx.push();
    match bytes::be16(d, 0) {
        Some(len) if client => {
            let len = Value::U64(len.into());
            cx.field(&KEY_SHARE_CLIENT_LENGTH, x.span(0, 2), len);
            let mut o = 2;
            while o + 4 <= d.len() {
                o = key_share_entry(cx, x, o);
            }
        }
        Some(group) if hrr => {
            let group = Value::U64(group.into());
            cx.field(&KEY_SHARE_SELECTED_GROUP, x.span(0, 2), group);
        }
        _ if !client && !hrr && d.len() >= 4 => {
            key_share_entry(cx, x, 0);
        }
        _ => {}
    }
    cx.pop();
}

/// status_request (5) in a ClientHello: OCSP with responder IDs and
/// extensions' lengths.
fn status_request<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    cx.field(&STATUS_REQUEST_TYPE, x.span(0, 1), Value::U64(d[0].into()));
    let ids = bytes::be16(d, 1).unwrap_or(0);
    cx.field(
        &STATUS_REQUEST_IDS_LEN,
        x.span(1, 2),
        Value::U64(ids.into()),
    );
    let at = 3 + usize::from(ids);
    if let Some(n) = bytes::be16(d, at) {
        cx.field(
            &STATUS_REQUEST_EXTS_LEN,
            x.span(at, 2),
            Value::U64(n.into()),
        );
    }
}

/// A ClientHello's pre_shared_key: the identities offered, then the
/// binders (RFC 8446 §4.2.11).
fn pre_shared_key_offer<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>) {
    let d = x.b;
    let n = bytes::be16(d, 0).unwrap_or(0) as usize;
    cx.field(&PSK_IDENTITIES_LENGTH, x.span(0, 2), Value::U64(n as u64));
    let mut o = 2;
    while o + 2 <= (2 + n).min(d.len()) {
        let l = bytes::be16(d, o).unwrap_or(0) as usize;
        let id = d.get(o + 2..o + 2 + l).unwrap_or(&[]);
        cx.text(
            x.span(o, (2 + l + 4).min(d.len() - o)),
            format_args!("PSK Identity (length: {l})"),
        );
        cx.push();
        cx.field(&PSK_IDENTITY_LENGTH, x.span(o, 2), Value::U64(l as u64));
        cx.field(&PSK_IDENTITY, x.span(o + 2, id.len()), Value::Bytes(id));
        cx.field(
            &PSK_AGE,
            x.span(o + 2 + l, 4),
            Value::U64(bytes::be32(d, o + 2 + l).unwrap_or(0).into()),
        );
        cx.pop();
        o += 2 + l + 4;
    }
    if let Some(b) = bytes::be16(d, 2 + n) {
        cx.field(&PSK_BINDERS_LEN, x.span(2 + n, 2), Value::U64(b.into()));
        let binders = d.get(4 + n..).unwrap_or(&[]);
        cx.field(&PSK_BINDERS, x.span(4 + n, binders.len()), Value::None);
    }
}

pub(super) fn key_share_entry<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, o: usize) -> usize {
    let d = x.b;
    let g = bytes::be16(d, o).unwrap_or(0);
    let n = bytes::be16(d, o + 2).unwrap_or(0) as usize;
    let key = d.get(o + 4..o + 4 + n).unwrap_or(&[]);
    cx.text(
        x.span(o, 4 + key.len()),
        format_args!(
            "Key Share Entry: Group: {}, Key Exchange length: {n}",
            name_of(GROUPS, g.into())
        ),
    );
    cx.push();
    cx.field(&KEY_SHARE_GROUP, x.span(o, 2), Value::U64(g.into()));
    cx.field(
        &KEY_SHARE_KEX_LENGTH,
        x.span(o + 2, 2),
        Value::U64(n as u64),
    );
    cx.field(&KEY_SHARE_KEX, x.span(o + 4, key.len()), Value::Bytes(key));
    cx.pop();
    o + 4 + n
}

/// A signature_algorithms list at `o` (length first).
pub(super) fn sig_algs<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, o: usize) {
    let d = x.b;
    let n = bytes::be16(d, o).unwrap_or(0) as usize;
    cx.field(&SIG_HASH_ALG_LEN, x.span(o, 2), Value::U64(n as u64));
    let list = d.get(o + 2..o + 2 + n).unwrap_or(&[]);
    cx.labeled(
        &SIG_HASH_ALGS,
        x.span(o + 2, list.len()),
        Value::None,
        format_args!(
            "Signature Hash Algorithms ({} algorithm{})",
            list.len() / 2,
            if list.len() == 2 { "" } else { "s" }
        ),
    );
    cx.push();
    for (i, a) in list.chunks_exact(2).enumerate() {
        let s = x.span(o + 2 + 2 * i, 2);
        cx.field(
            &SIG_HASH_ALG,
            s,
            Value::U64(u16::from_be_bytes([a[0], a[1]]).into()),
        );
        cx.push();
        cx.field(
            &SIG_HASH_HASH,
            x.span(o + 2 + 2 * i, 1),
            Value::U64(a[0].into()),
        );
        cx.field(
            &SIG_HASH_SIG,
            x.span(o + 3 + 2 * i, 1),
            Value::U64(a[1].into()),
        );
        cx.pop();
    }
    cx.pop();
}
