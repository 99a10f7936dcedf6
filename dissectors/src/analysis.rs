//! The live analysis state of a capture, fed frame by frame in order: IP
//! reassembly, the conversation table with TCP sequence analysis, and ICMP
//! echo matching. It answers the dissectors' [`State`] hooks and remembers
//! what it answered for the frame just dissected, so that the indexer can
//! keep it.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use crate::decode_as::DecodeAs;
use crate::dns::{DnsKey, DnsMatch, DnsQuestion};
use crate::ip_reassembly::IpReassembler;
use crate::packet::{
    ArpBinding, Echo, EchoMatch, FragOutcome, Fragment, Question, State, TcpSegment, TransportAt,
    UdpDatagram,
};
use crate::tcp_analysis::{SegmentAnalysis, SegmentQuestion, TcpConversations};
use crate::tcp_pdu::{AppConnection, AppProto, PayloadQuestion, PduNote, TcpPayload};
use crate::udp::{DatagramAnalysis, DatagramQuestion, UdpConversations};

/// What the per-conversation state may hold before the longest-idle
/// conversations let theirs go (see [`Analyzer::set_state_limit`]).
pub const DEFAULT_STATE_LIMIT: usize = 1 << 30;

/// Echo requests waiting for their reply; the oldest are forgotten first.
const MAX_PENDING_ECHOES: usize = 1 << 18;
/// IPv4 addresses remembered for duplicate-address detection.
const MAX_ARP_OWNERS: usize = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct EchoKey {
    v6: bool,
    requester: IpAddr,
    responder: IpAddr,
    ident: u16,
    seq: u16,
}

/// What the state answered for the frame being dissected.
#[derive(Debug, Clone, Default)]
pub struct FrameAnswers {
    pub tcp: Option<SegmentAnalysis>,
    pub udp: Option<DatagramAnalysis>,
    /// Frames a completed IP reassembly came from.
    pub reassembled_from: Option<Vec<(u32, u32)>>,
    pub echo: EchoMatch,
    /// PDUs shown again from a retransmitted segment (copies of ones shown
    /// before): summaries count each message once.
    pub resent_pdus: bool,
}

/// Every TCP and UDP conversation of a capture, fed in frame order.
#[derive(Debug, Default)]
pub struct Conversations {
    pub tcp: TcpConversations,
    pub udp: UdpConversations,
}

#[derive(Debug)]
pub struct Analyzer {
    decode_as: DecodeAs,
    /// TLS secrets, when the user gave a key log.
    keys: Option<std::sync::Arc<crate::tls::keylog::KeyLog>>,
    /// The state of protocols that keep their own ([`crate::packet::OwnAnalysis`]), by protocol id.
    own: HashMap<u8, crate::packet::OwnState>,
    conversation_flags: HashMap<crate::packet::ConversationKey, u32>,
    memos: HashMap<crate::packet::ConversationKey, Vec<u8>>,
    /// Protocol messages being collected from pieces, and their bytes in all.
    messages: HashMap<crate::packet::ConversationKey, PendingMessage>,
    message_bytes: usize,
    expected: HashMap<(IpAddr, u16), crate::packet::Expectation>,
    pub reassembly: IpReassembler,
    pub conversations: Conversations,
    echoes: HashMap<EchoKey, (u32, i64)>,
    echo_order: VecDeque<EchoKey>,
    /// Request frame → reply frame, for showing "reply in" afterwards.
    pub echo_replies: Vec<(u32, u32)>,
    /// IPv4 address → MAC and frame of the ARP packets that used it.
    arp_owners: HashMap<[u8; 4], ArpBinding>,
    /// Application state per TCP stream (index: `tcp.stream`).
    apps: Vec<AppSlot>,
    /// DNS transactions by conversation and ID, oldest first in `dns_order`.
    dns: HashMap<DnsKey, DnsTransaction>,
    dns_order: VecDeque<DnsKey>,
    /// Follow application protocols over TCP (off for the conversations-only load).
    analyze_apps: bool,
    /// What each TCP stream's state holds, by `tcp.stream`.
    costs: Vec<StreamCost>,
    /// Their sum.
    held: usize,
    /// The memory ceiling for per-conversation state.
    limit: usize,
    /// Shedding runs again only past this: when what is left is all in
    /// use right now (the streams of the frame being read), a scan per
    /// segment would find nothing to drop.
    shed_at: usize,
    pub frame: FrameAnswers,
}

/// What one TCP stream's state holds, for the memory ceiling.
#[derive(Debug, Clone, Copy, Default)]
struct StreamCost {
    /// Application state (reassembly buffers, HPACK tables, ...).
    app: usize,
    /// Sequence analysis state (segments awaiting ACKs).
    tcp: usize,
    /// The latest frame that touched it.
    touched: u32,
    /// Its state was dropped; its next segment says so.
    dropped: bool,
}

/// Conversations whose protocol flags are kept (about 16 MiB).
const MAX_CONVERSATION_FLAGS: usize = 1 << 20;

/// Conversations with a memo, and announced connections, kept (each
/// memo at most `packet::MAX_MEMO` bytes: about 20 MiB in all).
const MAX_CONVERSATION_MEMOS: usize = 1 << 16;

/// The protocol a TCP connection speaks, from its ports and first payload,
/// and the length of a preamble (a PROXY header) before it: a preamble is
/// looked for only where no port says what the connection is, as
/// Wireshark tries its heuristics after the port tables.
fn choose(sport: u16, dport: u16, payload: &[u8]) -> (AppProto, usize) {
    use crate::packet::Table;
    let taken = |table: Table| {
        crate::registry::takes(table, sport.into()) || crate::registry::takes(table, dport.into())
    };
    let line_port = taken(Table::TcpLines);
    let chosen = crate::tcp_pdu::choose(sport, dport, payload, line_port);
    if chosen != AppProto::None || taken(Table::TcpPort) {
        return (chosen, 0);
    }
    match crate::registry::preamble_len(payload) {
        Some((n, own)) if n > 0 => {
            let after = payload.get(own..).unwrap_or(&[]);
            match crate::tcp_pdu::choose(sport, dport, after, false) {
                AppProto::None => (AppProto::Preamble, n),
                p => (p, n),
            }
        }
        _ => (AppProto::None, 0),
    }
}

/// A protocol message kept from its pieces ([`State::message_fragment`]).
#[derive(Debug, Default)]
struct PendingMessage {
    bytes: Vec<u8>,
    frames: Vec<(u32, u32)>,
    /// A piece would have made it longer than [`crate::packet::MAX_MESSAGE`]: it is
    /// refused when it ends.
    too_long: bool,
}

/// All protocol messages kept from pieces at once.
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// DNS transactions remembered before the oldest are forgotten.
const MAX_DNS_TRANSACTIONS: usize = 1 << 18;

#[derive(Debug, Clone, Copy)]
struct DnsTransaction {
    query_frame: u32,
    query_ts: i64,
    response_frame: Option<u32>,
}

/// What the analysis knows of a TCP stream's application protocol.
#[derive(Debug, Default)]
enum AppSlot {
    /// No payload seen yet.
    #[default]
    Undecided,
    /// Nothing we dissect.
    Nothing,
    Conn(Box<AppConnection>),
    /// Its state was dropped at the memory ceiling: what follows is
    /// followed afresh as this protocol.
    Dropped(AppProto),
    /// The protocol it speaks changes (STARTTLS) from `from` to `to`: what
    /// follows is followed afresh as `to`, unless its first bytes are not
    /// `to` at all (a capture already decrypted), which tshark 4.0 leaves
    /// to `from`.
    Switched {
        from: AppProto,
        to: AppProto,
        by: &'static crate::proto::ProtoDef,
    },
}

impl Analyzer {
    /// `analyze_tcp`: run the full TCP sequence analysis (not needed for the
    /// conversation table alone).
    /// Whether application protocols are analysed (PDUs framed, DNS
    /// matched): a pass that reports only conversations or TCP needs none.
    pub fn set_analyze_apps(&mut self, on: bool) {
        self.analyze_apps = on;
    }

    pub fn new(analyze_tcp: bool) -> Self {
        Analyzer {
            reassembly: IpReassembler::new(),
            conversations: Conversations {
                tcp: TcpConversations::new(analyze_tcp),
                udp: UdpConversations::default(),
            },
            echoes: HashMap::new(),
            echo_order: VecDeque::new(),
            echo_replies: Vec::new(),
            arp_owners: HashMap::new(),
            apps: Vec::new(),
            dns: HashMap::new(),
            dns_order: VecDeque::new(),
            analyze_apps: analyze_tcp,
            costs: Vec::new(),
            held: 0,
            limit: DEFAULT_STATE_LIMIT,
            shed_at: DEFAULT_STATE_LIMIT,
            frame: FrameAnswers::default(),
            decode_as: DecodeAs::default(),
            keys: None,
            own: HashMap::new(),
            conversation_flags: HashMap::new(),
            memos: HashMap::new(),
            messages: HashMap::new(),
            message_bytes: 0,
            expected: HashMap::new(),
        }
    }

    /// The user's Decode As rules: a TCP port's rule chooses the protocol
    /// whose PDUs the analysis frames.
    pub fn set_decode_as(&mut self, rules: DecodeAs) {
        self.decode_as = rules;
    }

    /// TLS secrets to decrypt with (a key log, a capture's Decryption
    /// Secrets Blocks).
    pub fn set_keys(&mut self, keys: Option<std::sync::Arc<crate::tls::keylog::KeyLog>>) {
        self.keys = keys;
    }

    /// More TLS secrets (a Decryption Secrets Block): connections whose
    /// ClientHello comes later decrypt with them too.
    pub fn add_key_text(&mut self, text: &[u8]) {
        let mut keys = self.keys.take().unwrap_or_default();
        let _ = std::sync::Arc::make_mut(&mut keys).add(text);
        self.keys = Some(keys);
    }

    /// The TLS secrets this analysis decrypts with.
    pub fn keys(&self) -> Option<std::sync::Arc<crate::tls::keylog::KeyLog>> {
        self.keys.clone()
    }

    /// The memory ceiling for per-conversation state: past it, the
    /// conversations idle the longest let theirs go (each says so in its
    /// next segment), until a quarter of it is free again.
    pub fn set_state_limit(&mut self, bytes: usize) {
        self.limit = bytes.max(1);
        self.shed_at = self.limit;
    }

    /// Bytes the per-conversation state holds now (as accounted).
    pub fn state_bytes(&self) -> usize {
        self.held + self.reassembly.held_bytes()
    }

    /// Records what stream `i`'s state holds after `frame`.
    fn account(&mut self, i: usize, frame: u32, app: Option<usize>, tcp: Option<usize>) {
        if i >= self.costs.len() {
            if i > self.costs.len() + (1 << 20) {
                return;
            }
            self.costs.resize(i + 1, StreamCost::default());
        }
        let c = &mut self.costs[i];
        let before = c.app + c.tcp;
        if let Some(a) = app {
            c.app = a;
        }
        if let Some(t) = tcp {
            c.tcp = t;
        }
        c.touched = frame;
        let after = c.app + c.tcp;
        if after > before {
            self.held += after - before;
            if self.state_bytes() > self.shed_at {
                self.shed(frame);
            }
        } else {
            self.held -= before - after;
            if self.state_bytes() < self.limit {
                self.shed_at = self.limit;
            }
        }
    }

    /// Lets the streams idle the longest drop their state until three
    /// quarters of the ceiling are used; the stream of `frame` goes last.
    fn shed(&mut self, frame: u32) {
        let mut order: Vec<(u32, usize)> = self
            .costs
            .iter()
            .enumerate()
            .filter(|(_, c)| c.app + c.tcp > 0)
            .map(|(i, c)| (c.touched, i))
            .collect();
        order.sort_unstable();
        let target = self.limit / 4 * 3;
        for (touched, i) in order {
            if self.state_bytes() <= target || touched == frame {
                break;
            }
            self.drop_stream(i);
        }
        self.shed_at = self.limit.max(self.state_bytes() + self.limit / 4);
    }

    fn drop_stream(&mut self, i: usize) {
        if let Some(slot) = self.apps.get_mut(i)
            && let AppSlot::Conn(c) = slot
        {
            *slot = AppSlot::Dropped(c.proto);
        }
        if let Some(t) = self.conversations.tcp.analyzers.get_mut(i) {
            t.forget_unacked();
        }
        let c = &mut self.costs[i];
        self.held -= c.app + c.tcp;
        c.app = 0;
        c.tcp = 0;
        c.dropped = true;
    }

    /// Closes the frame just dissected: its TCP verdicts count into its
    /// connection's totals (unless its header was cut or malformed, as tshark).
    pub fn end_frame(&mut self, pi: &crate::packet::PacketInfo) {
        if let Some(a) = &self.frame.tcp
            && let Some(an) = self.conversations.tcp.analyzers.get_mut(a.stream as usize)
        {
            let intact = matches!(pi.transport, crate::packet::Transport::Tcp(s) if s.intact);
            an.record(a, intact);
        }
    }

    /// Wireshark's DNS transaction tracking: a query opens a transaction
    /// (or, within its retransmission timer of 5 s, repeats one still
    /// unanswered), a response closes it (or repeats one already answered).
    fn dns_match(&mut self, key: DnsKey, response: bool, frame: u32, ts_ns: i64) -> DnsMatch {
        /// Wireshark's `dns.retransmission_timer` default.
        const RETRANSMISSION_TIMER_NS: i64 = 5_000_000_000;
        let mut m = DnsMatch::default();
        if !response {
            match self.dns.get(&key) {
                Some(t)
                    if t.response_frame.is_none()
                        && t.query_frame != frame
                        && ts_ns.saturating_sub(t.query_ts) < RETRANSMISSION_TIMER_NS =>
                {
                    m.retransmission_of = Some(t.query_frame);
                }
                _ => {
                    if self
                        .dns
                        .insert(
                            key,
                            DnsTransaction {
                                query_frame: frame,
                                query_ts: ts_ns,
                                response_frame: None,
                            },
                        )
                        .is_none()
                    {
                        self.dns_order.push_back(key);
                        if self.dns_order.len() > MAX_DNS_TRANSACTIONS
                            && let Some(old) = self.dns_order.pop_front()
                        {
                            self.dns.remove(&old);
                        }
                    }
                }
            }
            return m;
        }
        match self.dns.get_mut(&key) {
            Some(t) => {
                m.request_in = Some(t.query_frame);
                m.time_ns = Some(ts_ns.saturating_sub(t.query_ts));
                match t.response_frame {
                    Some(r) if r != frame => m.retransmission_of = Some(r),
                    _ => t.response_frame = Some(frame),
                }
            }
            None => m.unsolicited = true,
        }
        m
    }

    /// Forget the previous frame's answers; call before each frame.
    pub fn begin_frame(&mut self) {
        self.frame.tcp = None;
        self.frame.udp = None;
        self.frame.reassembled_from = None;
        self.frame.echo = EchoMatch::None;
        self.frame.resent_pdus = false;
    }
}

impl State for Analyzer {
    fn analyses_applications(&self) -> bool {
        self.analyze_apps
    }
    fn conversation_memo(
        &mut self,
        key: crate::packet::ConversationKey,
        set: Option<&[u8]>,
    ) -> Vec<u8> {
        let before = self.memos.get(&key).cloned().unwrap_or_default();
        if let Some(v) = set
            && (self.memos.len() < MAX_CONVERSATION_MEMOS || self.memos.contains_key(&key))
        {
            self.memos
                .insert(key, v[..v.len().min(crate::packet::MAX_MEMO)].to_vec());
        }
        before
    }

    fn message_fragment(
        &mut self,
        key: crate::packet::ConversationKey,
        frame: u32,
        bytes: &[u8],
        last: bool,
    ) -> FragOutcome {
        let fits = self.messages.len() < MAX_CONVERSATION_MEMOS || self.messages.contains_key(&key);
        if fits {
            let m = self.messages.entry(key).or_default();
            let room = m.bytes.len() + bytes.len() <= crate::packet::MAX_MESSAGE
                && self.message_bytes + bytes.len() <= MAX_MESSAGE_BYTES
                && m.frames.len() < crate::tcp_pdu::MAX_PIECES * 16;
            if bytes.is_empty() {
                // Nothing to add (a message's end alone in its segment).
            } else if room && !m.too_long {
                m.bytes.extend_from_slice(bytes);
                m.frames.push((frame, bytes.len() as u32));
                self.message_bytes += bytes.len();
            } else {
                m.too_long = true;
            }
        }
        if !last {
            return FragOutcome::Pending;
        }
        let Some(m) = self.messages.remove(&key) else {
            return FragOutcome::Refused(crate::packet::FragRefusal::MessageTooLong);
        };
        self.message_bytes -= m.bytes.len();
        if m.too_long {
            return FragOutcome::Refused(crate::packet::FragRefusal::MessageTooLong);
        }
        FragOutcome::Complete {
            payload: m.bytes,
            frames: m.frames,
        }
    }

    fn switch_tcp_protocol(
        &mut self,
        stream: u32,
        name: &str,
        by: &'static crate::proto::ProtoDef,
    ) {
        let i = stream as usize;
        let Some(slot) = self.apps.get_mut(i) else {
            return;
        };
        if let AppSlot::Conn(c) = slot {
            *slot = match AppProto::from_name(name) {
                AppProto::None => AppSlot::Nothing,
                to => AppSlot::Switched {
                    from: c.proto,
                    to,
                    by,
                },
            };
            let touched = self.costs.get(i).map_or(0, |c| c.touched);
            self.account(i, touched, Some(0), None);
        }
    }

    fn udp_conversation(&mut self, end: (IpAddr, u16), peer: Option<IpAddr>) {
        self.conversations.udp.expect(end, peer);
    }

    fn expect_connection(&mut self, e: crate::packet::Expectation) {
        if self.expected.len() < MAX_CONVERSATION_MEMOS
            || self.expected.contains_key(&(e.addr, e.port))
        {
            self.expected.insert((e.addr, e.port), e);
        }
    }

    fn expected_connection(
        &mut self,
        a: (IpAddr, u16),
        b: (IpAddr, u16),
    ) -> Option<crate::packet::Expectation> {
        if self.expected.is_empty() {
            return None;
        }
        let fits = |listen: (IpAddr, u16), other: (IpAddr, u16)| {
            self.expected
                .get(&listen)
                .filter(|e| e.other_port.is_none_or(|p| p == other.1))
                .copied()
        };
        fits(a, b).or_else(|| fits(b, a))
    }

    fn conversation_flags(&mut self, key: crate::packet::ConversationKey, set: u32) -> u32 {
        if self.conversation_flags.len() >= MAX_CONVERSATION_FLAGS {
            // Past the bound nothing more is remembered: a protocol then
            // dissects as if it saw its conversation anew.
            return self.conversation_flags.get(&key).copied().unwrap_or(0);
        }
        let slot = self.conversation_flags.entry(key).or_insert(0);
        let before = *slot;
        *slot |= set;
        before
    }

    fn ip_fragment(&mut self, frag: &Fragment<'_>) -> FragOutcome {
        let out = self.reassembly.fragment(frag);
        if let FragOutcome::Complete { frames, .. } = &out {
            self.frame.reassembled_from = Some(frames.clone());
        }
        out
    }

    fn ask(&mut self, q: &Question<'_>, answer: &mut dyn Any) {
        let asks = q.asks;
        if let (Some(q), Some(out)) = (
            asks.downcast_ref::<SegmentQuestion>(),
            answer.downcast_mut::<Option<SegmentAnalysis>>(),
        ) {
            *out = Some(self.tcp(&q.at, &q.seg));
        } else if let (Some(p), Some(out)) = (
            asks.downcast_ref::<PayloadQuestion>(),
            answer.downcast_mut::<TcpPayload>(),
        ) {
            *out = self.tcp_payload(p, q.bytes);
        } else if let (Some(q), Some(out)) = (
            asks.downcast_ref::<DatagramQuestion>(),
            answer.downcast_mut::<Option<DatagramAnalysis>>(),
        ) {
            *out = Some(self.udp(&q.at, &q.dgram));
        } else if let (Some(q), Some(out)) = (
            asks.downcast_ref::<DnsQuestion>(),
            answer.downcast_mut::<DnsMatch>(),
        ) {
            *out = self.dns_match(q.key, q.response, q.frame, q.ts_ns);
        } else if let Some(own) = q.own {
            let state = self.own.entry(own.proto).or_insert_with(own.new);
            let shared = crate::packet::Shared {
                keys: self.keys.as_ref(),
            };
            (own.answer)(state, &shared, asks, q.bytes, answer);
        }
    }

    fn arp_binding(
        &mut self,
        ip: [u8; 4],
        mac: [u8; 6],
        frame: u32,
        secs: i64,
    ) -> Option<ArpBinding> {
        // Wireshark's duplicate-address detection: the first MAC seen for an
        // address owns it; its later sightings refresh the entry, another
        // MAC is reported against the owner's latest frame.
        match self.arp_owners.get_mut(&ip) {
            Some(owner) if frame > owner.frame => {
                if owner.mac == mac {
                    owner.frame = frame;
                    owner.secs = secs;
                    None
                } else {
                    Some(*owner)
                }
            }
            Some(_) => None,
            None => {
                if self.arp_owners.len() < MAX_ARP_OWNERS {
                    self.arp_owners.insert(ip, ArpBinding { mac, frame, secs });
                }
                None
            }
        }
    }

    fn icmp_echo(&mut self, e: &Echo) -> EchoMatch {
        let m = if e.request {
            let key = EchoKey {
                v6: e.v6,
                requester: e.src,
                responder: e.dst,
                ident: e.ident,
                seq: e.seq,
            };
            if self.echoes.insert(key, (e.frame, e.ts_ns)).is_none() {
                self.echo_order.push_back(key);
                if self.echo_order.len() > MAX_PENDING_ECHOES
                    && let Some(old) = self.echo_order.pop_front()
                {
                    self.echoes.remove(&old);
                }
            }
            EchoMatch::None
        } else {
            let key = EchoKey {
                v6: e.v6,
                requester: e.dst,
                responder: e.src,
                ident: e.ident,
                seq: e.seq,
            };
            match self.echoes.get(&key) {
                Some(&(frame, ts)) => {
                    self.echo_replies.push((frame, e.frame));
                    EchoMatch::ReplyTo {
                        request: frame,
                        rtt_ns: e.ts_ns.saturating_sub(ts),
                    }
                }
                None => EchoMatch::None,
            }
        };
        self.frame.echo = m;
        m
    }
}

impl Analyzer {
    /// TCP's question: the segment's conversation analysis.
    fn tcp(&mut self, at: &TransportAt, seg: &TcpSegment) -> SegmentAnalysis {
        let a = self.conversations.tcp.segment(at, seg);
        if !at.quoted {
            self.frame.tcp = Some(a.clone());
            // The conversations-only load keeps no per-segment state.
            if self.analyze_apps {
                let i = a.stream as usize;
                let analyzers = &self.conversations.tcp.analyzers;
                let held = analyzers.get(i).map(|t| t.held_bytes());
                self.account(i, at.frame, None, held);
            }
        }
        a
    }

    /// UDP's question: the datagram's conversation and times.
    fn udp(&mut self, at: &TransportAt, d: &UdpDatagram) -> DatagramAnalysis {
        let a = self.conversations.udp.datagram(at, d);
        if !at.quoted {
            self.frame.udp = Some(a);
        }
        a
    }

    /// TCP's question about a segment's payload: the PDUs it completes.
    fn tcp_payload(&mut self, q: &PayloadQuestion, payload: &[u8]) -> TcpPayload {
        let (at, seg, a, payload_at) = (&q.at, &q.seg, &q.analysis, q.payload_at);
        if !self.analyze_apps || at.quoted {
            return TcpPayload::data();
        }
        let i = a.stream as usize;
        if i >= self.apps.len() {
            if i > self.apps.len() + (1 << 20) {
                return TcpPayload::data();
            }
            self.apps.resize_with(i + 1, AppSlot::default);
        }
        let dropped = self
            .costs
            .get_mut(i)
            .is_some_and(|c| std::mem::take(&mut c.dropped));
        match self.apps[i] {
            AppSlot::Undecided if !payload.is_empty() => {
                let rule = self.decode_as.find_ports(
                    crate::packet::Table::TcpPort,
                    seg.src_port,
                    seg.dst_port,
                );
                let chosen = match rule {
                    Some(rule) => (AppProto::from_name(rule.name), 0),
                    None => choose(seg.src_port, seg.dst_port, payload),
                };
                self.apps[i] = match chosen {
                    (AppProto::None, _) => AppSlot::Nothing,
                    (p, preamble) => {
                        let c = AppConnection::new(p, seg.src_port, seg.dst_port);
                        AppSlot::Conn(Box::new(c.with_preamble(usize::from(a.dir & 1), preamble)))
                    }
                };
            }
            AppSlot::Conn(ref c) if c.awaits_protocol() && !payload.is_empty() => {
                let p = crate::tcp_pdu::choose(seg.src_port, seg.dst_port, payload, false);
                if p != AppProto::None {
                    let c = AppConnection::new(p, seg.src_port, seg.dst_port);
                    self.apps[i] = AppSlot::Conn(Box::new(c));
                }
            }
            AppSlot::Switched { from, to, by } if !payload.is_empty() => {
                let c = if to == AppProto::Tls && !crate::tcp_pdu::looks_like_tls(payload) {
                    AppConnection::new(from, seg.src_port, seg.dst_port)
                } else {
                    AppConnection::resumed(to, seg.src_port, seg.dst_port).started_by(by)
                };
                self.apps[i] = AppSlot::Conn(Box::new(c));
            }
            AppSlot::Dropped(p) => {
                self.apps[i] = AppSlot::Conn(Box::new(AppConnection::resumed(
                    p,
                    seg.src_port,
                    seg.dst_port,
                )));
            }
            _ => {}
        }
        let mut out = match &mut self.apps[i] {
            AppSlot::Conn(c) => {
                // The key log may have grown (live capture): a connection
                // takes the latest.
                if let Some(keys) = &self.keys
                    && !c.has_keys(keys)
                {
                    c.set_keys(keys.clone());
                }
                let out = c.segment(at, seg, a, payload, payload_at);
                let held = c.held_bytes();
                self.account(i, at.frame, Some(held), None);
                out
            }
            _ => TcpPayload::data(),
        };
        out.state_dropped = dropped;
        if !matches!(self.apps[i], AppSlot::Conn(_)) {
            return out;
        }
        self.frame.resent_pdus |= out.pdus.iter().any(|p| p.retransmitted);
        // DNS over TCP: match each message as over UDP.
        for pdu in out.pdus.iter_mut().filter(|p| p.proto == AppProto::Dns) {
            let bytes = match &pdu.bytes {
                crate::tcp_pdu::PduBytes::InFrame { start, len } => payload
                    .get(*start as usize + 2..(*start + *len) as usize)
                    .unwrap_or(&[]),
                crate::tcp_pdu::PduBytes::Reassembled(v) => v.get(2..).unwrap_or(&[]),
            };
            if let Some((id, response)) = crate::dns::id_and_response(bytes) {
                let key = DnsKey {
                    tcp: true,
                    stream: a.stream,
                    sub: 0,
                    id,
                };
                pdu.note = PduNote::Dns(self.dns_match(key, response, at.frame, at.ts_ns));
            }
        }
        // DNS over HTTPS: matched within its HTTP/2 stream.
        for pdu in out.pdus.iter_mut().filter(|p| p.proto == AppProto::Http2) {
            let h2_stream = match &pdu.bytes {
                crate::tcp_pdu::PduBytes::InFrame { start, .. } => {
                    crate::bytes::be32(payload, *start as usize + 5)
                }
                crate::tcp_pdu::PduBytes::Reassembled(v) => crate::bytes::be32(v, 5),
            };
            let PduNote::H2(n) = &mut pdu.note else {
                continue;
            };
            let (Some(body), Some(h2_stream)) = (n.body.as_deref(), h2_stream) else {
                continue;
            };
            if crate::http2::is_opaque(n.content_type.as_deref()) || body.len() < 12 {
                continue;
            }
            if let Some((id, response)) = crate::dns::id_and_response(body) {
                let key = DnsKey {
                    tcp: true,
                    stream: a.stream,
                    sub: h2_stream & 0x7fff_ffff,
                    id,
                };
                n.dns = Some(self.dns_match(key, response, at.frame, at.ts_ns));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::tape::tag;

    /// A replay reads answers by their tags: no two answers may share one.
    #[test]
    fn every_answer_on_a_tape_has_its_own_tag() {
        let mut tags = vec![
            tag::FRAG_PENDING,
            tag::FRAG_PENDING_UNTIL,
            tag::FRAG_COMPLETE,
            tag::FRAG_REFUSED,
            tag::ECHO,
            tag::ARP_NONE,
            tag::ARP,
            tag::CONVERSATION_FLAGS,
            tag::MEMO,
            tag::EXPECTED_NONE,
            tag::EXPECTED,
            crate::tcp_analysis::TAG_NONE,
            crate::tcp_analysis::TAG,
            crate::udp::TAG_NONE,
            crate::udp::TAG,
            crate::pdu_tape::TAG,
            crate::dns::TAG,
        ];
        let n = tags.len();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), n, "tags {tags:?}");
    }

    /// A query repeated within Wireshark's 5 s retransmission timer is a
    /// retransmission; one repeated later opens a new transaction, which
    /// the response then answers (ndpi_dns_fragmented.pcap, frames 36-39).
    #[test]
    fn a_query_repeated_after_five_seconds_is_a_new_transaction() {
        let mut a = super::Analyzer::new(false);
        let key = crate::dns::DnsKey {
            tcp: false,
            stream: 0,
            sub: 0,
            id: 0xc2a0,
        };
        let s = 1_000_000_000;
        assert_eq!(a.dns_match(key, false, 1, 0).retransmission_of, None);
        assert_eq!(a.dns_match(key, false, 2, 4 * s).retransmission_of, Some(1));
        assert_eq!(a.dns_match(key, false, 3, 5 * s).retransmission_of, None);
        let r = a.dns_match(key, true, 4, 5 * s + 10);
        assert_eq!((r.request_in, r.time_ns), (Some(3), Some(10)));
    }
}
