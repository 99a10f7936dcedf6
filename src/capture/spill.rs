//! Live captures' spill files. Every packet of a live session goes to a
//! pcapng file in the user's cache directory before anything else reads it,
//! so nothing captured is lost when the app is. This module keeps that
//! directory in bounds: a spill file is deleted once its capture is saved
//! or discarded (the app calls [`remove`]), the files an earlier session
//! left behind (it crashed or was killed) are found again to be offered
//! back, and the directory stays under a size cap, oldest first.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Where spill files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillDir {
    path: PathBuf,
}

/// One spill file, as its name and size tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillFile {
    pub path: PathBuf,
    /// When the capture started, in milliseconds since the Unix epoch.
    pub started_ms: u64,
    /// The interface, with characters other than letters and digits as `_`.
    pub interface: String,
    /// The process that captured into it.
    pub pid: u32,
    pub bytes: u64,
}

/// The user's directory, unless another is set.
impl Default for SpillDir {
    fn default() -> Self {
        SpillDir::user()
    }
}

impl SpillDir {
    /// The user's: `$XDG_CACHE_HOME/wirelens`, else `~/.cache/wirelens`,
    /// else the temporary directory's `wirelens`.
    pub fn user() -> SpillDir {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        SpillDir::at(base.join("wirelens"))
    }

    pub fn at(path: impl Into<PathBuf>) -> SpillDir {
        SpillDir { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new spill file's path for a capture on `interface` (the directory
    /// is made if it is missing).
    pub fn new_file(&self, interface: &str) -> PathBuf {
        let _ = std::fs::create_dir_all(&self.path);
        let stamp = now_ms();
        let safe: String = interface
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // Two captures started in one millisecond (a quick Restart) must
        // not share a file.
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        self.path
            .join(format!("live-{stamp}-{safe}-{pid}-{n}.pcapng"))
    }

    /// Every spill file in the directory, oldest first.
    pub fn files(&self) -> Vec<SpillFile> {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return Vec::new();
        };
        let mut files: Vec<SpillFile> = entries
            .flatten()
            .filter_map(|e| {
                let bytes = e.metadata().ok()?.len();
                SpillFile::named(e.path(), bytes)
            })
            .collect();
        files.sort_by_key(|f| (f.started_ms, f.path.clone()));
        files
    }

    /// The spill files no running process captures into: what a session
    /// that ended without saving or discarding its capture left.
    pub fn left_behind(&self) -> Vec<SpillFile> {
        let me = std::process::id();
        self.files()
            .into_iter()
            .filter(|f| f.pid != me && !capturing_process(f.pid))
            .collect()
    }

    /// Deletes spill files, oldest first, until the directory holds at most
    /// `cap` bytes; never a file in `keep` (the running capture's, the one
    /// on screen) nor one another running process captures into. Returns
    /// the files deleted.
    pub fn enforce_cap(&self, cap: u64, keep: &[&Path]) -> Vec<PathBuf> {
        let files = self.files();
        let mut total: u64 = files.iter().map(|f| f.bytes).sum();
        let me = std::process::id();
        let mut removed = Vec::new();
        for f in files {
            if total <= cap {
                break;
            }
            let in_use =
                keep.iter().any(|k| *k == f.path) || (f.pid != me && capturing_process(f.pid));
            if in_use || std::fs::remove_file(&f.path).is_err() {
                continue;
            }
            total -= f.bytes;
            removed.push(f.path);
        }
        removed
    }
}

impl SpillFile {
    /// The file at `path` if its name is a spill file's
    /// (`live-STARTED-INTERFACE-PID-N.pcapng`).
    fn named(path: PathBuf, bytes: u64) -> Option<SpillFile> {
        let name = path.file_name()?.to_str()?;
        let stem = name.strip_prefix("live-")?.strip_suffix(".pcapng")?;
        let mut parts = stem.split('-');
        let started_ms = parts.next()?.parse().ok()?;
        let interface = parts.next()?.to_string();
        let pid = parts.next()?.parse().ok()?;
        parts.next()?.parse::<u32>().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(SpillFile {
            path,
            started_ms,
            interface,
            pid,
            bytes,
        })
    }

    /// The packets the file holds whole, and whether it ends where a
    /// block ends (a session killed mid-write leaves part of one).
    pub fn packets(&self) -> std::io::Result<(u64, bool)> {
        count_packets(&mut BufReader::new(File::open(&self.path)?), self.bytes)
    }
}

/// Packet blocks (enhanced, simple, obsolete) of a pcapng stream of `len`
/// bytes, walked by their headers only; and whether the last block was
/// whole. A block whose length cannot be (under 12, not a multiple of 4,
/// past the end) ends the walk, so the walk is bounded by `len / 12`.
pub fn count_packets<R: Read + Seek>(r: &mut R, len: u64) -> std::io::Result<(u64, bool)> {
    let mut at = 0u64;
    let mut packets = 0u64;
    let mut big_endian = false;
    let mut head = [0u8; 12];
    while at < len {
        if len - at < 12 {
            return Ok((packets, false));
        }
        r.seek(SeekFrom::Start(at))?;
        r.read_exact(&mut head)?;
        let word = |b: [u8; 4], big: bool| {
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let kind_bytes = [head[0], head[1], head[2], head[3]];
        if kind_bytes == [0x0a, 0x0d, 0x0d, 0x0a] {
            // A section header says its byte order by its magic.
            big_endian = head[8..12] == [0x1a, 0x2b, 0x3c, 0x4d];
        }
        let kind = word(kind_bytes, big_endian);
        let block_len = u64::from(word([head[4], head[5], head[6], head[7]], big_endian));
        if block_len < 12 || block_len % 4 != 0 || block_len > len - at {
            return Ok((packets, false));
        }
        if matches!(kind, 2 | 3 | 6) {
            packets += 1;
        }
        at += block_len;
    }
    Ok((packets, true))
}

/// Whether `pid` is a running wirelens (a process that may still be
/// writing its spill file). A pid reused by another program is not one.
fn capturing_process(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| comm.trim_end().starts_with("wirelens"))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Deletes a spill file whose capture was saved or discarded; a file
/// already gone is no error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureWriter, WriteFormat, WriterInterface};

    fn temp_dir(name: &str) -> SpillDir {
        let d = std::env::temp_dir().join(format!("wirelens-spill-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        SpillDir::at(d)
    }

    /// A spill file as a session with process `pid` would have named it.
    fn spill(dir: &SpillDir, started_ms: u64, pid: u32, bytes: usize) -> PathBuf {
        let p = dir
            .path()
            .join(format!("live-{started_ms}-eth0-{pid}-0.pcapng"));
        std::fs::write(&p, vec![0u8; bytes]).unwrap();
        p
    }

    /// A pid no process has: past the kernel's largest.
    const GONE: u32 = 4_194_305;

    #[test]
    fn names_are_read_back_and_other_files_are_not_spill_files() {
        let dir = temp_dir("names");
        let made = dir.new_file("any/weird if");
        std::fs::write(&made, b"").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("live-1-eth0-x-0.pcapng"), b"x").unwrap();
        let files = dir.files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, made);
        assert_eq!(files[0].interface, "any_weird_if");
        assert_eq!(files[0].pid, std::process::id());
    }

    #[test]
    fn only_files_of_ended_sessions_are_left_behind() {
        let dir = temp_dir("left");
        let ours = dir.new_file("lo");
        std::fs::write(&ours, b"").unwrap();
        let theirs = spill(&dir, 1_000, GONE, 10);
        let left = dir.left_behind();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].path, theirs);
        assert_eq!(left[0].started_ms, 1_000);
    }

    #[test]
    fn the_cap_deletes_oldest_first_and_never_what_is_kept() {
        let dir = temp_dir("cap");
        let oldest = spill(&dir, 1_000, GONE, 400);
        let kept = spill(&dir, 2_000, GONE, 400);
        let middle = spill(&dir, 3_000, GONE, 400);
        let newest = spill(&dir, 4_000, GONE, 400);
        let removed = dir.enforce_cap(900, &[kept.as_path()]);
        assert_eq!(removed, vec![oldest.clone(), middle.clone()]);
        assert!(!oldest.exists() && !middle.exists());
        assert!(kept.exists() && newest.exists());
        // Under the cap, nothing goes.
        assert!(dir.enforce_cap(900, &[]).is_empty());
    }

    #[test]
    fn packets_are_counted_and_a_cut_last_block_is_told() {
        let dir = temp_dir("count");
        let path = dir.new_file("lo");
        let iface = WriterInterface {
            linktype: 1,
            snaplen: 65535,
            name: Some("lo".into()),
            description: None,
        };
        let out = std::io::BufWriter::new(File::create(&path).unwrap());
        let mut w = CaptureWriter::new(out, WriteFormat::Pcapng, &[iface]).unwrap();
        for i in 0..3u8 {
            let ts = 1_000_000 * i64::from(i);
            w.packet(0, ts, 60, &[i; 60], Default::default()).unwrap();
        }
        w.flush().unwrap();
        drop(w);
        let bytes = std::fs::metadata(&path).unwrap().len();
        let whole = SpillFile::named(path.clone(), bytes).unwrap();
        assert_eq!(whole.packets().unwrap(), (3, true));
        // Killed mid-write: the last block is cut.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(bytes - 10).unwrap();
        let cut = SpillFile::named(path, bytes - 10).unwrap();
        assert_eq!(cut.packets().unwrap(), (2, false));
    }
}
