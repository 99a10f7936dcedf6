//! The sink a filter dissects into: it keeps the values of the names the
//! filter uses and nothing else, so dissectors skip the work of the rest
//! (a DNS name no one asks for is never decompressed).

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value};
use dissectors::sink::{Presence, Sink, Span};

use super::compile::Slot;

/// One kept value; bytes live in the sink's arena, so a frame costs no
/// allocation once the sink has warmed up.
#[derive(Debug, Clone, Copy)]
pub enum Val {
    Present,
    Int(i128),
    Float(f64),
    Time(i64),
    Bytes {
        off: u32,
        len: u32,
    },
    /// A protocol layer: its bytes are a span of the frame or a data source.
    Layer(Span),
}

/// Kept values of one frame, per slot of the filter.
#[derive(Debug, Default)]
pub struct FilterSink {
    /// (definition address, slot) for fields and protocols.
    wanted: Vec<(usize, u16)>,
    /// One bit per wanted definition (by its address), so that the many
    /// fields a filter does not name are turned away without a search.
    wanted_bits: u64,
    experts: Vec<(usize, u16)>,
    keep_sources: bool,
    /// Some name belongs above TCP and UDP.
    wants_payload: bool,
    pub(super) values: Vec<Vec<Val>>,
    pub(super) arena: Vec<u8>,
    /// Data sources (reassembled payloads), kept when a protocol's bytes
    /// are tested; ids start at 1 as in the details tree.
    pub(super) sources: Vec<Vec<u8>>,
}

impl FilterSink {
    pub(super) fn new(slots: &[Slot]) -> Self {
        let mut s = FilterSink {
            values: vec![Vec::new(); slots.len()],
            ..Default::default()
        };
        for (i, slot) in slots.iter().enumerate() {
            for f in &slot.fields {
                let a = *f as *const FieldDef as usize;
                s.wanted.push((a, i as u16));
                s.wanted_bits |= bit(a);
            }
            // A name both a field and an expert item carry (the TCP
            // analysis flags) is reported twice; count it once.
            let experts = if slot.fields.is_empty() {
                slot.experts.as_slice()
            } else {
                &[]
            };
            for e in experts {
                s.experts.push((*e as *const ExpertDef as usize, i as u16));
            }
            s.keep_sources |= slot.needs_bytes;
            s.wants_payload |= !below_payload(slot);
        }
        s
    }

    /// Ready for the next frame.
    pub fn clear(&mut self) {
        for v in &mut self.values {
            v.clear();
        }
        self.arena.clear();
        self.sources.clear();
    }

    #[inline]
    fn slot_of(&self, def: &FieldDef) -> Option<u16> {
        let a = def as *const FieldDef as usize;
        if self.wanted_bits & bit(a) == 0 {
            return None;
        }
        self.wanted.iter().find(|w| w.0 == a).map(|w| w.1)
    }

    #[inline(never)]
    fn keep(&mut self, s: u16, value: Value<'_>) {
        let v = match value {
            Value::None => Val::Present,
            Value::Bool(b) => Val::Int(b.into()),
            Value::U64(v) => Val::Int(v.into()),
            Value::I64(v) => Val::Int(v.into()),
            Value::F64(v) => Val::Float(v),
            Value::AbsTime(t) | Value::RelTime(t) => Val::Time(t),
            Value::Bytes(b) => self.keep_bytes(b),
            Value::Str(t) => self.keep_bytes(t.as_bytes()),
            Value::Ether(m) => self.keep_bytes(&m),
            Value::Ipv4(a) => self.keep_bytes(&a),
            Value::Ipv6(a) => self.keep_bytes(&a),
        };
        self.values[s as usize].push(v);
    }

    /// Keeps `value` for `slot` as if a dissector had reported it (values
    /// answered from the index).
    pub(super) fn put(&mut self, slot: u16, value: Value<'_>) {
        if usize::from(slot) < self.values.len() {
            self.keep(slot, value);
        }
    }

    /// The values kept for `slot`, each as text, sorted: what tests compare
    /// when two ways of filling a sink must agree up to order.
    pub fn slot_values(&self, slot: u16, frame: &[u8]) -> Vec<String> {
        let mut v: Vec<String> = self
            .values
            .get(usize::from(slot))
            .into_iter()
            .flatten()
            .map(|v| match v {
                Val::Bytes { .. } | Val::Layer(_) => format!("{:02x?}", self.bytes(frame, v)),
                other => format!("{other:?}"),
            })
            .collect();
        v.sort();
        v
    }

    fn keep_bytes(&mut self, b: &[u8]) -> Val {
        // A frame's values beyond 4 GiB cannot happen (captures cap frames
        // far lower); saturate rather than wrap all the same.
        let off = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
        self.arena.extend_from_slice(b);
        Val::Bytes {
            off,
            len: u32::try_from(b.len()).unwrap_or(u32::MAX),
        }
    }

    /// The bytes of a kept value (empty for others).
    pub(super) fn bytes<'a>(&'a self, frame: &'a [u8], v: &Val) -> &'a [u8] {
        match *v {
            Val::Bytes { off, len } => self
                .arena
                .get(off as usize..off as usize + len as usize)
                .unwrap_or(&[]),
            // As in Wireshark, a protocol's value is its data from where the
            // layer starts to the end of the buffer it was given (`tcp
            // contains "GET"` looks into the payload), though the layer's
            // own item may be only its header.
            Val::Layer(span) => {
                let src: &[u8] = if span.source == 0 {
                    frame
                } else {
                    self.sources
                        .get(span.source as usize - 1)
                        .map_or(&[], Vec::as_slice)
                };
                src.get(span.start as usize..).unwrap_or(&[])
            }
            _ => &[],
        }
    }
}

/// Whether all of a name's values come from the layers up to TCP and UDP,
/// so that a replayed frame need not dissect what they carry.
pub fn below_payload(slot: &Slot) -> bool {
    const LOW: &[&str] = &[
        "frame",
        "eth",
        "ethertype",
        "vlan",
        "ieee8021ad",
        "sll",
        "null",
        "raw",
        "arp",
        "ip",
        "ipv6",
        "icmp",
        "icmpv6",
        "tcp",
        "udp",
    ];
    // Filled in once the whole stack is known, or by the application
    // layers (TCP reassembly's segment lists).
    const HIGH: &[&str] = &[
        "frame.protocols",
        "tcp.segment",
        "tcp.reassembled",
        "tcp.pdu",
    ];
    // An expert stands for its protocol's layer as a field does (TCP's
    // `tcp.analysis.*` come from the analysis of the segment alone).
    let proto = slot.name.split('.').next().unwrap_or("");
    LOW.contains(&proto) && !HIGH.iter().any(|h| slot.name.starts_with(h))
}

/// Definitions are statics laid out one after another, so their index
/// modulo 64 spreads them over the bits.
#[inline]
pub fn bit(addr: usize) -> u64 {
    1 << ((addr / std::mem::size_of::<FieldDef>()) % 64)
}

impl FilterSink {
    /// How many data sources the frame has given so far (the number of the
    /// last).
    pub fn sources_seen(&self) -> u16 {
        self.sources.len() as u16
    }

    /// The fields the filters read, as [`bit`]s.
    pub fn wanted_bits(&self) -> u64 {
        self.wanted_bits
    }
}

impl Sink for FilterSink {
    #[inline]
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.slot_of(def).is_some()
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn wants_payload(&self) -> bool {
        self.wants_payload
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, _: fmt::Arguments<'_>) {
        if let Some(s) = self.slot_of(proto) {
            self.values[s as usize].push(Val::Layer(span));
        }
    }
    fn end_layer(&mut self) {}
    #[inline]
    fn field(&mut self, def: &'static FieldDef, _: Span, value: Value<'_>, _: Presence) {
        // The test inlines into every dissector's call; keeping is out of line.
        if let Some(s) = self.slot_of(def) {
            self.keep(s, value);
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, def: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {
        let a = def as *const ExpertDef as usize;
        if let Some(&(_, s)) = self.experts.iter().find(|w| w.0 == a) {
            self.values[s as usize].push(Val::Present);
        }
    }
    fn source(&mut self, _name: &str, bytes: &[u8]) -> u16 {
        self.sources.push(if self.keep_sources {
            bytes.to_vec()
        } else {
            Vec::new()
        });
        self.sources.len() as u16
    }
}
