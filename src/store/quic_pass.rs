//! A pass over one QUIC connection's packets, in capture order, with their
//! fields: what Follow HTTP/3 Stream, the QUIC sequence diagram and the
//! QUIC charts read. Only the frames of the connection's UDP conversations
//! are dissected (all of them, in order, as the connection's decryption
//! state needs), and of those only the connection's are handed on.

use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::collect::FieldCollector;

use super::Snapshot;
use super::frame::PacketBytes;
use crate::pass::Pass;

/// One packet of the connection, as the pass hands it on.
pub struct ConnectionPacket<'a> {
    pub frame: u32,
    pub ts_ns: i64,
    /// Sent by the server (the side that did not send the first Initial).
    pub from_server: bool,
    /// The fields under the pass's prefixes, in tree order.
    pub fields: &'a FieldCollector,
}

/// Calls `each` for every packet of QUIC connection `connection`
/// (`quic.connection.number`), dissected with the snapshot's key log and
/// fields under `prefixes`. False when cancelled.
///
/// The pass sees only some of the capture's connections, so it numbers
/// them its own way: the connection is the one whose first packet is the
/// store's first frame of `connection`.
pub fn each_packet(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    connection: u32,
    prefixes: &[&'static str],
    cancel: &AtomicBool,
    mut each: impl FnMut(&ConnectionPacket<'_>),
) -> bool {
    let udp_streams = snap.quic_connection_streams(connection);
    let Some(first) = snap.quic_connection_first_frame(connection) else {
        return true;
    };
    let mut ours = None;
    let mut pass = Pass::new(true);
    pass.interfaces_described = snap.interfaces_described;
    pass.analyzer.set_keys(snap.keys.clone());
    let mut fields = FieldCollector::new(prefixes);
    for n in 1..=snap.index.len() as u32 {
        if n % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            return false;
        }
        let Some(row) = snap.index.row(n as usize - 1) else {
            continue;
        };
        if !row
            .flow
            .udp_stream()
            .is_some_and(|s| udp_streams.contains(&s))
        {
            continue;
        }
        let rec = row.record();
        let iface = snap.interfaces.get(usize::from(row.interface));
        let data = source.bytes(row.offset, row.caplen);
        fields.clear();
        let (info, _) = pass.frame(&rec, iface, data, crate::pass::options(false), &mut fields);
        if n == first {
            ours = info.connection.map(|c| c.number);
        }
        // The conversation may carry another connection too.
        let Some(c) = info.connection.filter(|c| Some(c.number) == ours) else {
            continue;
        };
        each(&ConnectionPacket {
            frame: n,
            ts_ns: row.ts_ns,
            from_server: c.from_server,
            fields: &fields,
        });
    }
    true
}
