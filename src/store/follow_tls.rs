//! Follow TLS Stream: the decrypted application data of a TCP stream's
//! TLS records, record by record in the order sent. The plaintext is what
//! the dissectors show as each record's "Decrypted TLS" data source; the
//! store's frames are dissected again from their tapes (which carry it),
//! so no key is needed any more.

use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::field::Value;
use dissectors::packet::PacketInfo;
use dissectors::sink::{Presence, Span};
use dissectors::tcp_analysis::Flag;
use dissectors::tcp_reassembly::{KeptStream, StreamEvent};

use super::Snapshot;
use super::frame::{PacketBytes, redissect_reusing};

/// Keeps the decrypted application data of a frame's TLS records: the
/// plaintext of each "Decrypted TLS" source whose record's (true) content
/// type, the last `tls.record.content_type` before it, is 23.
#[derive(Default)]
pub struct TlsPlaintext {
    content_type: u64,
    /// The frame's records' plaintext, in order.
    pub records: Vec<Vec<u8>>,
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
    fn field_with_label(
        &mut self,
        def: &'static dissectors::field::FieldDef,
        span: Span,
        value: Value<'_>,
        presence: Presence,
        _: std::fmt::Arguments<'_>,
    ) {
        self.field(def, span, value, presence);
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
    snap.tcp.get(stream as usize)?;
    let mut kept = KeptStream::with_cap(cap);
    let mut sink = TlsPlaintext::default();
    let mut pi = PacketInfo::default();
    let mut tape = Vec::new();
    let mut offsets = [0u64; 2];
    for (i, r) in snap.tcp_records.iter().enumerate() {
        if i % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        // A retransmission shows records already taken.
        let resent = [
            Flag::Retransmission,
            Flag::FastRetransmission,
            Flag::SpuriousRetransmission,
        ]
        .iter()
        .any(|f| r.analysis & f.bit() as u16 != 0);
        if r.stream != stream || resent {
            continue;
        }
        sink.records.clear();
        let opts = crate::pass::options(false);
        if !redissect_reusing(snap, source, r.frame, &mut sink, &mut pi, opts, &mut tape) {
            continue;
        }
        let dir = usize::from(r.dir & 1);
        for bytes in &sink.records {
            kept.push(StreamEvent::Data {
                dir,
                frame: r.frame,
                offset: offsets[dir],
                bytes,
                at: None,
            });
            offsets[dir] += bytes.len() as u64;
        }
    }
    Some(kept)
}
