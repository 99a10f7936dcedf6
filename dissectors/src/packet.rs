//! Dissecting one frame: the context every layer writes through ([`Cx`]),
//! what the indexer keeps of a frame ([`PacketInfo`]), and the hooks through
//! which stateful analysis (reassembly, conversations) takes part ([`State`]).

use std::any::Any;
use std::borrow::Cow;
use std::fmt::{self, Write};
use std::net::IpAddr;

use crate::expert::{ExpertDef, ExpertSummary};
use crate::field::{FieldDef, Value};
use crate::proto::ProtoDef;
use crate::sink::{Presence, Sink, Span};
use crate::tape_codec::{Sources, TapeReader, TapeWriter};

/// What the capture file says about a frame beyond [`FrameMeta`], borrowed
/// from it: the frame layer shows it as tshark does.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameFile<'a> {
    pub comments: &'a [&'a str],
    /// pcapng's `epb_flags` (direction, reception type, link errors).
    pub flags: Option<u32>,
    /// The frame's interface (pcapng): its name and description, if given.
    pub interface_name: Option<&'a str>,
    pub interface_description: Option<&'a str>,
    /// The pcapng section the frame is in, from 0.
    pub section: u32,
}

/// What the capture file says about a frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameMeta {
    /// 1-based frame number.
    pub number: u32,
    /// Capture time, ns since the epoch.
    pub ts_ns: i64,
    /// Length on the wire (the captured bytes may be fewer).
    pub orig_len: u32,
    /// Link type of the frame's interface (LINKTYPE_*).
    pub linktype: u32,
    pub interface: u32,
    /// The file describes interfaces (pcapng); `frame.interface_id` is shown then.
    pub interface_known: bool,
    /// The record has a time of its own (pcapng simple packets do not).
    pub has_ts: bool,
    /// Time since the first frame of the capture.
    pub rel_ns: i64,
    /// Time since the previous frame.
    pub delta_ns: i64,
    /// Time since the previous frame displayed (`frame.time_delta_displayed`):
    /// `delta_ns` unless a display filter hides frames.
    pub delta_displayed_ns: i64,
}

/// A network or link address for the Source/Destination columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Address {
    #[default]
    None,
    Ether([u8; 6]),
    Ip(IpAddr),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::None => Ok(()),
            Address::Ether(m) => crate::field::write_hex_colon(f, m),
            Address::Ip(a) => write!(f, "{a}"),
        }
    }
}

/// TCP options the analysis needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    pub wscale: Option<u8>,
    pub sack_perm: bool,
    pub timestamp: Option<(u32, u32)>,
    pub sack: [(u32, u32); 4],
    pub sack_count: u8,
}

impl TcpOptions {
    pub fn sack_blocks(&self) -> &[(u32, u32)] {
        &self.sack[..self.sack_count as usize]
    }
}

/// The TCP header fields the analysis and the indexer use.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpSegment {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// The 12 flag bits (NS/AE .. FIN).
    pub flags: u16,
    pub window: u16,
    pub header_len: u8,
    /// Payload length from the IP length (tcp.len), even if not all captured.
    pub len: u32,
    /// Captured payload bytes: where they are.
    pub payload: Span,
    pub options: TcpOptions,
    /// The header (options included) was read to its end: no exception cut
    /// the dissection short (Wireshark then shows no analysis and does not
    /// follow the segment).
    pub intact: bool,
}

impl TcpSegment {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct UdpDatagram {
    pub src_port: u16,
    pub dst_port: u16,
    /// Payload length from the UDP length field (bounded by the IP payload).
    pub len: u32,
    pub payload: Span,
}

#[derive(Debug, Clone, Copy, Default)]
pub enum Transport {
    #[default]
    None,
    Tcp(TcpSegment),
    Udp(UdpDatagram),
}

/// What the indexer and the conversation table keep from one dissection.
/// Reused from frame to frame: `clear` keeps the buffers.
#[derive(Debug, Default, Clone)]
pub struct PacketInfo {
    /// `frame.protocols`, outermost first.
    pub protocols: Vec<&'static ProtoDef>,
    /// Protocol column.
    pub protocol: Cow<'static, str>,
    pub src: Address,
    pub dst: Address,
    /// Addresses of the outermost IP header (conversations are keyed on them).
    pub ip: Option<(IpAddr, IpAddr)>,
    pub transport: Transport,
    /// TTL / hop limit of the outermost IP header (the Info column of echoes shows it).
    pub ttl: u8,
    pub expert: ExpertSummary,
    /// Info column; filled only when [`Options::columns`] is set.
    pub info: String,
    /// Payload of a completed IP reassembly (data source 1), when the
    /// transport layer was dissected from it.
    pub reassembled: Option<Vec<u8>>,
    /// The connection a protocol above the transport numbered this packet
    /// into, when it keeps its own (QUIC's outlive a change of address).
    pub connection: Option<ConnectionRef>,
}

/// A packet's place in a connection that a protocol above the transport
/// numbers itself (`quic.connection.number`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionRef {
    /// The numbering protocol's id.
    pub proto: u8,
    pub number: u32,
    /// Sent by the side that did not open the connection.
    pub from_server: bool,
}

impl PacketInfo {
    pub fn clear(&mut self) {
        self.protocols.clear();
        self.protocol = Cow::Borrowed("");
        self.src = Address::None;
        self.dst = Address::None;
        self.ip = None;
        self.transport = Transport::None;
        self.ttl = 0;
        self.expert = ExpertSummary::default();
        self.info.clear();
        self.reassembled = None;
        self.connection = None;
    }

    /// `frame.protocols` as tshark prints it (`eth:ethertype:ip:tcp`).
    pub fn protocols_string(&self) -> String {
        let mut s = String::new();
        for (i, p) in self.protocols.iter().enumerate() {
            if i > 0 {
                s.push(':');
            }
            s.push_str(p.name());
        }
        s
    }

    /// The highest layer that is not just "data" or "ethertype".
    pub fn top(&self) -> Option<&'static ProtoDef> {
        self.protocols.iter().rev().find(|p| p.in_column()).copied()
    }

    /// The bytes of a data source: 0 is the frame, 1 an IP reassembly.
    pub fn source_bytes<'a>(&'a self, frame: &'a [u8], source: u16) -> &'a [u8] {
        match source {
            0 => frame,
            _ => self.reassembled.as_deref().unwrap_or(&[]),
        }
    }
}

/// What to produce besides the sink's items. Small and `Copy`: it goes
/// along with every frame.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Build the Info column text.
    pub columns: bool,
    /// The user's Decode As rules (a reference: the rules are set rarely
    /// and read for every table lookup).
    pub decode_as: &'static crate::decode_as::DecodeAs,
    /// No frame of this pass has a sink that reads above TCP and UDP (its
    /// caller's consumers are the same for every frame): TCP may stop
    /// there, as in a replay, since no later frame will want the
    /// application state it would build.
    pub payload_unread: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            columns: false,
            decode_as: &crate::decode_as::DecodeAs::EMPTY,
            payload_unread: false,
        }
    }
}

impl Options {
    pub fn new(columns: bool) -> Self {
        Options {
            columns,
            ..Default::default()
        }
    }
}

/// An IP fragment offered for reassembly.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    pub frame: u32,
    pub v6: bool,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    /// Next protocol of the datagram.
    pub protocol: u8,
    /// Byte offset of this fragment's payload in the datagram.
    pub offset: u32,
    pub more: bool,
    pub payload: &'a [u8],
}

/// Result of offering a fragment.
#[derive(Debug, Clone, Default)]
pub enum FragOutcome {
    /// Not complete here; `reassembled_in` is the frame that completes it, when known.
    #[default]
    Pending,
    PendingUntil(u32),
    /// This frame completes the datagram: its payload and the frames it came from.
    Complete {
        payload: Vec<u8>,
        frames: Vec<(u32, u32)>,
    },
    /// The fragment was not taken into reassembly: a bound said no.
    Refused(FragRefusal),
}

/// Why a fragment was not taken into reassembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FragRefusal {
    /// It would make the datagram longer than 65,535 bytes.
    TooLong,
    /// Its datagram already has as many fragments as are kept.
    TooManyFragments,
    /// A protocol message (not an IP datagram) grew past
    /// [`MAX_MESSAGE`].
    MessageTooLong,
}

impl FragRefusal {
    pub fn as_u8(self) -> u8 {
        match self {
            FragRefusal::TooLong => 0,
            FragRefusal::TooManyFragments => 1,
            FragRefusal::MessageTooLong => 2,
        }
    }
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => FragRefusal::TooLong,
            2 => FragRefusal::MessageTooLong,
            _ => FragRefusal::TooManyFragments,
        }
    }
    /// What the reassembly error says.
    pub fn text(self) -> String {
        match self {
            FragRefusal::TooLong => "fragment ends past 65535, the longest datagram".into(),
            FragRefusal::TooManyFragments => format!(
                "more than {} fragments of one datagram are not reassembled",
                MAX_FRAGMENTS
            ),
            FragRefusal::MessageTooLong => format!(
                "a message longer than {} bytes is not reassembled",
                MAX_MESSAGE
            ),
        }
    }
}

/// Fragments kept per datagram: twice what eight-byte fragments of the
/// largest datagram need, room for honest retransmissions.
pub const MAX_FRAGMENTS: usize = 16_384;

/// An ICMP or ICMPv6 echo request or reply, for request/reply matching.
#[derive(Debug, Clone, Copy)]
pub struct Echo {
    pub v6: bool,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ident: u16,
    pub seq: u16,
    pub request: bool,
    pub frame: u32,
    pub ts_ns: i64,
}

/// What request/reply matching knows about an echo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EchoMatch {
    /// Nothing known (yet).
    #[default]
    None,
    /// A request whose reply is in frame `reply`.
    Answered { reply: u32 },
    /// A request that got no reply in the whole capture.
    Unanswered,
    /// A reply to the request in frame `request`, `rtt_ns` later.
    ReplyTo { request: u32, rtt_ns: i64 },
}

/// Where a transport header was found: its IP addresses and frame.
#[derive(Debug, Clone, Copy)]
pub struct TransportAt {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub frame: u32,
    pub ts_ns: i64,
    /// Length of the frame on the wire (conversation byte counts use it).
    pub frame_len: u32,
    /// The header is quoted inside an ICMP error: it names a conversation
    /// but is not part of it.
    pub quoted: bool,
}

impl<S: Sink> Cx<'_, S> {
    /// Nothing above TCP and UDP is wanted and skipping it loses no
    /// analysis (a replayed frame, or a pass none of whose frames reads
    /// it): TCP then stops (UDP does not: tunnels).
    pub fn skip_payload(&self) -> bool {
        !self.sink.wants_payload() && (self.state.is_replay() || self.opts.payload_unread)
    }

    /// The [`TransportAt`] of a transport header in the IP layer being dissected.
    pub fn transport_at(&self) -> Option<TransportAt> {
        let (src, dst) = self.ip_current?;
        Some(TransportAt {
            src,
            dst,
            frame: self.frame.number,
            ts_ns: self.frame.ts_ns,
            frame_len: self.frame.orig_len,
            quoted: self.quote_depth > 0,
        })
    }
}

/// Stateful analysis taking part in a dissection. The analysis pass answers
/// from live state, fed in frame order; the details view answers from what
/// the analysis kept. Stateless dissection uses [`NoState`].
pub trait State {
    /// Answers come from a recording (dissectors::tape), not from analysis
    /// that must see every layer of every frame: layers no one wants may
    /// then be skipped.
    fn is_replay(&self) -> bool {
        false
    }
    /// Application protocols are analysed across segments (PDUs framed
    /// and reassembled): without it (a conversations-only pass) a segment's
    /// payload needs no question.
    fn analyses_applications(&self) -> bool {
        true
    }
    fn ip_fragment(&mut self, _frag: &Fragment<'_>) -> FragOutcome {
        FragOutcome::Pending
    }
    /// A protocol's own question ([`Question`]): TCP's sequence analysis,
    /// the PDUs a segment completes, DNS request/response matching. The
    /// answer goes into `answer`, the asker's [`Answer`] type, which holds
    /// "nothing known" until then. The core passes both through unread.
    fn ask(&mut self, _q: &Question<'_>, _answer: &mut dyn Any) {}
    fn icmp_echo(&mut self, _echo: &Echo) -> EchoMatch {
        EchoMatch::None
    }
    /// An IPv4/MAC binding seen in an ARP packet: the earlier binding of
    /// that address to another MAC, if any.
    fn arp_binding(
        &mut self,
        _ip: [u8; 4],
        _mac: [u8; 6],
        _frame: u32,
        _secs: i64,
    ) -> Option<ArpBinding> {
        None
    }
    /// A protocol's flags for one conversation (Wireshark's conversation
    /// data, in the small): the flags before, with `set` ORed in for the
    /// frames that follow. Protocols that dissect segment by segment keep
    /// what they learnt (a banner seen, keys changed) here.
    fn conversation_flags(&mut self, _key: ConversationKey, _set: u32) -> u32 {
        0
    }
    /// A protocol's memo for one conversation: a few bytes it keeps from
    /// frame to frame (FTP: how its data connections are made and the
    /// command they serve). `set` replaces it; the memo before is returned.
    fn conversation_memo(&mut self, _key: ConversationKey, _set: Option<&[u8]>) -> Vec<u8> {
        Vec::new()
    }
    /// A protocol's message that comes in pieces across frames (Wireshark's
    /// `fragment_add_seq_next`; SMTP's DATA): `bytes` are appended to the
    /// message kept under `key`; with `last` the message is complete and
    /// comes back whole with the frames its pieces came from.
    fn message_fragment(
        &mut self,
        _key: ConversationKey,
        _frame: u32,
        _bytes: &[u8],
        _last: bool,
    ) -> FragOutcome {
        FragOutcome::Pending
    }
    /// A protocol says its TCP connection (`tcp.stream`) speaks another
    /// protocol from the next segment on (SMTP's STARTTLS answered 220): the
    /// analysis frames what follows as the protocol Decode As calls `name`;
    /// `by` is the switching protocol (what tshark names on TLS records).
    fn switch_tcp_protocol(&mut self, _stream: u32, _name: &str, _by: &'static ProtoDef) {}
    /// A connection a protocol announced (FTP's PASV): later TCP
    /// connections to its listening end are the announcer's.
    fn expect_connection(&mut self, _e: Expectation) {}
    /// A UDP conversation a protocol sets up ahead of its datagrams: later
    /// datagrams between `end` and any port of `peer` (Wireshark's SNMP,
    /// for a request's source and its destination), or between `end` and
    /// anyone when `peer` is None (SDP's RTP), are one conversation,
    /// numbered when the first comes.
    fn udp_conversation(&mut self, _end: (IpAddr, u16), _peer: Option<IpAddr>) {}
    /// What was announced for a TCP connection between these two ends.
    fn expected_connection(&mut self, _a: (IpAddr, u16), _b: (IpAddr, u16)) -> Option<Expectation> {
        None
    }
}

/// An answer the analysis gives a protocol, and how a tape keeps it: the
/// protocol defines both, so the core and the recording name no protocol.
pub trait Answer: Any + Sized {
    /// What is known without analysis (stateless dissection, a damaged tape).
    fn unknown() -> Self;
    /// Writes the answer, its tag first (the `tape` module lists the core's).
    fn write(&self, w: &mut TapeWriter<'_>);
    /// Reads an answer [`Answer::write`] wrote; the reader fails on a
    /// different tag or a short tape (the answer is then unknown).
    fn read(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self;
}

/// A protocol's question to the analysis: its own `'static` question type,
/// the bytes it concerns (apart, so the question owns nothing borrowed) and
/// how the answer is written and read back.
pub struct Question<'q> {
    pub asks: &'q dyn Any,
    pub bytes: &'q [u8],
    pub write: fn(&dyn Any, &mut TapeWriter<'_>),
    pub read: fn(&mut TapeReader<'_>, &mut Sources<'_>, &mut dyn Any),
    /// A protocol that answers from state of its own, which the analysis
    /// keeps for it; None for the questions the analysis answers itself.
    pub own: Option<&'q OwnAnalysis>,
}

/// A protocol's analysis state, kept by the analysis on its behalf (one
/// per protocol) and opaque to it: QUIC's connections and keys.
pub type OwnState = Box<dyn Any + Send>;

/// What the analysis lends a protocol that keeps its own state.
pub struct Shared<'a> {
    /// The TLS secrets the user gave (QUIC's handshake is TLS).
    pub keys: Option<&'a std::sync::Arc<crate::keylog::KeyLog>>,
}

/// How a protocol analyses across packets with its own state: the
/// analysis makes the state on the first question and hands it back with
/// each, so that the analysis names no protocol and a protocol adds its
/// state without touching it.
pub struct OwnAnalysis {
    /// Whose state: the protocol's [`crate::proto::ProtoDef::id`].
    pub proto: u8,
    pub new: fn() -> OwnState,
    /// Answers the question (`asks`, `bytes`) into `answer`.
    pub answer: fn(&mut OwnState, &Shared<'_>, &dyn Any, &[u8], &mut dyn Any),
}

fn write_answer<A: Answer>(answer: &dyn Any, w: &mut TapeWriter<'_>) {
    if let Some(a) = answer.downcast_ref::<A>() {
        a.write(w);
    }
}

fn read_answer<A: Answer>(r: &mut TapeReader<'_>, src: &mut Sources<'_>, answer: &mut dyn Any) {
    if let Some(a) = answer.downcast_mut::<A>() {
        let read = A::read(r, src);
        *a = if r.failed { A::unknown() } else { read };
    }
}

impl dyn State + '_ {
    /// Asks the analysis `asks` about `bytes`; the answer is `A`.
    pub fn ask_for<A: Answer>(&mut self, asks: &dyn Any, bytes: &[u8]) -> A {
        self.ask_with(None, asks, bytes)
    }

    /// Asks a question `own` answers from the protocol's own state.
    pub fn ask_own<A: Answer>(&mut self, own: &OwnAnalysis, asks: &dyn Any, bytes: &[u8]) -> A {
        self.ask_with(Some(own), asks, bytes)
    }

    fn ask_with<A: Answer>(
        &mut self,
        own: Option<&OwnAnalysis>,
        asks: &dyn Any,
        bytes: &[u8],
    ) -> A {
        let mut answer = A::unknown();
        let q = Question {
            asks,
            bytes,
            write: write_answer::<A>,
            read: read_answer::<A>,
            own,
        };
        self.ask(&q, &mut answer);
        answer
    }
}

/// An announced connection (Wireshark's conversation set up ahead of its
/// first packet): its listening end, the other end's port when the
/// announcement fixes it, the protocol that will speak there (its
/// [`crate::proto::ProtoDef::id`]) and the conversation that announced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    pub addr: IpAddr,
    pub port: u16,
    pub other_port: Option<u16>,
    pub proto: u8,
    pub parent: ConversationKey,
}

/// The longest memo kept for a conversation.
pub const MAX_MEMO: usize = 256;

/// The longest protocol message kept from pieces
/// ([`State::message_fragment`]).
pub const MAX_MESSAGE: usize = 1 << 20;

/// Whose flags [`State::conversation_flags`] keeps: a TCP or UDP stream and
/// the protocol (its [`crate::proto::ProtoDef::id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationKey {
    pub tcp: bool,
    pub stream: u32,
    pub proto: u8,
}

/// Where an IPv4 address was last seen bound to a MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpBinding {
    pub mac: [u8; 6],
    /// The last frame that showed this binding.
    pub frame: u32,
    /// That frame's arrival time, whole seconds since the epoch.
    pub secs: i64,
}

/// No state: every frame on its own.
#[derive(Debug, Default)]
pub struct NoState;
impl State for NoState {}

pub use crate::table::Table;

/// A dissector in a table: dissects `buf` from `off` and returns how many
/// bytes it claimed.
pub type Dissector<S> = fn(&mut Cx<'_, S>, Buf<'_>, usize) -> usize;

/// Who takes `key` in a table, if anyone: what the registry answers.
pub type Lookup<S> = fn(Table, u32) -> Option<Dissector<S>>;

/// Encapsulations deeper than this are shown as data.
pub const MAX_NESTING: u8 = 16;

/// The dissection context: the sink, the frame's [`PacketInfo`], the state
/// hooks. Every layer reports through it so that the protocol list, the
/// expert summary and the sink stay in step.
pub struct Cx<'c, S: Sink> {
    pub sink: &'c mut S,
    /// The dissector tables.
    pub lookup: Lookup<S>,
    pub pi: &'c mut PacketInfo,
    pub state: &'c mut dyn State,
    pub frame: FrameMeta,
    pub opts: Options,
    /// Nesting depth of quoted packets (ICMP errors), which must not recurse forever.
    pub quote_depth: u8,
    /// Nesting depth of encapsulations (tags in tags, IP in IP).
    pub nesting: u8,
    /// Addresses of the IP header being dissected (quoted ones included),
    /// for pseudo-header checksums.
    pub ip_current: Option<(IpAddr, IpAddr)>,
    /// The note of the first exception, appended to Info when the frame is
    /// done: Wireshark appends it where dissection stopped, after whatever
    /// the failing layer had already put in the column.
    pub info_exception: Option<&'static str>,
    /// An application PDU has written Info (see [`Cx::app_info`]).
    pub app_info_started: bool,
    /// Info up to here is kept by [`Cx::set_info`] (see [`Cx::fence_info`]).
    pub info_fence: usize,
    /// The conversation (`udp.stream`) of the datagram being dissected,
    /// for protocols that match requests with responses.
    pub udp_stream: Option<u32>,
    /// The same for the TCP segment being dissected (`tcp.stream`).
    pub tcp_stream: Option<u32>,
    /// The announcement the TCP connection being dissected answers.
    pub expected: Option<Expectation>,
    /// The string a string-keyed table matched (Wireshark's
    /// `pinfo->match_string`): the media type an HTTP body was handed on by.
    pub match_string: Option<String>,
    /// The parameters of the media type a body was handed on by
    /// (Wireshark's `media_content_info.media_str`: a multipart boundary).
    pub media_parameters: Option<String>,
}

impl<S: Sink> Cx<'_, S> {
    /// Hands `buf` from `off` to the protocol a Decode As rule names.
    pub fn dissect_as(
        &mut self,
        rule: crate::decode_as::Rule,
        buf: Buf<'_>,
        off: usize,
    ) -> Option<usize> {
        self.dissect_by(Table::Protocol, rule.index, buf, off)
    }

    /// Hands `buf` from `off` to whoever registered `key` in `table`:
    /// the bytes it claimed, or None when no dissector did.
    pub fn dissect_by(
        &mut self,
        table: Table,
        key: u32,
        buf: Buf<'_>,
        off: usize,
    ) -> Option<usize> {
        // A Decode As rule replaces the table's entry for its keys, as
        // Wireshark's Decode As changes the table itself.
        let (table, key) = match self.opts.decode_as.find(table, key) {
            Some(rule) if table != Table::Protocol => (Table::Protocol, rule.index),
            _ => (table, key),
        };
        let dissector = (self.lookup)(table, key)?;
        Some(dissector(self, buf, off))
    }

    /// Hands a body on by its media type (see [`crate::table::media_type`]),
    /// the type being the match string its taker reads; with `or_any`, a
    /// type no protocol takes goes to the one registered for
    /// [`crate::table::MEDIA_ANY`] (Wireshark's HTTP does; its SIP does not).
    pub fn dissect_media(
        &mut self,
        media: &str,
        or_any: bool,
        buf: Buf<'_>,
        off: usize,
    ) -> Option<usize> {
        self.dissect_media_with(media, None, or_any, buf, off)
    }

    /// [`Cx::dissect_media`] with the media type's parameters (what
    /// follows its first `;`), which a multipart body needs.
    pub fn dissect_media_with(
        &mut self,
        media: &str,
        parameters: Option<&str>,
        or_any: bool,
        buf: Buf<'_>,
        off: usize,
    ) -> Option<usize> {
        use crate::table::{MEDIA_ANY, media_key};
        let outer = self.media_parameters.take();
        self.media_parameters = parameters.map(str::to_owned);
        let mut key = media_key(media);
        if or_any && (self.lookup)(Table::MediaType, key).is_none() {
            key = media_key(MEDIA_ANY);
        }
        self.match_string = Some(media.to_owned());
        let out = self.dissect_by(Table::MediaType, key, buf, off);
        self.match_string = None;
        self.media_parameters = outer;
        out
    }

    /// The media type a body was handed on by (see [`Cx::dissect_media`]),
    /// taken as a media type's dissector shows it: added to Info as
    /// "(type)", and returned as ": type" for its item's title (empty
    /// when the body came some other way).
    pub fn take_media_name(&mut self) -> String {
        let Some(m) = self.match_string.take() else {
            return String::new();
        };
        self.append_info_sep(" ", format_args!("({m})"));
        format!(": {m}")
    }

    pub fn layer(&mut self, proto: &'static ProtoDef, span: Span, label: fmt::Arguments<'_>) {
        self.pi.protocols.push(proto);
        if self.quote_depth == 0 && proto.in_column() {
            self.pi.protocol = Cow::Borrowed(proto.column);
        }
        self.sink.layer(&proto.field, span, label);
    }

    /// A protocol in `frame.protocols` that has no tree of its own (`ethertype`).
    pub fn mark(&mut self, proto: &'static ProtoDef) {
        self.pi.protocols.push(proto);
    }

    /// Another tree item of a protocol already in `frame.protocols` (the
    /// second HTTP message or TLS record a dissector call shows: Wireshark
    /// lists the protocol once per call, not per item).
    pub fn layer_again(&mut self, proto: &'static ProtoDef, span: Span, label: fmt::Arguments<'_>) {
        self.sink.layer(&proto.field, span, label);
    }

    /// Wireshark's `col_append_sep`: Info items joined by `sep`, also after
    /// what is already there (the TCP analysis' words) for the first one.
    pub fn app_info_sep(&mut self, sep: &str, args: fmt::Arguments<'_>) {
        if !self.opts.columns || self.quote_depth != 0 {
            return;
        }
        if !self.app_info_started {
            self.pi
                .info
                .truncate(self.info_fence.min(self.pi.info.len()));
            self.app_info_started = true;
        }
        if !self.pi.info.is_empty() {
            self.pi.info.push_str(sep);
        }
        let _ = self.pi.info.write_fmt(args);
    }

    /// The Info text of an application PDU: the frame's first one replaces
    /// what the transport wrote, later ones are appended after `sep`
    /// (Wireshark's TLS and HTTP/2 list every message: ", ").
    pub fn app_info(&mut self, sep: &str, args: fmt::Arguments<'_>) {
        if !self.opts.columns || self.quote_depth != 0 {
            return;
        }
        if self.app_info_started {
            self.pi.info.push_str(sep);
        } else {
            self.pi
                .info
                .truncate(self.info_fence.min(self.pi.info.len()));
            self.app_info_started = true;
        }
        let _ = self.pi.info.write_fmt(args);
    }

    pub fn end_layer(&mut self) {
        self.sink.end_layer();
    }

    #[inline]
    pub fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>) {
        self.sink.field(def, span, value, Presence::Normal);
    }

    #[inline]
    pub fn hidden(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>) {
        self.sink.field(def, span, value, Presence::Hidden);
    }

    #[inline]
    pub fn generated(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>) {
        self.sink.field(def, span, value, Presence::Generated);
    }

    #[inline]
    pub fn labeled(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        label: fmt::Arguments<'_>,
    ) {
        self.sink
            .field_with_label(def, span, value, Presence::Normal, label);
    }

    /// A generated field worded by its dissector (tshark's
    /// proto_tree_add_*_format on a generated item).
    #[inline]
    pub fn generated_labeled(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        label: fmt::Arguments<'_>,
    ) {
        self.sink
            .field_with_label(def, span, value, Presence::Generated, label);
    }

    #[inline]
    pub fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        self.sink.text(span, label);
    }

    /// A text line Wireshark builds by appending (its long label is cut
    /// without a mark).
    pub fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        self.sink.appended_text(span, label);
    }

    #[inline]
    pub fn push(&mut self) {
        self.sink.push();
    }

    #[inline]
    pub fn pop(&mut self) {
        self.sink.pop();
    }

    pub fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        self.pi.expert.add(def);
        self.sink.expert(def, span, message);
    }

    /// A layer ended before its header did: Wireshark's "Malformed Packet" or,
    /// when the capture was cut by snaplen, "Packet size limited during capture".
    pub fn truncated(&mut self, what: &str, span: Span, data_len: usize) {
        if (self.frame.orig_len as usize) > data_len && self.quote_depth == 0 {
            self.exception(
                &crate::expert::SHORT_FRAME,
                span,
                format_args!("[Packet size limited during capture: {what} truncated]"),
            );
            self.note_exception("[Packet size limited during capture]");
        } else {
            self.malformed(span, format_args!("[Malformed Packet: {what}]"));
        }
    }

    /// A layer ran out of bytes in `buf`: cut by the snaplen (the packet
    /// had them) or malformed (its container said it ends there).
    pub fn ran_out(&mut self, what: &str, span: Span, buf: Buf<'_>) {
        if buf.bytes.len() < buf.reported {
            self.truncated(what, span, 0);
        } else {
            self.malformed(span, format_args!("[Malformed Packet: {what}]"));
        }
    }

    /// Reassembly of `protocol` (its Protocol-column name) stopped at a
    /// bound: an expert item and Info say so, as Wireshark's
    /// "[Reassembly error, protocol X: why]".
    pub fn reassembly_error(&mut self, protocol: &str, span: Span, why: &str) {
        self.expert(
            &crate::expert::REASSEMBLY_ERROR,
            span,
            format_args!("Reassembly error, protocol {protocol}: {why}"),
        );
        if self.quote_depth == 0 {
            self.append_info(format_args!(
                " [Reassembly error, protocol {protocol}: {why}]"
            ));
        }
    }

    /// An exception in Wireshark's terms: the layer cannot go on.
    pub fn malformed(&mut self, span: Span, message: fmt::Arguments<'_>) {
        self.exception(&crate::expert::MALFORMED, span, message);
        self.note_exception("[Malformed Packet]");
    }

    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        self.pi.expert.add(def);
        self.sink.exception(def, span, message);
    }

    fn note_exception(&mut self, note: &'static str) {
        if self.quote_depth == 0 && self.info_exception.is_none() {
            self.info_exception = Some(note);
        }
    }

    /// Replace the Info column (when columns are wanted).
    /// (Text before the fence stays: the TCP analysis' `[TCP ...] `.)
    /// The next application text replaces what application protocols
    /// wrote to the Info column so far (a dissector that clears the
    /// column when it is called).
    pub fn restart_app_info(&mut self) {
        self.app_info_started = false;
    }

    pub fn set_info(&mut self, args: fmt::Arguments<'_>) {
        if self.opts.columns && self.quote_depth == 0 {
            self.pi
                .info
                .truncate(self.info_fence.min(self.pi.info.len()));
            let _ = self.pi.info.write_fmt(args);
        }
    }

    /// What Info holds now stays ahead of what later layers write (Wireshark's
    /// column fence).
    pub fn fence_info(&mut self) {
        if self.quote_depth == 0 {
            self.info_fence = self.pi.info.len();
        }
    }

    /// Append to the Info column.
    pub fn append_info(&mut self, args: fmt::Arguments<'_>) {
        if self.opts.columns && self.quote_depth == 0 {
            let _ = self.pi.info.write_fmt(args);
        }
    }

    /// Wireshark's `col_append_sep_fstr`: `sep` first, unless Info is empty.
    pub fn append_info_sep(&mut self, sep: &str, args: fmt::Arguments<'_>) {
        if self.opts.columns && self.quote_depth == 0 {
            if !self.pi.info.is_empty() {
                self.pi.info.push_str(sep);
            }
            let _ = self.pi.info.write_fmt(args);
        }
    }

    /// Enters one more level of encapsulation; false when there are too many
    /// (hostile packets nest IP in IP until the stack runs out).
    pub fn enter_encapsulation(&mut self) -> bool {
        if self.nesting >= MAX_NESTING {
            return false;
        }
        self.nesting += 1;
        true
    }

    pub fn leave_encapsulation(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    pub fn columns(&self) -> bool {
        self.opts.columns && self.quote_depth == 0
    }
}

/// Bytes being dissected: the frame, or a reassembled buffer (another data
/// source). `reported` is the length on the wire, which snaplen may have made
/// larger than what was captured.
#[derive(Debug, Clone, Copy)]
pub struct Buf<'a> {
    pub bytes: &'a [u8],
    pub source: u16,
    pub reported: usize,
}

impl<'a> Buf<'a> {
    pub fn frame(bytes: &'a [u8], orig_len: u32) -> Self {
        Buf {
            bytes,
            source: 0,
            reported: (orig_len as usize).max(bytes.len()),
        }
    }
    pub fn source(bytes: &'a [u8], source: u16) -> Self {
        Buf {
            bytes,
            source,
            reported: bytes.len(),
        }
    }
    #[inline]
    pub fn span(&self, off: usize, len: usize) -> Span {
        Span::in_source(self.source, off, len)
    }
    /// Captured bytes `off..off+len`, clamped.
    #[inline]
    pub fn get(&self, off: usize, len: usize) -> &'a [u8] {
        crate::bytes::clamp(self.bytes, off, len)
    }
    /// Captured bytes from `off` to the end.
    #[inline]
    pub fn rest(&self, off: usize) -> &'a [u8] {
        self.bytes.get(off..).unwrap_or(&[])
    }
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    /// The same bytes seen only up to `end` (a layer's own length field says
    /// where it stops; what follows is a trailer).
    pub fn limit(&self, end: usize) -> Buf<'a> {
        Buf {
            bytes: &self.bytes[..end.min(self.bytes.len())],
            source: self.source,
            reported: end.min(self.reported),
        }
    }
}
