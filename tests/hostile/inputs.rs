//! Captures an attacker would craft to make an analyzer spend unbounded
//! time or memory (issue 16), built byte by byte. Each is small (under
//! 2.5 MB) and each aims at one mechanism: a DNS name that walks a long
//! run of labels again and again, a TLS handshake message sent a byte per
//! record, an HPACK entry referenced thousands of times, a datagram in
//! thousands of fragments that never completes, and capture-file headers
//! whose times or lengths do not add up.

/// A capture file being written: classic pcap, Ethernet, microseconds.
pub struct Pcap {
    pub bytes: Vec<u8>,
    ts_us: u64,
}

impl Pcap {
    pub fn new() -> Self {
        Self::with_zone(0)
    }

    /// A pcap whose header says `thiszone` (GMT offset, seconds).
    pub fn with_zone(thiszone: i32) -> Self {
        let mut b = Vec::new();
        b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&thiszone.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&262_144u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        Pcap {
            bytes: b,
            ts_us: 1_700_000_000_000_000,
        }
    }

    pub fn packet(&mut self, frame: &[u8]) {
        self.ts_us += 100;
        let (s, us) = (self.ts_us / 1_000_000, self.ts_us % 1_000_000);
        self.bytes.extend_from_slice(&(s as u32).to_le_bytes());
        self.bytes.extend_from_slice(&(us as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(frame);
    }
}

const CLIENT: [u8; 4] = [10, 0, 0, 1];
const SERVER: [u8; 4] = [10, 0, 0, 2];

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet; `frag`: (identification, offset in bytes, more fragments).
fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, frag: (u16, u32, bool), payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let flags_off = ((frag.1 / 8) as u16) | if frag.2 { 0x2000 } else { 0 };
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&frag.0.to_be_bytes());
    h.extend_from_slice(&flags_off.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// A TCP connection from CLIENT:40000 to SERVER:`port`, segments built
/// with the right sequence numbers.
pub struct Tcp {
    client_port: u16,
    port: u16,
    seq: [u32; 2],
}

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const PSH: u8 = 0x08;

impl Tcp {
    /// Writes the three-way handshake.
    pub fn open(pcap: &mut Pcap, port: u16) -> Tcp {
        Self::open_from(pcap, 40000, port)
    }

    /// As [`Tcp::open`], from client port `client_port`.
    pub fn open_from(pcap: &mut Pcap, client_port: u16, port: u16) -> Tcp {
        let mut t = Tcp {
            client_port,
            port,
            seq: [1000, 5000],
        };
        t.send(pcap, 0, SYN, &[]);
        t.send(pcap, 1, SYN | ACK, &[]);
        t.send(pcap, 0, ACK, &[]);
        t
    }

    /// One segment in direction `dir` (0: client to server).
    pub fn send(&mut self, pcap: &mut Pcap, dir: usize, flags: u8, payload: &[u8]) {
        let (sport, dport) = if dir == 0 {
            (self.client_port, self.port)
        } else {
            (self.port, self.client_port)
        };
        let mut h = Vec::with_capacity(20 + payload.len());
        h.extend_from_slice(&sport.to_be_bytes());
        h.extend_from_slice(&dport.to_be_bytes());
        h.extend_from_slice(&self.seq[dir].to_be_bytes());
        let ack = if flags & ACK != 0 {
            self.seq[1 - dir]
        } else {
            0
        };
        h.extend_from_slice(&ack.to_be_bytes());
        h.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        h.extend_from_slice(payload);
        let mut pseudo = Vec::with_capacity(12 + h.len());
        let (src, dst) = if dir == 0 {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        pseudo.extend_from_slice(&src);
        pseudo.extend_from_slice(&dst);
        pseudo.extend_from_slice(&[0, 6]);
        pseudo.extend_from_slice(&(h.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(&h);
        let c = checksum(&pseudo);
        h[16..18].copy_from_slice(&c.to_be_bytes());
        let syn_fin = u32::from(flags & (SYN | 0x01) != 0);
        self.seq[dir] = self.seq[dir].wrapping_add(payload.len() as u32 + syn_fin);
        pcap.packet(&ethernet(0x0800, &ipv4(src, dst, 6, (0, 0, false), &h)));
    }

    /// A byte stream in direction `dir`, in segments of at most `mss`
    /// bytes, each acknowledged by the peer.
    pub fn stream(&mut self, pcap: &mut Pcap, dir: usize, bytes: &[u8], mss: usize) {
        for chunk in bytes.chunks(mss) {
            self.send(pcap, dir, ACK | PSH, chunk);
            self.send(pcap, 1 - dir, ACK, &[]);
        }
    }
}

/// A 64 KiB-class DNS message whose first question's name is a 32 KiB run
/// of one-byte labels ending in a pointer back to its own start (a loop),
/// and every further question a pointer to that run: each name walks the
/// whole run again until a bound stops it. `max` bounds the message length.
pub fn dns_pointer_bomb(max: usize) -> Vec<u8> {
    let run_labels = 16_384;
    let fixed = 12 + run_labels * 2 + 2 + 4;
    let questions = 1 + (max - fixed) / 6;
    let mut m = Vec::with_capacity(max);
    m.extend_from_slice(&[0x12, 0x34, 0x01, 0x00]);
    m.extend_from_slice(&(questions as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    for _ in 0..run_labels {
        m.extend_from_slice(&[1, b'a']);
    }
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    for _ in 1..questions {
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    }
    assert!(m.len() <= max);
    m
}

/// The DNS bomb over TCP (port 53), in 1,460-byte segments.
pub fn dns_bomb_tcp() -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::open(&mut p, 53);
    let msg = dns_pointer_bomb(65_535);
    let mut stream = (msg.len() as u16).to_be_bytes().to_vec();
    stream.extend_from_slice(&msg);
    t.stream(&mut p, 0, &stream, 1460);
    p.bytes
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::with_capacity(8 + payload.len());
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// The DNS bomb over UDP, in one IPv4 datagram sent as 1,480-byte fragments.
pub fn dns_bomb_udp_fragments() -> Vec<u8> {
    let mut p = Pcap::new();
    let dgram = udp(40000, 53, &dns_pointer_bomb(65_535 - 28));
    let pieces: Vec<&[u8]> = dgram.chunks(1480).collect();
    for (i, piece) in pieces.iter().enumerate() {
        let more = i + 1 < pieces.len();
        let ip = ipv4(CLIENT, SERVER, 17, (0x4242, (i * 1480) as u32, more), piece);
        p.packet(&ethernet(0x0800, &ip));
    }
    p.bytes
}

/// A ClientHello-typed handshake message of `len` bytes, sent one byte
/// per TLS record (each record 6 bytes), over TCP port 443.
pub fn tls_one_byte_records(records: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::open(&mut p, 443);
    let body = records - 4;
    let mut msg = vec![1, (body >> 16) as u8, (body >> 8) as u8, body as u8];
    msg.resize(records, 0x41);
    let mut stream = Vec::with_capacity(records * 6);
    for b in msg {
        stream.extend_from_slice(&[22, 3, 1, 0, 1, b]);
    }
    t.stream(&mut p, 0, &stream, 1458);
    p.bytes
}

/// h2c with prior knowledge (port 80): the first HEADERS block raises the
/// table size and inserts one 64 KiB-class header; then `frames` HEADERS
/// frames of four one-byte references to it (each decodes to ~256 KiB).
pub fn hpack_reference_bomb(frames: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::open(&mut p, 80);
    let mut s = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    // SETTINGS, empty.
    s.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    // Size update to 65,536, then a literal with incremental indexing:
    // name "x", value of 65,536 - 32 - 1 bytes (no Huffman).
    let value_len = 65_536 - 32 - 1;
    let mut block = vec![0x3f, 0xe1, 0xff, 0x03];
    block.extend_from_slice(&[0x40, 0x01, b'x']);
    block.push(0x7f);
    let mut n = value_len - 127;
    while n >= 128 {
        block.push((n % 128) as u8 | 0x80);
        n /= 128;
    }
    block.push(n as u8);
    block.resize(block.len() + value_len, b'v');
    let mut stream_id = 1u32;
    let frame = |s: &mut Vec<u8>, payload: &[u8], sid: u32| {
        let l = payload.len();
        s.extend_from_slice(&[(l >> 16) as u8, (l >> 8) as u8, l as u8, 1, 0x05]);
        s.extend_from_slice(&sid.to_be_bytes());
        s.extend_from_slice(payload);
    };
    frame(&mut s, &block, stream_id);
    for _ in 0..frames {
        stream_id += 2;
        frame(&mut s, &[0xbe, 0xbe, 0xbe, 0xbe], stream_id);
    }
    t.stream(&mut p, 0, &s, 1460);
    p.bytes
}

/// An HTTP request's first byte, then its other bytes one per TCP segment
/// in reverse order, so that every segment waits for the one before it
/// (port 80).
pub fn tcp_reversed_one_byte_segments(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::open(&mut p, 80);
    let mut req = b"GET / HTTP/1.1\r\nX: ".to_vec();
    req.resize(n - 4, b'y');
    req.extend_from_slice(b"\r\n\r\n");
    let base = t.seq[0];
    t.send(&mut p, 0, ACK | PSH, &req[..1]);
    for i in (1..req.len()).rev() {
        t.seq[0] = base.wrapping_add(i as u32);
        t.send(&mut p, 0, ACK | PSH, &req[i..i + 1]);
    }
    p.bytes
}

/// An HTTP request head that never ends, one byte per TCP segment, in
/// order (port 80): each byte must not make the head be searched again.
pub fn http_head_one_byte_segments(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut t = Tcp::open(&mut p, 80);
    let mut req = b"GET / HTTP/1.1\r\nX: ".to_vec();
    req.resize(n, b'y');
    for b in req.chunks(1) {
        t.send(&mut p, 0, ACK | PSH, b);
    }
    p.bytes
}

/// `conns` HTTP connections that each send `head` bytes of a request head
/// that has not ended, then, in a second round, one more byte each: the
/// heads wait in the analysis' state, as much of it as all of them.
pub fn many_unfinished_heads(conns: u16, head: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let mut open: Vec<Tcp> = (0..conns)
        .map(|i| Tcp::open_from(&mut p, 20000 + i, 80))
        .collect();
    let mut req = b"GET / HTTP/1.1\r\nX: ".to_vec();
    req.resize(head, b'y');
    for t in &mut open {
        t.stream(&mut p, 0, &req, 1460);
    }
    for t in &mut open {
        t.send(&mut p, 0, ACK | PSH, b"y");
    }
    p.bytes
}

/// One IPv4 datagram (UDP) sent as `n` eight-byte fragments cycling over
/// every offset but the first, which is never sent: it never completes.
pub fn ipv4_fragments_first_missing(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let slots = 65_528 / 8 - 1;
    for i in 0..n {
        let off = ((i % slots) + 1) * 8;
        let last = i % slots == slots - 1;
        let ip = ipv4(CLIENT, SERVER, 17, (7, off as u32, !last), &[0x55; 8]);
        p.packet(&ethernet(0x0800, &ip));
    }
    p.bytes
}

/// The same over IPv6 (a fragment header per packet).
pub fn ipv6_fragments_first_missing(n: usize) -> Vec<u8> {
    let mut p = Pcap::new();
    let slots = 65_528 / 8 - 1;
    for i in 0..n {
        let off = ((i % slots) + 1) * 8;
        let last = i % slots == slots - 1;
        let mut ip = vec![0x60, 0, 0, 0, 0, 16, 44, 64];
        ip.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        ip.extend_from_slice(&[0; 11]);
        ip.push(1);
        ip.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        ip.extend_from_slice(&[0; 11]);
        ip.push(2);
        let off_flags = ((off as u16) & 0xfff8) | u16::from(!last);
        ip.extend_from_slice(&[17, 0]);
        ip.extend_from_slice(&off_flags.to_be_bytes());
        ip.extend_from_slice(&9u32.to_be_bytes());
        ip.extend_from_slice(&[0x55; 8]);
        p.packet(&ethernet(0x86dd, &ip));
    }
    p.bytes
}

/// A pcapng block: type, body, length fields that agree unless told.
fn block(t: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + body.len()) as u32;
    let mut b = t.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn shb() -> Vec<u8> {
    let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(0x0a0d_0d0a, &body)
}

/// An Ethernet interface, with an `if_tsoffset` option when given.
fn idb(tsoffset: Option<i64>) -> Vec<u8> {
    let mut body = vec![1, 0, 0, 0];
    body.extend_from_slice(&0u32.to_le_bytes());
    if let Some(o) = tsoffset {
        body.extend_from_slice(&14u16.to_le_bytes());
        body.extend_from_slice(&8u16.to_le_bytes());
        body.extend_from_slice(&o.to_le_bytes());
        body.extend_from_slice(&[0, 0, 0, 0]);
    }
    block(1, &body)
}

fn epb_body(iface: u32, ts_us: u64, data: &[u8], caplen: u32) -> Vec<u8> {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&((ts_us >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts_us as u32).to_le_bytes());
    body.extend_from_slice(&caplen.to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    body
}

fn small_udp_frame() -> Vec<u8> {
    ethernet(
        0x0800,
        &ipv4(CLIENT, SERVER, 17, (1, 0, false), &udp(1, 2, b"hi")),
    )
}

/// Two interfaces whose `if_tsoffset` are i64::MAX and i64::MIN seconds,
/// a packet on each.
pub fn pcapng_extreme_tsoffsets() -> Vec<u8> {
    let mut f = shb();
    f.extend(idb(Some(i64::MAX)));
    f.extend(idb(Some(i64::MIN)));
    let frame = small_udp_frame();
    let ts = 1_700_000_000_000_000;
    f.extend(block(6, &epb_body(0, ts, &frame, frame.len() as u32)));
    f.extend(block(6, &epb_body(1, ts + 1, &frame, frame.len() as u32)));
    f
}

/// How a pcapng's third block is damaged.
#[derive(Debug, Clone, Copy)]
pub enum PcapngDamage {
    /// Its length is not a multiple of 4.
    UnalignedLength,
    /// Its trailing length differs from its leading one.
    TrailerMismatch,
    /// An enhanced packet block whose captured length runs past the block.
    CaplenBeyondBlock,
}

/// Two good packets, then a damaged block, then a good packet no reader
/// should reach.
pub fn pcapng_damaged(d: PcapngDamage) -> Vec<u8> {
    let frame = small_udp_frame();
    let mut f = shb();
    f.extend(idb(None));
    let ts = 1_700_000_000_000_000;
    let good = |t: u64| block(6, &epb_body(0, t, &frame, frame.len() as u32));
    f.extend(good(ts));
    f.extend(good(ts + 1));
    let mut bad = good(ts + 2);
    match d {
        PcapngDamage::UnalignedLength => {
            let len = bad.len() as u32 - 2;
            bad.truncate(len as usize);
            bad[4..8].copy_from_slice(&len.to_le_bytes());
            let n = bad.len();
            bad[n - 4..].copy_from_slice(&len.to_le_bytes());
        }
        PcapngDamage::TrailerMismatch => {
            let n = bad.len();
            bad[n - 4..].copy_from_slice(&(n as u32 + 4).to_le_bytes());
        }
        PcapngDamage::CaplenBeyondBlock => {
            bad[20..24].copy_from_slice(&4000u32.to_le_bytes());
        }
    }
    f.extend(bad);
    f.extend(good(ts + 3));
    f
}

/// A pcap whose header's GMT offset is INT32_MIN, with two packets.
pub fn pcap_extreme_thiszone() -> Vec<u8> {
    let mut p = Pcap::with_zone(i32::MIN);
    let frame = small_udp_frame();
    p.packet(&frame);
    p.packet(&frame);
    p.bytes
}

/// Every crafted input, by the name its file gets.
pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("dns_pointer_bomb_tcp.pcap", dns_bomb_tcp()),
        (
            "dns_pointer_bomb_udp_fragments.pcap",
            dns_bomb_udp_fragments(),
        ),
        ("tls_one_byte_records.pcap", tls_one_byte_records(65_536)),
        ("hpack_reference_bomb.pcap", hpack_reference_bomb(8_000)),
        (
            "http_head_one_byte_segments.pcap",
            http_head_one_byte_segments(40_000),
        ),
        (
            "tcp_reversed_one_byte_segments.pcap",
            tcp_reversed_one_byte_segments(40_000),
        ),
        (
            "ipv4_fragments_first_missing.pcap",
            ipv4_fragments_first_missing(25_000),
        ),
        (
            "ipv6_fragments_first_missing.pcap",
            ipv6_fragments_first_missing(25_000),
        ),
        (
            "pcapng_extreme_tsoffsets.pcapng",
            pcapng_extreme_tsoffsets(),
        ),
        (
            "pcapng_unaligned_block_length.pcapng",
            pcapng_damaged(PcapngDamage::UnalignedLength),
        ),
        (
            "pcapng_trailer_mismatch.pcapng",
            pcapng_damaged(PcapngDamage::TrailerMismatch),
        ),
        (
            "pcapng_caplen_beyond_block.pcapng",
            pcapng_damaged(PcapngDamage::CaplenBeyondBlock),
        ),
        ("pcap_extreme_thiszone.pcap", pcap_extreme_thiszone()),
    ]
}
