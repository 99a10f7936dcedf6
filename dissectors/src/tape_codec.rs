//! The tape's encoding: what the analysis' answers are written with.
//!
//! A tag byte per answer, LEB128 integers, length-prefixed bytes, because
//! a tape is kept for every frame of a capture. What a frame's tape holds is
//! bounded by the frame's own size: an answer longer than [`INLINE`] bytes
//! (a reassembled datagram, the handshake bytes a TLS record completes, a
//! decoded header value) goes to the *blob log* once and the tape refers to
//! it by offset; an answer many frames share ([`crate::shared`]) is put
//! there once for all of them. Every protocol that asks the analysis
//! something writes its own answers with these (see
//! `packet::Answer`); the recording itself is the `tape` module.

use crate::shared::SharedBytes;

/// Captured bytes of another frame, by number (a reassembled PDU is rebuilt
/// from its pieces rather than kept on the tape).
pub type FrameBytes<'t> = &'t dyn Fn(u32) -> Option<&'t [u8]>;

/// Answers larger than this are not kept (a hostile capture must not make
/// one frame's tape grow without bound); the replay then answers "nothing".
pub const MAX_ANSWER: usize = 1 << 20;

/// Answers up to this long are written on the tape itself.
pub const INLINE: usize = 64;

/// Bytes of the blob log, by offset and length (the store's copy).
pub type BlobBytes<'t> = &'t dyn Fn(u64, usize) -> Option<Vec<u8>>;

/// Where large answers go while frames are recorded: the log grows by
/// what each frame adds ([`BlobRecorder::new_bytes`], which the store
/// appends after the frame), and a shared answer is put there once.
#[derive(Debug, Default)]
pub struct BlobRecorder {
    /// Bytes of the log before the current frame's.
    kept: u64,
    /// What the current frame adds.
    new: Vec<u8>,
    /// Shared answers in the log, by identity: where they are. (One entry
    /// per value longer than [`INLINE`] that was put: at most a 65th of
    /// the log's size.)
    seen: std::collections::HashMap<u64, u64>,
}

impl BlobRecorder {
    /// A new frame: what the last one added is in the log now.
    pub fn begin_frame(&mut self) {
        self.kept += self.new.len() as u64;
        self.new.clear();
    }

    /// What the frame just recorded added to the log.
    pub fn new_bytes(&self) -> &[u8] {
        &self.new
    }

    /// The log's length so far.
    pub fn len(&self) -> u64 {
        self.kept + self.new.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn put(&mut self, b: &[u8]) -> u64 {
        let at = self.len();
        self.new.extend_from_slice(b);
        at
    }

    fn put_shared(&mut self, id: u64, b: &[u8]) -> u64 {
        if let Some(&at) = self.seen.get(&id) {
            return at;
        }
        let at = self.put(b);
        self.seen.insert(id, at);
        at
    }
}

/// Appends answers to a tape.
#[derive(Debug)]
pub struct TapeWriter<'t> {
    out: &'t mut Vec<u8>,
    /// Where long answers go; without one they are written inline.
    blobs: Option<&'t mut BlobRecorder>,
}

impl<'t> TapeWriter<'t> {
    pub fn new(out: &'t mut Vec<u8>) -> Self {
        TapeWriter { out, blobs: None }
    }

    pub fn with_blobs(out: &'t mut Vec<u8>, blobs: &'t mut BlobRecorder) -> Self {
        TapeWriter {
            out,
            blobs: Some(blobs),
        }
    }

    /// Bytes that may be long: inline up to [`INLINE`], else in the blob log.
    pub fn big(&mut self, b: &[u8]) {
        self.long(None, b);
    }

    /// A shared value: kept in the blob log once, whoever refers to it.
    pub fn shared(&mut self, id: u64, b: &[u8]) {
        self.long(Some(id), b);
    }

    fn long(&mut self, id: Option<u64>, b: &[u8]) {
        let b = &b[..b.len().min(MAX_ANSWER)];
        match self.blobs.as_deref_mut() {
            Some(blobs) if b.len() > INLINE => {
                let at = match id {
                    Some(id) => blobs.put_shared(id, b),
                    None => blobs.put(b),
                };
                self.u8(1);
                self.u64(at);
                self.u64(b.len() as u64);
            }
            _ => {
                self.u8(0);
                self.bytes(b);
            }
        }
    }
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub fn u64(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }
    pub fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }
    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.u64(0),
            Some(v) => self.u64(v.saturating_add(1)),
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.i64(v);
            }
        }
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.out.extend_from_slice(b);
    }
}

/// Reads answers back; every read is checked (a damaged tape reads as
/// "nothing known", never a panic).
#[derive(Debug, Clone)]
pub struct TapeReader<'t> {
    b: &'t [u8],
    pos: usize,
    /// A read went past the end or met an unexpected tag.
    pub failed: bool,
}

impl<'t> TapeReader<'t> {
    pub fn new(b: &'t [u8]) -> Self {
        TapeReader {
            b,
            pos: 0,
            failed: false,
        }
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }
    pub fn u8(&mut self) -> u8 {
        match self.b.get(self.pos) {
            Some(&v) => {
                self.pos += 1;
                v
            }
            None => {
                self.failed = true;
                0
            }
        }
    }
    pub fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8();
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
        }
        self.failed = true;
        v
    }
    pub fn u32(&mut self) -> u32 {
        let v = self.u64();
        u32::try_from(v).unwrap_or_else(|_| {
            self.failed = true;
            0
        })
    }
    pub fn i64(&mut self) -> i64 {
        let v = self.u64();
        ((v >> 1) as i64) ^ -((v & 1) as i64)
    }
    pub fn opt_u64(&mut self) -> Option<u64> {
        match self.u64() {
            0 => None,
            v => Some(v - 1),
        }
    }
    pub fn opt_u32(&mut self) -> Option<u32> {
        self.opt_u64().map(|v| {
            u32::try_from(v).unwrap_or_else(|_| {
                self.failed = true;
                0
            })
        })
    }
    pub fn opt_i64(&mut self) -> Option<i64> {
        match self.u8() {
            0 => None,
            _ => Some(self.i64()),
        }
    }
    pub fn bytes(&mut self) -> &'t [u8] {
        let n = self.u64() as usize;
        match self
            .pos
            .checked_add(n)
            .and_then(|end| self.b.get(self.pos..end))
        {
            Some(s) => {
                self.pos += n;
                s
            }
            None => {
                self.failed = true;
                self.pos = self.b.len();
                &[]
            }
        }
    }
    /// Reads the next tag; a different one than expected fails the tape.
    pub fn expect(&mut self, tags: &[u8]) -> Option<u8> {
        if self.failed {
            return None;
        }
        let t = self.u8();
        if tags.contains(&t) {
            Some(t)
        } else {
            self.failed = true;
            None
        }
    }
}

/// A value a protocol keeps on a frame's tape inside a record of the core
/// (a PDU's note): the protocol's module declares how it is written and
/// read back, so the tape machinery carries it without knowing it.
pub trait Recorded: Sized {
    fn record(&self, w: &mut TapeWriter<'_>);
    /// Reads what [`Recorded::record`] wrote; a short tape sets the
    /// reader's `failed` and gives a value its caller then drops.
    fn replay(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self;
}

/// What a replay reads besides its tape: other frames' bytes and the
/// blob log, each when the replay has them.
pub struct Sources<'t> {
    frames: Option<FrameBytes<'t>>,
    blobs: Option<BlobBytes<'t>>,
    /// Shared values read so far, by where they are in the blob log (a
    /// value several answers share is read once).
    cache: std::collections::HashMap<u64, SharedBytes>,
}

impl<'t> Sources<'t> {
    pub fn new(frames: Option<FrameBytes<'t>>, blobs: Option<BlobBytes<'t>>) -> Self {
        Sources {
            frames,
            blobs,
            cache: Default::default(),
        }
    }

    /// The captured bytes of frame `n`, when other frames can be read.
    pub fn frame(&self, n: u32) -> Option<&'t [u8]> {
        self.frames.and_then(|f| f(n))
    }

    /// Bytes written by [`TapeWriter::big`].
    pub fn big(&mut self, r: &mut TapeReader<'_>) -> Vec<u8> {
        match r.u8() {
            0 => r.bytes().to_vec(),
            1 => {
                let (at, len) = (r.u64(), r.u64() as usize);
                match self
                    .blobs
                    .filter(|_| len <= MAX_ANSWER)
                    .and_then(|b| b(at, len))
                {
                    Some(v) => v,
                    None => {
                        r.failed = true;
                        Vec::new()
                    }
                }
            }
            _ => {
                r.failed = true;
                Vec::new()
            }
        }
    }

    /// A value written by [`TapeWriter::shared`].
    pub fn shared(&mut self, r: &mut TapeReader<'_>) -> SharedBytes {
        match r.u8() {
            0 => SharedBytes::from(r.bytes()),
            1 => {
                let (at, len) = (r.u64(), r.u64() as usize);
                if let Some(v) = self.cache.get(&at).filter(|v| v.len() == len) {
                    return v.clone();
                }
                match self
                    .blobs
                    .filter(|_| len <= MAX_ANSWER)
                    .and_then(|b| b(at, len))
                {
                    Some(v) => {
                        let v = SharedBytes::from(v);
                        self.cache.insert(at, v.clone());
                        v
                    }
                    None => {
                        r.failed = true;
                        SharedBytes::from(&[][..])
                    }
                }
            }
            _ => {
                r.failed = true;
                SharedBytes::from(&[][..])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip() {
        let mut tape = Vec::new();
        let mut w = TapeWriter::new(&mut tape);
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            w.u64(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            w.i64(v);
        }
        w.opt_u64(None);
        w.opt_u64(Some(u64::MAX));
        let mut r = TapeReader::new(&tape);
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(r.u64(), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(r.i64(), v);
        }
        assert_eq!(r.opt_u64(), None);
        // saturated: u64::MAX + 1 does not fit, the largest value comes back
        assert_eq!(r.opt_u64(), Some(u64::MAX - 1));
        assert!(r.at_end() && !r.failed);
    }

    #[test]
    fn a_damaged_tape_fails_its_reader() {
        let mut r = TapeReader::new(&[0xff, 0xff]);
        let _ = r.u64();
        assert!(r.failed);
        let mut r = TapeReader::new(&[5]);
        assert_eq!(r.expect(&[4, 6]), None);
        assert!(r.failed);
    }
}
