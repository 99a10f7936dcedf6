//! One analysis pass over a capture that hands each frame's fields of
//! chosen protocols to a summary (the `dns`, `tls`, `http`, `http2`
//! subcommands).

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::collect::FieldCollector;
use dissectors::field::OwnedValue;
use dissectors::packet::{TcpSegment, Transport};
use dissectors::sink::{NullSink, Sink, Tee};

use crate::capture::CaptureFile;
use crate::pass::Pass;

/// What a summary sees of one frame.
pub struct FrameView<'a> {
    pub number: u32,
    pub ts_ns: i64,
    /// IP addresses and transport ports, when there are.
    pub ip: Option<(IpAddr, IpAddr)>,
    pub ports: Option<(u16, u16)>,
    /// `tcp.stream` and the direction (0: from side A).
    pub tcp: Option<(u32, u8)>,
    pub udp_stream: Option<u32>,
    /// The TCP segment and its captured payload, when its header is whole.
    pub segment: Option<(TcpSegment, &'a [u8])>,
    /// The frame only shows again PDUs of a retransmission.
    pub resent: bool,
    pub fields: &'a FieldCollector,
}

impl FrameView<'_> {
    pub fn src_endpoint(&self) -> Option<String> {
        Some(endpoint(self.ip?.0, self.ports?.0))
    }
    pub fn dst_endpoint(&self) -> Option<String> {
        Some(endpoint(self.ip?.1, self.ports?.1))
    }
}

/// `ip:port`, IPv6 as `[addr]:port`.
pub fn endpoint(ip: IpAddr, port: u16) -> String {
    dissectors::conversation::endpoint_text(&(ip, port))
}

/// Runs the pass, calling `f` for every frame with its fields whose names
/// start with one of `prefixes`; not for frames that only show again PDUs
/// of a retransmission (each message is summarised once).
pub fn scan(
    file: &CaptureFile,
    prefixes: &[&'static str],
    f: impl FnMut(&FrameView<'_>),
) -> crate::capture::ReadNotes {
    scan_until(file, prefixes, &AtomicBool::new(false), f)
}

/// `scan`, ending early once `stop` is set (the app's window closed).
pub fn scan_until(
    file: &CaptureFile,
    prefixes: &[&'static str],
    stop: &AtomicBool,
    mut f: impl FnMut(&FrameView<'_>),
) -> crate::capture::ReadNotes {
    scan_with(file, prefixes, stop, &mut NullSink, |v, _| {
        if !v.resent {
            f(v)
        }
    })
}

/// `scan_until`, with `extra` fed the same dissection and handed to `f`
/// with each frame (cleared by `f` as it needs), resent ones too.
pub fn scan_with<X: Sink>(
    file: &CaptureFile,
    prefixes: &[&'static str],
    stop: &AtomicBool,
    extra: &mut X,
    mut f: impl FnMut(&FrameView<'_>, &mut X),
) -> crate::capture::ReadNotes {
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.interfaces_described = file.format == crate::capture::Format::Pcapng;
    let mut collector = FieldCollector::new(prefixes);
    while let Some(rec) = reader.next() {
        if pass.frames().is_multiple_of(4096) && stop.load(Ordering::Relaxed) {
            break;
        }
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        collector.clear();
        let number = pass.frames() + 1;
        let (pi, answers) = pass.frame(
            &rec,
            iface,
            data,
            crate::pass::options(false),
            &mut Tee(&mut collector, extra),
        );
        let (ports, tcp, udp_stream) = match pi.transport {
            Transport::Tcp(s) => (
                Some((s.src_port, s.dst_port)),
                answers.tcp.as_ref().map(|a| (a.stream, a.dir)),
                None,
            ),
            Transport::Udp(d) => (
                Some((d.src_port, d.dst_port)),
                None,
                answers.udp.map(|a| a.stream),
            ),
            Transport::None => (None, None, None),
        };
        let segment = match pi.transport {
            Transport::Tcp(seg) if seg.intact => {
                let payload = pi.source_bytes(data, seg.payload.source);
                Some((seg, payload.get(seg.payload.range()).unwrap_or(&[])))
            }
            _ => None,
        };
        let view = FrameView {
            number,
            ts_ns: rec.ts_ns,
            ip: pi.ip,
            ports,
            tcp,
            udp_stream,
            segment,
            resent: answers.resent_pdus,
            fields: &collector,
        };
        f(&view, extra);
    }
    reader.notes
}

pub fn as_u64(v: Option<&OwnedValue>) -> Option<u64> {
    match v? {
        OwnedValue::U64(x) => Some(*x),
        OwnedValue::I64(x) => u64::try_from(*x).ok(),
        OwnedValue::Bool(b) => Some(u64::from(*b)),
        _ => None,
    }
}

pub fn as_str(v: Option<&OwnedValue>) -> Option<String> {
    match v? {
        OwnedValue::Str(s) => Some(s.clone()),
        OwnedValue::Ipv4(a) => Some(std::net::Ipv4Addr::from(*a).to_string()),
        OwnedValue::Ipv6(a) => Some(std::net::Ipv6Addr::from(*a).to_string()),
        OwnedValue::U64(x) => Some(x.to_string()),
        _ => None,
    }
}

pub fn as_bool(v: Option<&OwnedValue>) -> bool {
    matches!(v, Some(OwnedValue::Bool(true)))
}

pub fn as_secs(v: Option<&OwnedValue>) -> Option<f64> {
    match v? {
        OwnedValue::RelTime(ns) => Some(crate::store::tcp_series::secs(*ns)),
        _ => None,
    }
}
