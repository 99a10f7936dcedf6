//! `packets -x`: each packet's bytes as tshark prints them, hex and ASCII,
//! 16 bytes a line, with its other data sources (reassembled, decrypted,
//! decompressed) after the frame's, each under its name.

use dissectors::tree::DataSource;

/// One packet's dump: the frame alone, or every source under a
/// `NAME (N bytes):` line; then an empty line.
pub fn packet(out: &mut String, frame: &[u8], sources: &[DataSource]) {
    if sources.is_empty() {
        bytes(out, frame);
    } else {
        source(out, "Frame", frame);
        for s in sources {
            source(out, &s.name, &s.bytes);
        }
    }
    out.push('\n');
}

fn source(out: &mut String, name: &str, b: &[u8]) {
    out.push_str(&format!("{name} ({} bytes):\n", b.len()));
    bytes(out, b);
}

/// `0000  00 01 … 0f   ................` lines. Offsets take four hex
/// digits, or as many as the last offset needs (Wireshark's print.c).
pub(super) fn bytes(out: &mut String, b: &[u8]) {
    use std::fmt::Write as _;
    let last = b.len().saturating_sub(1);
    let digits = (usize::BITS - last.leading_zeros()).div_ceil(4).max(4) as usize;
    for (i, line) in b.chunks(16).enumerate() {
        let _ = write!(out, "{:0digits$x}  ", i * 16);
        let mut hex = String::with_capacity(47);
        for (k, x) in line.iter().enumerate() {
            if k > 0 {
                hex.push(' ');
            }
            let _ = write!(hex, "{x:02x}");
        }
        let _ = write!(out, "{hex:<47}   ");
        out.extend(line.iter().map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_tsharks() {
        let mut out = String::new();
        packet(&mut out, b"\x00\x01AB", &[]);
        assert_eq!(
            out,
            "0000  00 01 41 42                                       ..AB\n\n"
        );
        let mut out = String::new();
        bytes(&mut out, &[0x41; 0x10001]);
        assert!(out.starts_with("00000  41 41"), "{}", &out[..20]);
        let last = format!("\n10000  {:<47}   A\n", "41");
        assert!(out.ends_with(&last), "{}", &out[out.len() - 80..]);
    }
}
