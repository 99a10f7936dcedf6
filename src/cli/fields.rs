//! `wirelens fields`: every name a display filter can use, generated from
//! the dissectors' own definitions (like `tshark -G fields`): protocols,
//! fields with their type and description, expert items.

use std::io::Write;

use dissectors::registry;
use serde::Serialize;

use super::{CliError, TextOrJson};

#[derive(Debug, clap::Args)]
pub struct FieldsArgs {
    /// Only names starting with this (`tcp.analysis`, `dns.`).
    pub prefix: Option<String>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Serialize)]
struct Entry {
    /// `protocol`, `field` or `expert`.
    kind: &'static str,
    name: &'static str,
    title: &'static str,
    /// Wireshark's type name (`FT_UINT16`); experts have none.
    #[serde(skip_serializing_if = "str::is_empty")]
    r#type: &'static str,
    protocol: &'static str,
    description: &'static str,
}

fn entries() -> Vec<Entry> {
    let mut v = Vec::new();
    for p in registry::protocols() {
        v.push(Entry {
            kind: "protocol",
            name: p.name(),
            title: p.field.title,
            r#type: p.field.ftype.ws_name(),
            protocol: p.name(),
            description: p.field.blurb,
        });
    }
    for f in registry::fields() {
        v.push(Entry {
            kind: "field",
            name: f.name,
            title: f.title,
            r#type: f.ftype.ws_name(),
            protocol: f.protocol(),
            description: f.blurb,
        });
    }
    for e in registry::experts() {
        v.push(Entry {
            kind: "expert",
            name: e.name,
            title: e.summary,
            r#type: "",
            protocol: e.name.split('.').next().unwrap_or(""),
            description: e.severity.name(),
        });
    }
    v.sort_by(|a, b| a.name.cmp(b.name).then(a.kind.cmp(b.kind)));
    v
}

pub fn run(a: &FieldsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let list: Vec<Entry> = entries()
        .into_iter()
        .filter(|e| a.prefix.as_deref().is_none_or(|p| e.name.starts_with(p)))
        .collect();
    match a.format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        TextOrJson::Text => {
            for e in &list {
                // tshark -G fields' columns: kind, title, name, type, protocol, blurb.
                let kind = match e.kind {
                    "protocol" => "P",
                    "field" => "F",
                    _ => "E",
                };
                writeln!(
                    out,
                    "{kind}\t{}\t{}\t{}\t{}\t{}",
                    e.title, e.name, e.r#type, e.protocol, e.description
                )?;
            }
        }
    }
    Ok(())
}
