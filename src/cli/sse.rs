//! `wirelens sse`: every Server-Sent Event stream with its events, each
//! timed by the frame that completed it, and the stream's time to first
//! event and gaps between events.

use std::io::Write;

use serde_json::Value;

use super::{AppArgs, CliError};
use crate::report::sse_streams;

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let (streams, first_ns, notes) = sse_streams::streams(file);
    (sse_streams::json(&streams, first_ns.unwrap_or(0)), notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "sse", out, summary, text)
}

/// A line per stream, then a line per event.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    let secs = |s: &Value, k: &str| s[k].as_f64().map_or("-".into(), |t| format!("{t:.6}"));
    for s in v["streams"].as_array().into_iter().flatten() {
        let events = s["events"].as_array().map_or(&[][..], Vec::as_slice);
        writeln!(
            out,
            "tcp.stream {}{} {}: {} events, first after {} s, gap p50 {} s p99 {} s",
            s["tcp_stream"],
            s["stream_id"]
                .as_u64()
                .map_or(String::new(), |id| format!(" stream {id}")),
            s["path"].as_str().unwrap_or("-"),
            events.len(),
            secs(s, "time_to_first_event"),
            secs(s, "gap_p50"),
            secs(s, "gap_p99"),
        )?;
        for e in events {
            writeln!(
                out,
                "  {:>6} {:>12} {:<10} id={:<8} {}",
                e["frame"],
                secs(e, "time"),
                e["type"].as_str().unwrap_or(""),
                e["id"].as_str().unwrap_or(""),
                e["data"].as_str().unwrap_or("").replace('\n', "\\n"),
            )?;
        }
    }
    Ok(())
}
