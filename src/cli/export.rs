//! `wirelens export FILE [-Y FILTER] -w OUT`: the packets a display filter
//! matches (all without one) written to a new capture, pcapng or pcap by
//! OUT's extension, like `tshark -r FILE -Y FILTER -w OUT`.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use super::matched::Matched;
use super::{CliError, display_filter, open, warn_stop};
use crate::capture::writer::{CaptureWriter, WriteFormat, WriterInterface};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    /// Only packets matching this display filter.
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
    /// Where to write: `.pcap` or `.cap` for classic pcap, pcapng otherwise.
    #[arg(short = 'w', long = "write")]
    pub out: PathBuf,
}

pub fn run(a: &ExportArgs) -> Result<(), CliError> {
    let filter = display_filter(a.filter.as_deref())?;
    let file = open(&a.file)?;
    // First the matches, and every interface the file declares (a pcapng
    // header lists them before the first packet).
    let (matched, interfaces) = match &filter {
        Some(f) => {
            let (m, i) = Matched::find(&file, f);
            (Some(m), i)
        }
        None => {
            let mut reader = file.reader();
            while reader.next().is_some() {}
            (None, reader.interfaces)
        }
    };
    let interfaces: Vec<WriterInterface> = interfaces
        .iter()
        .map(|i| WriterInterface {
            linktype: i.linktype,
            snaplen: i.snaplen,
            name: i.name.clone(),
            description: i.description.clone(),
        })
        .collect();
    let format = WriteFormat::for_path(&a.out);
    if format == WriteFormat::Pcap
        && interfaces
            .windows(2)
            .any(|w| w[0].linktype != w[1].linktype)
    {
        return Err(CliError(format!(
            "{}: the packets have several link types, which a pcap file cannot hold; write .pcapng",
            a.file.display()
        )));
    }
    let out = File::create(&a.out).map_err(|e| CliError(format!("{}: {e}", a.out.display())))?;
    let mut w = CaptureWriter::new(BufWriter::new(out), format, &interfaces)?;
    let mut reader = file.reader();
    let mut number = 0u64;
    for rec in reader.by_ref() {
        number += 1;
        if matched.as_ref().is_some_and(|m| !m.frame(number)) {
            continue;
        }
        let data = file.data(rec.offset, rec.caplen);
        let comment = rec.comments.first().map(String::as_str);
        w.packet(rec.interface, rec.ts_ns, rec.orig_len, data, comment)?;
    }
    w.flush()?;
    eprintln!(
        "wirelens: {} of {number} packets written to {}",
        w.packets(),
        a.out.display()
    );
    warn_stop(&a.file, &reader.stop);
    Ok(())
}
