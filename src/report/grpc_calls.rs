//! gRPC calls: HTTP/2 exchanges whose request is `application/grpc`, with
//! their service and method, status (from the trailers, or the headers of
//! a trailers-only answer), messages each way, timing, deadline
//! (`grpc-timeout`) and cancellation (RST_STREAM CANCEL with no status).

use serde_json::{Value, json};

use super::http_timing::Exchange;
use crate::store::tcp_series::secs;

/// RST_STREAM's CANCEL error code.
const CANCEL: u64 = 8;
/// gRPC's DEADLINE_EXCEEDED status.
const DEADLINE_EXCEEDED: u64 = 4;

pub fn is_grpc(e: &Exchange) -> bool {
    header(&e.request_headers, "content-type").is_some_and(|t| t.starts_with("application/grpc"))
}

/// Every gRPC call of `exchanges`, as `wirelens grpc --format json` lists it.
pub fn calls(exchanges: &[Exchange]) -> Vec<Value> {
    exchanges
        .iter()
        .filter(|e| is_grpc(e))
        .filter_map(call)
        .collect()
}

fn call(e: &Exchange) -> Option<Value> {
    let request = e.request?;
    let start = request.first_ns;
    let status_of = |list: &[(String, String)]| header(list, "grpc-status");
    let status = status_of(&e.trailers)
        .or_else(|| status_of(&e.response_headers))
        .and_then(|s| s.trim().parse::<u64>().ok());
    let message = header(&e.trailers, "grpc-message")
        .or_else(|| header(&e.response_headers, "grpc-message"))
        .map(|m| percent_decoded(&m));
    let end = e
        .ended_ns
        .or(e.response.map(|r| r.last_ns))
        .or(e.messages.last().map(|m| m.ns))
        .unwrap_or(request.last_ns);
    let first_reply = e.messages.iter().find(|m| !m.from_client).map(|m| m.ns);
    let deadline = header(&e.request_headers, "grpc-timeout").and_then(|t| timeout_secs(&t));
    let (service, method) = e
        .path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("", ""));
    let messages: Vec<Value> = e
        .messages
        .iter()
        .map(|m| {
            json!({
                "direction": if m.from_client { "c2s" } else { "s2c" },
                "frame": m.frame,
                "time": secs(m.ns - start),
                "length": m.length,
                "compressed": m.compressed,
            })
        })
        .collect();
    Some(json!({
        "tcp_stream": e.tcp_stream,
        "stream_id": e.stream_id,
        "path": e.path,
        "service": service,
        "method": method,
        "grpc_status": status,
        "grpc_message": message,
        "messages_c2s": e.messages.iter().filter(|m| m.from_client).count(),
        "messages_s2c": e.messages.iter().filter(|m| !m.from_client).count(),
        "start": secs(start),
        "duration": secs(end - start),
        "time_to_first_message": first_reply.map(|ns| secs(ns - start)),
        "deadline": deadline,
        "deadline_exceeded": status == Some(DEADLINE_EXCEEDED)
            || (status.is_none() && deadline.is_some_and(|d| secs(end - start) >= d)),
        "cancelled": status.is_none() && e.reset == Some(CANCEL),
        "request_frame": request.first_frame,
        "messages": messages,
    }))
}

fn header(list: &[(String, String)], name: &str) -> Option<String> {
    list.iter()
        .find(|h| h.0.eq_ignore_ascii_case(name))
        .map(|h| h.1.clone())
}

/// `grpc-timeout`'s value (digits and a unit: H, M, S, m, u, n) in seconds.
fn timeout_secs(v: &str) -> Option<f64> {
    let v = v.trim();
    let unit = v.chars().last()?;
    let n: f64 = v.get(..v.len() - 1)?.parse::<u64>().ok()? as f64;
    Some(match unit {
        'H' => n * 3600.0,
        'M' => n * 60.0,
        'S' => n,
        'm' => n / 1e3,
        'u' => n / 1e6,
        'n' => n / 1e9,
        _ => return None,
    })
}

/// `grpc-message` is percent-encoded (gRPC's HTTP/2 protocol document).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match dissectors::bytes::percent_escape(b, i) {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_in_every_unit() {
        assert_eq!(timeout_secs("100m"), Some(0.1));
        assert_eq!(timeout_secs("2S"), Some(2.0));
        assert_eq!(timeout_secs("1H"), Some(3600.0));
        assert_eq!(timeout_secs("5000000u"), Some(5.0));
        assert_eq!(timeout_secs("m"), None);
        assert_eq!(timeout_secs("12x"), None);
    }

    #[test]
    fn messages_are_percent_decoded() {
        assert_eq!(percent_decoded("no%20such%20item"), "no such item");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("caf%C3%A9"), "café");
    }
}
