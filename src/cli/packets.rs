//! `wirelens packets`: the packet list, one packet per row.

use std::io::Write;

use dissectors::packet::Transport;
use dissectors::tcp_analysis::Flag;
use dissectors::tree::TreeBuilder;
use serde::Serialize;

use super::frame_sinks::FrameSinks;
use super::stats::{FrameSeen, Statistics};
use super::time_column::Times;
use super::tshark_fields::{Columns, FieldPicker, FieldsLayout};
use super::{
    CliError, JsonArray, PacketsArgs, TextOrJson, TsharkFormat, display_filter, epoch_string,
    open_or_stdin, warn_read,
};
use crate::filter::DisplayFilter;
use crate::pass::Pass;
use crate::store::tcp::TcpRecord;

#[derive(Serialize)]
struct PacketRow<'a> {
    number: u32,
    time_epoch: String,
    src: String,
    dst: String,
    protocol: &'a str,
    length: u32,
    info: &'a str,
    layers: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<u32>,
    /// TCP: `tcp.analysis.*` flag names.
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Vec<&'static str>>,
    /// TCP: relative sequence and acknowledgement numbers, payload length,
    /// calculated window.
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ack: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    win: Option<u32>,
}

pub fn run(a: &PacketsArgs, out: &mut impl Write) -> Result<(), CliError> {
    if let Some(iface) = &a.live_interface {
        return super::live_packets::run(a, iface, out);
    }
    let path = a.path();
    let file = open_or_stdin(path)?;
    let mut reader = file.reader();
    let mut printer = PacketPrinter::new(a, file.format == crate::capture::Format::Pcapng, out)?;
    while let Some(rec) = reader.next() {
        if a.count.is_some_and(|c| u64::from(printer.number) >= c) {
            break;
        }
        printer.pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        printer.frame(&rec, iface, file.data(rec.offset, rec.caplen), out)?;
    }
    printer.finish(out)?;
    warn_read(path, &reader.notes);
    Ok(())
}

/// What `packets` prints, fed one frame at a time (from a file or a live
/// capture): the packet list, `-T fields` lines, JSON rows or `-x` dumps,
/// then the statistics.
pub struct PacketPrinter<'a> {
    args: &'a PacketsArgs,
    pub pass: Pass,
    layout: Option<FieldsLayout>,
    opts: dissectors::packet::Options,
    json: Option<JsonArray>,
    /// `-T json`'s array of details trees.
    json_trees: Option<super::json_tree::JsonPackets>,
    filter: Option<DisplayFilter>,
    filter_sink: Option<crate::filter::FilterSink>,
    picker: Option<FieldPicker>,
    stats: Option<Statistics>,
    first_ts: Option<i64>,
    /// The previous packet's time, and the previous shown one's.
    previous: Option<i64>,
    previous_shown: Option<i64>,
    /// Frames read so far.
    pub number: u32,
    text: String,
}

impl<'a> PacketPrinter<'a> {
    /// Checks the options and writes what comes before the first packet
    /// (a `-T fields` header, JSON's opening bracket).
    pub fn new(
        a: &'a PacketsArgs,
        interfaces_described: bool,
        out: &mut impl Write,
    ) -> Result<PacketPrinter<'a>, CliError> {
        let layout = match a.output {
            Some(TsharkFormat::Fields) => Some(FieldsLayout::new(&a.fields, &a.field_options)?),
            // tshark's JSON of `-e` fields names each once, where it was
            // named last.
            Some(TsharkFormat::Json) if !a.fields.is_empty() => {
                let f = &a.fields;
                let names: Vec<String> = (0..f.len())
                    .filter(|&i| !f[i + 1..].contains(&f[i]))
                    .map(|i| f[i].clone())
                    .collect();
                Some(FieldsLayout::new(&names, &[])?)
            }
            _ if !a.fields.is_empty() => {
                return Err(CliError(
                    "-e fields are printed with -T fields or -T json".into(),
                ));
            }
            _ => None,
        };
        let mut pass = Pass::new(true);
        pass.interfaces_described = interfaces_described;
        // The Info column costs a little per packet: made when shown.
        let info = !a.quiet
            && layout
                .as_ref()
                .is_none_or(|l| l.names.iter().any(|n| n == "_ws.col.Info"));
        let json = match (a.format, &layout, a.output, a.hex || a.quiet) {
            (TextOrJson::Json, None, None, false) => Some(JsonArray::start(out)?),
            _ => None,
        };
        let json_trees = match (a.output, a.quiet) {
            (Some(TsharkFormat::Json), false) => {
                let mut text = String::new();
                let j = super::json_tree::JsonPackets::start(&mut text);
                out.write_all(text.as_bytes())?;
                Some(j)
            }
            _ => None,
        };
        let filter = display_filter(a.filter.as_deref())?;
        let filter_sink = filter.as_ref().map(DisplayFilter::sink);
        let picker = match &layout {
            Some(l) => {
                let mut p = FieldPicker::new(&l.names)?;
                p.raw_text = a.output == Some(TsharkFormat::Json);
                Some(p)
            }
            None => None,
        };
        let stats = match a.statistics.is_empty() {
            true => None,
            false => Some(Statistics::new(&a.statistics)?),
        };
        if let Some(h) = layout
            .as_ref()
            .and_then(FieldsLayout::header)
            .filter(|_| !a.quiet)
        {
            writeln!(out, "{h}")?;
        }
        Ok(PacketPrinter {
            args: a,
            pass,
            layout,
            opts: crate::pass::options(info),
            json,
            json_trees,
            filter,
            filter_sink,
            picker,
            stats,
            first_ts: None,
            previous: None,
            previous_shown: None,
            number: 0,
            text: String::new(),
        })
    }

    /// Dissects the next frame, counts it in the statistics and prints it
    /// if the display filter keeps it.
    pub fn frame(
        &mut self,
        rec: &crate::capture::Record,
        iface: Option<&crate::capture::Interface>,
        data: &[u8],
        out: &mut impl Write,
    ) -> Result<(), CliError> {
        let a = self.args;
        let quiet = a.quiet;
        let digits = iface.map_or(6, |i| i.resolution.digits());
        self.number += 1;
        let number = self.number;
        // Times are relative to the first frame, displayed or not.
        let first = *self.first_ts.get_or_insert(rec.ts_ns);
        let times = Times {
            ts_ns: rec.ts_ns,
            first_ns: first,
            previous_ns: self.previous.replace(rec.ts_ns).unwrap_or(rec.ts_ns),
            previous_shown_ns: self.previous_shown.unwrap_or(rec.ts_ns),
            digits,
        };
        if let Some(f) = self.filter_sink.as_mut() {
            f.clear();
        }
        if let Some(p) = self.picker.as_mut() {
            p.clear();
        }
        if let Some(s) = self.stats.as_mut() {
            s.clear();
        }
        // The data sources `-x` prints come with the frame's tree.
        // The tree is built for `-x`, `-V` and `-T json` without `-e`.
        let json_tree = self.json_trees.is_some() && self.picker.is_none();
        let mut tree = ((a.hex || a.details() || json_tree) && !quiet).then(TreeBuilder::new);
        let mut sinks = FrameSinks::new(
            self.filter_sink.as_mut(),
            if quiet { None } else { self.picker.as_mut() },
            tree.as_mut(),
            self.stats.as_mut(),
        );
        // The consumers want the same of every frame: when they read
        // nothing above TCP and UDP (and no Info column is made), no frame
        // needs the application state.
        let opts = dissectors::packet::Options {
            payload_unread: !self.opts.columns && !dissectors::sink::Sink::wants_payload(&sinks),
            ..self.opts
        };
        if self.filter.is_some() {
            self.pass.displayed = crate::pass::Displayed::LastShown(self.previous_shown);
        }
        let (pi, answers) = self.pass.frame(rec, iface, data, opts, &mut sinks);
        if let Some(s) = self.stats.as_mut() {
            s.count(data, rec.orig_len, rec.ts_ns);
            s.follow(&FrameSeen {
                number,
                ts_ns: rec.ts_ns,
                data,
                pi,
                answers,
            });
        }
        if let (Some(f), Some(s)) = (&self.filter, &self.filter_sink)
            && !f.matches(s, data)
        {
            return Ok(());
        }
        self.previous_shown = Some(rec.ts_ns);
        if quiet {
            return Ok(());
        }
        let text = &mut self.text;
        if let Some(tree) = tree {
            text.clear();
            let tree = tree.finish();
            if let Some(j) = self.json_trees.as_mut() {
                j.packet(text, &tree, &day(rec.ts_ns));
            } else if a.details() {
                super::verbose_tree::packet(text, &tree, data, a.hex, &a.only_details);
                if a.hex {
                    super::hex_dump::packet(text, data, &tree.sources);
                }
            } else {
                super::hex_dump::packet(text, data, &tree.sources);
            }
            out.write_all(text.as_bytes())?;
            return Ok(());
        }
        if let (Some(l), Some(p)) = (&self.layout, self.picker.as_mut()) {
            p.take_columns(&Columns {
                number,
                times: &times,
                time_format: a.time_format,
                pi,
                length: rec.orig_len,
            });
            match self.json_trees.as_mut() {
                Some(j) => {
                    text.clear();
                    j.fields(text, &l.names, p, &day(rec.ts_ns));
                }
                None => {
                    l.line(p, text);
                    text.push('\n');
                }
            }
            out.write_all(text.as_bytes())?;
            return Ok(());
        }
        match self.json.as_mut() {
            Some(j) => j.item(out, &json_row(number, rec, digits, pi, answers))?,
            None => {
                // tshark's packet list: number, time, source and
                // destination padded to at least 5, 10, 12 and 12.
                text.clear();
                a.time_format.write(text, &times);
                writeln!(
                    out,
                    "{number:>5} {text:>10} {:>12} \u{2192} {:<12} {} {} {}",
                    pi.src.to_string(),
                    pi.dst.to_string(),
                    pi.protocol,
                    rec.orig_len,
                    pi.info
                )?;
            }
        }
        Ok(())
    }

    /// Closes the JSON array and prints the statistics.
    pub fn finish(self, out: &mut impl Write) -> Result<(), CliError> {
        if let Some(j) = self.json {
            j.end(out)?;
        }
        if let Some(j) = self.json_trees {
            let mut text = String::new();
            j.end(&mut text);
            out.write_all(text.as_bytes())?;
        }
        if let Some(mut s) = self.stats {
            s.draw(out)?;
        }
        Ok(())
    }
}

/// A packet's date, `YYYY-MM-DD` (UTC), as `-T json` names its index.
fn day(ts_ns: i64) -> String {
    let (y, m, d) = dissectors::field::civil_from_days(ts_ns.div_euclid(86_400_000_000_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// wirelens' own JSON row of a packet.
fn json_row<'p>(
    number: u32,
    rec: &crate::capture::Record,
    digits: u32,
    pi: &'p dissectors::packet::PacketInfo,
    answers: &dissectors::analysis::FrameAnswers,
) -> PacketRow<'p> {
    let stream = match pi.transport {
        Transport::Tcp(_) => answers.tcp.as_ref().map(|a| a.stream),
        Transport::Udp(_) => answers.udp.map(|a| a.stream),
        Transport::None => None,
    };
    let tcp = match (pi.transport, &answers.tcp) {
        (Transport::Tcp(seg), Some(a)) => Some(TcpRecord::new(0, 0, &seg, a, 0)),
        _ => None,
    };
    PacketRow {
        number,
        // A Simple Packet Block carries no time, as tshark shows.
        time_epoch: if rec.has_ts {
            epoch_string(rec.ts_ns, digits)
        } else {
            String::new()
        },
        src: pi.src.to_string(),
        dst: pi.dst.to_string(),
        protocol: &pi.protocol,
        length: rec.orig_len,
        info: &pi.info,
        layers: pi.protocols.iter().map(|p| p.name()).collect(),
        stream,
        analysis: tcp.map(|r| {
            Flag::ALL
                .iter()
                .filter(|f| r.has(**f))
                .map(|f| f.name())
                .collect()
        }),
        seq: tcp.map(|r| r.seq),
        ack: tcp.map(|r| r.ack),
        len: tcp.map(|r| r.len),
        win: tcp.map(|r| r.win),
    }
}
