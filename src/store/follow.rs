//! A TCP conversation's reassembled bytes from a loaded capture (Follow
//! Stream in the app): its segments are found in the TCP records, each is
//! dissected again from its bytes and tape, and the payloads go through the
//! same reassembler as `wirelens follow`, so both show the same bytes.

use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::packet::{PacketInfo, TcpSegment, Transport};
use dissectors::sink::NullSink;
use dissectors::tcp_reassembly::{KeptStream, TcpReassembler};

use super::Snapshot;
use super::frame::{PacketBytes, redissect_reusing};

/// Reassembles TCP stream `stream` of `snap`, keeping up to `cap` bytes.
/// None when there is no such stream or `cancel` was set.
pub fn follow_tcp(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    stream: u32,
    cap: usize,
    cancel: &AtomicBool,
) -> Option<KeptStream> {
    snap.tcp.get(stream as usize)?;
    let mut kept = KeptStream::with_cap(cap);
    let mut reassembler = TcpReassembler::new();
    let mut pi = PacketInfo::default();
    let mut tape = Vec::new();
    for (i, r) in snap.tcp_records.iter().enumerate() {
        if i % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        if r.stream != stream {
            continue;
        }
        let opts = crate::pass::options(false);
        if !redissect_reusing(
            snap,
            source,
            r.frame,
            &mut NullSink,
            &mut pi,
            opts,
            &mut tape,
        ) {
            continue;
        }
        let Transport::Tcp(seg) = pi.transport else {
            continue;
        };
        // A segment whose header the capture cut or broke is not followed
        // (as in Wireshark and `wirelens follow`).
        if !seg.intact {
            continue;
        }
        let Some(row) = snap.index.row(r.frame as usize - 1) else {
            continue;
        };
        let data = source.bytes(row.offset, row.caplen);
        let payload = pi
            .source_bytes(data, seg.payload.source)
            .get(seg.payload.range())
            .unwrap_or(&[]);
        reassembler.segment(
            usize::from(r.dir),
            r.frame,
            seg.seq,
            seg.has(TcpSegment::SYN),
            seg.ack,
            seg.len,
            payload,
            &mut |e| kept.push(e),
        );
    }
    Some(kept)
}
