//! Spanning tree BPDUs (IEEE 802.1D/w/s, LLC SAP 0x42): Info as tshark
//! writes it, "Conf. Root = 32768/1/aa:bb:cc:00:03:00  Cost = 0  Port = 0x8002".

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Address, Buf, Cx};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    PROTOCOL = FieldDef::new("stp.protocol", "Protocol Identifier", T::U16).base(Base::Hex);
    VERSION = FieldDef::new("stp.version", "Protocol Version Identifier", T::U8);
    TYPE = FieldDef::new("stp.type", "BPDU Type", T::U8).base(Base::Hex);
    FLAGS = FieldDef::new("stp.flags", "BPDU flags", T::U8).base(Base::Hex);
    ROOT_PRIO = FieldDef::new("stp.root.prio", "Root Bridge Priority", T::U16);
    ROOT_EXT = FieldDef::new("stp.root.ext", "Root Bridge System ID Extension", T::U16);
    ROOT_HW = FieldDef::new("stp.root.hw", "Root Bridge System ID", T::Ether);
    ROOT_COST = FieldDef::new("stp.root.cost", "Root Path Cost", T::U32);
    BRIDGE_PRIO = FieldDef::new("stp.bridge.prio", "Bridge Priority", T::U16);
    BRIDGE_EXT = FieldDef::new("stp.bridge.ext", "Bridge System ID Extension", T::U16);
    BRIDGE_HW = FieldDef::new("stp.bridge.hw", "Bridge System ID", T::Ether);
    PORT = FieldDef::new("stp.port", "Port identifier", T::U16).base(Base::Hex);
    MSG_AGE = FieldDef::new("stp.msg_age", "Message Age", T::Double);
    MAX_AGE = FieldDef::new("stp.max_age", "Max Age", T::Double);
    HELLO = FieldDef::new("stp.hello", "Hello Time", T::Double);
    FORWARD = FieldDef::new("stp.forward", "Forward Delay", T::Double);
}

/// Offsets of a configuration BPDU, stated once.
mod field {
    pub const PROTOCOL: usize = 0;
    pub const VERSION: usize = 2;
    pub const TYPE: usize = 3;
    pub const FLAGS: usize = 4;
    pub const ROOT: usize = 5;
    pub const ROOT_COST: usize = 13;
    pub const BRIDGE: usize = 17;
    pub const PORT: usize = 25;
    pub const TIMES: usize = 27;
    pub const CONFIG_LEN: usize = 35;
}

const TOPOLOGY_CHANGE: u8 = 0x01;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    cx.layer(
        &proto::STP,
        buf.span(off, b.len().min(field::CONFIG_LEN)),
        format_args!("Spanning Tree Protocol"),
    );
    let (Some(protocol), Some(&version), Some(&t)) = (
        bytes::be16(b, field::PROTOCOL),
        b.get(field::VERSION),
        b.get(field::TYPE),
    ) else {
        cx.ran_out("STP", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    };
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.field(
        &PROTOCOL,
        s(field::PROTOCOL, 2),
        Value::U64(protocol.into()),
    );
    cx.field(&VERSION, s(field::VERSION, 1), Value::U64(version.into()));
    cx.field(&TYPE, s(field::TYPE, 1), Value::U64(t.into()));
    if t == 0x80 {
        cx.set_info(format_args!("Topology Change Notification"));
        cx.end_layer();
        return claimed;
    }
    if b.len() < field::CONFIG_LEN {
        cx.ran_out("STP", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    }
    let flags = b[field::FLAGS];
    cx.field(&FLAGS, s(field::FLAGS, 1), Value::U64(flags.into()));
    let root = bridge_id(
        cx,
        buf,
        off + field::ROOT,
        (&ROOT_PRIO, &ROOT_EXT, &ROOT_HW),
    );
    let cost = bytes::be32(b, field::ROOT_COST).unwrap_or(0);
    cx.field(&ROOT_COST, s(field::ROOT_COST, 4), Value::U64(cost.into()));
    bridge_id(
        cx,
        buf,
        off + field::BRIDGE,
        (&BRIDGE_PRIO, &BRIDGE_EXT, &BRIDGE_HW),
    );
    let port = bytes::be16(b, field::PORT).unwrap_or(0);
    cx.field(&PORT, s(field::PORT, 2), Value::U64(port.into()));
    for (i, def) in [&MSG_AGE, &MAX_AGE, &HELLO, &FORWARD]
        .into_iter()
        .enumerate()
    {
        let o = field::TIMES + 2 * i;
        let v = bytes::be16(b, o).unwrap_or(0);
        cx.field(def, s(o, 2), Value::F64(f64::from(v) / 256.0));
    }
    let kind = match (t, version) {
        (0x02, 3..) => "MST",
        (0x02, _) => "RST",
        _ => "Conf",
    };
    let tc = if flags & TOPOLOGY_CHANGE != 0 {
        "TC + "
    } else {
        ""
    };
    let (prio, ext, mac) = root;
    cx.set_info(format_args!(
        "{kind}. {tc}Root = {prio}/{ext}/{}  Cost = {cost}  Port = 0x{port:04x}",
        Address::Ether(mac)
    ));
    cx.end_layer();
    claimed
}

/// A bridge identifier: priority (upper 4 bits), system id extension,
/// MAC address.
fn bridge_id<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    (prio_f, ext_f, hw_f): (&'static FieldDef, &'static FieldDef, &'static FieldDef),
) -> (u16, u16, [u8; 6]) {
    let p = bytes::be16(buf.bytes, at).unwrap_or(0);
    let mac = bytes::array::<6>(buf.bytes, at + 2).unwrap_or_default();
    let (prio, ext) = (p & 0xf000, p & 0x0fff);
    cx.field(prio_f, buf.span(at, 2), Value::U64(prio.into()));
    cx.field(ext_f, buf.span(at, 2), Value::U64(ext.into()));
    cx.field(hw_f, buf.span(at + 2, 6), Value::Ether(mac));
    (prio, ext, mac)
}
