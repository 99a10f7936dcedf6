//! What line-based protocols (FTP, POP, IMAP) share: a segment cut into
//! its lines, and which side of a connection is the client.

use crate::packet::TcpSegment;

/// Lines read from one segment (the rest stays in its bytes).
pub const MAX_LINES: usize = 256;

/// Each line of `b` with where it starts, its end of line included; the
/// last may lack one. At most [`MAX_LINES`].
pub fn lines(b: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
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
    .take(MAX_LINES)
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

#[cfg(test)]
mod tests {
    #[test]
    fn lines_keep_their_ends_and_offsets() {
        let v: Vec<_> = super::lines(b"a\r\nbc\nd").collect();
        assert_eq!(v, [(0, &b"a\r\n"[..]), (3, &b"bc\n"[..]), (6, &b"d"[..])]);
        assert_eq!(super::trim_eol(b"a\r\n"), b"a");
        assert_eq!(super::lines(&[b'\n'; 1000]).count(), super::MAX_LINES);
    }
}
