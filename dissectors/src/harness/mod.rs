//! The fuzz targets' harness, shared with the regression tests that replay
//! what the fuzzer once found: frames through the same dissection and
//! analysis the app runs, with the details tree built, so that every path
//! (labels included) sees hostile input, and every byte range checked.

mod quic;
pub use quic::quic;

use crate::analysis::Analyzer;
use crate::packet::{FrameMeta, Options, PacketInfo};
use crate::tree::TreeBuilder;

/// How a target wraps each fuzzed frame: the headers that steer its bytes
/// to the dissector under test, with lengths that cover them whole (a
/// 64 KiB DNS message must reach the DNS dissector whole).
#[derive(Debug, Clone, Copy)]
pub enum Wrap {
    None,
    Ethernet(u16),
    Ipv4(u8),
    Ipv6(u8),
    /// IPv4 and UDP from this source port.
    Udp(u16),
    /// 802.3 with LLC SNAP: Cisco's OUI and this protocol id.
    CiscoSnap(u16),
}

impl Wrap {
    pub fn apply(self, payload: &[u8]) -> Vec<u8> {
        let mut f = match self {
            Wrap::None => Vec::new(),
            Wrap::Ethernet(t) => {
                let mut h = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5];
                h.extend_from_slice(&t.to_be_bytes());
                h
            }
            Wrap::CiscoSnap(pid) => {
                let len = (8 + payload.len()).min(1500) as u16;
                let mut h = vec![0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0, 1, 2, 3, 4, 5];
                h.extend_from_slice(&len.to_be_bytes());
                h.extend_from_slice(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c]);
                h.extend_from_slice(&pid.to_be_bytes());
                h
            }
            Wrap::Ipv4(proto) => ipv4_header(proto, payload.len()),
            Wrap::Ipv6(next) => ipv6_header(next, payload.len()),
            Wrap::Udp(sport) => {
                let mut h = ipv4_header(17, 8 + payload.len());
                let len = (8 + payload.len()).min(0xffff) as u16;
                h.extend_from_slice(&sport.to_be_bytes());
                h.extend_from_slice(&[0x9c, 0x40]);
                h.extend_from_slice(&len.to_be_bytes());
                h.extend_from_slice(&[0, 0]);
                h
            }
        };
        f.extend_from_slice(payload);
        f
    }
}

/// The dissector fuzz targets: name, link type and how frames are wrapped.
pub fn target(name: &str) -> Option<(u32, Wrap)> {
    Some(match name {
        "arp" => (1, Wrap::Ethernet(0x0806)),
        "icmp" => (228, Wrap::Ipv4(1)),
        "icmpv6" => (229, Wrap::Ipv6(58)),
        "ipv4" => (228, Wrap::None),
        "ipv6" => (229, Wrap::None),
        "tcp" => (228, Wrap::Ipv4(6)),
        "udp" => (228, Wrap::Ipv4(17)),
        // A UDP datagram from port 53: every frame is a DNS message.
        "dns" => (228, Wrap::Udp(53)),
        "dhcp" => (228, Wrap::Udp(67)),
        "ntp" => (228, Wrap::Udp(123)),
        "nbns" => (228, Wrap::Udp(137)),
        "dhcpv6" => (228, Wrap::Udp(547)),
        "syslog" => (228, Wrap::Udp(514)),
        "snmp" => (228, Wrap::Udp(161)),
        // Dropbox discovery: its payload is handed to JSON.
        "json" => (228, Wrap::Udp(17500)),
        "vxlan" => (228, Wrap::Udp(4789)),
        "teredo" => (228, Wrap::Udp(3544)),
        "sip" => (228, Wrap::Udp(5060)),
        "tftp" => (228, Wrap::Udp(69)),
        // RTP and RTCP are found on conversations SDP announced; the
        // targets reach them by Decode As (see `decode_as_rule`).
        "rtp" => (228, Wrap::Udp(5004)),
        "rtcp" => (228, Wrap::Udp(5005)),
        "geneve" => (228, Wrap::Udp(6081)),
        "mpls" => (1, Wrap::Ethernet(0x8847)),
        "cmd" => (1, Wrap::Ethernet(0x8909)),
        "lldp" => (1, Wrap::Ethernet(0x88cc)),
        "cdp" => (1, Wrap::CiscoSnap(0x2000)),
        "gre" => (228, Wrap::Ipv4(47)),
        "igmp" => (228, Wrap::Ipv4(2)),
        // An 802.3 length: LLC, then spanning tree and SNAP.
        "llc" => (1, Wrap::Ethernet(1500)),
        "ppp" => (9, Wrap::None),
        _ => return None,
    })
}

/// The application targets over TCP: the input is one direction's byte
/// stream of a connection (to `port`), cut into segments, some sent twice
/// or out of order, with the other direction answering with part of it.
pub fn stream_target(name: &str) -> Option<(u16, &'static [u8])> {
    Some(match name {
        "tls" => (443, b""),
        "http" => (80, b""),
        // Prior knowledge: the connection starts with the preface.
        "http2" => (8080, crate::http2::PREFACE),
        "dns_tcp" => (53, b""),
        "ssh" => (22, b""),
        "ftp" => (21, b""),
        "pop" => (110, b""),
        "imap" => (143, b""),
        "smtp" => (25, b""),
        // A mail message in multipart form (after a DATA command of its
        // own, see `first_segment`): the input is its body, which SMTP's DATA
        // collects until a "\r\n.\r\n".
        "multipart" => (25, b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"),
        // An HTML form's fields as the body of an HTTP request: its first
        // 64 bytes (what follows is more requests).
        "urlencoded_form" => (
            80,
            b"POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 64\r\n\r\n",
        ),
        // A port no protocol claims: the connection's start is looked at
        // for a PROXY header.
        "proxy" => (9999, b""),
        "ftp_data" => (20, b""),
        "pptp" => (1723, b""),
        // FTP data that opens with an XML declaration: line-based text data
        // hands it to XML.
        "xml" => (20, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        _ => return None,
    })
}

/// Link types the `link_layers` target picks from (its first byte).
pub const LINKTYPES: [u32; 9] = [1, 113, 276, 0, 108, 101, 228, 229, 12];

/// Targets whose frames are read with a Decode As rule, and the rule.
const DECODE_AS_TARGETS: [(&str, &str); 2] = [
    ("rtp", "udp.port==5004,rtp"),
    ("rtcp", "udp.port==5005,rtcp"),
];

/// The options a target runs with: columns, and its Decode As rule.
pub(crate) fn target_options(name: &str) -> Options {
    static RULES: std::sync::OnceLock<Vec<crate::decode_as::DecodeAs>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        DECODE_AS_TARGETS
            .iter()
            .map(|(_, text)| {
                let mut d = crate::decode_as::DecodeAs::EMPTY;
                if let Ok(r) = crate::registry::decode_as_rule(text) {
                    let _ = d.push(r);
                }
                d
            })
            .collect()
    });
    let mut opts = Options::new(true);
    if let Some(i) = DECODE_AS_TARGETS.iter().position(|(n, _)| *n == name) {
        opts.decode_as = &rules[i];
    }
    opts
}

/// What a stream target's client sends alone before its stream (SMTP's
/// DATA, which must not share a segment with the message).
fn first_segment(name: &str) -> &'static [u8] {
    match name {
        "multipart" => b"DATA\r\n",
        _ => b"",
    }
}

/// Runs the input as the named target would.
pub fn run_target(name: &str, data: &[u8]) {
    if name == "hpack" {
        hpack(data);
    } else if name == "qpack" {
        qpack(data);
    } else if name == "tls_keylog" {
        let (log, errors) = crate::tls::keylog::KeyLog::parse(data);
        let again = crate::tls::keylog::KeyLog::parse(log.to_text().as_bytes());
        assert!(again.1.is_empty() && again.0 == log, "{errors:?}");
    } else if name == "tls_decrypt" {
        let _ = tls_decrypt(data);
    } else if name == "quic" {
        let _ = quic(data);
    } else if name == "sse" {
        sse(data);
    } else if name == "websocket" {
        websocket(data);
    } else if let Some((port, lead)) = stream_target(name) {
        run_stream_after(port, first_segment(name), lead, data);
    } else if name == "link_layers" {
        if let Some((&pick, rest)) = data.split_first() {
            run(LINKTYPES[pick as usize % LINKTYPES.len()], Wrap::None, rest);
        }
    } else if let Some((linktype, wrap)) = target(name) {
        let frames: Vec<Vec<u8>> = frames(data).into_iter().map(|f| wrap.apply(f)).collect();
        run_frames_with(linktype, &frames, target_options(name));
    }
}

/// Splits the input into up to 8 frames (the first byte says how many) so the
/// stateful parts (fragment reassembly, TCP analysis) see sequences.
pub fn frames(data: &[u8]) -> Vec<&[u8]> {
    let Some((&n, rest)) = data.split_first() else {
        return Vec::new();
    };
    let n = (n as usize % 8) + 1;
    let size = rest.len().div_ceil(n).max(1);
    rest.chunks(size).collect()
}

/// Dissects each frame, wrapped, with link type `linktype`; panics if a
/// node's byte range lies outside the packet.
pub fn run(linktype: u32, wrap: Wrap, data: &[u8]) -> Vec<String> {
    let frames: Vec<Vec<u8>> = frames(data).into_iter().map(|f| wrap.apply(f)).collect();
    run_frames(linktype, &frames)
}

/// Dissects and analyses `frames` in order, building each tree and
/// checking every node's byte range; returns each frame's Info column.
pub fn run_frames(linktype: u32, frames: &[Vec<u8>]) -> Vec<String> {
    run_frames_with(linktype, frames, Options::new(true))
}

/// As [`run_frames`], with `opts` (a target's Decode As rule).
pub fn run_frames_with(linktype: u32, frames: &[Vec<u8>], opts: Options) -> Vec<String> {
    run_frames_keyed(linktype, frames, opts, None, 0)
}

/// As [`run_frames_with`], decrypting TLS with `keys`, which the analysis
/// gets at frame index `keys_from` (before it, an empty key log: keys
/// that come late, as a key log written while capturing gives them).
pub fn run_frames_keyed(
    linktype: u32,
    frames: &[Vec<u8>],
    opts: Options,
    keys: Option<std::sync::Arc<crate::tls::keylog::KeyLog>>,
    keys_from: usize,
) -> Vec<String> {
    let mut state = Analyzer::new(true);
    let mut late = None;
    if keys_from == 0 {
        state.set_keys(keys);
    } else {
        state.set_keys(keys.as_ref().map(|_| Default::default()));
        late = keys;
    }
    let mut pi = PacketInfo::default();
    let mut infos = Vec::with_capacity(frames.len());
    for (i, bytes) in frames.iter().enumerate() {
        let bytes = bytes.clone();
        // Some frames claim more on the wire than was captured, as snaplen does.
        let orig_len = if i % 2 == 0 {
            bytes.len() as u32
        } else {
            bytes.len() as u32 + 100
        };
        let meta = FrameMeta {
            number: i as u32 + 1,
            ts_ns: 1_700_000_000_000_000_000 + i as i64 * 1_000_000,
            orig_len,
            linktype,
            ..Default::default()
        };
        if i == keys_from && late.is_some() {
            state.set_keys(late.take());
        }
        state.begin_frame();
        let mut tree = TreeBuilder::new();
        let file = crate::packet::FrameFile::default();
        crate::dissect_frame(&meta, &bytes, &file, &mut state, opts, &mut tree, &mut pi);
        state.end_frame(&pi);
        let t = tree.finish();
        for n in &t.nodes {
            let len = t.source_bytes(&bytes, n.span.source).len();
            assert!(
                n.span.end() <= len.max(meta.orig_len as usize),
                "span {:?} past {len} (orig {}): {:?} {:?}",
                n.span,
                meta.orig_len,
                n.field.map(|f| f.name),
                n.label
            );
        }
        infos.push(pi.info.clone());
    }
    infos
}

/// Segments a stream target cuts its input into, at most: with one-byte
/// segments, 1 KiB of stream; with the largest, the protocols' real limits
/// (a 64 KiB DNS message, a 16 KiB TLS record, an HTTP/2 frame). Each
/// segment is a frame whose whole tree is built, about 0.3 ms under the
/// fuzzer's sanitizers: 4096 one-byte segments of an 8 KiB HTTP/2 input
/// took 1-3 s, past the fuzzer's timeout, to reach no path that 1024 do
/// not (profiled: the time was the IP and TCP trees, not HTTP/2).
const MAX_SEGMENTS: usize = 1024;

/// A TCP connection to `port` (handshake seen) carrying `lead` and then the
/// input as the client's stream. The first input byte steers the cutting:
/// segment size, and which segments come late, twice or answered by the
/// server with a slice of the same bytes.
pub fn run_stream(port: u16, lead: &[u8], data: &[u8]) -> Vec<String> {
    run_stream_after(port, b"", lead, data)
}

/// [`run_stream`] with `first` sent alone before the stream.
pub fn run_stream_after(port: u16, first: &[u8], lead: &[u8], data: &[u8]) -> Vec<String> {
    let Some((&steer, rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut stream = lead.to_vec();
    stream.extend_from_slice(rest);
    let size = 1 + (steer as usize & 0x3f) * 23;
    let (client, server) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let mut frames: Vec<Vec<u8>> = vec![
        tcp_frame(client, server, 40000, port, 1000, 0, 0x002, &[]),
        tcp_frame(server, client, port, 40000, 5000, 1001, 0x012, &[]),
        tcp_frame(client, server, 40000, port, 1001, 5001, 0x010, &[]),
    ];
    if !first.is_empty() {
        frames.push(tcp_frame(
            client, server, 40000, port, 1001, 5001, 0x018, first,
        ));
    }
    let start = 1001u32.wrapping_add(first.len() as u32);
    let mut server_seq = 5001u32;
    let chunks: Vec<(usize, &[u8])> = stream
        .chunks(size)
        .scan(0usize, |off, c| {
            let at = *off;
            *off += c.len();
            Some((at, c))
        })
        .take(MAX_SEGMENTS)
        .collect();
    let mut late: Option<Vec<u8>> = None;
    for (i, &(off, c)) in chunks.iter().enumerate() {
        let seq = start.wrapping_add(off as u32);
        let f = tcp_frame(client, server, 40000, port, seq, server_seq, 0x018, c);
        match (steer >> 6, i % 5) {
            // Hold one segment back: it comes after the next (reordering).
            (1, 1) => late = Some(f),
            // Send one twice (a retransmission).
            (2, 2) => {
                frames.push(f.clone());
                frames.push(f);
            }
            _ => frames.push(f),
        }
        if i % 5 == 2
            && let Some(l) = late.take()
        {
            frames.push(l);
        }
        // The server answers with the same bytes: the other direction's
        // parser sees hostile input too.
        if steer >> 6 == 3 && i % 3 == 0 {
            frames.push(tcp_frame(
                server, client, port, 40000, server_seq, seq, 0x018, c,
            ));
            server_seq = server_seq.wrapping_add(c.len() as u32);
        }
    }
    frames.extend(late);
    frames.push(tcp_frame(
        client,
        server,
        40000,
        port,
        start + stream.len() as u32,
        server_seq,
        0x011,
        &[],
    ));
    run_frames(228, &frames)
}

/// An IPv4 frame (link type 228) of one TCP segment.
#[allow(clippy::too_many_arguments)]
pub fn tcp_frame(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = ipv4_between(src, dst, 6, 20 + payload.len());
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// An IPv4 header (DF, TTL 64, no options) from `src` to `dst` carrying
/// `proto` and `len` bytes after it.
pub(crate) fn ipv4_between(src: [u8; 4], dst: [u8; 4], proto: u8, len: usize) -> Vec<u8> {
    let total = (20 + len).min(0xffff) as u16;
    let mut f = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0];
    f[2..4].copy_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f
}

/// The HPACK decoder on its own: the input is a sequence of header blocks
/// (a length byte before each), decoded by one decoder as a connection
/// would, with a table-size bound that hostile blocks cannot raise.
/// A `text/event-stream` response head whose body is the input's first
/// kilobyte.
const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 1024\r\n\r\n";

/// Server-Sent Events: read as it arrives, in the input's pieces, the
/// stream gives the events it gives read whole; then the input is the body
/// of an HTTP response, through the SSE dissector.
fn sse(data: &[u8]) {
    let read = |pieces: &[&[u8]]| {
        let mut s = crate::sse::EventStream::default();
        let mut events = Vec::new();
        for p in pieces {
            s.feed(p, &mut |e| events.push(e));
        }
        events
    };
    let pieces = frames(data);
    assert_eq!(read(&pieces), read(&[&pieces.concat()]));
    run_stream_after(80, b"", SSE_HEAD, data);
}

/// WebSocket: the input's first byte says whether messages are deflated
/// (and with context takeover); read in the input's pieces, the stream
/// gives the messages it gives read whole. Then the frames are dissected
/// as a connection's after its upgrade.
fn websocket(data: &[u8]) {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let deflate = match how % 3 {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    };
    let read = |pieces: &[&[u8]]| {
        let mut r = crate::websocket::WebSocketReader::new(deflate);
        let mut messages = Vec::new();
        for p in pieces {
            r.feed(p, &mut |m| messages.push(m));
        }
        (messages, r.broken)
    };
    let pieces = frames(rest);
    assert_eq!(read(&pieces), read(&[&pieces.concat()]));
    // The same bytes as a connection's frames after an HTTP upgrade,
    // through the engine's framing and the websocket dissector.
    run_stream_after(80, b"", WEBSOCKET_UPGRADE, rest);
}

/// A `101` switching a connection to WebSocket.
const WEBSOCKET_UPGRADE: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";

fn hpack(data: &[u8]) {
    let mut d = crate::hpack::HpackDecoder::new(data.first().is_some_and(|b| b & 1 == 0));
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let Some((&n, tail)) = rest.split_first() {
        let n = (n as usize).min(tail.len());
        let (block, tail) = tail.split_at(n);
        let _ = crate::hpack::representations(block);
        let _ = crate::hpack::complete_len(block);
        let _ = d.decode(block);
        rest = tail;
    }
}

/// QPACK: the first byte picks the decoding peer's table capacity, then
/// each chunk (a length byte: its low bit says which) goes to the encoder
/// stream or is decoded as a field section. The table stays within its
/// capacity and every decoded section within its bounds.
fn qpack(data: &[u8]) {
    let mut t = crate::qpack::QpackTable::default();
    if let Some(&cap) = data.first() {
        t.set_max_capacity([0, 220, 4096, 1 << 20][usize::from(cap & 3)]);
    }
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let Some((&n, tail)) = rest.split_first() {
        let len = usize::from(n >> 1).min(tail.len());
        let (chunk, tail) = tail.split_at(len);
        if n & 1 == 0 {
            t.feed_encoder(chunk);
            let (size, capacity) = t.size_and_capacity();
            assert!(size <= capacity && capacity <= crate::qpack::MAX_TABLE);
        } else if let crate::qpack::Section::Decoded { lines, .. } = t.decode(chunk) {
            assert!(lines.len() <= crate::qpack::MAX_LINES);
        }
        rest = tail;
    }
}

/// The secrets of the `tls_decrypt` target's session (client random
/// 0x42...): every kind, each a constant.
pub(crate) fn harness_keys() -> crate::tls::keylog::KeyLog {
    let random = "42".repeat(32);
    let mut text = format!("CLIENT_RANDOM {random} {}\n", "33".repeat(48));
    for (label, byte) in [
        ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "11"),
        ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "22"),
        ("CLIENT_TRAFFIC_SECRET_0", "44"),
        ("SERVER_TRAFFIC_SECRET_0", "55"),
        ("CLIENT_EARLY_TRAFFIC_SECRET", "66"),
    ] {
        text.push_str(&format!("{label} {random} {}\n", byte.repeat(48)));
    }
    crate::tls::keylog::KeyLog::parse(text.as_bytes()).0
}

/// A handshake record of one message.
fn handshake_record(t: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![22, 3, 3, 0, 0, t, 0, 0, 0];
    r[3..5].copy_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    r[6..9].copy_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    r.extend_from_slice(body);
    r
}

/// A hello: version, random, no session ID, one suite, null compression,
/// and `extensions` (type, data).
fn hello_body(
    random: [u8; 32],
    suite: u16,
    client: bool,
    extensions: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&random);
    b.push(0);
    if client {
        b.extend_from_slice(&[0, 2]);
    }
    b.extend_from_slice(&suite.to_be_bytes());
    b.extend_from_slice(if client { &[1, 0] } else { &[0] });
    let ext: Vec<u8> = extensions
        .iter()
        .flat_map(|(t, d)| {
            let mut e = t.to_be_bytes().to_vec();
            e.extend_from_slice(&(d.len() as u16).to_be_bytes());
            e.extend_from_slice(d);
            e
        })
        .collect();
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    b
}

/// The `tls_decrypt` target: a TLS session whose secrets the key log
/// has. The first byte picks version and suite (and ALPN h2 or
/// http/1.1; bit 6: the key log gives the secrets only some frames in);
/// then records `[dir][type][length / 4][bytes]`, each sealed
/// with its direction's keys once that direction is encrypted (sent as
/// they are when bit 7 of `dir` is set), in TCP segments of their own.
pub fn tls_decrypt(data: &[u8]) -> Vec<String> {
    use crate::tls::decrypt::Decryptor;
    const SUITES: [(u16, u16); 6] = [
        (0x0304, 0x1301),
        (0x0304, 0x1302),
        (0x0304, 0x1303),
        (0x0303, 0xc02f),
        (0x0303, 0xc030),
        (0x0303, 0xcca8),
    ];
    let Some((&pick, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let (version, suite) = SUITES[usize::from(pick) % SUITES.len()];
    let alpn: &[u8] = if pick & 0x80 != 0 {
        b"\x00\x03\x02h2"
    } else {
        b"\x00\x09\x08http/1.1"
    };
    let keys = std::sync::Arc::new(harness_keys());
    let (client_random, server_random) = ([0x42; 32], [0x24; 32]);
    let mut sealer = Decryptor::new(Some(keys.clone()));
    sealer.client_hello(client_random, false);
    sealer.server_hello(server_random, version, suite, false);
    let mut server_ext = vec![(16u16, alpn.to_vec())];
    if version == 0x0304 {
        server_ext = vec![(43, vec![3, 4])];
    }
    let mut records: Vec<(usize, Vec<u8>)> = vec![
        (
            0,
            handshake_record(
                1,
                &hello_body(
                    client_random,
                    suite,
                    true,
                    &[(16, alpn.to_vec()), (43, vec![2, 3, 4])],
                ),
            ),
        ),
        (
            1,
            handshake_record(2, &hello_body(server_random, suite, false, &server_ext)),
        ),
    ];
    if version == 0x0303 {
        for dir in [0, 1] {
            records.push((dir, vec![20, 3, 3, 0, 1, 1]));
            sealer.change_cipher_spec(dir);
        }
    }
    while let [d, ct, n, tail @ ..] = rest {
        let (dir, ct) = (usize::from(d & 1), *ct);
        let n = (usize::from(*n) * 4).min(tail.len());
        let (bytes, tail) = tail.split_at(n);
        rest = tail;
        let sealed = (d & 0x80 == 0)
            .then(|| sealer.seal(dir, ct, bytes))
            .flatten();
        let record = sealed.unwrap_or_else(|| {
            let mut r = vec![ct, 3, 3];
            r.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            r.extend_from_slice(bytes);
            r
        });
        // The sealer follows the key changes its plaintext announces.
        match (ct, bytes.first()) {
            (22, Some(20)) => sealer.finished(dir),
            (22, Some(24)) => sealer.key_update(dir),
            _ => {}
        }
        records.push((dir, record));
    }
    let (client, server) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let mut seq = [1001u32, 5001u32];
    let mut frames = vec![
        tcp_frame(client, server, 40000, 443, 1000, 0, 0x002, &[]),
        tcp_frame(server, client, 443, 40000, 5000, 1001, 0x012, &[]),
    ];
    for (dir, r) in records.iter().take(MAX_SEGMENTS) {
        let (src, dst, sp, dp) = if *dir == 0 {
            (client, server, 40000, 443)
        } else {
            (server, client, 443, 40000)
        };
        frames.push(tcp_frame(
            src,
            dst,
            sp,
            dp,
            seq[*dir],
            seq[1 - dir],
            0x018,
            r,
        ));
        seq[*dir] = seq[*dir].wrapping_add(r.len() as u32);
    }
    // Bit 6: the keys come late, some frames into the session.
    let keys_from = if pick & 0x40 != 0 {
        4 + usize::from((pick >> 3) & 7)
    } else {
        0
    };
    run_frames_keyed(228, &frames, Options::new(true), Some(keys), keys_from)
}

/// An IPv4 header (no options) carrying `proto` and `len` bytes after it
/// (frames that claim more on the wire than was captured come from
/// [`run_frames`]).
pub fn ipv4_header(proto: u8, len: usize) -> Vec<u8> {
    let total = (20 + len).min(0xffff) as u16;
    let t = total.to_be_bytes();
    vec![
        0x45, 0, t[0], t[1], 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]
}

/// An IPv6 header carrying `next` and `len` bytes after it.
pub fn ipv6_header(next: u8, len: usize) -> Vec<u8> {
    let l = (len.min(0xffff) as u16).to_be_bytes();
    let mut h = vec![0x60, 0, 0, 0, l[0], l[1], next, 64];
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tls_decrypt_target_reaches_http_inside() {
        // Keys from the start, and keys that come only before the request
        // (bit 6, 0x08: at frame 5), after the client's Finished.
        for pick in [0u8, 1, 2, 3, 4, 5, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d] {
            let mut input = vec![pick];
            // The client's Finished (TLS 1.3 switches keys after it), then a request.
            let mut fin = vec![20, 0, 0, 32];
            fin.extend_from_slice(&[7; 32]);
            input.extend_from_slice(&[0, 22, (fin.len() / 4) as u8]);
            input.extend_from_slice(&fin);
            let get = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
            assert_eq!(get.len() % 4, 0);
            input.extend_from_slice(&[0, 23, (get.len() / 4) as u8]);
            input.extend_from_slice(get);
            let infos = super::tls_decrypt(&input);
            assert!(
                infos.iter().any(|i| i.starts_with("GET /x HTTP/1.1")),
                "suite {pick}: {infos:?}"
            );
        }
    }

    use super::*;

    /// The stream targets reach their dissector, however the stream is cut.
    #[test]
    fn the_websocket_target_reaches_the_websocket_dissector() {
        let infos = run_stream_after(80, b"", WEBSOCKET_UPGRADE, &[1, 0x81, 0x02, b'h', b'i']);
        assert!(
            infos.iter().any(|i| i == "WebSocket Text [FIN] "),
            "{infos:?}"
        );
    }

    #[test]
    fn stream_targets_reach_the_application_dissectors() {
        let get = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
        // SETTINGS (empty) and a PING.
        let h2: &[u8] = &[
            0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        for steer in [1u8, 0x41, 0x82, 0xc3] {
            let with = |b: &[u8]| [&[steer][..], b].concat();
            let http = run_stream(80, b"", &with(get)).join("|");
            assert!(http.contains("GET /index.html HTTP/1.1"), "{steer}: {http}");
            let h2 = run_stream(8080, crate::http2::PREFACE, &with(h2)).join("|");
            assert!(h2.contains("SETTINGS[0]"), "{steer}: {h2}");
        }
    }

    /// The mail and PROXY targets reach SMTP, IMF's multipart and the
    /// protocol after a PROXY header.
    #[test]
    fn mail_and_proxy_targets_reach_their_dissectors() {
        let smtp = run_stream(25, b"", b"\x01EHLO a\r\n").join("|");
        assert!(smtp.contains("C: EHLO a"), "{smtp}");
        let (port, lead) = stream_target("multipart").unwrap();
        let body = b"\x01--B\r\nContent-Type: text/plain; x=y\r\n\r\nhi\r\n--B--\r\n\r\n.\r\n";
        let mp = run_stream_after(port, first_segment("multipart"), lead, body).join("|");
        assert!(mp.contains("(text/plain)"), "{mp}");
        let (port, lead) = stream_target("proxy").unwrap();
        // Segments of 1,450 bytes: the header comes whole, as a heuristic needs.
        let header = b"\x3fPROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.1\r\n\r\n";
        let px = run_stream(port, lead, header).join("|");
        assert!(px.contains("GET / HTTP/1.1"), "{px}");
    }

    /// A DNS message of 60,000 bytes reaches the DNS dissector whole
    /// (the target used to cut every frame at 1,480 bytes).
    #[test]
    fn the_dns_target_carries_messages_of_any_length() {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
        q.extend_from_slice(b"\x07example\x03com\x00\x00\x01\x00\x01");
        // An additional record of type NULL with 59,000 bytes of data, then
        // its end: one message, no malformed tail.
        q.extend_from_slice(&[0, 0, 10, 0, 1, 0, 0, 0, 0]);
        q.extend_from_slice(&59_000u16.to_be_bytes());
        q.resize(q.len() + 59_000, 0);
        let (lt, wrap) = target("dns").unwrap();
        let info = run(lt, wrap, &[&[0u8][..], &q].concat()).join("|");
        assert!(
            info.starts_with("Standard query 0x1234 A example.com") && !info.contains("Malformed"),
            "{info}"
        );
    }

    #[test]
    fn the_dns_target_dissects_dns() {
        let q = [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, b'e', b'x', b'a', b'm', b'p', b'l',
            b'e', 3, b'c', b'o', b'm', 0, 0, 1, 0, 1,
        ];
        let (lt, wrap) = target("dns").unwrap();
        let info = run(lt, wrap, &[&[0u8][..], &q].concat()).join("|");
        assert!(
            info.contains("Standard query 0x1234 A example.com"),
            "{info}"
        );
    }
}
