#![no_main]
//! The TCP sequence analysis and the reassembler fed with arbitrary
//! sequences of segments on one connection (both directions, any flags,
//! sequence numbers near each other so that the analysis paths are reached).
use arbitrary::Arbitrary;
use dissectors::tcp_analysis::TcpConversations;
use dissectors::packet::{TcpOptions, TcpSegment, TransportAt};
use dissectors::tcp_reassembly::{KeptStream, TcpReassembler};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Seg {
    from_b: bool,
    seq_delta: i16,
    ack_delta: i16,
    flags: u16,
    window: u16,
    len: u16,
    wscale: Option<u8>,
    sack: Option<(i16, u16)>,
    dt_us: u16,
}

fuzz_target!(|segs: Vec<Seg>| {
    let mut conv = TcpConversations::new(true);
    let mut reasm = TcpReassembler::new();
    let mut kept = KeptStream::with_cap(1 << 16);
    let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    let mut seq = [1_000u32, 900_000u32];
    let mut ts = 1_000_000_000i64;
    let payload = vec![0x55u8; 1 << 16];
    for (i, s) in segs.iter().take(2000).enumerate() {
        let d = s.from_b as usize;
        seq[d] = seq[d].wrapping_add(s.seq_delta as i32 as u32);
        let ack = seq[1 - d].wrapping_add(s.ack_delta as i32 as u32);
        ts += i64::from(s.dt_us) * 1000;
        let mut options = TcpOptions { wscale: s.wscale, ..Default::default() };
        if let Some((l, n)) = s.sack {
            let le = ack.wrapping_add(l as i32 as u32);
            options.sack[0] = (le, le.wrapping_add(u32::from(n)));
            options.sack_count = 1;
        }
        let seg = TcpSegment {
            src_port: if d == 0 { 40000 } else { 80 },
            dst_port: if d == 0 { 80 } else { 40000 },
            seq: seq[d],
            ack,
            flags: s.flags & 0x0fff,
            window: s.window,
            header_len: 20,
            len: u32::from(s.len),
            options,
            intact: true,
            ..Default::default()
        };
        let at = TransportAt {
            src: if d == 0 { a } else { b },
            dst: if d == 0 { b } else { a },
            frame: i as u32 + 1,
            ts_ns: ts,
            frame_len: 60,
            quoted: false,
        };
        let an = conv.segment(&at, &seg);
        assert!(an.stream < 2001);
        reasm.segment(
            an.dir as usize,
            at.frame,
            seg.seq,
            seg.has(TcpSegment::SYN),
            seg.ack,
            seg.len,
            &payload[..s.len as usize],
            &mut |e| kept.push(e),
        );
    }
    assert!(kept.kept <= 1 << 16);
});
