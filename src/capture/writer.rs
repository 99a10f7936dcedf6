//! Writing captures: pcapng (the live spill file, saved captures, exported
//! subsets) and classic pcap. Every packet is written whole as soon as it is
//! given, so what is on disk is a valid file up to the last packet written.

use std::io::{self, Write};

/// The file format to write, chosen by the file name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFormat {
    Pcap,
    Pcapng,
}

impl WriteFormat {
    /// `.pcap` (and `.cap`) are classic pcap; anything else pcapng, as
    /// dumpcap does.
    pub fn for_path(path: &std::path::Path) -> WriteFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("pcap") || e.eq_ignore_ascii_case("cap") => {
                WriteFormat::Pcap
            }
            _ => WriteFormat::Pcapng,
        }
    }
}

/// An interface as a written file describes it.
#[derive(Debug, Clone)]
pub struct WriterInterface {
    pub linktype: u32,
    pub snaplen: u32,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Writes packets to `out` in one format; nanosecond timestamps.
pub struct CaptureWriter<W: Write> {
    out: W,
    format: WriteFormat,
    /// Bytes written so far (the offset the next block starts at).
    position: u64,
    packets: u64,
    interfaces: usize,
}

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const EPB: u32 = 6;
const DSB: u32 = 0x0000_000A;
/// A Decryption Secrets Block's TLS key log type ("TLSK").
const SECRETS_TLS: u32 = 0x544c_534b;
const OPT_COMMENT: u16 = 1;
const EPB_FLAGS: u16 = 2;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;
const IF_TSRESOL: u16 = 9;

/// What a pcapng packet block carries beside the packet: its comments and
/// flags, which a copy of the capture keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketExtras<'a> {
    pub comments: &'a [String],
    pub flags: Option<u32>,
}

impl PacketExtras<'_> {
    /// The block's options, ended by opt_endofopt when there are any.
    fn options(&self) -> Vec<u8> {
        let mut options = Vec::new();
        for c in self.comments {
            option(&mut options, OPT_COMMENT, c.as_bytes());
        }
        if let Some(f) = self.flags {
            option(&mut options, EPB_FLAGS, &f.to_le_bytes());
        }
        if !options.is_empty() {
            option(&mut options, 0, &[]);
        }
        options
    }
}

/// Writes `words` little-endian into `head`, one after another.
fn put_words<const N: usize>(head: &mut [u8], words: [u32; N]) {
    for (chunk, w) in head.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
}

/// One pcapng option, padded to 32 bits.
fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    let len = value.len().min(u16::MAX as usize - 3);
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&(len as u16).to_le_bytes());
    buf.extend_from_slice(&value[..len]);
    buf.resize(buf.len().next_multiple_of(4), 0);
}

/// A whole pcapng block: type, length, `body`, length.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + body.len()) as u32;
    let mut b = Vec::with_capacity(len as usize);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

impl<W: Write> CaptureWriter<W> {
    /// A pcapng file: a section header and the interfaces' descriptions.
    pub fn pcapng(mut out: W, interfaces: &[WriterInterface]) -> io::Result<Self> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        let app = format!("wirelens {}", env!("CARGO_PKG_VERSION"));
        option(&mut shb, SHB_USERAPPL, app.as_bytes());
        option(&mut shb, 0, &[]);
        let mut bytes = block(SHB, &shb);
        for i in interfaces {
            let mut idb = Vec::new();
            idb.extend_from_slice(&(i.linktype as u16).to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&i.snaplen.to_le_bytes());
            if let Some(n) = &i.name {
                option(&mut idb, IF_NAME, n.as_bytes());
            }
            if let Some(d) = &i.description {
                option(&mut idb, IF_DESCRIPTION, d.as_bytes());
            }
            option(&mut idb, IF_TSRESOL, &[9]);
            option(&mut idb, 0, &[]);
            bytes.extend_from_slice(&block(IDB, &idb));
        }
        out.write_all(&bytes)?;
        Ok(CaptureWriter {
            out,
            format: WriteFormat::Pcapng,
            position: bytes.len() as u64,
            packets: 0,
            interfaces: interfaces.len(),
        })
    }

    /// A classic pcap file (nanosecond variant) of one link type.
    pub fn pcap(mut out: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xA1B2_3C4Du32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&snaplen.to_le_bytes());
        h.extend_from_slice(&linktype.to_le_bytes());
        out.write_all(&h)?;
        Ok(CaptureWriter {
            out,
            format: WriteFormat::Pcap,
            position: 24,
            packets: 0,
            interfaces: 1,
        })
    }

    /// Either format, for interfaces that share one link type in pcap.
    pub fn new(out: W, format: WriteFormat, interfaces: &[WriterInterface]) -> io::Result<Self> {
        match format {
            WriteFormat::Pcapng => Self::pcapng(out, interfaces),
            WriteFormat::Pcap => {
                let first = interfaces.first();
                if interfaces
                    .iter()
                    .any(|i| Some(i.linktype) != first.map(|f| f.linktype))
                {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "pcap holds one link type; these packets have several (write pcapng)",
                    ));
                }
                Self::pcap(
                    out,
                    first.map_or(1, |i| i.linktype),
                    first.map_or(262_144, |i| i.snaplen),
                )
            }
        }
    }

    /// Appends a Decryption Secrets Block holding TLS key log text, as
    /// `editcap --inject-secrets tls,KEYS` does: a pcapng file then carries
    /// its own keys. pcap cannot hold it.
    pub fn tls_secrets(&mut self, key_log: &[u8]) -> io::Result<()> {
        if self.format != WriteFormat::Pcapng {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a pcap file cannot hold decryption secrets (write pcapng)",
            ));
        }
        let len = u32::try_from(key_log.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "key log too long"))?;
        let mut body = Vec::with_capacity(key_log.len() + 12);
        body.extend_from_slice(&SECRETS_TLS.to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(key_log);
        body.resize(body.len().next_multiple_of(4), 0);
        let b = block(DSB, &body);
        self.out.write_all(&b)?;
        self.position += b.len() as u64;
        Ok(())
    }

    /// Appends one packet with its block's `extras` (pcapng only); returns
    /// the file offset of its data.
    pub fn packet(
        &mut self,
        interface: u32,
        ts_ns: i64,
        orig_len: u32,
        data: &[u8],
        extras: PacketExtras<'_>,
    ) -> io::Result<u64> {
        let caplen = data.len() as u32;
        let at = match self.format {
            WriteFormat::Pcapng => {
                if interface as usize >= self.interfaces.max(1) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("interface {interface} was not described"),
                    ));
                }
                let ts = ts_ns.max(0) as u64;
                // Written in place (header, data, padding, options,
                // trailer): live capture calls this for every packet, and
                // copying a 64 KiB loopback segment twice more shows.
                let padded = data.len().next_multiple_of(4);
                let options = extras.options();
                let total = (12 + 20 + padded + options.len()) as u32;
                let mut head = [0u8; 28];
                put_words(
                    &mut head,
                    [
                        EPB,
                        total,
                        interface,
                        (ts >> 32) as u32,
                        ts as u32,
                        caplen,
                        orig_len,
                    ],
                );
                self.out.write_all(&head)?;
                self.out.write_all(data)?;
                self.out.write_all(&[0u8; 3][..padded - data.len()])?;
                self.out.write_all(&options)?;
                self.out.write_all(&total.to_le_bytes())?;
                let at = self.position + 28;
                self.position += u64::from(total);
                at
            }
            WriteFormat::Pcap => {
                let ts = ts_ns.max(0);
                let mut head = [0u8; 16];
                put_words(
                    &mut head,
                    [
                        (ts / 1_000_000_000) as u32,
                        (ts % 1_000_000_000) as u32,
                        caplen,
                        orig_len,
                    ],
                );
                self.out.write_all(&head)?;
                self.out.write_all(data)?;
                let at = self.position + 16;
                self.position += 16 + data.len() as u64;
                at
            }
        };
        self.packets += 1;
        Ok(at)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Bytes written so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn packets(&self) -> u64 {
        self.packets
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureFile;

    fn iface(linktype: u32) -> WriterInterface {
        WriterInterface {
            linktype,
            snaplen: 65535,
            name: Some("lo".into()),
            description: None,
        }
    }

    /// What we write, our reader reads back the same: bytes, lengths,
    /// times (to the nanosecond), interfaces, comments and flags.
    #[test]
    fn written_files_read_back_packet_for_packet() {
        for format in [WriteFormat::Pcapng, WriteFormat::Pcap] {
            let mut w = CaptureWriter::new(Vec::new(), format, &[iface(1)]).unwrap();
            let packets: Vec<(i64, Vec<u8>)> = (0..5)
                .map(|i| {
                    (
                        1_700_000_000_123_456_789 + i * 1_001,
                        vec![i as u8; 13 + i as usize],
                    )
                })
                .collect();
            let mut offsets = Vec::new();
            for (i, (ts, data)) in packets.iter().enumerate() {
                let comments = ["third".to_string(), "and more".to_string()];
                let extras = PacketExtras {
                    comments: if i == 2 { &comments } else { &[] },
                    flags: (i == 3).then_some(0x0100_0001),
                };
                offsets.push(
                    w.packet(0, *ts, data.len() as u32 + 7, data, extras)
                        .unwrap(),
                );
            }
            assert_eq!(w.packets(), 5);
            let bytes = w.into_inner();
            let file =
                CaptureFile::from_bytes("mem".into(), crate::capture::file::Bytes::Owned(bytes))
                    .unwrap();
            let mut r = file.reader();
            let recs: Vec<_> = r.by_ref().collect();
            assert!(r.notes.is_empty(), "{:?}", r.notes);
            assert_eq!(recs.len(), 5);
            for (i, (rec, (ts, data))) in recs.iter().zip(&packets).enumerate() {
                assert_eq!(rec.ts_ns, *ts);
                assert_eq!(file.data(rec.offset, rec.caplen), &data[..]);
                assert_eq!(rec.offset, offsets[i]);
                assert_eq!(rec.orig_len, data.len() as u32 + 7);
                if format == WriteFormat::Pcapng {
                    assert_eq!(rec.comments.len(), 2 * usize::from(i == 2));
                    assert_eq!(rec.flags, (i == 3).then_some(0x0100_0001));
                }
            }
            assert_eq!(r.interfaces[0].linktype, 1);
        }
    }

    #[test]
    fn pcap_refuses_mixed_link_types() {
        let e = CaptureWriter::new(Vec::new(), WriteFormat::Pcap, &[iface(1), iface(113)]);
        assert!(e.is_err());
    }
}
