//! `wirelens export FILE [-Y FILTER] -w OUT`: the packets a display filter
//! matches (all without one) written to a new capture, pcapng or pcap by
//! OUT's extension, like `tshark -r FILE -Y FILTER -w OUT`. With
//! `--format har` the HTTP requests as an archive; with `--format parquet`
//! any number of captures as one dataset (`super::dataset`).

use std::path::PathBuf;

use super::matched::Matched;
use super::{CliError, display_filter, open, warn_read};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The capture; `--format parquet` takes several.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Only packets matching this display filter.
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
    /// Where to write: `.pcap` or `.cap` for classic pcap, pcapng otherwise
    /// (with --extract-secrets: the key log; with --format parquet: the
    /// dataset's directory).
    #[arg(short = 'w', long = "write")]
    pub out: PathBuf,
    /// Write this TLS key log into the capture (a Decryption Secrets
    /// Block), as `editcap --inject-secrets tls,KEYS`; editcap's `tls,`
    /// prefix may be given.
    #[arg(long = "inject-secrets", value_name = "KEYS")]
    pub inject_secrets: Option<String>,
    /// Write the capture's TLS secrets (its Decryption Secrets Blocks) to
    /// OUT as a key log, and no packets, as `editcap --extract-secrets`.
    #[arg(long = "extract-secrets", conflicts_with_all = ["inject_secrets", "filter"])]
    pub extract_secrets: bool,
    /// `har`: the HTTP requests as an HTTP Archive 1.2 instead of packets
    /// (also chosen by OUT ending in `.har`). `parquet`: every FILE into
    /// one Hive-partitioned dataset in the directory OUT, tables packets,
    /// flows, dns, http, http_timing and tls, a partition
    /// `capture=STEM` each. Packets are written as pcapng or pcap by
    /// OUT's extension.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Har,
    Parquet,
}

pub fn run(a: &ExportArgs) -> Result<(), CliError> {
    if a.format == Some(ExportFormat::Parquet) {
        if a.filter.is_some() || a.inject_secrets.is_some() || a.extract_secrets {
            return Err(CliError(
                "--format parquet writes whole captures: -Y and the secrets options do not apply"
                    .into(),
            ));
        }
        return super::dataset::run(&a.files, &a.out);
    }
    let [path] = a.files.as_slice() else {
        return Err(CliError(
            "one capture at a time, but for --format parquet".into(),
        ));
    };
    let file = open(path)?;
    if a.extract_secrets {
        return extract_secrets(a, path, &file);
    }
    let har_by_name = a
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("har"));
    if a.format == Some(ExportFormat::Har) || (a.format.is_none() && har_by_name) {
        return har(a, path, &file);
    }
    let inject = match &a.inject_secrets {
        Some(spec) => read_secrets(spec)?,
        None => Vec::new(),
    };
    let filter = display_filter(a.filter.as_deref())?;
    let matched = filter.as_ref().map(|f| Matched::find(&file, f).0);
    let written = crate::export::write_packets_with_secrets(
        &file,
        &a.out,
        |n| matched.as_ref().is_none_or(|m| m.frame(n)),
        &inject,
    )
    .map_err(CliError)?;
    eprintln!(
        "wirelens: {} of {} packets written to {}",
        written.packets,
        written.of,
        a.out.display()
    );
    let mut reader = file.reader();
    while reader.next().is_some() {}
    warn_read(path, &reader.notes);
    Ok(())
}

/// The key log `--inject-secrets` names (`tls,PATH` or `PATH`), its lines
/// checked: a line we cannot read is named and written all the same, as
/// editcap writes the file as it is.
fn read_secrets(spec: &str) -> Result<Vec<u8>, CliError> {
    let path = match spec.split_once(',') {
        Some(("tls", p)) => p,
        Some((kind, _)) if !kind.contains('/') && !kind.contains('.') => {
            return Err(CliError(format!(
                "--inject-secrets {spec}: only tls secrets are supported"
            )));
        }
        _ => spec,
    };
    let text = std::fs::read(path).map_err(|e| CliError(format!("{path}: {e}")))?;
    for e in dissectors::tls::keylog::KeyLog::parse(&text).1 {
        eprintln!("wirelens: warning: {path}: {e}");
    }
    Ok(text)
}

/// Writes the HTTP requests (those with a packet the filter matches) as
/// a HAR archive.
fn har(
    a: &ExportArgs,
    path: &std::path::Path,
    file: &crate::capture::CaptureFile,
) -> Result<(), CliError> {
    let filter = display_filter(a.filter.as_deref())?;
    let (mut exchanges, notes) = crate::report::http_timing::exchanges(file);
    if let Some(f) = &filter {
        let matched = Matched::find(file, f).0;
        exchanges.retain(|e| {
            [e.request, e.response].iter().flatten().any(|s| {
                matched.frame(u64::from(s.first_frame)) || matched.frame(u64::from(s.last_frame))
            })
        });
    }
    let archive = crate::report::har::archive(&exchanges);
    let n = crate::report::har::write(&archive, &a.out).map_err(CliError)?;
    eprintln!("wirelens: {n} requests written to {}", a.out.display());
    warn_read(path, &notes);
    Ok(())
}

/// Writes the capture's TLS secrets out as a key log.
fn extract_secrets(
    a: &ExportArgs,
    path: &std::path::Path,
    file: &crate::capture::CaptureFile,
) -> Result<(), CliError> {
    let mut reader = file.reader();
    while reader.next().is_some() {}
    warn_read(path, &reader.notes);
    std::fs::write(&a.out, &reader.tls_secrets)
        .map_err(|e| CliError(format!("{}: {e}", a.out.display())))?;
    eprintln!(
        "wirelens: {} bytes of TLS secrets written to {}",
        reader.tls_secrets.len(),
        a.out.display()
    );
    Ok(())
}
