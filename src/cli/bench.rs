//! `wirelens bench`: how fast a capture loads and how much memory its index
//! takes, measured the way the app loads it.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use std::sync::atomic::AtomicBool;

use super::{BenchArgs, CliError, display_filter, open, warn_read};
use crate::filter::apply::matching_frames;
use crate::pipeline::{LoadOptions, load_file};

#[derive(Serialize)]
struct BenchReport {
    file: String,
    analysis: &'static str,
    packets: usize,
    seconds: f64,
    packets_per_second: f64,
    index_heap_bytes: usize,
    /// Anonymous (not file-backed) resident memory added by loading.
    anon_resident_bytes: u64,
    anon_bytes_per_packet: f64,
    tcp_conversations: usize,
    udp_conversations: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    filters: Vec<FilterTiming>,
}

#[derive(Serialize)]
struct FilterTiming {
    filter: String,
    threads: usize,
    seconds: f64,
    matching_packets: usize,
}

/// Resident anonymous memory of this process (Linux `RssAnon`), in bytes.
pub fn rss_anon() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

pub fn run(a: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    let full = a.analysis == super::AnalysisArg::Full;
    let filters = a
        .filters
        .iter()
        .filter_map(|f| display_filter(Some(f)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let before = rss_anon();
    let file = open(&a.file)?;
    let t = Instant::now();
    let opts = LoadOptions {
        keep_tapes: !filters.is_empty(),
        ..LoadOptions::batch(full)
    };
    let snap = load_file(file.clone(), opts).wait();
    let secs = t.elapsed().as_secs_f64();
    let anon = rss_anon().saturating_sub(before);
    let n = snap.index.len();
    let r = BenchReport {
        file: a.file.display().to_string(),
        analysis: if full { "full" } else { "flows" },
        packets: n,
        seconds: secs,
        packets_per_second: n as f64 / secs,
        index_heap_bytes: snap.index.heap_bytes(),
        anon_resident_bytes: anon,
        anon_bytes_per_packet: anon as f64 / n.max(1) as f64,
        tcp_conversations: snap.tcp.iter().filter(|c| c.counted).count(),
        udp_conversations: snap.udp.iter().filter(|c| c.counted).count(),
        filters: Vec::new(),
    };
    let mut r = r;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for f in &filters {
        let t = Instant::now();
        let hits = matching_frames(
            f,
            &snap,
            &*file,
            1..=u32::MAX,
            threads,
            &AtomicBool::new(false),
        )
        .unwrap_or_default();
        r.filters.push(FilterTiming {
            filter: f.text().to_string(),
            threads,
            seconds: t.elapsed().as_secs_f64(),
            matching_packets: hits.len(),
        });
    }
    serde_json::to_writer_pretty(&mut *out, &r).map_err(std::io::Error::other)?;
    writeln!(out)?;
    warn_read(&a.file, &snap.notes);
    Ok(())
}
