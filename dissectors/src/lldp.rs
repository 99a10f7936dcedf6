//! LLDP (IEEE 802.1AB, ethertype 0x88cc): the TLVs a switch or host
//! announces itself with, Info as tshark writes it (`MA/02:00:00:00:00:01
//! IN/eth0 120 SysN=sw1 SysD=... `).

use crate::bytes;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static TLV_TYPES: &[(u64, &str)] = &[
    (0, "End of LLDPDU"),
    (1, "Chassis Id"),
    (2, "Port Id"),
    (3, "Time to Live"),
    (4, "Port Description"),
    (5, "System Name"),
    (6, "System Description"),
    (7, "System Capabilities"),
    (8, "Management Address"),
    (127, "Organization Specific"),
];

static CHASSIS_SUBTYPES: &[(u64, &str)] = &[
    (1, "Chassis component"),
    (2, "Interface alias"),
    (3, "Port component"),
    (4, "MAC address"),
    (5, "Network address"),
    (6, "Interface name"),
    (7, "Locally assigned"),
];

static PORT_SUBTYPES: &[(u64, &str)] = &[
    (1, "Interface alias"),
    (2, "Port component"),
    (3, "MAC address"),
    (4, "Network address"),
    (5, "Interface name"),
    (6, "Agent circuit Id"),
    (7, "Locally assigned"),
];

crate::fields! {
    TLV_TYPE = FieldDef::new("lldp.tlv.type", "TLV Type", T::U16).mask(0xfe00).names(TLV_TYPES);
    TLV_LEN = FieldDef::new("lldp.tlv.len", "TLV Length", T::U16).mask(0x01ff);
    CHASSIS_SUBTYPE = FieldDef::new("lldp.chassis.subtype", "Chassis Id Subtype", T::U8).names(CHASSIS_SUBTYPES);
    CHASSIS_ID = FieldDef::new("lldp.chassis.id", "Chassis Id", T::Bytes);
    CHASSIS_ID_MAC = FieldDef::new("lldp.chassis.id.mac", "Chassis Id", T::Ether);
    PORT_SUBTYPE = FieldDef::new("lldp.port.subtype", "Port Id Subtype", T::U8).names(PORT_SUBTYPES);
    PORT_ID = FieldDef::new("lldp.port.id", "Port Id", T::String);
    PORT_ID_MAC = FieldDef::new("lldp.port.id.mac", "Port Id", T::Ether);
    TTL = FieldDef::new("lldp.time_to_live", "Seconds", T::U16);
    PORT_DESC = FieldDef::new("lldp.port.desc", "Port Description", T::String);
    SYSTEM_NAME = FieldDef::new("lldp.tlv.system.name", "System Name", T::String);
    SYSTEM_DESC = FieldDef::new("lldp.tlv.system.desc", "System Description", T::String);
    CAP = FieldDef::new("lldp.tlv.system_cap", "Capabilities", T::U16).base(crate::field::Base::Hex);
    ENABLED_CAP = FieldDef::new("lldp.tlv.enable_system_cap", "Enabled Capabilities", T::U16).base(crate::field::Base::Hex);
    MGN_ADDR_IP4 = FieldDef::new("lldp.mgn.addr.ip4", "Management Address", T::Ipv4);
    ORG_OUI = FieldDef::new("lldp.orgtlv.oui", "Organization Unique Code", T::U24).base(crate::field::Base::Hex);
}

/// TLVs read per frame.
const MAX_TLVS: usize = 128;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    cx.layer(
        &proto::LLDP,
        buf.span(off, pdu_len(b)),
        format_args!("Link Layer Discovery Protocol"),
    );
    let mut info = String::new();
    let mut p = 0;
    for _ in 0..MAX_TLVS {
        let Some(head) = bytes::be16(b, p) else { break };
        let (kind, len) = (head >> 9, usize::from(head & 0x1ff));
        let value = bytes::clamp(b, p + 2, len);
        let at = off + p;
        tlv(cx, buf, at, kind, head, value, &mut info);
        p += 2 + len;
        if kind == 0 || p >= b.len() {
            break;
        }
    }
    cx.end_layer();
    cx.set_info(format_args!("{info}"));
    // What follows End of LLDPDU is the Ethernet trailer.
    p.min(b.len()).max(1)
}

/// The LLDPDU's length: its TLVs up to End of LLDPDU.
fn pdu_len(b: &[u8]) -> usize {
    let mut p = 0;
    for _ in 0..MAX_TLVS {
        let Some(head) = bytes::be16(b, p) else { break };
        p += 2 + usize::from(head & 0x1ff);
        if head >> 9 == 0 {
            break;
        }
    }
    p.min(b.len())
}

/// A MAC address as Wireshark writes it.
fn mac(v: &[u8]) -> String {
    let mut s = String::with_capacity(3 * v.len());
    let _ = crate::field::write_hex_colon(&mut s, v);
    s
}

/// An id's value as Info shows it: a MAC address or text.
fn id_text(subtype: u8, mac_subtype: u8, v: &[u8]) -> String {
    if subtype == mac_subtype && v.len() == 6 {
        mac(v)
    } else {
        crate::bytes::format_text(v)
    }
}

fn tlv<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    kind: u16,
    head: u16,
    v: &[u8],
    info: &mut String,
) {
    let span = buf.span(at, 2 + v.len());
    let vat = at + 2;
    let text = crate::bytes::format_text(v);
    let label = match kind {
        1 | 2 => {
            let (names, mac_sub, prefixes): (_, u8, &[&str]) = if kind == 1 {
                (
                    CHASSIS_SUBTYPES,
                    4,
                    &["CC", "IA", "PC", "MA", "NA", "IN", "LA"],
                )
            } else {
                (
                    PORT_SUBTYPES,
                    3,
                    &["IA", "PC", "MA", "NA", "IN", "AC", "LA"],
                )
            };
            let sub = v.first().copied().unwrap_or(0);
            let id = id_text(sub, mac_sub, v.get(1..).unwrap_or(&[]));
            let sub_name = crate::field::lookup(names, sub.into()).unwrap_or("Reserved");
            let prefix = prefixes
                .get(usize::from(sub).wrapping_sub(1))
                .unwrap_or(&"");
            info.push_str(&format!("{prefix}/{id} "));
            let what = if kind == 1 { "Chassis" } else { "Port" };
            format!("{what} Subtype = {sub_name}, Id: {id}")
        }
        3 => {
            let ttl = bytes::be16(v, 0).unwrap_or(0);
            info.push_str(&format!("{ttl} "));
            format!("Time To Live = {ttl} sec")
        }
        4 => format!("Port Description = {text}"),
        5 => {
            info.push_str(&format!("SysN={text} "));
            format!("System Name = {text}")
        }
        6 => {
            info.push_str(&format!("SysD={text} "));
            format!("System Description = {text}")
        }
        7 => "Capabilities".to_owned(),
        8 => "Management Address".to_owned(),
        0 => "End of LLDPDU".to_owned(),
        _ => crate::field::lookup(TLV_TYPES, kind.into())
            .unwrap_or("Unknown")
            .to_owned(),
    };
    cx.text(span, format_args!("{label}"));
    cx.push();
    cx.field(&TLV_TYPE, buf.span(at, 2), Value::U64(head.into()));
    cx.field(&TLV_LEN, buf.span(at, 2), Value::U64(head.into()));
    value_fields(cx, buf, vat, kind, v);
    cx.pop();
}

/// The fields inside one TLV's value at `vat`.
fn value_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, vat: usize, kind: u16, v: &[u8]) {
    let text = crate::bytes::format_text(v);
    let rest = v.get(1..).unwrap_or(&[]);
    let sub = v.first().copied().unwrap_or(0);
    match kind {
        1 | 2 => {
            let (sub_def, mac_def, id_def, mac_sub) = if kind == 1 {
                (&CHASSIS_SUBTYPE, &CHASSIS_ID_MAC, &CHASSIS_ID, 4)
            } else {
                (&PORT_SUBTYPE, &PORT_ID_MAC, &PORT_ID, 3)
            };
            if v.is_empty() {
                return;
            }
            cx.field(sub_def, buf.span(vat, 1), Value::U64(sub.into()));
            let id_span = buf.span(vat + 1, rest.len());
            match <[u8; 6]>::try_from(rest) {
                Ok(m) if sub == mac_sub => cx.field(mac_def, id_span, Value::Ether(m)),
                _ if kind == 2 => cx.field(
                    id_def,
                    id_span,
                    Value::Str(&crate::bytes::format_text(rest)),
                ),
                _ => cx.field(id_def, id_span, Value::Bytes(rest)),
            }
        }
        3 => {
            if let Some(ttl) = bytes::be16(v, 0) {
                cx.field(&TTL, buf.span(vat, 2), Value::U64(ttl.into()));
            }
        }
        4 => cx.field(&PORT_DESC, buf.span(vat, v.len()), Value::Str(&text)),
        5 => cx.field(&SYSTEM_NAME, buf.span(vat, v.len()), Value::Str(&text)),
        6 => cx.field(&SYSTEM_DESC, buf.span(vat, v.len()), Value::Str(&text)),
        7 => {
            if let (Some(c), Some(e)) = (bytes::be16(v, 0), bytes::be16(v, 2)) {
                cx.field(&CAP, buf.span(vat, 2), Value::U64(c.into()));
                cx.field(&ENABLED_CAP, buf.span(vat + 2, 2), Value::U64(e.into()));
            }
        }
        8 => {
            if v.get(1) == Some(&1)
                && let Some(a) = bytes::array::<4>(v, 2)
            {
                cx.field(&MGN_ADDR_IP4, buf.span(vat + 2, 4), Value::Ipv4(a));
            }
        }
        127 => {
            if let Some(oui) = bytes::be24(v, 0) {
                cx.field(&ORG_OUI, buf.span(vat, 3), Value::U64(oui.into()));
            }
        }
        _ => {}
    }
}
