//! Capture files end to end: damaged and truncated files load every complete
//! packet and say where reading stopped; empty captures are valid; a file
//! that is not a capture gets a one-line error; pcapng comments are kept;
//! loading streams; every subcommand has --help and errors exit with 1.

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};

use common::root;
use wirelens::capture::CaptureFile;
use wirelens::pipeline::{LoadOptions, load_file_into};
use wirelens::store::Store;

fn fixture(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures").join(name)
}

fn read_all(name: &str) -> (usize, Option<wirelens::capture::Stop>) {
    let f = CaptureFile::open(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut r = f.reader();
    let n = r.by_ref().count();
    (n, r.notes.stop.clone())
}

#[test]
fn damaged_captures_load_what_is_complete_and_say_where_they_stop() {
    // (file, complete packets, where reading stops, words of the reason)
    let cases: &[(&str, usize, u64, &str)] = &[
        (
            "dpkt_truncated_dns_2.pcap",
            1,
            240,
            "file ends inside a record header",
        ),
        (
            "ndpi_fuzz-2021-10-13.pcap",
            1,
            237,
            "file ends inside a record header",
        ),
        (
            "suricata_bug-6875-01_fuzz.pcap",
            1,
            228,
            "bigger than the maximum",
        ),
        (
            "gopacket_le_test901.pcapng",
            1,
            0,
            "unsupported section version 2.0",
        ),
    ];
    for &(name, packets, offset, reason) in cases {
        let (n, stop) = read_all(name);
        assert_eq!(n, packets, "{name}: packets");
        let stop = stop.unwrap_or_else(|| panic!("{name}: no warning"));
        if offset != 0 {
            assert_eq!(stop.offset, offset, "{name}: {stop}");
        }
        assert!(stop.reason.contains(reason), "{name}: {stop}");
    }
}

#[test]
fn the_malformed_corpus_loads_without_panic() {
    // Every capture of ../shared/captures/malformed (copied into fixtures),
    // through the whole pipeline with TCP analysis.
    for name in [
        "zeek_ip6-ext-trunc.pcap",
        "zeek_ip4-trunc.pcap",
        "zeek_tcp-truncated-header.pcap",
        "tcpdump_tcp_header_heapoverflow.pcap",
        "tcpdump_ipv6-next-header-oobr-1.pcap",
        "dpkt_truncated_dns_2.pcap",
        "ndpi_fuzz-2021-10-13.pcap",
        "suricata_bug-6875-01_fuzz.pcap",
        "gopacket_le_test901.pcapng",
        "ndpi_fuzz-2006-06-26-2594.pcap",
        "tcpdump_empty.pcap",
        "tcpdump_empty.pcapng",
    ] {
        let file = Arc::new(CaptureFile::open(&fixture(name)).unwrap());
        let snap = wirelens::pipeline::load_file(file, LoadOptions::default()).wait();
        assert!(snap.done, "{name}");
        let (n, _) = read_all(name);
        assert_eq!(snap.index.len(), n, "{name}");
    }
}

#[test]
fn empty_captures_are_valid() {
    for name in ["tcpdump_empty.pcap", "tcpdump_empty.pcapng"] {
        let (n, stop) = read_all(name);
        assert_eq!((n, stop), (0, None), "{name}");
    }
}

#[test]
fn a_file_that_is_not_a_capture_gets_one_line() {
    let path = root().join("Cargo.toml");
    let err = CaptureFile::open(&path)
        .err()
        .expect("Cargo.toml is no capture")
        .to_string();
    assert!(
        err.contains("not a capture file") && err.contains("pcap") && err.contains("pcapng"),
        "{err}"
    );
    assert!(!err.contains('\n'));
}

#[test]
fn pcapng_comments_are_kept() {
    let f = CaptureFile::open(&fixture("gopacket_le_test009.pcapng")).unwrap();
    let mut r = f.reader();
    let recs: Vec<_> = r.by_ref().collect();
    assert_eq!(recs.len(), 2);
    assert!(
        recs.iter().all(|rec| !rec.comments.is_empty()),
        "{:?}",
        recs.iter().map(|r| &r.comments).collect::<Vec<_>>()
    );
    assert!(!r.section_comments.is_empty());
    // tshark shows the same text as frame.comment.
    let golden =
        std::fs::read_to_string(root().join("tests/golden/gopacket_le_test009.pcapng/packets.tsv"))
            .unwrap();
    assert_eq!(golden.lines().count(), 2);
}

#[test]
fn several_sections_and_interfaces_with_their_own_link_types() {
    let f = CaptureFile::open(&fixture("gopacket_be_test202.pcapng")).unwrap();
    let mut r = f.reader();
    let recs: Vec<_> = r.by_ref().collect();
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(recs.len(), 8);
    let linktypes: std::collections::BTreeSet<u32> = recs
        .iter()
        .map(|rec| r.interfaces[rec.interface as usize].linktype)
        .collect();
    assert_eq!(linktypes, [0, 1].into_iter().collect());
    assert_eq!(r.interfaces.iter().map(|i| i.section).max(), Some(2));
}

#[test]
fn loading_publishes_the_first_packets_before_the_end() {
    // A capture of 50,000 copies of one frame, built here.
    let base = std::fs::read(fixture("tcpdump_dns_tcp.pcap")).unwrap();
    let first_record = &base[24..24 + 16 + 74];
    let mut bytes = base[..24].to_vec();
    for _ in 0..50_000 {
        bytes.extend_from_slice(first_record);
    }
    let file = Arc::new(
        CaptureFile::from_bytes(
            "many.pcap".into(),
            wirelens::capture::file::Bytes::Owned(bytes),
        )
        .unwrap(),
    );
    let store = Store::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    store.set_listener(move |snap| s2.lock().unwrap().push((snap.index.len(), snap.done)));
    let opts = LoadOptions {
        publish_every: Some(std::time::Duration::ZERO),
        ..LoadOptions::default()
    };
    let snap = load_file_into(store, file, opts).wait();
    assert_eq!(snap.index.len(), 50_000);
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|&(n, done)| !done && n > 0 && n < 50_000),
        "{seen:?}"
    );
    // Readers never see packets disappear.
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
}

fn wirelens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["packets", "flows", "summary", "tcp", "follow", "bench"] {
        let out = wirelens(&[sub, "--help"]);
        assert!(out.status.success(), "{sub}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{sub}"
        );
    }
}

#[test]
fn errors_are_one_line_on_stderr_with_status_1() {
    let cargo = root().join("Cargo.toml");
    let out = wirelens(&["packets", cargo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a capture file"));
    let out = wirelens(&["flows", "/nonexistent/x.pcap"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_truncated_file_warns_on_stderr_and_still_prints() {
    let path = fixture("ndpi_fuzz-2021-10-13.pcap");
    let out = wirelens(&["packets", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("reading stopped at byte 237"),
        "{err}"
    );
}
