//! A frame dissected again on its own, from the answers the analysis pass
//! recorded on its tape (dissectors::tape), is exactly the frame the pass
//! dissected: same tree (labels, fields, values, byte ranges), same columns.
//! The details pane, the display filters and the exports all rely on it.

mod common;

use common::*;
use dissectors::packet::{FrameMeta, Options, PacketInfo};
use dissectors::tape::Replay;
use dissectors::tree::{Tree, TreeBuilder};
use wirelens::capture::CaptureFile;
use wirelens::pass::Pass;

fn flatten(t: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    let depth = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = t.nodes[i].parent {
            i = p as usize;
            d += 1;
        }
        d
    };
    for (i, n) in t.nodes.iter().enumerate() {
        out.push(format!(
            "{} {} {:?} {:?} {:?}",
            depth(i),
            n.label,
            n.field.map(|f| f.name),
            n.value,
            n.span
        ));
    }
    out
}

struct Recorded {
    meta: FrameMeta,
    offset: u64,
    caplen: u32,
    comments: Vec<String>,
    flags: Option<u32>,
    iface: Option<wirelens::capture::Interface>,
    tape: Vec<u8>,
    tree: Vec<String>,
    columns: Columns,
}

type Columns = (String, String, String, String, Vec<&'static str>);

fn columns(pi: &PacketInfo) -> Columns {
    (
        pi.protocol.to_string(),
        pi.info.clone(),
        pi.src.to_string(),
        pi.dst.to_string(),
        pi.protocols.iter().map(|p| p.name()).collect(),
    )
}

/// Every frame of `fx` through an in-order pass that records tapes: what
/// it showed, and the blob log the tapes refer to.
fn record(fx: &Fixture) -> (CaptureFile, Vec<Recorded>, Vec<u8>) {
    let file = CaptureFile::open(&fx.path).unwrap();
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.record = true;
    pass.analyzer.set_keys(fx.keys());
    pass.interfaces_described = file.format == wirelens::capture::Format::Pcapng;
    let mut recorded = Vec::new();
    let mut blob_log: Vec<u8> = Vec::new();
    while let Some(rec) = reader.next() {
        // Keys the capture carries (pcapng Decryption Secrets Blocks).
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize).cloned();
        let data = file.data(rec.offset, rec.caplen);
        let mut tb = TreeBuilder::new();
        let (pi, _) = pass.frame(&rec, iface.as_ref(), data, Options::new(true), &mut tb);
        let cols = columns(pi);
        blob_log.extend_from_slice(pass.blobs.new_bytes());
        recorded.push(Recorded {
            meta: pass.last_meta,
            offset: rec.offset,
            caplen: rec.caplen,
            comments: rec.comments.clone(),
            flags: rec.flags,
            iface,
            tape: pass.tape.clone(),
            tree: flatten(&tb.finish()),
            columns: cols,
        });
    }
    drop(reader);
    (file, recorded, blob_log)
}

/// Reports where a frame dissected again (its columns in `pi`, its tree in
/// `tb`) differs from what the in-order pass showed (`r`).
fn compare_with_pass(
    report: &mut Report,
    fixture: &str,
    r: &Recorded,
    pi: &PacketInfo,
    tb: TreeBuilder,
) {
    let n = r.meta.number;
    if columns(pi) != r.columns {
        report.fail(
            fixture,
            format!("frame {n}: columns {:?} vs {:?}", columns(pi), r.columns),
        );
    }
    let (got, want) = (flatten(&tb.finish()), &r.tree);
    if got != *want {
        let at = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i));
        report.fail(
            fixture,
            format!(
                "frame {n}: tree differs at node {at:?}: {:?} vs {:?}",
                at.and_then(|i| got.get(i)),
                at.and_then(|i| want.get(i))
            ),
        );
    }
}

#[test]
fn every_frame_replayed_alone_equals_the_analysis_pass() {
    let mut report = Report::default();
    let mut frames = 0;
    let mut blob_bytes = 0;
    for fx in fixtures() {
        let (file, recorded, blob_log) = record(&fx);
        // Latest first: nothing may depend on having seen the frames before.
        let mut pi = PacketInfo::default();
        let frame_bytes = |n: u32| {
            let r = recorded.get((n as usize).checked_sub(1)?)?;
            Some(file.data(r.offset, r.caplen))
        };
        blob_bytes += blob_log.len();
        let blobs = |at: u64, len: usize| {
            let at = usize::try_from(at).ok()?;
            Some(blob_log.get(at..at.checked_add(len)?)?.to_vec())
        };
        for r in recorded.iter().rev() {
            frames += 1;
            let data = file.data(r.offset, r.caplen);
            let comments: Vec<&str> = r.comments.iter().map(String::as_str).collect();
            let mut replay = Replay::with_sources(&r.tape, &frame_bytes, &blobs);
            let mut tb = TreeBuilder::new();
            let frame = wirelens::capture::frame_file(r.iface.as_ref(), &comments, r.flags);
            dissectors::dissect_frame(
                &r.meta,
                data,
                &frame,
                &mut replay,
                Options::new(true),
                &mut tb,
                &mut pi,
            );
            let n = r.meta.number;
            if !replay.consistent() {
                report.fail(
                    &fx.name,
                    format!("frame {n}: the tape does not match the questions asked"),
                );
            }
            compare_with_pass(&mut report, &fx.name, r, &pi, tb);
        }
    }
    assert!(frames > 10_000, "only {frames} frames");
    assert!(
        blob_bytes > 0,
        "no fixture kept an answer in the blob log: the path is untested"
    );
    report.finish();
}

/// What the app shows for a row, the details pane for a packet and its
/// display filters for a frame come from the store: the frame's bytes, its
/// index row (time, interface), its block's comments and flags and the tape the load kept. Tree
/// and columns must equal the in-order pass's for every frame: times of
/// Simple Packet Blocks, packet comments and flags included.
#[test]
fn every_frame_redissected_from_the_loaded_store_equals_the_pass() {
    use wirelens::store::frame::redissect;
    let mut report = Report::default();
    let mut frames = 0;
    let mut blob_bytes = 0;
    let mut comments = 0;
    let mut flagged = 0;
    let mut untimed = 0;
    for fx in fixtures() {
        let snap = load(&fx);
        assert_eq!(snap.tapes.len(), snap.index.len(), "{}", fx.name);
        blob_bytes += snap.tapes.blob_len();
        let (file, recorded, _) = record(&fx);
        let mut pi = PacketInfo::default();
        // Latest first, as a user scrolling up from the end would.
        for r in recorded.iter().rev() {
            let n = r.meta.number;
            frames += 1;
            comments += usize::from(!r.comments.is_empty());
            flagged += usize::from(r.flags.is_some());
            untimed += usize::from(!r.meta.has_ts);
            let mut tb = TreeBuilder::new();
            assert!(redissect(&snap, &file, n, &mut tb, &mut pi));
            compare_with_pass(&mut report, &fx.name, r, &pi, tb);
        }
    }
    assert!(frames > 10_000, "only {frames} frames");
    assert!(
        blob_bytes > 0,
        "no fixture kept an answer in the blob log: the path is untested"
    );
    assert!(
        comments > 0 && untimed > 0 && flagged > 0,
        "comments {comments}, untimed {untimed}, flagged {flagged}: a path is untested"
    );
    report.finish();
}
