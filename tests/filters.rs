//! Display filters give tshark's answers: for every case of
//! tests/filters/cases.tsv, the frames wirelens matches equal the frames
//! `tshark -Y` matched (tests/golden/filters.json, made by
//! tests/tools/filters_golden.py). Each case runs both ways wirelens
//! filters: over a loaded capture, frames re-dissected in parallel from
//! their tapes (the app, `bench`), and in the one in-order pass of the
//! command line (`packets -Y`).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicBool;

use common::*;
use wirelens::capture::CaptureFile;
use wirelens::filter::DisplayFilter;
use wirelens::filter::apply::{in_capture_order, matching_frames};

/// Frames whose TCP payload tshark hands to no protocol above TCP while
/// wirelens names it (tests/golden.rs, `tcp_payload_withheld` and the
/// retransmission rule): segments of a PDU tshark never completes,
/// retransmitted or out-of-order segments (tshark's out-of-order reassembly
/// is off by default), a segment ending inside an HTTP/2 frame. wirelens
/// shows the application layer there, so a filter on that layer matches
/// these frames and tshark's does not: they may be extra, never missing.
fn withheld(fx: &Fixture) -> HashSet<u32> {
    let theirs = fx.packets_tsv();
    let ours = run_pass(fx, false);
    theirs
        .iter()
        .zip(&ours)
        .enumerate()
        .filter(|(_, (g, o))| {
            let t: Vec<&str> = g.protocols.split(':').collect();
            t.last() == Some(&"tcp") && o.layers.len() > t.len()
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

#[derive(serde::Deserialize)]
struct Case {
    fixture: String,
    filter: String,
    frames: Vec<u32>,
}

fn cases() -> BTreeMap<String, Vec<Case>> {
    let text = std::fs::read_to_string(root().join("tests/golden/filters.json")).unwrap();
    let all: Vec<Case> = serde_json::from_str(&text).unwrap();
    let mut by_fixture: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for c in all {
        by_fixture.entry(c.fixture.clone()).or_default().push(c);
    }
    by_fixture
}

/// The command line's way: one pass in capture order with the filter's sink.
fn in_order(file: &CaptureFile, filter: &DisplayFilter) -> Vec<u32> {
    let mut out = Vec::new();
    in_capture_order(file, filter, |n, _, _| out.push(n));
    out
}

#[test]
fn filters_match_the_frames_tshark_matches() {
    let mut report = Report::default();
    let mut n = 0;
    for (fixture, cases) in cases() {
        let fx = fixtures()
            .into_iter()
            .find(|f| f.name == fixture)
            .expect("fixture exists");
        let file = CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        let withheld = withheld(&fx);
        for case in &cases {
            n += 1;
            let filter = match DisplayFilter::compile(&case.filter) {
                Ok(f) => f,
                Err(e) => {
                    report.fail(&fixture, format!("{}: {e}", case.filter));
                    continue;
                }
            };
            let want = &case.frames;
            let stored = matching_frames(
                &filter,
                &snap,
                &file,
                1..=u32::MAX,
                2,
                &AtomicBool::new(false),
            )
            .expect("not cancelled");
            let passed = in_order(&file, &filter);
            for (how, mut got) in [("store", stored), ("pass", passed)] {
                got.retain(|n| want.contains(n) || !withheld.contains(n));
                if got != *want {
                    let extra: Vec<_> = got.iter().filter(|x| !want.contains(x)).take(8).collect();
                    let missing: Vec<_> =
                        want.iter().filter(|x| !got.contains(x)).take(8).collect();
                    report.fail(
                        &fixture,
                        format!(
                            "{} ({how}): {} frames, tshark {}; extra {extra:?}, missing {missing:?}",
                            case.filter,
                            got.len(),
                            want.len()
                        ),
                    );
                }
            }
        }
    }
    assert!(n >= 80, "only {n} cases");
    report.finish();
}

fn wirelens(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(args)
        .output()
        .expect("wirelens runs")
}

fn fixture_path(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

const GEN: &str = "gen_tcp_loss_reorder_zero_window.pcap";

fn golden_case(fixture: &str, filter: &str) -> Vec<u32> {
    cases()
        .remove(fixture)
        .into_iter()
        .flatten()
        .find(|c| c.filter == filter)
        .map(|c| c.frames)
        .expect("case in the golden table")
}

#[test]
fn packets_dash_y_prints_the_frames_tshark_matches() {
    for filter in [
        "dns.qry.name contains \"bbc\"",
        "tcp.analysis.retransmission",
    ] {
        let o = wirelens(&["packets", &fixture_path(GEN), "-Y", filter]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let numbers: Vec<u32> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(numbers, golden_case(GEN, filter), "{filter}");
    }
}

#[test]
fn a_bad_filter_is_shown_with_a_caret_and_a_suggestion() {
    let o = wirelens(&["packets", &fixture_path(GEN), "-Y", "tcp.prot == 80"]);
    assert!(!o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "wirelens: error: \"tcp.prot\" is not a valid protocol or protocol field. \
         Did you mean \"tcp.port\"?\n    tcp.prot == 80\n    ^~~~~~~~\n"
    );
}

#[test]
fn export_writes_exactly_the_matching_packets() {
    let filter = "dns.qry.name contains \"bbc\"";
    let want = golden_case(GEN, filter);
    let src = CaptureFile::open(&root().join("tests/fixtures").join(GEN)).unwrap();
    let mut originals = Vec::new();
    for rec in src.reader() {
        originals.push((rec.ts_ns, src.data(rec.offset, rec.caplen).to_vec()));
    }
    let dir = std::env::temp_dir().join(format!("wirelens-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["subset.pcapng", "subset.pcap"] {
        let out = dir.join(name);
        let o = wirelens(&[
            "export",
            &fixture_path(GEN),
            "-Y",
            filter,
            "-w",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let f = CaptureFile::open(&out).unwrap();
        let mut got = Vec::new();
        for rec in f.reader() {
            got.push((rec.ts_ns, f.data(rec.offset, rec.caplen).to_vec()));
        }
        let expected: Vec<_> = want
            .iter()
            .map(|&n| originals[n as usize - 1].clone())
            .collect();
        assert_eq!(got, expected, "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The numbers at `key` of each object in the JSON list `subcommand`
/// prints with `-Y filter` (at `list`, or the whole output).
fn numbers_in(subcommand: &str, filter: &str, list: Option<&str>, key: &str) -> Vec<u64> {
    let o = wirelens(&[
        subcommand,
        &fixture_path(GEN),
        "-Y",
        filter,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = match list {
        Some(k) => &v[k],
        None => &v,
    };
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[key].as_u64().unwrap())
        .collect()
}

#[test]
fn flows_and_tcp_dash_y_keep_the_conversations_with_a_match() {
    let filter = "tls.handshake.extensions_server_name contains \"apple\"";
    let mut streams = numbers_in("packets", filter, None, "stream");
    streams.sort_unstable();
    streams.dedup();
    assert!(!streams.is_empty());
    assert_eq!(numbers_in("flows", filter, None, "stream"), streams);
    assert_eq!(numbers_in("tcp", filter, None, "stream"), streams);
    assert_eq!(
        numbers_in("tls", filter, Some("sessions"), "tcp_stream"),
        streams
    );
    let o = wirelens(&["tls", &fixture_path(GEN), "-Y", filter, "--format", "json"]);
    let tls: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(tls["handshakes"].as_u64(), Some(streams.len() as u64));
}

/// Address, port and stream tests are answered from the index when a
/// frame's stack is plain (filter::from_index): on every fixture, each
/// frame so answered holds exactly the values its dissection reports.
#[test]
fn index_answers_equal_what_dissection_reports() {
    use wirelens::filter::from_index::IndexAnswers;
    use wirelens::store::frame::redissect;
    let filter = DisplayFilter::compile(
        "ip.addr || ipv6.addr || tcp.port || udp.port || tcp.stream || udp.stream",
    )
    .unwrap();
    let mut report = Report::default();
    let mut answered = 0;
    for fx in fixtures() {
        let file = CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        let ix = IndexAnswers::new(&filter, &snap).expect("names the index answers");
        let (mut by_index, mut dissected) = (filter.sink(), filter.sink());
        let mut pi = Default::default();
        for n in 1..=snap.index.len() as u32 {
            let row = snap.index.row(n as usize - 1).unwrap();
            by_index.clear();
            if !ix.fill(&row, &snap, &mut by_index) {
                continue;
            }
            answered += 1;
            dissected.clear();
            assert!(redissect(&snap, &file, n, &mut dissected, &mut pi));
            let frame = file.data(row.offset, row.caplen);
            for slot in 0..6 {
                let (a, b) = (
                    by_index.slot_values(slot, frame),
                    dissected.slot_values(slot, frame),
                );
                if a != b {
                    report.fail(&fx.name, format!("frame {n} slot {slot}: {a:?} != {b:?}"));
                }
            }
        }
    }
    assert!(
        answered > 1000,
        "only {answered} frames answered from the index"
    );
    report.finish();
}
