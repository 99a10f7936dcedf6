//! The `capture` fuzz target, shared with the regression tests: arbitrary
//! bytes read as a capture file and loaded as the app loads it (the
//! analysis pass with every frame's tape and the blob log kept, times from
//! the file), then every frame dissected again on its own from its tape,
//! latest first, into a full tree, as the details pane does. Besides "no
//! panic", it holds the replay to the pass: a frame must ask its tape the
//! questions the pass answered, in the same order.

use dissectors::packet::{FrameMeta, PacketInfo};
use dissectors::sink::NullSink;
use dissectors::tape::Replay;
use dissectors::tree::TreeBuilder;

use crate::capture::file::Bytes;
use crate::capture::{CaptureFile, Format};
use crate::pass::Pass;

/// Frames taken from one input (a fuzzed file can hold many small ones).
const MAX_FRAMES: usize = 20_000;

struct Kept {
    meta: FrameMeta,
    offset: u64,
    caplen: u32,
    comments: Vec<String>,
    flags: Option<u32>,
    tape: Vec<u8>,
}

#[doc(hidden)]
pub fn whole_capture(data: &[u8]) {
    let Ok(file) = CaptureFile::from_bytes("fuzz".into(), Bytes::Owned(data.to_vec())) else {
        return;
    };
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.record = true;
    pass.interfaces_described = file.format == Format::Pcapng;
    let mut kept = Vec::new();
    let mut blobs = Vec::new();
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        if kept.len() >= MAX_FRAMES {
            break;
        }
        let iface = reader.interfaces.get(rec.interface as usize).cloned();
        let bytes = file.data(rec.offset, rec.caplen);
        let opts = crate::pass::options(true);
        pass.frame(&rec, iface.as_ref(), bytes, opts, &mut NullSink);
        blobs.extend_from_slice(pass.blobs.new_bytes());
        kept.push(Kept {
            meta: pass.last_meta,
            offset: rec.offset,
            caplen: rec.caplen,
            comments: rec.comments,
            flags: rec.flags,
            tape: pass.tape.clone(),
        });
    }
    let frame_bytes = |n: u32| {
        let k = kept.get((n as usize).checked_sub(1)?)?;
        Some(file.data(k.offset, k.caplen))
    };
    let blob = |at: u64, len: usize| {
        let at = usize::try_from(at).ok()?;
        Some(blobs.get(at..at.checked_add(len)?)?.to_vec())
    };
    let mut pi = PacketInfo::default();
    for k in kept.iter().rev() {
        let comments: Vec<&str> = k.comments.iter().map(String::as_str).collect();
        let mut replay = Replay::with_sources(&k.tape, &frame_bytes, &blob);
        let mut tree = TreeBuilder::new();
        let bytes = file.data(k.offset, k.caplen);
        let opts = crate::pass::options(true);
        // The fuzz pass keeps no interfaces: the frame layer shows none.
        let frame = crate::capture::frame_file(None, &comments, k.flags);
        dissectors::dissect_frame(
            &k.meta,
            bytes,
            &frame,
            &mut replay,
            opts,
            &mut tree,
            &mut pi,
        );
        assert!(
            replay.consistent(),
            "frame {}: the replay asked its tape other questions than the pass answered",
            k.meta.number
        );
    }
}
