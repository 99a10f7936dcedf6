//! `wirelens websocket`: every WebSocket connection with its handshake,
//! extensions and messages each way (fragments joined, permessage-deflate
//! inflated), each given the frame that completed it.

use std::io::Write;

use serde_json::Value;

use super::{AppArgs, CliError};
use crate::report::websocket_messages;

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let (streams, first_ns, notes) = websocket_messages::connections(file);
    (
        websocket_messages::json(&streams, first_ns.unwrap_or(0)),
        notes,
    )
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "websocket", out, summary, text)
}

/// A line per connection, then a line per message.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    for c in v["connections"].as_array().into_iter().flatten() {
        let messages = c["messages"].as_array().map_or(&[][..], Vec::as_slice);
        writeln!(
            out,
            "tcp.stream {} {}: {} messages, extensions: {}",
            c["tcp_stream"],
            c["path"].as_str().unwrap_or("-"),
            messages.len(),
            c["extensions"].as_str().unwrap_or("-"),
        )?;
        for m in messages {
            let what = match (m["text"].as_str(), m["close_code"].as_u64()) {
                (Some(t), _) => t.chars().take(60).collect::<String>().replace('\n', "\\n"),
                (None, Some(code)) => {
                    format!("{code} {}", m["close_reason"].as_str().unwrap_or(""))
                }
                _ => String::new(),
            };
            writeln!(
                out,
                "  {:>6} {:>12.6} {} {:<6} {:>8}  {what}",
                m["frame"],
                m["time"].as_f64().unwrap_or(0.0),
                m["dir"].as_str().unwrap_or(""),
                m["type"].as_str().unwrap_or(""),
                m["length"],
            )?;
        }
    }
    Ok(())
}
