//! What an IPv6 address carries inside it, as Wireshark lists it after the
//! addresses: a 6to4 gateway and SLA ID (RFC 3056), a Teredo server, port
//! and client (RFC 4380, the last two inverted on the wire), a MAC address
//! from SLAAC's modified EUI-64 (RFC 4291 appendix A) or an ISATAP IPv4
//! (RFC 5214). Each as a direction's field, then the same value hidden
//! under the direction-free name filters use.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::sink::Sink;

crate::fields! {
    SRC_6TO4_GW = FieldDef::new("ipv6.src_6to4_gw_ipv4", "Source 6to4 Gateway IPv4", T::Ipv4);
    SRC_6TO4_SLA = FieldDef::new("ipv6.src_6to4_sla_id", "Source 6to4 SLA ID", T::U16);
    SRC_TS = FieldDef::new("ipv6.src_ts_ipv4", "Source Teredo Server IPv4", T::Ipv4);
    SRC_TC_PORT = FieldDef::new("ipv6.src_tc_port", "Source Teredo Port", T::U16);
    SRC_TC = FieldDef::new("ipv6.src_tc_ipv4", "Source Teredo Client IPv4", T::Ipv4);
    SRC_SLAAC = FieldDef::new("ipv6.src_slaac_mac", "Source SLAAC MAC", T::Ether);
    SRC_ISATAP = FieldDef::new("ipv6.src_isatap_ipv4", "Source ISATAP IPv4", T::Ipv4);
    DST_6TO4_GW = FieldDef::new("ipv6.dst_6to4_gw_ipv4", "Destination 6to4 Gateway IPv4", T::Ipv4);
    DST_6TO4_SLA = FieldDef::new("ipv6.dst_6to4_sla_id", "Destination 6to4 SLA ID", T::U16);
    DST_TS = FieldDef::new("ipv6.dst_ts_ipv4", "Destination Teredo Server IPv4", T::Ipv4);
    DST_TC_PORT = FieldDef::new("ipv6.dst_tc_port", "Destination Teredo Port", T::U16);
    DST_TC = FieldDef::new("ipv6.dst_tc_ipv4", "Destination Teredo Client IPv4", T::Ipv4);
    DST_SLAAC = FieldDef::new("ipv6.dst_slaac_mac", "Destination SLAAC MAC", T::Ether);
    DST_ISATAP = FieldDef::new("ipv6.dst_isatap_ipv4", "Destination ISATAP IPv4", T::Ipv4);
    ANY_6TO4_GW = FieldDef::new("ipv6.6to4_gw_ipv4", "6to4 Gateway IPv4", T::Ipv4);
    ANY_6TO4_SLA = FieldDef::new("ipv6.6to4_sla_id", "6to4 SLA ID", T::U16);
    ANY_TS = FieldDef::new("ipv6.ts_ipv4", "Teredo Server IPv4", T::Ipv4);
    ANY_TC_PORT = FieldDef::new("ipv6.tc_port", "Teredo Port", T::U16);
    ANY_TC = FieldDef::new("ipv6.tc_ipv4", "Teredo Client IPv4", T::Ipv4);
    ANY_SLAAC = FieldDef::new("ipv6.slaac_mac", "SLAAC MAC", T::Ether);
    ANY_ISATAP = FieldDef::new("ipv6.isatap_ipv4", "ISATAP IPv4", T::Ipv4);
}

/// One direction's fields.
struct Direction {
    gw: &'static FieldDef,
    sla: &'static FieldDef,
    server: &'static FieldDef,
    port: &'static FieldDef,
    client: &'static FieldDef,
    slaac: &'static FieldDef,
    isatap: &'static FieldDef,
}

static SOURCE: Direction = Direction {
    gw: &SRC_6TO4_GW,
    sla: &SRC_6TO4_SLA,
    server: &SRC_TS,
    port: &SRC_TC_PORT,
    client: &SRC_TC,
    slaac: &SRC_SLAAC,
    isatap: &SRC_ISATAP,
};

static DESTINATION: Direction = Direction {
    gw: &DST_6TO4_GW,
    sla: &DST_6TO4_SLA,
    server: &DST_TS,
    port: &DST_TC_PORT,
    client: &DST_TC,
    slaac: &DST_SLAAC,
    isatap: &DST_ISATAP,
};

/// The address at `at` in `buf` (the source when `!destination`).
pub fn embedded<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    a: [u8; 16],
    destination: bool,
) {
    let d = if destination { &DESTINATION } else { &SOURCE };
    let v4 = |i: usize, invert: u8| {
        Value::Ipv4([
            a[i] ^ invert,
            a[i + 1] ^ invert,
            a[i + 2] ^ invert,
            a[i + 3] ^ invert,
        ])
    };
    if a[..2] == [0x20, 0x02] {
        let sla = Value::U64(u16::from_be_bytes([a[6], a[7]]).into());
        let (gw_span, sla_span) = (buf.span(at + 2, 4), buf.span(at + 6, 2));
        cx.generated(d.gw, gw_span, v4(2, 0));
        cx.generated(d.sla, sla_span, sla);
        cx.hidden(&ANY_6TO4_GW, gw_span, v4(2, 0));
        cx.hidden(&ANY_6TO4_SLA, sla_span, sla);
    } else if a[..4] == [0x20, 0x01, 0, 0] {
        let port = Value::U64((u16::from_be_bytes([a[10], a[11]]) ^ 0xffff).into());
        let spans = [
            buf.span(at + 4, 4),
            buf.span(at + 10, 2),
            buf.span(at + 12, 4),
        ];
        cx.generated(d.server, spans[0], v4(4, 0));
        cx.generated(d.port, spans[1], port);
        cx.generated(d.client, spans[2], v4(12, 0xff));
        cx.hidden(&ANY_TS, spans[0], v4(4, 0));
        cx.hidden(&ANY_TC_PORT, spans[1], port);
        cx.hidden(&ANY_TC, spans[2], v4(12, 0xff));
    }
    if a[8] & 0x02 != 0 && a[11..13] == [0xff, 0xfe] {
        let mac = Value::Ether([a[8] & !0x02, a[9], a[10], a[13], a[14], a[15]]);
        cx.generated(d.slaac, buf.span(at + 8, 8), mac);
        cx.hidden(&ANY_SLAAC, buf.span(at + 8, 8), mac);
    } else if a[8] & 0xfc == 0 && a[9..12] == [0x00, 0x5e, 0xfe] {
        cx.generated(d.isatap, buf.span(at + 12, 4), v4(12, 0));
        cx.hidden(&ANY_ISATAP, buf.span(at + 12, 4), v4(12, 0));
    }
}

#[cfg(test)]
mod tests {
    use crate::collect::FieldCollector;
    use crate::field::OwnedValue;

    /// The fields of a raw IPv6 packet (no next header) from `src`.
    fn fields(src: [u8; 16]) -> FieldCollector {
        let mut p = vec![0x60, 0, 0, 0, 0, 0, 59, 64];
        p.extend_from_slice(&src);
        p.extend_from_slice(&[0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let meta = crate::packet::FrameMeta {
            number: 1,
            orig_len: p.len() as u32,
            linktype: 229,
            ..Default::default()
        };
        let mut state = crate::analysis::Analyzer::new(true);
        let mut c = FieldCollector::new(&["ipv6."]);
        let mut pi = crate::packet::PacketInfo::default();
        let file = crate::packet::FrameFile::default();
        let opts = crate::packet::Options::new(true);
        crate::dissect_frame(&meta, &p, &file, &mut state, opts, &mut c, &mut pi);
        c
    }

    #[test]
    fn teredo_inverts_the_client_and_its_port() {
        // Wireshark's sample: 2001:0:d5d:a599:3890:f3fd:5226:277a.
        let a = [
            32, 1, 0, 0, 13, 93, 165, 153, 56, 144, 243, 253, 82, 38, 39, 122,
        ];
        let f = fields(a);
        assert_eq!(
            f.first("ipv6.src_ts_ipv4"),
            Some(&OwnedValue::Ipv4([13, 93, 165, 153]))
        );
        assert_eq!(f.first("ipv6.tc_port"), Some(&OwnedValue::U64(3074)));
        assert_eq!(
            f.first("ipv6.src_tc_ipv4"),
            Some(&OwnedValue::Ipv4([173, 217, 216, 133]))
        );
    }

    #[test]
    fn slaac_needs_the_universal_bit_and_fffe() {
        let mut a = [
            0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x0c, 0x29, 0xff, 0xfe, 0x0e, 0x4c, 0x67,
        ];
        let mac = OwnedValue::Ether([0, 0x0c, 0x29, 0x0e, 0x4c, 0x67]);
        assert_eq!(fields(a).first("ipv6.src_slaac_mac"), Some(&mac));
        a[8] = 0xc0;
        assert_eq!(fields(a).first("ipv6.slaac_mac"), None);
    }

    #[test]
    fn six_to_four_and_isatap() {
        let a = [
            0x20, 0x02, 192, 0, 2, 1, 0, 7, 0, 0, 0x5e, 0xfe, 198, 51, 100, 9,
        ];
        let f = fields(a);
        assert_eq!(
            f.first("ipv6.src_6to4_gw_ipv4"),
            Some(&OwnedValue::Ipv4([192, 0, 2, 1]))
        );
        assert_eq!(f.first("ipv6.6to4_sla_id"), Some(&OwnedValue::U64(7)));
        assert_eq!(
            f.first("ipv6.src_isatap_ipv4"),
            Some(&OwnedValue::Ipv4([198, 51, 100, 9]))
        );
    }
}
