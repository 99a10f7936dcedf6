//! Follow TCP Stream against tshark: for every TCP stream of every fixture,
//! the reassembled bytes equal what `tshark -z follow,tcp,raw` delivers,
//! chunk by chunk (same order, lengths and bytes), and gaps sit where
//! tshark marks them. tshark writes a "[N bytes missing in capture file]"
//! text into its raw output for a gap; `follow --format raw` writes only
//! captured bytes and reports gaps in ascii/hex/json, so those markers are
//! compared as gaps, not as bytes.

mod common;

use common::*;
use dissectors::tcp_reassembly::ChunkKind;

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn followed_streams_are_byte_identical_to_tsharks() {
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let Ok(text) = std::fs::read_to_string(fx.golden_dir().join("follow.json")) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let (streams, _) = wirelens::cli::follow::follow_streams(&file, None, usize::MAX);
        for (sid, g) in golden.as_object().unwrap() {
            let sid: u32 = sid.parse().unwrap();
            checked += 1;
            let Some(f) = streams.get(&sid) else {
                report.fail(&fx.name, format!("stream {sid}: not followed"));
                continue;
            };
            let nodes = [
                g["nodes"][0].as_str().unwrap(),
                g["nodes"][1].as_str().unwrap(),
            ];
            if [f.nodes.0.as_str(), f.nodes.1.as_str()] != nodes {
                report.fail(
                    &fx.name,
                    format!("stream {sid}: nodes {:?} vs tshark {nodes:?}", f.nodes),
                );
            }
            let theirs: Vec<String> = g["chunks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    if c[1] == "gap" {
                        format!("{} gap {}", c[0], c[2])
                    } else {
                        format!("{} {} {}", c[0], c[1], c[2].as_str().unwrap())
                    }
                })
                .collect();
            let ours: Vec<String> = f
                .kept
                .chunks
                .iter()
                .map(|c| match &c.kind {
                    ChunkKind::Data(d) => format!("{} {} {:016x}", c.dir, d.len(), fnv1a(d)),
                    ChunkKind::Gap(n) => format!("{} gap {n}", c.dir),
                })
                .collect();
            if ours != theirs {
                let at = ours
                    .iter()
                    .zip(&theirs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(ours.len().min(theirs.len()));
                report.fail(
                    &fx.name,
                    format!(
                        "stream {sid}: {} chunks vs tshark {}; first difference at chunk {at}: {:?} vs {:?}",
                        ours.len(),
                        theirs.len(),
                        ours.get(at),
                        theirs.get(at)
                    ),
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} streams");
    report.finish();
}

/// The app follows a stream from the loaded store (its segments dissected
/// again from their tapes): the same chunks as the one-pass follow above,
/// which equals tshark's.
#[test]
fn following_from_the_store_gives_the_same_chunks() {
    use std::sync::atomic::AtomicBool;
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let (streams, _) = wirelens::cli::follow::follow_streams(&file, None, usize::MAX);
        let snap = load(&fx);
        for (sid, f) in &streams {
            checked += 1;
            let no = AtomicBool::new(false);
            let Some(kept) =
                wirelens::store::follow::follow_tcp(&snap, &file, *sid, usize::MAX, &no)
            else {
                report.fail(&fx.name, format!("stream {sid}: not in the store"));
                continue;
            };
            if kept.chunks != f.kept.chunks {
                let at = kept
                    .chunks
                    .iter()
                    .zip(&f.kept.chunks)
                    .position(|(a, b)| a != b)
                    .unwrap_or(kept.chunks.len().min(f.kept.chunks.len()));
                report.fail(
                    &fx.name,
                    format!(
                        "stream {sid}: {} chunks vs {}; first difference at chunk {at}",
                        kept.chunks.len(),
                        f.kept.chunks.len()
                    ),
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} streams");
    report.finish();
}
