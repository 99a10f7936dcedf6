//! `wirelens fields`: every name a display filter can use, generated from
//! the dissectors' own definitions (like `tshark -G fields`): protocols,
//! fields with their type and description, expert items.

use std::io::Write;

use dissectors::field::FieldDef;
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

/// `wirelens -G fields|protocols`: tshark's glossaries in its layout.
/// `fields`: a `P` line per protocol (title, name), then an `F` line per
/// field: title, name, type, protocol, display base, bit mask, blurb.
/// `protocols`: title, short name, name.
pub fn glossary(report: &str, out: &mut impl Write) -> Result<(), CliError> {
    match report {
        "fields" => {
            let mut fields: Vec<&FieldDef> = registry::fields().collect();
            fields.sort_by_key(|f| f.name);
            let mut protocols: Vec<_> = registry::protocols().collect();
            protocols.sort_by_key(|p| p.name());
            protocols.dedup_by_key(|p| p.name());
            for p in protocols {
                writeln!(out, "P\t{}\t{}", p.field.title, p.name())?;
                for f in fields.iter().filter(|f| f.protocol() == p.name()) {
                    field_line(out, f)?;
                }
            }
        }
        "protocols" => {
            let mut protocols: Vec<_> = registry::protocols().collect();
            protocols.sort_by_key(|p| p.name());
            protocols.dedup_by_key(|p| p.name());
            for p in protocols {
                let short = if p.column.is_empty() {
                    p.field.title
                } else {
                    p.column
                };
                writeln!(out, "{}\t{short}\t{}", p.field.title, p.name())?;
            }
        }
        other => {
            return Err(CliError(format!(
                "-G {other}: wirelens has the glossaries fields and protocols"
            )));
        }
    }
    Ok(())
}

fn field_line(out: &mut impl Write, f: &FieldDef) -> std::io::Result<()> {
    writeln!(
        out,
        "F\t{}\t{}\t{}\t{}\t{}\t{:#x}\t{}",
        f.title,
        f.name,
        f.ftype.ws_name(),
        f.protocol(),
        display_base(f),
        f.mask,
        f.blurb
    )
}

/// tshark's display column: an integer's base, a boolean's container
/// width in bits (0 without a mask; wirelens keeps masks, not widths, so
/// the width is the least whole byte count the mask fits in), empty for
/// the rest.
fn display_base(f: &FieldDef) -> String {
    use dissectors::field::{Base, FieldType as T};
    match f.ftype {
        T::Boolean if f.mask == 0 => "0".into(),
        T::Boolean => {
            let bits = 64 - f.mask.leading_zeros();
            (bits.div_ceil(8) * 8).to_string()
        }
        T::U8 | T::U16 | T::U24 | T::U32 | T::U64 | T::I32 => match f.base {
            Base::Dec => "BASE_DEC",
            Base::Hex => "BASE_HEX",
            Base::DecHex => "BASE_DEC_HEX",
            Base::HexDec => "BASE_HEX_DEC",
            Base::None | Base::Epoch => "BASE_NONE",
        }
        .into(),
        _ => String::new(),
    }
}
