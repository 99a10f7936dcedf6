//! The dataset's tables other than packets: each is a subcommand's JSON
//! rows (`flows` with `tcp`'s analysis, `dns`, `http`, `http --timing`,
//! `tls`) under declared columns, so a query engine reads what the CLI
//! prints, typed.

use serde_json::{Value, json};

use super::columns::{Column, Kind, col, col_at};
use crate::capture::{CaptureFile, ReadNotes};

/// A table made from JSON rows.
pub struct JsonRows {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub rows: fn(&std::sync::Arc<CaptureFile>) -> (Vec<Value>, ReadNotes),
}

pub const TABLES: &[JsonRows] = &[
    JsonRows {
        name: "flows",
        columns: FLOWS,
        rows: flows,
    },
    JsonRows {
        name: "dns",
        columns: DNS,
        rows: |f| array_of(super::super::dns::summary(f), "transactions"),
    },
    JsonRows {
        name: "http",
        columns: HTTP,
        rows: |f| array_of(super::super::http::summary(f), "messages"),
    },
    JsonRows {
        name: "http_timing",
        columns: HTTP_TIMING,
        rows: super::super::http::timing_rows,
    },
    JsonRows {
        name: "tls",
        columns: TLS,
        rows: |f| array_of(super::super::tls::summary(f), "sessions"),
    },
];

fn array_of((v, notes): (Value, ReadNotes), key: &str) -> (Vec<Value>, ReadNotes) {
    let rows = match v {
        Value::Object(mut m) => match m.remove(key) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    (rows, notes)
}

/// `wirelens flows`' rows, TCP's with `wirelens tcp`'s summary under
/// `tcp`, and the start as a time.
fn flows(file: &std::sync::Arc<CaptureFile>) -> (Vec<Value>, ReadNotes) {
    use crate::pipeline::{LoadOptions, load_file};
    use crate::report::flows::FlowRow;
    let options = LoadOptions {
        analyze_apps: false,
        ..LoadOptions::batch(true)
    };
    let snap = load_file(file.clone(), options).wait();
    let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
    let rtts = super::super::tcp::rtt_samples(&snap);
    let mut rows = Vec::new();
    for (c, tcp) in snap
        .tcp
        .iter()
        .map(|c| (c, true))
        .chain(snap.udp.iter().map(|c| (c, false)))
    {
        if !c.counted {
            continue;
        }
        let mut row = serde_json::to_value(FlowRow::new(c, start)).unwrap_or_default();
        row["start_ns"] = json!(c.first_ts);
        if tcp {
            row["tcp"] = super::super::tcp::summary(&snap, c.stream, rtts.get(&c.stream));
        }
        rows.push(row);
    }
    (rows, snap.notes.clone())
}

/// The flow columns, then the analysis counts named as `tcp.analysis.*`
/// without the prefix (a test holds them to the analyzer's flags).
macro_rules! with_analysis {
    ($($column:expr,)* ; $($flag:literal),*) => {
        &[$($column,)* $(col_at($flag, concat!("/tcp/analysis/", $flag), Kind::Int)),*]
    };
}

const FLOWS: &[Column] = with_analysis!(
    col("proto", Kind::Text),
    col("stream", Kind::Int),
    col("a", Kind::Text),
    col("b", Kind::Text),
    col("frames_a_to_b", Kind::Int),
    col("bytes_a_to_b", Kind::Int),
    col("frames_b_to_a", Kind::Int),
    col("bytes_b_to_a", Kind::Int),
    col("payload_a_to_b", Kind::Int),
    col("payload_b_to_a", Kind::Int),
    col_at("start", "/start_ns", Kind::Time),
    col("start_rel", Kind::Float),
    col("duration", Kind::Float),
    col_at("handshake_complete", "/tcp/handshake/ack", Kind::Bool),
    col_at("end_state", "/tcp/end_state", Kind::Text),
    col_at("window_scaling", "/tcp/window_scaling", Kind::Text),
    col_at("mss_a", "/tcp/options/a/mss", Kind::Int),
    col_at("mss_b", "/tcp/options/b/mss", Kind::Int),
    col_at("fin_a", "/tcp/fin_a", Kind::Bool),
    col_at("fin_b", "/tcp/fin_b", Kind::Bool),
    col_at("rst_a", "/tcp/rst_a", Kind::Bool),
    col_at("rst_b", "/tcp/rst_b", Kind::Bool),
    col_at("initial_rtt", "/tcp/initial_rtt", Kind::Float),
    col_at("ack_rtt_count", "/tcp/ack_rtt/count", Kind::Int),
    col_at("ack_rtt_min", "/tcp/ack_rtt/min", Kind::Float),
    col_at("ack_rtt_median", "/tcp/ack_rtt/median", Kind::Float),
    col_at("ack_rtt_max", "/tcp/ack_rtt/max", Kind::Float),
    ;
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "duplicate_ack",
    "lost_segment",
    "ack_lost_segment",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "window_full",
    "window_update",
    "keep_alive",
    "keep_alive_ack",
    "reused_ports"
);

const DNS: &[Column] = &[
    col("protocol", Kind::Text),
    col("query_frame", Kind::Int),
    col("transport", Kind::Text),
    col("server", Kind::Text),
    col("id", Kind::Int),
    col("name", Kind::Text),
    col("type", Kind::Text),
    col("type_code", Kind::Int),
    col("edns", Kind::Bool),
    col("edns_udp_payload_size", Kind::Int),
    col("do", Kind::Bool),
    col("response_frame", Kind::Int),
    col("rcode", Kind::Text),
    col("truncated", Kind::Bool),
    col("authoritative", Kind::Bool),
    col("answers", Kind::Json),
    col("answer_count", Kind::Int),
    col("response_time", Kind::Float),
    col("unanswered", Kind::Bool),
    col("retransmission", Kind::Bool),
];

const HTTP: &[Column] = &[
    col("frame", Kind::Int),
    col("tcp_stream", Kind::Int),
    col("kind", Kind::Text),
    col("method", Kind::Text),
    col("uri", Kind::Text),
    col("version", Kind::Text),
    col("host", Kind::Text),
    col("status", Kind::Int),
    col("phrase", Kind::Text),
    col("request_frame", Kind::Int),
    col("time", Kind::Float),
    col("content_length", Kind::Int),
    col("body_length", Kind::Int),
    col("upgrade", Kind::Text),
    col("transfer_encoding", Kind::Text),
    col("content_encoding", Kind::Text),
];

const HTTP_TIMING: &[Column] = &[
    col("tcp_stream", Kind::Int),
    col("stream_id", Kind::Int),
    col("request_frame", Kind::Int),
    col("request_end_frame", Kind::Int),
    col("response_frame", Kind::Int),
    col("method", Kind::Text),
    col("url", Kind::Text),
    col("http_version", Kind::Text),
    col("answered_over_h2c", Kind::Bool),
    col("status", Kind::Int),
    col("reused", Kind::Bool),
    col_at("start", "/start_ns", Kind::Time),
    col("time_namelookup", Kind::Float),
    col("time_connect", Kind::Float),
    col("time_appconnect", Kind::Float),
    col("time_pretransfer", Kind::Float),
    col("time_starttransfer", Kind::Float),
    col("time_total", Kind::Float),
    col_at("blocked_ms", "/phases_ms/blocked", Kind::Float),
    col_at("dns_ms", "/phases_ms/dns", Kind::Float),
    col_at("connect_ms", "/phases_ms/connect", Kind::Float),
    col_at("ssl_ms", "/phases_ms/ssl", Kind::Float),
    col_at("send_ms", "/phases_ms/send", Kind::Float),
    col_at("wait_ms", "/phases_ms/wait", Kind::Float),
    col_at("receive_ms", "/phases_ms/receive", Kind::Float),
    col("tls_round_trips", Kind::Int),
];

const TLS: &[Column] = &[
    col("tcp_stream", Kind::Int),
    col("client", Kind::Text),
    col("server", Kind::Text),
    col("handshake", Kind::TextList),
    col("client_hellos", Kind::Int),
    col("hello_retry_request", Kind::Bool),
    col("sni", Kind::Text),
    col("alpn_offered", Kind::TextList),
    col("alpn_selected", Kind::Text),
    col("version", Kind::Text),
    col("cipher_suite", Kind::Text),
    col("cipher_suite_name", Kind::Text),
    col("client_offered_versions", Kind::TextList),
    col("resumed", Kind::Bool),
    col("certificate_request", Kind::Bool),
    col("client_certificate", Kind::Bool),
    col("records", Kind::Json),
    col("client_offered_cipher_count", Kind::Int),
    col("client_hello_version", Kind::Text),
    col("server_certificate_seen", Kind::Bool),
    col("ja3", Kind::Text),
    col("ja4", Kind::Text),
    col("ja3s", Kind::Text),
];

#[cfg(test)]
mod tests {
    use super::*;
    use dissectors::tcp_analysis::Flag;

    #[test]
    fn analysis_columns_are_the_analyzers_flags() {
        let names: Vec<&str> = FLOWS
            .iter()
            .filter(|c| c.at.starts_with("/tcp/analysis/"))
            .map(|c| c.name)
            .collect();
        let flags: Vec<&str> = Flag::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names, flags);
    }

    #[test]
    fn every_table_names_each_column_once() {
        for t in TABLES {
            let mut names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            assert!(names.iter().all(|n| !n.is_empty()), "{}", t.name);
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n, "{}", t.name);
        }
    }
}
