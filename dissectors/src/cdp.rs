//! CDP (Cisco Discovery Protocol, LLC SNAP with Cisco's OUI, protocol id
//! 0x2000): version, TTL, checksum, then TLVs; Info `Device ID: sw1  Port
//! ID: Gi0/1  ` as tshark writes it.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static TLV_TYPES: &[(u64, &str)] = &[
    (0x0001, "Device ID"),
    (0x0002, "Addresses"),
    (0x0003, "Port ID"),
    (0x0004, "Capabilities"),
    (0x0005, "Software version"),
    (0x0006, "Platform"),
    (0x0007, "IP Prefixes"),
    (0x0009, "VTP Management Domain"),
    (0x000a, "Native VLAN"),
    (0x000b, "Duplex"),
    (0x0016, "Management Address"),
];

crate::fields! {
    VERSION = FieldDef::new("cdp.version", "Version", T::U8);
    TTL = FieldDef::new("cdp.ttl", "TTL", T::U8);
    CHECKSUM = FieldDef::new("cdp.checksum", "Checksum", T::U16).base(Base::Hex);
    TLV_TYPE = FieldDef::new("cdp.tlv.type", "Type", T::U16).base(Base::Hex).names(TLV_TYPES);
    TLV_LEN = FieldDef::new("cdp.tlv.len", "Length", T::U16);
    DEVICE_ID = FieldDef::new("cdp.deviceid", "Device ID", T::String);
    PORT_ID = FieldDef::new("cdp.portid", "Sent through Interface", T::String);
    PLATFORM = FieldDef::new("cdp.platform", "Platform", T::String);
    SOFTWARE = FieldDef::new("cdp.software_version", "Software version", T::String);
    CAPABILITIES = FieldDef::new("cdp.capabilities", "Capabilities", T::U32).base(Base::Hex);
    NATIVE_VLAN = FieldDef::new("cdp.native_vlan", "Native VLAN", T::U16);
}

/// TLVs read per frame.
const MAX_TLVS: usize = 128;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let at = |o: usize, l: usize| buf.span(off + o, l);
    cx.layer(
        &proto::CDP,
        at(0, b.len()),
        format_args!("Cisco Discovery Protocol"),
    );
    let (Some(version), Some(ttl), Some(sum)) = (b.first(), b.get(1), bytes::be16(b, 2)) else {
        cx.ran_out("CDP", at(0, b.len()), buf);
        cx.end_layer();
        return b.len().max(1);
    };
    cx.field(&VERSION, at(0, 1), Value::U64((*version).into()));
    cx.labeled(
        &TTL,
        at(1, 1),
        Value::U64((*ttl).into()),
        format_args!("TTL: {ttl} seconds"),
    );
    cx.field(&CHECKSUM, at(2, 2), Value::U64(sum.into()));
    let mut info = String::new();
    let mut p = 4;
    for _ in 0..MAX_TLVS {
        let (Some(kind), Some(len)) = (bytes::be16(b, p), bytes::be16(b, p + 2)) else {
            break;
        };
        let len = usize::from(len).max(4);
        let v = bytes::clamp(b, p + 4, len - 4);
        tlv(cx, buf, off + p, kind, len, v, &mut info);
        p += len;
    }
    cx.end_layer();
    cx.set_info(format_args!("{info}"));
    b.len().max(1)
}

fn tlv<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    kind: u16,
    len: usize,
    v: &[u8],
    info: &mut String,
) {
    let text = crate::bytes::format_text(v);
    let name = crate::field::lookup(TLV_TYPES, kind.into()).unwrap_or("Unknown");
    let (label, def) = match kind {
        0x0001 => {
            info.push_str(&format!("Device ID: {text}  "));
            (format!("Device ID: {text}"), Some(&DEVICE_ID))
        }
        0x0003 => {
            info.push_str(&format!("Port ID: {text}  "));
            (format!("Port ID: {text}"), Some(&PORT_ID))
        }
        0x0005 => ("Software Version".to_owned(), Some(&SOFTWARE)),
        0x0006 => (format!("Platform: {text}"), Some(&PLATFORM)),
        _ => (name.to_owned(), None),
    };
    // The item covers what the frame holds of the TLV.
    cx.text(buf.span(at, 4 + v.len()), format_args!("{label}"));
    cx.push();
    cx.field(&TLV_TYPE, buf.span(at, 2), Value::U64(kind.into()));
    cx.field(&TLV_LEN, buf.span(at + 2, 2), Value::U64(len as u64));
    let vspan = buf.span(at + 4, v.len());
    match (kind, def) {
        (_, Some(def)) => cx.field(def, vspan, Value::Str(&text)),
        (0x0004, _) => {
            if let Some(caps) = bytes::be32(v, 0) {
                cx.field(&CAPABILITIES, vspan, Value::U64(caps.into()));
            }
        }
        (0x000a, _) => {
            if let Some(vlan) = bytes::be16(v, 0) {
                cx.field(&NATIVE_VLAN, vspan, Value::U64(vlan.into()));
            }
        }
        _ => {}
    }
    cx.pop();
}
