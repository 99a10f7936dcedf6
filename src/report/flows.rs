//! The conversation table as rows: `wirelens flows` prints them, the app's
//! Conversations window exports them.

use std::io::Write;

use dissectors::conversation::{Conversation, endpoint_text as endpoint};
use serde::Serialize;

use super::JsonArray;
use crate::store::tcp_series::secs;

#[derive(Serialize)]
pub struct FlowRow {
    pub proto: &'static str,
    pub stream: u32,
    pub a: String,
    pub b: String,
    pub frames_a_to_b: u64,
    pub bytes_a_to_b: u64,
    pub frames_b_to_a: u64,
    pub bytes_b_to_a: u64,
    pub payload_a_to_b: u64,
    pub payload_b_to_a: u64,
    pub start_rel: f64,
    pub duration: f64,
}

impl FlowRow {
    pub fn new(c: &Conversation, capture_start: i64) -> FlowRow {
        FlowRow {
            proto: c.proto,
            stream: c.stream,
            a: endpoint(&c.a),
            b: endpoint(&c.b),
            frames_a_to_b: c.stats[0].frames,
            bytes_a_to_b: c.stats[0].bytes,
            frames_b_to_a: c.stats[1].frames,
            bytes_b_to_a: c.stats[1].bytes,
            payload_a_to_b: c.stats[0].payload,
            payload_b_to_a: c.stats[1].payload,
            start_rel: secs(c.first_ts.saturating_sub(capture_start)),
            duration: secs(c.last_ts.saturating_sub(c.first_ts)),
        }
    }
}

/// The rows as a JSON array, one object per line (the app's Export JSON
/// writes the same).
pub fn write_json(rows: &[FlowRow], out: &mut impl Write) -> std::io::Result<()> {
    let mut j = JsonArray::start(out)?;
    for r in rows {
        j.item(out, r)?;
    }
    j.end(out)
}

/// The rows as CSV with a header line (the app's Export CSV writes the
/// same). Endpoints hold no commas (address:port), so nothing is quoted.
pub fn write_csv(rows: &[FlowRow], out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "proto,stream,a,b,frames_a_to_b,bytes_a_to_b,frames_b_to_a,bytes_b_to_a,payload_a_to_b,payload_b_to_a,start_rel,duration"
    )?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{:.9},{:.9}",
            r.proto,
            r.stream,
            r.a,
            r.b,
            r.frames_a_to_b,
            r.bytes_a_to_b,
            r.frames_b_to_a,
            r.bytes_b_to_a,
            r.payload_a_to_b,
            r.payload_b_to_a,
            r.start_rel,
            r.duration
        )?;
    }
    Ok(())
}
