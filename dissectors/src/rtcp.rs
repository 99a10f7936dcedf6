//! RTCP (RFC 3550) on the port above an RTP conversation SDP announced:
//! each packet of a compound datagram with its common header, Info the
//! packet types as tshark lists them (`Sender Report   Source description   `).

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static PACKET_TYPES: &[(u64, &str)] = &[
    (192, "Full INTRA-frame Request (H.261)"),
    (193, "Negative Acknowledgement (H.261)"),
    (194, "SMPTE time-code mapping"),
    (195, "Extended inter-arrival jitter report"),
    (200, "Sender Report"),
    (201, "Receiver Report"),
    (202, "Source description"),
    (203, "Goodbye"),
    (204, "Application specific"),
    (205, "Generic RTP Feedback"),
    (206, "Payload-specific"),
    (207, "Extended report (RFC 3611)"),
];

crate::fields! {
    VERSION = FieldDef::new("rtcp.version", "Version", T::U8).mask(0xc0);
    PADDING = FieldDef::new("rtcp.padding", "Padding", T::Boolean).mask(0x20);
    RC = FieldDef::new("rtcp.rc", "Reception report count", T::U8).mask(0x1f);
    PT = FieldDef::new("rtcp.pt", "Packet type", T::U8).names(PACKET_TYPES);
    LENGTH = FieldDef::new("rtcp.length", "Length", T::U16);
    SENDER_SSRC = FieldDef::new("rtcp.senderssrc", "Sender SSRC", T::U32).base(Base::Hex);
}

/// Packets read per compound datagram.
const MAX_PACKETS: usize = 64;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    if b.len() < 4 || b[0] >> 6 != 2 {
        return 0;
    }
    let mut info = String::new();
    let mut p = 0;
    let mut n = 0;
    while p + 4 <= b.len() && n < MAX_PACKETS {
        let (flags, pt) = (b[p], b[p + 1]);
        let words = bytes::be16(b, p + 2).unwrap_or(0);
        let len = (usize::from(words) + 1) * 4;
        let name = crate::field::lookup(PACKET_TYPES, pt.into()).unwrap_or("Unknown");
        let shown = len.min(b.len() - p);
        let at = |o: usize, l: usize| buf.span(off + p + o, l);
        let span = buf.span(off + p, shown);
        let label = format_args!("Real-time Transport Control Protocol ({name})");
        // The protocol is listed once per datagram, as Wireshark's.
        if n == 0 {
            cx.layer(&proto::RTCP, span, label);
        } else {
            cx.layer_again(&proto::RTCP, span, label);
        }
        cx.field(&VERSION, at(0, 1), Value::U64((flags >> 6).into()));
        cx.field(&PADDING, at(0, 1), Value::Bool(flags & 0x20 != 0));
        cx.field(&RC, at(0, 1), Value::U64((flags & 0x1f).into()));
        cx.field(&PT, at(1, 1), Value::U64(pt.into()));
        cx.field(&LENGTH, at(2, 2), Value::U64(words.into()));
        if let Some(ssrc) = bytes::be32(b, p + 4) {
            cx.field(&SENDER_SSRC, at(4, 4), Value::U64(ssrc.into()));
        }
        cx.end_layer();
        info.push_str(name);
        info.push_str("   ");
        p += len;
        n += 1;
    }
    cx.set_info(format_args!("{info}"));
    b.len().max(1)
}

#[cfg(test)]
mod tests {
    use crate::harness::{Wrap, run_frames_with, target_options};

    #[test]
    fn a_compound_datagram_lists_its_packets() {
        let mut p = vec![0x80, 200, 0, 6, 0x11, 0x22, 0x33, 0x44];
        p.extend_from_slice(&[0; 20]);
        p.extend_from_slice(&[0x81, 202, 0, 2, 0x11, 0x22, 0x33, 0x44, 1, 1, b'a', 0]);
        let frame = Wrap::Udp(5005).apply(&p);
        let infos = run_frames_with(228, &[frame], target_options("rtcp"));
        assert_eq!(infos, ["Sender Report   Source description   "]);
    }
}
