//! `wirelens packets`: the packet list, one packet per row.

use std::io::Write;

use dissectors::packet::Transport;
use dissectors::sink::NullSink;
use dissectors::tcp_analysis::Flag;
use serde::Serialize;

use super::{
    CliError, JsonArray, PacketsArgs, TextOrJson, display_filter, epoch_string, open, warn_read,
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
    let file = open(&a.file)?;
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.interfaces_described = file.format == crate::capture::Format::Pcapng;
    let opts = crate::pass::options(true);
    let mut json = match a.format {
        TextOrJson::Json => Some(JsonArray::start(out)?),
        TextOrJson::Text => None,
    };
    let filter = display_filter(a.filter.as_deref())?;
    let mut sink = filter.as_ref().map(DisplayFilter::sink);
    let mut first_ts = None;
    let mut number = 0u32;
    let mut text = String::new();
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let digits = iface.map_or(6, |i| i.resolution.digits());
        let data = file.data(rec.offset, rec.caplen);
        number += 1;
        // Times are relative to the first frame, displayed or not.
        let first = *first_ts.get_or_insert(rec.ts_ns);
        let (pi, answers) = match (&filter, sink.as_mut()) {
            (Some(f), Some(s)) => {
                s.clear();
                let r = pass.frame(&rec, iface, data, opts, s);
                if !f.matches(s, data) {
                    continue;
                }
                r
            }
            _ => pass.frame(&rec, iface, data, opts, &mut NullSink),
        };
        let stream = match pi.transport {
            Transport::Tcp(_) => answers.tcp.as_ref().map(|a| a.stream),
            Transport::Udp(_) => answers.udp.map(|a| a.stream),
            Transport::None => None,
        };
        let tcp = match (pi.transport, &answers.tcp) {
            (Transport::Tcp(seg), Some(a)) => Some(TcpRecord::new(0, 0, &seg, a, 0)),
            _ => None,
        };
        match json.as_mut() {
            Some(j) => j.item(
                out,
                &PacketRow {
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
                },
            )?,
            None => {
                text.clear();
                let _ = dissectors::field::write_secs(&mut text, rec.ts_ns.saturating_sub(first));
                let rel = &text[..text.len().saturating_sub(3)];
                writeln!(
                    out,
                    "{number:>7} {rel:>13} {} \u{2192} {} {} {} {}",
                    pi.src, pi.dst, pi.protocol, rec.orig_len, pi.info
                )?;
            }
        }
    }
    if let Some(j) = json {
        j.end(out)?;
    }
    warn_read(&a.file, &reader.notes);
    Ok(())
}
