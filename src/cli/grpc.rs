//! `wirelens grpc`: every gRPC call with its status, messages each way
//! and timing.

use std::io::Write;

use serde_json::{Value, json};

use super::{AppArgs, CliError};

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let (exchanges, notes) = crate::report::http_timing::exchanges(file);
    let calls = crate::report::grpc_calls::calls(&exchanges);
    (json!({ "calls": calls }), notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "grpc", out, summary, text)
}

/// A line per call.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>6} {:>6} {:>6} {:>9} {:>9} {:>11} {:>11}  path",
        "frame", "stream", "status", "c2s", "s2c", "duration", "first_msg"
    )?;
    for c in v["calls"].as_array().into_iter().flatten() {
        let secs = |k: &str| c[k].as_f64().map_or("-".into(), |t| format!("{t:.6}"));
        let status = match (c["grpc_status"].as_u64(), c["cancelled"] == true) {
            (Some(s), _) => s.to_string(),
            (None, true) => "cancel".into(),
            (None, false) => "-".into(),
        };
        writeln!(
            out,
            "{:>6} {:>6} {:>6} {:>9} {:>9} {:>11} {:>11}  {}{}",
            c["request_frame"].as_u64().unwrap_or(0),
            c["tcp_stream"].as_u64().unwrap_or(0),
            status,
            c["messages_c2s"].as_u64().unwrap_or(0),
            c["messages_s2c"].as_u64().unwrap_or(0),
            secs("duration"),
            secs("time_to_first_message"),
            c["path"].as_str().unwrap_or(""),
            c["grpc_message"]
                .as_str()
                .filter(|m| !m.is_empty())
                .map_or(String::new(), |m| format!(" ({m})")),
        )?;
    }
    Ok(())
}
