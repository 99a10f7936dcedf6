//! HTML Form URL Encoded: a body of `application/x-www-form-urlencoded`
//! (an HTML form's fields) as Wireshark's `urlencoded-form` shows it: one
//! item per `key=value` pair, both unescaped (`%XX`, `+` for a space).

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

/// The media type Wireshark registers the dissector for.
pub const MEDIA_TYPES: &[&str] = &["application/x-www-form-urlencoded"];

crate::fields! {
    KEY = FieldDef::new("urlencoded-form.key", "Key", T::String);
    VALUE = FieldDef::new("urlencoded-form.value", "Value", T::String);
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let named = cx.take_media_name();
    cx.layer(
        &proto::URLENCODED_FORM,
        buf.span(off, b.len()),
        format_args!("HTML Form URL Encoded{named}"),
    );
    let mut at = 0;
    while at < b.len() {
        match form_item(cx, buf, off, at) {
            Some(next) => at = next,
            None => break,
        }
    }
    cx.end_layer();
    b.len().max(1)
}

/// The pair at `b[at..]` as an item "Form item: "key" = "value""; where
/// the next starts, or none when one of them is cut or badly escaped
/// (Wireshark stops there, keeping what it read).
fn form_item<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, at: usize) -> Option<usize> {
    let b = buf.rest(off);
    let key = unescaped(b, at, b'=');
    let mut label = String::from("Form item");
    if let Some((k, end)) = &key {
        label.push_str(&format!(": \"{k}\""));
        let value = unescaped(b, end + 1, b'&');
        if let Some((v, _)) = &value {
            label.push_str(&format!(" = \"{v}\""));
        }
        let item_end = value.as_ref().map_or(at, |(_, e)| (*e + 1).min(b.len()));
        cx.appended_text(buf.span(off + at, item_end - at), format_args!("{label}"));
        cx.push();
        cx.field(&KEY, buf.span(off + at, end - at), Value::Str(k));
        if let Some((v, vend)) = &value {
            // A key that runs to the end has an empty value there.
            let vat = (end + 1).min(*vend);
            cx.field(&VALUE, buf.span(off + vat, vend - vat), Value::Str(v));
        }
        cx.pop();
        return value.map(|(_, e)| e + 1);
    }
    cx.appended_text(buf.span(off + at, 0), format_args!("{label}"));
    None
}

/// The text from `at` to `stop` (or the end), unescaped, and where it
/// ended; none for a NUL or a `%` not followed by two hex digits.
fn unescaped(b: &[u8], at: usize, stop: u8) -> Option<(String, usize)> {
    let mut out = Vec::new();
    let mut i = at;
    while let Some(&c) = b.get(i) {
        match c {
            0 => return None,
            c if c == stop => break,
            b'%' => {
                out.push(crate::bytes::percent_escape(b, i)?);
                i += 2;
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    Some((String::from_utf8_lossy(&out).into_owned(), i.min(b.len())))
}

#[cfg(test)]
mod tests {
    use super::unescaped;

    #[test]
    fn pairs_unescape_percent_and_plus() {
        let b = b"q=tell+me%21&x=1";
        assert_eq!(unescaped(b, 0, b'='), Some(("q".into(), 1)));
        assert_eq!(unescaped(b, 2, b'&'), Some(("tell me!".into(), 12)));
        assert_eq!(unescaped(b, 13, b'='), Some(("x".into(), 14)));
        assert_eq!(unescaped(b, 15, b'&'), Some(("1".into(), 16)));
    }

    #[test]
    fn a_key_at_the_end_has_an_empty_value_there() {
        // The value is read from past the end: empty, ending at the end.
        assert_eq!(unescaped(b"a=1&c", 6, b'&'), Some((String::new(), 5)));
    }

    #[test]
    fn a_cut_escape_or_a_nul_stops_the_form() {
        assert_eq!(unescaped(b"a=%4", 2, b'&'), None);
        assert_eq!(unescaped(b"a\0=", 0, b'='), None);
    }
}
