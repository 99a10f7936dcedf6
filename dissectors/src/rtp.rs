//! RTP (RFC 3550) on a conversation SDP announced: the fixed header as
//! tshark's `rtp.*` fields, Info `PT=ITU-T G.711 PCMU, SSRC=0x…, Seq=…,
//! Time=…[, Mark]`.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

/// Static payload types (RFC 3551), named as Wireshark names them.
static PAYLOAD_TYPES: &[(u64, &str)] = &[
    (0, "ITU-T G.711 PCMU"),
    (1, "USA Federal Standard FS-1016"),
    (2, "ITU-T G.721"),
    (3, "GSM 06.10"),
    (4, "ITU-T G.723"),
    (5, "DVI4 8000 samples/s"),
    (6, "DVI4 16000 samples/s"),
    (7, "Experimental linear predictive encoding from Xerox PARC"),
    (8, "ITU-T G.711 PCMA"),
    (9, "ITU-T G.722"),
    (10, "16-bit uncompressed audio, stereo"),
    (11, "16-bit uncompressed audio, monaural"),
    (12, "Qualcomm Code Excited Linear Predictive coding"),
    (13, "Comfort noise"),
    (14, "MPEG-I/II Audio"),
    (15, "ITU-T G.728"),
    (16, "DVI4 11025 samples/s"),
    (17, "DVI4 22050 samples/s"),
    (18, "ITU-T G.729"),
    (19, "Comfort noise (old)"),
    (25, "Sun CellB video encoding"),
    (26, "JPEG-compressed video"),
    (28, "'nv' program"),
    (31, "ITU-T H.261"),
    (32, "MPEG-I/II Video"),
    (33, "MPEG-II transport streams"),
    (34, "ITU-T H.263"),
];

crate::fields! {
    VERSION = FieldDef::new("rtp.version", "Version", T::U8).mask(0xc0);
    PADDING = FieldDef::new("rtp.padding", "Padding", T::Boolean).mask(0x20);
    EXT = FieldDef::new("rtp.ext", "Extension", T::Boolean).mask(0x10);
    CC = FieldDef::new("rtp.cc", "Contributing source identifiers count", T::U8).mask(0x0f);
    MARKER = FieldDef::new("rtp.marker", "Marker", T::Boolean).mask(0x80);
    P_TYPE = FieldDef::new("rtp.p_type", "Payload type", T::U8).mask(0x7f).names(PAYLOAD_TYPES);
    SEQ = FieldDef::new("rtp.seq", "Sequence number", T::U16);
    TIMESTAMP = FieldDef::new("rtp.timestamp", "Timestamp", T::U32);
    SSRC = FieldDef::new("rtp.ssrc", "Synchronization Source identifier", T::U32).base(Base::Hex);
    CSRC = FieldDef::new("rtp.csrc.item", "CSRC item", T::U32).base(Base::Hex);
    PAYLOAD = FieldDef::new("rtp.payload", "Payload", T::Bytes);
}

/// Offsets of the fixed header, stated once.
mod field {
    pub const FLAGS: usize = 0;
    pub const MARKER_PT: usize = 1;
    pub const SEQ: usize = 2;
    pub const TIMESTAMP: usize = 4;
    pub const SSRC: usize = 8;
    pub const HEADER_LEN: usize = 12;
}

/// A payload type's name (dynamic ones as Wireshark writes them).
fn payload_name(pt: u8) -> String {
    match crate::field::lookup(PAYLOAD_TYPES, pt.into()) {
        Some(n) => n.to_owned(),
        None if pt >= 96 => format!("DynamicRTP-Type-{pt}"),
        None if (72..=76).contains(&pt) => "Reserved for RTCP conflict avoidance".to_owned(),
        None => "Unassigned".to_owned(),
    }
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let (Some(flags), Some(mpt), Some(seq), Some(ts), Some(ssrc)) = (
        bytes::u8_at(b, field::FLAGS),
        bytes::u8_at(b, field::MARKER_PT),
        bytes::be16(b, field::SEQ),
        bytes::be32(b, field::TIMESTAMP),
        bytes::be32(b, field::SSRC),
    ) else {
        return 0;
    };
    if flags >> 6 != 2 {
        return 0;
    }
    let pt = mpt & 0x7f;
    let at = |o: usize, l: usize| buf.span(off + o, l);
    cx.layer(
        &proto::RTP,
        buf.span(off, b.len()),
        format_args!("Real-Time Transport Protocol"),
    );
    cx.field(&VERSION, at(0, 1), Value::U64((flags >> 6).into()));
    cx.field(&PADDING, at(0, 1), Value::Bool(flags & 0x20 != 0));
    cx.field(&EXT, at(0, 1), Value::Bool(flags & 0x10 != 0));
    cx.field(&CC, at(0, 1), Value::U64((flags & 0x0f).into()));
    cx.field(&MARKER, at(1, 1), Value::Bool(mpt & 0x80 != 0));
    cx.field(&P_TYPE, at(1, 1), Value::U64(pt.into()));
    cx.field(&SEQ, at(field::SEQ, 2), Value::U64(seq.into()));
    cx.field(&TIMESTAMP, at(field::TIMESTAMP, 4), Value::U64(ts.into()));
    cx.field(&SSRC, at(field::SSRC, 4), Value::U64(ssrc.into()));
    let mut p = field::HEADER_LEN;
    for _ in 0..flags & 0x0f {
        if let Some(c) = bytes::be32(b, p) {
            cx.field(&CSRC, at(p, 4), Value::U64(c.into()));
        }
        p += 4;
    }
    if flags & 0x10 != 0 {
        let words = bytes::be16(b, p + 2).map_or(0, usize::from);
        p += 4 + 4 * words;
    }
    if p < b.len() {
        cx.field(&PAYLOAD, at(p, b.len() - p), Value::Bytes(&b[p..]));
    }
    cx.end_layer();
    let mark = if mpt & 0x80 != 0 { ", Mark" } else { "" };
    cx.set_info(format_args!(
        "PT={}, SSRC=0x{ssrc:X}, Seq={seq}, Time={ts}{mark}",
        payload_name(pt)
    ));
    b.len().max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_as_rtp_reads_the_fixed_header() {
        let mut p = vec![0x80, 0x80, 0x03, 0xe8, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44];
        p.extend_from_slice(&[0xff; 160]);
        use crate::harness::{Wrap, run_frames_with, target_options};
        let frame = Wrap::Udp(5004).apply(&p);
        let infos = run_frames_with(228, &[frame], target_options("rtp"));
        assert_eq!(
            infos,
            ["PT=ITU-T G.711 PCMU, SSRC=0x11223344, Seq=1000, Time=0, Mark"]
        );
    }
}
