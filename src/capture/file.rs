//! Capture files: classic pcap (both byte orders, micro- and nanosecond, the
//! "modified" Kuznetzov variant) and pcapng (any number of sections in
//! either byte order, interfaces with their own link type and timestamp
//! resolution, EPB/SPB/OPB, comments kept, other blocks skipped).
//!
//! The file is memory-mapped and never copied: a [`Record`] says where a
//! packet's bytes are. Reading stops at the first damaged or truncated
//! record with a [`Stop`] saying where and why; everything before it loads.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use pcap_parser::nom;
use pcap_parser::pcapng::{self, Block};
use pcap_parser::{PcapError, PcapNGOption, pcap};

pub use super::time::TsResolution;
use super::time::{TimeProblem, packet_time};

/// Legacy pcap records bigger than this are taken as damage, as in libpcap
/// and Wireshark (unless the header's snaplen is larger).
const MAX_RECORD: u32 = 262_144;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
        modified: bool,
    },
    Pcapng,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Pcap {
                big_endian,
                nanosecond,
                modified,
            } => write!(
                f,
                "pcap{} ({}-endian, {})",
                if *modified { " (modified)" } else { "" },
                if *big_endian { "big" } else { "little" },
                if *nanosecond {
                    "nanoseconds"
                } else {
                    "microseconds"
                }
            ),
            Format::Pcapng => f.write_str("pcapng"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Interface {
    pub linktype: u32,
    pub snaplen: u32,
    pub resolution: TsResolution,
    /// Seconds added to every timestamp (pcapng `if_tsoffset`).
    pub offset_s: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    /// pcapng section the interface belongs to.
    pub section: u32,
    /// Its index within that section (what packets in the file refer to).
    pub index_in_section: u32,
}

/// What the frame layer shows of a frame's interface (if the file has
/// one for it), its comments and its packet flags.
pub fn frame_file<'a>(
    iface: Option<&'a Interface>,
    comments: &'a [&'a str],
    flags: Option<u32>,
) -> dissectors::packet::FrameFile<'a> {
    dissectors::packet::FrameFile {
        comments,
        flags,
        // Some writers end the option's string with its C terminator.
        interface_name: iface
            .and_then(|i| i.name.as_deref())
            .map(|s| s.trim_end_matches('\0')),
        interface_description: iface
            .and_then(|i| i.description.as_deref())
            .map(|s| s.trim_end_matches('\0')),
        section: iface.map_or(0, |i| i.section),
    }
}

/// One packet as the file stores it.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Byte offset of the packet data in the file.
    pub offset: u64,
    pub caplen: u32,
    pub orig_len: u32,
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    /// Index into [`Reader::interfaces`].
    pub interface: u32,
    /// pcapng `opt_comment`s of the packet.
    pub comments: Vec<String>,
    /// pcapng `epb_flags`: direction, reception type, FCS length, link
    /// errors (what the frame layer shows as Packet flags).
    pub flags: Option<u32>,
    /// False for simple packet blocks, which carry no time of their own
    /// (`ts_ns` is then the previous packet's).
    pub has_ts: bool,
}

/// Where and why reading stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub offset: u64,
    pub reason: String,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reading stopped at byte {}: {}",
            self.offset, self.reason
        )
    }
}

/// Something wrong in the file that did not stop reading: the frame it
/// concerns, where its block or record starts, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarning {
    pub frame: u32,
    pub offset: u64,
    pub message: String,
}

impl fmt::Display for FileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frame {} (block at byte {}): {}",
            self.frame, self.offset, self.message
        )
    }
}

/// Warnings kept per file; past this they are only counted.
const MAX_WARNINGS: usize = 64;

/// What a reader has to say about a file besides its records: where and
/// why it stopped early, and what it read with reservations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadNotes {
    pub stop: Option<Stop>,
    pub warnings: Vec<FileWarning>,
    /// Warnings past [`MAX_WARNINGS`], counted only.
    pub more_warnings: usize,
}

impl ReadNotes {
    /// Every note as one line each, warnings first.
    pub fn lines(&self) -> Vec<String> {
        let mut v: Vec<String> = self.warnings.iter().map(ToString::to_string).collect();
        if self.more_warnings > 0 {
            v.push(format!("{} more warnings like these", self.more_warnings));
        }
        v.extend(self.stop.iter().map(ToString::to_string));
        v
    }

    pub fn is_empty(&self) -> bool {
        self.stop.is_none() && self.warnings.is_empty()
    }

    fn warn(&mut self, w: FileWarning) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.more_warnings += 1;
        }
    }
}

/// Opening failed: not a capture, or not readable.
#[derive(Debug)]
pub enum OpenError {
    Io(PathBuf, std::io::Error),
    NotACapture(PathBuf, String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            OpenError::NotACapture(p, why) => write!(f, "{}: {why}", p.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// The bytes of a capture: a memory map of a file, or a buffer (tests, fuzzing).
pub enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// An opened capture file.
pub struct CaptureFile {
    pub path: PathBuf,
    pub bytes: Bytes,
    pub format: Format,
}

impl CaptureFile {
    pub fn open(path: &Path) -> Result<CaptureFile, OpenError> {
        let file = File::open(path).map_err(|e| OpenError::Io(path.to_owned(), e))?;
        let len = file
            .metadata()
            .map_err(|e| OpenError::Io(path.to_owned(), e))?
            .len();
        let bytes = if len == 0 {
            Bytes::Owned(Vec::new())
        } else {
            Bytes::Mapped(map(&file).map_err(|e| OpenError::Io(path.to_owned(), e))?)
        };
        CaptureFile::from_bytes(path.to_owned(), bytes)
    }

    pub fn from_bytes(path: PathBuf, bytes: Bytes) -> Result<CaptureFile, OpenError> {
        let format = detect(&bytes).map_err(|why| OpenError::NotACapture(path.clone(), why))?;
        Ok(CaptureFile {
            path,
            bytes,
            format,
        })
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader::new(&self.bytes, self.format)
    }

    /// The captured bytes of a record.
    pub fn data(&self, offset: u64, caplen: u32) -> &[u8] {
        let s = offset as usize;
        self.bytes
            .get(s..s.saturating_add(caplen as usize))
            .unwrap_or(&[])
    }
}

impl CaptureFile {
    /// Lets the kernel take bytes `[from, to)` out of this process's
    /// resident memory: a load that has read them drops them, so that the
    /// app's resident size stays below the file's. They stay in the page
    /// cache, and reading them again (a row in view, a filter pass) maps
    /// them back in. Best effort; owned bytes are left alone.
    pub fn release(&self, from: u64, to: u64) {
        let Bytes::Mapped(m) = &self.bytes else {
            return;
        };
        let to = (to as usize).min(m.len());
        let from = (from as usize).min(to);
        if to == from {
            return;
        }
        // SAFETY: MADV_DONTNEED on a shared read-only file mapping unmaps
        // the pages; the next read faults the same bytes back in from the
        // file, so any slice borrowed from the map keeps its contents. (On
        // a private mapping with changes it would lose them; ours is
        // neither private nor written.)
        #[allow(unsafe_code)]
        #[cfg(unix)]
        unsafe {
            let _ = m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from);
        }
    }
}

#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: the map is read-only. memmap2 cannot protect us from another
    // program truncating the file while we read it (the pages would fault);
    // every tool that reads captures in place accepts that, and so do we.
    let m = unsafe { Mmap::map(file) }?;
    // Loading reads the file front to back once; tell the kernel.
    let _ = m.advise(memmap2::Advice::Sequential);
    Ok(m)
}

fn detect(b: &[u8]) -> Result<Format, String> {
    let expected =
        "expected a pcap or pcapng capture (magic a1b2c3d4, a1b23c4d, a1b2cd34 or 0a0d0d0a)";
    let Some(magic) = b.get(..4) else {
        return Err(format!(
            "not a capture file: {} bytes long; {expected}",
            b.len()
        ));
    };
    let m = u32::from_le_bytes([magic[0], magic[1], magic[2], magic[3]]);
    let fmt = match m {
        0xa1b2_c3d4 => Format::Pcap {
            big_endian: false,
            nanosecond: false,
            modified: false,
        },
        0xa1b2_3c4d => Format::Pcap {
            big_endian: false,
            nanosecond: true,
            modified: false,
        },
        0xa1b2_cd34 => Format::Pcap {
            big_endian: false,
            nanosecond: false,
            modified: true,
        },
        0xd4c3_b2a1 => Format::Pcap {
            big_endian: true,
            nanosecond: false,
            modified: false,
        },
        0x4d3c_b2a1 => Format::Pcap {
            big_endian: true,
            nanosecond: true,
            modified: false,
        },
        0x34cd_b2a1 => Format::Pcap {
            big_endian: true,
            nanosecond: false,
            modified: true,
        },
        0x0a0d_0d0a => Format::Pcapng,
        _ => {
            let shown: String = magic
                .iter()
                .map(|&c| if c.is_ascii_graphic() { c as char } else { '.' })
                .collect();
            return Err(format!(
                "not a capture file: starts with {:02x}{:02x}{:02x}{:02x} ('{shown}'); {expected}",
                magic[0], magic[1], magic[2], magic[3]
            ));
        }
    };
    if let Format::Pcap { .. } = fmt
        && b.len() < 24
    {
        return Err(format!("truncated pcap header: {} of 24 bytes", b.len()));
    }
    Ok(fmt)
}

/// Reads records in file order.
pub struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    format: Format,
    /// Interfaces seen so far (pcapng grows this while reading).
    pub interfaces: Vec<Interface>,
    /// pcapng: index in `interfaces` of the current section's first interface.
    section_base: usize,
    section: u32,
    big_endian: bool,
    /// pcap version < 2.3: captured and original lengths may be swapped.
    swapped_lengths: bool,
    /// Time of the previous packet (simple packet blocks have none of their own).
    last_ts: i64,
    /// Comments of the pcapng sections.
    pub section_comments: Vec<String>,
    /// TLS key log lines from the Decryption Secrets Blocks read so far
    /// (pcapng: a capture that carries its own keys).
    pub tls_secrets: Vec<u8>,
    /// Where reading stopped early, and warnings about what was read.
    pub notes: ReadNotes,
    /// Records returned so far (the frame number of the latest).
    frames: u32,
    done: bool,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8], format: Format) -> Self {
        let mut r = Reader {
            b,
            pos: 0,
            format,
            interfaces: Vec::new(),
            section_base: 0,
            section: 0,
            big_endian: false,
            swapped_lengths: false,
            last_ts: 0,
            section_comments: Vec::new(),
            tls_secrets: Vec::new(),
            notes: ReadNotes::default(),
            frames: 0,
            done: false,
        };
        if let Format::Pcap { nanosecond, .. } = format {
            match pcap::parse_pcap_header(b) {
                Ok((_, h)) => {
                    let raw = h.network.0 as u32;
                    r.swapped_lengths = h.version_major == 2 && h.version_minor <= 3;
                    r.interfaces.push(Interface {
                        linktype: raw & 0xffff,
                        snaplen: h.snaplen,
                        resolution: TsResolution::Decimal(if nanosecond { 9 } else { 6 }),
                        // Like libpcap and Wireshark, ignore `thiszone`: writers set it to 0,
                        // and fuzzed files put nonsense there.
                        offset_s: 0,
                        name: None,
                        description: None,
                        section: 0,
                        index_in_section: 0,
                    });
                    r.pos = 24;
                }
                Err(_) => r.halt(0, "truncated pcap file header".into()),
            }
        }
        r
    }

    /// Bytes read so far (for progress).
    pub fn position(&self) -> u64 {
        self.pos as u64
    }

    pub fn len(&self) -> u64 {
        self.b.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    fn halt(&mut self, offset: usize, reason: String) {
        self.notes.stop = Some(Stop {
            offset: offset as u64,
            reason,
        });
        self.done = true;
    }

    fn pcap_next(&mut self, big_endian: bool, nanosecond: bool, modified: bool) -> Option<Record> {
        let i = &self.b[self.pos..];
        if i.is_empty() {
            self.done = true;
            return None;
        }
        let hdr = if modified { 24 } else { 16 };
        if i.len() < hdr {
            self.halt(
                self.pos,
                format!(
                    "file ends inside a record header ({} of {hdr} bytes)",
                    i.len()
                ),
            );
            return None;
        }
        let rd = |o: usize| u32_at(i, o, big_endian);
        let (sec, frac, mut caplen, mut orig) = (rd(0), rd(4), rd(8), rd(12));
        if self.swapped_lengths && caplen > orig {
            // Files from libpcap before 2.3 have the two lengths the other way round.
            std::mem::swap(&mut caplen, &mut orig);
        }
        let limit = MAX_RECORD.max(self.interfaces.first().map_or(0, |i| i.snaplen));
        if caplen > limit {
            self.halt(
                self.pos,
                format!(
                    "damaged record: {caplen}-byte packet is bigger than the maximum of {limit}"
                ),
            );
            return None;
        }
        if i.len() < hdr + caplen as usize {
            self.halt(
                self.pos,
                format!(
                    "file ends inside a packet: the record says {caplen} bytes, {} remain",
                    i.len() - hdr
                ),
            );
            return None;
        }
        let offset = (self.pos + hdr) as u64;
        self.pos += hdr + caplen as usize;
        let frac_ns = if nanosecond {
            i64::from(frac)
        } else {
            i64::from(frac) * 1000
        };
        let zone = self.interfaces.first().map_or(0, |i| i.offset_s);
        Some(Record {
            offset,
            caplen,
            orig_len: orig,
            ts_ns: (i64::from(sec) + zone) * 1_000_000_000 + frac_ns,
            interface: 0,
            comments: Vec::new(),
            flags: None,
            has_ts: true,
        })
    }

    fn pcapng_next(&mut self) -> Option<Record> {
        loop {
            let at = self.pos;
            let i = &self.b[at..];
            if i.is_empty() {
                self.done = true;
                return None;
            }
            let (rest, block) = match self.pcapng_block(at) {
                Ok(v) => v,
                Err(reason) => {
                    self.halt(at, reason);
                    return None;
                }
            };
            self.pos += i.len() - rest;
            match self.pcapng_take(at, block) {
                Ok(Some(rec)) => return Some(rec),
                Ok(None) => {}
                Err(reason) => {
                    self.halt(at, reason);
                    return None;
                }
            }
        }
    }

    /// The block at `at`, checked for what pcapng requires of every block
    /// (its lengths agree, a multiple of 4, within the file) before it is
    /// parsed; returns the bytes left after it. An error names the block
    /// and what is wrong with it.
    fn pcapng_block(&mut self, at: usize) -> Result<(usize, Block<'a>), String> {
        let i = &self.b[at..];
        if i.len() < 12 {
            return Err(format!(
                "file ends inside a block header ({} bytes left)",
                i.len()
            ));
        }
        let raw_type = u32::from_le_bytes([i[0], i[1], i[2], i[3]]);
        if raw_type == 0x0a0d_0d0a {
            // A new section: its byte order comes from its own magic.
            let bom = u32::from_le_bytes([i[8], i[9], i[10], i[11]]);
            self.big_endian = match bom {
                0x1a2b_3c4d => false,
                0x4d3c_2b1a => true,
                _ => {
                    return Err(format!(
                        "section header block with an unknown byte-order magic 0x{bom:08x}"
                    ));
                }
            };
        }
        let rd32 = |o: usize| u32_at(i, o, self.big_endian);
        let block_type = if raw_type == 0x0a0d_0d0a {
            raw_type
        } else {
            rd32(0)
        };
        let name = block_name(block_type);
        let declared = rd32(4);
        if declared < 12 {
            // Shorter than its own header and trailer (pcap-parser would underflow).
            return Err(format!(
                "damaged {name}: its length {declared} is less than the 12 bytes of a block's \
                 header and trailer"
            ));
        }
        if declared % 4 != 0 {
            return Err(format!(
                "damaged {name}: its length {declared} is not a multiple of 4"
            ));
        }
        let len = declared as usize;
        if i.len() < len {
            return Err(format!(
                "file ends inside a {name}: it claims {declared} bytes, {} remain",
                i.len()
            ));
        }
        let trailer = rd32(len - 4);
        if trailer != declared {
            return Err(format!(
                "damaged {name}: its trailing length {trailer} differs from its leading \
                 length {declared}"
            ));
        }
        // Packet blocks: the captured length must fit in the block.
        if matches!(block_type, 2 | 6) && len >= 32 {
            let caplen = rd32(20);
            let room = len - 32;
            if caplen as usize > room {
                return Err(format!(
                    "damaged {name}: its captured length {caplen} runs past the block, which \
                     holds {room} bytes of packet data"
                ));
            }
        }
        let parsed = if self.big_endian {
            pcapng::parse_block_be(i)
        } else {
            pcapng::parse_block_le(i)
        };
        match parsed {
            Ok((rest, block)) => Ok((rest.len(), block)),
            Err(nom::Err::Incomplete(_)) => Err(format!(
                "damaged {name}: a length inside it runs past its end ({declared} bytes)"
            )),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(format!(
                "damaged {name} (length {declared}): {}",
                describe(&e)
            )),
        }
    }

    /// What a parsed block means for the reader: a packet to return, a
    /// section or interface to remember, or nothing.
    fn pcapng_take(&mut self, at: usize, block: Block<'_>) -> Result<Option<Record>, String> {
        match block {
            Block::SectionHeader(shb) => {
                if shb.major_version != 1 {
                    return Err(format!(
                        "unsupported section version {}.{} (only 1.x is defined)",
                        shb.major_version, shb.minor_version
                    ));
                }
                self.section_base = self.interfaces.len();
                if !self.interfaces.is_empty() || at != 0 {
                    self.section += 1;
                }
                self.section_comments.extend(comments(&shb.options));
            }
            Block::InterfaceDescription(idb) => {
                let opt = |o: Option<Result<&str, _>>| o.and_then(|r| r.ok()).map(str::to_owned);
                self.interfaces.push(Interface {
                    linktype: idb.linktype.0 as u32 & 0xffff,
                    snaplen: idb.snaplen,
                    resolution: TsResolution::from_pcapng(idb.if_tsresol),
                    offset_s: idb.if_tsoffset,
                    name: opt(idb.if_name()),
                    description: opt(idb.if_description()),
                    section: self.section,
                    index_in_section: (self.interfaces.len() - self.section_base) as u32,
                });
            }
            Block::EnhancedPacket(epb) => {
                let iface = self.section_base + epb.if_id as usize;
                if iface >= self.interfaces.len() {
                    return Err(format!(
                        "enhanced packet block on interface {} which the section did not \
                         describe",
                        epb.if_id
                    ));
                }
                // (Checked before parsing too; this also holds where the
                // parser read the block another way than its header says.)
                if epb.caplen as usize > epb.data.len() {
                    return Err(format!(
                        "damaged enhanced packet block: its captured length {} runs past the \
                         block",
                        epb.caplen
                    ));
                }
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                return Ok(Some(Record {
                    offset: (at + 28) as u64,
                    caplen: epb.caplen,
                    orig_len: epb.origlen,
                    ts_ns: self.time_of(at, iface, ticks),
                    interface: iface as u32,
                    comments: comments(&epb.options),
                    flags: packet_flags(&epb.options, self.big_endian),
                    has_ts: true,
                }));
            }
            Block::SimplePacket(spb) => {
                let iface = self.section_base;
                let Some(ifc) = self.interfaces.get(iface) else {
                    return Err("simple packet block before any interface description".into());
                };
                // The captured part is what fits in the block (and the snaplen).
                let mut caplen = (spb.origlen as usize).min(spb.data.len());
                if ifc.snaplen != 0 {
                    caplen = caplen.min(ifc.snaplen as usize);
                }
                return Ok(Some(Record {
                    offset: (at + 12) as u64,
                    caplen: caplen as u32,
                    orig_len: spb.origlen,
                    ts_ns: self.last_ts,
                    interface: iface as u32,
                    comments: Vec::new(),
                    flags: None,
                    has_ts: false,
                }));
            }
            Block::Unknown(ub) if ub.block_type == 2 => return self.obsolete_packet(at, ub.data),
            Block::DecryptionSecrets(dsb)
                if dsb.secrets_type == pcap_parser::pcapng::SecretsType::TlsKeyLog =>
            {
                let n = (dsb.secrets_len as usize).min(dsb.data.len());
                self.tls_secrets.extend_from_slice(&dsb.data[..n]);
                if !self.tls_secrets.ends_with(b"\n") {
                    self.tls_secrets.push(b'\n');
                }
            }
            // Name resolution, statistics, secrets, custom and unknown blocks: skipped.
            _ => {}
        }
        Ok(None)
    }

    /// An Obsolete Packet Block's body: interface(2) drops(2) ts(8)
    /// caplen(4) len(4) data.
    fn obsolete_packet(&mut self, at: usize, d: &[u8]) -> Result<Option<Record>, String> {
        if d.len() < 20 {
            return Err("damaged packet block (obsolete): shorter than its fixed fields".into());
        }
        let big = self.big_endian;
        let rd32 = |o: usize| u32_at(d, o, big);
        let w = [d[0], d[1]];
        let iface_id = if big {
            u16::from_be_bytes(w)
        } else {
            u16::from_le_bytes(w)
        };
        let iface = self.section_base + iface_id as usize;
        let (caplen, orig) = (rd32(12), rd32(16));
        if iface >= self.interfaces.len() {
            return Err("packet block (obsolete) on an undescribed interface".into());
        }
        if caplen as usize > d.len() - 20 {
            return Err(format!(
                "damaged packet block (obsolete): its captured length {caplen} runs past the \
                 block, which holds {} bytes of packet data",
                d.len() - 20
            ));
        }
        let ticks = (u64::from(rd32(4)) << 32) | u64::from(rd32(8));
        Ok(Some(Record {
            offset: (at + 8 + 20) as u64,
            caplen,
            orig_len: orig,
            ts_ns: self.time_of(at, iface, ticks),
            interface: iface as u32,
            comments: Vec::new(),
            flags: None,
            has_ts: true,
        }))
    }

    /// The time of the packet about to be returned (the next frame), from
    /// the block at `at` stamped `ticks` on interface `iface`; what does not
    /// fit becomes a warning.
    fn time_of(&mut self, at: usize, iface: usize, ticks: u64) -> i64 {
        let ifc = &self.interfaces[iface];
        let (t, problem) = packet_time(ifc.resolution, ifc.offset_s, ticks);
        if let Some(p) = problem {
            self.warn_time(at, iface, p);
        }
        t
    }

    fn warn_time(&mut self, at: usize, iface: usize, p: TimeProblem) {
        let index = self.interfaces[iface].index_in_section;
        self.notes.warn(FileWarning {
            frame: self.frames + 1,
            offset: at as u64,
            message: format!("interface {index}'s {p}"),
        });
    }
}

/// The 32-bit value at `b[o..o + 4]` in the file's byte order (the caller
/// checked the length).
fn u32_at(b: &[u8], o: usize, big_endian: bool) -> u32 {
    let w = [b[o], b[o + 1], b[o + 2], b[o + 3]];
    if big_endian {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    }
}

/// A pcapng block type's name as the specification calls it.
fn block_name(t: u32) -> String {
    let name = match t {
        0x0a0d_0d0a => "section header block",
        1 => "interface description block",
        2 => "packet block (obsolete)",
        3 => "simple packet block",
        4 => "name resolution block",
        5 => "interface statistics block",
        6 => "enhanced packet block",
        0x0000_000a => "decryption secrets block",
        0x0000_0bad | 0x4000_0bad => "custom block",
        _ => "block",
    };
    format!("{name} (type 0x{t:08x})")
}

fn comments(opts: &[PcapNGOption<'_>]) -> Vec<String> {
    opts.iter()
        .filter(|o| o.code.0 == 1)
        .filter_map(|o| o.as_bytes().ok())
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

/// The `epb_flags` option (code 2, four bytes in the section's order).
fn packet_flags(opts: &[PcapNGOption<'_>], big_endian: bool) -> Option<u32> {
    let o = opts.iter().find(|o| o.code.0 == 2)?;
    let b: [u8; 4] = o.value().get(..4)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

fn describe(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::NomError(_, nom::error::ErrorKind::Verify) => {
            "the lengths of its parts do not add up to the block's".into()
        }
        PcapError::NomError(_, kind) => format!("cannot be parsed ({kind:?})"),
        other => format!("{other:?}").chars().take(80).collect(),
    }
}

impl Iterator for Reader<'_> {
    type Item = Record;
    fn next(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        let r = match self.format {
            Format::Pcap {
                big_endian,
                nanosecond,
                modified,
            } => self.pcap_next(big_endian, nanosecond, modified),
            Format::Pcapng => self.pcapng_next(),
        };
        if let Some(r) = &r {
            self.last_ts = r.ts_ns;
            self.frames += 1;
        }
        r
    }
}

/// The `file_reader` fuzz target, shared with the regression tests: reads
/// arbitrary bytes as a capture; panics if a record lies outside the file
/// or names an interface that was not described.
#[doc(hidden)]
pub fn fuzz_read(data: &[u8]) {
    let Ok(f) = CaptureFile::from_bytes("fuzz".into(), Bytes::Owned(data.to_vec())) else {
        return;
    };
    let mut r = f.reader();
    let mut n = 0;
    while let Some(rec) = r.next() {
        assert!(rec.offset as usize + rec.caplen as usize <= data.len());
        assert!((rec.interface as usize) < r.interfaces.len());
        n += 1;
        if n > 100_000 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap(records: &[(&[u8], u32)]) -> Vec<u8> {
        let mut v = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0,
        ];
        for (i, (data, orig)) in records.iter().enumerate() {
            v.extend_from_slice(&(100 + i as u32).to_le_bytes());
            v.extend_from_slice(&5u32.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&orig.to_le_bytes());
            v.extend_from_slice(data);
        }
        v
    }

    fn open(b: Vec<u8>) -> CaptureFile {
        CaptureFile::from_bytes("t.pcap".into(), Bytes::Owned(b)).unwrap()
    }

    /// The resident kilobytes of the mapping of `path` (smaps' Rss).
    fn mapped_rss_kb(path: &Path) -> Option<u64> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let name = path.to_str()?;
        let mut lines = smaps.lines();
        while let Some(l) = lines.next() {
            if l.ends_with(name) {
                for l in lines.by_ref() {
                    if let Some(kb) = l.strip_prefix("Rss:") {
                        return kb.trim().trim_end_matches(" kB").parse().ok();
                    }
                }
            }
        }
        None
    }

    #[test]
    fn released_bytes_leave_resident_memory_and_read_back_the_same() {
        let records: Vec<Vec<u8>> = (0..4096u32).map(|i| vec![i as u8; 1000]).collect();
        let refs: Vec<(&[u8], u32)> = records.iter().map(|r| (r.as_slice(), 1000)).collect();
        let path =
            std::env::temp_dir().join(format!("wirelens-release-{}.pcap", std::process::id()));
        std::fs::write(&path, pcap(&refs)).unwrap();
        let f = CaptureFile::open(&path).unwrap();
        let before: Vec<Vec<u8>> = f
            .reader()
            .map(|r| f.data(r.offset, r.caplen).to_vec())
            .collect();
        let touched = mapped_rss_kb(&path);
        f.release(0, f.bytes.len() as u64);
        let released = mapped_rss_kb(&path);
        if let (Some(t), Some(r)) = (touched, released) {
            assert!(t >= 3000 && r < t / 4, "resident {t} kB, then {r} kB");
        }
        let after: Vec<Vec<u8>> = f
            .reader()
            .map(|r| f.data(r.offset, r.caplen).to_vec())
            .collect();
        assert_eq!(before.len(), 4096);
        assert_eq!(before, after);
        // Out of range and empty ranges are no-ops.
        f.release(10, 5);
        f.release(u64::MAX - 1, u64::MAX);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn reads_records_and_their_offsets() {
        let f = open(pcap(&[(b"abcd", 4), (b"xy", 60)]));
        let mut r = f.reader();
        let a = r.next().unwrap();
        assert_eq!((a.offset, a.caplen, a.ts_ns), (40, 4, 100_000_005_000));
        assert_eq!(f.data(a.offset, a.caplen), b"abcd");
        let b = r.next().unwrap();
        assert_eq!((b.caplen, b.orig_len), (2, 60));
        assert!(r.next().is_none());
        assert!(r.notes.is_empty());
    }

    #[test]
    fn a_cut_record_stops_with_its_offset() {
        let mut b = pcap(&[(b"abcd", 4), (b"efgh", 4)]);
        b.truncate(b.len() - 2);
        let f = open(b);
        let mut r = f.reader();
        assert!(r.next().is_some());
        assert!(r.next().is_none());
        let stop = r.notes.stop.clone().unwrap();
        assert_eq!(stop.offset, 44);
        assert!(stop.reason.contains("4 bytes, 2 remain"), "{}", stop.reason);
    }

    #[test]
    fn not_a_capture_names_what_was_expected() {
        let e = CaptureFile::from_bytes("x".into(), Bytes::Owned(b"<!DOCTYPE html>".to_vec()))
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(
            msg.contains("not a capture file") && msg.contains("pcapng"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
}
