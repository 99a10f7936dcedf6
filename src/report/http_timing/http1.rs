//! HTTP/1.x exchanges: a request and the response after it on the same
//! connection, in order (HTTP/1.x answers in the order it was asked).
//! A message spans from the first payload frame since the previous
//! message that way to the frame that completed it.

use std::collections::VecDeque;

use dissectors::collect::Collected;

use super::super::scan::{FrameView, as_str, as_u64};
use super::{Exchange, Span};

/// Requests on one connection still waiting for their response.
#[derive(Default)]
pub struct Http1Connection {
    waiting: VecDeque<usize>,
    /// A request answered by 101 Switching Protocols: its response
    /// follows in the new protocol (HTTP/2's stream 1 for `h2c`).
    pub upgraded: Option<usize>,
}

impl Http1Connection {
    /// Takes the HTTP/1.x messages this frame completed; says whether
    /// there was one.
    pub fn frame(
        &mut self,
        v: &FrameView<'_>,
        first: Option<(u32, i64)>,
        template: &Exchange,
        out: &mut Vec<Exchange>,
    ) -> bool {
        let mut began = first;
        let mut any = false;
        for fields in messages(v) {
            let span = Span::since(began.take(), v);
            any = true;
            let get = |n: &str| fields.iter().find(|c| c.def.name == n).map(|c| &c.value);
            if get("http.request").is_some() {
                let mut e = template.clone();
                e.method = as_str(get("http.request.method")).unwrap_or_default();
                e.path = as_str(get("http.request.uri")).unwrap_or_default();
                e.http_version = as_str(get("http.request.version")).unwrap_or_default();
                e.authority = as_str(get("http.host")).unwrap_or_default();
                e.request_headers = header_lines(&fields, "http.request.line");
                e.request_body = body_length(&fields);
                e.request = Some(span);
                self.waiting.push_back(out.len());
                out.push(e);
            } else if get("http.response").is_some() {
                let status = as_u64(get("http.response.code"));
                // Switching to h2c, the answer comes on HTTP/2's stream 1;
                // to anything else (WebSocket), the 101 is the answer.
                let upgrade = as_str(get("http.upgrade")).unwrap_or_default();
                if status == Some(101) && upgrade.eq_ignore_ascii_case("h2c") {
                    self.upgraded = self.waiting.pop_front();
                    continue;
                }
                // An interim answer (100 Continue) is not the response.
                if status.is_some_and(|s| s < 200 && s != 101) {
                    continue;
                }
                // The request it answers, as the dissector paired them
                // (`http.request_in`), else the oldest still waiting.
                let asked = as_u64(get("http.request_in"));
                let at = asked
                    .and_then(|n| {
                        self.waiting.iter().position(|&i| {
                            out.get(i)
                                .and_then(|e| e.request)
                                .map(|r| u64::from(r.last_frame))
                                == Some(n)
                        })
                    })
                    .unwrap_or(0);
                let Some(e) = self.waiting.remove(at).and_then(|i| out.get_mut(i)) else {
                    continue;
                };
                e.status = status.and_then(|s| u16::try_from(s).ok());
                e.status_text = as_str(get("http.response.phrase")).unwrap_or_default();
                e.response_headers = header_lines(&fields, "http.response.line");
                e.response_body = body_length(&fields);
                e.mime_type = as_str(get("http.content_type")).unwrap_or_default();
                e.response = Some(span);
            }
        }
        any
    }
}

/// Each HTTP/1.x message's fields: from its `http` item to the next.
fn messages<'v>(v: &'v FrameView<'_>) -> Vec<Vec<&'v Collected>> {
    let mut out: Vec<Vec<&Collected>> = Vec::new();
    for c in &v.fields.fields {
        if c.def.name == "http" {
            out.push(Vec::new());
        } else if c.def.name.starts_with("http.")
            && let Some(m) = out.last_mut()
        {
            m.push(c);
        }
    }
    out
}

/// Header lines as name and value.
fn header_lines(fields: &[&Collected], name: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|c| c.def.name == name)
        .filter_map(|c| as_str(Some(&c.value)))
        .filter_map(|line| {
            let (n, v) = line.trim_end().split_once(':')?;
            Some((n.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The body's length after de-chunking, else as Content-Length says.
fn body_length(fields: &[&Collected]) -> u64 {
    let get = |n: &str| fields.iter().find(|c| c.def.name == n).map(|c| &c.value);
    as_u64(get("http.body_length"))
        .or_else(|| as_u64(get("http.content_length")))
        .unwrap_or(0)
}
