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
use super::tcp::TcpRecord;

/// Dissects again, with `sink`, each frame of TCP stream `stream` of
/// `snap` in capture order (from its bytes and tape), handing it to
/// `each` with its TCP record. None when there is no such stream or
/// `cancel` was set.
pub(super) fn each_frame_of_stream<S: dissectors::sink::Sink>(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    stream: u32,
    cancel: &AtomicBool,
    sink: &mut S,
    mut each: impl FnMut(&TcpRecord, &PacketInfo, &mut S),
) -> Option<()> {
    snap.tcp.get(stream as usize)?;
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
        if redissect_reusing(snap, source, r.frame, sink, &mut pi, opts, &mut tape) {
            each(r, &pi, sink);
        }
    }
    Some(())
}

/// Reassembles TCP stream `stream` of `snap`, keeping up to `cap` bytes.
/// None when there is no such stream or `cancel` was set.
pub fn follow_tcp(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    stream: u32,
    cap: usize,
    cancel: &AtomicBool,
) -> Option<KeptStream> {
    let mut kept = KeptStream::with_cap(cap);
    let mut reassembler = TcpReassembler::new();
    each_frame_of_stream(snap, source, stream, cancel, &mut NullSink, |r, pi, _| {
        let Transport::Tcp(seg) = pi.transport else {
            return;
        };
        // A segment whose header the capture cut or broke is not followed
        // (as in Wireshark and `wirelens follow`).
        if !seg.intact {
            return;
        }
        let Some(row) = snap.index.row(r.frame as usize - 1) else {
            return;
        };
        let data = source.bytes(row.offset, row.caplen);
        let payload = pi
            .source_bytes(data, seg.payload.source)
            .get(seg.payload.range())
            .unwrap_or(&[]);
        follow_segment(
            &mut reassembler,
            &mut kept,
            usize::from(r.dir),
            r.frame,
            &seg,
            payload,
        );
    })?;
    Some(kept)
}

/// Hands one segment of side `dir` (sent in `frame`) to a reassembler
/// whose delivered bytes and gaps go to `kept`.
pub fn follow_segment(
    reassembler: &mut TcpReassembler,
    kept: &mut KeptStream,
    dir: usize,
    frame: u32,
    seg: &TcpSegment,
    payload: &[u8],
) {
    reassembler.segment(
        dir,
        frame,
        seg.seq,
        seg.has(TcpSegment::SYN),
        seg.ack,
        seg.len,
        payload,
        &mut |e| kept.push(e),
    );
}
