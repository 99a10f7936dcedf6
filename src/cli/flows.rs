//! `wirelens flows`: the conversation table.

use std::io::Write;

use dissectors::conversation::Conversation;

use super::{CliError, CsvOrJson, FlowsArgs, ProtoArg, display_filter, open, warn_read};
use crate::pipeline::{LoadOptions, load_file};
use crate::report::flows::{FlowRow, write_csv, write_json};

pub fn run(a: &FlowsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let filter = display_filter(a.filter.as_deref())?;
    let file = open(&a.file)?;
    let matched = filter
        .as_ref()
        .map(|f| super::matched::Matched::find(&file, f).0);
    let shown = |c: &Conversation, tcp: bool| match &matched {
        None => true,
        Some(m) if tcp => m.tcp.contains(&c.stream),
        Some(m) => m.udp.contains(&c.stream),
    };
    let snap = load_file(file, LoadOptions::batch(false)).wait();
    let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
    let mut rows = Vec::new();
    if a.proto != Some(ProtoArg::Udp) {
        rows.extend(
            snap.tcp
                .iter()
                .filter(|c| c.counted && shown(c, true))
                .map(|c| FlowRow::new(c, start)),
        );
    }
    if a.proto != Some(ProtoArg::Tcp) {
        rows.extend(
            snap.udp
                .iter()
                .filter(|c| c.counted && shown(c, false))
                .map(|c| FlowRow::new(c, start)),
        );
    }
    match a.format {
        CsvOrJson::Json => {
            write_json(&rows, out)?;
        }
        CsvOrJson::Csv => {
            write_csv(&rows, out)?;
        }
    }
    warn_read(&a.file, &snap.notes);
    Ok(())
}
