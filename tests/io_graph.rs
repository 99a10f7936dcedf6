//! The IO graph's series equal tshark's `-z io,stat` (tests/golden/
//! io_stat.json, made by tests/tools/io_stat_golden.py): frames and bytes
//! per interval, for every packet and for display filters, counted the way
//! the app counts them (from the index, and from a filter's matches over
//! the loaded capture).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use common::*;
use wirelens::capture::CaptureFile;
use wirelens::filter::DisplayFilter;
use wirelens::filter::apply::matching_frames;
use wirelens::store::io_series::IoSeries;

#[derive(serde::Deserialize)]
struct Case {
    fixture: String,
    interval_ns: i64,
    filter: String,
    frames: Vec<u64>,
    bytes: Vec<u64>,
}

#[test]
fn io_series_equal_tshark_io_stat() {
    let text = std::fs::read_to_string(root().join("tests/golden/io_stat.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    let mut by_fixture: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for c in &cases {
        by_fixture.entry(&c.fixture).or_default().push(c);
    }
    let mut report = Report::default();
    for (name, cases) in by_fixture {
        let fx = Fixture {
            name: name.to_string(),
            path: root().join("tests/fixtures").join(name),
        };
        let file = CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        for c in cases {
            let mut series = IoSeries::new(c.interval_ns, &snap);
            if c.filter == "frame" {
                // In steps, as the app counts while a file loads.
                while !series.add_packets(&snap, 1000) {}
            } else {
                let f = DisplayFilter::compile(&c.filter).unwrap();
                let frames =
                    matching_frames(&f, &snap, &file, 1..=u32::MAX, 2, &AtomicBool::new(false))
                        .unwrap();
                assert!(series.add_frames(&snap, &frames, usize::MAX));
            }
            // tshark prints every interval up to the capture's end; ours
            // stop at the last one that holds a packet.
            let n = c.frames.len().max(series.buckets.len());
            let ours = |i: usize| {
                series
                    .buckets
                    .get(i)
                    .map_or((0, 0), |b| (b.packets, b.bytes))
            };
            let theirs = |i: usize| {
                (
                    c.frames.get(i).copied().unwrap_or(0),
                    c.bytes.get(i).copied().unwrap_or(0),
                )
            };
            if let Some(i) = (0..n).find(|&i| ours(i) != theirs(i)) {
                report.fail(
                    name,
                    format!(
                        "{} every {} ns: interval {i}: (frames, bytes) {:?}, tshark {:?}",
                        c.filter,
                        c.interval_ns,
                        ours(i),
                        theirs(i)
                    ),
                );
            }
        }
    }
    assert!(cases.len() >= 50, "only {} series", cases.len());
    report.finish();
}
