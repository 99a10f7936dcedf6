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
//!   indexed references to one huge entry stays bounded.

use loona_hpack::Decoder;

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
    pub name: Vec<u8>,
    pub value: Vec<u8>,
    pub repr: Repr,
    /// The table index it named (0 for a new name).
    pub index: u64,
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

/// The HPACK decoder of one direction.
pub struct HpackDecoder {
    decoder: Decoder<'static>,
    /// Entries added since the decoder lost track of the peer's table
    /// (`None`: it never did).
    known: Option<u64>,
}

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
        }
    }

    /// The history was broken (bytes lost): start afresh.
    pub fn lose_track(&mut self) {
        self.decoder = fresh_decoder();
        self.known = Some(0);
    }

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
        let mut i = 0usize;
        let heads: Vec<&Representation> =
            reps.iter().filter(|r| r.repr != Repr::SizeUpdate).collect();
        let result = self.decoder.decode_with_cb(block, |name, value| {
            let r = heads.get(i).copied();
            i += 1;
            if kept + name.len() + value.len() > MAX_OUTPUT {
                truncated = true;
                return;
            }
            kept += name.len() + value.len();
            headers.push(Header {
                name: name.into_owned(),
                value: value.into_owned(),
                repr: r.map_or(Repr::Indexed, |r| r.repr),
                index: r.map_or(0, |r| r.index),
            });
        });
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
