//! tshark's Follow Stream text (`-z follow,PROTO,MODE,...`): a header
//! naming the filter and both nodes, then one record per chunk of data in
//! the order it was sent, the second node's indented by a tab, in one of
//! tshark's modes. Shared by `packets -z follow,...` and `wirelens follow`.

use std::borrow::Cow;
use std::fmt::Write;

use dissectors::tcp_reassembly::{ChunkKind, KeptChunk};

/// How each record is written, as tshark's modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowMode {
    /// Its length, then its bytes with all but CR, LF and printable ASCII
    /// as `.` (tabs too: tshark 4.0 does not pass them through).
    Ascii,
    /// 16 bytes a line: offset in the side's stream, hex, ASCII.
    Hex,
    /// Its bytes in lower-case hex on one line.
    Raw,
    /// A YAML document: peers, then each record's frame, side, time and
    /// base64 data.
    Yaml,
}

impl FollowMode {
    pub fn named(name: &str) -> Option<FollowMode> {
        Some(match name {
            "ascii" => FollowMode::Ascii,
            "hex" => FollowMode::Hex,
            "raw" => FollowMode::Raw,
            "yaml" => FollowMode::Yaml,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            FollowMode::Ascii => "ascii",
            FollowMode::Hex => "hex",
            FollowMode::Raw => "raw",
            FollowMode::Yaml => "yaml",
        }
    }
}

/// One chunk of a followed stream.
#[derive(Debug, Clone)]
pub struct FollowRecord<'a> {
    /// 0: sent by node 0, 1: by node 1.
    pub side: usize,
    pub frame: u32,
    pub ts_ns: i64,
    pub bytes: Cow<'a, [u8]>,
}

impl<'a> FollowRecord<'a> {
    /// A reassembled chunk as tshark's record: its data, or for bytes the
    /// capture lacks tshark's text and no time.
    pub fn of_chunk(c: &'a KeptChunk, ts_ns: i64) -> FollowRecord<'a> {
        let (bytes, ts_ns) = match &c.kind {
            ChunkKind::Data(d) => (Cow::Borrowed(&d[..]), ts_ns),
            ChunkKind::Gap(n) => (Cow::Owned(missing_bytes_text(*n)), 0),
        };
        FollowRecord {
            side: c.dir,
            frame: c.frame,
            ts_ns,
            bytes,
        }
    }
}

/// What the header says.
#[derive(Debug)]
pub struct FollowHeader<'a> {
    /// tshark's follower name: tcp, udp, tls, http2.
    pub proto: &'a str,
    pub mode: FollowMode,
    pub filter: &'a str,
    /// Each node's address, as tshark writes it (`[v6]:port`; `:0` when
    /// the stream was never seen).
    pub nodes: [String; 2],
}

/// The text tshark writes for data the capture lacks, as a record's bytes:
/// tshark 4.0 copies the C string's terminating NUL too (its length says
/// 37 for "[1448 bytes missing in capture file]").
fn missing_bytes_text(n: u32) -> Vec<u8> {
    let mut v = format!("[{n} bytes missing in capture file]").into_bytes();
    v.push(0);
    v
}

const SEPARATOR: &str = "===================================================================\n";

/// Writes the followed stream; only records numbered (from 1) within
/// `range` are shown, those before still count in the hex offsets.
pub fn draw<'a>(
    out: &mut String,
    header: &FollowHeader<'_>,
    records: impl Iterator<Item = FollowRecord<'a>>,
    range: (u32, u32),
) {
    write_header(out, header);
    let mut offsets = [0u64; 2];
    for (i, r) in records.enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let side = r.side.min(1);
        if n < range.0 || n > range.1 {
            offsets[side] += r.bytes.len() as u64;
            continue;
        }
        let indent = if side == 1 { "\t" } else { "" };
        match header.mode {
            FollowMode::Ascii => ascii(out, indent, &r.bytes),
            FollowMode::Hex => hex(out, indent, offsets[side], &r.bytes),
            FollowMode::Raw => {
                out.push_str(indent);
                for b in r.bytes.iter() {
                    let _ = write!(out, "{b:02x}");
                }
                out.push('\n');
            }
            FollowMode::Yaml => yaml_record(out, &r),
        }
        offsets[side] += r.bytes.len() as u64;
    }
    if header.mode != FollowMode::Yaml {
        out.push_str(SEPARATOR);
    }
}

fn write_header(out: &mut String, h: &FollowHeader<'_>) {
    if h.mode == FollowMode::Yaml {
        out.push_str("peers:\n");
        for (i, node) in h.nodes.iter().enumerate() {
            // The YAML form names host and port apart, without brackets.
            let (host, port) = node.rsplit_once(':').unwrap_or((node, "0"));
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let _ = write!(out, "  - peer: {i}\n    host: {host}\n    port: {port}\n");
        }
        out.push_str("packets:\n");
        return;
    }
    let _ = write!(
        out,
        "\n{SEPARATOR}Follow: {},{}\nFilter: {}\nNode 0: {}\nNode 1: {}\n",
        h.proto,
        h.mode.name(),
        h.filter,
        h.nodes[0],
        h.nodes[1]
    );
}

fn ascii(out: &mut String, indent: &str, bytes: &[u8]) {
    let _ = writeln!(out, "{indent}{}", bytes.len());
    out.extend(bytes.iter().map(|&b| match b {
        b'\r' | b'\n' | 0x20..0x7f => char::from(b),
        _ => '.',
    }));
    out.push('\n');
}

/// tshark's `follow_print_hex`: upper-case offsets, a space after the
/// eighth byte in both halves, the ASCII column's trailing space trimmed.
fn hex(out: &mut String, indent: &str, offset: u64, bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        // tshark keeps a 32-bit offset.
        let at = (offset + (i * 16) as u64) as u32;
        let _ = write!(out, "{indent}{at:08X}  ");
        for j in 0..16 {
            match line.get(j) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if j == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        for (j, &b) in line.iter().enumerate() {
            out.push(if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            });
            if j == 7 {
                out.push(' ');
            }
        }
        // tshark trims one trailing space, even a byte's own.
        if out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    }
}

fn yaml_record(out: &mut String, r: &FollowRecord<'_>) {
    // tshark prints the time through a double (`nstime_to_sec`), so its
    // last digits are the double's, not the capture's.
    let secs =
        r.ts_ns.div_euclid(1_000_000_000) as f64 + r.ts_ns.rem_euclid(1_000_000_000) as f64 / 1e9;
    let _ = write!(
        out,
        "  - packet: {}\n    peer: {}\n    timestamp: {secs:.9}\n    data: !!binary |\n",
        r.frame, r.side
    );
    // 57 bytes a line encode to 76 characters, as in RFCs.
    for piece in r.bytes.chunks(57) {
        out.push_str("      ");
        base64(out, piece);
        out.push('\n');
    }
}

fn base64(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(mode: FollowMode, side: usize, bytes: &[u8]) -> String {
        let mut out = String::new();
        let header = FollowHeader {
            proto: "tcp",
            mode,
            filter: "tcp.stream eq 0",
            nodes: ["10.0.0.1:1".into(), "[::1]:2".into()],
        };
        let r = FollowRecord {
            side,
            frame: 3,
            ts_ns: 1_084_443_428_222_534_000,
            bytes: Cow::Borrowed(bytes),
        };
        draw(&mut out, &header, std::iter::once(r), (1, u32::MAX));
        out
    }

    #[test]
    fn hex_lines_trim_the_ascii_columns_last_space() {
        let out = one(FollowMode::Hex, 1, b"abcdefgh\x00");
        assert!(
            out.ends_with(
                "\t00000000  61 62 63 64 65 66 67 68  00                       abcdefgh .\n\
                 ===================================================================\n"
            ),
            "{out}"
        );
        let eight = one(FollowMode::Hex, 0, b"abcdefgh");
        assert!(
            eight.contains("68                           abcdefgh\n"),
            "{eight}"
        );
    }

    #[test]
    fn ascii_shows_tabs_as_dots_and_keeps_line_ends() {
        let out = one(FollowMode::Ascii, 0, b"a\tb\r\n");
        assert!(out.contains("Node 1: [::1]:2\n5\na.b\r\n\n"), "{out:?}");
    }

    #[test]
    fn yaml_splits_base64_at_76_characters_and_prints_time_as_tshark() {
        let out = one(FollowMode::Yaml, 0, &[0xff; 58]);
        assert!(out.starts_with("peers:\n  - peer: 0\n    host: 10.0.0.1\n    port: 1\n  - peer: 1\n    host: ::1\n    port: 2\npackets:\n"), "{out}");
        assert!(out.contains("timestamp: 1084443428.222533941\n"), "{out}");
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("      ")).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].trim().len(), 76);
        assert_eq!(lines[1].trim(), "/w==");
    }

    #[test]
    fn the_gap_text_carries_its_nul_as_tshark_does() {
        assert_eq!(missing_bytes_text(1448).len(), 37);
    }
}
