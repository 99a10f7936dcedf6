//! Line-based text data: a body of a textual media type (text/plain,
//! text/html, CSS, JavaScript...) shown line by line, as Wireshark's
//! `data-text-lines`. A body that opens with an XML declaration goes to
//! XML instead, as Wireshark's does.

use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::table::{Table, media_key};

/// The media types Wireshark 4.0 registers `data-text-lines` for.
pub const MEDIA_TYPES: &[&str] = &[
    "text/plain",
    "text/richtext",
    "text/enriched",
    "text/parameters",
    "text/html",
    "text/xml-external-parsed-entity",
    "text/css",
    "application/xml-external-parsed-entity",
    "text/javascript",
    "application/x-javascript",
    "application/x-tia-p25-issi",
    "application/x-tia-p25-sndcp",
    "application/x-ns-proxy-autoconfig",
    "text/vnd.sun.j2me.app-descriptor",
    "application/vnd.poc.refer-to",
    "application/vnd.drm.message",
    "application/x-wms-logplaystats",
    "application/x-rtsp-udp-packetpair",
];

/// Lines shown per body; the layer still counts them all.
const MAX_LINES: usize = 4096;
/// Shorter than `<?xml version="1.0" encoding="UTF-8"?>`: not taken for XML.
const MIN_XML_LEN: usize = 39;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    cx.mark(&proto::DATA_TEXT_LINES);
    if b.len() >= MIN_XML_LEN && b[..5].eq_ignore_ascii_case(b"<?xml") {
        cx.match_string = None;
        cx.dissect_by(Table::MediaType, media_key("text/xml"), buf, off);
        return b.len().max(1);
    }
    let named = cx.take_media_name();
    let lines = line_ends(b);
    // "(1 lines)": Wireshark's label has no singular.
    cx.layer_again(
        &proto::DATA_TEXT_LINES,
        buf.span(off, b.len()),
        format_args!("Line-based text data{named} ({} lines)", lines.len()),
    );
    let mut start = 0;
    for &end in lines.iter().take(MAX_LINES) {
        let text = crate::bytes::format_text(&b[start..end]);
        cx.text(buf.span(off + start, end - start), format_args!("{text}"));
        start = end;
    }
    cx.end_layer();
    b.len().max(1)
}

/// Where each line ends, its terminator (`\n`, `\r\n` or `\r`) included;
/// the last line may have none.
fn line_ends(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => out.push(i + 1),
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                i += 1;
                out.push(i + 1);
            }
            b'\r' => out.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    if out.last().copied().unwrap_or(0) < b.len() {
        out.push(b.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_ends;

    #[test]
    fn lines_keep_their_terminators() {
        assert_eq!(line_ends(b"a\r\nbb\ncc\rd"), [3, 6, 9, 10]);
        assert_eq!(line_ends(b"one\n"), [4]);
        assert!(line_ends(b"").is_empty());
    }
}
