//! A ring buffer of capture files, as dumpcap's `-b`: a new file when the
//! current one reaches a size or an age, the oldest deleted past a count.
//! Files are named as dumpcap names them, `STEM_NNNNN_YYYYmmddHHMMSS.EXT`
//! (the time in UTC), next to the name given.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// When to switch files and how many to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RingBuffer {
    /// Switch once the file holds this many bytes (dumpcap: `filesize:kB`).
    pub filesize: Option<u64>,
    /// Switch once the file is this old (`duration:S`).
    pub duration: Option<Duration>,
    /// Keep only the newest this many files (`files:N`).
    pub files: Option<usize>,
}

impl RingBuffer {
    /// Adds one `-b` condition in dumpcap's spelling.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (key, value) = spec
            .split_once(':')
            .ok_or_else(|| format!("-b {spec}: expected filesize:kB, duration:S or files:N"))?;
        let number = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("-b {spec}: {v:?} is not a positive whole number"))
        };
        match key {
            "filesize" => self.filesize = Some(number(value)?.saturating_mul(1000)),
            "duration" => self.duration = Some(Duration::from_secs(number(value)?)),
            "files" => self.files = Some(number(value)? as usize),
            _ => {
                return Err(format!(
                    "-b {spec}: wirelens has filesize, duration and files"
                ));
            }
        }
        Ok(())
    }

    /// Whether anything makes files switch (`files:N` alone does not).
    pub fn switches(&self) -> bool {
        self.filesize.is_some() || self.duration.is_some()
    }
}

/// The files of a running ring buffer.
#[derive(Debug)]
pub struct RingFiles {
    pub spec: RingBuffer,
    base: PathBuf,
    number: u32,
    opened: Instant,
    kept: VecDeque<PathBuf>,
}

impl RingFiles {
    /// The ring named after `base`; [`RingFiles::next_path`] gives its first file.
    pub fn new(spec: RingBuffer, base: &Path) -> RingFiles {
        RingFiles {
            spec,
            base: base.to_owned(),
            number: 0,
            opened: Instant::now(),
            kept: VecDeque::new(),
        }
    }

    /// Whether the current file, `size` bytes long, is full or old.
    pub fn due(&self, size: u64) -> bool {
        self.spec.filesize.is_some_and(|max| size >= max) || self.aged()
    }

    /// Whether the current file is old enough to be closed.
    pub fn aged(&self) -> bool {
        self.spec
            .duration
            .is_some_and(|d| self.opened.elapsed() >= d)
    }

    /// The next file's name, counted as opened; files past the count to
    /// keep are returned to be deleted once the new one is open.
    pub fn next_path(&mut self) -> (PathBuf, Vec<PathBuf>) {
        self.number += 1;
        self.opened = Instant::now();
        let path = self.name(self.number, SystemTime::now());
        self.kept.push_back(path.clone());
        let mut old = Vec::new();
        while self.spec.files.is_some_and(|n| self.kept.len() > n) {
            old.extend(self.kept.pop_front());
        }
        (path, old)
    }

    fn name(&self, number: u32, at: SystemTime) -> PathBuf {
        let stem = self.base.file_stem().unwrap_or_default().to_string_lossy();
        let ext = self.base.extension().map(|e| e.to_string_lossy());
        let secs = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let (y, m, d) = dissectors::field::civil_from_days(secs.div_euclid(86_400));
        let t = secs.rem_euclid(86_400);
        let mut name = format!(
            "{stem}_{number:05}_{y:04}{m:02}{d:02}{:02}{:02}{:02}",
            t / 3600,
            t / 60 % 60,
            t % 60
        );
        if let Some(ext) = ext {
            name.push('.');
            name.push_str(&ext);
        }
        self.base.with_file_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_in_dumpcaps_spelling() {
        let mut r = RingBuffer::default();
        r.add("filesize:2").unwrap();
        r.add("files:3").unwrap();
        assert_eq!((r.filesize, r.files), (Some(2000), Some(3)));
        assert!(r.add("size:2").is_err());
        assert!(r.add("files:0").is_err());
        assert!(r.add("duration").is_err());
    }

    #[test]
    fn files_are_numbered_dated_and_the_oldest_let_go() {
        let spec = RingBuffer {
            files: Some(2),
            ..RingBuffer::default()
        };
        let mut ring = RingFiles::new(spec, Path::new("/tmp/cap.pcapng"));
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_765_000_000);
        assert_eq!(
            ring.name(7, at),
            PathBuf::from("/tmp/cap_00007_20251206054640.pcapng")
        );
        let (first, _) = ring.next_path();
        ring.next_path();
        let (_, old) = ring.next_path();
        assert_eq!(old, vec![first]);
    }
}
