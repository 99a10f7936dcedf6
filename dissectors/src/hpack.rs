//! HPACK header blocks (RFC 7541), one decoder per direction of an HTTP/2
//! connection, decoded with loona-hpack and kept honest:
//!
//! - a block's representations are read first (kinds, indices, where each
//!   starts) without decoding strings: that gives Wireshark's
//!   "Representation" for each header, and tells which dynamic-table entries
//!   the block refers to;
//! - a direction whose table history is not known (a capture that starts
//!   mid-connection, bytes lost, a block that failed) decodes only blocks
//!   that refer to entries added since it lost track; any other block is
//!   shown as not decodable and the table starts afresh, so no header is
//!   ever read from a table entry we never saw (no garbage);
//! - the dynamic table may not grow past [`MAX_TABLE`] and a block's output
//!   stops at [`MAX_OUTPUT`] bytes, so a table-size bomb or a block of
//!   indexed references to one huge entry stays bounded;
//! - a header read from the dynamic table shares the entry's bytes
//!   ([`SharedBytes`]) rather than copying them: thousands of references
//!   to one 64 KiB entry cost a pointer each, here and on the tape.

use std::collections::VecDeque;

use loona_hpack::Decoder;

use crate::tape_codec::{Recorded, Sources, TapeReader, TapeWriter};

pub use crate::shared::SharedBytes;

/// Largest dynamic table a peer may ask for (RFC 7541's default is 4096).
pub const MAX_TABLE: usize = 64 << 10;
/// Decoded header bytes kept per block; the rest are counted.
pub const MAX_OUTPUT: usize = 256 << 10;
/// Representations read per block.
const MAX_REPRESENTATIONS: usize = 4096;

/// Entries of the static table (RFC 7541 Appendix A).
pub const STATIC_ENTRIES: u64 = 61;

/// How a header is represented in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr {
    Indexed,
    IncrementalIndexedName,
    IncrementalNewName,
    WithoutIndexingIndexedName,
    WithoutIndexingNewName,
    NeverIndexedIndexedName,
    NeverIndexedNewName,
    SizeUpdate,
}

impl Repr {
    /// Wireshark's words for it (`http2.header.repr`).
    pub fn name(self) -> &'static str {
        match self {
            Repr::Indexed => "Indexed Header Field",
            Repr::IncrementalIndexedName => {
                "Literal Header Field with Incremental Indexing - Indexed Name"
            }
            Repr::IncrementalNewName => "Literal Header Field with Incremental Indexing - New Name",
            Repr::WithoutIndexingIndexedName => {
                "Literal Header Field without Indexing - Indexed Name"
            }
            Repr::WithoutIndexingNewName => "Literal Header Field without Indexing - New Name",
            Repr::NeverIndexedIndexedName => "Literal Header Field never Indexed - Indexed Name",
            Repr::NeverIndexedNewName => "Literal Header Field never Indexed - New Name",
            Repr::SizeUpdate => "Dynamic Table Size Update",
        }
    }
    fn adds_entry(self) -> bool {
        matches!(
            self,
            Repr::IncrementalIndexedName | Repr::IncrementalNewName
        )
    }
    pub fn from_u8(v: u8) -> Repr {
        match v {
            0 => Repr::Indexed,
            1 => Repr::IncrementalIndexedName,
            2 => Repr::IncrementalNewName,
            3 => Repr::WithoutIndexingIndexedName,
            4 => Repr::WithoutIndexingNewName,
            5 => Repr::NeverIndexedIndexedName,
            6 => Repr::NeverIndexedNewName,
            _ => Repr::SizeUpdate,
        }
    }
    pub fn as_u8(self) -> u8 {
        match self {
            Repr::Indexed => 0,
            Repr::IncrementalIndexedName => 1,
            Repr::IncrementalNewName => 2,
            Repr::WithoutIndexingIndexedName => 3,
            Repr::WithoutIndexingNewName => 4,
            Repr::NeverIndexedIndexedName => 5,
            Repr::NeverIndexedNewName => 6,
            Repr::SizeUpdate => 7,
        }
    }
}

/// One representation as read from a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Representation {
    pub repr: Repr,
    /// The index it names (a size update's new size).
    pub index: u64,
    /// Where it lies in the block.
    pub start: u32,
    pub len: u32,
}

/// Reads an HPACK integer with an `n`-bit prefix at `b[*pos]`.
fn integer(b: &[u8], pos: &mut usize, n: u32) -> Option<u64> {
    let mask = (1u64 << n) - 1;
    let first = u64::from(*b.get(*pos)?) & mask;
    *pos += 1;
    if first < mask {
        return Some(first);
    }
    let mut v = mask;
    let mut shift = 0u32;
    loop {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v = v.checked_add(u64::from(byte & 0x7f).checked_shl(shift)?)?;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 35 {
            return None;
        }
    }
}

fn string(b: &[u8], pos: &mut usize) -> Option<()> {
    let len = integer(b, pos, 7)? as usize;
    let end = pos.checked_add(len)?;
    if end > b.len() {
        return None;
    }
    *pos = end;
    Some(())
}

/// How many leading bytes of `b` are whole representations (a block's
/// fragment may end inside one that the next fragment completes).
pub fn complete_len(b: &[u8]) -> usize {
    let mut pos = 0;
    let mut last = 0;
    while pos < b.len() {
        if one(b, &mut pos).is_none() {
            break;
        }
        last = pos;
    }
    last
}

/// Steps over one representation; its kind and index.
fn one(b: &[u8], pos: &mut usize) -> Option<(Repr, u64)> {
    let first = *b.get(*pos)?;
    Some(if first & 0x80 != 0 {
        (Repr::Indexed, integer(b, pos, 7)?)
    } else if first & 0xc0 == 0x40 {
        let i = integer(b, pos, 6)?;
        if i == 0 {
            string(b, pos)?;
        }
        string(b, pos)?;
        (
            if i == 0 {
                Repr::IncrementalNewName
            } else {
                Repr::IncrementalIndexedName
            },
            i,
        )
    } else if first & 0xe0 == 0x20 {
        (Repr::SizeUpdate, integer(b, pos, 5)?)
    } else {
        let never = first & 0x10 != 0;
        let i = integer(b, pos, 4)?;
        if i == 0 {
            string(b, pos)?;
        }
        string(b, pos)?;
        let repr = match (never, i == 0) {
            (false, false) => Repr::WithoutIndexingIndexedName,
            (false, true) => Repr::WithoutIndexingNewName,
            (true, false) => Repr::NeverIndexedIndexedName,
            (true, true) => Repr::NeverIndexedNewName,
        };
        (repr, i)
    })
}

/// The representations of a block, or `None` if it does not parse.
pub fn representations(b: &[u8]) -> Option<Vec<Representation>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        if out.len() >= MAX_REPRESENTATIONS {
            return None;
        }
        let start = pos;
        let (repr, index) = one(b, &mut pos)?;
        out.push(Representation {
            repr,
            index,
            start: start as u32,
            len: (pos - start) as u32,
        });
    }
    Some(out)
}

/// A decoded header with how it was represented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: SharedBytes,
    pub value: SharedBytes,
    pub repr: Repr,
    /// The table index it named (0 for a new name).
    pub index: u64,
}

/// The value of the first header named `name` in a decoded block.
pub fn value_of<'h>(headers: &'h [Header], name: &str) -> Option<&'h [u8]> {
    headers
        .iter()
        .find(|h| *h.name == *name.as_bytes())
        .map(|h| &h.value[..])
}

/// What a header block says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderBlock {
    /// The headers, in order, and the table size updates that came first.
    Decoded {
        headers: Vec<Header>,
        size_updates: Vec<u64>,
        /// More headers followed than were kept (see [`MAX_OUTPUT`]).
        truncated: bool,
    },
    /// Not decodable: it refers to table entries from before what was seen,
    /// or it is damaged.
    Unknown(&'static str),
}

/// Why a block was not decoded, as a code on the tape.
const UNKNOWN_REASONS: [&str; 3] = [
    "damaged header block",
    "refers to header table entries from before the capture",
    "not decoded",
];

/// A header block as HTTP/2 keeps it on the tape: whether there is one,
/// then why it was not decoded or its headers (shared values by reference).
impl Recorded for Option<HeaderBlock> {
    fn record(&self, w: &mut TapeWriter<'_>) {
        match self {
            None => w.u8(0),
            Some(HeaderBlock::Unknown(why)) => {
                w.u8(1);
                w.u8(UNKNOWN_REASONS.iter().position(|r| r == why).unwrap_or(2) as u8);
            }
            Some(HeaderBlock::Decoded {
                headers,
                size_updates,
                truncated,
            }) => {
                w.u8(2);
                w.u8((*truncated).into());
                w.u64(size_updates.len() as u64);
                for s in size_updates {
                    w.u64(*s);
                }
                w.u64(headers.len() as u64);
                for h in headers {
                    w.shared(h.name.id(), &h.name);
                    w.shared(h.value.id(), &h.value);
                    w.u8(h.repr.as_u8());
                    w.u64(h.index);
                }
            }
        }
    }

    fn replay(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self {
        match r.u8() {
            1 => Some(HeaderBlock::Unknown(
                UNKNOWN_REASONS[(r.u8() as usize).min(UNKNOWN_REASONS.len() - 1)],
            )),
            2 => {
                let truncated = r.u8() != 0;
                let n = r.u64() as usize;
                let mut size_updates = Vec::new();
                for _ in 0..n {
                    if r.failed {
                        break;
                    }
                    size_updates.push(r.u64());
                }
                let n = r.u64() as usize;
                let mut headers = Vec::new();
                for _ in 0..n {
                    if r.failed {
                        break;
                    }
                    headers.push(Header {
                        name: src.shared(r),
                        value: src.shared(r),
                        repr: Repr::from_u8(r.u8()),
                        index: r.u64(),
                    });
                }
                Some(HeaderBlock::Decoded {
                    headers,
                    size_updates,
                    truncated,
                })
            }
            _ => None,
        }
    }
}

/// The HPACK decoder of one direction.
pub struct HpackDecoder {
    decoder: Decoder<'static>,
    /// Entries added since the decoder lost track of the peer's table
    /// (`None`: it never did).
    known: Option<u64>,
    mirror: TableMirror,
}

/// The dynamic table's entries as shared bytes, newest last. The decoder
/// keeps the table; this follows its insertions only, which is enough:
/// the k-th dynamic index names the k-th newest insertion still in the
/// table (RFC 7541 2.3.3; eviction only ever drops the oldest, and the
/// decoder refuses an index past the table).
#[derive(Debug)]
struct TableMirror {
    entries: VecDeque<(SharedBytes, SharedBytes)>,
    /// The table's maximum size as the encoder last set it (4,096 until
    /// it says otherwise): an entry larger than that empties the table
    /// instead of entering it (RFC 7541 4.4).
    max_size: usize,
}

/// Insertions followed: no table of [`MAX_TABLE`] bytes holds more
/// entries (each counts at least 32 bytes).
const MAX_ENTRIES: usize = MAX_TABLE / 32;
/// RFC 7541's initial table size (HTTP/2's SETTINGS_HEADER_TABLE_SIZE default).
const INITIAL_TABLE: usize = 4096;

impl std::fmt::Debug for HpackDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HpackDecoder")
            .field("known", &self.known)
            .finish()
    }
}

fn fresh_decoder() -> Decoder<'static> {
    let mut d = Decoder::new();
    d.set_max_allowed_table_size(MAX_TABLE);
    d
}

impl HpackDecoder {
    /// `synced`: the connection was seen from its start, so the table's
    /// whole history is known.
    pub fn new(synced: bool) -> Self {
        HpackDecoder {
            decoder: fresh_decoder(),
            known: if synced { None } else { Some(0) },
            mirror: TableMirror::new(),
        }
    }

    /// Heap bytes the table holds, near enough for the analysis' memory
    /// ceiling: the decoder's copy and the mirror's (at most the table's
    /// size each), and the mirror's entries.
    pub fn held_bytes(&self) -> usize {
        2 * self.mirror.max_size.min(MAX_TABLE) + self.mirror.entries.len() * 64
    }

    /// The history was broken (bytes lost): start afresh.
    pub fn lose_track(&mut self) {
        self.decoder = fresh_decoder();
        self.known = Some(0);
        self.mirror = TableMirror::new();
    }
}

impl TableMirror {
    fn new() -> Self {
        TableMirror {
            entries: VecDeque::new(),
            max_size: INITIAL_TABLE,
        }
    }

    /// The shared bytes of dynamic index `index` (above the static table).
    fn entry(&self, index: u64) -> Option<&(SharedBytes, SharedBytes)> {
        let k = usize::try_from(index.checked_sub(STATIC_ENTRIES)?).ok()?;
        self.entries.get(self.entries.len().checked_sub(k)?)
    }

    /// The header a representation decodes to, sharing the table's bytes
    /// where it names a dynamic entry; `name` and `value` are what the
    /// decoder gave.
    fn header(&self, r: &Representation, name: &[u8], value: &[u8]) -> Header {
        let dynamic = self.entry(r.index).filter(|_| r.index > STATIC_ENTRIES);
        let (n, v) = match (r.repr, dynamic) {
            (Repr::Indexed, Some((n, v))) => (n.clone(), v.clone()),
            (Repr::Indexed | Repr::SizeUpdate, _) | (_, None) => (name.into(), value.into()),
            (_, Some((n, _))) => (n.clone(), value.into()),
        };
        // The fuzz targets run with debug assertions: they hold the
        // mirror to the decoder's table.
        debug_assert!(*n == *name && *v == *value, "HPACK mirror out of step");
        Header {
            name: n,
            value: v,
            repr: r.repr,
            index: r.index,
        }
    }

    /// Follows what a representation does to the table.
    fn follow(&mut self, r: &Representation, h: Option<&Header>) {
        if r.repr == Repr::SizeUpdate {
            self.max_size = usize::try_from(r.index).unwrap_or(usize::MAX);
            return;
        }
        let Some(h) = h.filter(|_| r.repr.adds_entry()) else {
            return;
        };
        if h.name.len() + h.value.len() + 32 > self.max_size {
            self.entries.clear();
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back((h.name.clone(), h.value.clone()));
    }
}

impl HpackDecoder {
    pub fn decode(&mut self, block: &[u8]) -> HeaderBlock {
        let Some(reps) = representations(block) else {
            self.lose_track();
            return HeaderBlock::Unknown("damaged header block");
        };
        if let Some(known) = self.known {
            // Every dynamic reference must name an entry added since.
            let mut added = known;
            for r in &reps {
                let dynamic = r.repr != Repr::SizeUpdate && r.index > STATIC_ENTRIES;
                if dynamic && r.index - STATIC_ENTRIES > added {
                    self.lose_track();
                    return HeaderBlock::Unknown(
                        "refers to header table entries from before the capture",
                    );
                }
                if r.repr.adds_entry() {
                    added += 1;
                }
            }
        }
        let mut headers = Vec::new();
        let mut kept = 0usize;
        let mut truncated = false;
        let mut decoded: Vec<Header> = Vec::new();
        let mirror = &mut self.mirror;
        let mut next = 0usize;
        let result = self.decoder.decode_with_cb(block, |name, value| {
            // The representations up to this header's, size updates first.
            while reps.get(next).is_some_and(|r| r.repr == Repr::SizeUpdate) {
                mirror.follow(&reps[next], None);
                next += 1;
            }
            let Some(r) = reps.get(next) else {
                return;
            };
            next += 1;
            let h = mirror.header(r, &name, &value);
            mirror.follow(r, Some(&h));
            decoded.push(h);
        });
        for h in decoded {
            if kept + h.name.len() + h.value.len() > MAX_OUTPUT {
                truncated = true;
                continue;
            }
            kept += h.name.len() + h.value.len();
            headers.push(h);
        }
        match result {
            Ok(()) => {
                if let Some(k) = self.known.as_mut() {
                    *k += reps.iter().filter(|r| r.repr.adds_entry()).count() as u64;
                }
                HeaderBlock::Decoded {
                    headers,
                    size_updates: reps
                        .iter()
                        .filter(|r| r.repr == Repr::SizeUpdate)
                        .map(|r| r.index)
                        .collect(),
                    truncated,
                }
            }
            Err(_) => {
                self.lose_track();
                HeaderBlock::Unknown("damaged header block")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7541 C.3.1 and C.3.2: requests without Huffman coding.
    const C31: &[u8] = &[
        0x82, 0x86, 0x84, 0x41, 0x0f, 0x77, 0x77, 0x77, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
        0x65, 0x2e, 0x63, 0x6f, 0x6d,
    ];
    const C32: &[u8] = &[
        0x82, 0x86, 0x84, 0xbe, 0x58, 0x08, 0x6e, 0x6f, 0x2d, 0x63, 0x61, 0x63, 0x68, 0x65,
    ];

    fn names(b: &HeaderBlock) -> Vec<(String, String)> {
        match b {
            HeaderBlock::Decoded { headers, .. } => headers
                .iter()
                .map(|h| {
                    (
                        String::from_utf8_lossy(&h.name).into_owned(),
                        String::from_utf8_lossy(&h.value).into_owned(),
                    )
                })
                .collect(),
            HeaderBlock::Unknown(_) => Vec::new(),
        }
    }

    #[test]
    fn rfc_examples_decode_with_their_representations() {
        let mut d = HpackDecoder::new(true);
        let b = d.decode(C31);
        assert_eq!(
            names(&b)[3],
            (":authority".to_string(), "www.example.com".to_string())
        );
        let HeaderBlock::Decoded { headers, .. } = &b else {
            panic!()
        };
        assert_eq!(headers[0].repr, Repr::Indexed);
        assert_eq!(headers[3].repr, Repr::IncrementalIndexedName);
        // the second block refers to the entry the first added (index 62)
        let b = d.decode(C32);
        assert_eq!(names(&b)[3].1, "www.example.com");
    }

    #[test]
    fn mid_connection_blocks_never_read_unseen_entries() {
        let mut d = HpackDecoder::new(false);
        // refers to index 62 before anything was added: not decodable
        assert!(matches!(d.decode(C32), HeaderBlock::Unknown(_)));
        // a block that adds the entry itself decodes, and so does the next
        assert!(matches!(d.decode(C31), HeaderBlock::Decoded { .. }));
        assert_eq!(names(&d.decode(C32))[3].1, "www.example.com");
    }

    /// RFC 7541 C.5: responses with a 256-byte table, so that entries are
    /// evicted; every header must match what the decoder's table says (the
    /// mirror is checked by a debug assertion) and repeated references
    /// share their bytes.
    #[test]
    fn evictions_keep_the_shared_entries_in_step() {
        let mut d = HpackDecoder::new(true);
        let size = [0x3f, 0xe1, 0x01]; // size update to 256
        let c51: &[u8] = &[
            0x48, 0x03, 0x33, 0x30, 0x32, 0x58, 0x07, 0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65,
            0x61, 0x1d, 0x4d, 0x6f, 0x6e, 0x2c, 0x20, 0x32, 0x31, 0x20, 0x4f, 0x63, 0x74, 0x20,
            0x32, 0x30, 0x31, 0x33, 0x20, 0x32, 0x30, 0x3a, 0x31, 0x33, 0x3a, 0x32, 0x31, 0x20,
            0x47, 0x4d, 0x54, 0x6e, 0x17, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x77,
            0x77, 0x77, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d,
        ];
        let mut first = size.to_vec();
        first.extend_from_slice(c51);
        assert_eq!(
            names(&d.decode(&first))[0],
            (":status".into(), "302".into())
        );
        // C.5.2: ":status: 307" evicts ":status: 302"; the rest are references.
        let c52: &[u8] = &[0x48, 0x03, 0x33, 0x30, 0x37, 0xc1, 0xc0, 0xbf];
        let b = d.decode(c52);
        assert_eq!(
            names(&b),
            vec![
                (":status".to_string(), "307".to_string()),
                ("cache-control".into(), "private".into()),
                ("date".into(), "Mon, 21 Oct 2013 20:13:21 GMT".into()),
                ("location".into(), "https://www.example.com".into()),
            ]
        );
        // The same entry twice: one allocation.
        let b = d.decode(&[0xbf, 0xbf]);
        let HeaderBlock::Decoded { headers, .. } = &b else {
            panic!("{b:?}")
        };
        assert!(crate::shared::Shared::same(
            &headers[0].value,
            &headers[1].value
        ));
        assert_eq!(&*headers[0].value, b"https://www.example.com");
    }

    #[test]
    fn a_table_size_bomb_is_refused() {
        let mut d = HpackDecoder::new(true);
        // size update to 2^32: past MAX_TABLE
        let bomb = [0x3f, 0xe1, 0xff, 0xff, 0xff, 0x0f];
        assert!(matches!(d.decode(&bomb), HeaderBlock::Unknown(_)));
    }

    #[test]
    fn output_stops_at_the_cap() {
        let mut d = HpackDecoder::new(true);
        // one literal header of 1000 bytes with incremental indexing, then
        // 2000 indexed references to it
        let mut b = vec![0x40, 0x01, b'x', 0x7f, 0xe9, 0x06];
        b.extend(std::iter::repeat_n(b'v', 1000));
        b.extend(std::iter::repeat_n(0xbe, 2000));
        match d.decode(&b) {
            HeaderBlock::Decoded {
                headers, truncated, ..
            } => {
                assert!(truncated);
                let total: usize = headers.iter().map(|h| h.name.len() + h.value.len()).sum();
                assert!(total <= MAX_OUTPUT);
            }
            HeaderBlock::Unknown(r) => panic!("{r}"),
        }
    }
}
