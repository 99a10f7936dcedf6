//! One frame dissected again on its own, from its bytes in the source and
//! its tape in the store: what the packet list shows for a visible row and
//! what the details tree and hex pane show for the selected packet.

use dissectors::packet::{FrameMeta, Options, PacketInfo};
use dissectors::sink::Sink;
use dissectors::tape::Replay;

use super::Snapshot;

/// Where packet bytes are read from, by a row's offset and captured length.
pub trait PacketBytes {
    fn bytes(&self, offset: u64, caplen: u32) -> &[u8];
}

impl PacketBytes for crate::capture::CaptureFile {
    fn bytes(&self, offset: u64, caplen: u32) -> &[u8] {
        self.data(offset, caplen)
    }
}

/// The metadata the analysis pass gave frame `number` (1-based), rebuilt
/// from the index.
pub fn frame_meta(snap: &Snapshot, number: u32) -> Option<FrameMeta> {
    let i = (number as usize).checked_sub(1)?;
    let row = snap.index.row(i)?;
    let first = snap.index.row(0)?.ts_ns;
    let prev = if i == 0 {
        row.ts_ns
    } else {
        snap.index.row(i - 1)?.ts_ns
    };
    let iface = snap.interfaces.get(usize::from(row.interface));
    Some(FrameMeta {
        number,
        ts_ns: row.ts_ns,
        orig_len: row.orig_len,
        linktype: iface.map_or(0, |f| f.linktype),
        interface: iface.map_or(u32::from(row.interface), |f| f.index_in_section),
        interface_known: snap.interfaces_described,
        has_ts: row.expert.has_ts(),
        rel_ns: row.ts_ns.saturating_sub(first),
        delta_ns: row.ts_ns.saturating_sub(prev),
        // The store's frames are every frame of the capture.
        delta_displayed_ns: row.ts_ns.saturating_sub(prev),
    })
}

/// Dissects frame `number` again into `sink` and `pi` (columns included).
/// Returns false when the frame is not in the snapshot. Without a kept tape
/// the frame is dissected with no conversation state (a load that kept no
/// tapes): protocol layers are right, analysis verdicts are absent.
pub fn redissect<S: Sink>(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    number: u32,
    sink: &mut S,
    pi: &mut PacketInfo,
) -> bool {
    let opts = crate::pass::options(true);
    redissect_reusing(snap, source, number, sink, pi, opts, &mut Vec::new())
}

/// [`redissect`] with a choice of options (display filters need no
/// columns), reading the tape into `tape` so that a loop over many frames
/// allocates once.
pub fn redissect_reusing<S: Sink>(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    number: u32,
    sink: &mut S,
    pi: &mut PacketInfo,
    opts: Options,
    tape: &mut Vec<u8>,
) -> bool {
    let Some(meta) = frame_meta(snap, number) else {
        return false;
    };
    let Some(row) = snap.index.row(number as usize - 1) else {
        return false;
    };
    let data = source.bytes(row.offset, row.caplen);
    // Without a kept tape (an empty one) the frame dissects with no state.
    snap.tapes.get_into(number, tape);
    let frame_bytes = |n: u32| {
        let r = snap.index.row((n as usize).checked_sub(1)?)?;
        Some(source.bytes(r.offset, r.caplen))
    };
    let blobs = |at: u64, len: usize| snap.tapes.blob(at, len);
    let mut replay = Replay::with_sources(tape, &frame_bytes, &blobs);
    let comments: Vec<&str> = snap
        .options
        .comments(number)
        .iter()
        .map(String::as_str)
        .collect();
    let iface = snap.interfaces.get(usize::from(row.interface));
    let file = crate::capture::frame_file(iface, &comments, snap.options.flags(number));
    dissectors::dissect_frame(&meta, data, &file, &mut replay, opts, sink, pi);
    true
}
