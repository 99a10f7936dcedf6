//! `wirelens export FILE [-Y FILTER] -w OUT`: the packets a display filter
//! matches (all without one) written to a new capture, pcapng or pcap by
//! OUT's extension, like `tshark -r FILE -Y FILTER -w OUT`.

use std::path::PathBuf;

use super::matched::Matched;
use super::{CliError, display_filter, open, warn_read};

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
    let matched = filter.as_ref().map(|f| Matched::find(&file, f).0);
    let written = crate::export::write_packets(&file, &a.out, |n| {
        matched.as_ref().is_none_or(|m| m.frame(n))
    })
    .map_err(CliError)?;
    eprintln!(
        "wirelens: {} of {} packets written to {}",
        written.packets,
        written.of,
        a.out.display()
    );
    let mut reader = file.reader();
    while reader.next().is_some() {}
    warn_read(&a.file, &reader.notes);
    Ok(())
}
