//! IPv4 and IPv6 fragment reassembly, bounded: at most [`MAX_PENDING`]
//! datagrams and [`MAX_HELD_BYTES`] bytes wait for their missing pieces; the
//! oldest give way when a hostile stream of fragments would exceed that.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use crate::packet::{FragOutcome, Fragment};

pub const MAX_PENDING: usize = 4096;
pub const MAX_HELD_BYTES: usize = 64 << 20;
/// No datagram is larger (IPv4's and IPv6's length fields are 16 bits).
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    v6: bool,
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    protocol: u8,
}

/// A reassembled payload and, per contributing frame, how many bytes it gave.
type Assembled = (Vec<u8>, Vec<(u32, u32)>);

#[derive(Debug, Default)]
struct Pending {
    /// (offset, bytes, frame), in arrival order.
    parts: Vec<(u32, Vec<u8>, u32)>,
    total: Option<u32>,
    held: usize,
}

impl Pending {
    /// The datagram's payload when every byte from 0 to the end is present.
    fn assemble(&self) -> Option<Assembled> {
        let total = self.total?;
        let mut parts: Vec<&(u32, Vec<u8>, u32)> = self.parts.iter().collect();
        parts.sort_by_key(|p| p.0);
        let mut out = vec![0u8; total as usize];
        let mut covered = 0u32;
        let mut frames = Vec::new();
        for (off, data, frame) in parts {
            if *off > covered {
                return None;
            }
            let end = (*off + data.len() as u32).min(total);
            if end > covered {
                // Where fragments overlap, the first one received wins, as in Wireshark.
                let from = (covered - off) as usize;
                out[covered as usize..end as usize]
                    .copy_from_slice(&data[from..from + (end - covered) as usize]);
                frames.push((*frame, end - covered));
                covered = end;
            }
        }
        (covered >= total).then_some((out, frames))
    }
}

#[derive(Debug, Default)]
pub struct IpReassembler {
    pending: HashMap<Key, Pending>,
    order: VecDeque<Key>,
    held: usize,
}

impl IpReassembler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fragment(&mut self, f: &Fragment<'_>) -> FragOutcome {
        let key = Key {
            v6: f.v6,
            src: f.src,
            dst: f.dst,
            id: f.id,
            protocol: if f.v6 { 0 } else { f.protocol },
        };
        let end = f.offset.saturating_add(f.payload.len() as u32);
        if end > MAX_DATAGRAM {
            return FragOutcome::Pending;
        }
        if !self.pending.contains_key(&key) {
            while self.pending.len() >= MAX_PENDING || self.held + f.payload.len() > MAX_HELD_BYTES
            {
                let Some(old) = self.order.pop_front() else {
                    break;
                };
                if let Some(p) = self.pending.remove(&old) {
                    self.held -= p.held;
                }
            }
            self.order.push_back(key);
        }
        let p = self.pending.entry(key).or_default();
        p.parts.push((f.offset, f.payload.to_vec(), f.frame));
        p.held += f.payload.len();
        self.held += f.payload.len();
        if !f.more {
            p.total = Some(end);
        }
        match p.assemble() {
            Some((payload, frames)) => {
                if let Some(p) = self.pending.remove(&key) {
                    self.held -= p.held;
                }
                self.order.retain(|k| *k != key);
                FragOutcome::Complete { payload, frames }
            }
            None => FragOutcome::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn frag(frame: u32, offset: u32, more: bool, payload: &[u8]) -> Fragment<'_> {
        Fragment {
            frame,
            v6: false,
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            id: 7,
            protocol: 17,
            offset,
            more,
            payload,
        }
    }

    #[test]
    fn out_of_order_fragments_complete_on_the_last_piece() {
        let mut r = IpReassembler::new();
        assert!(matches!(
            r.fragment(&frag(1, 8, false, b"world!!!")),
            FragOutcome::Pending
        ));
        match r.fragment(&frag(2, 0, true, b"hello, ")) {
            FragOutcome::Pending => {}
            other => panic!("{other:?}"),
        }
        match r.fragment(&frag(3, 7, true, b"_")) {
            FragOutcome::Complete { payload, frames } => {
                assert_eq!(payload, b"hello, _world!!!");
                assert_eq!(frames, vec![(2, 7), (3, 1), (1, 8)]);
            }
            other => panic!("{other:?}"),
        }
        assert!(r.pending.is_empty() && r.held == 0);
    }

    #[test]
    fn endless_distinct_fragments_stay_bounded() {
        let mut r = IpReassembler::new();
        let data = [0u8; 1000];
        for i in 0..(MAX_PENDING as u32 * 3) {
            let mut f = frag(i, 0, true, &data);
            f.id = i;
            r.fragment(&f);
        }
        assert!(r.pending.len() <= MAX_PENDING);
        assert!(r.held <= MAX_HELD_BYTES);
    }
}
