//! Dispatch from transport payloads to the application dissectors.

use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::{Sink, Span};
use crate::tcp_pdu::{AppProto, PduBytes, PduNote, Rest, TcpPayload, TcpPdu};
use crate::{data, dns, grpc, http, http2, http2_body, tls};

/// A UDP payload: whoever the UDP port table gives either port to (the
/// lower port first, as Wireshark tries them; a dissector that returns 0
/// declined), else DNS where the payload parses as a message, else data.
/// `stream`: the datagram's `udp.stream`, for matching requests.
pub fn udp_payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    sport: u16,
    dport: u16,
    stream: Option<u32>,
) {
    cx.udp_stream = stream;
    // A conversation another protocol set up (SDP's RTP and RTCP) comes
    // before the ports, as Wireshark's conversation dissectors do.
    if let Some((src, dst)) = cx.ip_current
        && cx.quote_depth == 0
        && let Some(e) = cx.state.expected_connection((src, sport), (dst, dport))
        && cx
            .dissect_by(Table::Expected, e.proto.into(), buf, off)
            .is_some_and(|n| n > 0)
    {
        return;
    }
    let (lo, hi) = (sport.min(dport), sport.max(dport));
    let ports = if lo == hi { &[lo][..] } else { &[lo, hi][..] };
    for &port in ports {
        if cx
            .dissect_by(Table::UdpPort, port.into(), buf, off)
            .is_some_and(|n| n > 0)
        {
            return;
        }
    }
    for i in 0.. {
        match cx.dissect_by(Table::UdpHeuristic, i, buf, off) {
            Some(n) if n > 0 => return,
            Some(_) => {}
            None => break,
        }
    }
    let heuristic_off = OTHER_UDP_PORTS.contains(&lo) || OTHER_UDP_PORTS.contains(&hi);
    if !heuristic_off && dns::looks_like_dns(buf.rest(off)) {
        dns::dissect_udp(cx, buf, off, dns::Flavor::Dns);
    } else {
        data::dissect(cx, buf, off);
    }
}

/// A TCP segment's payload that no PDU framing claimed: whoever the TCP
/// port table (or a Decode As rule) gives either port to, segment by
/// segment, else data.
pub fn tcp_segment<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    (sport, dport): (u16, u16),
    stream: Option<u32>,
) {
    cx.tcp_stream = stream;
    let (lo, hi) = (sport.min(dport), sport.max(dport));
    let ports = if lo == hi { &[lo][..] } else { &[lo, hi][..] };
    for &port in ports {
        if cx
            .dissect_by(Table::TcpPort, port.into(), buf, off)
            .is_some_and(|n| n > 0)
        {
            return;
        }
    }
    // A connection another protocol announced (FTP's data connections).
    if let Some((src, dst)) = cx.ip_current
        && cx.quote_depth == 0
        && let Some(e) = cx.state.expected_connection((src, sport), (dst, dport))
    {
        cx.expected = Some(e);
        if cx
            .dissect_by(Table::Expected, e.proto.into(), buf, off)
            .is_some_and(|n| n > 0)
        {
            return;
        }
    }
    data::dissect(cx, buf, off);
}

/// UDP ports of protocols Wireshark dissects as themselves, where the DNS
/// heuristic must not look: NetBIOS name service (a DNS-like format), DHCP,
/// NTP, SNMP, syslog, IKE, SIP, RTP/STUN, QUIC's 443, ...
const OTHER_UDP_PORTS: &[u16] = &[
    67, 68, 69, 123, 137, 138, 161, 162, 443, 500, 514, 520, 546, 547, 1701, 1812, 1813, 3478,
    4500, 5060, 5061, 5246, 5247, 19302,
];

crate::fields! {
    SEGMENTS = crate::field::FieldDef::new("tcp.segments", "Reassembled TCP Segments", crate::field::FieldType::None).appended_label();
    SEGMENT = crate::field::FieldDef::new("tcp.segment", "TCP Segment", crate::field::FieldType::FrameNum);
    SEGMENT_COUNT = crate::field::FieldDef::new("tcp.segment.count", "Segment count", crate::field::FieldType::U32);
    REASSEMBLED_LENGTH = crate::field::FieldDef::new("tcp.reassembled.length", "Reassembled TCP length", crate::field::FieldType::U32);
    REASSEMBLED_DATA = crate::field::FieldDef::new("tcp.reassembled.data", "Reassembled TCP Data", crate::field::FieldType::Bytes);
    PDU_SIZE = crate::field::FieldDef::new("tcp.pdu.size", "PDU Size", crate::field::FieldType::U32);
}

/// Shows what a TCP segment's payload (`buf[off..]`, `len` bytes captured)
/// carries, as the analysis planned it: the PDUs it completes, then what
/// is left.
/// `tcp_item` is the segment's TCP layer, where tshark notes each PDU's size.
pub fn tcp_payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    plan: &TcpPayload,
    tcp_item: u32,
) {
    payload(cx, buf, off, plan, Some(tcp_item));
}

/// A TCP payload, or (no `tcp_item`) a TLS record's decrypted application
/// data, framed the same way.
fn payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    plan: &TcpPayload,
    tcp_item: Option<u32>,
) {
    let decrypted = tcp_item.is_none();
    // tshark's tcp_dissect_pdus notes each PDU's size under TCP.
    let pdu_size = |cx: &mut Cx<'_, S>, pdu: &TcpPdu, span: Span| {
        let sized = matches!(
            pdu.proto,
            AppProto::Http2 | AppProto::Dns | AppProto::WebSocket
        );
        if let (Some(item), true) = (tcp_item, sized) {
            cx.sink.reenter(item);
            cx.generated(&PDU_SIZE, span, crate::field::Value::U64(span.len.into()));
            cx.sink.pop();
        }
    };
    let mut group: Vec<&TcpPdu> = Vec::new();
    let mut in_frame_end = 0usize;
    for pdu in &plan.pdus {
        match &pdu.bytes {
            PduBytes::Reassembled(bytes) => {
                // A PDU from several segments: a data source of its own, and
                // a dissector call of its own.
                dissect_group(cx, buf, off, plan, &group, false);
                group.clear();
                let source = cx.sink.source("Reassembled TCP", bytes).max(1);
                pdu_size(cx, pdu, Span::in_source(source, 0, bytes.len()));
                segments_tree(cx, buf, off, pdu, source, bytes);
                let rbuf = Buf::source(bytes, source);
                dissect_run(cx, plan, &[(rbuf, 0, bytes.len(), pdu)]);
            }
            PduBytes::InFrame { start, len } => {
                in_frame_end = in_frame_end.max((*start + *len) as usize);
                pdu_size(cx, pdu, buf.span(off + *start as usize, *len as usize));
                group.push(pdu);
            }
        }
    }
    let pending = plan.rest == Rest::Pending;
    dissect_group(cx, buf, off, plan, &group, pending);
    match plan.rest {
        Rest::Data if plan.proto == AppProto::Tls => {
            tls::continuation(cx, buf, off + in_frame_end, plan.version)
        }
        Rest::Continuation => {
            http::continuation(cx, buf, off + in_frame_end);
            cx.app_info("", format_args!("Continuation"));
            if cx.quote_depth == 0 {
                cx.pi.protocol = std::borrow::Cow::Borrowed(proto::HTTP.column);
            }
        }
        Rest::Data => data::dissect(cx, buf, off + in_frame_end),
        Rest::Upgraded => {
            cx.mark(&proto::HTTP);
            data::dissect(cx, buf, off + in_frame_end);
        }

        // WebSocket frames are framed by tcp_dissect_pdus straight under
        // TCP in Wireshark: TCP's summary stays.
        Rest::Pending if plan.pdus.is_empty() && plan.proto == AppProto::WebSocket => {
            cx.append_info_sep(" ", format_args!("[TCP segment of a reassembled PDU]"));
        }
        Rest::Pending if plan.pdus.is_empty() && !decrypted => {
            cx.pi.protocol = std::borrow::Cow::Borrowed(proto::TCP.column);
            cx.set_info(format_args!("[TCP segment of a reassembled PDU]"));
        }
        _ => {}
    }
}

/// One call of an application dissector: the PDUs that lie in this segment,
/// and (TLS) the start of one not complete yet. Runs of the same protocol
/// share a layer entry (TLS and HTTP/2 also one tree item holding them).
fn dissect_group<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    plan: &TcpPayload,
    group: &[&TcpPdu],
    pending: bool,
) {
    let mut i = 0;
    while i < group.len() {
        let proto = group[i].proto;
        let run = group[i..].iter().take_while(|p| p.proto == proto).count();
        let pdus: Vec<(Buf<'_>, usize, usize, &TcpPdu)> = group[i..i + run]
            .iter()
            .filter_map(|p| match p.bytes {
                PduBytes::InFrame { start, len } => {
                    Some((buf, off + start as usize, len as usize, *p))
                }
                PduBytes::Reassembled(_) => None,
            })
            .collect();
        dissect_run(cx, plan, &pdus);
        i += run;
    }
    if pending && group.is_empty() && plan.proto == AppProto::Tls {
        // Wireshark's TLS shows its (empty) layer before asking for more,
        // leaving the Protocol column to what was there.
        let rest = buf.rest(off);
        let column = cx.pi.protocol.clone();
        cx.layer(
            &proto::TLS,
            buf.span(off + rest.len(), 0),
            format_args!("Transport Layer Security"),
        );
        cx.end_layer();
        cx.pi.protocol = column;
    }
}

/// PDUs of one protocol dissected in one call.
fn dissect_run<S: Sink>(
    cx: &mut Cx<'_, S>,
    plan: &TcpPayload,
    pdus: &[(Buf<'_>, usize, usize, &TcpPdu)],
) {
    let Some(&(_, _, _, first)) = pdus.first() else {
        return;
    };
    match first.proto {
        AppProto::Http2 => {
            // Under HTTP's port Wireshark reaches HTTP/2 through HTTP.
            if plan.http_port && cx.pi.protocols.last().is_none_or(|p| p.name() != "http") {
                cx.mark(&proto::HTTP);
            }
            let empty = http2::H2Note::default();
            // One tree item per frame, as Wireshark's PDU dissector adds
            // one each time TCP hands it a frame; listed once in
            // frame.protocols. A body a frame completes is shown in its
            // item, gRPC messages after it.
            for (i, &(b, o, l, pdu)) in pdus.iter().enumerate() {
                let note = match &pdu.note {
                    PduNote::H2(n) => n,
                    _ => &empty,
                };
                let title = format_args!("HyperText Transfer Protocol 2");
                if i == 0 {
                    cx.layer(&proto::HTTP2, b.span(o, l), title);
                } else {
                    cx.layer_again(&proto::HTTP2, b.span(o, l), title);
                }
                let body = http2::dissect_frame(cx, b, o, l, note);
                if note.body_part == http2_body::BodyPart::Whole {
                    body_media(cx, note, body, b.span(o, 0));
                }
                cx.end_layer();
                let f = b.get(o, l);
                if f.get(3) == Some(&0) && http2::is_grpc(note.content_type.as_deref()) {
                    let data = http2::data_body(f);
                    let at = o + (f.len() - data.len()).min(l);
                    grpc::dissect(cx, b, at, data.len().min(l), note);
                }
            }
        }
        AppProto::Tls => tls_records(cx, pdus),
        _ => {
            for (i, &(b, o, l, pdu)) in pdus.iter().enumerate() {
                dissect_pdu(cx, b, o, l, pdu, plan, i == 0);
            }
        }
    }
}

/// TLS records in one call of the TLS dissector, then what their
/// decrypted application data carries, each record's in turn. Wireshark
/// hands a record's data on before it reads the next record, so the Info
/// text of records after one with decrypted data comes after that data's.
fn tls_records<S: Sink>(cx: &mut Cx<'_, S>, pdus: &[(Buf<'_>, usize, usize, &TcpPdu)]) {
    let empty = tls::TlsNote::default();
    let mut decrypted = Vec::new();
    // Info text held back, with how many records' data must come first.
    let mut later_info: Vec<(usize, String)> = Vec::new();
    for (i, &(b, o, l, pdu)) in pdus.iter().enumerate() {
        // Where this record's Info text will start.
        let started = cx.app_info_started;
        let info_before = if started {
            cx.pi.info.len()
        } else {
            cx.info_fence.min(cx.pi.info.len())
        };
        let (note, inner) = match &pdu.note {
            PduNote::Tls(n, inner) => (n, inner.as_deref()),
            _ => (&empty, None),
        };
        let source = tls::dissect_record(cx, b, o, l, note, i == 0);
        if !decrypted.is_empty() && cx.app_info_started && cx.pi.info.len() > info_before {
            let text = cx.pi.info[info_before..]
                .trim_start_matches(", ")
                .to_owned();
            cx.pi.info.truncate(info_before);
            cx.app_info_started = started;
            later_info.push((decrypted.len(), text));
        }
        if let (Some(source), Some(plain), Some(inner)) = (source, note.decrypted.plain(), inner) {
            decrypted.push((source, &plain.bytes, inner));
        }
    }
    tls::end(cx);
    for (k, (source, bytes, inner)) in decrypted.into_iter().enumerate() {
        decrypted_payload(cx, Buf::source(bytes, source), inner);
        for (_, text) in later_info.iter().filter(|(after, _)| *after == k + 1) {
            cx.app_info_sep(", ", format_args!("{text}"));
        }
    }
}

/// A record's decrypted application data, as its protocol sees it.
fn decrypted_payload<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, inner: &TcpPayload) {
    if inner.pdus.is_empty() && inner.rest == Rest::Pending {
        // Part of a message that later records complete: said in place of
        // what TLS wrote so far, and what later records add follows.
        cx.restart_app_info();
        cx.app_info_sep(", ", format_args!("[TLS segment of a reassembled PDU]"));
        return;
    }
    if matches!(inner.proto, AppProto::Http | AppProto::Http2) && !inner.pdus.is_empty() {
        // HTTP and HTTP/2 write the Info column afresh each time TLS
        // hands them a record.
        cx.restart_app_info();
    }
    payload(cx, buf, 0, inner, None);
}

/// A whole HTTP/2 body handed to what its media type names, inside the
/// frame's HTTP/2 item as Wireshark does: text and markup, DNS over
/// HTTPS, opaque data. A body without a type goes to no one.
fn body_media<S: Sink>(
    cx: &mut Cx<'_, S>,
    note: &http2::H2Note,
    body: Option<http2::CompletedBody<'_>>,
    anchor: Span,
) {
    let Some(ct) = note.content_type.as_deref() else {
        return;
    };
    let Some(http2::CompletedBody { buf, at, len }) = body else {
        // Too long to keep: its length is all there is to show.
        if http2::is_opaque(Some(ct)) {
            data::counted(cx, anchor, note.body_len);
        }
        return;
    };
    let end = at + len;
    let whole = Buf {
        bytes: buf.get(0, end),
        source: buf.source,
        reported: end,
    };
    if http2::shown_with_media_type(ct) {
        let media = crate::table::media_type(ct);
        cx.dissect_media(&media, true, whole, at);
    } else if http2::is_dns(ct) {
        let m = note.dns.unwrap_or_default();
        dns::dissect(cx, whole, at, len, false, dns::Flavor::DoH, &m, true);
    } else if http2::is_opaque(Some(ct)) {
        data::dissect(cx, whole, at);
    }
}

fn dissect_pdu<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    pdu: &TcpPdu,
    _plan: &TcpPayload,
    first: bool,
) {
    match (pdu.proto, &pdu.note) {
        (AppProto::Dns, note) => {
            let m = match note {
                PduNote::Dns(m) => *m,
                _ => Default::default(),
            };
            let flavor = match cx.pi.transport {
                crate::packet::Transport::Tcp(s) => {
                    let (lo, hi) = (s.src_port.min(s.dst_port), s.src_port.max(s.dst_port));
                    dns::Flavor::by_port(lo).or_else(|| dns::Flavor::by_port(hi))
                }
                _ => None,
            };
            dns::dissect(
                cx,
                buf,
                off,
                len,
                true,
                flavor.unwrap_or(dns::Flavor::Dns),
                &m,
                first,
            );
        }
        (AppProto::WebSocket, _) => {
            // Upgraded from HTTP, which hands its frames on (as Wireshark's
            // http.upgrade table): HTTP is in the layers, with no item.
            // (A connection decoded as WebSocket shows it too.)
            cx.mark(&proto::HTTP);
            crate::websocket::dissect(cx, buf, off, len)
        }
        (AppProto::Http, note) => {
            let none = http::HttpNote::default();
            let note = match note {
                PduNote::Http(n) => n,
                _ => &none,
            };
            http::dissect_message(cx, &proto::HTTP, buf, off, len, pdu.body_len, note, first);
        }
        (AppProto::Preamble, _) => {
            let b = Buf {
                bytes: buf.get(0, off + len),
                source: buf.source,
                reported: off + len,
            };
            if cx
                .dissect_by(Table::TcpPreamble, 0, b, off)
                .is_none_or(|n| n == 0)
            {
                data::dissect(cx, b, off);
            }
        }
        // Lines seen before: the protocol above would take them twice.
        (AppProto::Lines, _) if pdu.retransmitted => {}
        (AppProto::Lines, _) => {
            let b = Buf {
                bytes: buf.get(0, off + len),
                source: buf.source,
                reported: off + len,
            };
            if let crate::packet::Transport::Tcp(s) = cx.pi.transport {
                let (lo, hi) = (s.src_port.min(s.dst_port), s.src_port.max(s.dst_port));
                for port in [lo, hi] {
                    if cx
                        .dissect_by(Table::TcpLines, port.into(), b, off)
                        .is_some_and(|n| n > 0)
                    {
                        return;
                    }
                }
            }
            data::dissect(cx, b, off);
        }
        _ => {
            let b = Buf {
                bytes: buf.get(0, off + len),
                source: buf.source,
                reported: off + len,
            };
            data::dissect(cx, b, off);
        }
    }
}

/// Wireshark's "[N Reassembled TCP Segments (X bytes): #f(l), ...]", with
/// each segment's range in the reassembled data (`source`).
fn segments_tree<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    pdu: &TcpPdu,
    source: u16,
    whole: &[u8],
) {
    static FIELDS: crate::pieces_tree::PiecesFields = crate::pieces_tree::PiecesFields {
        list: &SEGMENTS,
        piece: &SEGMENT,
        count: &SEGMENT_COUNT,
        length: &REASSEMBLED_LENGTH,
        data: Some(&REASSEMBLED_DATA),
    };
    let pieces: Vec<(u32, u32)> = pdu.pieces.iter().map(|p| (p.frame, p.len)).collect();
    let anchor = buf.span(off, 0);
    crate::pieces_tree::pieces_tree(cx, &FIELDS, anchor, &pieces, Some((source, whole)));
}
