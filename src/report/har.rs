//! HAR 1.2 (the HTTP Archive format browsers import): one entry per HTTP
//! exchange, its timings in milliseconds with -1 where a phase does not
//! apply. As the format asks, `ssl` is also counted inside `connect`, and
//! an entry's `time` is the sum of the other non-negative phases.

use serde_json::{Value, json};

use super::http_timing::{Exchange, Phases};

/// The whole archive.
/// Writes `archive` to `path`; how many entries it has.
pub fn write(archive: &Value, path: &std::path::Path) -> Result<usize, String> {
    let text = serde_json::to_string_pretty(archive).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(archive["log"]["entries"].as_array().map_or(0, Vec::len))
}

pub fn archive(exchanges: &[Exchange]) -> Value {
    let entries: Vec<Value> = exchanges.iter().filter_map(entry).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "wirelens", "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
        }
    })
}

fn entry(e: &Exchange) -> Option<Value> {
    let p = e.phases()?;
    let t = Timings::of(&p);
    Some(json!({
        "startedDateTime": iso8601(p.start_ns),
        "time": t.total(),
        "request": request(e),
        "response": response(e),
        "cache": {},
        "timings": {
            "blocked": t.blocked,
            "dns": t.dns,
            "connect": t.connect,
            "ssl": t.ssl,
            "send": t.send,
            "wait": t.wait,
            "receive": t.receive,
        },
        "serverIPAddress": e.server.map(|s| s.0.to_string()).unwrap_or_default(),
        "connection": e.tcp_stream.to_string(),
    }))
}

/// HAR's timings, in milliseconds; -1 where not applicable.
struct Timings {
    blocked: f64,
    dns: f64,
    connect: f64,
    ssl: f64,
    send: f64,
    wait: f64,
    receive: f64,
}

impl Timings {
    fn of(p: &Phases) -> Timings {
        let ms = |ns: i64| ns as f64 / 1e6;
        let or_none = |ns: Option<i64>| ns.map_or(-1.0, ms);
        // The TLS handshake counts in connect, and so does the moment
        // between the TCP handshake and the ClientHello.
        let connect = p.connect.map(|c| c.saturating_add(p.ssl.unwrap_or(0)));
        Timings {
            blocked: ms(p.blocked),
            dns: or_none(p.dns),
            connect: or_none(connect),
            ssl: or_none(p.ssl),
            send: ms(p.send),
            wait: p.wait.map_or(0.0, ms),
            receive: p.receive.map_or(0.0, ms),
        }
    }

    fn total(&self) -> f64 {
        [
            self.blocked,
            self.dns,
            self.connect,
            self.send,
            self.wait,
            self.receive,
        ]
        .iter()
        .filter(|t| **t >= 0.0)
        .sum()
    }
}

fn request(e: &Exchange) -> Value {
    json!({
        "method": e.method,
        "url": e.url(),
        "httpVersion": e.http_version,
        "cookies": [],
        "headers": headers(&e.request_headers),
        "queryString": query_string(&e.path),
        "headersSize": -1,
        "bodySize": e.request_body,
    })
}

fn response(e: &Exchange) -> Value {
    let location = e
        .response_headers
        .iter()
        .find(|h| h.0.eq_ignore_ascii_case("location"))
        .map(|h| h.1.clone())
        .unwrap_or_default();
    json!({
        "status": e.status.unwrap_or(0),
        "statusText": e.status_text,
        "httpVersion": e.http_version,
        "cookies": [],
        "headers": headers(&e.response_headers),
        "content": {"size": e.response_body, "mimeType": e.mime_type},
        "redirectURL": location,
        "headersSize": -1,
        "bodySize": if e.response.is_some() { e.response_body as i64 } else { -1 },
    })
}

fn headers(list: &[(String, String)]) -> Vec<Value> {
    list.iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

/// The query's parameters as sent (not percent-decoded, as browsers
/// write them).
fn query_string(path: &str) -> Vec<Value> {
    let Some((_, query)) = path.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            json!({"name": name, "value": value})
        })
        .collect()
}

/// `2026-12-07T12:00:00.123456Z`: UTC, to the microsecond.
fn iso8601(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let micros = ns.rem_euclid(1_000_000_000) / 1000;
    let (y, m, d) = dissectors::field::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_to_the_microsecond() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            iso8601(1_700_000_000_123_456_789),
            "2023-11-14T22:13:20.123456Z"
        );
    }

    #[test]
    fn query_parameters_are_split_as_sent() {
        let q = query_string("/a?x=1&y=%20&flag#frag");
        assert_eq!(
            q,
            vec![
                json!({"name": "x", "value": "1"}),
                json!({"name": "y", "value": "%20"}),
                json!({"name": "flag", "value": ""}),
            ]
        );
        assert!(query_string("/plain").is_empty());
    }
}
