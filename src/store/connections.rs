//! Which UDP conversations each connection of a protocol that numbers its
//! own connections travelled. A QUIC client that migrates, or a NAT that
//! rebinds its port, moves the connection to a new UDP conversation while
//! its number (tshark's `quic.connection.number`) stays: the views of one
//! QUIC connection read its packets from these conversations, and only
//! from them.

use std::collections::{BTreeMap, HashSet};

use dissectors::conversation::Conversation;
use dissectors::packet::ConnectionRef;

use super::log::{AppendLog, LogView};

/// Connection `number` of protocol `proto` sent a packet on UDP
/// conversation `udp_stream`, first in `first_frame`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionPath {
    pub proto: u8,
    pub number: u32,
    pub udp_stream: u32,
    pub first_frame: u32,
}

/// The writer's side: each (connection, conversation) pair once, in the
/// order they were first seen.
#[derive(Default)]
pub struct ConnectionPathLog {
    seen: HashSet<(u8, u32, u32)>,
    log: AppendLog<ConnectionPath>,
}

impl ConnectionPathLog {
    pub fn add(&mut self, c: ConnectionRef, udp_stream: u32, frame: u32) {
        if self.seen.insert((c.proto, c.number, udp_stream)) {
            self.log.push(ConnectionPath {
                proto: c.proto,
                number: c.number,
                udp_stream,
                first_frame: frame,
            });
        }
    }

    pub fn snapshot(&self) -> ConnectionPaths {
        ConnectionPaths(self.log.snapshot())
    }

    pub fn finish(self) -> ConnectionPaths {
        ConnectionPaths(self.log.finish())
    }
}

/// The readers' side (a few entries per connection: cheap to scan).
#[derive(Debug, Clone, Default)]
pub struct ConnectionPaths(LogView<ConnectionPath>);

impl ConnectionPaths {
    /// Protocol `proto`'s connections, each with its UDP conversations in
    /// the order it used them.
    pub fn connections(&self, proto: u8) -> BTreeMap<u32, Vec<u32>> {
        let mut out: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for p in self.0.iter().filter(|p| p.proto == proto) {
            out.entry(p.number).or_default().push(p.udp_stream);
        }
        out
    }

    /// The UDP conversations connection `number` travelled.
    pub fn streams_of(&self, proto: u8, number: u32) -> Vec<u32> {
        self.0
            .iter()
            .filter(|p| p.proto == proto && p.number == number)
            .map(|p| p.udp_stream)
            .collect()
    }

    /// The frame that opened connection `number` (its first packet).
    pub fn first_frame_of(&self, proto: u8, number: u32) -> Option<u32> {
        self.0
            .iter()
            .filter(|p| p.proto == proto && p.number == number)
            .map(|p| p.first_frame)
            .min()
    }

    /// The first connection of `proto` seen on UDP conversation `udp_stream`.
    pub fn connection_on(&self, proto: u8, udp_stream: u32) -> Option<u32> {
        self.0
            .iter()
            .find(|p| p.proto == proto && p.udp_stream == udp_stream)
            .map(|p| p.number)
    }

    /// Protocol `proto`'s connections as conversations, at the index of
    /// their number (`stream`): each the sum of the UDP conversations it
    /// used, its A the client (the first one's A) wherever it moved. A
    /// number with no conversation is left uncounted.
    pub fn conversations(&self, proto: u8, udp: &[Conversation]) -> Vec<Conversation> {
        let mut out: Vec<Conversation> = Vec::new();
        for (number, streams) in self.connections(proto) {
            let mut merged: Option<Conversation> = None;
            for c in streams.iter().filter_map(|&s| udp.get(s as usize)) {
                match &mut merged {
                    None => merged = Some(c.clone()),
                    Some(m) => add_path(m, c),
                }
            }
            let Some(mut m) = merged else {
                continue;
            };
            m.stream = number;
            let at = number as usize;
            while out.len() < at {
                let mut gap = m.clone();
                gap.stream = out.len() as u32;
                gap.counted = false;
                out.push(gap);
            }
            if out.len() == at {
                out.push(m);
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Adds conversation `c`, another path of the connection `m` sums up:
/// its sides are `m`'s if it shares `m`'s B (the server), else swapped.
fn add_path(m: &mut Conversation, c: &Conversation) {
    let stats = if c.a == m.b {
        [c.stats[1], c.stats[0]]
    } else {
        c.stats
    };
    for (into, from) in m.stats.iter_mut().zip(stats) {
        into.frames += from.frames;
        into.bytes += from.bytes;
        into.payload += from.payload;
    }
    m.first_ts = m.first_ts.min(c.first_ts);
    m.last_ts = m.last_ts.max(c.last_ts);
    m.first_frame = m.first_frame.min(c.first_frame);
    m.last_frame = m.last_frame.max(c.last_frame);
    m.counted |= c.counted;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_that_moves_lists_each_conversation_once_in_order() {
        let mut log = ConnectionPathLog::default();
        let c = |number| ConnectionRef {
            proto: 7,
            number,
            from_server: false,
        };
        for (conn, stream, frame) in [(0, 0, 1), (0, 0, 2), (1, 1, 3), (0, 2, 4), (0, 0, 5)] {
            log.add(c(conn), stream, frame);
        }
        let paths = log.finish();
        assert_eq!(paths.len(), 3);
        assert_eq!(paths.streams_of(7, 0), [0, 2]);
        assert_eq!(paths.connection_on(7, 2), Some(0));
        assert_eq!(paths.connection_on(8, 2), None);
        assert_eq!(paths.first_frame_of(7, 0), Some(1));
        assert_eq!(paths.connections(7).len(), 2);
    }
}
