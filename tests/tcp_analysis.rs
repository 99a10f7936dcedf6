//! TCP analysis against tshark: for every fixture with TCP, per stream, the
//! count of every `tcp.analysis.*` flag, the initial RTT and the ACK RTTs
//! equal what tshark reports.

mod common;

use std::collections::BTreeMap;

use common::*;
use dissectors::tcp_analysis::Flag;

#[test]
fn flag_counts_and_rtts_per_stream_match_tshark() {
    let mut report = Report::default();
    let mut streams_checked = 0;
    for fx in fixtures() {
        let Some(truth) = fx.truth() else { continue };
        let Some(convs) = truth["tcp"]["conversations"].as_array() else {
            continue;
        };
        let ours = run_pass(&fx, false);
        let mut counts: BTreeMap<u32, [u32; 15]> = BTreeMap::new();
        let mut rtts: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        let mut irtt: BTreeMap<u32, i64> = BTreeMap::new();
        for p in &ours {
            // tshark shows no analysis for a segment whose header is malformed.
            let Some(a) = p.tcp.as_ref().filter(|_| p.tcp_intact) else {
                continue;
            };
            let c = counts.entry(a.stream).or_default();
            for f in Flag::ALL {
                if a.has(f) {
                    c[f as usize] += 1;
                }
            }
            if let Some(r) = a.ack_rtt_ns {
                rtts.entry(a.stream).or_default().push(r);
            }
            if let Some(r) = a.initial_rtt_ns {
                irtt.entry(a.stream).or_insert(r);
            }
        }
        for conv in convs {
            let stream = conv["stream"].as_u64().unwrap() as u32;
            streams_checked += 1;
            let c = counts.get(&stream).copied().unwrap_or_default();
            for f in Flag::ALL {
                let theirs = conv["analysis"][f.name()].as_u64().unwrap_or(0) as u32;
                if c[f as usize] != theirs {
                    report.fail(
                        &fx.name,
                        format!(
                            "stream {stream} {}: {} vs tshark {theirs}",
                            f.name(),
                            c[f as usize]
                        ),
                    );
                }
            }
            let theirs_irtt = conv["initial_rtt"].as_f64();
            let ours_irtt = irtt.get(&stream).map(|&ns| ns as f64 / 1e9);
            let same = match (ours_irtt, theirs_irtt) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            if !same {
                report.fail(
                    &fx.name,
                    format!("stream {stream} initial_rtt {ours_irtt:?} vs tshark {theirs_irtt:?}"),
                );
            }
            let mut r = rtts.get(&stream).cloned().unwrap_or_default();
            r.sort();
            let theirs = &conv["ack_rtt"];
            let count = theirs["count"].as_u64().unwrap_or(0) as usize;
            if r.len() != count {
                report.fail(
                    &fx.name,
                    format!(
                        "stream {stream} ack_rtt count {} vs tshark {count}",
                        r.len()
                    ),
                );
            } else if count > 0 {
                let min = r[0] as f64 / 1e9;
                let max = r[count - 1] as f64 / 1e9;
                if (min - theirs["min"].as_f64().unwrap()).abs() > 1e-9
                    || (max - theirs["max"].as_f64().unwrap()).abs() > 1e-9
                {
                    report.fail(
                        &fx.name,
                        format!("stream {stream} ack_rtt min/max {min}/{max} vs tshark {theirs}"),
                    );
                }
            }
        }
    }
    assert!(streams_checked > 100, "only {streams_checked} streams");
    report.finish();
}
