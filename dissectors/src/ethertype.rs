//! The ethertype dispatch that Ethernet II, VLAN tags, Linux cooked
//! captures and BSD loopback share, as Wireshark's `ethertype` protocol:
//! the payload goes to whoever registered its type (registry.rs), and what
//! it did not claim is shown as the link layer's padding, trailer and FCS.

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;
use crate::{bytes, data};

pub static ETHERTYPES: &[(u64, &str)] = &[
    (0x0800, "IPv4"),
    (0x0806, "ARP"),
    (0x86dd, "IPv6"),
    (0x8100, "802.1Q Virtual LAN"),
    (0x88a8, "802.1ad Provider Bridge (Q-in-Q)"),
    (0x9100, "QinQ: old non-standard 802.1ad"),
    (0x8035, "RARP"),
    (0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)"),
    (0x8863, "PPPoE Discovery"),
    (0x8864, "PPPoE Session"),
    (0x8847, "MPLS label switched packet"),
    (0x888e, "802.1X Authentication"),
    (0x88e5, "802.1AE (MACsec)"),
    (0x8809, "Slow Protocols"),
    (0x9000, "Loopback"),
];

crate::fields! {
    PADDING = FieldDef::new("eth.padding", "Padding", T::Bytes);
    FCS = FieldDef::new("eth.fcs", "Frame check sequence", T::U32).base(Base::Hex);
    FCS_STATUS = FieldDef::new("eth.fcs.status", "FCS Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
}

/// Dispatches the payload of an ethertype at `off`, then shows what the
/// payload did not claim as padding and trailer, as Wireshark's ethertype
/// dissector does for every link layer that carries an ethertype.
pub fn dissect<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    etype: u16,
    trailer_field: &'static FieldDef,
    link: Link,
) {
    cx.mark(&proto::ETHERTYPE);
    let used = match by_type(cx, buf, off, etype) {
        Some(used) => used,
        None => undissected(cx, buf, off, etype),
    };
    trailer(cx, buf, off.saturating_add(used), trailer_field, link);
}

/// A payload no dissector takes, as Wireshark shows it: data, the type in
/// the Protocol column, its name in Info.
pub fn undissected<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, etype: u16) -> usize {
    data::dissect(cx, buf, off);
    cx.pi.protocol = format!("0x{etype:04x}").into();
    if let Some(name) = crate::field::lookup(ETHERTYPES, etype.into()) {
        cx.set_info(format_args!("{name}"));
    } else {
        cx.set_info(format_args!("Ethernet II"));
    }
    buf.reported.saturating_sub(off)
}

/// The dissector registered for an ethertype, when there is one: returns
/// the bytes it claimed.
pub fn by_type<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, etype: u16) -> Option<usize> {
    cx.dissect_by(Table::EtherType, etype.into(), buf, off)
}

/// Bytes after the payload, as Wireshark shows them: zero bytes up to the
/// 60-byte Ethernet minimum are padding; when the link layer spans 64 bytes
/// or more and at least 4 bytes remain, the last 4 are taken for an FCS;
/// the rest is a trailer.
pub fn trailer<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    start: usize,
    field: &'static FieldDef,
    link: Link,
) {
    if buf.source != 0 || start >= buf.reported || start >= buf.len() {
        return;
    }
    cx.sink.reenter(link.handle);
    let frame_len = buf.reported;
    let mut reported = frame_len - start;
    let mut captured = buf.len() - start;
    let mut pad = 0;
    // The 60-byte minimum counts from the frame's start, or, for an
    // Ethernet carried inside another protocol (VXLAN: no FCS, its own
    // start), from where that Ethernet starts.
    let min_end = if link.fcs_possible {
        60
    } else {
        link.start.saturating_add(60)
    };
    let maybe_padded = frame_len >= min_end && start < min_end;
    if maybe_padded {
        // Only zeros are padding (Wireshark's default): anything else is a trailer.
        let max = (min_end - start).min(captured);
        pad = if buf.get(start, max).iter().all(|&b| b == 0) {
            max
        } else {
            0
        };
        if pad > 0 {
            cx.field(
                &PADDING,
                buf.span(start, pad),
                Value::Bytes(buf.get(start, pad)),
            );
        }
        captured -= pad;
        reported -= pad;
    }
    let fcs = link.fcs_possible && frame_len - link.start >= 64 && reported >= 4;
    if fcs {
        reported -= 4;
        captured = captured.min(reported);
    }
    let s = start + pad;
    if captured > 0 {
        cx.field(
            field,
            buf.span(s, captured),
            Value::Bytes(buf.get(s, captured)),
        );
        // Bytes where padding should be that are not zeros.
        if maybe_padded && pad == 0 {
            cx.push();
            cx.expert(&PADDING_BAD, buf.span(s, captured), format_args!(""));
            cx.pop();
        }
    }
    if fcs && let Some(v) = bytes::be32(buf.bytes, s + captured) {
        let at = s + captured;
        let text = format_args!("Frame check sequence: 0x{v:08x} [unverified]");
        cx.labeled(&FCS, buf.span(at, 4), Value::U64(v.into()), text);
        cx.generated(&FCS_STATUS, buf.span(at, 0), Value::U64(2));
    }
    cx.pop();
}

pub static PADDING_BAD: ExpertDef = ExpertDef::new(
    "eth.padding_bad",
    Severity::Note,
    Group::Protocol,
    "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros.",
);

/// The link layer an ethertype payload sits in, for its trailer.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Tree handle of the layer the padding and trailer belong to.
    pub handle: u32,
    /// Where that layer starts in the frame (its length decides whether an FCS may be there).
    pub start: usize,
    /// Whether the layer may carry an FCS (Ethernet may; Linux cooked captures do not).
    pub fcs_possible: bool,
}
