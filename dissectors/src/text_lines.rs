//! What line-based protocols (FTP, POP, IMAP, SMTP, mail headers) share: a
//! segment cut into its lines, which side of a connection is the client,
//! and where a mail header field ends.

use crate::packet::TcpSegment;

/// Lines read from one segment (the rest stays in its bytes).
pub const MAX_LINES: usize = 256;

/// Each line of `b` with where it starts, its end of line included; the
/// last may lack one. At most [`MAX_LINES`].
pub fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    all_lines(b).take(MAX_LINES)
}

/// [`lines`] without the bound on their number (bounded by `b`'s length:
/// each line is a byte at least), for what must see every line (where a
/// mail message ends).
pub fn all_lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at >= b.len() {
            return None;
        }
        let rest = &b[at..];
        let len = rest
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let start = at;
        at += len;
        Some((start, &rest[..len]))
    })
}

/// A line without its CRLF or LF.
pub fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether the segment goes to the server: to `port`, or (on a port
/// Decode As chose) to the lower port.
pub fn to_server(seg: &TcpSegment, port: u16) -> bool {
    if seg.dst_port == port {
        true
    } else if seg.src_port == port {
        false
    } else {
        seg.dst_port < seg.src_port
    }
}

/// Wireshark's `imf_find_field_end`: past the CRLF that ends the value
/// begun at `from` (continuation lines start with white space), and
/// whether a blank line follows (the last field). None when no CR is left.
pub fn field_end(b: &[u8], mut at: usize) -> Option<(usize, bool)> {
    while at < b.len() {
        at += b[at..].iter().position(|&c| c == b'\r')? + 1;
        if b.get(at) != Some(&b'\n') {
            continue;
        }
        at += 1;
        match b.get(at) {
            Some(b'\r') => {
                at += 1;
                if b.get(at) == Some(&b'\n') {
                    at += 1;
                }
                return Some((at, true));
            }
            Some(b' ' | b'\t') => {}
            _ => return Some((at, false)),
        }
    }
    None
}

/// Text lines (SMTP): what holds a line end goes whole; a segment that
/// ends inside its first line waits for the next, as Wireshark's line
/// protocols ask for more only while the first line is open.
pub struct LineFraming;

/// The line framing in a TCP stream.
pub static LINES: LineFraming = LineFraming;

impl crate::pdu_framing::PduFraming for LineFraming {
    fn frame(
        &self,
        b: &[u8],
        s: &mut crate::pdu_framing::FramingState<'_>,
    ) -> crate::pdu_framing::Framing {
        use crate::pdu_framing::{BodyKind, Framing, MAX_PDU};
        if b[(*s.scanned).min(b.len())..].contains(&b'\n') {
            *s.scanned = 0;
            Framing::Complete {
                len: b.len(),
                body: BodyKind::None,
            }
        } else if b.len() > MAX_PDU {
            Framing::TooLong
        } else {
            *s.scanned = b.len();
            Framing::NeedMore
        }
    }
    fn starts_pdu(&self, _: &[u8]) -> bool {
        true
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_first_line_waits_and_the_search_resumes_where_it_stopped() {
        use crate::pdu_framing::{Framing, PduFraming, complete, test_state as state};
        let mut n = 0;
        assert_eq!(
            LINES.frame(b"NO", &mut state(&mut n, false)),
            Framing::NeedMore
        );
        assert_eq!(n, 2);
        // A line end takes all there is.
        let st = &mut state(&mut n, false);
        assert_eq!(LINES.frame(b"NOOP\r\nRS", st), complete(8));
        assert_eq!(n, 0);
    }

    #[test]
    fn lines_keep_their_ends_and_offsets() {
        let v: Vec<_> = super::lines(b"a\r\nbc\nd").collect();
        assert_eq!(v, [(0, &b"a\r\n"[..]), (3, &b"bc\n"[..]), (6, &b"d"[..])]);
        assert_eq!(super::trim_eol(b"a\r\n"), b"a");
        assert_eq!(super::lines(&[b'\n'; 1000]).count(), super::MAX_LINES);
    }
}
