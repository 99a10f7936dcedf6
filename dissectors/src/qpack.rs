//! QPACK field sections (RFC 9204), decoded passively for HTTP/3: one
//! [`QpackTable`] per direction of a connection, built from that
//! direction's encoder stream, decodes the HEADERS that direction sends.
//!
//! No maintained crate decodes QPACK without being the peer (each wants to
//! own the connection and write its decoder stream), so this is our own
//! bounded decoder, as `hpack.rs` bounds loona-hpack; the Huffman code is
//! loona-hpack's (RFC 7541 Appendix B, shared by both).
//!
//! - The table may not grow past [`MAX_TABLE`] (Wireshark's limit too);
//!   a section's output stops at [`MAX_OUTPUT`] bytes and
//!   [`MAX_LINES`] lines.
//! - Encoder-stream bytes of an instruction not yet whole wait (at most
//!   [`MAX_PENDING`]); bytes lost or a damaged instruction leave the table
//!   unknown, and then only sections that use no dynamic entry decode: no
//!   header is ever read from an entry we did not see inserted.
//! - A section that needs inserts not seen yet is *blocked*, as a real
//!   decoder's would be: shown as such, with the counts (as Wireshark).
//! - Entries are [`SharedBytes`]: a section naming one costs a pointer.

use std::cell::RefCell;
use std::collections::VecDeque;

use loona_hpack::huffman::HuffmanDecoder;

pub use crate::shared::SharedBytes;

/// Largest dynamic table capacity followed.
pub const MAX_TABLE: u64 = 64 << 10;
/// Decoded bytes kept per section.
pub const MAX_OUTPUT: usize = 256 << 10;
/// Field lines read per section.
pub const MAX_LINES: usize = 4096;
/// Encoder-stream bytes held for an instruction not yet whole: the largest
/// entry fits a table, plus its integers.
const MAX_PENDING: usize = MAX_TABLE as usize + 64;
/// An entry's size beyond its bytes (RFC 9204 §3.2.1).
const ENTRY_OVERHEAD: u64 = 32;

/// One field line, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLine {
    pub name: SharedBytes,
    pub value: SharedBytes,
}

/// What a field section says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Decoded {
        lines: Vec<FieldLine>,
        /// More lines followed than were kept.
        truncated: bool,
    },
    /// It needs `required` inserts; the encoder stream had made `inserted`.
    Blocked { required: u64, inserted: u64 },
    /// Not decodable, and why.
    Failed(&'static str),
}

/// Why a section was not decoded (kept as a code on the tape).
pub const FAILURES: [&str; 4] = [
    "damaged field section",
    "refers to a dynamic table entry not seen (encoder stream lost or evicted)",
    "the decoder's table capacity is not known (SETTINGS not seen)",
    "not decoded",
];

/// The dynamic table one direction's encoder builds, as seen on the wire.
#[derive(Debug, Clone, Default)]
pub struct QpackTable {
    /// Oldest first.
    entries: VecDeque<FieldLine>,
    size: u64,
    capacity: u64,
    /// Inserts ever made: the absolute index of the next one.
    inserted: u64,
    /// SETTINGS_QPACK_MAX_TABLE_CAPACITY the decoding peer sent.
    max_capacity: Option<u64>,
    /// Encoder-stream bytes of an instruction not yet whole.
    pending: Vec<u8>,
    /// Encoder-stream bytes were lost or damaged: the table is unknown.
    lost: bool,
}

impl QpackTable {
    /// The decoding peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY.
    pub fn set_max_capacity(&mut self, v: u64) {
        self.max_capacity = Some(v);
    }

    /// Inserts made so far.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The entries' size and the capacity they must fit (fuzzing checks it).
    pub fn size_and_capacity(&self) -> (u64, u64) {
        (self.size, self.capacity)
    }

    /// Heap bytes held: the entries (their size counts 32 bytes each for
    /// the bookkeeping, as RFC 9204's) and instruction bytes waiting.
    pub fn heap_bytes(&self) -> usize {
        self.size as usize + self.pending.capacity()
    }

    /// Encoder-stream data lost: entries from here on cannot be trusted.
    pub fn lose(&mut self) {
        self.lost = true;
        self.pending.clear();
    }

    /// Takes the next bytes of the encoder stream, in order.
    pub fn feed_encoder(&mut self, data: &[u8]) {
        if self.lost {
            return;
        }
        if self.pending.len() + data.len() > MAX_PENDING {
            return self.lose();
        }
        self.pending.extend_from_slice(data);
        let pending = std::mem::take(&mut self.pending);
        let mut at = 0;
        while at < pending.len() {
            match self.instruction(&pending, at) {
                Step::Done(next) => at = next,
                Step::More => break,
                Step::Bad => return self.lose(),
            }
        }
        self.pending = pending[at..].to_vec();
    }

    /// One encoder instruction at `at` (RFC 9204 §4.3).
    fn instruction(&mut self, b: &[u8], at: usize) -> Step {
        let first = b[at];
        let mut r = Reader { b, at };
        if first & 0x80 != 0 {
            // Insert with Name Reference.
            let Some(index) = r.int(6) else {
                return Step::More;
            };
            let Some(value) = r.string(7) else {
                return Step::More;
            };
            let name = if first & 0x40 != 0 {
                static_entry(index).map(|(n, _)| SharedBytes::from(n.as_bytes()))
            } else {
                self.relative(index).map(|e| e.name.clone())
            };
            let Some(name) = name else { return Step::Bad };
            self.insert(name, value, r.at)
        } else if first & 0x40 != 0 {
            // Insert with Literal Name.
            let Some(name) = r.string(5) else {
                return Step::More;
            };
            let Some(value) = r.string(7) else {
                return Step::More;
            };
            self.insert(name, value, r.at)
        } else if first & 0x20 != 0 {
            // Set Dynamic Table Capacity.
            let Some(cap) = r.int(5) else {
                return Step::More;
            };
            if cap > MAX_TABLE || self.max_capacity.is_some_and(|m| cap > m) {
                return Step::Bad;
            }
            self.capacity = cap;
            self.evict_to(cap);
            Step::Done(r.at)
        } else {
            // Duplicate.
            let Some(index) = r.int(5) else {
                return Step::More;
            };
            let Some(e) = self.relative(index).cloned() else {
                return Step::Bad;
            };
            self.insert(e.name, e.value, r.at)
        }
    }

    fn insert(&mut self, name: SharedBytes, value: SharedBytes, next: usize) -> Step {
        let size = name.len() as u64 + value.len() as u64 + ENTRY_OVERHEAD;
        if size > self.capacity {
            return Step::Bad;
        }
        self.evict_to(self.capacity - size);
        self.size += size;
        self.entries.push_back(FieldLine { name, value });
        self.inserted += 1;
        Step::Done(next)
    }

    fn evict_to(&mut self, room: u64) {
        while self.size > room {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            self.size -= e.name.len() as u64 + e.value.len() as u64 + ENTRY_OVERHEAD;
        }
    }

    /// An encoder instruction's relative index: 0 is the newest entry.
    fn relative(&self, index: u64) -> Option<&FieldLine> {
        self.absolute(self.inserted.checked_sub(index)?.checked_sub(1)?)
    }

    fn absolute(&self, index: u64) -> Option<&FieldLine> {
        let first = self.inserted - self.entries.len() as u64;
        let at = index.checked_sub(first)?;
        self.entries.get(usize::try_from(at).ok()?)
    }

    /// Decodes one field section (a HEADERS or PUSH_PROMISE payload).
    pub fn decode(&self, b: &[u8]) -> Section {
        let mut r = Reader { b, at: 0 };
        let Some(encoded) = r.int(8) else {
            return Section::Failed(FAILURES[0]);
        };
        let sign = b.get(r.at).is_some_and(|v| v & 0x80 != 0);
        let Some(delta) = r.int(7) else {
            return Section::Failed(FAILURES[0]);
        };
        let required = match self.required_insert_count(encoded) {
            Ok(n) => n,
            Err(why) => return Section::Failed(why),
        };
        if required > 0 && self.lost {
            return Section::Failed(FAILURES[1]);
        }
        if required > self.inserted {
            return Section::Blocked {
                required,
                inserted: self.inserted,
            };
        }
        let base = if sign {
            required.checked_sub(delta + 1)
        } else {
            required.checked_add(delta)
        };
        let Some(base) = base else {
            return Section::Failed(FAILURES[0]);
        };
        self.lines(&mut r, required, base)
    }

    /// RFC 9204 §4.5.1.1: the count the encoder sent modulo twice the
    /// table's entry capacity, made whole again.
    fn required_insert_count(&self, encoded: u64) -> Result<u64, &'static str> {
        if encoded == 0 {
            return Ok(0);
        }
        let Some(max_capacity) = self.max_capacity.filter(|&m| m > 0) else {
            return Err(FAILURES[2]);
        };
        let max_entries = max_capacity / ENTRY_OVERHEAD;
        let full_range = 2 * max_entries;
        if encoded > full_range {
            return Err(FAILURES[0]);
        }
        let max_value = self.inserted + max_entries;
        let max_wrapped = max_value / full_range * full_range;
        let mut required = max_wrapped + encoded - 1;
        if required > max_value {
            if required <= full_range {
                return Err(FAILURES[0]);
            }
            required -= full_range;
        }
        if required == 0 {
            return Err(FAILURES[0]);
        }
        Ok(required)
    }

    /// The field lines after the prefix (RFC 9204 §4.5.2–4.5.6).
    fn lines(&self, r: &mut Reader<'_>, required: u64, base: u64) -> Section {
        let mut lines = Vec::new();
        let mut output = 0usize;
        while r.at < r.b.len() {
            if lines.len() >= MAX_LINES || output > MAX_OUTPUT {
                return Section::Decoded {
                    lines,
                    truncated: true,
                };
            }
            let line = match self.line(r, required, base) {
                Ok(l) => l,
                Err(why) => return Section::Failed(why),
            };
            output += line.name.len() + line.value.len();
            lines.push(line);
        }
        Section::Decoded {
            lines,
            truncated: false,
        }
    }

    fn line(
        &self,
        r: &mut Reader<'_>,
        required: u64,
        base: u64,
    ) -> Result<FieldLine, &'static str> {
        let damaged = FAILURES[0];
        let first = r.b[r.at];
        // A dynamic reference must fall below the Required Insert Count.
        let dynamic = |abs: Option<u64>| {
            abs.filter(|&a| a < required)
                .and_then(|a| self.absolute(a))
                .ok_or(FAILURES[1])
        };
        if first & 0x80 != 0 {
            // Indexed Field Line.
            let index = r.int(6).ok_or(damaged)?;
            if first & 0x40 != 0 {
                return static_line(index).ok_or(damaged);
            }
            return dynamic(base.checked_sub(index + 1)).cloned();
        }
        if first & 0x40 != 0 {
            // Literal Field Line with Name Reference.
            let index = r.int(4).ok_or(damaged)?;
            let name = if first & 0x10 != 0 {
                static_line(index).ok_or(damaged)?.name
            } else {
                dynamic(base.checked_sub(index + 1))?.name.clone()
            };
            let value = r.string(7).ok_or(damaged)?;
            return Ok(FieldLine { name, value });
        }
        if first & 0x20 != 0 {
            // Literal Field Line with Literal Name.
            let name = r.string(3).ok_or(damaged)?;
            let value = r.string(7).ok_or(damaged)?;
            return Ok(FieldLine { name, value });
        }
        if first & 0x10 != 0 {
            // Indexed Field Line with Post-Base Index.
            let index = r.int(4).ok_or(damaged)?;
            return dynamic(base.checked_add(index)).cloned();
        }
        // Literal Field Line with Post-Base Name Reference.
        let index = r.int(3).ok_or(damaged)?;
        let name = dynamic(base.checked_add(index))?.name.clone();
        let value = r.string(7).ok_or(damaged)?;
        Ok(FieldLine { name, value })
    }
}

/// How far an encoder instruction got.
enum Step {
    /// Whole; the next starts here.
    Done(usize),
    /// Not whole yet (or an integer too large, which waits until the
    /// pending bound gives up on it).
    More,
    Bad,
}

/// Reads QPACK's prefixed integers and strings.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// An integer with an `n`-bit prefix (RFC 7541 §5.1), up to 62 bits.
    fn int(&mut self, n: u32) -> Option<u64> {
        let mask = (1u16 << n) as u64 - 1;
        let mut v = u64::from(*self.b.get(self.at)?) & mask;
        self.at += 1;
        if v < mask {
            return Some(v);
        }
        for shift in (0..63).step_by(7) {
            let byte = *self.b.get(self.at)?;
            self.at += 1;
            v = v.checked_add(u64::from(byte & 0x7f) << shift)?;
            if byte & 0x80 == 0 {
                return (v < 1 << 62).then_some(v);
            }
        }
        None
    }

    /// A string whose length has an `n`-bit prefix, the Huffman flag just
    /// above it.
    fn string(&mut self, n: u32) -> Option<SharedBytes> {
        let huffman = self.b.get(self.at)? & (1 << n) != 0;
        let len = usize::try_from(self.int(n)?).ok()?;
        let end = self.at.checked_add(len).filter(|&e| e <= self.b.len())?;
        let raw = &self.b[self.at..end];
        self.at = end;
        if huffman {
            huffman_decode(raw).map(|v| SharedBytes::from(&v[..]))
        } else {
            Some(SharedBytes::from(raw))
        }
    }
}

fn huffman_decode(b: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static HUFFMAN: RefCell<HuffmanDecoder> = RefCell::new(HuffmanDecoder::new());
    }
    HUFFMAN.with(|h| h.borrow_mut().decode(b).ok())
}

fn static_line(index: u64) -> Option<FieldLine> {
    static_entry(index).map(|(n, v)| FieldLine {
        name: SharedBytes::from(n.as_bytes()),
        value: SharedBytes::from(v.as_bytes()),
    })
}

fn static_entry(index: u64) -> Option<(&'static str, &'static str)> {
    STATIC_TABLE.get(usize::try_from(index).ok()?).copied()
}

/// The static table (RFC 9204 Appendix A).
pub static STATIC_TABLE: [(&str, &str); 99] = [
    (":authority", ""),
    (":path", "/"),
    ("age", "0"),
    ("content-disposition", ""),
    ("content-length", "0"),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("referer", ""),
    ("set-cookie", ""),
    (":method", "CONNECT"),
    (":method", "DELETE"),
    (":method", "GET"),
    (":method", "HEAD"),
    (":method", "OPTIONS"),
    (":method", "POST"),
    (":method", "PUT"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "103"),
    (":status", "200"),
    (":status", "304"),
    (":status", "404"),
    (":status", "503"),
    ("accept", "*/*"),
    ("accept", "application/dns-message"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-ranges", "bytes"),
    ("access-control-allow-headers", "cache-control"),
    ("access-control-allow-headers", "content-type"),
    ("access-control-allow-origin", "*"),
    ("cache-control", "max-age=0"),
    ("cache-control", "max-age=2592000"),
    ("cache-control", "max-age=604800"),
    ("cache-control", "no-cache"),
    ("cache-control", "no-store"),
    ("cache-control", "public, max-age=31536000"),
    ("content-encoding", "br"),
    ("content-encoding", "gzip"),
    ("content-type", "application/dns-message"),
    ("content-type", "application/javascript"),
    ("content-type", "application/json"),
    ("content-type", "application/x-www-form-urlencoded"),
    ("content-type", "image/gif"),
    ("content-type", "image/jpeg"),
    ("content-type", "image/png"),
    ("content-type", "text/css"),
    ("content-type", "text/html; charset=utf-8"),
    ("content-type", "text/plain"),
    ("content-type", "text/plain;charset=utf-8"),
    ("range", "bytes=0-"),
    ("strict-transport-security", "max-age=31536000"),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includesubdomains; preload",
    ),
    ("vary", "accept-encoding"),
    ("vary", "origin"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    (":status", "100"),
    (":status", "204"),
    (":status", "206"),
    (":status", "302"),
    (":status", "400"),
    (":status", "403"),
    (":status", "421"),
    (":status", "425"),
    (":status", "500"),
    ("accept-language", ""),
    ("access-control-allow-credentials", "FALSE"),
    ("access-control-allow-credentials", "TRUE"),
    ("access-control-allow-headers", "*"),
    ("access-control-allow-methods", "get"),
    ("access-control-allow-methods", "get, post, options"),
    ("access-control-allow-methods", "options"),
    ("access-control-expose-headers", "content-length"),
    ("access-control-request-headers", "content-type"),
    ("access-control-request-method", "get"),
    ("access-control-request-method", "post"),
    ("alt-svc", "clear"),
    ("authorization", ""),
    (
        "content-security-policy",
        "script-src 'none'; object-src 'none'; base-uri 'none'",
    ),
    ("early-data", "1"),
    ("expect-ct", ""),
    ("forwarded", ""),
    ("if-range", ""),
    ("origin", ""),
    ("purpose", "prefetch"),
    ("server", ""),
    ("timing-allow-origin", "*"),
    ("upgrade-insecure-requests", "1"),
    ("user-agent", ""),
    ("x-forwarded-for", ""),
    ("x-frame-options", "deny"),
    ("x-frame-options", "sameorigin"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::from_hex as hex;

    fn lines(s: &Section) -> Vec<(String, String)> {
        let Section::Decoded { lines, .. } = s else {
            panic!("not decoded: {s:?}");
        };
        lines
            .iter()
            .map(|l| {
                (
                    String::from_utf8_lossy(&l.name).into_owned(),
                    String::from_utf8_lossy(&l.value).into_owned(),
                )
            })
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// RFC 9204 Appendix B, B.1 to B.5, one table through all of them.
    #[test]
    fn rfc_9204_appendix_b_examples_decode() {
        let mut t = QpackTable::default();
        t.set_max_capacity(220);
        // B.1: static name reference, no dynamic table.
        let s = t.decode(&hex("0000510b2f696e6465782e68746d6c"));
        assert_eq!(lines(&s), pairs(&[(":path", "/index.html")]));
        // B.2: capacity, two inserts, post-base references.
        let enc = hex("3fbd01c00f7777772e6578616d706c652e636f6dc10c2f73616d706c652f70617468");
        // Cut anywhere, the instructions come out the same.
        t.feed_encoder(&enc[..7]);
        t.feed_encoder(&enc[7..]);
        assert_eq!(t.inserted(), 2);
        let s = t.decode(&hex("03811011"));
        assert_eq!(
            lines(&s),
            pairs(&[(":authority", "www.example.com"), (":path", "/sample/path")])
        );
        // B.3: literal name insert. B.4: duplicate, then references.
        t.feed_encoder(&hex("4a637573746f6d2d6b65790c637573746f6d2d76616c7565"));
        t.feed_encoder(&hex("02"));
        let s = t.decode(&hex("050080c181"));
        assert_eq!(
            lines(&s),
            pairs(&[
                (":authority", "www.example.com"),
                (":path", "/"),
                ("custom-key", "custom-value")
            ])
        );
        // B.5: an insert that evicts the oldest entry.
        t.feed_encoder(&hex("810d637573746f6d2d76616c756532"));
        assert_eq!(t.inserted(), 5);
        assert_eq!(t.entries.len(), 4);
        assert_eq!(t.size, 215);
        // Entry 0 is gone: a section naming it is not guessed at.
        let s = t.decode(&hex("020080"));
        assert_eq!(s, Section::Failed(FAILURES[1]));
    }

    #[test]
    fn a_huffman_value_decodes() {
        let mut t = QpackTable::default();
        t.set_max_capacity(4096);
        // RFC 7541 C.4.1's "www.example.com", inserted by static name.
        t.feed_encoder(&hex("3fe11fc08cf1e3c2e5f23a6ba0ab90f4ff"));
        let s = t.decode(&hex("020080"));
        assert_eq!(lines(&s), pairs(&[(":authority", "www.example.com")]));
    }

    #[test]
    fn a_section_ahead_of_the_encoder_stream_is_blocked() {
        let mut t = QpackTable::default();
        t.set_max_capacity(220);
        t.feed_encoder(&hex("3fbd01"));
        assert_eq!(
            t.decode(&hex("03811011")),
            Section::Blocked {
                required: 2,
                inserted: 0
            }
        );
    }

    #[test]
    fn a_lost_encoder_stream_still_decodes_static_sections_only() {
        let mut t = QpackTable::default();
        t.set_max_capacity(220);
        t.feed_encoder(&hex("3fbd01c00f7777772e6578616d706c652e636f6d"));
        t.lose();
        assert_eq!(t.decode(&hex("028010")), Section::Failed(FAILURES[1]));
        assert_eq!(
            lines(&t.decode(&hex("0000d1"))),
            pairs(&[(":method", "GET")])
        );
    }

    #[test]
    fn a_table_larger_than_allowed_is_refused() {
        let mut t = QpackTable::default();
        t.set_max_capacity(1 << 20);
        // Set Dynamic Table Capacity 1 MiB: past MAX_TABLE.
        t.feed_encoder(&hex("3fe1ff3f"));
        assert!(t.lost);
    }
}
