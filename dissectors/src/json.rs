//! JSON (RFC 8259) as Wireshark shows a body of a JSON media type: objects,
//! arrays and members with their keys, values and paths. Protocol becomes
//! "…/JSON" and Info names the media type.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

/// The media types Wireshark's JSON dissector registers.
pub const MEDIA_TYPES: &[&str] = &[
    "application/json",
    "application/senml+json",
    "application/sensml+json",
    "application/json-rpc",
    "application/jsonrequest",
    "application/dds-web+json",
    "application/vnd.oma.lwm2m+json",
];

crate::fields! {
    OBJECT = FieldDef::new("json.object", "Object", T::None);
    ARRAY = FieldDef::new("json.array", "Array", T::None);
    MEMBER = FieldDef::new("json.member", "Member", T::String);
    KEY = FieldDef::new("json.key", "Key", T::String);
    PATH = FieldDef::new("json.path", "Path", T::String);
    PATH_WITH_VALUE = FieldDef::new("json.path_with_value", "Path with value", T::String);
    MEMBER_WITH_VALUE = FieldDef::new("json.member_with_value", "Member with value", T::String);
    STRING = FieldDef::new("json.value.string", "String value", T::String);
    NUMBER = FieldDef::new("json.value.number", "Number value", T::String);
    FALSE = FieldDef::new("json.value.false", "False value", T::None);
    NULL = FieldDef::new("json.value.null", "Null value", T::None);
    TRUE = FieldDef::new("json.value.true", "True value", T::None);
}

/// Nesting deeper than this is not shown (a hostile body must not recurse).
const MAX_DEPTH: usize = 64;
/// Values shown per body.
const MAX_VALUES: usize = 4096;
/// A key's bytes in a path: every value repeats its path, so a hostile
/// body of long keys must not make paths its size times the values.
const MAX_KEY_IN_PATH: usize = 256;

fn key_in_path(key: &str) -> &str {
    let mut end = key.len().min(MAX_KEY_IN_PATH);
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

/// Dissects `buf` from `off` as JSON; Info names the media type the body
/// was handed on by (Wireshark's match string), if any.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let media = cx.match_string.take();
    let column = cx.pi.protocol.clone();
    let title = "JavaScript Object Notation";
    let shown = match &media {
        Some(m) => format!("{title}: {m}"),
        None => title.to_owned(),
    };
    cx.layer(
        &proto::JSON,
        buf.span(off, b.len()),
        format_args!("{shown}"),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = format!("{column}/JSON").into();
        cx.append_info_sep(", ", format_args!("{title}"));
    }
    let mut p = Parser {
        b,
        at: 0,
        values: 0,
    };
    p.skip_ws();
    let value_at = p.at;
    let mut path = String::new();
    let rest_at = if p.value(cx, buf, off, 0, &mut path) {
        p.skip_ws();
        p.at
    } else {
        value_at
    };
    cx.end_layer();
    if rest_at < b.len() {
        // What is no JSON (a JSONP callback, trailing text) is shown as
        // text lines under the same media type, as Wireshark does.
        cx.match_string = media;
        let text = crate::table::media_key("text/plain");
        cx.dissect_by(crate::table::Table::MediaType, text, buf, off + rest_at);
    } else if let Some(m) = media {
        cx.append_info(format_args!(" ({m})"));
    }
    b.len().max(1)
}

struct Parser<'a> {
    b: &'a [u8],
    at: usize,
    values: usize,
}

/// What a scalar value is, for its field.
enum Scalar {
    Str(String),
    Number(String),
    True,
    False,
    Null,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while self
            .b
            .get(self.at)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.b.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A value at the current position, shown under the current item;
    /// false when the bytes are no JSON (dissection stops there).
    fn value<S: Sink>(
        &mut self,
        cx: &mut Cx<'_, S>,
        buf: Buf<'_>,
        off: usize,
        depth: usize,
        path: &mut String,
    ) -> bool {
        self.skip_ws();
        self.values += 1;
        if depth >= MAX_DEPTH || self.values > MAX_VALUES {
            return false;
        }
        match self.b.get(self.at) {
            Some(b'{') => self.container(cx, buf, off, depth, path, true),
            Some(b'[') => self.container(cx, buf, off, depth, path, false),
            Some(_) => {
                let start = self.at;
                let Some(s) = self.scalar() else {
                    return false;
                };
                let span = buf.span(off + start, self.at - start);
                show_scalar(cx, span, &s);
                true
            }
            None => false,
        }
    }

    /// An object (`{…}`, members) or an array (`[…]`, values).
    fn container<S: Sink>(
        &mut self,
        cx: &mut Cx<'_, S>,
        buf: Buf<'_>,
        off: usize,
        depth: usize,
        path: &mut String,
        object: bool,
    ) -> bool {
        let start = self.at;
        let end = self.matching_end(start).unwrap_or(self.b.len());
        let def = if object { &OBJECT } else { &ARRAY };
        cx.field(def, buf.span(off + start, end - start), Value::None);
        cx.push();
        self.at += 1;
        let close = if object { b'}' } else { b']' };
        let mut ok = true;
        if !self.eat(close) {
            loop {
                let done = if object {
                    self.member(cx, buf, off, depth, path)
                } else {
                    let len = path.len();
                    path.push_str("/[]");
                    self.skip_ws();
                    // An element is shown as a member keyed `[]`, as tshark.
                    let ok = self.member_value(cx, buf, off, depth, path, "[]");
                    path.truncate(len);
                    ok
                };
                if !done {
                    ok = false;
                    break;
                }
                if self.eat(close) {
                    break;
                }
                if !self.eat(b',') {
                    ok = false;
                    break;
                }
            }
        }
        cx.pop();
        ok
    }

    /// `"key": value`, as a Member item with the value, the key and the
    /// paths Wireshark generates.
    fn member<S: Sink>(
        &mut self,
        cx: &mut Cx<'_, S>,
        buf: Buf<'_>,
        off: usize,
        depth: usize,
        path: &mut String,
    ) -> bool {
        self.skip_ws();
        let key_at = self.at;
        let Some(Scalar::Str(key)) = self.scalar() else {
            return false;
        };
        let key_len = self.at - key_at;
        if !self.eat(b':') {
            return false;
        }
        self.skip_ws();
        let value_at = self.at;
        let end = match self.b.get(value_at) {
            Some(b'{' | b'[') => self.matching_end(value_at).unwrap_or(self.b.len()),
            _ => self.scalar_end(value_at),
        };
        cx.field(
            &MEMBER,
            buf.span(off + key_at, end - key_at),
            Value::Str(&key),
        );
        cx.push();
        let len = path.len();
        path.push('/');
        path.push_str(key_in_path(&key));
        let ok = self.member_value(cx, buf, off, depth, path, &key);
        cx.field(&KEY, buf.span(off + key_at, key_len), Value::Str(&key));
        cx.generated(
            &PATH,
            buf.span(off + key_at, end - key_at),
            Value::Str(path),
        );
        path.truncate(len);
        cx.pop();
        ok
    }

    /// A member's value: a scalar also gives the path and member with it.
    fn member_value<S: Sink>(
        &mut self,
        cx: &mut Cx<'_, S>,
        buf: Buf<'_>,
        off: usize,
        depth: usize,
        path: &mut String,
        key: &str,
    ) -> bool {
        if matches!(self.b.get(self.at), Some(b'{' | b'[')) {
            return self.value(cx, buf, off, depth + 1, path);
        }
        let start = self.at;
        self.values += 1;
        if self.values > MAX_VALUES {
            return false;
        }
        let Some(s) = self.scalar() else {
            return false;
        };
        let span = buf.span(off + start, self.at - start);
        let text = match &s {
            Scalar::Str(v) | Scalar::Number(v) => v.clone(),
            _ => String::from_utf8_lossy(&self.b[start..self.at]).into_owned(),
        };
        cx.generated(
            &PATH_WITH_VALUE,
            span,
            Value::Str(&format!("{path}:{text}")),
        );
        cx.generated(
            &MEMBER_WITH_VALUE,
            span,
            Value::Str(&format!("{key}:{text}")),
        );
        show_scalar(cx, span, &s);
        true
    }

    /// A string, number, true, false or null at the current position.
    fn scalar(&mut self) -> Option<Scalar> {
        let start = self.at;
        let c = *self.b.get(start)?;
        let word = |w: &[u8]| self.b.get(start..start + w.len()) == Some(w);
        let (s, len) = match c {
            b'"' => {
                let end = self.string_end(start)?;
                let s = unescape(&self.b[start + 1..end - 1]);
                (Scalar::Str(s), end - start)
            }
            b't' if word(b"true") => (Scalar::True, 4),
            b'f' if word(b"false") => (Scalar::False, 5),
            b'n' if word(b"null") => (Scalar::Null, 4),
            b'-' | b'0'..=b'9' => {
                let end = self.scalar_end(start);
                let text = String::from_utf8_lossy(&self.b[start..end]).into_owned();
                (Scalar::Number(text), end - start)
            }
            _ => return None,
        };
        self.at = start + len;
        Some(s)
    }

    /// Where a scalar starting at `at` ends.
    fn scalar_end(&self, at: usize) -> usize {
        if self.b.get(at) == Some(&b'"') {
            return self.string_end(at).unwrap_or(self.b.len());
        }
        let n = self.b[at.min(self.b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
            .count();
        at + n
    }

    /// The end (past the closing quote) of the string starting at `at`.
    fn string_end(&self, at: usize) -> Option<usize> {
        let mut i = at + 1;
        while let Some(&c) = self.b.get(i) {
            match c {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    }

    /// The end of the object or array opening at `at` (past its closing
    /// bracket), skipping strings; one scan, bounded by the body.
    fn matching_end(&self, at: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = at;
        while let Some(&c) = self.b.get(i) {
            match c {
                b'"' => {
                    i = self.string_end(i)?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

fn show_scalar<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, s: &Scalar) {
    match s {
        Scalar::Str(v) => cx.field(&STRING, span, Value::Str(v)),
        Scalar::Number(v) => cx.field(&NUMBER, span, Value::Str(v)),
        Scalar::True => cx.field(&TRUE, span, Value::None),
        Scalar::False => cx.field(&FALSE, span, Value::None),
        Scalar::Null => cx.field(&NULL, span, Value::None),
    }
}

/// A JSON string's contents with its escapes resolved (a bad escape is
/// kept as written).
fn unescape(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('\\') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_unescaped() {
        assert_eq!(unescape(br#"a\"b\\c\u00e9\n"#), "a\"b\\c\u{e9}\n");
        assert_eq!(unescape(br"bad\uZZZZ"), "bad\\uZZZZ");
    }

    #[test]
    fn containers_end_where_their_bracket_closes() {
        let p = Parser {
            b: br#"{"a": "}]", "b": [1, {"c": null}]} tail"#,
            at: 0,
            values: 0,
        };
        assert_eq!(p.matching_end(0), Some(34));
        assert_eq!(p.matching_end(17), Some(33));
    }
}
