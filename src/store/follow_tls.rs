//! Follow TLS Stream: the decrypted application data of a TCP stream's
//! TLS records, record by record in the order sent. The plaintext is what
//! the dissectors show as each record's "Decrypted TLS" data source; the
//! store's frames are dissected again from their tapes (which carry it),
//! so no key is needed any more.

use std::sync::atomic::AtomicBool;

use dissectors::field::Value;
use dissectors::sink::{Presence, Span};
use dissectors::tcp_analysis::Flag;
use dissectors::tcp_reassembly::{KeptStream, StreamEvent};

use super::Snapshot;
use super::follow::each_frame_of_stream;
use super::frame::PacketBytes;

/// Keeps the decrypted application data of a frame's TLS records: the
/// plaintext of each "Decrypted TLS" source whose record's (true) content
/// type, the last `tls.record.content_type` before it, is 23.
#[derive(Debug, Default)]
pub struct TlsPlaintext {
    content_type: u64,
    /// The frame's records' plaintext, in order.
    pub records: Vec<Vec<u8>>,
}

impl TlsPlaintext {
    /// Hands the frame's records to `kept` as side `dir`'s data sent in
    /// `frame` (`offsets`: each side's stream offset so far). They stay
    /// until the next frame clears them: several followers may read them.
    pub fn copy_into(&self, kept: &mut KeptStream, dir: usize, frame: u32, offsets: &mut [u64; 2]) {
        for bytes in &self.records {
            kept.push(StreamEvent::Data {
                dir,
                frame,
                offset: offsets[dir],
                bytes,
                at: None,
            });
            offsets[dir] += bytes.len() as u64;
        }
    }
}

impl dissectors::sink::Sink for TlsPlaintext {
    fn wants(&self, def: &'static dissectors::field::FieldDef) -> bool {
        def.name == "tls.record.content_type"
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(
        &mut self,
        _: &'static dissectors::field::FieldDef,
        _: Span,
        _: std::fmt::Arguments<'_>,
    ) {
    }
    fn end_layer(&mut self) {}
    fn field(
        &mut self,
        def: &'static dissectors::field::FieldDef,
        _: Span,
        value: Value<'_>,
        _: Presence,
    ) {
        if let (true, Value::U64(v)) = (def.name == "tls.record.content_type", value) {
            self.content_type = v;
        }
    }
    fn text(&mut self, _: Span, _: std::fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(
        &mut self,
        _: &'static dissectors::expert::ExpertDef,
        _: Span,
        _: std::fmt::Arguments<'_>,
    ) {
    }
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        // TLS 1.0 senders split records with empty ones (against BEAST):
        // nothing to follow there.
        if name == "Decrypted TLS" && self.content_type == 23 && !bytes.is_empty() {
            self.records.push(bytes.to_vec());
        }
        0
    }
}

/// The decrypted application data of TCP stream `stream` of `snap`, up to
/// `cap` bytes. None when there is no such stream or `cancel` was set.
pub fn follow_tls(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    stream: u32,
    cap: usize,
    cancel: &AtomicBool,
) -> Option<KeptStream> {
    let mut kept = KeptStream::with_cap(cap);
    let mut offsets = [0u64; 2];
    let mut sink = TlsPlaintext::default();
    each_frame_of_stream(snap, source, stream, cancel, &mut sink, |r, _, sink| {
        // A retransmission shows records already taken.
        let resent = [
            Flag::Retransmission,
            Flag::FastRetransmission,
            Flag::SpuriousRetransmission,
        ]
        .iter()
        .any(|f| r.analysis & f.bit() as u16 != 0);
        if !resent {
            sink.copy_into(&mut kept, usize::from(r.dir & 1), r.frame, &mut offsets);
        }
        sink.records.clear();
    })?;
    Some(kept)
}
