//! Every frame's tape (dissectors::tape): the answers the analysis pass
//! gave while dissecting it (stream numbers, TCP verdicts, reassembled PDU
//! sources, HPACK results…). With its tape, a frame dissected again on its
//! own — a visible row's Info, the details tree — is exactly the frame the
//! pass dissected, without replaying the capture up to it. Long answers are
//! not on the tapes but in the blob log beside them, once each
//! (dissectors::tape).

use super::log::{AppendLog, LogView};

#[derive(Debug, Clone, Default)]
pub struct TapeWriter {
    bytes: AppendLog<u8>,
    /// Where each frame's tape ends in `bytes`.
    ends: AppendLog<u64>,
    /// The blob log the tapes refer to.
    blobs: AppendLog<u8>,
}

impl TapeWriter {
    /// A frame's tape, and what it added to the blob log.
    pub fn push(&mut self, tape: &[u8], blobs: &[u8]) {
        self.bytes.extend_from_slice(tape);
        self.ends.push(self.bytes.len() as u64);
        self.blobs.extend_from_slice(blobs);
    }

    pub fn snapshot(&self) -> Tapes {
        Tapes {
            bytes: self.bytes.snapshot(),
            ends: self.ends.snapshot(),
            blobs: self.blobs.snapshot(),
        }
    }

    pub fn finish(self) -> Tapes {
        Tapes {
            bytes: self.bytes.finish(),
            ends: self.ends.finish(),
            blobs: self.blobs.finish(),
        }
    }
}

/// The tapes of the frames so far (empty when the load kept none).
#[derive(Debug, Clone, Default)]
pub struct Tapes {
    bytes: LogView<u8>,
    ends: LogView<u64>,
    blobs: LogView<u8>,
}

impl Tapes {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Frame `number`'s tape (1-based), `None` when it was not kept.
    pub fn get(&self, number: u32) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.get_into(number, &mut out).then_some(out)
    }

    /// Frame `number`'s tape into `out` (cleared first), reusing its
    /// allocation; false when it was not kept.
    pub fn get_into(&self, number: u32, out: &mut Vec<u8>) -> bool {
        out.clear();
        let Some(i) = (number as usize).checked_sub(1) else {
            return false;
        };
        let Some(&end) = self.ends.get(i) else {
            return false;
        };
        let start = match i {
            0 => 0,
            _ => match self.ends.get(i - 1) {
                Some(&s) => s,
                None => return false,
            },
        };
        self.bytes
            .copy_range_into(start as usize, end as usize, out)
    }

    /// Bytes in the blob log.
    pub fn blob_len(&self) -> usize {
        self.blobs.len()
    }

    /// `len` bytes of the blob log at `at`.
    pub fn blob(&self, at: u64, len: usize) -> Option<Vec<u8>> {
        let start = usize::try_from(at).ok()?;
        let mut out = Vec::new();
        self.blobs
            .copy_range_into(start, start.checked_add(len)?, &mut out)
            .then_some(out)
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.heap_bytes() + self.ends.heap_bytes() + self.blobs.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_gets_its_own_tape_back() {
        let mut w = TapeWriter::default();
        let tapes: Vec<Vec<u8>> = (0..40_000u32)
            .map(|i| (0..(i % 7)).map(|j| (i + j) as u8).collect())
            .collect();
        for t in &tapes {
            w.push(t, &[]);
        }
        let early = w.snapshot();
        w.push(&[1, 2, 3], b"blob");
        let all = w.finish();
        for (i, t) in tapes.iter().enumerate() {
            assert_eq!(all.get(i as u32 + 1).as_ref(), Some(t));
            assert_eq!(early.get(i as u32 + 1).as_ref(), Some(t));
        }
        assert_eq!(all.get(40_001), Some(vec![1, 2, 3]));
        assert_eq!(early.get(40_001), None);
        assert_eq!(all.get(0), None);
        assert_eq!(all.blob(1, 2), Some(b"lo".to_vec()));
        assert_eq!(all.blob(2, 3), None);
    }
}
