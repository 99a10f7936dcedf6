//! How a TCP connection was set up, from the capture: its handshake (SYN
//! to the client's ACK of the SYN-ACK, as tshark's `initial_rtt`) and a
//! TLS handshake on it (ClientHello to the second Finished: the client's
//! in TLS 1.3, the server's in a full TLS 1.2 handshake), and where each
//! direction's next message began.

use dissectors::field::OwnedValue;

use super::super::scan::{FrameView, as_u64};
use super::DnsLookup;

/// A connection's setup, as the exchange it served first reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSetup {
    /// The lookup that gave the server's address, when the capture has it.
    pub dns: Option<DnsLookup>,
    pub syn_ns: i64,
    /// The client's ACK of the SYN-ACK: the connection is up.
    pub connected_ns: i64,
    pub tls: Option<TlsSetup>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsSetup {
    pub hello_ns: i64,
    /// The second Finished, or without keys to see it, the last frame
    /// of handshake records before application data.
    pub done_ns: i64,
    /// Server flights that answered a client flight: 1 for a TLS 1.3
    /// handshake, 2 for a full TLS 1.2 one.
    pub round_trips: u32,
}

const CLIENT: u8 = 0;
/// The analysis' words for data sent before.
pub const RESENT: [&str; 3] = [
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
];
const CHANGE_CIPHER_SPEC: u64 = 20;
const ALERT: u64 = 21;
const HANDSHAKE: u64 = 22;
const APPLICATION_DATA: u64 = 23;
const CLIENT_HELLO: u64 = 1;
const FINISHED: u64 = 20;

/// Follows one connection frame by frame.
#[derive(Default)]
pub struct SetupTracker {
    syn_ns: Option<i64>,
    syn_ack: bool,
    connected_ns: Option<i64>,
    hello_ns: Option<i64>,
    finished: u32,
    done_ns: Option<i64>,
    last_handshake_ns: Option<i64>,
    last_handshake_dir: Option<u8>,
    round_trips: u32,
    app_data: bool,
    /// Each direction's first payload frame since its last message ended.
    pending: [Option<(u32, i64)>; 2],
}

impl SetupTracker {
    pub fn frame(&mut self, v: &FrameView<'_>, dir: u8) {
        let f = &v.fields;
        let flag = |name| as_u64(f.values(name).next()).unwrap_or(0) != 0;
        let (syn, ack) = (flag("tcp.flags.syn"), flag("tcp.flags.ack"));
        if syn && !ack && dir == CLIENT && self.syn_ns.is_none() {
            self.syn_ns = Some(v.ts_ns);
        } else if syn && ack {
            self.syn_ack = true;
        } else if ack && self.syn_ack && dir == CLIENT && self.connected_ns.is_none() {
            self.connected_ns = Some(v.ts_ns);
        }
        self.tls(v, dir);
        let payload = as_u64(f.values("tcp.len").next()).unwrap_or(0) > 0;
        let types = || {
            f.values("tls.record.content_type")
                .filter_map(|t| as_u64(Some(t)))
        };
        let data = types().any(|t| t == APPLICATION_DATA);
        let handshake = types().any(|t| matches!(t, CHANGE_CIPHER_SPEC | ALERT | HANDSHAKE));
        // Data sent again belongs to a message already under way or done.
        let resent = RESENT.iter().any(|n| f.values(n).next().is_some());
        let slot = &mut self.pending[usize::from(dir & 1)];
        if handshake && !data {
            *slot = None;
        } else if payload && !resent && slot.is_none() {
            *slot = Some((v.number, v.ts_ns));
        }
        self.app_data |= data;
    }

    fn tls(&mut self, v: &FrameView<'_>, dir: u8) {
        let mut handshake = false;
        for t in v.fields.values("tls.handshake.type") {
            handshake = true;
            match as_u64(Some(t)) {
                Some(CLIENT_HELLO) if self.hello_ns.is_none() => self.hello_ns = Some(v.ts_ns),
                Some(FINISHED) => {
                    self.finished += 1;
                    if self.finished == 2 {
                        self.done_ns = Some(v.ts_ns);
                    }
                }
                _ => {}
            }
        }
        let before_data = !self.app_data && self.done_ns.is_none();
        let mut records = v.fields.values("tls.record.content_type");
        if before_data && records.any(|t| is(t, HANDSHAKE) || is(t, CHANGE_CIPHER_SPEC)) {
            self.last_handshake_ns = Some(v.ts_ns);
        }
        if handshake && self.done_ns.is_none_or(|d| d == v.ts_ns) {
            if dir != CLIENT && self.last_handshake_dir == Some(CLIENT) {
                self.round_trips += 1;
            }
            self.last_handshake_dir = Some(dir);
        }
    }

    pub fn is_tls(&self) -> bool {
        self.hello_ns.is_some()
    }

    /// Where the message now ending in direction `dir` began.
    pub fn message_start(&self, dir: u8) -> Option<(u32, i64)> {
        self.pending[usize::from(dir & 1)]
    }

    /// A message ended in this frame: the next one begins after it.
    pub fn message_ended(&mut self, dir: u8) {
        self.pending[usize::from(dir & 1)] = None;
    }

    /// The setup, when the capture holds the whole TCP handshake.
    pub fn setup(&self) -> Option<ConnectionSetup> {
        let tls = self.hello_ns.map(|hello_ns| TlsSetup {
            hello_ns,
            done_ns: self.done_ns.or(self.last_handshake_ns).unwrap_or(hello_ns),
            round_trips: self.round_trips,
        });
        Some(ConnectionSetup {
            dns: None,
            syn_ns: self.syn_ns?,
            connected_ns: self.connected_ns?,
            tls,
        })
    }
}

fn is(v: &OwnedValue, want: u64) -> bool {
    as_u64(Some(v)) == Some(want)
}
