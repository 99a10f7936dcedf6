//! PPTP control connection (RFC 2637, TCP port 1723), message by message
//! in a segment: the common header and the fields of the messages VPN
//! set-ups exchange; Info the control message's name, as tshark. (The
//! tunnel's data is GRE carrying PPP, dissected there.)

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static MESSAGE_TYPES: &[(u64, &str)] = &[(1, "Control Message"), (2, "Management Message")];

static CONTROL_TYPES: &[(u64, &str)] = &[
    (1, "Start-Control-Connection-Request"),
    (2, "Start-Control-Connection-Reply"),
    (3, "Stop-Control-Connection-Request"),
    (4, "Stop-Control-Connection-Reply"),
    (5, "Echo-Request"),
    (6, "Echo-Reply"),
    (7, "Outgoing-Call-Request"),
    (8, "Outgoing-Call-Reply"),
    (9, "Incoming-Call-Request"),
    (10, "Incoming-Call-Reply"),
    (11, "Incoming-Call-Connected"),
    (12, "Call-Clear-Request"),
    (13, "Call-Disconnect-Notify"),
    (14, "WAN-Error-Notify"),
    (15, "Set-Link-Info"),
];

crate::fields! {
    LENGTH = FieldDef::new("pptp.length", "Length", T::U16);
    TYPE = FieldDef::new("pptp.type", "Message type", T::U16).names(MESSAGE_TYPES);
    MAGIC_COOKIE = FieldDef::new("pptp.magic_cookie", "Magic Cookie", T::U32).base(Base::Hex);
    CONTROL_TYPE = FieldDef::new("pptp.control_message_type", "Control Message Type", T::U16).names(CONTROL_TYPES);
    HOST_NAME = FieldDef::new("pptp.host_name", "Host Name", T::String);
    VENDOR_NAME = FieldDef::new("pptp.vendor_name", "Vendor Name", T::String);
    CALL_ID = FieldDef::new("pptp.call_id", "Call ID", T::U16);
    PEER_CALL_ID = FieldDef::new("pptp.peer_call_id", "Peer Call ID", T::U16);
}

/// Offsets of the common header, stated once.
mod field {
    pub const LENGTH: usize = 0;
    pub const TYPE: usize = 2;
    pub const COOKIE: usize = 4;
    pub const CONTROL_TYPE: usize = 8;
    pub const HEADER_LEN: usize = 12;
}

const MAGIC: u32 = 0x1a2b_3c4d;
/// Messages read per segment.
const MAX_MESSAGES: usize = 64;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let mut p = 0;
    let mut names = Vec::new();
    for i in 0..MAX_MESSAGES {
        let Some(len) = bytes::be16(b, p + field::LENGTH).map(usize::from) else {
            break;
        };
        let m = bytes::clamp(b, p, len.max(field::HEADER_LEN));
        let span = buf.span(off + p, m.len());
        let label = format_args!("Point-to-Point Tunnelling Protocol");
        if i == 0 {
            cx.layer(&proto::PPTP, span, label);
        } else {
            cx.layer_again(&proto::PPTP, span, label);
        }
        names.push(message(cx, buf, off + p, m));
        cx.end_layer();
        if len < field::HEADER_LEN {
            break;
        }
        p += len;
        if p >= b.len() {
            break;
        }
    }
    cx.set_info(format_args!("{}", names.join(", ")));
    claimed
}

/// One message at `at`: its fields (those the frame holds); its control
/// message type's name.
fn message<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, m: &[u8]) -> String {
    let s = |o: usize, l: usize| buf.span(at + o, l);
    let u16_at = |o: usize| bytes::be16(m, o);
    let number = |cx: &mut Cx<'_, S>, def: &'static FieldDef, o: usize| {
        if let Some(v) = u16_at(o) {
            cx.field(def, s(o, 2), Value::U64(v.into()));
        }
    };
    number(cx, &LENGTH, field::LENGTH);
    number(cx, &TYPE, field::TYPE);
    if let Some(cookie) = bytes::be32(m, field::COOKIE) {
        let state = if cookie == MAGIC {
            "correct"
        } else {
            "incorrect"
        };
        cx.labeled(
            &MAGIC_COOKIE,
            s(field::COOKIE, 4),
            Value::U64(cookie.into()),
            format_args!("Magic Cookie: 0x{cookie:08x} ({state})"),
        );
    }
    number(cx, &CONTROL_TYPE, field::CONTROL_TYPE);
    let kind = u16_at(field::CONTROL_TYPE).unwrap_or(0);
    match kind {
        // Start-Control-Connection-Request/Reply: host and vendor names.
        1 | 2 => {
            for (def, o) in [(&HOST_NAME, 28), (&VENDOR_NAME, 92)] {
                let raw = bytes::clamp(m, o, 64);
                if raw.is_empty() {
                    continue;
                }
                let text = raw.split(|&c| c == 0).next().unwrap_or(&[]);
                cx.field(
                    def,
                    s(o, raw.len()),
                    Value::Str(&crate::bytes::format_text(text)),
                );
            }
        }
        // Outgoing-Call-Request/Reply and the call messages: the call ids.
        7..=13 => {
            number(cx, &CALL_ID, 12);
            if matches!(kind, 8 | 10) {
                number(cx, &PEER_CALL_ID, 14);
            }
        }
        _ => {}
    }
    crate::field::lookup(CONTROL_TYPES, kind.into())
        .unwrap_or("Unknown control type")
        .to_owned()
}
