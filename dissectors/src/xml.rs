//! XML as Wireshark shows a body of an XML media type: the declaration,
//! each element as a Tag item spanning it whole with its attributes and
//! text under it. Protocol becomes "…/XML"; Info is left as it was.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

/// The media types Wireshark's XML dissector registers by default.
pub const MEDIA_TYPES: &[&str] = &[
    "text/xml",
    "text/vnd.wap.wml",
    "text/vnd.wap.si",
    "text/vnd.wap.sl",
    "text/vnd.wap.co",
    "text/vnd.wap.emn",
    "application/3gpp-ims+xml",
    "application/atom+xml",
    "application/auth-policy+xml",
    "application/ccmp+xml",
    "application/conference-info+xml",
    "application/cpim-pidf+xml",
    "application/cpl+xml",
    "application/dds-web+xml",
    "application/im-iscomposing+xml",
    "application/load-control+xml",
    "application/mathml+xml",
    "application/media_control+xml",
    "application/note+xml",
    "application/pidf+xml",
    "application/pidf-diff+xml",
    "application/poc-settings+xml",
    "application/rdf+xml",
    "application/reginfo+xml",
    "application/resource-lists+xml",
    "application/rlmi+xml",
    "application/rls-services+xml",
    "application/rss+xml",
    "application/rs-metadata+xml",
    "application/smil",
    "application/simple-filter+xml",
    "application/soap+xml",
    "application/vnd.wv.csp+xml",
    "application/vnd.wv.csp.xml",
    "application/watcherinfo+xml",
    "application/xcap-att+xml",
    "application/xcap-caps+xml",
    "application/xcap-diff+xml",
    "application/xcap-el+xml",
    "application/xcap-error+xml",
    "application/xcap-ns+xml",
    "application/xml",
    "application/xml-dtd",
    "application/xpidf+xml",
    "application/xslt+xml",
    "application/x-crd+xml",
    "image/svg+xml",
    "message/imdn+xml",
];

crate::fields! {
    TAG = FieldDef::new("xml.tag", "Tag", T::String);
    ATTRIBUTE = FieldDef::new("xml.attribute", "Attribute", T::String);
    CDATA = FieldDef::new("xml.cdata", "CDATA", T::String);
    XMLPI = FieldDef::new("xml.xmlpi", "XMLPI", T::String);
    COMMENT = FieldDef::new("xml.comment", "Comment", T::String);
    DOCTYPE = FieldDef::new("xml.doctype", "Doctype", T::String);
    XMLPI_XML = FieldDef::new("xml.xmlpi.xml", "xml.xmlpi.xml", T::String);
    XMLPI_VERSION = FieldDef::new("xml.xmlpi.xml.version", "version", T::String);
    XMLPI_ENCODING = FieldDef::new("xml.xmlpi.xml.encoding", "encoding", T::String);
    XMLPI_STANDALONE = FieldDef::new("xml.xmlpi.xml.standalone", "standalone", T::String);
}

/// Markup items shown per body, and the deepest nesting shown.
const MAX_ITEMS: usize = 4096;
const MAX_DEPTH: usize = 64;

/// One piece of markup: where it is and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// A start tag `<…>`; `empty` for `<…/>`; `end`: where its element
    /// ends (past its end tag, or the body's end when unclosed).
    Start {
        at: usize,
        len: usize,
        empty: bool,
        end: usize,
    },
    EndTag,
    Text {
        at: usize,
        len: usize,
    },
    /// `<?…?>`, `<!--…-->`, `<!…>`.
    Other {
        at: usize,
        len: usize,
        def: u8,
    },
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let column = cx.pi.protocol.clone();
    cx.layer(
        &proto::XML,
        buf.span(off, b.len()),
        format_args!("eXtensible Markup Language"),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = format!("{column}/XML").into();
    }
    let pieces = tokenize(b);
    let mut depth = 0usize;
    for p in &pieces {
        match *p {
            Piece::Start {
                at,
                len,
                empty,
                end,
            } => {
                let tag = &b[at..at + len];
                show_tag(cx, buf, off, at, tag, end);
                if empty {
                    cx.pop();
                } else {
                    depth += 1;
                }
            }
            Piece::EndTag if depth > 0 => {
                depth -= 1;
                cx.pop();
            }
            Piece::EndTag => {}
            Piece::Text { at, len } => {
                let text = String::from_utf8_lossy(&b[at..at + len]);
                cx.field(&CDATA, buf.span(off + at, len), Value::Str(&text));
            }
            Piece::Other { at, len, def: 0 } if b[at..].starts_with(b"<?xml ") => {
                xml_declaration(cx, buf, off, &b[at..at + len], at);
            }
            Piece::Other { at, len, def: 2 }
                if b[at..]
                    .get(..9)
                    .is_some_and(|k| k.eq_ignore_ascii_case(b"<!DOCTYPE")) =>
            {
                doctype(cx, buf, off, &b[at..at + len], at)
            }
            Piece::Other { at, len, def } => {
                let def = [&XMLPI, &COMMENT, &CDATA][usize::from(def)];
                let text = String::from_utf8_lossy(&b[at..at + len]);
                cx.field(def, buf.span(off + at, len), Value::Str(&text));
            }
        }
    }
    for _ in 0..depth {
        cx.pop();
    }
    cx.end_layer();
    b.len().max(1)
}

/// A start tag as a Tag item over its whole element, its value the start
/// tag's text; labelled `<name` when attributes follow (each an Attribute
/// item, the last labelled with the tag's closing `>`), else `<name>`. The
/// item is left open for the element's content.
fn show_tag<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    at: usize,
    tag: &[u8],
    end: usize,
) {
    let name_len = tag[1..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        .map_or(tag.len(), |n| n + 1);
    let attrs = attributes(&tag[name_len..]);
    let text = String::from_utf8_lossy(tag);
    let label = if attrs.is_empty() {
        text.clone()
    } else {
        String::from_utf8_lossy(&tag[..name_len])
    };
    cx.labeled(
        &TAG,
        buf.span(off + at, end - at),
        Value::Str(&text),
        format_args!("{label}"),
    );
    cx.push();
    let last = attrs.len().saturating_sub(1);
    for (i, (a, len)) in attrs.into_iter().enumerate() {
        let from = name_len + a;
        let value = String::from_utf8_lossy(&tag[from..from + len]);
        let closing = if i == last {
            String::from_utf8_lossy(tag[from + len..].trim_ascii())
        } else {
            "".into()
        };
        cx.labeled(
            &ATTRIBUTE,
            buf.span(off + at + from, len),
            Value::Str(&value),
            format_args!("{value}{closing}"),
        );
    }
}

/// `<?xml version=... encoding=...?>`: the declaration, and each of its
/// pseudo-attributes as a field valued without its quotes.
fn xml_declaration<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, pi: &[u8], at: usize) {
    let text = String::from_utf8_lossy(pi);
    cx.labeled(
        &XMLPI_XML,
        buf.span(off + at, pi.len()),
        Value::Str(&text),
        format_args!("<?xml"),
    );
    cx.push();
    let name_len = "<?xml".len();
    let body = &pi[name_len..pi.len().saturating_sub(2).max(name_len)];
    for (a, len) in attributes(body) {
        let attr = &body[a..a + len];
        let Some(eq) = attr.iter().position(|&c| c == b'=') else {
            continue;
        };
        let def = match attr[..eq].trim_ascii() {
            b"version" => &XMLPI_VERSION,
            b"encoding" => &XMLPI_ENCODING,
            b"standalone" => &XMLPI_STANDALONE,
            _ => continue,
        };
        let quoted = &attr[eq + 1..];
        let value = quoted
            .get(1..quoted.len().saturating_sub(1))
            .filter(|_| quoted.len() >= 2)
            .unwrap_or(quoted);
        let value_at = name_len + a + eq + 1 + usize::from(quoted.len() >= 2);
        let shown = String::from_utf8_lossy(value);
        cx.labeled(
            def,
            buf.span(off + at + value_at, value.len()),
            Value::Str(&shown),
            format_args!("{}", String::from_utf8_lossy(attr)),
        );
    }
    cx.text(buf.span(off + at + pi.len() - 2, 2), format_args!("?>"));
    cx.pop();
}

/// `<!DOCTYPE name ...>`: labelled with its text, valued with its name.
fn doctype<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, decl: &[u8], at: usize) {
    let label = crate::bytes::format_text(decl);
    let keyword = "<!DOCTYPE".len();
    let rest = decl.get(keyword..).unwrap_or(&[]);
    let lead = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let name = &rest[lead..];
    let name_len = name
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'['))
        .unwrap_or(name.len());
    let value = String::from_utf8_lossy(&name[..name_len]);
    cx.labeled(
        &DOCTYPE,
        buf.span(off + at + keyword.min(decl.len()) + lead, name_len),
        Value::Str(&value),
        format_args!("{label}"),
    );
}

/// The attributes in what follows a tag's name: where each starts and
/// how long it is (`name="value"`).
fn attributes(rest: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rest.len() && out.len() < MAX_ITEMS {
        while rest.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let start = i;
        let mut quote = None;
        while let Some(&c) = rest.get(i) {
            match (quote, c) {
                (None, b'"' | b'\'') => quote = Some(c),
                (Some(q), c) if c == q => {
                    i += 1;
                    break;
                }
                (None, b'>' | b'/') => break,
                (None, c) if c.is_ascii_whitespace() => break,
                _ => {}
            }
            i += 1;
        }
        if i == start {
            break;
        }
        out.push((start, i - start));
    }
    out
}

/// The body's markup, at most [`MAX_ITEMS`] pieces; elements nested past
/// [`MAX_DEPTH`] are shown as text of their parent.
fn tokenize(b: &[u8]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_ITEMS {
        if b[i] != b'<' {
            let len = b[i..]
                .iter()
                .position(|&c| c == b'<')
                .unwrap_or(b.len() - i);
            let text = &b[i..i + len];
            // Leading white space is skipped, trailing kept: tshark's
            // text token runs from the first printable byte to the next `<`.
            let lead = text.iter().take_while(|c| c.is_ascii_whitespace()).count();
            if lead < len {
                out.push(Piece::Text {
                    at: i + lead,
                    len: len - lead,
                });
            }
            i += len;
            continue;
        }
        let (close, def) = if b[i..].starts_with(b"<?") {
            (&b"?>"[..], Some(0))
        } else if b[i..].starts_with(b"<!--") {
            (&b"-->"[..], Some(1))
        } else if b[i..].starts_with(b"<!") {
            (&b">"[..], Some(2))
        } else {
            (&b">"[..], None)
        };
        let len = crate::bytes::find(&b[i..], close).map_or(b.len() - i, |n| n + close.len());
        if let Some(def) = def {
            out.push(Piece::Other { at: i, len, def });
        } else if b.get(i + 1) == Some(&b'/') {
            if let Some(s) = open.pop()
                && let Some(Piece::Start { end, .. }) = out.get_mut(s)
            {
                *end = i + len;
            }
            out.push(Piece::EndTag);
        } else {
            let empty = b[..i + len].ends_with(b"/>");
            if !empty && open.len() >= MAX_DEPTH {
                out.push(Piece::Text { at: i, len });
            } else {
                if !empty {
                    open.push(out.len());
                }
                out.push(Piece::Start {
                    at: i,
                    len,
                    empty,
                    // An element never closed spans its start tag, as tshark's.
                    end: i + len,
                });
            }
        }
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_span_to_their_end_tags() {
        let b = br#"<?xml version="1.0"?><a x="1"><b>hi</b><c/></a>"#;
        let p = tokenize(b);
        assert_eq!(
            p[0],
            Piece::Other {
                at: 0,
                len: 21,
                def: 0
            }
        );
        assert_eq!(
            p[1],
            Piece::Start {
                at: 21,
                len: 9,
                empty: false,
                end: 47
            }
        );
        assert_eq!(
            p[2],
            Piece::Start {
                at: 30,
                len: 3,
                empty: false,
                end: 39
            }
        );
        assert_eq!(p[3], Piece::Text { at: 33, len: 2 });
        assert!(matches!(p[5], Piece::Start { empty: true, .. }));
    }

    #[test]
    fn attributes_keep_quoted_spaces() {
        assert_eq!(attributes(br#" a="x y" b='z'>"#), vec![(1, 7), (9, 5)]);
    }
}
