//! SDP (RFC 4566), the body of SIP (application/sdp): each line as
//! tshark's `sdp.*` fields, and for each RTP media line the RTP and RTCP
//! conversations it announces, so their datagrams are dissected as such.

use std::net::IpAddr;

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, Expectation};
use crate::proto;
use crate::sink::Sink;
use crate::text_lines::{lines, trim_eol};

/// The media types SDP is registered for.
pub const MEDIA_TYPES: &[&str] = &["application/sdp"];

crate::fields! {
    VERSION = FieldDef::new("sdp.version", "Session Description Protocol Version (v)", T::String);
    OWNER = FieldDef::new("sdp.owner", "Owner/Creator, Session Id (o)", T::String);
    SESSION_NAME = FieldDef::new("sdp.session_name", "Session Name (s)", T::String);
    CONNECTION_INFO = FieldDef::new("sdp.connection_info", "Connection Information (c)", T::String);
    CONNECTION_ADDRESS = FieldDef::new("sdp.connection_info.address", "Connection Address", T::String);
    TIME = FieldDef::new("sdp.time", "Time Description, active time (t)", T::String);
    MEDIA = FieldDef::new("sdp.media", "Media Description, name and address (m)", T::String);
    MEDIA_MEDIA = FieldDef::new("sdp.media.media", "Media Type", T::String);
    MEDIA_PORT = FieldDef::new("sdp.media.port", "Media Port", T::U16);
    MEDIA_PROTO = FieldDef::new("sdp.media.proto", "Media Protocol", T::String);
    MEDIA_ATTR = FieldDef::new("sdp.media_attr", "Media Attribute (a)", T::String);
    SESSION_ATTR = FieldDef::new("sdp.session_attr", "Session Attribute (a)", T::String);
    BANDWIDTH = FieldDef::new("sdp.bandwidth", "Bandwidth Information (b)", T::String);
    INFO = FieldDef::new("sdp.session_info", "Session Information (i)", T::String);
}

/// What each line type is shown as.
fn line_field(kind: u8, in_media: bool) -> Option<&'static FieldDef> {
    Some(match kind {
        b'v' => &VERSION,
        b'o' => &OWNER,
        b's' => &SESSION_NAME,
        b'i' => &INFO,
        b'c' => &CONNECTION_INFO,
        b'b' => &BANDWIDTH,
        b't' => &TIME,
        b'm' => &MEDIA,
        b'a' if in_media => &MEDIA_ATTR,
        b'a' => &SESSION_ATTR,
        _ => return None,
    })
}

/// Media lines read per body.
const MAX_MEDIA: usize = 16;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    cx.match_string = None;
    let column = cx.pi.protocol.clone();
    cx.layer(
        &proto::SDP,
        buf.span(off, b.len()),
        format_args!("Session Description Protocol"),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = format!("{column}/SDP").into();
    }
    let mut session_addr = None;
    let mut media: Vec<(Option<IpAddr>, u16, bool)> = Vec::new();
    for (at, line) in lines(b) {
        let line = trim_eol(line);
        let (Some(&kind), Some(b'=')) = (line.first(), line.get(1).copied()) else {
            continue;
        };
        let value = String::from_utf8_lossy(&line[2..]);
        let Some(def) = line_field(kind, !media.is_empty()) else {
            continue;
        };
        let span = buf.span(off + at, line.len());
        cx.labeled(
            def,
            span,
            Value::Str(&value),
            format_args!("{}: {value}", def.title),
        );
        match kind {
            b'c' => {
                let addr = connection_address(cx, buf, off + at + 2, &line[2..]);
                match media.last_mut() {
                    Some(m) => m.0 = addr.or(m.0),
                    None => session_addr = addr,
                }
            }
            b'm' if media.len() < MAX_MEDIA => {
                let m = media_line(cx, buf, off + at + 2, &line[2..]);
                media.push((None, m.0, m.1));
            }
            _ => {}
        }
    }
    cx.end_layer();
    for (addr, port, rtp) in media {
        if let (Some(addr), true, true) = (addr.or(session_addr), rtp, port > 0) {
            announce(cx, addr, port);
        }
    }
    b.len().max(1)
}

/// `c=IN IP4 192.0.2.1`: the address item; the address if it reads.
fn connection_address<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    value: &[u8],
) -> Option<IpAddr> {
    let parts: Vec<&[u8]> = value.split(|&c| c == b' ').collect();
    let addr = parts.get(2)?;
    let addr = addr.split(|&c| c == b'/').next().unwrap_or(addr);
    let addr_at = parts[0].len() + parts[1].len() + 2;
    let text = String::from_utf8_lossy(addr);
    cx.push();
    cx.field(
        &CONNECTION_ADDRESS,
        buf.span(at + addr_at, addr.len()),
        Value::Str(&text),
    );
    cx.pop();
    text.parse().ok()
}

/// `m=audio 49170 RTP/AVP 0`: its items; the port and whether it is RTP.
fn media_line<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, value: &[u8]) -> (u16, bool) {
    let parts: Vec<&[u8]> = value.split(|&c| c == b' ').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or(&[]);
    let (media, port_text, proto) = (part(0), part(1), part(2));
    let port_digits = port_text.split(|&c| c == b'/').next().unwrap_or(&[]);
    let port = String::from_utf8_lossy(port_digits)
        .parse::<u16>()
        .unwrap_or(0);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    cx.push();
    cx.field(
        &MEDIA_MEDIA,
        buf.span(at, media.len()),
        Value::Str(&text(media)),
    );
    // Items only for the parts the line has.
    let port_at = media.len() + 1;
    if parts.len() > 1 {
        let span = buf.span(at + port_at, port_text.len());
        cx.field(&MEDIA_PORT, span, Value::U64(port.into()));
    }
    let proto_at = port_at + port_text.len() + 1;
    if parts.len() > 2 {
        let span = buf.span(at + proto_at, proto.len());
        cx.field(&MEDIA_PROTO, span, Value::Str(&text(proto)));
    }
    cx.pop();
    (port, proto.starts_with(b"RTP/"))
}

/// RTP on `addr:port` and RTCP on the port above, from any peer (as
/// Wireshark's SDP sets them up).
fn announce<S: Sink>(cx: &mut Cx<'_, S>, addr: IpAddr, port: u16) {
    if cx.quote_depth != 0 {
        return;
    }
    let parent = ConversationKey {
        tcp: false,
        stream: cx.udp_stream.unwrap_or(0),
        proto: proto::SIP.id,
    };
    for (port, p) in [
        (Some(port), &proto::RTP),
        (port.checked_add(1), &proto::RTCP),
    ] {
        if let Some(port) = port {
            cx.state.udp_conversation((addr, port), None);
            cx.state.expect_connection(Expectation {
                addr,
                port,
                other_port: None,
                proto: p.id,
                parent,
            });
        }
    }
}
