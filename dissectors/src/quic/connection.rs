//! The analysis of QUIC across datagrams: connections found by their
//! connection IDs, each with its keys (the Initial keys from the client's
//! Destination Connection ID, the others from the key log once the
//! ClientHello's random and the ServerHello's suite are known), the
//! largest packet number of each space, and the CRYPTO streams carrying
//! the TLS handshake. The answer for a datagram is what its packets hold
//! once opened, written on the tape so that a frame dissects again alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::frames::read_frame;
use super::header::{LongHeader, LongType, decode_pn, known_version};
use super::protection::{PacketKeys, initial_secrets, next_secret, unprotect};
use crate::http3::{self, StreamFramer, StreamView};
use crate::keylog::{KeyLog, SecretKind};
use crate::packet::{Answer, Shared, TransportAt};
use crate::qpack::{FAILURES, FieldLine, QpackTable, Section};
use crate::tape_codec::{Sources, TapeReader, TapeWriter};
use crate::tls::decrypt::{Aead, Bulk, Hash, Suite};

/// What QUIC asks about a datagram (its UDP payload goes as the bytes).
#[derive(Debug, Clone, Copy)]
pub struct DatagramQuestion {
    pub at: TransportAt,
    pub sport: u16,
    pub dport: u16,
    /// The datagram is on a port QUIC owns (443): an unknown short
    /// header is still QUIC there, not elsewhere.
    pub on_port: bool,
}

/// What became of one packet's protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Not tried: no keys for its level (or Retry and Version
    /// Negotiation, which have none).
    NoKey,
    /// Keys, but the payload did not authenticate.
    Failed,
    Plain(Vec<u8>),
}

/// Handshake messages a packet's CRYPTO frame completes, to dissect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeBytes {
    /// Which CRYPTO frame of the packet (in order) completed them.
    pub frame: u32,
    /// Where they start in that frame's data, when they all lie in it;
    /// None when reassembled from earlier frames (then `bytes` holds them).
    pub in_frame: Option<u32>,
    pub len: u32,
    pub bytes: Vec<u8>,
}

/// A STREAM frame of the packet that holds HTTP/3 to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamNote {
    /// Which STREAM frame of the packet (in order).
    pub frame: u32,
    pub view: StreamView,
    /// The field sections of its whole HEADERS and PUSH_PROMISE frames,
    /// in order.
    pub sections: Vec<Section>,
}

/// One packet of the datagram as the analysis saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketNote {
    pub start: u32,
    pub len: u32,
    /// The first byte with its protection off (the raw byte when it was not).
    pub first: u8,
    /// The full packet number, once header protection was taken off.
    pub pn: Option<u64>,
    pub pn_len: u8,
    /// A short header's Destination Connection ID length.
    pub dcid_len: u8,
    pub connection: u32,
    pub from_server: bool,
    pub opened: Opened,
    pub handshake: Vec<HandshakeBytes>,
    pub http3: Vec<StreamNote>,
}

/// The analysis' answer for a datagram; no packets when it is not QUIC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuicAnswer {
    pub packets: Vec<PacketNote>,
}

/// QUIC's tag on a tape.
pub const TAG: u8 = 40;

impl Answer for QuicAnswer {
    fn unknown() -> Self {
        QuicAnswer::default()
    }

    fn write(&self, w: &mut TapeWriter<'_>) {
        w.u8(TAG);
        w.u64(self.packets.len() as u64);
        for p in &self.packets {
            w.u64(p.start.into());
            w.u64(p.len.into());
            w.u8(p.first);
            w.opt_u64(p.pn);
            w.u8(p.pn_len);
            w.u8(p.dcid_len);
            w.u64(p.connection.into());
            w.u8(p.from_server.into());
            match &p.opened {
                Opened::NoKey => w.u8(0),
                Opened::Failed => w.u8(1),
                Opened::Plain(b) => {
                    w.u8(2);
                    w.big(b);
                }
            }
            w.u64(p.handshake.len() as u64);
            for h in &p.handshake {
                w.u64(h.frame.into());
                w.opt_u64(h.in_frame.map(u64::from));
                w.u64(h.len.into());
                w.big(&h.bytes);
            }
            w.u64(p.http3.len() as u64);
            for h in &p.http3 {
                w.u64(h.frame.into());
                w.u64(h.view.start.into());
                w.u8(u8::from(h.view.typed) | u8::from(h.view.opaque) << 1);
                w.u64(h.sections.len() as u64);
                for s in &h.sections {
                    write_section(w, s);
                }
            }
        }
    }

    fn read(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self {
        if r.expect(&[TAG]).is_none() {
            return QuicAnswer::default();
        }
        let n = r.u64().min(MAX_PACKETS as u64);
        let mut packets = Vec::new();
        for _ in 0..n {
            let mut p = PacketNote {
                start: r.u32(),
                len: r.u32(),
                first: r.u8(),
                pn: r.opt_u64(),
                pn_len: r.u8(),
                dcid_len: r.u8(),
                connection: r.u32(),
                from_server: r.u8() != 0,
                opened: Opened::NoKey,
                handshake: Vec::new(),
                http3: Vec::new(),
            };
            p.opened = match r.u8() {
                1 => Opened::Failed,
                2 => Opened::Plain(src.big(r)),
                _ => Opened::NoKey,
            };
            let h = r.u64().min(MAX_FRAMES as u64);
            for _ in 0..h {
                p.handshake.push(HandshakeBytes {
                    frame: r.u32(),
                    in_frame: r.opt_u32(),
                    len: r.u32(),
                    bytes: src.big(r),
                });
            }
            let h = r.u64().min(MAX_FRAMES as u64);
            for _ in 0..h {
                let frame = r.u32();
                let start = r.u32();
                let flags = r.u8();
                let n = r.u64().min(MAX_FRAMES as u64);
                let mut sections = Vec::new();
                for _ in 0..n {
                    if r.failed {
                        break;
                    }
                    sections.push(read_section(r, src));
                }
                p.http3.push(StreamNote {
                    frame,
                    view: StreamView {
                        start,
                        typed: flags & 1 != 0,
                        opaque: flags & 2 != 0,
                    },
                    sections,
                });
            }
            if r.failed {
                return QuicAnswer::default();
            }
            packets.push(p);
        }
        QuicAnswer { packets }
    }
}

fn write_section(w: &mut TapeWriter<'_>, s: &Section) {
    match s {
        Section::Decoded { lines, truncated } => {
            w.u8(u8::from(*truncated));
            w.u64(lines.len() as u64);
            for l in lines {
                w.shared(l.name.id(), &l.name);
                w.shared(l.value.id(), &l.value);
            }
        }
        Section::Blocked { required, inserted } => {
            w.u8(2);
            w.u64(*required);
            w.u64(*inserted);
        }
        Section::Failed(why) => {
            w.u8(3);
            w.u8(FAILURES
                .iter()
                .position(|f| f == why)
                .unwrap_or(FAILURES.len() - 1) as u8);
        }
    }
}

fn read_section(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Section {
    match r.u8() {
        tag @ (0 | 1) => {
            let n = r.u64().min(crate::qpack::MAX_LINES as u64);
            let mut lines = Vec::new();
            for _ in 0..n {
                if r.failed {
                    break;
                }
                lines.push(FieldLine {
                    name: src.shared(r),
                    value: src.shared(r),
                });
            }
            Section::Decoded {
                lines,
                truncated: tag == 1,
            }
        }
        2 => Section::Blocked {
            required: r.u64(),
            inserted: r.u64(),
        },
        _ => Section::Failed(FAILURES[(r.u8() as usize).min(FAILURES.len() - 1)]),
    }
}

/// HTTP/3 stream and frame types the analysis acts on.
const CONTROL_STREAM: u64 = 0x00;
const ENCODER_STREAM: u64 = 0x02;
const HEADERS: u64 = 0x01;
const SETTINGS: u64 = 0x04;
const PUSH_PROMISE: u64 = 0x05;

/// Packets read per datagram at most (coalesced packets are a few).
const MAX_PACKETS: usize = 16;
/// Frames read per packet at most.
const MAX_FRAMES: usize = 4096;
/// Connections kept; past it the oldest goes.
const MAX_CONNECTIONS: usize = 4096;
/// QPACK table bytes kept over all connections (512 connections whose
/// peers each fill a 32 KiB table).
const MAX_QPACK_BYTES: usize = 32 << 20;
/// Streams whose HTTP/3 framing is followed per connection.
const MAX_STREAMS: usize = 4096;
/// Connection IDs kept per connection.
const MAX_CIDS: usize = 64;
/// Address pairs kept per connection (each migration adds one).
const MAX_PATHS: usize = 16;

/// An address and UDP port.
type Endpoint = (IpAddr, u16);
/// A connection's path: client then server.
type Path = (Endpoint, Endpoint);

/// The connection a connection ID belongs to, and which way packets that
/// carry it as their Destination Connection ID go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CidOwner {
    conn: usize,
    to_server: bool,
}
/// CRYPTO data kept per stream (a handshake flight is a few kB).
const MAX_CRYPTO: u64 = 64 << 10;

/// An encryption level's packet number space (0-RTT shares 1-RTT's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Initial = 0,
    Handshake = 1,
    Application = 2,
}

/// One direction's 1-RTT keys and their generations (RFC 9001 §6).
struct OneRtt {
    secret: Vec<u8>,
    /// The first generation's keys: their header protection key serves
    /// every generation (RFC 9001 §6.6 leaves it unchanged).
    header: PacketKeys,
    phase: bool,
    current: PacketKeys,
    next: Option<PacketKeys>,
    previous: Option<PacketKeys>,
}

/// One CRYPTO stream: its bytes in order from `base`, what was handed to
/// the dissector (`done`), and pieces that came early.
#[derive(Default)]
struct CryptoStream {
    base: u64,
    buf: Vec<u8>,
    early: Vec<(u64, Vec<u8>)>,
}

struct Connection {
    number: u32,
    version: u32,
    /// The client's address and port when it last sent (it may migrate).
    client: (IpAddr, u16),
    cids: Vec<Vec<u8>>,
    /// A side chose zero-length connection IDs (0: the client, 1: the
    /// server): packets to it are matched by their addresses.
    zero_len_cid: [bool; 2],
    /// The address pairs packets of this connection travelled, from
    /// client to server (the keys of `QuicConnections::by_path`).
    paths: Vec<Path>,
    /// The client's first Destination Connection ID (after a Retry, the
    /// Retry's Source Connection ID): whose Initial keys are in use.
    initial_dcid: Vec<u8>,
    initial: Option<[PacketKeys; 2]>,
    handshake: Option<[PacketKeys; 2]>,
    zero_rtt: Option<PacketKeys>,
    one_rtt: [Option<OneRtt>; 2],
    client_random: Option<[u8; 32]>,
    suite: Option<Suite>,
    largest: [[Option<u64>; 2]; 3],
    crypto: [[CryptoStream; 2]; 3],
    retry_scid: Option<Vec<u8>>,
    /// The server chose HTTP/3 (ALPN h3): STREAM data is HTTP/3.
    h3: bool,
    /// Each stream's HTTP/3 frame boundaries, by stream and direction.
    streams: HashMap<(u64, usize), StreamFramer>,
    /// The QPACK table each direction's encoder builds, which decodes the
    /// field sections that direction sends.
    qpack: [QpackTable; 2],
    /// Their heap bytes when last counted (see `QuicConnections::qpack_bytes`).
    qpack_bytes: usize,
    last_used: u64,
}

/// Every QUIC connection of the capture.
#[derive(Default)]
pub struct QuicConnections {
    /// The connections kept, by number (tshark's quic.connection.number).
    connections: HashMap<usize, Connection>,
    /// The next connection's number.
    next: usize,
    by_cid: HashMap<Vec<u8>, CidOwner>,
    /// Connections by (client, server) address pair, for packets to a side
    /// that uses zero-length connection IDs.
    by_path: HashMap<Path, usize>,
    /// Lengths of the connection IDs known (short headers do not say).
    cid_lens: Vec<usize>,
    datagrams: u64,
    /// Heap bytes of all connections' QPACK tables: a table may reach
    /// 64 KiB a side, so past [`MAX_QPACK_BYTES`] the idlest connections go.
    qpack_bytes: usize,
}

impl QuicConnections {
    pub fn answer(&mut self, shared: &Shared<'_>, q: &DatagramQuestion, b: &[u8]) -> QuicAnswer {
        self.datagrams += 1;
        let mut packets = Vec::new();
        let mut at = 0;
        while at < b.len() && packets.len() < MAX_PACKETS {
            let Some(note) = self.packet(shared, q, b, at) else {
                break;
            };
            at += note.len as usize;
            let done = note.len == 0;
            packets.push(note);
            if done {
                break;
            }
        }
        QuicAnswer { packets }
    }

    fn find(&self, cid: &[u8]) -> Option<CidOwner> {
        self.by_cid.get(cid).copied()
    }

    /// The connection a short header's Destination Connection ID names,
    /// and that ID's length.
    fn find_short(&self, b: &[u8]) -> Option<(CidOwner, usize)> {
        self.cid_lens.iter().find_map(|&n| {
            let cid = b.get(1..1 + n)?;
            self.find(cid).map(|c| (c, n))
        })
    }

    /// The connection whose packets travel between `src` and `dst` to a
    /// side that uses zero-length connection IDs (RFC 9000 §5.2: such a
    /// side is found by its address alone).
    fn find_by_path(&self, src: Endpoint, dst: Endpoint) -> Option<CidOwner> {
        let (conn, to_server) = match (self.by_path.get(&(src, dst)), self.by_path.get(&(dst, src)))
        {
            (Some(&c), _) => (c, true),
            (None, Some(&c)) => (c, false),
            (None, None) => return None,
        };
        let receiver = usize::from(to_server);
        self.connections.get(&conn)?.zero_len_cid[receiver].then_some(CidOwner { conn, to_server })
    }

    /// Remembers that connection `conn`'s packets travel from `client` to
    /// `server` (a new path after a migration).
    fn add_path(&mut self, conn: usize, client: Endpoint, server: Endpoint) {
        let path = (client, server);
        if self.by_path.get(&path) == Some(&conn) {
            return;
        }
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        if c.paths.len() >= MAX_PATHS {
            return;
        }
        // The newest connection on an address pair takes it over.
        c.paths.push(path);
        self.by_path.insert(path, conn);
    }

    /// Connection `conn` uses `cid`; `to_server`: packets carrying it as
    /// their Destination Connection ID go to the server (the server
    /// issued it, or it is the client's first, chosen for the server).
    fn add_cid(&mut self, conn: usize, cid: &[u8], to_server: bool) {
        if cid.is_empty() || self.by_cid.contains_key(cid) {
            return;
        }
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        if c.cids.len() >= MAX_CIDS {
            return;
        }
        c.cids.push(cid.to_vec());
        self.by_cid
            .insert(cid.to_vec(), CidOwner { conn, to_server });
        if !self.cid_lens.contains(&cid.len()) {
            self.cid_lens.push(cid.len());
        }
    }

    fn new_connection(&mut self, version: u32, client: (IpAddr, u16), dcid: &[u8]) -> usize {
        if self.connections.len() >= MAX_CONNECTIONS {
            self.evict_idlest();
        }
        let number = self.next;
        self.next += 1;
        let initial = initial_keys(version, dcid);
        self.connections.insert(
            number,
            Connection {
                number: number as u32,
                version,
                client,
                cids: Vec::new(),
                zero_len_cid: [false; 2],
                paths: Vec::new(),
                initial_dcid: dcid.to_vec(),
                initial,
                handshake: None,
                zero_rtt: None,
                one_rtt: [None, None],
                client_random: None,
                suite: None,
                largest: [[None; 2]; 3],
                crypto: Default::default(),
                retry_scid: None,
                h3: false,
                streams: HashMap::new(),
                qpack: Default::default(),
                qpack_bytes: 0,
                last_used: self.datagrams,
            },
        );
        self.add_cid(number, dcid, true);
        number
    }

    /// Lets the idlest quarter of the connections go, at once: a flood of
    /// new connections costs one scan per thousand, not one each.
    fn evict_idlest(&mut self) {
        let mut by_use: Vec<(u64, usize)> = self
            .connections
            .iter()
            .map(|(&n, c)| (c.last_used, n))
            .collect();
        by_use.sort_unstable();
        let quarter = (self.connections.len() / 4).max(1);
        for &(_, n) in by_use.iter().take(quarter) {
            if let Some(c) = self.connections.remove(&n) {
                self.qpack_bytes -= c.qpack_bytes;
                for cid in c.cids {
                    self.by_cid.remove(&cid);
                }
                for path in c.paths {
                    if self.by_path.get(&path) == Some(&n) {
                        self.by_path.remove(&path);
                    }
                }
            }
        }
    }

    /// Counts connection `conn`'s QPACK tables again; past the budget the
    /// idlest connections go (`conn` is the most recently used).
    fn count_qpack(&mut self, conn: usize) {
        let Some(c) = self.connections.get_mut(&conn) else {
            return;
        };
        let now = c.qpack[0].heap_bytes() + c.qpack[1].heap_bytes();
        self.qpack_bytes = self.qpack_bytes - c.qpack_bytes + now;
        c.qpack_bytes = now;
        while self.qpack_bytes > MAX_QPACK_BYTES && self.connections.len() > 1 {
            self.evict_idlest();
        }
    }

    /// The packet at `at`: found, opened, its CRYPTO frames taken in.
    fn packet(
        &mut self,
        shared: &Shared<'_>,
        q: &DatagramQuestion,
        datagram: &[u8],
        at: usize,
    ) -> Option<PacketNote> {
        let b = &datagram[at..];
        let first = *b.first()?;
        let src = (q.at.src, q.sport);
        let dst = (q.at.dst, q.dport);
        if first & 0x80 != 0 {
            self.long_packet(shared, (src, dst), b, at)
        } else {
            self.short_packet(shared, (src, dst), b, at, q.on_port)
        }
    }

    fn long_packet(
        &mut self,
        shared: &Shared<'_>,
        (src, dst): (Endpoint, Endpoint),
        b: &[u8],
        at: usize,
    ) -> Option<PacketNote> {
        let version = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?);
        if version == 0 {
            // Version Negotiation: the whole datagram, unprotected.
            let h = vn_connection(self, b, src);
            return Some(plain_note(at, b.len(), b[0], h, true));
        }
        if !known_version(version) {
            return None;
        }
        let h = LongHeader::parse(b)?;
        let dcid = &b[h.dcid.0..h.dcid.0 + h.dcid.1];
        let scid = b[h.scid.0..h.scid.0 + h.scid.1].to_vec();
        let found = match self.find(dcid) {
            None if dcid.is_empty() => self.find_by_path(src, dst),
            found => found,
        };
        let CidOwner { conn, to_server } = match found {
            Some(owner) => owner,
            None if h.kind == LongType::Initial || h.kind == LongType::ZeroRtt => CidOwner {
                conn: self.new_connection(version, src, dcid),
                to_server: true,
            },
            None => return Some(plain_note(at, h.end, b[0], None, false)),
        };
        let from_server = !to_server;
        self.heard_from(conn, from_server, (src, dst));
        // A packet's Source Connection ID is where its sender wants the
        // other side's packets to go.
        self.add_cid(conn, &scid, from_server);
        let c = self.connections.get_mut(&conn)?;
        c.zero_len_cid[usize::from(from_server)] |= scid.is_empty();
        if h.kind == LongType::Retry {
            // The client's next Initial goes to the Retry's Source
            // Connection ID and takes its keys from it (RFC 9001 §5.2).
            c.retry_scid = Some(scid);
            return Some(plain_note(
                at,
                h.end,
                b[0],
                Some((c.number, from_server)),
                false,
            ));
        }
        if h.kind == LongType::Initial
            && !from_server
            && dcid != c.initial_dcid
            && c.retry_scid.as_deref() == Some(dcid)
        {
            c.initial_dcid = dcid.to_vec();
            c.initial = initial_keys(version, dcid);
            c.largest[0] = [None; 2];
            c.crypto[0] = Default::default();
        }
        let space = match h.kind {
            LongType::Initial => Space::Initial,
            LongType::Handshake => Space::Handshake,
            _ => Space::Application,
        };
        let packet = &b[..h.end];
        let dir = usize::from(from_server);
        let mut note = plain_note(at, h.end, b[0], Some((c.number, from_server)), false);
        if h.kind == LongType::ZeroRtt && c.zero_rtt.is_none() && !from_server {
            c.zero_rtt = zero_rtt_keys(shared.keys, c, packet, h.pn_offset);
        }
        let keys = match h.kind {
            LongType::Initial => c.initial.as_ref().map(|k| &k[dir]),
            LongType::Handshake => c.handshake.as_ref().map(|k| &k[dir]),
            _ => c.zero_rtt.as_ref().filter(|_| !from_server),
        };
        let Some(keys) = keys else {
            return Some(note);
        };
        let largest = &mut c.largest[space as usize][dir];
        open(keys, largest, packet, h.pn_offset, &mut note);
        self.take_frames(shared, conn, space, dir, &mut note);
        Some(note)
    }

    fn short_packet(
        &mut self,
        shared: &Shared<'_>,
        (src, dst): (Endpoint, Endpoint),
        b: &[u8],
        at: usize,
        on_port: bool,
    ) -> Option<PacketNote> {
        let found = self
            .find_short(b)
            .or_else(|| self.find_by_path(src, dst).map(|owner| (owner, 0)));
        let Some((CidOwner { conn, to_server }, dcid_len)) = found else {
            // On QUIC's port: a short header of a connection not seen.
            return on_port.then(|| plain_note(at, b.len(), b[0], None, false));
        };
        let from_server = !to_server;
        self.heard_from(conn, from_server, (src, dst));
        let c = self.connections.get_mut(&conn)?;
        let dir = usize::from(from_server);
        let mut note = plain_note(at, b.len(), b[0], Some((c.number, from_server)), false);
        note.dcid_len = dcid_len as u8;
        if c.one_rtt[dir].is_none() {
            c.one_rtt[dir] = one_rtt_keys(shared.keys, c, dir);
        }
        if c.one_rtt[dir].is_none() {
            return Some(note);
        }
        let pn_offset = 1 + dcid_len;
        open_one_rtt(c, b, pn_offset, dir, &mut note);
        self.take_frames(shared, conn, Space::Application, dir, &mut note);
        Some(note)
    }

    /// Connection `conn` sent a packet between `ends` (source first): it
    /// was used just now, and travels that path.
    fn heard_from(&mut self, conn: usize, from_server: bool, (src, dst): (Endpoint, Endpoint)) {
        let (client, server) = if from_server { (dst, src) } else { (src, dst) };
        if let Some(c) = self.connections.get_mut(&conn) {
            c.last_used = self.datagrams;
            c.client = client;
        }
        self.add_path(conn, client, server);
    }

    /// The CRYPTO and NEW_CONNECTION_ID frames of an opened packet.
    fn take_frames(
        &mut self,
        shared: &Shared<'_>,
        conn: usize,
        space: Space,
        dir: usize,
        note: &mut PacketNote,
    ) {
        let Opened::Plain(plain) = &note.opened else {
            return;
        };
        let mut at = 0;
        let mut crypto_frames = 0u32;
        let mut stream_frames = 0u32;
        let mut new_cids = Vec::new();
        let mut handshake = Vec::new();
        let mut http3 = Vec::new();
        for _ in 0..MAX_FRAMES {
            if at >= plain.len() {
                break;
            }
            let Some(f) = read_frame(plain, at, &mut |_, _, _, _| {}) else {
                break;
            };
            match (f.ty, f.data) {
                (0x06, Some((d, n))) => {
                    let Some(c) = self.connections.get_mut(&conn) else {
                        return;
                    };
                    let stream = &mut c.crypto[space as usize][dir];
                    let messages = stream.take(f.offset, &plain[d..d + n]);
                    // The messages a frame completes go to TLS together,
                    // as one call in tshark.
                    let Some(&(start, _)) = messages.first() else {
                        crypto_frames += 1;
                        at = f.end;
                        continue;
                    };
                    let mut bytes = Vec::new();
                    for (_, m) in &messages {
                        learn(c, shared.keys, dir, m);
                        bytes.extend_from_slice(m);
                    }
                    let in_frame = start
                        .checked_sub(f.offset)
                        .filter(|o| o + bytes.len() as u64 <= n as u64)
                        .map(|o| o as u32);
                    handshake.push(HandshakeBytes {
                        frame: crypto_frames,
                        in_frame,
                        len: bytes.len() as u32,
                        bytes: if in_frame.is_some() {
                            Vec::new()
                        } else {
                            bytes
                        },
                    });
                    crypto_frames += 1;
                }
                (0x08..=0x0f, Some((d, n))) => {
                    let Some(c) = self.connections.get_mut(&conn) else {
                        return;
                    };
                    if let Some(note) = c.http3_stream(f.id, dir, f.offset, &plain[d..d + n]) {
                        http3.push(StreamNote {
                            frame: stream_frames,
                            ..note
                        });
                    }
                    stream_frames += 1;
                }
                (0x18, Some((d, n))) => new_cids.push(plain[d..d + n].to_vec()),
                _ => {}
            }
            at = f.end;
        }
        // A NEW_CONNECTION_ID names an ID its sender takes packets on.
        for cid in new_cids {
            self.add_cid(conn, &cid, dir == 1);
        }
        if stream_frames > 0 {
            self.count_qpack(conn);
        }
        note.handshake = handshake;
        note.http3 = http3;
    }
}

impl Connection {
    /// A STREAM frame's data as HTTP/3 sees it, on an HTTP/3 connection:
    /// QPACK encoder instructions go to the direction's table, SETTINGS
    /// tell the peer's table capacity, and the field sections of whole
    /// HEADERS and PUSH_PROMISE frames are decoded.
    fn http3_stream(
        &mut self,
        stream: u64,
        dir: usize,
        offset: u64,
        data: &[u8],
    ) -> Option<StreamNote> {
        if !self.h3 {
            return None;
        }
        if self.streams.len() >= MAX_STREAMS && !self.streams.contains_key(&(stream, dir)) {
            return None;
        }
        let framer = self.streams.entry((stream, dir)).or_default();
        let view = framer.take(stream, offset, data);
        let kind = framer.uni_type();
        if kind == Some(ENCODER_STREAM) {
            if framer.lost() {
                self.qpack[dir].lose();
            } else {
                self.qpack[dir].feed_encoder(&data[framer.fresh()]);
            }
        }
        let view = view?;
        let mut sections = Vec::new();
        if !view.opaque {
            for (ty, p) in http3::whole_frames_in(data, view.start as usize) {
                match (ty, kind) {
                    (HEADERS, None) => sections.push(self.qpack[dir].decode(&data[p])),
                    (PUSH_PROMISE, None) => {
                        // The field section follows the push ID.
                        let s = crate::bytes::varint(&data[p.clone()], 0)
                            .map(|(_, n)| self.qpack[dir].decode(&data[p.start + n..p.end]))
                            .unwrap_or(Section::Failed(FAILURES[0]));
                        sections.push(s);
                    }
                    (SETTINGS, Some(CONTROL_STREAM)) => {
                        // The capacity this side allows the other's encoder.
                        if let Some(cap) = http3::max_table_capacity(&data[p]) {
                            self.qpack[1 - dir].set_max_capacity(cap);
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(StreamNote {
            frame: 0,
            view,
            sections,
        })
    }
}

/// A note for a packet not opened (no keys, or none needed).
fn plain_note(
    at: usize,
    len: usize,
    first: u8,
    conn: Option<(u32, bool)>,
    version_negotiation: bool,
) -> PacketNote {
    let (connection, from_server) = conn.unwrap_or((u32::MAX, version_negotiation));
    PacketNote {
        start: at as u32,
        len: len as u32,
        first,
        pn: None,
        pn_len: 0,
        dcid_len: 0,
        connection,
        from_server,
        opened: Opened::NoKey,
        handshake: Vec::new(),
        http3: Vec::new(),
    }
}

/// A Version Negotiation's connection: the one its DCID (the client's
/// Source Connection ID) names.
fn vn_connection(s: &QuicConnections, b: &[u8], _src: (IpAddr, u16)) -> Option<(u32, bool)> {
    let dcil = usize::from(*b.get(5)?);
    let dcid = b.get(6..6 + dcil)?;
    let c = s.connections.get(&s.find(dcid)?.conn)?;
    Some((c.number, true))
}

fn initial_keys(version: u32, dcid: &[u8]) -> Option<[PacketKeys; 2]> {
    let (client, server) = initial_secrets(version, dcid)?;
    Some([
        PacketKeys::initial(version, &client)?,
        PacketKeys::initial(version, &server)?,
    ])
}

/// Takes header protection off with `hp` (and decodes the packet number
/// against the space's `largest`): the header as authenticated, and the
/// number, both noted. None when the packet is too short to sample.
fn unprotect_into(
    hp: &PacketKeys,
    largest: Option<u64>,
    packet: &[u8],
    pn_offset: usize,
    note: &mut PacketNote,
) -> Option<(Vec<u8>, u64)> {
    let Some(u) = unprotect(hp, packet, pn_offset) else {
        note.opened = Opened::Failed;
        return None;
    };
    let pn = decode_pn(largest, u.truncated_pn, u.pn_len);
    note.first = u.first;
    note.pn = Some(pn);
    note.pn_len = u.pn_len as u8;
    Some((u.header, pn))
}

/// What opening gave: the plaintext (and the space's largest packet
/// number moves on), or a failure.
fn settle(plain: Option<Vec<u8>>, pn: u64, largest: &mut Option<u64>, note: &mut PacketNote) {
    match plain {
        Some(p) => {
            *largest = Some(largest.map_or(pn, |l| l.max(pn)));
            note.opened = Opened::Plain(p);
        }
        None => note.opened = Opened::Failed,
    }
}

/// Takes header protection off and opens a long header packet.
fn open(
    keys: &PacketKeys,
    largest: &mut Option<u64>,
    packet: &[u8],
    pn_offset: usize,
    note: &mut PacketNote,
) {
    let Some((header, pn)) = unprotect_into(keys, *largest, packet, pn_offset, note) else {
        return;
    };
    let plain = keys.open(pn, &header, &packet[header.len()..]);
    settle(plain, pn, largest, note);
}

/// Opens a short header packet, following key updates: a packet whose
/// key phase differs from the current one is tried with the next
/// generation (taken on when it opens) and then with the previous one
/// (a packet sent before the update, arriving late).
fn open_one_rtt(c: &mut Connection, b: &[u8], pn_offset: usize, dir: usize, note: &mut PacketNote) {
    let version = c.version;
    let hash = c.suite.map_or(Hash::Sha256, |s| s.hash);
    let largest = &mut c.largest[Space::Application as usize][dir];
    let Some(k) = c.one_rtt[dir].as_mut() else {
        return;
    };
    let Some((header, pn)) = unprotect_into(&k.header, *largest, b, pn_offset, note) else {
        return;
    };
    let payload = &b[header.len()..];
    let phase = note.first & 0x04 != 0;
    let plain = if phase == k.phase {
        k.current.open(pn, &header, payload)
    } else {
        if k.next.is_none() {
            k.next = next_generation(version, hash, c.suite, &mut k.secret);
        }
        match k.next.as_ref().and_then(|n| n.open(pn, &header, payload)) {
            Some(p) => {
                if let Some(next) = k.next.take() {
                    k.previous = Some(std::mem::replace(&mut k.current, next));
                    k.phase = phase;
                }
                Some(p)
            }
            None => k
                .previous
                .as_ref()
                .and_then(|p| p.open(pn, &header, payload)),
        }
    };
    settle(plain, pn, largest, note);
}

/// The keys of the generation after `secret`, which becomes its secret.
fn next_generation(
    version: u32,
    hash: Hash,
    suite: Option<Suite>,
    secret: &mut Vec<u8>,
) -> Option<PacketKeys> {
    let Bulk::Aead(aead) = suite?.bulk else {
        return None;
    };
    let next = next_secret(version, hash, secret)?;
    let keys = PacketKeys::new(version, aead, hash, &next)?;
    *secret = next;
    Some(keys)
}

fn secret<'k>(keys: Option<&'k Arc<KeyLog>>, c: &Connection, kind: SecretKind) -> Option<&'k [u8]> {
    keys?.get(c.client_random.as_ref()?, kind)
}

fn aead_of(suite: Option<Suite>) -> Option<(Aead, Hash)> {
    let s = suite?;
    match s.bulk {
        Bulk::Aead(a) => Some((a, s.hash)),
        Bulk::AesCbc { .. } => None,
    }
}

fn one_rtt_keys(keys: Option<&Arc<KeyLog>>, c: &Connection, dir: usize) -> Option<OneRtt> {
    let kind = if dir == 0 {
        SecretKind::ClientTraffic0
    } else {
        SecretKind::ServerTraffic0
    };
    let (aead, hash) = aead_of(c.suite)?;
    let s = secret(keys, c, kind)?;
    Some(OneRtt {
        secret: s.to_vec(),
        header: PacketKeys::new(c.version, aead, hash, s)?,
        phase: false,
        current: PacketKeys::new(c.version, aead, hash, s)?,
        next: None,
        previous: None,
    })
}

/// 0-RTT keys: the suite is the resumed session's, which may not be in
/// the capture, so each TLS 1.3 suite is tried on this packet (as
/// Wireshark does) and the one that opens it is kept.
fn zero_rtt_keys(
    keys: Option<&Arc<KeyLog>>,
    c: &Connection,
    packet: &[u8],
    pn_offset: usize,
) -> Option<PacketKeys> {
    let s = secret(keys, c, SecretKind::ClientEarly)?;
    [0x1301u16, 0x1302, 0x1303].into_iter().find_map(|id| {
        let (aead, hash) = aead_of(Suite::by_id(id))?;
        let k = PacketKeys::new(c.version, aead, hash, s)?;
        let u = unprotect(&k, packet, pn_offset)?;
        let pn = decode_pn(None, u.truncated_pn, u.pn_len);
        k.open(pn, &u.header, &packet[u.header.len()..])?;
        Some(k)
    })
}

/// What the analysis learns from a handshake message: the ClientHello's
/// random (which names the key log's secrets), the ServerHello's suite
/// (and with it the Handshake keys).
fn learn(c: &mut Connection, keys: Option<&Arc<KeyLog>>, dir: usize, msg: &[u8]) {
    match (msg.first(), dir) {
        (Some(1), 0) => {
            c.client_random = msg.get(6..38).and_then(|r| r.try_into().ok());
        }
        // EncryptedExtensions: the ALPN chosen. As in tshark, STREAM data
        // is HTTP/3 from then on: 0-RTT data before it is not, even when
        // the client offered h3 alone (our per-connection HTTP/3 frame
        // counts are to equal tshark's; tests/quic.rs says what is lost).
        (Some(8), 1) => {
            let alpn = crate::tls::encrypted_extensions_alpn(msg.get(4..).unwrap_or(&[]));
            c.h3 = alpn.as_deref() == Some("h3");
        }
        (Some(2), 1) => {
            let sid = usize::from(*msg.get(38).unwrap_or(&0));
            let Some(id) = msg.get(39 + sid..41 + sid) else {
                return;
            };
            c.suite = Suite::by_id(u16::from_be_bytes([id[0], id[1]]));
            let Some((aead, hash)) = aead_of(c.suite) else {
                return;
            };
            let hs = |kind| {
                secret(keys, c, kind).and_then(|s| PacketKeys::new(c.version, aead, hash, s))
            };
            if let (Some(client), Some(server)) = (
                hs(SecretKind::ClientHandshake),
                hs(SecretKind::ServerHandshake),
            ) {
                c.handshake = Some([client, server]);
            }
        }
        _ => {}
    }
}

impl CryptoStream {
    /// Takes a CRYPTO frame's data at `offset`; returns the handshake
    /// messages now complete, each with its offset in the stream.
    fn take(&mut self, offset: u64, data: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let end = self.base + self.buf.len() as u64;
        if offset > end {
            if offset < MAX_CRYPTO && self.early.len() < 16 {
                self.early.push((offset, data.to_vec()));
            }
            return Vec::new();
        }
        self.append(offset, data);
        // Pieces that came early and now join.
        while let Some(i) = self
            .early
            .iter()
            .position(|(o, _)| *o <= self.base + self.buf.len() as u64)
        {
            let (o, d) = self.early.swap_remove(i);
            self.append(o, &d);
        }
        let mut out = Vec::new();
        while let Some(h) = self.buf.get(..4) {
            let len = 4 + (usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]));
            if self.buf.len() < len {
                break;
            }
            out.push((self.base, self.buf[..len].to_vec()));
            self.buf.drain(..len);
            self.base += len as u64;
        }
        out
    }

    fn append(&mut self, offset: u64, data: &[u8]) {
        let end = self.base + self.buf.len() as u64;
        let skip = (end.saturating_sub(offset) as usize).min(data.len());
        if end + (data.len() - skip) as u64 > self.base + MAX_CRYPTO {
            return;
        }
        self.buf.extend_from_slice(&data[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood of Initials, each from a new connection: the table keeps
    /// at most MAX_CONNECTIONS, the most recently used, and their IDs only.
    #[test]
    fn a_flood_of_new_connections_stays_bounded() {
        let mut s = QuicConnections::default();
        let shared = Shared { keys: None };
        let ip = IpAddr::from([10, 0, 0, 1]);
        let q = DatagramQuestion {
            at: TransportAt {
                src: ip,
                dst: ip,
                frame: 1,
                ts_ns: 0,
                frame_len: 0,
                quoted: false,
            },
            sport: 40000,
            dport: 443,
            on_port: true,
        };
        let total = MAX_CONNECTIONS * 2 + 7;
        for i in 0..total {
            let mut d = vec![0xc0, 0, 0, 0, 1, 8];
            d.extend_from_slice(&(i as u64).to_be_bytes());
            // No SCID, no token, a Length of 40 and too few bytes to open.
            d.extend_from_slice(&[0, 0, 40, 1, 2, 3]);
            let a = s.answer(&shared, &q, &d);
            assert_eq!(a.packets[0].connection, i as u32);
        }
        assert!(s.connections.len() <= MAX_CONNECTIONS);
        assert_eq!(s.by_cid.len(), s.connections.len());
        // The latest connection is still known by its ID.
        let last = ((total - 1) as u64).to_be_bytes();
        assert_eq!(s.find(&last).map(|o| o.conn), Some(total - 1));
    }

    /// Sides come from connection IDs, whatever the addresses: a client
    /// that moves to a new port is still the client. Packets to a client
    /// that uses zero-length IDs carry none, and are found by their
    /// address pair.
    #[test]
    fn sides_come_from_connection_ids_and_a_zero_length_side_from_its_address() {
        let mut s = QuicConnections::default();
        let shared = Shared { keys: None };
        let (client, server) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let q = |src: IpAddr, sport: u16, dst: IpAddr, dport: u16| DatagramQuestion {
            at: TransportAt {
                src,
                dst,
                frame: 1,
                ts_ns: 0,
                frame_len: 0,
                quoted: false,
            },
            sport,
            dport,
            on_port: true,
        };
        let mut side = |qq: DatagramQuestion, d: &[u8]| {
            let p = &s.answer(&shared, &qq, d).packets[0];
            (p.connection, p.from_server)
        };
        let (x, y) = ([7u8; 8], [9u8; 8]);
        // The client's Initial: DCID X, no SCID (zero-length), too short
        // to open.
        let mut hello = vec![0xc0, 0, 0, 0, 1, 8];
        hello.extend_from_slice(&x);
        hello.extend_from_slice(&[0, 0, 40, 1, 2, 3]);
        let up = q(client, 40000, server, 443);
        assert_eq!(side(up, &hello), (0, false));
        // The server's Initial: no DCID, its own SCID Y.
        let mut answer = vec![0xc0, 0, 0, 0, 1, 0, 8];
        answer.extend_from_slice(&y);
        answer.extend_from_slice(&[0, 40, 1, 2, 3]);
        let down = q(server, 443, client, 40000);
        assert_eq!(side(down, &answer), (0, true));
        // Short headers: to the server by Y, to the client by addresses.
        let mut to_server = vec![0x40];
        to_server.extend_from_slice(&y);
        to_server.extend_from_slice(&[0x55; 24]);
        assert_eq!(side(up, &to_server), (0, false));
        let to_client = [0x41u8; 32];
        assert_eq!(side(down, &to_client), (0, true));
        // The client moves to port 40001: Y still says who sent.
        let moved = q(client, 40001, server, 443);
        assert_eq!(side(moved, &to_server), (0, false));
        // And the server's answers on the new path are found by it.
        let back = q(server, 443, client, 40001);
        assert_eq!(side(back, &to_client), (0, true));
        // A short header on an unknown pair names no connection.
        let stranger = q(IpAddr::from([10, 0, 0, 3]), 5000, client, 40000);
        assert_eq!(side(stranger, &to_client).0, u32::MAX);
    }

    /// Connections whose peers each fill a large QPACK table: the tables
    /// held stay within MAX_QPACK_BYTES, the idlest connections going.
    #[test]
    fn qpack_tables_of_many_connections_stay_within_their_budget() {
        let mut s = QuicConnections::default();
        let ip = IpAddr::from([10, 0, 0, 1]);
        // Set Dynamic Table Capacity 65536, then inserts of 1000-byte
        // values (literal name "x") to fill it.
        let mut enc = vec![0x02, 0x3f, 0xe1, 0xff, 0x03];
        for _ in 0..64 {
            enc.extend_from_slice(&[0x41, b'x', 0x7f, 0xe9, 0x06]);
            enc.extend(std::iter::repeat_n(b'v', 1000));
        }
        for i in 0..1200u64 {
            let n = s.new_connection(1, (ip, 40000), &i.to_be_bytes());
            s.datagrams += 1;
            let c = s.connections.get_mut(&n).unwrap();
            c.last_used = s.datagrams;
            c.h3 = true;
            c.qpack[0].set_max_capacity(1 << 16);
            c.http3_stream(2, 0, 0, &enc);
            assert!(c.qpack[0].inserted() > 60);
            s.count_qpack(n);
            assert!(s.qpack_bytes <= MAX_QPACK_BYTES);
            let held: usize = s.connections.values().map(|c| c.qpack_bytes).sum();
            assert_eq!(held, s.qpack_bytes);
        }
        assert!(s.connections.len() < 600, "{}", s.connections.len());
    }
}
