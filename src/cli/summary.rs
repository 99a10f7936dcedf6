//! `wirelens summary`: what the file is and what is in it.

use std::io::Write;

use serde::Serialize;

use super::{CliError, SummaryArgs, TextOrJson, epoch_string, open, secs, warn_read};
use crate::pipeline::{LoadOptions, load_file};

#[derive(Serialize)]
struct Summary {
    file: String,
    format: String,
    link_types: Vec<LinkType>,
    packets: usize,
    bytes: u64,
    first_ts_epoch: Option<String>,
    last_ts_epoch: Option<String>,
    duration: f64,
    warnings: Vec<String>,
    protocol_hierarchy: Vec<Phs>,
}

#[derive(Serialize)]
struct LinkType {
    linktype: u32,
    name: &'static str,
}

#[derive(Serialize)]
struct Phs {
    path: String,
    frames: u64,
    bytes: u64,
}

pub fn run(a: &SummaryArgs, out: &mut impl Write) -> Result<(), CliError> {
    let file = open(&a.file)?;
    let format = file.format.to_string();
    let snap = load_file(file, LoadOptions::batch(false)).wait();
    let n = snap.index.len();
    let mut bytes = 0u64;
    // The earliest and latest times, as capinfos reports them: packets
    // need not be in time order (merged files, clock steps, hostile files).
    let (mut first, mut last) = (None::<i64>, None::<i64>);
    for c in snap.index.chunks() {
        bytes += c.orig_lens().iter().map(|&l| u64::from(l)).sum::<u64>();
        for &t in c.ts() {
            first = Some(first.map_or(t, |f| f.min(t)));
            last = Some(last.map_or(t, |l| l.max(t)));
        }
    }
    let digits = snap
        .interfaces
        .iter()
        .map(|i| i.resolution.digits())
        .max()
        .unwrap_or(6);
    let mut link_types: Vec<LinkType> = Vec::new();
    for i in snap.interfaces.iter() {
        if !link_types.iter().any(|l| l.linktype == i.linktype) {
            link_types.push(LinkType {
                linktype: i.linktype,
                name: dissectors::frame::linktype_name(i.linktype),
            });
        }
    }
    let s = Summary {
        file: a.file.display().to_string(),
        format,
        link_types,
        packets: n,
        bytes,
        first_ts_epoch: first.map(|t| epoch_string(t, digits)),
        last_ts_epoch: last.map(|t| epoch_string(t, digits)),
        duration: match (first, last) {
            (Some(f), Some(l)) => secs(l.saturating_sub(f)),
            _ => 0.0,
        },
        warnings: snap.notes.lines(),
        protocol_hierarchy: snap
            .hierarchy
            .paths()
            .into_iter()
            .map(|(path, frames, bytes)| Phs {
                path,
                frames,
                bytes,
            })
            .collect(),
    };
    match a.format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &s).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        TextOrJson::Text => {
            writeln!(out, "File:       {}", s.file)?;
            writeln!(out, "Format:     {}", s.format)?;
            let lts: Vec<String> = s
                .link_types
                .iter()
                .map(|l| format!("{} ({})", l.name, l.linktype))
                .collect();
            writeln!(out, "Link types: {}", lts.join(", "))?;
            writeln!(out, "Packets:    {}", s.packets)?;
            writeln!(out, "Bytes:      {}", s.bytes)?;
            if let (Some(f), Some(l)) = (&s.first_ts_epoch, &s.last_ts_epoch) {
                writeln!(out, "First:      {f}")?;
                writeln!(out, "Last:       {l}")?;
            }
            writeln!(out, "Duration:   {:.6} s", s.duration)?;
            for w in &s.warnings {
                writeln!(out, "Warning:    {w}")?;
            }
            writeln!(out, "\nProtocol hierarchy:")?;
            for p in &s.protocol_hierarchy {
                let depth = p.path.matches(':').count();
                let name = p.path.rsplit(':').next().unwrap_or("");
                writeln!(
                    out,
                    "{:indent$}{name:<w$} frames:{} bytes:{}",
                    "",
                    p.frames,
                    p.bytes,
                    indent = depth * 2,
                    w = 40 - depth * 2
                )?;
            }
        }
    }
    warn_read(&a.file, &snap.notes);
    Ok(())
}
