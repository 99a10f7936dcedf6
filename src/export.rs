//! Writing packets of a capture to a new file, pcapng or pcap by the
//! file's extension: what `wirelens export`, File › Save As and
//! File › Export Displayed Packets share.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::capture::CaptureFile;
use crate::capture::writer::{CaptureWriter, PacketExtras, WriteFormat, WriterInterface};

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub packets: u64,
    /// Packets the source holds.
    pub of: u64,
}

/// Writes the packets of `file` whose numbers (1-based) `keep` accepts to
/// `out`. Every interface the source declares is declared again, so
/// interface ids stay valid, and its decryption secrets are kept (pcapng).
pub fn write_packets(
    file: &CaptureFile,
    out: &Path,
    keep: impl Fn(u64) -> bool,
) -> Result<Written, String> {
    write_packets_with_secrets(file, out, keep, &[])
}

/// [`write_packets`], adding TLS key log text to the secrets written
/// (`--inject-secrets`).
pub fn write_packets_with_secrets(
    file: &CaptureFile,
    out: &Path,
    keep: impl Fn(u64) -> bool,
    inject: &[u8],
) -> Result<Written, String> {
    // A pcapng header lists interfaces before packets; a first pass finds
    // them all (some files declare more mid-way).
    let mut reader = file.reader();
    while reader.next().is_some() {}
    let interfaces: Vec<WriterInterface> = reader
        .interfaces
        .iter()
        .map(|i| WriterInterface {
            linktype: i.linktype,
            snaplen: i.snaplen,
            name: i.name.clone(),
            description: i.description.clone(),
        })
        .collect();
    let format = WriteFormat::for_path(out);
    if format == WriteFormat::Pcap
        && interfaces
            .windows(2)
            .any(|w| w[0].linktype != w[1].linktype)
    {
        return Err(format!(
            "{}: the packets have several link types, which a pcap file cannot hold; write .pcapng",
            file.path.display()
        ));
    }
    let f = File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w =
        CaptureWriter::new(BufWriter::new(f), format, &interfaces).map_err(|e| e.to_string())?;
    let mut secrets = reader.tls_secrets.clone();
    secrets.extend_from_slice(inject);
    if !secrets.is_empty() && format == WriteFormat::Pcapng {
        w.tls_secrets(&secrets)
            .map_err(|e| format!("{}: {e}", out.display()))?;
    } else if !inject.is_empty() {
        return Err(format!(
            "{}: a pcap file cannot hold decryption secrets; write .pcapng",
            out.display()
        ));
    }
    let mut number = 0u64;
    for rec in file.reader() {
        number += 1;
        if !keep(number) {
            continue;
        }
        let data = file.data(rec.offset, rec.caplen);
        let extras = PacketExtras {
            comments: &rec.comments,
            flags: rec.flags,
        };
        w.packet(rec.interface, rec.ts_ns, rec.orig_len, data, extras)
            .map_err(|e| format!("{}: {e}", out.display()))?;
    }
    w.flush().map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Written {
        packets: w.packets(),
        of: number,
    })
}
