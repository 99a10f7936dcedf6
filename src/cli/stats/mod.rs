//! `packets -z ...`: tshark's statistics, with its spelling and its table
//! layout. Like tshark's taps they see every frame read (a `-Y` filter
//! chooses the packets printed, not the ones counted), each through its
//! own optional filter, and are printed after the packets, the last
//! given first.

mod conversations;
mod expert;
mod follow;
mod frame_facts;
mod h2_frames;
mod hierarchy;
mod io_stat;
mod stats_tree;
mod trees;

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value};
use dissectors::sink::{Presence, Sink, Span, Tee};

use self::conversations::{ConversationTable, EndpointTable, RelTime};
use self::expert::ExpertSummary;
use self::follow::FollowTap;
pub use self::follow::FrameSeen;
use self::frame_facts::{FactsSink, Kind};
use self::h2_frames::H2Frames;
use self::hierarchy::ProtocolHierarchy;
use self::io_stat::IoStat;
use self::trees::{MessageSink, Tree, TreeKind};
use super::CliError;
use crate::filter::{FilterSet, FilterSink};
use crate::store::follow_tls::TlsPlaintext;

/// One `-z` statistic.
#[derive(Debug)]
enum Table {
    Conversations(ConversationTable),
    Endpoints(EndpointTable),
    Hierarchy(ProtocolHierarchy),
    Io(IoStat),
    Expert(ExpertSummary),
    Follow(Box<FollowTap>),
    Tree(Box<Tree>),
}

#[derive(Debug)]
struct Tap {
    table: Table,
    /// Its filter's position in the filter set.
    filter: Option<usize>,
}

/// The `-z` statistics asked for, fed frame by frame.
#[derive(Debug)]
pub struct Statistics {
    taps: Vec<Tap>,
    filters: FilterSet,
    filter_sink: FilterSink,
    facts: FactsSink,
    /// The frame's decrypted TLS records, when some tap follows TLS.
    tls: Option<TlsPlaintext>,
    /// The frame's HTTP, HTTP/2 and DNS messages, when a tree counts them.
    messages: Option<MessageSink>,
    /// The frame's HTTP/2 frames, when a tap follows HTTP/2.
    h2: Option<H2Frames>,
    first_ts: Option<i64>,
    /// Some table reads protocols above TCP and UDP (all but the
    /// conversation and endpoint tables).
    above_transport: bool,
}

/// What `-z` takes, for the error that names an unknown one.
const KNOWN: &str = "conv,eth|ip|ipv6|tcp|udp[,FILTER], endpoints,eth|ip|ipv6|tcp|udp[,FILTER], \
     io,phs[,FILTER], io,stat,INTERVAL[,COLUMN...], expert[,LEVEL][,FILTER], \
     follow,tcp|udp|tls,ascii|hex|raw|yaml,STREAM[,RANGE], follow,http2,MODE,STREAM,SUBSTREAM, \
     http,tree, http2,tree, dns,tree, ptype,tree, ipv6_ptype,tree (each [,FILTER])";

impl Statistics {
    /// From the `-z` arguments, in the order given.
    pub fn new(args: &[String]) -> Result<Statistics, CliError> {
        let mut texts = Vec::new();
        let mut taps = Vec::new();
        let mut facts = FactsSink::default();
        let mut add_filter = |f: String| {
            texts.push(f);
            texts.len() - 1
        };
        for arg in args {
            if arg.starts_with("io,stat,") {
                let (mut io, filters) = io_stat::parse(arg)?;
                for (c, f) in io.columns.iter_mut().zip(filters) {
                    c.filter = f.map(&mut add_filter);
                }
                facts.sampled.extend(io.sampled_fields());
                facts.sampled_experts.extend(io.sampled_experts());
                taps.push(Tap {
                    table: Table::Io(io),
                    filter: None,
                });
                continue;
            }
            let (table, filter) = parse(arg)?;
            facts.keep_experts |= matches!(table, Table::Expert(_));
            let filter = filter.map(|f| add_filter(f.to_string()));
            taps.push(Tap { table, filter });
        }
        let (filters, errors) = FilterSet::compile(texts.iter().map(String::as_str));
        if let Some((i, e)) = errors.into_iter().next() {
            return Err(CliError(format!("-z filter \"{}\": {e}", texts[i])));
        }
        let filter_sink = filters.sink();
        let above_transport = taps.iter().any(|t| match &t.table {
            Table::Conversations(_) | Table::Endpoints(_) => false,
            Table::Follow(f) => f.wants_application(),
            _ => true,
        });
        let tls = taps
            .iter()
            .any(|t| matches!(&t.table, Table::Follow(f) if f.wants_tls()))
            .then(TlsPlaintext::default);
        let mut messages = MessageSink::default();
        for t in &taps {
            if let Table::Tree(t) = &t.table {
                match t.kind() {
                    TreeKind::Http => messages.http = true,
                    TreeKind::Http2 => messages.http2 = true,
                    TreeKind::Dns => messages.dns = true,
                    TreeKind::Ptype | TreeKind::Ipv6Ptype => {}
                }
            }
        }
        let messages = messages.wants_payload().then_some(messages);
        let h2 = taps
            .iter()
            .any(|t| matches!(&t.table, Table::Follow(f) if f.wants_http2()))
            .then(H2Frames::default);
        Ok(Statistics {
            above_transport,
            taps,
            filters,
            filter_sink,
            facts,
            tls,
            messages,
            h2,
            first_ts: None,
        })
    }

    /// Forgets the last frame: call before dissecting the next into
    /// `self` (then [`Statistics::count`]).
    pub fn clear(&mut self) {
        self.facts.clear();
        self.filter_sink.clear();
        if let Some(t) = self.tls.as_mut() {
            t.records.clear();
        }
        if let Some(m) = self.messages.as_mut() {
            m.clear();
        }
        if let Some(h) = self.h2.as_mut() {
            h.clear();
        }
    }

    /// Counts the frame just dissected: its bytes, its length on the
    /// wire and its time.
    pub fn count(&mut self, data: &[u8], orig_len: u32, ts_ns: i64) {
        let first = *self.first_ts.get_or_insert(ts_ns);
        let at = RelTime(ts_ns - first);
        let bytes = u64::from(orig_len);
        let facts = self.facts.finish();
        let (filters, sink) = (&self.filters, &self.filter_sink);
        let matches = |f: Option<usize>| f.is_none_or(|f| filters.matches(f, sink, data));
        for tap in &mut self.taps {
            if let Table::Io(io) = &mut tap.table {
                let at = io.interval_of(at.0);
                for col in 0..io.columns.len() {
                    if matches(io.columns[col].filter) {
                        io.count(col, at, bytes, &facts.samples);
                    }
                }
                continue;
            }
            if !matches(tap.filter) {
                continue;
            }
            match &mut tap.table {
                Table::Conversations(t) => {
                    let kind = t.kind();
                    for h in facts.headers.iter().filter(|h| h.kind == kind) {
                        t.add(h, bytes, at);
                    }
                }
                Table::Endpoints(t) => {
                    let kind = t.kind();
                    for h in facts.headers.iter().filter(|h| h.kind == kind) {
                        t.add(h, bytes);
                    }
                }
                Table::Hierarchy(h) => h.add(&facts.layers, bytes),
                Table::Expert(e) => e.add(&facts.experts),
                Table::Tree(tree) => {
                    let messages = self.messages.as_ref().map(|m| &m.messages);
                    let none = trees::Messages::default();
                    tree.add(at.ms(), messages.unwrap_or(&none), facts);
                }
                Table::Io(_) | Table::Follow(_) => {}
            }
        }
    }

    /// Hands the frame just dissected to the follow taps.
    pub fn follow(&mut self, frame: &FrameSeen<'_>) {
        for tap in &mut self.taps {
            if let Table::Follow(f) = &mut tap.table {
                f.see(
                    frame,
                    self.tls.as_ref().filter(|_| f.wants_tls()),
                    self.h2.as_ref(),
                );
            }
        }
    }

    /// Every statistic's table, the last given first (as tshark).
    pub fn draw(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        for tap in self.taps.iter_mut().rev() {
            let mut out = String::new();
            match &mut tap.table {
                Table::Conversations(t) => t.draw(&mut out),
                Table::Endpoints(t) => t.draw(&mut out),
                Table::Hierarchy(h) => h.draw(&mut out),
                Table::Io(io) => io.draw(w)?,
                Table::Expert(e) => e.draw(&mut out),
                Table::Follow(f) => f.draw(&mut out),
                Table::Tree(t) => t.draw(&mut out),
            }
            w.write_all(out.as_bytes())?;
        }
        Ok(())
    }
}

/// The sinks the statistics feed, as one.
macro_rules! all_sinks {
    ($s:expr) => {
        Tee(
            &mut $s.facts,
            &mut Tee(
                &mut $s.filter_sink,
                &mut Tee(&mut $s.tls, &mut Tee(&mut $s.messages, &mut $s.h2)),
            ),
        )
    };
}

/// Statistics take each frame's facts, whatever their filters test and
/// the decrypted TLS a follow tap reads.
impl Sink for Statistics {
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.facts.wants(def)
            || self.filter_sink.wants(def)
            || self.tls.wants(def)
            || self.messages.wants(def)
            || self.h2.wants(def)
    }
    fn wants_payload(&self) -> bool {
        self.above_transport || self.filter_sink.wants_payload()
    }
    fn wants_text(&self) -> bool {
        self.facts.wants_text() || self.filter_sink.wants_text()
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>) {
        all_sinks!(self).layer(proto, span, label);
    }
    fn end_layer(&mut self) {
        all_sinks!(self).end_layer();
    }
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence) {
        all_sinks!(self).field(def, span, value, presence);
    }
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        all_sinks!(self).text(span, label);
    }
    fn push(&mut self) {
        all_sinks!(self).push();
    }
    fn pop(&mut self) {
        all_sinks!(self).pop();
    }
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        all_sinks!(self).expert(def, span, message);
    }
    fn reenter(&mut self, handle: u32) {
        all_sinks!(self).reenter(handle);
    }
    // Numbered 1, 2, … in the order given, as every consumer numbers
    // them (the frame facts give none).
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        all_sinks!(self).source(name, bytes);
        self.filter_sink.sources_seen()
    }
}

/// A `-z` argument: the table it asks for and its filter.
fn parse(arg: &str) -> Result<(Table, Option<&str>), CliError> {
    let unknown = || {
        CliError(format!(
            "-z {arg}: not a statistic wirelens has; it has {KNOWN}"
        ))
    };
    if let Some(rest) = arg.strip_prefix("expert")
        && (rest.is_empty() || rest.starts_with(','))
    {
        let (summary, filter) = ExpertSummary::parse(rest);
        return Ok((Table::Expert(summary), filter));
    }
    if let Some((name, rest)) = arg.split_once(",tree")
        && (rest.is_empty() || rest.starts_with(','))
    {
        let kind = TreeKind::named(name).ok_or_else(unknown)?;
        let filter = rest
            .strip_prefix(',')
            .map(str::trim)
            .filter(|f| !f.is_empty());
        return Ok((Table::Tree(Box::new(Tree::new(kind))), filter));
    }
    if arg.starts_with("follow,") {
        return Ok((Table::Follow(Box::new(FollowTap::parse(arg)?)), None));
    }
    let mut parts = arg.splitn(3, ',');
    let (what, kind, filter) = (parts.next(), parts.next(), parts.next());
    let filter_text = filter.map(str::trim).filter(|f| !f.is_empty());
    let owned = filter_text.map(str::to_string);
    let table = match (what, kind) {
        (Some("conv"), Some(k)) => Table::Conversations(ConversationTable::new(
            Kind::named(k).ok_or_else(unknown)?,
            owned,
        )),
        (Some("endpoints"), Some(k)) => Table::Endpoints(EndpointTable::new(
            Kind::named(k).ok_or_else(unknown)?,
            owned,
        )),
        (Some("io"), Some("phs")) => Table::Hierarchy(ProtocolHierarchy::new(owned)),
        _ => return Err(unknown()),
    };
    Ok((table, filter_text))
}
