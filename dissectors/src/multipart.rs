//! MIME multipart bodies (RFC 2046): parts between boundary lines, each
//! with its headers and a body handed on by its own media type, as
//! Wireshark's `mime_multipart` shows them in mail and HTTP. The boundary
//! comes from the media type's parameters; a base64 part is decoded first.
//! Multipart writes no column of its own: the parts' takers do.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink};

crate::fields! {
    TYPE = FieldDef::new("mime_multipart.type", "Type", T::String);
    PART = FieldDef::new("mime_multipart.part", "Encapsulated multipart part", T::String);
    PREAMBLE = FieldDef::new("mime_multipart.preamble", "Preamble", T::Bytes);
    FIRST_BOUNDARY = FieldDef::new("mime_multipart.first_boundary", "First boundary", T::String);
    BOUNDARY = FieldDef::new("mime_multipart.boundary", "Boundary", T::String);
    LAST_BOUNDARY = FieldDef::new("mime_multipart.last_boundary", "Last boundary", T::String);
    TRAILER = FieldDef::new("mime_multipart.trailer", "Trailer", T::Bytes);
    CONTENT_DESCRIPTION = FieldDef::new("mime_multipart.header.content-description", "Content-Description", T::String);
    CONTENT_DISPOSITION = FieldDef::new("mime_multipart.header.content-disposition", "Content-Disposition", T::String);
    CONTENT_ENCODING = FieldDef::new("mime_multipart.header.content-encoding", "Content-Encoding", T::String);
    CONTENT_ID = FieldDef::new("mime_multipart.header.content-id", "Content-Id", T::String);
    CONTENT_LANGUAGE = FieldDef::new("mime_multipart.header.content-language", "Content-Language", T::String);
    CONTENT_LENGTH = FieldDef::new("mime_multipart.header.content-length", "Content-Length", T::String);
    CONTENT_TRANSFER_ENCODING = FieldDef::new("mime_multipart.header.content-transfer-encoding", "Content-Transfer-Encoding", T::String);
    CONTENT_TYPE = FieldDef::new("mime_multipart.header.content-type", "Content-Type", T::String);
}

/// The multipart media types Wireshark registers for.
pub const MEDIA_TYPES: &[&str] = &[
    "multipart/mixed",
    "multipart/related",
    "multipart/alternative",
    "multipart/form-data",
    "multipart/report",
    "multipart/signed",
    "multipart/encrypted",
];

/// Parts read per body (each a few bytes at least; the bound keeps a
/// hostile body from listing millions).
const MAX_PARTS: usize = 1024;

/// The part headers Wireshark knows, by lowercase name or compact form.
fn known_header(name: &str) -> Option<&'static FieldDef> {
    Some(match name.to_ascii_lowercase().as_str() {
        "content-description" => &CONTENT_DESCRIPTION,
        "content-disposition" => &CONTENT_DISPOSITION,
        "content-encoding" | "e" => &CONTENT_ENCODING,
        "content-id" => &CONTENT_ID,
        "content-language" => &CONTENT_LANGUAGE,
        "content-length" | "l" => &CONTENT_LENGTH,
        "content-transfer-encoding" => &CONTENT_TRANSFER_ENCODING,
        "content-type" | "c" => &CONTENT_TYPE,
        _ => return None,
    })
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let media = cx.match_string.take().unwrap_or_default();
    let parameters = cx.media_parameters.take();
    let Some(boundary) = parameters.as_deref().and_then(boundary_of) else {
        // Wireshark shows the body as data when it lacks a boundary.
        crate::data::dissect(cx, buf, off);
        return b.len().max(1);
    };
    cx.layer(
        &proto::MIME_MULTIPART,
        buf.span(off, b.len()),
        format_args!("MIME Multipart Media Encapsulation, Type: {media}, Boundary: \"{boundary}\""),
    );
    cx.generated(&TYPE, buf.span(off, 0), Value::Str(&media));
    cx.fence_info();
    let boundary = boundary.as_bytes();
    let Some(mut at) = preamble(cx, buf, off, boundary) else {
        crate::data::dissect(cx, buf, off);
        cx.end_layer();
        return b.len().max(1);
    };
    for _ in 0..MAX_PARTS {
        match part(cx, buf, off, at, boundary) {
            Some((next, last)) => {
                at = next;
                if last {
                    if at < b.len() {
                        cx.field(
                            &TRAILER,
                            buf.span(off + at, b.len() - at),
                            Value::Bytes(&b[at..]),
                        );
                    }
                    break;
                }
            }
            None => break,
        }
    }
    cx.end_layer();
    b.len().max(1)
}

/// The `boundary` parameter, quoted or not (after Wireshark's clean-up of
/// the parameters, which drops white space around separators).
fn boundary_of(parameters: &str) -> Option<String> {
    for p in parameters.split(';') {
        let Some((name, value)) = p.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        let value = value.trim_start();
        let value = match value.strip_prefix('"') {
            Some(q) => q.split('"').next().unwrap_or(""),
            None => value.split([' ', '\t', '\r', '\n']).next().unwrap_or(""),
        };
        return (!value.is_empty()).then(|| value.to_owned());
    }
    None
}

/// Length of the line at `b` with its end (CRLF, LF or CR), and whether
/// it has one.
fn line(b: &[u8]) -> (usize, bool) {
    match b.iter().position(|&c| c == b'\n' || c == b'\r') {
        Some(i) if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') => (i + 2, true),
        Some(i) => (i + 1, true),
        None => (b.len(), false),
    }
}

/// Whether `b[at..]` starts "--boundary", and whether "--" follows it.
fn dashed(b: &[u8], at: usize, boundary: &[u8]) -> Option<bool> {
    let rest = b.get(at..)?;
    let after = rest.strip_prefix(b"--")?.strip_prefix(boundary)?;
    Some(after.starts_with(b"--"))
}

/// The bytes before the first boundary line and that line; where the
/// first part starts.
fn preamble<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    boundary: &[u8],
) -> Option<usize> {
    let b = buf.rest(off);
    let mut at = 0usize;
    while at + 2 + boundary.len() < b.len() {
        if dashed(b, at, boundary).is_some() {
            let (n, ended) = line(&b[at..]);
            if !ended {
                return None;
            }
            if at > 0 {
                cx.field(&PREAMBLE, buf.span(off, at), Value::Bytes(&b[..at]));
            }
            let text = String::from_utf8_lossy(&b[at..at + n]);
            cx.field(&FIRST_BOUNDARY, buf.span(off + at, n), Value::Str(&text));
            return Some(at + n);
        }
        let (n, ended) = line(&b[at..]);
        if !ended {
            return None;
        }
        at += n;
    }
    None
}

/// Where the part starting at `start` ends: the start of the line end
/// before the next boundary line (it belongs to the boundary), the
/// boundary's length with its own line end, and whether it is the last.
fn next_boundary(b: &[u8], start: usize, boundary: &[u8]) -> Option<(usize, usize, bool)> {
    let mut at = start;
    while at + 2 + boundary.len() < b.len() {
        let (n, ended) = line(&b[at..]);
        if !ended {
            return None;
        }
        if let Some(last) = dashed(b, at + n, boundary) {
            let eol_start = at + crate::text_lines::trim_eol(&b[at..at + n]).len();
            let (m, _) = line(&b[at + n..]);
            return Some((eol_start, at + n + m - eol_start, last));
        }
        at += n;
    }
    None
}

/// One part: its headers, then its body by its media type. Returns where
/// the next part starts and whether the boundary after it was the last.
fn part<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    start: usize,
    boundary: &[u8],
) -> Option<(usize, bool)> {
    let b = buf.rest(off);
    let (end, boundary_len, last) = next_boundary(b, start, boundary)?;
    let mut headers = PartHeaders::default();
    // The label names the part's media type, which its headers give.
    let media = content_type_in(&b[start..end])
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let span = buf.span(off + start, end - start);
    let label = format_args!("Encapsulated multipart part: {media}");
    cx.sink
        .field_with_label(&PART, span, Value::Str(""), Presence::Normal, label);
    cx.push();
    let body_start = part_headers(cx, buf, off, start, end, &mut headers);
    part_body(cx, buf, off + body_start, end - body_start, &headers);
    cx.pop();
    let def = if last { &LAST_BOUNDARY } else { &BOUNDARY };
    let text = String::from_utf8_lossy(&b[end..end + boundary_len]);
    let span = buf.span(off + end, boundary_len);
    cx.sink
        .field(def, span, Value::Str(&text), Presence::Normal);
    Some((end + boundary_len, last))
}

/// What a part's headers say about its body.
#[derive(Debug, Default)]
struct PartHeaders {
    content_type: Option<String>,
    parameters: Option<String>,
    base64: bool,
}

/// The part's header lines up to the blank line (or the boundary);
/// returns where its body starts.
fn part_headers<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    start: usize,
    end: usize,
    h: &mut PartHeaders,
) -> usize {
    let b = &buf.rest(off)[..end];
    let mut at = start;
    while at < end {
        let (next, last) = match crate::text_lines::field_end(b, at) {
            Some((n, last)) => (n.min(end), last),
            None => (end, true),
        };
        let raw = &b[at..next];
        let compact = compact_header(raw);
        let Some((name, value)) = compact.split_once(':') else {
            return at;
        };
        match known_header(name) {
            Some(def) => {
                let shown = crate::bytes::format_text(raw);
                let label = format_args!("{shown}");
                cx.sink.field_with_label(
                    def,
                    buf.span(off + at, next - at),
                    Value::Str(value),
                    Presence::Normal,
                    label,
                );
                learn(h, def, value);
            }
            None if raw
                .iter()
                .all(|&c| c.is_ascii_graphic() || c.is_ascii_whitespace()) =>
            {
                let shown = crate::bytes::format_text(raw);
                cx.text(buf.span(off + at, next - at), format_args!("{shown}"));
            }
            None => return at,
        }
        at = next;
        if last {
            break;
        }
    }
    at
}

/// The media type a part's Content-Type header gives, lowercased.
fn content_type_in(part: &[u8]) -> Option<String> {
    let mut at = 0;
    while at < part.len() {
        let (n, _) = line(&part[at..]);
        let l = &part[at..at + n];
        if crate::text_lines::trim_eol(l).is_empty() {
            return None;
        }
        let compact = compact_header(l);
        if let Some((name, value)) = compact.split_once(':')
            && known_header(name).is_some_and(|d| std::ptr::eq(d, &CONTENT_TYPE))
        {
            return Some(value.split(';').next().unwrap_or("").to_ascii_lowercase());
        }
        at += n.max(1);
    }
    None
}

fn learn(h: &mut PartHeaders, def: &FieldDef, value: &str) {
    if std::ptr::eq(def, &CONTENT_TYPE) {
        let (media, parameters) = match value.split_once(';') {
            Some((m, p)) => (m, Some(p.to_owned())),
            None => (value, None),
        };
        h.content_type = Some(media.to_ascii_lowercase());
        h.parameters = parameters;
    } else if std::ptr::eq(def, &CONTENT_TRANSFER_ENCODING) {
        // Compared as bytes: the value may hold any UTF-8 (a fuzzed
        // `base6\u{fffd}` once split a character here).
        h.base64 = value
            .as_bytes()
            .get(..6)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"base64"));
    }
}

/// The body: decoded from base64 when so encoded, then to whoever takes
/// its media type (else Media Type); a part without one is data.
fn part_body<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, len: usize, h: &PartHeaders) {
    let body = Buf {
        bytes: buf.get(0, at + len),
        source: buf.source,
        reported: at + len,
    };
    let raw_data = h
        .content_type
        .as_deref()
        .is_none_or(|t| t.starts_with("application/octet-stream"));
    let Some(media) = h.content_type.as_deref().filter(|_| !raw_data) else {
        crate::data::dissect(cx, body, at);
        return;
    };
    let parameters = h.parameters.as_deref();
    if h.base64 {
        let decoded = crate::bytes::base64_decode(body.rest(at));
        let source = cx.sink.source(media, &decoded).max(1);
        cx.dissect_media_with(media, parameters, true, Buf::source(&decoded, source), 0);
    } else {
        cx.dissect_media_with(media, parameters, true, body, at);
    }
}

/// Wireshark's `unfold_and_compact_mime_header`: folded lines joined, white
/// space dropped around separators (`:;,=`) and at the end, other runs of
/// it one space; quoted strings kept as they are. Ends at the first line
/// end that does not fold.
fn compact_header(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let (mut sep_seen, mut lws) = (false, false);
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        match c {
            b':' | b';' | b',' | b'=' => {
                lws = false;
                sep_seen = true;
                out.push(c);
            }
            b' ' | b'\t' => lws = true,
            b'\r' | b'\n' => {
                let next = if c == b'\r' && raw.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                match raw.get(next) {
                    Some(b' ' | b'\t') => {
                        lws = true;
                        i = next + 1;
                        continue;
                    }
                    _ => break,
                }
            }
            b'"' => {
                lws = false;
                out.push(c);
                i += 1;
                while i < raw.len() {
                    out.push(raw[i]);
                    if raw[i] == b'\\' && i + 1 < raw.len() {
                        i += 1;
                        out.push(raw[i]);
                    } else if raw[i] == b'"' {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {
                if !sep_seen && lws {
                    out.push(b' ');
                }
                sep_seen = false;
                lws = false;
                out.push(c);
            }
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_compact_as_wiresharks() {
        assert_eq!(
            compact_header(b"Content-Type: text/plain; charset=us-ascii\r\n"),
            "Content-Type:text/plain;charset=us-ascii"
        );
        assert_eq!(
            compact_header(b"Content-Type: multipart/alternative;\r\n\tboundary=\"a b\"\r\n\r\n"),
            "Content-Type:multipart/alternative;boundary=\"a b\""
        );
        assert_eq!(boundary_of(" boundary=\"HcAY/tz\""), Some("HcAY/tz".into()));
        assert_eq!(boundary_of("\r\n\tboundary=abc"), Some("abc".into()));
        assert_eq!(boundary_of("charset=x"), None);
    }

    #[test]
    fn a_transfer_encoding_is_read_whatever_its_characters() {
        let mut h = PartHeaders {
            content_type: None,
            parameters: None,
            base64: false,
        };
        learn(&mut h, &CONTENT_TRANSFER_ENCODING, "base6\u{fffd}");
        assert!(!h.base64);
        learn(&mut h, &CONTENT_TRANSFER_ENCODING, "BASE64");
        assert!(h.base64);
    }

    #[test]
    fn boundaries_are_found_line_by_line() {
        let b = b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B--\r\n";
        assert_eq!(dashed(b, 2, b"B"), Some(false));
        // The part's end is the CRLF before "--B--", which is the last.
        assert_eq!(next_boundary(b, 7, b"B"), Some((37, 9, true)));
    }
}
