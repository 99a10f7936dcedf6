//! TFTP (RFC 1350, UDP port 69): a read or write request sets up the
//! transfer's conversation (the client's port and any port of the server),
//! whose data and acknowledgements are then TFTP too; Info as tshark.

use crate::bytes;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, Expectation, Transport};
use crate::proto;
use crate::sink::Sink;

static OPCODES: &[(u64, &str)] = &[
    (1, "Read Request"),
    (2, "Write Request"),
    (3, "Data Packet"),
    (4, "Acknowledgement"),
    (5, "Error Code"),
    (6, "Option Acknowledgement"),
];

crate::fields! {
    OPCODE = FieldDef::new("tftp.opcode", "Opcode", T::U16).names(OPCODES);
    SOURCE_FILE = FieldDef::new("tftp.source_file", "Source File", T::String);
    DESTINATION_FILE = FieldDef::new("tftp.destination_file", "Destination File", T::String);
    TYPE = FieldDef::new("tftp.type", "Type", T::String);
    BLOCK = FieldDef::new("tftp.block", "Block", T::U16);
    ERROR_CODE = FieldDef::new("tftp.error.code", "Error code", T::U16);
    ERROR_MESSAGE = FieldDef::new("tftp.error.message", "Error message", T::String);
    OPTION_NAME = FieldDef::new("tftp.option.name", "Option name", T::String);
    OPTION_VALUE = FieldDef::new("tftp.option.value", "Option value", T::String);
}

/// A data block shorter than this ends the transfer (RFC 1350; a
/// negotiated blksize is not followed).
const BLOCK_SIZE: usize = 512;
/// Options read per request.
const MAX_OPTIONS: usize = 16;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let Some(op) = bytes::be16(b, 0) else {
        return 0;
    };
    cx.layer(
        &proto::TFTP,
        buf.span(off, b.len()),
        format_args!("Trivial File Transfer Protocol"),
    );
    cx.field(&OPCODE, buf.span(off, 2), Value::U64(op.into()));
    let name = crate::field::lookup(OPCODES, op.into()).unwrap_or("Unknown");
    let body = &b[2..];
    let at = off + 2;
    let info = match op {
        1 | 2 => {
            set_up_transfer(cx);
            request(cx, buf, at, body, op == 1, name)
        }
        3 | 4 => {
            let block = bytes::be16(body, 0).unwrap_or(0);
            if body.len() >= 2 {
                cx.field(&BLOCK, buf.span(at, 2), Value::U64(block.into()));
            }
            let last = op == 3 && body.len().saturating_sub(2) < BLOCK_SIZE;
            format!(
                "{name}, Block: {block}{}",
                if last { " (last)" } else { "" }
            )
        }
        5 => {
            let code = bytes::be16(body, 0).unwrap_or(0);
            let (msg, len) = zstring(body.get(2..).unwrap_or(&[]));
            // Items only for the bytes the datagram holds.
            if body.len() >= 2 {
                cx.field(&ERROR_CODE, buf.span(at, 2), Value::U64(code.into()));
                cx.field(&ERROR_MESSAGE, buf.span(at + 2, len), Value::Str(&msg));
            }
            format!("{name}, Code: {code}, Message: {msg}")
        }
        6 => {
            let opts = options(cx, buf, at, body);
            format!("{name}{opts}")
        }
        _ => format!("Unknown (0x{op:04x})"),
    };
    cx.end_layer();
    cx.set_info(format_args!("{info}"));
    if op == 3 && body.len() > 2 {
        crate::data::dissect(cx, buf, at + 2);
    }
    b.len().max(1)
}

/// A NUL-terminated string at the start of `b`: its text and the bytes it
/// takes (its NUL included, when there is one).
fn zstring(b: &[u8]) -> (String, usize) {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let taken = (end + 1).min(b.len());
    (crate::bytes::format_text(&b[..end]), taken)
}

/// A read or write request: file, mode and options; its Info.
fn request<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    b: &[u8],
    read: bool,
    name: &str,
) -> String {
    let (file, flen) = zstring(b);
    let def = if read {
        &SOURCE_FILE
    } else {
        &DESTINATION_FILE
    };
    cx.field(def, buf.span(at, flen), Value::Str(&file));
    let (mode, mlen) = zstring(&b[flen..]);
    cx.field(&TYPE, buf.span(at + flen, mlen), Value::Str(&mode));
    let opts = options(cx, buf, at + flen + mlen, &b[flen + mlen..]);
    format!("{name}, File: {file}, Transfer type: {mode}{opts}")
}

/// Name/value option pairs; Info's `, name=value` for each.
fn options<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, b: &[u8]) -> String {
    let mut info = String::new();
    let mut p = 0;
    for _ in 0..MAX_OPTIONS {
        if p >= b.len() {
            break;
        }
        let (name, nlen) = zstring(&b[p..]);
        let (value, vlen) = zstring(&b[p + nlen..]);
        cx.field(&OPTION_NAME, buf.span(at + p, nlen), Value::Str(&name));
        cx.field(
            &OPTION_VALUE,
            buf.span(at + p + nlen, vlen),
            Value::Str(&value),
        );
        info.push_str(&format!(", {name}={value}"));
        p += nlen + vlen;
    }
    info
}

/// As Wireshark's TFTP: the transfer a request starts runs between the
/// client's port and any port of the server; its datagrams are TFTP and
/// one conversation (`udp.stream`).
fn set_up_transfer<S: Sink>(cx: &mut Cx<'_, S>) {
    let (Transport::Udp(d), Some(at)) = (cx.pi.transport, cx.transport_at()) else {
        return;
    };
    if at.quoted || cx.quote_depth != 0 {
        return;
    }
    cx.state
        .udp_conversation((at.src, d.src_port), Some(at.dst));
    cx.state.expect_connection(Expectation {
        addr: at.src,
        port: d.src_port,
        other_port: None,
        proto: proto::TFTP.id,
        parent: ConversationKey {
            tcp: false,
            stream: cx.udp_stream.unwrap_or(0),
            proto: proto::TFTP.id,
        },
    });
}
