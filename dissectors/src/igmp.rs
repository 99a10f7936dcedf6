//! IGMP (RFC 1112, 2236, 3376; IP protocol 2): the version from the type
//! and length as Wireshark decides it, and Info as tshark writes it
//! ("Membership Query, general", "Membership Report group 239.1.2.3").

use std::net::Ipv4Addr;

use crate::bytes;
use crate::checksum_tree::{ChecksumFields, checksum_tree};
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto::{self, ProtoDef};
use crate::sink::{Sink, Span};

static TYPES: &[(u64, &str)] = &[
    (0x11, "Membership Query"),
    (0x12, "Membership Report"),
    (0x16, "Membership Report"),
    (0x17, "Leave Group"),
    (0x22, "Membership Report"),
];

crate::fields! {
    VERSION = FieldDef::new("igmp.version", "IGMP Version", T::U8);
    TYPE = FieldDef::new("igmp.type", "Type", T::U8).base(Base::Hex).names(TYPES);
    MAX_RESP = FieldDef::new("igmp.max_resp", "Max Resp Time", T::U8);
    MAX_RESP_EXP = FieldDef::new("igmp.max_resp.exp", "Exponent", T::U8).base(Base::Hex).mask(0x70);
    MAX_RESP_MANT = FieldDef::new("igmp.max_resp.mant", "Mantissa", T::U8).base(Base::Hex).mask(0x0f);
    CHECKSUM = FieldDef::new("igmp.checksum", "Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS = FieldDef::new("igmp.checksum.status", "Checksum Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    MADDR = FieldDef::new("igmp.maddr", "Multicast Address", T::Ipv4);
    NUM_GRP_RECS = FieldDef::new("igmp.num_grp_recs", "Num Group Records", T::U16);
    RECORD_TYPE = FieldDef::new("igmp.record_type", "Record Type", T::U8);
    NUM_SRC = FieldDef::new("igmp.num_src", "Num Src", T::U16);
    S = FieldDef::new("igmp.s", "S", T::Boolean).tfs("Suppress router side processing", "Do not suppress router side processing").mask(0x08);
    QRV = FieldDef::new("igmp.qrv", "QRV", T::U8).mask(0x07);
    QQIC = FieldDef::new("igmp.qqic", "QQIC", T::U8);
    SADDR = FieldDef::new("igmp.saddr", "Source Address", T::Ipv4);
}

pub static BAD_CHECKSUM: ExpertDef = ExpertDef::new(
    "igmp.checksum.bad",
    Severity::Error,
    Group::Checksum,
    "Bad checksum",
);

static CHECKSUM_FIELDS: ChecksumFields = ChecksumFields {
    checksum: &CHECKSUM,
    status: &CHECKSUM_STATUS,
    bad: &BAD_CHECKSUM,
};

/// Group records read from one report (each is at least 8 bytes).
const MAX_RECORDS: usize = 256;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let (Some(&t), Some(&max_resp), Some(sum)) = (b.first(), b.get(1), bytes::be16(b, 2)) else {
        cx.layer(
            &proto::IGMP,
            buf.span(off, b.len()),
            format_args!("Internet Group Management Protocol"),
        );
        cx.ran_out("IGMP", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    };
    let len = buf.reported.saturating_sub(off);
    let version: u8 = match t {
        0x11 if len >= 12 => 3,
        0x11 if max_resp == 0 => 1,
        0x11 | 0x16 | 0x17 => 2,
        0x12 => 1,
        0x22 => 3,
        _ => 0,
    };
    let p: &'static ProtoDef = match version {
        1 => &proto::IGMPV1,
        2 => &proto::IGMPV2,
        _ => &proto::IGMPV3,
    };
    cx.layer(
        p,
        buf.span(off, b.len()),
        format_args!("Internet Group Management Protocol"),
    );
    // tshark lists igmp twice: the protocol, then its version's dissector.
    cx.mark(&proto::IGMP);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.generated(&VERSION, s(0, 0), Value::U64(version.into()));
    cx.field(&TYPE, s(0, 1), Value::U64(t.into()));
    match version {
        3 if t == 0x11 => max_resp_v3(cx, s(1, 1), max_resp),
        2 | 3 => {
            let tenths = format_args!(
                "Max Resp Time: {:.1} sec (0x{max_resp:02x})",
                f64::from(max_resp) * 0.1
            );
            cx.labeled(&MAX_RESP, s(1, 1), Value::U64(max_resp.into()), tenths);
        }
        _ => {}
    }
    // The checksum covers the whole message, when all of it was captured.
    let whole = (len == b.len()).then(|| {
        let sum = bytes::ones_complement_sum(bytes::ones_complement_sum(0, &b[..2]), &b[4..]);
        bytes::fold_checksum(sum)
    });
    checksum_tree(cx, &CHECKSUM_FIELDS, s(2, 2), sum, whole);
    match t {
        0x22 => report_v3(cx, buf, off),
        0x11 if version == 3 => query_v3(cx, buf, off),
        _ => {
            let group = bytes::array::<4>(b, 4);
            if let Some(g) = group {
                cx.field(&MADDR, s(4, 4), Value::Ipv4(g));
            }
            let g = Ipv4Addr::from(group.unwrap_or_default());
            match t {
                0x11 if g.is_unspecified() => {
                    cx.set_info(format_args!("Membership Query, general"))
                }
                0x11 => cx.set_info(format_args!("Membership Query, specific for group {g}")),
                0x16 | 0x12 => cx.set_info(format_args!("Membership Report group {g}")),
                0x17 => cx.set_info(format_args!("Leave Group {g}")),
                _ => cx.set_info(format_args!("Unknown Type:0x{t:02x}")),
            }
        }
    }
    cx.end_layer();
    claimed
}

/// A version 3 query's Max Resp Time (RFC 3376 4.1.1): from 128 on, a
/// mantissa and exponent; the value in tenths of a second.
fn max_resp_v3<S: Sink>(cx: &mut Cx<'_, S>, span: Span, code: u8) {
    let tenths = match code {
        0..=0x7f => u32::from(code),
        _ => (u32::from(code & 0x0f) | 0x10) << (((code & 0x70) >> 4) + 3),
    };
    let label = format_args!(
        "Max Resp Time: {:.1} sec (0x{code:02x})",
        f64::from(tenths) * 0.1
    );
    cx.labeled(&MAX_RESP, span, Value::U64(tenths.into()), label);
    if code >= 0x80 {
        cx.push();
        cx.field(&MAX_RESP_EXP, span, Value::U64(((code & 0x70) >> 4).into()));
        cx.field(&MAX_RESP_MANT, span, Value::U64((code & 0x0f).into()));
        cx.pop();
    }
}

/// A version 3 query: the group (as version 2's), then the robustness and
/// interval fields and the sources.
fn query_v3<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let Some(g) = bytes::array::<4>(b, 4) else {
        return;
    };
    cx.field(&MADDR, s(4, 4), Value::Ipv4(g));
    let g = Ipv4Addr::from(g);
    match g.is_unspecified() {
        true => cx.set_info(format_args!("Membership Query, general")),
        false => cx.set_info(format_args!("Membership Query, specific for group {g}")),
    }
    let (Some(&flags), Some(&qqic), Some(n)) = (b.get(8), b.get(9), bytes::be16(b, 10)) else {
        return;
    };
    cx.field(&S, s(8, 1), Value::Bool(flags & 0x08 != 0));
    cx.field(&QRV, s(8, 1), Value::U64((flags & 0x07).into()));
    cx.field(&QQIC, s(9, 1), Value::U64(qqic.into()));
    cx.field(&NUM_SRC, s(10, 2), Value::U64(n.into()));
    for i in 0..usize::from(n).min(MAX_RECORDS) {
        let Some(a) = bytes::array::<4>(b, 12 + 4 * i) else {
            return;
        };
        cx.field(&SADDR, s(12 + 4 * i, 4), Value::Ipv4(a));
    }
}

/// A version 3 report: Info names each group record.
fn report_v3<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    cx.set_info(format_args!("Membership Report"));
    let Some(n) = bytes::be16(b, 6) else { return };
    cx.field(&NUM_GRP_RECS, buf.span(off + 6, 2), Value::U64(n.into()));
    let mut at = 8usize;
    for _ in 0..usize::from(n).min(MAX_RECORDS) {
        let (Some(&rt), Some(&aux), Some(nsrc), Some(g)) = (
            b.get(at),
            b.get(at + 1),
            bytes::be16(b, at + 2),
            bytes::array::<4>(b, at + 4),
        ) else {
            return;
        };
        cx.field(&RECORD_TYPE, buf.span(off + at, 1), Value::U64(rt.into()));
        cx.field(&NUM_SRC, buf.span(off + at + 2, 2), Value::U64(nsrc.into()));
        cx.field(&MADDR, buf.span(off + at + 4, 4), Value::Ipv4(g));
        let g = Ipv4Addr::from(g);
        // Record types 1 and 3 (IS_INCLUDE, TO_INCLUDE) with no source
        // leave; the others with none join for any source.
        match (rt, nsrc) {
            (1 | 3, 0) => cx.append_info(format_args!(" / Leave group {g}")),
            (_, 0) => cx.append_info(format_args!(" / Join group {g} for any sources")),
            (1 | 3 | 5, _) => cx.append_info(format_args!(
                " / Join group {g} for source{}",
                if nsrc > 1 { "s" } else { "" }
            )),
            _ => cx.append_info(format_args!(
                " / Join group {g}, for source{}",
                if nsrc > 1 { "s" } else { "" }
            )),
        }
        at = at
            .saturating_add(8)
            .saturating_add(usize::from(nsrc) * 4)
            .saturating_add(usize::from(aux) * 4);
    }
}
