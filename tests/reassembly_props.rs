//! Properties of TCP reassembly on a real transfer: whatever the network
//! does to its segments (reorder, duplicate, drop), reassembly never panics
//! and never produces a byte that was not sent at that position.

use std::collections::HashMap;

use dissectors::packet::{Options, TcpSegment, Transport};
use dissectors::sink::NullSink;
use dissectors::tcp_reassembly::{StreamEvent, TcpReassembler};
use proptest::prelude::*;
use wirelens::capture::CaptureFile;
use wirelens::pass::Pass;

/// (dir, seq, syn, ack, payload) of every segment of stream 0 of a fixture.
type Seg = (usize, u32, bool, u32, Vec<u8>);

fn real_transfer(name: &str) -> Vec<Seg> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let file = CaptureFile::open(&path).unwrap();
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    let mut out = Vec::new();
    while let Some(rec) = reader.next() {
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        let (pi, ans) = pass.frame(&rec, iface, data, Options::default(), &mut NullSink);
        if let (Transport::Tcp(s), Some(a)) = (pi.transport, ans.tcp.as_ref())
            && a.stream == 0
        {
            let payload = data.get(s.payload.range()).unwrap_or(&[]).to_vec();
            out.push((
                a.dir as usize,
                s.seq,
                s.has(TcpSegment::SYN),
                s.ack,
                payload,
            ));
        }
    }
    out
}

/// Which byte was sent at each sequence number, per direction.
fn sent(segs: &[Seg]) -> [HashMap<u32, u8>; 2] {
    let mut m = [HashMap::new(), HashMap::new()];
    for (dir, seq, syn, _, data) in segs {
        let start = if *syn { seq.wrapping_add(1) } else { *seq };
        for (i, b) in data.iter().enumerate() {
            m[*dir].insert(start.wrapping_add(i as u32), *b);
        }
    }
    m
}

fn check(segs: &[Seg], order: &[usize]) -> Result<(), TestCaseError> {
    let truth = sent(segs);
    // Stream offset 0 of each direction is the first data byte the reassembler sees;
    // map offsets back through the first delivered chunk's sequence number.
    let mut r = TcpReassembler::new();
    let mut base: [Option<u32>; 2] = [None, None];
    let mut delivered: Vec<(usize, u64, Vec<u8>)> = Vec::new();
    let mut frame = 0;
    for &i in order {
        let (dir, seq, syn, ack, data) = &segs[i];
        frame += 1;
        let start = if *syn { seq.wrapping_add(1) } else { *seq };
        base[*dir].get_or_insert(start);
        r.segment(
            *dir,
            frame,
            *seq,
            *syn,
            *ack,
            data.len() as u32,
            data,
            &mut |e| {
                if let StreamEvent::Data {
                    dir, offset, bytes, ..
                } = e
                {
                    delivered.push((dir, offset, bytes.to_vec()));
                }
            },
        );
    }
    for (dir, offset, bytes) in delivered {
        let b = base[dir].expect("a direction delivers only after its first segment");
        for (i, byte) in bytes.iter().enumerate() {
            let seq = b.wrapping_add((offset + i as u64) as u32);
            prop_assert_eq!(
                truth[dir].get(&seq),
                Some(byte),
                "dir {} seq {} was not sent",
                dir,
                seq
            );
        }
    }
    Ok(())
}

fn transfer() -> &'static [Seg] {
    use std::sync::OnceLock;
    static SEGS: OnceLock<Vec<Seg>> = OnceLock::new();
    SEGS.get_or_init(|| real_transfer("dpkt_http.pcap"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn permuted_duplicated_dropped_segments_reassemble_only_what_was_sent(
        order in Just(()).prop_flat_map(|_| {
            let n = transfer().len();
            // Each segment 0, 1 or 2 times, in any order.
            (proptest::collection::vec(0usize..3, n), Just(n))
        }).prop_flat_map(|(times, n)| {
            let picks: Vec<usize> = (0..n).flat_map(|i| std::iter::repeat_n(i, times[i])).collect();
            Just(picks).prop_shuffle()
        })
    ) {
        check(transfer(), &order)?;
    }
}

#[test]
fn in_capture_order_every_byte_is_delivered() {
    let segs = transfer();
    assert!(segs.len() > 20);
    let order: Vec<usize> = (0..segs.len()).collect();
    check(segs, &order).unwrap();
}
