//! The dataset's packets table: the packet list as `wirelens packets
//! --format json` gives it, a row per frame, written in batches as the
//! file is read (a capture of any size in bounded memory).

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, TimestampNanosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use dissectors::packet::Transport;
use dissectors::sink::NullSink;
use dissectors::tcp_analysis::Flag;

use super::columns::{Column, Kind, col, schema};
use super::writer::PartWriter;
use crate::capture::{CaptureFile, ReadNotes};
use crate::pass::Pass;
use crate::store::tcp::TcpRecord;

pub const COLUMNS: &[Column] = &[
    col("number", Kind::Int),
    col("time", Kind::Time),
    col("src", Kind::Text),
    col("dst", Kind::Text),
    col("protocol", Kind::Text),
    col("length", Kind::Int),
    col("info", Kind::Text),
    col("layers", Kind::TextList),
    // "tcp" or "udp": which numbering `stream` is (flows' `proto`).
    col("transport", Kind::Text),
    col("stream", Kind::Int),
    col("tcp_analysis", Kind::TextList),
];

/// Rows per batch handed to the writer.
const BATCH_ROWS: usize = 64 * 1024;

struct Batch {
    number: Int64Builder,
    time: TimestampNanosecondBuilder,
    src: StringBuilder,
    dst: StringBuilder,
    protocol: StringBuilder,
    length: Int64Builder,
    info: StringBuilder,
    layers: ListBuilder<StringBuilder>,
    transport: StringBuilder,
    stream: Int64Builder,
    tcp_analysis: ListBuilder<StringBuilder>,
    rows: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            number: Int64Builder::new(),
            time: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            src: StringBuilder::new(),
            dst: StringBuilder::new(),
            protocol: StringBuilder::new(),
            length: Int64Builder::new(),
            info: StringBuilder::new(),
            layers: ListBuilder::new(StringBuilder::new()),
            transport: StringBuilder::new(),
            stream: Int64Builder::new(),
            tcp_analysis: ListBuilder::new(StringBuilder::new()),
            rows: 0,
        }
    }

    fn finish(&mut self) -> RecordBatch {
        self.rows = 0;
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(self.number.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.src.finish()),
            Arc::new(self.dst.finish()),
            Arc::new(self.protocol.finish()),
            Arc::new(self.length.finish()),
            Arc::new(self.info.finish()),
            Arc::new(self.layers.finish()),
            Arc::new(self.transport.finish()),
            Arc::new(self.stream.finish()),
            Arc::new(self.tcp_analysis.finish()),
        ];
        RecordBatch::try_new(schema(COLUMNS), arrays)
            .expect("one value per row in each column, of its declared type")
    }
}

/// Dissects every frame of `file` (as `packets` does: TCP analysis and
/// the application protocols, for Info) and writes its row. Returns the
/// rows written and how reading ended.
pub fn write(file: &CaptureFile, out: &mut PartWriter) -> Result<(u64, ReadNotes), String> {
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.interfaces_described = file.format == crate::capture::Format::Pcapng;
    let opts = crate::pass::options(true);
    let mut batch = Batch::new();
    let mut text = String::new();
    let mut rows = 0u64;
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        let number = pass.frames() + 1;
        let (pi, answers) = pass.frame(&rec, iface, data, opts, &mut NullSink);
        let b = &mut batch;
        b.number.append_value(i64::from(number));
        // A Simple Packet Block carries no time.
        b.time.append_option(rec.has_ts.then_some(rec.ts_ns));
        text.clear();
        append_display(&mut text, &pi.src);
        b.src.append_value(&text);
        text.clear();
        append_display(&mut text, &pi.dst);
        b.dst.append_value(&text);
        b.protocol.append_value(&pi.protocol);
        b.length.append_value(i64::from(rec.orig_len));
        b.info.append_value(&pi.info);
        for p in &pi.protocols {
            b.layers.values().append_value(p.name());
        }
        b.layers.append(true);
        let (transport, stream, tcp) = match pi.transport {
            Transport::Tcp(seg) => (
                Some("tcp"),
                answers.tcp.as_ref().map(|a| a.stream),
                // As `packets`: none on a segment whose header is cut.
                answers
                    .tcp
                    .as_ref()
                    .map(|a| TcpRecord::new(0, 0, &seg, a, 0)),
            ),
            Transport::Udp(_) => (Some("udp"), answers.udp.map(|a| a.stream), None),
            Transport::None => (None, None, None),
        };
        b.transport.append_option(transport);
        b.stream.append_option(stream.map(i64::from));
        match tcp {
            Some(r) => {
                for f in Flag::ALL.iter().filter(|f| r.has(**f)) {
                    b.tcp_analysis.values().append_value(f.name());
                }
                b.tcp_analysis.append(true);
            }
            None => b.tcp_analysis.append(false),
        }
        b.rows += 1;
        rows += 1;
        if b.rows == BATCH_ROWS {
            out.write(&batch.finish())?;
        }
    }
    if batch.rows > 0 {
        out.write(&batch.finish())?;
    }
    Ok((rows, reader.notes))
}

fn append_display(out: &mut String, v: &impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}
