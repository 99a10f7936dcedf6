//! `packets -T json`: each packet's details tree as tshark 4.0's `-T json`
//! prints it (its `print.c`, `write_json_proto_tree`). Every item is a
//! member of its parent's object, hidden ones too, in tree order and with
//! repeated names repeated (tshark's default, without
//! `--no-duplicate-keys`):
//! - a field is `"name": "value"`, and its subtree `"name_tree": {…}`;
//! - a protocol, a field without a value and a text item are their
//!   subtree alone (`"ip": {…}`, a text item keyed by its label), or `""`
//!   when they have none;
//! - an expert item is `"_ws.expert": {expert name, message, severity,
//!   group}`.
//!
//! Values are the "display" strings tshark's JSON and `-T fields` share,
//! except that bytes are colon-separated hex and text is not escaped
//! beyond JSON's own rules (tshark's json_dumper).

use std::fmt::Write as _;

use dissectors::expert::{ExpertDef, Group, Severity};
use dissectors::field::{OwnedValue, Show};
use dissectors::sink::Presence;
use dissectors::tree::{Node, NodeKind, Tree};

use super::tshark_fields::FieldPicker;

/// The pretty-printed array of packets, written a packet at a time.
#[derive(Debug, Default)]
pub struct JsonPackets {
    packets: u64,
}

impl JsonPackets {
    /// The array's opening bracket.
    pub fn start(out: &mut String) -> JsonPackets {
        out.push('[');
        JsonPackets::default()
    }

    /// One packet's object. `day` is the packet's date (`YYYY-MM-DD`),
    /// which tshark names its Elasticsearch index after.
    pub fn packet(&mut self, out: &mut String, tree: &Tree, day: &str) {
        self.open(out, day);
        Writer { tree, out }.object(&tree.roots, 3);
        self.close(out);
    }

    /// One packet's object with only the `-e` fields (`names`), each an
    /// array of its values as `-T fields` has them; a field the packet
    /// lacks is left out.
    pub fn fields(&mut self, out: &mut String, names: &[String], picked: &FieldPicker, day: &str) {
        self.open(out, day);
        out.push('{');
        let mut first = true;
        for (i, name) in names.iter().enumerate() {
            let mut values = picked.values(i).peekable();
            if values.peek().is_none() {
                continue;
            }
            out.push_str(if std::mem::take(&mut first) {
                "\n"
            } else {
                ",\n"
            });
            indent(out, 4);
            string(out, name);
            out.push_str(": [");
            for (k, v) in values.enumerate() {
                out.push_str(if k == 0 { "\n" } else { ",\n" });
                indent(out, 5);
                string(out, v);
            }
            out.push('\n');
            indent(out, 4);
            out.push(']');
        }
        if !first {
            out.push('\n');
            indent(out, 3);
        }
        out.push('}');
        self.close(out);
    }

    /// A packet's object up to its layers' value.
    fn open(&mut self, out: &mut String, day: &str) {
        if self.packets > 0 {
            out.push(',');
        }
        self.packets += 1;
        out.push_str("\n  {\n");
        let _ = writeln!(out, "    \"_index\": \"packets-{day}\",");
        out.push_str("    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n");
        out.push_str("      \"layers\": ");
    }

    fn close(&mut self, out: &mut String) {
        out.push_str("\n    }\n  }");
    }

    /// The array's closing bracket (`[]` when it is empty).
    pub fn end(self, out: &mut String) {
        if self.packets > 0 {
            out.push('\n');
        }
        out.push_str("]\n");
    }
}

struct Writer<'a, 'o> {
    tree: &'a Tree,
    out: &'o mut String,
}

impl Writer<'_, '_> {
    /// `{ … }` of these items, its members indented two spaces a level
    /// below `depth`; `{}` when there are none.
    fn object(&mut self, items: &[u32], depth: usize) {
        let mut first = true;
        self.out.push('{');
        for &id in items {
            self.item(id, depth + 1, &mut first);
        }
        if !first {
            self.out.push('\n');
            indent(self.out, depth);
        }
        self.out.push('}');
    }

    /// The members one item makes.
    fn item(&mut self, id: u32, depth: usize, first: &mut bool) {
        let tree = self.tree;
        let n = tree.node(id);
        if let Some(expert) = tree.expert_standing_for(id) {
            return self.item(expert, depth, first);
        }
        if n.field.is_some_and(|f| f.internal) {
            return;
        }
        if let (NodeKind::Expert, Some(def)) = (n.kind, n.expert) {
            self.member(first, depth, "_ws.expert", "");
            return self.expert(def, def.name, &n.label, depth);
        }
        if let (NodeKind::Exception, Some(def)) = (n.kind, n.expert) {
            return self.exception(def, &n.label, depth, first);
        }
        let key = match (n.kind, n.field) {
            (NodeKind::Text, _) | (_, None) => super::label_fit::fit(unbracketed(n), n),
            (_, Some(f)) => std::borrow::Cow::Borrowed(f.name),
        };
        let key = key.as_ref();
        let value = self.value(n);
        if let Some(v) = &value {
            self.member(first, depth, key, "");
            string(self.out, v);
        }
        if !n.children.is_empty() {
            // A subtree beside a value is keyed `name_tree`.
            let suffix = if value.is_some() { "_tree" } else { "" };
            self.member(first, depth, key, suffix);
            self.object(&n.children, depth);
        } else if value.is_none() {
            self.member(first, depth, key, "");
            // A protocol without items shows its label, anything else
            // nothing.
            match n.kind {
                NodeKind::Layer => string(self.out, &n.label),
                _ => self.out.push_str("\"\""),
            }
        }
    }

    /// An exception's item: a short frame's is its label, a malformed
    /// packet's holds tshark's expert item (`_ws.malformed.expert`) and
    /// the protocol's name.
    fn exception(&mut self, def: &ExpertDef, label: &str, depth: usize, first: &mut bool) {
        self.member(first, depth, def.name, "");
        if def.name != dissectors::expert::MALFORMED.name {
            return string(self.out, label);
        }
        let mut inner = true;
        self.out.push('{');
        self.member(&mut inner, depth + 1, "_ws.expert", "");
        let message = super::verbose_tree::EXCEPTION_OCCURRED;
        self.expert(def, "_ws.malformed.expert", message, depth + 1);
        self.member(&mut inner, depth + 1, def.name, "");
        string(self.out, def.summary);
        self.out.push('\n');
        indent(self.out, depth);
        self.out.push('}');
    }

    /// `"_ws.expert": {…}`'s object: the expert's name (`name`, for most
    /// its filter name) with no value, its message, and its severity and
    /// group as Wireshark's numbers.
    fn expert(&mut self, def: &ExpertDef, name: &str, message: &str, depth: usize) {
        let mut first = true;
        self.out.push('{');
        self.member(&mut first, depth + 1, name, "");
        self.out.push_str("\"\"");
        self.member(&mut first, depth + 1, "_ws.expert.message", "");
        // Cut as the tree's message item is (a byte past a label's length).
        let mut message = message.to_string();
        super::label_fit::cut(&mut message, super::label_fit::LABEL_MAX + 1);
        string(self.out, &message);
        self.member(&mut first, depth + 1, "_ws.expert.severity", "");
        let _ = write!(self.out, "\"{}\"", severity_code(def.severity));
        self.member(&mut first, depth + 1, "_ws.expert.group", "");
        let _ = write!(self.out, "\"{}\"", group_code(def.group));
        self.out.push('\n');
        indent(self.out, depth);
        self.out.push('}');
    }

    /// Starts a member: the comma after the previous one, the line, the
    /// indentation and `"key": ` (the key followed by `suffix`).
    fn member(&mut self, first: &mut bool, depth: usize, key: &str, suffix: &str) {
        if !std::mem::take(first) {
            self.out.push(',');
        }
        self.out.push('\n');
        indent(self.out, depth);
        string(self.out, key);
        self.out.pop();
        self.out.push_str(suffix);
        self.out.push_str("\": ");
    }

    /// A field's value as tshark's JSON shows it; none for protocols,
    /// text items and fields that only mark their place (FT_NONE).
    fn value(&self, n: &Node) -> Option<String> {
        let def = n.field.filter(|_| n.kind == NodeKind::Field)?;
        let mut text = String::new();
        match &n.value {
            OwnedValue::None => return None,
            OwnedValue::Bytes(b) => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        text.push(':');
                    }
                    let _ = write!(text, "{x:02x}");
                }
            }
            OwnedValue::Str(s) => text.push_str(s),
            v => {
                let _ = write!(text, "{}", Show(def, &v.as_value()));
            }
        }
        Some(text)
    }
}

/// A label without the brackets a generated item's has in the tree
/// (a text item's are part of its label): tshark adds them when it
/// prints the tree, its JSON has the text alone.
fn unbracketed(n: &Node) -> &str {
    let l = n.label.as_str();
    match n.presence == Presence::Generated || n.kind == NodeKind::Text {
        true => l
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .unwrap_or(l),
        false => l,
    }
}

/// A JSON string as tshark's json_dumper writes one: control characters
/// escaped, and `</` as `<\/` so that a page can embed it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut previous = '\0';
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '/' if previous == '<' => out.push_str("\\/"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
        previous = c;
    }
    out.push('"');
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth * 2 {
        out.push(' ');
    }
}

/// Wireshark's PI_* severity values (`epan/proto.h`).
fn severity_code(s: Severity) -> u32 {
    match s {
        Severity::Comment => 0x0010_0000,
        Severity::Chat => 0x0020_0000,
        Severity::Note => 0x0040_0000,
        Severity::Warning => 0x0060_0000,
        Severity::Error => 0x0080_0000,
    }
}

/// Wireshark's PI_* group values (`epan/proto.h`).
fn group_code(g: Group) -> u32 {
    match g {
        Group::Checksum => 0x0100_0000,
        Group::Sequence => 0x0200_0000,
        Group::ResponseCode => 0x0300_0000,
        Group::RequestCode => 0x0400_0000,
        Group::Undecoded => 0x0500_0000,
        Group::Reassemble => 0x0600_0000,
        Group::Malformed => 0x0700_0000,
        Group::Protocol => 0x0900_0000,
        Group::Comments => 0x0b00_0000,
        Group::Decryption => 0x0c00_0000,
        Group::Deprecated => 0x0e00_0000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_dumper_does() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\r\n\x01</script>/");
        assert_eq!(out, r#""a\"b\\c\r\n\u0001<\/script>/""#);
    }
}
