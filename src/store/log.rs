//! An append-only log of records in fixed-size chunks: finished chunks are
//! shared (`Arc`), so a snapshot copies only the unfinished tail. The packet
//! index is the same idea stored by column; side tables use this.

use std::sync::Arc;

const CHUNK: usize = 1 << 14;

#[derive(Debug, Clone)]
pub struct AppendLog<T: Clone> {
    sealed: Vec<Arc<Vec<T>>>,
    open: Vec<T>,
}

impl<T: Clone> Default for AppendLog<T> {
    fn default() -> Self {
        AppendLog {
            sealed: Vec::new(),
            open: Vec::with_capacity(CHUNK),
        }
    }
}

impl<T: Clone> AppendLog<T> {
    pub fn push(&mut self, v: T) {
        self.open.push(v);
        if self.open.len() == CHUNK {
            let full = std::mem::replace(&mut self.open, Vec::with_capacity(CHUNK));
            self.sealed.push(Arc::new(full));
        }
    }

    /// Appends a run of records, a chunk's worth of copying at a time.
    pub fn extend_from_slice(&mut self, mut vs: &[T])
    where
        T: Copy,
    {
        while !vs.is_empty() {
            let room = CHUNK - self.open.len();
            let (now, rest) = vs.split_at(room.min(vs.len()));
            self.open.extend_from_slice(now);
            vs = rest;
            if self.open.len() == CHUNK {
                let full = std::mem::replace(&mut self.open, Vec::with_capacity(CHUNK));
                self.sealed.push(Arc::new(full));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A read-only view of what was pushed so far.
    pub fn snapshot(&self) -> LogView<T> {
        let mut chunks = self.sealed.clone();
        if !self.open.is_empty() {
            chunks.push(Arc::new(self.open.clone()));
        }
        LogView {
            chunks,
            len: self.len(),
        }
    }

    /// The finished log, without copying the tail.
    pub fn finish(mut self) -> LogView<T> {
        let len = self.len();
        if !self.open.is_empty() {
            self.open.shrink_to_fit();
            self.sealed.push(Arc::new(self.open));
        }
        LogView {
            chunks: self.sealed,
            len,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogView<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for LogView<T> {
    fn default() -> Self {
        LogView {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> LogView<T> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter()).take(self.len)
    }
    /// Appends records `start..end` to `out`, one slice per chunk; false
    /// (and nothing appended) when the range is not all there.
    pub fn copy_range_into(&self, start: usize, end: usize, out: &mut Vec<T>) -> bool
    where
        T: Copy,
    {
        if start > end || end > self.len {
            return false;
        }
        let mut i = start;
        while i < end {
            let Some(chunk) = self.chunks.get(i / CHUNK) else {
                return false;
            };
            let from = i % CHUNK;
            let to = (from + (end - i)).min(chunk.len());
            let Some(part) = chunk.get(from..to) else {
                return false;
            };
            if part.is_empty() {
                return false;
            }
            out.extend_from_slice(part);
            i += part.len();
        }
        true
    }

    /// The records from index `from` on (what is new since an earlier look).
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> {
        let first = from / CHUNK;
        let skip = from % CHUNK;
        self.chunks
            .iter()
            .skip(first)
            .flat_map(|c| c.iter())
            .skip(skip)
            .take(self.len.saturating_sub(from))
    }
    pub fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.capacity() * std::mem::size_of::<T>())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_stay_fixed_while_the_log_grows() {
        let mut l = AppendLog::default();
        for i in 0..(CHUNK + 3) {
            l.push(i);
        }
        let v = l.snapshot();
        l.push(99_999);
        assert_eq!(v.len(), CHUNK + 3);
        assert_eq!(v.iter().count(), CHUNK + 3);
        assert_eq!(v.get(CHUNK + 2), Some(&(CHUNK + 2)));
        assert_eq!(
            v.iter_from(CHUNK + 1).copied().collect::<Vec<_>>(),
            vec![CHUNK + 1, CHUNK + 2]
        );
        assert_eq!(l.finish().get(CHUNK + 3), Some(&99_999));
    }
}
