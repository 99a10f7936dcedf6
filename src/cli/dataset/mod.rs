//! `wirelens export FILE... --format parquet -w DIR`: captures as one
//! Hive-partitioned Parquet dataset that DuckDB, Spark and Polars query
//! across files and machines: `DIR/TABLE/capture=NAME/part-0.parquet`
//! for the tables packets, flows, dns, http, http_timing and tls, with
//! the CLI's JSON names as columns. Files and tables are converted in
//! parallel; converting a capture again replaces its partition.

mod columns;
mod packets;
mod tables;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{CliError, open, warn_read};
use crate::capture::CaptureFile;
use tables::{JsonRows, TABLES};
use writer::PartWriter;

/// A capture to convert: its partition name and its file.
struct Capture {
    name: String,
    path: PathBuf,
    file: Arc<CaptureFile>,
}

#[derive(Clone, Copy)]
enum Table {
    Packets,
    Json(&'static JsonRows),
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Packets => "packets",
            Table::Json(t) => t.name,
        }
    }
}

pub fn run(files: &[PathBuf], dir: &Path) -> Result<(), CliError> {
    let captures = open_all(files)?;
    // Packets take longest (every frame's Info): they start first.
    let tables: Vec<Table> = std::iter::once(Table::Packets)
        .chain(TABLES.iter().map(Table::Json))
        .collect();
    let jobs: Vec<(usize, Table)> = tables
        .iter()
        .flat_map(|&t| (0..captures.len()).map(move |c| (c, t)))
        .collect();
    let rows = run_jobs(&jobs, |&(c, table)| convert(&captures[c], table, dir));
    let mut failed = Vec::new();
    for (c, capture) in captures.iter().enumerate() {
        let mut counts = Vec::new();
        for ((_, table), result) in jobs.iter().zip(&rows).filter(|((j, _), _)| *j == c) {
            match result {
                Ok(n) => counts.push(format!("{n} {}", table.name())),
                Err(e) => failed.push(format!("{}: {}: {e}", capture.path.display(), table.name())),
            }
        }
        eprintln!(
            "wirelens: {} -> capture={}: {}",
            capture.path.display(),
            capture.name,
            counts.join(", ")
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError(failed.join("\n")))
    }
}

/// Opens every file, named by its stem, or by its whole file name where
/// two stems are alike (`day.pcap`, `day.pcapng`); two files of one name
/// would write one partition, so that is refused before anything is
/// written.
fn open_all(files: &[PathBuf]) -> Result<Vec<Capture>, CliError> {
    let text = |s: Option<&std::ffi::OsStr>| s.map(|s| s.to_string_lossy().into_owned());
    let stems: Vec<String> = files
        .iter()
        .map(|p| text(p.file_stem()).unwrap_or_default())
        .collect();
    let mut captures: Vec<Capture> = Vec::new();
    for (path, stem) in files.iter().zip(&stems) {
        let name = if stems.iter().filter(|s| *s == stem).count() > 1 {
            text(path.file_name()).unwrap_or_default()
        } else {
            stem.clone()
        };
        if let Some(other) = captures.iter().find(|c| c.name == name) {
            return Err(CliError(format!(
                "{} and {} would both be capture={name}: rename one",
                other.path.display(),
                path.display()
            )));
        }
        let file = open(path)?;
        captures.push(Capture {
            name,
            path: path.clone(),
            file,
        });
    }
    Ok(captures)
}

/// Writes one table of one capture; returns its rows.
fn convert(capture: &Capture, table: Table, dir: &Path) -> Result<u64, String> {
    match table {
        Table::Packets => {
            let schema = columns::schema(packets::COLUMNS);
            let mut out = PartWriter::create(dir, "packets", &capture.name, schema)?;
            let (rows, notes) = packets::write(&capture.file, &mut out)?;
            out.close()?;
            // Reading is the same for every table: its notes are given once.
            warn_read(&capture.path, &notes);
            Ok(rows)
        }
        Table::Json(t) => {
            let (rows, _) = (t.rows)(&capture.file);
            let mut out =
                PartWriter::create(dir, t.name, &capture.name, columns::schema(t.columns))?;
            let mut table = columns::JsonTable::new(t.columns);
            for chunk in rows.chunks(64 * 1024) {
                for r in chunk {
                    table.push(r);
                }
                out.write(&table.finish())?;
            }
            out.close()?;
            Ok(rows.len() as u64)
        }
    }
}

/// Runs `work` on every job, on as many threads as there are cores;
/// results in the jobs' order.
fn run_jobs<J: Sync, R: Send>(jobs: &[J], work: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let r = work(job);
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_once_each_and_results_keep_their_order() {
        let jobs: Vec<u32> = (0..100).collect();
        let ran = AtomicUsize::new(0);
        let out = run_jobs(&jobs, |&j| {
            ran.fetch_add(1, Ordering::Relaxed);
            j * 2
        });
        assert_eq!(ran.load(Ordering::Relaxed), 100);
        assert_eq!(out, (0..100).map(|j| j * 2).collect::<Vec<_>>());
    }
}
