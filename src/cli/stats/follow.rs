//! `-z follow,tcp|udp|tls,MODE,STREAM[,RANGE]` (or two `ADDRESS:PORT`s
//! instead of the stream index): one conversation's data, side by side in
//! the order sent, printed with the other statistics in tshark's layout.
//! TCP is reassembled as Follow TCP Stream does (gaps as tshark's
//! "[N bytes missing in capture file]" text), UDP gives one record per
//! datagram, TLS one per decrypted application data record, HTTP/2
//! (`follow,http2,MODE,STREAM,SUBSTREAM`) one per HTTP/2 frame of the
//! substream as tshark 4.0's tap gives it (see `h2_frames.rs`).

use std::net::IpAddr;

use dissectors::analysis::FrameAnswers;
use dissectors::packet::{PacketInfo, TcpSegment, Transport};
use dissectors::tcp_reassembly::{KeptStream, StreamEvent, TcpReassembler};

use super::super::CliError;
use super::super::follow::FOLLOW_CAP;
use super::super::follow_layout::{FollowHeader, FollowMode, FollowRecord, draw};
use super::h2_frames::H2Frames;
use crate::store::follow::follow_segment;
use crate::store::follow_tls::TlsPlaintext;

type Endpoint = (IpAddr, u16);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follower {
    Tcp,
    Udp,
    Tls,
    Http2,
}

impl Follower {
    fn name(self) -> &'static str {
        match self {
            Follower::Tcp => "tcp",
            Follower::Udp => "udp",
            Follower::Tls => "tls",
            Follower::Http2 => "http2",
        }
    }

    /// The transport whose stream index names the conversation.
    fn transport(self) -> &'static str {
        match self {
            Follower::Udp => "udp",
            Follower::Tcp | Follower::Tls | Follower::Http2 => "tcp",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Stream(u32),
    Between([Endpoint; 2]),
}

/// A frame as a follow tap sees it.
pub struct FrameSeen<'a> {
    pub number: u32,
    pub ts_ns: i64,
    pub data: &'a [u8],
    pub pi: &'a PacketInfo,
    pub answers: &'a FrameAnswers,
}

#[derive(Debug)]
pub struct FollowTap {
    follower: Follower,
    mode: FollowMode,
    target: Target,
    /// The HTTP/2 stream followed in the connection.
    substream: u32,
    /// Records shown, numbered from 1.
    range: (u32, u32),
    /// The stream followed (the first that an address pair matched).
    stream: Option<u32>,
    /// Node 0 is the source of the conversation's first frame.
    nodes: Option<[Endpoint; 2]>,
    kept: KeptStream,
    reassembler: TcpReassembler,
    offsets: [u64; 2],
    /// Each followed frame's time, by frame number.
    times: Vec<(u32, i64)>,
}

impl FollowTap {
    /// `arg` is the whole `-z` argument, `follow,...`.
    pub fn parse(arg: &str) -> Result<FollowTap, CliError> {
        let bad = |why: &str| CliError(format!("-z {arg}: {why}"));
        let mut parts = arg.split(',').skip(1);
        let follower = match parts.next() {
            Some("tcp") => Follower::Tcp,
            Some("udp") => Follower::Udp,
            Some("tls" | "ssl") => Follower::Tls,
            Some("http2") => Follower::Http2,
            _ => return Err(bad("wirelens follows tcp, udp, tls and http2")),
        };
        let mode = parts
            .next()
            .and_then(FollowMode::named)
            .ok_or_else(|| bad("the mode is ascii, hex, raw or yaml"))?;
        let mut rest: Vec<&str> = parts.collect();
        // HTTP/2 names the TCP stream, then the HTTP/2 stream in it.
        let mut substream = 0;
        if follower == Follower::Http2 {
            substream = match rest.get(1).map(|s| s.parse::<u32>()) {
                Some(Ok(n)) if rest[0].parse::<u32>().is_ok() => n,
                _ => return Err(bad("give a TCP stream index and an HTTP/2 stream id")),
            };
            rest.remove(1);
        }
        let (target, range) = match rest.first().map(|s| s.parse::<u32>()) {
            Some(Ok(n)) => (Target::Stream(n), rest.get(1)),
            Some(Err(_)) if rest.len() >= 2 => {
                let a = endpoint(rest[0]).ok_or_else(|| bad("invalid address"))?;
                let b = endpoint(rest[1]).ok_or_else(|| bad("invalid address"))?;
                if a.0.is_ipv4() != b.0.is_ipv4() {
                    return Err(bad("mismatched IP address types"));
                }
                (Target::Between([a, b]), rest.get(2))
            }
            _ => return Err(bad("give a stream index or two ADDRESS:PORT")),
        };
        if rest.len() > 2 + usize::from(matches!(target, Target::Between(_))) {
            return Err(bad("invalid parameter"));
        }
        let range = match range {
            None => (1, u32::MAX),
            Some(r) => chunk_range(r).ok_or_else(|| bad("invalid range"))?,
        };
        Ok(FollowTap {
            follower,
            mode,
            target,
            substream,
            range,
            stream: None,
            nodes: None,
            kept: KeptStream::with_cap(FOLLOW_CAP),
            reassembler: TcpReassembler::new(),
            offsets: [0; 2],
            times: Vec::new(),
        })
    }

    /// Whether it reads decrypted TLS.
    pub fn wants_tls(&self) -> bool {
        self.follower == Follower::Tls
    }

    /// Whether it reads HTTP/2 frames.
    pub fn wants_http2(&self) -> bool {
        self.follower == Follower::Http2
    }

    /// Whether it reads above TCP and UDP.
    pub fn wants_application(&self) -> bool {
        self.wants_tls() || self.wants_http2()
    }

    /// Takes the frame's data if it belongs to the followed conversation
    /// (for TLS, the plaintext `tls` kept of the frame; for HTTP/2, its
    /// frames `h2`).
    pub fn see(&mut self, f: &FrameSeen<'_>, tls: Option<&TlsPlaintext>, h2: Option<&H2Frames>) {
        match (f.pi.transport, self.follower) {
            (Transport::Tcp(seg), Follower::Http2) => self.see_http2(f, &seg, h2),
            (Transport::Tcp(seg), Follower::Tcp | Follower::Tls) => self.see_tcp(f, &seg, tls),
            (Transport::Udp(d), Follower::Udp) => {
                let Some(u) = f.answers.udp else { return };
                let Some(side) = self.side(f, u.stream, (d.src_port, d.dst_port)) else {
                    return;
                };
                let payload = f.pi.source_bytes(f.data, d.payload.source);
                let bytes = payload.get(d.payload.range()).unwrap_or(&[]);
                self.push(side, f.number, bytes);
            }
            _ => {}
        }
    }

    fn see_tcp(&mut self, f: &FrameSeen<'_>, seg: &TcpSegment, tls: Option<&TlsPlaintext>) {
        let Some(a) = f.answers.tcp.as_ref() else {
            return;
        };
        // A segment whose header the capture cut or broke is not followed (as in Wireshark).
        if !seg.intact {
            return;
        }
        if self
            .side(f, a.stream, (seg.src_port, seg.dst_port))
            .is_none()
        {
            return;
        }
        // Sides are the stream's, whose side A is its first frame's source: node 0.
        let dir = usize::from(a.dir & 1);
        if let Some(plain) = tls {
            if !f.answers.resent_pdus {
                plain.copy_into(&mut self.kept, dir, f.number, &mut self.offsets);
            }
            return;
        }
        let payload =
            f.pi.source_bytes(f.data, seg.payload.source)
                .get(seg.payload.range())
                .unwrap_or(&[]);
        follow_segment(
            &mut self.reassembler,
            &mut self.kept,
            dir,
            f.number,
            seg,
            payload,
        );
    }

    /// The substream's HTTP/2 frames in the packet. Node 0 is the sender
    /// of the first (tshark's follow tap names the nodes by the data it is
    /// given).
    fn see_http2(&mut self, f: &FrameSeen<'_>, seg: &TcpSegment, h2: Option<&H2Frames>) {
        let (Some(a), Some(h2), Some((src, dst))) = (f.answers.tcp.as_ref(), h2, f.pi.ip) else {
            return;
        };
        if !matches!(self.target, Target::Stream(n) if n == a.stream) || f.answers.resent_pdus {
            return;
        }
        let (src, dst) = ((src, seg.src_port), (dst, seg.dst_port));
        for (stream, bytes) in h2.chunks(f.data) {
            if stream != self.substream || bytes.is_empty() {
                continue;
            }
            if self.times.last().is_none_or(|t| t.0 != f.number) {
                self.times.push((f.number, f.ts_ns));
            }
            let nodes = self.nodes.get_or_insert([src, dst]);
            let side = usize::from(nodes[0] != src);
            self.push(side, f.number, bytes);
        }
    }

    /// Which node sent the frame, if it is of the followed conversation
    /// (the first frame seen names the nodes).
    fn side(&mut self, f: &FrameSeen<'_>, stream: u32, ports: (u16, u16)) -> Option<usize> {
        let (src, dst) = f.pi.ip?;
        let (src, dst) = ((src, ports.0), (dst, ports.1));
        let ours = match self.target {
            Target::Stream(n) => n == stream,
            Target::Between([a, b]) => {
                ((src, dst) == (a, b) || (src, dst) == (b, a))
                    && self.stream.is_none_or(|s| s == stream)
            }
        };
        if !ours {
            return None;
        }
        self.stream = Some(stream);
        self.times.push((f.number, f.ts_ns));
        let nodes = self.nodes.get_or_insert([src, dst]);
        Some(usize::from(nodes[0] != src))
    }

    fn push(&mut self, dir: usize, frame: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.kept.push(StreamEvent::Data {
            dir,
            frame,
            offset: self.offsets[dir],
            bytes,
            at: None,
        });
        self.offsets[dir] += bytes.len() as u64;
    }

    pub fn draw(&self, out: &mut String) {
        let filter = self.filter();
        let node = |i: usize| match self.nodes {
            Some(n) => dissectors::conversation::endpoint_text(&n[i]),
            None => ":0".to_string(),
        };
        let header = FollowHeader {
            proto: self.follower.name(),
            mode: self.mode,
            filter: &filter,
            nodes: [node(0), node(1)],
        };
        let records = self.kept.chunks.iter().map(|c| {
            let at = self.times.partition_point(|t| t.0 < c.frame);
            FollowRecord::of_chunk(c, self.times.get(at).map_or(0, |t| t.1))
        });
        draw(out, &header, records, self.range);
    }

    /// The filter tshark names in the header.
    fn filter(&self) -> String {
        let t = self.follower.transport();
        match self.target {
            Target::Stream(n) if self.follower == Follower::Http2 => {
                format!("{t}.stream eq {n} and http2.streamid eq {}", self.substream)
            }
            Target::Stream(n) => format!("{t}.stream eq {n}"),
            Target::Between([(a, pa), (b, pb)]) => {
                let ip = if a.is_ipv6() { "ipv6" } else { "ip" };
                let half = |(s, sp): (IpAddr, u16), (d, dp): (IpAddr, u16)| {
                    format!(
                        "({ip}.src eq {s} and {t}.srcport eq {sp}) and ({ip}.dst eq {d} and {t}.dstport eq {dp})"
                    )
                };
                format!(
                    "({}) or ({})",
                    half((a, pa), (b, pb)),
                    half((b, pb), (a, pa))
                )
            }
        }
    }
}

/// `192.0.2.1:80` or `[2001:db8::1]:80`.
fn endpoint(s: &str) -> Option<Endpoint> {
    let (host, port) = s.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    Some((host.parse().ok()?, port))
}

/// `N` or `N-M`, records numbered from 1.
fn chunk_range(s: &str) -> Option<(u32, u32)> {
    let (lo, hi) = match s.split_once('-') {
        Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
        None => {
            let n = s.parse().ok()?;
            (n, n)
        }
    };
    (lo >= 1 && lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_in_tsharks_spellings() {
        let t = FollowTap::parse("follow,tcp,hex,3,2-5").unwrap();
        assert!(matches!(t.target, Target::Stream(3)));
        assert_eq!(t.range, (2, 5));
        assert_eq!(t.filter(), "tcp.stream eq 3");
        let t = FollowTap::parse("follow,http2,hex,0,3,2").unwrap();
        assert_eq!(t.range, (2, 2));
        assert_eq!(t.filter(), "tcp.stream eq 0 and http2.streamid eq 3");
        let t = FollowTap::parse("follow,udp,raw,[2001:db8::1]:53,[2001:db8::2]:5353").unwrap();
        assert_eq!(
            t.filter(),
            "((ipv6.src eq 2001:db8::1 and udp.srcport eq 53) and (ipv6.dst eq 2001:db8::2 and udp.dstport eq 5353)) or ((ipv6.src eq 2001:db8::2 and udp.srcport eq 5353) and (ipv6.dst eq 2001:db8::1 and udp.dstport eq 53))"
        );
        for bad in [
            "follow,sctp,ascii,0",
            "follow,tcp,octal,0",
            "follow,tcp,ascii",
            "follow,tcp,ascii,0,0",
            "follow,tcp,ascii,0,3-2",
            "follow,tcp,ascii,1.2.3.4:5,[::1]:5",
            "follow,tcp,ascii,1.2.3.4:0,1.2.3.5:5",
            "follow,tcp,ascii,0,1,2",
            "follow,http2,ascii,0",
            "follow,http2,ascii,1.2.3.4:5,1.2.3.5:5",
        ] {
            assert!(FollowTap::parse(bad).is_err(), "{bad}");
        }
    }
}
