//! `packets -T fields -e NAME ... -E OPTION=VALUE`: tshark's field output,
//! one line per packet, each `-e` field's values as tshark prints them
//! (`dissectors::field::Show`), a protocol name standing for its layer's
//! label, `_ws.col.*` for the packet list's columns.

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Show, Value};
use dissectors::packet::PacketInfo;
use dissectors::sink::{Presence, Sink, Span};

use super::CliError;
use super::time_column::{TimeFormat, Times};

/// Which of a field's values a column shows (`-E occurrence=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    First,
    Last,
    All,
}

/// How the lines are laid out: tshark's `-E` options.
#[derive(Debug, Clone)]
pub struct FieldsLayout {
    pub names: Vec<String>,
    header: bool,
    separator: String,
    occurrence: Occurrence,
    aggregator: String,
    quote: Option<char>,
}

/// `/t`, `/s` or the text itself.
fn escape(v: &str) -> String {
    match v {
        "/t" => "\t".into(),
        "/s" => " ".into(),
        other => other.into(),
    }
}

impl FieldsLayout {
    /// From `-e` names and `-E name=value` options; an unknown option or
    /// value is named as tshark names it.
    pub fn new(names: &[String], options: &[String]) -> Result<FieldsLayout, CliError> {
        if names.is_empty() {
            return Err(CliError("-T fields was given without any -e field".into()));
        }
        let mut l = FieldsLayout {
            names: names.to_vec(),
            header: false,
            separator: "\t".into(),
            occurrence: Occurrence::All,
            aggregator: ",".into(),
            quote: None,
        };
        for o in options {
            let bad = || CliError(format!("Invalid -E option: {o}"));
            let (k, v) = o.split_once('=').ok_or_else(bad)?;
            match (k, v) {
                ("header", "y") => l.header = true,
                ("header", "n") => l.header = false,
                ("separator", v) if !v.is_empty() => l.separator = escape(v),
                ("aggregator", v) if !v.is_empty() => l.aggregator = escape(v),
                ("occurrence", "f") => l.occurrence = Occurrence::First,
                ("occurrence", "l") => l.occurrence = Occurrence::Last,
                ("occurrence", "a") => l.occurrence = Occurrence::All,
                ("quote", "d") => l.quote = Some('"'),
                ("quote", "s") => l.quote = Some('\''),
                ("quote", "n") => l.quote = None,
                _ => return Err(bad()),
            }
        }
        Ok(l)
    }

    /// The header line (`-E header=y`), if asked for.
    pub fn header(&self) -> Option<String> {
        self.header.then(|| self.names.join(&self.separator))
    }

    /// A packet's line, without its newline, into `out`: for each name,
    /// its values (in tree order).
    pub fn line(&self, picked: &FieldPicker, out: &mut String) {
        out.clear();
        for i in 0..self.names.len() {
            if i > 0 {
                out.push_str(&self.separator);
            }
            let mut values = picked.values(i);
            let (first, rest) = match self.occurrence {
                Occurrence::All => (values.next(), Some(values)),
                Occurrence::First => (values.next(), None),
                Occurrence::Last => (values.last(), None),
            };
            // tshark quotes a field that has a value, and leaves an empty
            // one empty.
            let Some(first) = first else {
                continue;
            };
            if let Some(q) = self.quote {
                out.push(q);
            }
            out.push_str(first);
            for v in rest.into_iter().flatten() {
                out.push_str(&self.aggregator);
                out.push_str(v);
            }
            if let Some(q) = self.quote {
                out.push(q);
            }
        }
    }
}

/// A value as `-T fields` prints it, onto `out`: the "show" string of
/// tshark's JSON, except that byte strings are plain hex and text has its
/// control characters escaped C-style (tshark's `format_text`).
fn write_field_text(out: &mut String, def: &FieldDef, value: &Value<'_>) {
    use std::fmt::Write as _;
    match value {
        // A field with no value is there: tshark prints 1 (its print.c),
        // so that scripts can test for it.
        Value::None => out.push('1'),
        // tshark's words for an empty byte string.
        Value::Bytes([]) => out.push_str("<none>"),
        Value::Bytes(b) => {
            for x in *b {
                let _ = write!(out, "{x:02x}");
            }
        }
        Value::Str(s) => dissectors::field::write_format_text(out, s),
        v => {
            let _ = write!(out, "{}", Show(def, v));
        }
    }
}

/// The packet list's columns by their `_ws.col.` names.
pub struct Columns<'a> {
    pub number: u32,
    /// When the packet was, and how the Time column shows it (`-t`).
    pub times: &'a Times,
    pub time_format: TimeFormat,
    pub pi: &'a PacketInfo,
    pub length: u32,
}

impl Columns<'_> {
    /// Column `name`'s text onto `out`; false for a name not a column.
    fn write(&self, name: &str, out: &mut String) -> bool {
        use std::fmt::Write as _;
        let _ = match name.strip_prefix("_ws.col.") {
            Some("No.") => write!(out, "{}", self.number),
            Some("Time") => {
                self.time_format.write(out, self.times);
                Ok(())
            }
            Some("Source") => write!(out, "{}", self.pi.src),
            Some("Destination") => write!(out, "{}", self.pi.dst),
            Some("Protocol") => write!(out, "{}", self.pi.protocol),
            Some("Length") => write!(out, "{}", self.length),
            Some("Info") => write!(out, "{}", self.pi.info),
            _ => return false,
        };
        true
    }
}

/// A sink that keeps, for each `-e` name, the values a dissection gives
/// it, as tshark prints them; a protocol's value is its layer's label.
/// Names resolve as a display filter's do, to the definitions that carry
/// them, and are matched by address (as `filter::sink` does): the many
/// fields no column names are turned away by one bit test.
pub struct FieldPicker {
    /// (definition address, column) for fields and protocols.
    wanted: Vec<(usize, usize)>,
    wanted_bits: u64,
    /// (expert item address, column), for names no field carries.
    experts: Vec<(usize, usize)>,
    /// `_ws.col.*` names and their columns.
    columns: Vec<(String, usize)>,
    /// The packet's values, one after another, and (column, start, end)
    /// of each in tree order: no allocation per value.
    text: String,
    spans: Vec<(usize, usize, usize)>,
    /// An expert item of the column's name was added.
    expert: Vec<bool>,
    labels: bool,
    payload: bool,
    /// Text values as they are, for JSON (`-T json -e`), rather than
    /// escaped C-style as `-T fields` prints them.
    pub raw_text: bool,
}

impl FieldPicker {
    /// The picker for `names`; an unknown name is an error, as tshark's
    /// "Some fields aren't valid".
    pub fn new(names: &[String]) -> Result<FieldPicker, CliError> {
        use crate::filter::compile::slot_named;
        use crate::filter::sink::{below_payload, bit};
        let mut p = FieldPicker {
            wanted: Vec::new(),
            wanted_bits: 0,
            experts: Vec::new(),
            columns: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
            expert: vec![false; names.len()],
            labels: false,
            payload: false,
            raw_text: false,
        };
        for (i, n) in names.iter().enumerate() {
            if let Some(column) = n.strip_prefix("_ws.col.") {
                p.columns.push((n.clone(), i));
                // The highest protocol names these (a tunnel's inner
                // addresses are the Source and Destination).
                p.payload |= matches!(column, "Source" | "Destination" | "Protocol" | "Info");
                continue;
            }
            let slot =
                slot_named(n).ok_or_else(|| CliError(format!("Some fields aren't valid: {n}")))?;
            for f in &slot.fields {
                let a = *f as *const FieldDef as usize;
                p.wanted.push((a, i));
                p.wanted_bits |= bit(a);
            }
            if slot.fields.is_empty() {
                for e in &slot.experts {
                    p.experts.push((*e as *const ExpertDef as usize, i));
                }
            }
            p.labels |= slot.kind == crate::filter::value::Kind::Protocol;
            p.payload |= !below_payload(slot);
        }
        Ok(p)
    }

    /// Ready for the next packet.
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
        self.expert.iter_mut().for_each(|e| *e = false);
    }

    /// Fills the `_ws.col.*` names from the packet's columns.
    pub fn take_columns(&mut self, c: &Columns<'_>) {
        for k in 0..self.columns.len() {
            let start = self.text.len();
            if c.write(&self.columns[k].0, &mut self.text) {
                self.spans.push((self.columns[k].1, start, self.text.len()));
            }
        }
    }

    /// Column `i`'s values, in tree order (an expert item alone: 1).
    pub fn values(&self, i: usize) -> impl Iterator<Item = &str> {
        let kept = self
            .spans
            .iter()
            .filter(move |s| s.0 == i)
            .map(|s| &self.text[s.1..s.2]);
        let expert_only = !self.spans.iter().any(|s| s.0 == i) && self.expert[i];
        kept.chain(expert_only.then_some("1"))
    }

    /// The fields picked, as the filter's `bit`s.
    pub fn wanted_bits(&self) -> u64 {
        self.wanted_bits
    }

    #[inline]
    fn is_wanted(&self, def: &FieldDef) -> bool {
        let a = def as *const FieldDef as usize;
        self.wanted_bits & crate::filter::sink::bit(a) != 0 && self.wanted.iter().any(|w| w.0 == a)
    }

    /// Writes a value once for every column that names `def`.
    fn keep(&mut self, def: &FieldDef, write: impl FnOnce(&mut String)) {
        let a = def as *const FieldDef as usize;
        let start = self.text.len();
        let mut written = None;
        let mut write = Some(write);
        for k in 0..self.wanted.len() {
            if self.wanted[k].0 != a {
                continue;
            }
            let end = *written.get_or_insert_with(|| {
                if let Some(w) = write.take() {
                    w(&mut self.text);
                }
                self.text.len()
            });
            self.spans.push((self.wanted[k].1, start, end));
        }
    }
}

impl Sink for FieldPicker {
    #[inline]
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.is_wanted(def)
    }
    fn wants_payload(&self) -> bool {
        self.payload
    }
    fn wants_text(&self) -> bool {
        self.labels
    }
    fn layer(&mut self, proto: &'static FieldDef, _: Span, label: fmt::Arguments<'_>) {
        if self.is_wanted(proto) {
            self.keep(proto, |out| {
                let _ = fmt::Write::write_fmt(out, label);
            });
        }
    }
    fn end_layer(&mut self) {}
    #[inline]
    fn field(&mut self, def: &'static FieldDef, _: Span, value: Value<'_>, _: Presence) {
        if self.is_wanted(def) {
            let raw = self.raw_text;
            self.keep(def, |out| match (&value, raw) {
                (Value::Str(s), true) => out.push_str(s),
                _ => write_field_text(out, def, &value),
            });
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, def: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {
        let a = def as *const ExpertDef as usize;
        for &(e, i) in &self.experts {
            if e == a {
                self.expert[i] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(values: &[&[&str]]) -> FieldPicker {
        let names: Vec<String> = ["ip.src", "tcp.port", "udp.port"][..values.len()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut p = FieldPicker::new(&names).unwrap();
        for (i, vs) in values.iter().enumerate() {
            for v in *vs {
                let start = p.text.len();
                p.text.push_str(v);
                p.spans.push((i, start, p.text.len()));
            }
        }
        p
    }

    #[test]
    fn options_lay_lines_out_as_tsharks() {
        let names: Vec<String> = ["a.b", "c.d", "e.f"].map(String::from).to_vec();
        let opts = |o: &[&str]| o.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let p = picked(&[&["1"], &[], &["x", "y"]]);
        let plain = FieldsLayout::new(&names, &[]).unwrap();
        assert_eq!(plain.header(), None);
        let line = |l: &FieldsLayout| {
            let mut out = String::new();
            l.line(&p, &mut out);
            out
        };
        assert_eq!(line(&plain), "1\t\tx,y");
        let l = FieldsLayout::new(
            &names,
            &opts(&["header=y", "separator=,", "quote=d", "occurrence=l"]),
        )
        .unwrap();
        assert_eq!(l.header().as_deref(), Some("a.b,c.d,e.f"));
        assert_eq!(line(&l), "\"1\",,\"y\"");
        let l = FieldsLayout::new(&names, &opts(&["separator=/s", "aggregator=/s"])).unwrap();
        assert_eq!(line(&l), "1  x y");
        assert!(FieldsLayout::new(&names, &opts(&["occurrence=2"])).is_err());
        assert!(FieldsLayout::new(&[], &[]).is_err());
    }
}
