//! QUIC (RFC 9000, 9001; version 2, RFC 9369), on UDP port 443 and, by a
//! heuristic, wherever a long header of a known version or a short header
//! of a connection already seen comes. The analysis
//! ([`connection::QuicConnections`], state of QUIC's own) finds each
//! packet's connection and opens it: Initial packets with keys from the
//! client's Destination Connection ID, the rest with a TLS key log. The
//! dissector shows the headers, the frames of what was opened and, in
//! CRYPTO frames, the TLS handshake; Info as tshark 4.0 writes it.

pub mod connection;
pub mod frames;
pub mod header;
pub mod protection;

use std::any::Any;
use std::fmt::Write as _;

use connection::{DatagramQuestion, Opened, PacketNote, QuicAnswer, QuicConnections};
use header::{LongHeader, LongType};

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, OwnAnalysis, OwnState, Shared};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    CONNECTION_NUMBER = FieldDef::new("quic.connection.number", "Connection Number", T::U32);
    PACKET_LENGTH = FieldDef::new("quic.packet_length", "Packet Length", T::U32);
    HEADER_FORM = FieldDef::new("quic.header_form", "Header Form", T::U8).mask(0x80).names(HEADER_FORMS);
    FIXED_BIT = FieldDef::new("quic.fixed_bit", "Fixed Bit", T::Boolean).mask(0x40);
    LONG_TYPE = FieldDef::new("quic.long.packet_type", "Packet Type", T::U8).mask(0x30).names(LONG_TYPES);
    LONG_TYPE_V2 = FieldDef::new("quic.long.packet_type_v2", "Packet Type", T::U8).mask(0x30).names(LONG_TYPES_V2);
    LONG_RESERVED = FieldDef::new("quic.long.reserved", "Reserved", T::U8).mask(0x0c);
    PN_LENGTH = FieldDef::new("quic.packet_number_length", "Packet Number Length", T::U8).mask(0x03).names(PN_LENGTHS);
    VERSION = FieldDef::new("quic.version", "Version", T::U32).base(Base::Hex);
    DCIL = FieldDef::new("quic.dcil", "Destination Connection ID Length", T::U8);
    DCID = FieldDef::new("quic.dcid", "Destination Connection ID", T::Bytes);
    SCIL = FieldDef::new("quic.scil", "Source Connection ID Length", T::U8);
    SCID = FieldDef::new("quic.scid", "Source Connection ID", T::Bytes);
    TOKEN_LENGTH = FieldDef::new("quic.token_length", "Token Length", T::U64);
    TOKEN = FieldDef::new("quic.token", "Token", T::Bytes);
    LENGTH = FieldDef::new("quic.length", "Length", T::U64);
    PACKET_NUMBER = FieldDef::new("quic.packet_number", "Packet Number", T::U64);
    PAYLOAD = FieldDef::new("quic.payload", "Payload", T::Bytes);
    PROTECTED_PAYLOAD = FieldDef::new("quic.protected_payload", "Protected Payload", T::Bytes);
    SHORT = FieldDef::new("quic.short", "QUIC Short Header", T::None);
    SPIN_BIT = FieldDef::new("quic.spin_bit", "Spin Bit", T::Boolean).mask(0x20);
    SHORT_RESERVED = FieldDef::new("quic.short.reserved", "Reserved", T::U8).mask(0x18);
    KEY_PHASE = FieldDef::new("quic.key_phase", "Key Phase Bit", T::Boolean).mask(0x04);
    RETRY_TOKEN = FieldDef::new("quic.retry_token", "Retry Token", T::Bytes);
    RETRY_TAG = FieldDef::new("quic.retry_integrity_tag", "Retry Integrity Tag", T::Bytes);
    SUPPORTED_VERSION = FieldDef::new("quic.supported_version", "Supported Version", T::U32).base(Base::DecHex);
    VN_UNUSED = FieldDef::new("quic.vn.unused", "Unused", T::U8).mask(0x7f);
}

static HEADER_FORMS: &[(u64, &str)] = &[(0, "Short Header"), (1, "Long Header")];
static LONG_TYPES: &[(u64, &str)] = &[(0, "Initial"), (1, "0-RTT"), (2, "Handshake"), (3, "Retry")];
static LONG_TYPES_V2: &[(u64, &str)] =
    &[(0, "Retry"), (1, "Initial"), (2, "0-RTT"), (3, "Handshake")];
static PN_LENGTHS: &[(u64, &str)] = &[
    (0, "1 bytes"),
    (1, "2 bytes"),
    (2, "3 bytes"),
    (3, "4 bytes"),
];

pub static DECRYPTION_FAILED: ExpertDef = ExpertDef::new(
    "quic.decryption_failed",
    Severity::Warning,
    Group::Decryption,
    "Failed to decrypt handshake",
);
pub static RETRY_TAG_INCORRECT: ExpertDef = ExpertDef::new(
    "quic.retry_integrity_tag.incorrect",
    Severity::Warning,
    Group::Checksum,
    "Retry Integrity Tag does not match",
);
pub static PADDING_AFTER: ExpertDef = ExpertDef::new(
    "quic.coalesced_padding_data",
    Severity::Note,
    Group::Protocol,
    "(Random) padding data appended to the datagram",
);

/// QUIC's state in the analysis: every connection of the capture.
pub static ANALYSIS: OwnAnalysis = OwnAnalysis {
    proto: proto::QUIC.id,
    new: new_state,
    answer,
};

fn new_state() -> OwnState {
    Box::new(QuicConnections::default())
}

fn answer(
    state: &mut OwnState,
    shared: &Shared<'_>,
    asks: &dyn Any,
    bytes: &[u8],
    out: &mut dyn Any,
) {
    let (Some(s), Some(q), Some(out)) = (
        state.downcast_mut::<QuicConnections>(),
        asks.downcast_ref::<DatagramQuestion>(),
        out.downcast_mut::<QuicAnswer>(),
    ) else {
        return;
    };
    *out = s.answer(shared, q, bytes);
}

/// On UDP port 443: every datagram is QUIC.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    dissect_datagram(cx, buf, off, true)
}

/// Elsewhere: a long header of a version this reads, or a short header of
/// a connection the analysis knows (the analysis declines the others).
pub fn heuristic<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    // The fixed bit may be greased (RFC 9287): only the form bit counts.
    let long = b.len() >= 5
        && b[0] & 0x80 != 0
        && header::known_version(u32::from_be_bytes([b[1], b[2], b[3], b[4]]));
    let short = b.len() > 20 && b[0] & 0x80 == 0;
    if !long && !short {
        return 0;
    }
    dissect_datagram(cx, buf, off, false)
}

fn dissect_datagram<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, on_port: bool) -> usize {
    let b = buf.rest(off);
    let Some(at) = cx.transport_at() else {
        return 0;
    };
    let (sport, dport) = match cx.pi.transport {
        crate::packet::Transport::Udp(d) => (d.src_port, d.dst_port),
        _ => (0, 0),
    };
    let q = DatagramQuestion {
        at,
        sport,
        dport,
        on_port,
    };
    let answer: QuicAnswer = if at.quoted {
        QuicAnswer::default()
    } else {
        cx.state.ask_own(&ANALYSIS, &q, b)
    };
    if answer.packets.is_empty() && !on_port {
        return 0;
    }
    let mut end = 0;
    if answer.packets.is_empty() {
        // No analysis (a stateless dissection): the first long header.
        let note = unanalysed(b);
        end = show_packet(cx, buf, off, &note, true);
    }
    for (i, note) in answer.packets.iter().enumerate() {
        end = show_packet(cx, buf, off, note, i == 0);
    }
    if end < b.len() {
        // tshark lists quic once per datagram, whatever it holds.
        cx.layer_again(
            &proto::QUIC,
            buf.span(off + end, b.len() - end),
            format_args!("QUIC IETF"),
        );
        cx.expert(
            &PADDING_AFTER,
            buf.span(off + end, b.len() - end),
            format_args!("(Random) padding data appended to the datagram"),
        );
        cx.end_layer();
    }
    b.len()
}

/// A packet seen without the analysis: its header only.
fn unanalysed(b: &[u8]) -> PacketNote {
    let len = LongHeader::parse(b).map_or(b.len(), |h| h.end);
    PacketNote {
        start: 0,
        len: len as u32,
        first: b.first().copied().unwrap_or(0),
        pn: None,
        pn_len: 0,
        dcid_len: 0,
        connection: u32::MAX,
        from_server: false,
        opened: Opened::NoKey,
        handshake: Vec::new(),
        http3: Vec::new(),
    }
}

/// A field's value from the byte or integer it lies in: masked fields
/// hold their bits, shifted down (a flag: whether it is set).
fn bits(def: &FieldDef, v: u64) -> Value<'static> {
    if def.mask == 0 {
        return Value::U64(v);
    }
    let b = v & def.mask;
    if def.ftype == T::Boolean {
        Value::Bool(b != 0)
    } else {
        Value::U64(b >> def.mask.trailing_zeros())
    }
}

/// Bytes `o..o + n` of the packet at `at` (of `len` bytes), cut at its
/// end: a hostile length never makes a span past the packet.
fn clamped(buf: Buf<'_>, at: usize, len: usize, o: usize, n: usize) -> crate::sink::Span {
    let o = o.min(len);
    buf.span(at + o, n.min(len - o))
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Shows one packet; returns where it ends in the datagram.
fn show_packet<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    note: &PacketNote,
    first_in_datagram: bool,
) -> usize {
    let start = note.start as usize;
    let end = start + note.len as usize;
    let p = buf.get(off + start, note.len as usize);
    let at = off + start;
    let span = buf.span(at, p.len());
    if first_in_datagram {
        cx.layer(&proto::QUIC, span, format_args!("QUIC IETF"));
    } else {
        cx.layer_again(&proto::QUIC, span, format_args!("QUIC IETF"));
    }
    if note.connection != u32::MAX && first_in_datagram {
        cx.pi
            .connection
            .get_or_insert(crate::packet::ConnectionRef {
                proto: proto::QUIC.id,
                number: note.connection,
                from_server: note.from_server,
            });
        cx.text(buf.span(at, 0), format_args!("QUIC Connection information"));
        cx.push();
        cx.generated(
            &CONNECTION_NUMBER,
            buf.span(at, 0),
            Value::U64(note.connection.into()),
        );
        cx.pop();
    }
    cx.generated(&PACKET_LENGTH, buf.span(at, 0), Value::U64(p.len() as u64));
    let first = note.first;
    let version = p
        .get(1..5)
        .map_or(0, |v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
    let is_long = first & 0x80 != 0;
    if is_long && p.len() < 7 {
        // Too short for any long header: only its bytes.
        cx.field(&PROTECTED_PAYLOAD, buf.span(at, p.len()), Value::Bytes(p));
    } else if is_long && version == 0 {
        version_negotiation(cx, buf, at, p);
    } else if is_long {
        long_packet(cx, buf, at, p, note, version);
    } else {
        short_packet(cx, buf, at, p, note);
    }
    cx.end_layer();
    end
}

fn long_packet<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    p: &[u8],
    note: &PacketNote,
    version: u32,
) {
    let Some(h) = LongHeader::parse(p) else {
        return;
    };
    let f = u64::from(note.first);
    let s = |o: usize, n: usize| clamped(buf, at, p.len(), o, n);
    cx.field(&HEADER_FORM, s(0, 1), bits(&HEADER_FORM, f));
    if h.kind != LongType::Retry {
        cx.field(&FIXED_BIT, s(0, 1), Value::Bool(f & 0x40 != 0));
    }
    let type_field = if version == header::V2 {
        &LONG_TYPE_V2
    } else {
        &LONG_TYPE
    };
    cx.field(type_field, s(0, 1), bits(type_field, f));
    let unprotected = note.pn.is_some() || h.kind == LongType::Retry;
    if unprotected && h.kind != LongType::Retry {
        cx.field(&LONG_RESERVED, s(0, 1), bits(&LONG_RESERVED, f));
        cx.field(&PN_LENGTH, s(0, 1), bits(&PN_LENGTH, f));
    }
    cx.field(&VERSION, s(1, 4), Value::U64(version.into()));
    let (d, dl) = h.dcid;
    let (sc, sl) = h.scid;
    cx.field(&DCIL, s(5, 1), Value::U64(dl as u64));
    if dl > 0 {
        cx.field(&DCID, s(d, dl), Value::Bytes(&p[d..d + dl]));
    }
    cx.field(&SCIL, s(sc - 1, 1), Value::U64(sl as u64));
    if sl > 0 {
        cx.field(&SCID, s(sc, sl), Value::Bytes(&p[sc..sc + sl]));
    }
    cx.set_info(format_args!(
        "{}, DCID={}, SCID={}",
        h.kind.name(),
        hex(&p[d..d + dl]),
        hex(&p[sc..sc + sl])
    ));
    if h.kind == LongType::Retry {
        let tag_at = p.len().saturating_sub(16).max(h.pn_offset);
        cx.field(
            &RETRY_TOKEN,
            s(h.pn_offset, tag_at - h.pn_offset),
            Value::Bytes(&p[h.pn_offset..tag_at]),
        );
        let verdict = match note.opened {
            Opened::Plain(_) => " [verified]",
            Opened::Failed => " [incorrect]",
            Opened::NoKey => "",
        };
        cx.labeled(
            &RETRY_TAG,
            s(tag_at, p.len() - tag_at),
            Value::Bytes(&p[tag_at..]),
            format_args!("Retry Integrity Tag: {}{verdict}", hex(&p[tag_at..])),
        );
        if matches!(note.opened, Opened::Failed) {
            cx.expert(
                &RETRY_TAG_INCORRECT,
                s(tag_at, p.len() - tag_at),
                format_args!("Retry Integrity Tag does not match the original DCID"),
            );
        }
        return;
    }
    if let Some((t, n, len)) = h.token {
        cx.field(&TOKEN_LENGTH, s(t, n), Value::U64(len as u64));
        if len > 0 {
            let tok = crate::bytes::clamp(p, t + n, len);
            cx.field(&TOKEN, s(t + n, tok.len()), Value::Bytes(tok));
        }
    }
    if let Some((l, n, len)) = h.length {
        cx.field(&LENGTH, s(l, n), Value::U64(len));
    }
    payload(cx, buf, at, p, note, h.pn_offset);
}

fn short_packet<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, p: &[u8], note: &PacketNote) {
    let f = u64::from(note.first);
    let s = |o: usize, n: usize| clamped(buf, at, p.len(), o, n);
    cx.field(&HEADER_FORM, s(0, 1), bits(&HEADER_FORM, f));
    cx.field(&FIXED_BIT, s(0, 1), Value::Bool(f & 0x40 != 0));
    cx.field(&SPIN_BIT, s(0, 1), Value::Bool(f & 0x20 != 0));
    if note.pn.is_some() {
        cx.field(&SHORT_RESERVED, s(0, 1), bits(&SHORT_RESERVED, f));
        cx.field(&KEY_PHASE, s(0, 1), Value::Bool(f & 0x04 != 0));
        cx.field(&PN_LENGTH, s(0, 1), bits(&PN_LENGTH, f));
    }
    let dl = usize::from(note.dcid_len).min(p.len().saturating_sub(1));
    if dl > 0 {
        cx.field(&DCID, s(1, dl), Value::Bytes(&p[1..1 + dl]));
    }
    cx.set_info(format_args!(
        "Protected Payload (KP{}), DCID={}",
        // tshark says KP0 for a packet whose header it could not open.
        u8::from(note.pn.is_some() && note.first & 0x04 != 0),
        hex(&p[1..1 + dl])
    ));
    payload(cx, buf, at, p, note, 1 + dl);
}

/// The packet number and the payload: its frames when it was opened.
fn payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    p: &[u8],
    note: &PacketNote,
    pn_offset: usize,
) {
    let s = |o: usize, n: usize| clamped(buf, at, p.len(), o, n);
    let Some(pn) = note.pn else {
        let rest = p.get(pn_offset..).unwrap_or(&[]);
        cx.field(
            &PROTECTED_PAYLOAD,
            s(pn_offset, rest.len()),
            Value::Bytes(rest),
        );
        return;
    };
    let pn_len = usize::from(note.pn_len);
    cx.field(&PACKET_NUMBER, s(pn_offset, pn_len), Value::U64(pn));
    let body = pn_offset + pn_len;
    let rest = p.get(body..).unwrap_or(&[]);
    // tshark names a short header's payload "protected" even opened.
    let field = if p[0] & 0x80 == 0 {
        &PROTECTED_PAYLOAD
    } else {
        &PAYLOAD
    };
    cx.field(field, s(body, rest.len()), Value::Bytes(rest));
    cx.append_info(format_args!(", PKN: {pn}"));
    match &note.opened {
        Opened::Plain(plain) => {
            let source = cx.sink.source("Decrypted QUIC", plain);
            frames_of(cx, Buf::source(plain, source), note);
        }
        Opened::Failed => {
            cx.expert(
                &DECRYPTION_FAILED,
                s(body, rest.len()),
                format_args!("Failed to decrypt handshake"),
            );
        }
        Opened::NoKey => {}
    }
}

/// The frames of a decrypted payload.
fn frames_of<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, note: &PacketNote) {
    let plain = buf.bytes;
    let mut at = 0;
    let mut crypto = 0u32;
    let mut streams = 0u32;
    // One list for every frame of the packet, emptied for each.
    let mut fields: Vec<(&'static FieldDef, usize, usize, u64)> = Vec::new();
    while at < plain.len() {
        fields.clear();
        let Some(f) = frames::read_frame(plain, at, &mut |d, a, n, v| fields.push((d, a, n, v)))
        else {
            break;
        };
        let name = crate::field::lookup(frames::FRAME_TYPES, f.ty).unwrap_or("Unknown");
        cx.sink.field_with_label(
            &frames::FRAME,
            buf.span(at, f.end - at),
            Value::None,
            crate::sink::Presence::Normal,
            format_args!("{name}"),
        );
        cx.push();
        for &(def, a, n, v) in &fields {
            let value = match def.ftype {
                T::Bytes => Value::Bytes(&plain[a..a + n]),
                T::String => Value::Str(std::str::from_utf8(&plain[a..a + n]).unwrap_or("")),
                T::None => Value::None,
                _ => bits(def, v),
            };
            if std::ptr::eq(def, &frames::PADDING_LENGTH) {
                cx.generated(def, buf.span(a, n), value);
            } else {
                cx.field(def, buf.span(a, n), value);
            }
        }
        if let Some(i) = frames::info(&f) {
            cx.append_info(format_args!(", {i}"));
        }
        if f.ty == 0x06 {
            crypto_handshake(cx, buf, &f, crypto, note);
            crypto += 1;
        }
        if (0x08..=0x0f).contains(&f.ty) {
            if let (Some(h), Some((d, n))) =
                (note.http3.iter().find(|h| h.frame == streams), f.data)
            {
                crate::http3::stream_data(cx, buf, d, n, h.view, &h.sections);
            }
            streams += 1;
        }
        cx.pop();
        at = f.end;
    }
}

/// The TLS handshake messages a CRYPTO frame completes, in place or
/// reassembled from earlier frames. TLS writes nothing to Info here, as
/// in tshark (the column is not writable while QUIC calls it).
fn crypto_handshake<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    f: &frames::FrameRead,
    index: u32,
    note: &PacketNote,
) {
    let Some((data, _)) = f.data else {
        return;
    };
    let info = cx.pi.info.clone();
    let protocol = cx.pi.protocol.clone();
    for h in note.handshake.iter().filter(|h| h.frame == index) {
        match h.in_frame {
            Some(o) => {
                crate::tls::handshake_without_records(cx, buf, data + o as usize, h.len as usize)
            }
            None => {
                let source = cx.sink.source("Reassembled CRYPTO", &h.bytes);
                let b = Buf::source(&h.bytes, source);
                crate::tls::handshake_without_records(cx, b, 0, h.bytes.len());
            }
        }
    }
    cx.pi.info = info;
    cx.pi.protocol = protocol;
}

fn version_negotiation<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, p: &[u8]) {
    let s = |o: usize, n: usize| clamped(buf, at, p.len(), o, n);
    let f = u64::from(p[0]);
    cx.field(&HEADER_FORM, s(0, 1), bits(&HEADER_FORM, f));
    cx.field(&VN_UNUSED, s(0, 1), bits(&VN_UNUSED, f));
    cx.field(&VERSION, s(1, 4), Value::U64(0));
    let dl = usize::from(*p.get(5).unwrap_or(&0));
    let dcid = crate::bytes::clamp(p, 6, dl);
    cx.field(&DCIL, s(5, 1), Value::U64(dl as u64));
    cx.field(&DCID, s(6, dcid.len()), Value::Bytes(dcid));
    let sl_at = 6 + dl;
    let sl = usize::from(*p.get(sl_at).unwrap_or(&0));
    let scid = crate::bytes::clamp(p, sl_at + 1, sl);
    cx.field(&SCIL, s(sl_at, 1), Value::U64(sl as u64));
    cx.field(&SCID, s(sl_at + 1, scid.len()), Value::Bytes(scid));
    cx.set_info(format_args!(
        "Version Negotiation, DCID={}, SCID={}",
        hex(dcid),
        hex(scid)
    ));
    let mut o = sl_at + 1 + sl;
    while let Some(v) = p.get(o..o + 4) {
        let v = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
        cx.field(&SUPPORTED_VERSION, s(o, 4), Value::U64(v.into()));
        o += 4;
    }
}
