//! Internet Message Format (RFC 5322): a mail message's header fields and
//! its text, as tshark 4.0 shows a message SMTP carried. Found by the
//! media type `message/rfc822`. Info names the sender and subject, then
//! every line of the text.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink};

crate::fields! {
    DATE = FieldDef::new("imf.date", "Date", T::String);
    FROM = FieldDef::new("imf.from", "From", T::String);
    SENDER = FieldDef::new("imf.sender", "Sender", T::String);
    REPLY_TO = FieldDef::new("imf.reply_to", "Reply-To", T::String);
    TO = FieldDef::new("imf.to", "To", T::String);
    CC = FieldDef::new("imf.cc", "Cc", T::String);
    BCC = FieldDef::new("imf.bcc", "Bcc", T::String);
    MESSAGE_ID = FieldDef::new("imf.message_id", "Message-ID", T::String);
    IN_REPLY_TO = FieldDef::new("imf.in_reply_to", "In-Reply-To", T::String);
    REFERENCES = FieldDef::new("imf.references", "References", T::String);
    SUBJECT = FieldDef::new("imf.subject", "Subject", T::String);
    COMMENTS = FieldDef::new("imf.comments", "Comments", T::String);
    USER_AGENT = FieldDef::new("imf.user_agent", "User-Agent", T::String);
    KEYWORDS = FieldDef::new("imf.keywords", "Keywords", T::String);
    RETURN_PATH = FieldDef::new("imf.return_path", "Return-Path", T::String);
    RECEIVED = FieldDef::new("imf.received", "Received", T::String);
    CONTENT_TYPE = FieldDef::new("imf.content.type", "Content-Type", T::String);
    CONTENT_TYPE_TYPE = FieldDef::new("imf.content.type.type", "Type", T::String);
    CONTENT_TYPE_PARAMETERS = FieldDef::new("imf.content.type.parameters", "Parameters", T::String);
    CONTENT_ID = FieldDef::new("imf.content.id", "Content-ID", T::String);
    CONTENT_DESCRIPTION = FieldDef::new("imf.content.description", "Content-Description", T::String);
    CONTENT_TRANSFER_ENCODING = FieldDef::new("imf.content.transfer_encoding", "Content-Transfer-Encoding", T::String);
    MIME_VERSION = FieldDef::new("imf.mime_version", "MIME-Version", T::String);
    DELIVERED_TO = FieldDef::new("imf.delivered_to", "Delivered-To", T::String);
    MAILER = FieldDef::new("imf.ext.mailer", "X-Mailer", T::String);
    CONTENT_LANGUAGE = FieldDef::new("imf.content_language", "Content-Language", T::String);
    THREAD_INDEX = FieldDef::new("imf.thread-index", "Thread-Index", T::String);
    TNEF_CORRELATOR = FieldDef::new("imf.ext.tnef-correlator", "X-MS-TNEF-Correlator", T::String);
    MIMEOLE = FieldDef::new("imf.ext.mimeole", "X-MimeOLE", T::String);
    IMPORTANCE = FieldDef::new("imf.importance", "Importance", T::String);
    PRIORITY = FieldDef::new("imf.priority", "Priority", T::String);
    VIRUS_SCANNED = FieldDef::new("imf.ext.virus_scanned", "X-Virus-Scanned", T::String);
    UIDL = FieldDef::new("imf.ext.uidl", "X-UIDL", T::String);
    RESENT_DATE = FieldDef::new("imf.resent.date", "Resent-Date", T::String);
    RESENT_FROM = FieldDef::new("imf.resent.from", "Resent-From", T::String);
    RESENT_TO = FieldDef::new("imf.resent.to", "Resent-To", T::String);
    RESENT_MESSAGE_ID = FieldDef::new("imf.resent.message_id", "Resent-Message-ID", T::String);
    EXTENSION = FieldDef::new("imf.extension", "Unknown-Extension", T::String);
    EXTENSION_TYPE = FieldDef::new("imf.extension.type", "Type", T::String);
    EXTENSION_VALUE = FieldDef::new("imf.extension.value", "Value", T::String);
    MAILBOX_LIST_ITEM = FieldDef::new("imf.mailbox_list.item", "Item", T::String);
    ADDRESS_LIST_ITEM = FieldDef::new("imf.address_list.item", "Item", T::String);
    DISPLAY_NAME = FieldDef::new("imf.display_name", "Display-Name", T::String);
    ADDRESS = FieldDef::new("imf.address", "Address", T::String);
    MESSAGE_TEXT = FieldDef::new("imf.message_text", "Message-Text", T::None);
}

/// How a header field's value is read further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Unstructured,
    Mailbox,
    MailboxList,
    AddressList,
}

/// The header fields Wireshark knows, by lowercase name: field, format,
/// and whether Info names it.
fn known(name: &[u8]) -> Option<(&'static FieldDef, Format, bool)> {
    use Format::*;
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_slice() {
        b"date" => (&DATE, Unstructured, false),
        b"from" => (&FROM, MailboxList, true),
        b"sender" => (&SENDER, Mailbox, false),
        b"reply-to" => (&REPLY_TO, AddressList, false),
        b"to" => (&TO, AddressList, false),
        b"cc" => (&CC, AddressList, false),
        b"bcc" => (&BCC, AddressList, false),
        b"message-id" => (&MESSAGE_ID, Unstructured, false),
        b"in-reply-to" => (&IN_REPLY_TO, Unstructured, false),
        b"references" => (&REFERENCES, Unstructured, false),
        b"subject" => (&SUBJECT, Unstructured, true),
        b"comments" => (&COMMENTS, Unstructured, false),
        b"user-agent" => (&USER_AGENT, Unstructured, false),
        b"keywords" => (&KEYWORDS, Unstructured, false),
        b"return-path" => (&RETURN_PATH, Unstructured, false),
        b"received" => (&RECEIVED, Unstructured, false),
        b"content-type" => (&CONTENT_TYPE, Unstructured, false),
        b"content-id" => (&CONTENT_ID, Unstructured, false),
        b"content-description" => (&CONTENT_DESCRIPTION, Unstructured, false),
        b"content-transfer-encoding" => (&CONTENT_TRANSFER_ENCODING, Unstructured, false),
        b"mime-version" => (&MIME_VERSION, Unstructured, false),
        b"delivered-to" => (&DELIVERED_TO, Unstructured, false),
        b"x-mailer" => (&MAILER, Unstructured, false),
        b"content-language" => (&CONTENT_LANGUAGE, Unstructured, false),
        b"thread-index" => (&THREAD_INDEX, Unstructured, false),
        b"x-ms-tnef-correlator" => (&TNEF_CORRELATOR, Unstructured, false),
        b"x-mimeole" => (&MIMEOLE, Unstructured, false),
        b"importance" => (&IMPORTANCE, Unstructured, false),
        b"priority" => (&PRIORITY, Unstructured, false),
        b"x-virus-scanned" => (&VIRUS_SCANNED, Unstructured, false),
        b"x-uidl" => (&UIDL, Unstructured, false),
        b"resent-date" => (&RESENT_DATE, Unstructured, false),
        b"resent-from" => (&RESENT_FROM, MailboxList, false),
        b"resent-to" => (&RESENT_TO, AddressList, false),
        b"resent-message-id" => (&RESENT_MESSAGE_ID, Unstructured, false),
        _ => return None,
    })
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let column = cx.pi.protocol.clone();
    cx.layer(
        &proto::IMF,
        buf.span(off, b.len()),
        format_args!("Internet Message Format"),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = format!("{column}/IMF").into();
    }
    cx.set_info(format_args!(""));
    let mut body = Body::default();
    let text_at = header_fields(cx, buf, off, &mut body);
    match body.media.take() {
        Some(media) => by_media_type(cx, buf, off + text_at, &media, &body),
        None => message_text(cx, buf, off + text_at),
    }
    cx.end_layer();
    b.len().max(1)
}

/// What the header fields say about the body.
#[derive(Debug, Default)]
struct Body {
    /// The media type, when Content-Type gave parameters (Wireshark reads
    /// the type only then), and the parameters.
    media: Option<String>,
    parameters: String,
    base64: bool,
}

/// A body of a declared media type: decoded from base64 when so encoded,
/// then to whoever takes the type (no one: it is not shown).
fn by_media_type<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, media: &str, body: &Body) {
    let parameters = Some(body.parameters.as_str());
    if body.base64 {
        let decoded = crate::bytes::base64_decode(buf.rest(off));
        let source = cx.sink.source(media, &decoded).max(1);
        cx.dissect_media_with(media, parameters, false, Buf::source(&decoded, source), 0);
    } else {
        cx.dissect_media_with(media, parameters, false, buf, off);
    }
}

/// Content-Type's value (from the colon to the field's end): its type
/// and parameters, when a `;` separates them.
fn content_type<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, len: usize, body: &mut Body) {
    let v = buf.get(at, len);
    let skip = v.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let v = &v[skip..];
    let Some(semi) = v.iter().position(|&c| c == b';') else {
        return;
    };
    let media = String::from_utf8_lossy(&v[..semi]).into_owned();
    let rest = &v[semi + 1..];
    let parameters = String::from_utf8_lossy(rest).into_owned();
    cx.push();
    cx.field(
        &CONTENT_TYPE_TYPE,
        buf.span(at + skip, semi),
        Value::Str(&media),
    );
    let span = buf.span(at + skip + semi + 1, rest.len());
    cx.field(&CONTENT_TYPE_PARAMETERS, span, Value::Str(&parameters));
    cx.pop();
    body.media = Some(media.trim().to_ascii_lowercase());
    body.parameters = parameters;
}

/// The header fields, as Wireshark reads them: a name up to a colon, a
/// value up to a CRLF not followed by white space; a CRLF CRLF ends them.
/// Returns where the text starts.
fn header_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, body: &mut Body) -> usize {
    let b = buf.rest(off);
    let mut start = 0usize;
    loop {
        let Some(colon) = b[start..]
            .iter()
            .position(|&c| c == b':')
            .map(|i| start + i)
        else {
            return start;
        };
        let (end, last) = match crate::text_lines::field_end(b, colon + 1) {
            Some(e) => e,
            None => return start,
        };
        let value_start = (colon + 1..end)
            .find(|&i| !b[i].is_ascii_whitespace())
            .unwrap_or(colon + 1);
        // The value without its CRLF (and the blank line after the last).
        let value_end = end.saturating_sub(if last { 4 } else { 2 });
        let value = &b[value_start..value_end.max(value_start)];
        match known(&b[start..colon]) {
            Some((def, format, in_info)) => {
                let span = buf.span(off + value_start, value.len());
                let shown = String::from_utf8_lossy(value);
                let items = address_items(value, format);
                if format == Format::Unstructured || format == Format::Mailbox {
                    cx.field(def, span, Value::Str(&shown));
                } else {
                    let plural = if items.len() == 1 { "" } else { "s" };
                    let n = items.len();
                    let label = format_args!("{}: {shown}, {n} item{plural}", def.title);
                    cx.sink.field_with_label(
                        def,
                        span,
                        Value::Str(&shown),
                        Presence::Normal,
                        label,
                    );
                }
                if in_info {
                    let lower = String::from_utf8_lossy(&b[start..colon]).to_ascii_lowercase();
                    let text = crate::bytes::format_text(value);
                    cx.append_info(format_args!("{lower}: {text}, "));
                }
                addresses(
                    cx,
                    buf,
                    off + value_start,
                    end - value_start,
                    format,
                    &items,
                );
                if std::ptr::eq(def, &CONTENT_TYPE) {
                    let len = value_end.max(colon + 1) - colon - 1;
                    content_type(cx, buf, off + colon + 1, len, body);
                } else if std::ptr::eq(def, &CONTENT_TRANSFER_ENCODING) {
                    body.base64 = value.len() >= 6 && value[..6].eq_ignore_ascii_case(b"base64");
                }
            }
            None => extension(cx, buf, off, start, colon, value_start..value_end),
        }
        start = end;
        if last {
            return start;
        }
    }
}

/// A field Wireshark does not know: its name and value under
/// "Unknown-Extension".
fn extension<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    start: usize,
    colon: usize,
    value: std::ops::Range<usize>,
) {
    let b = buf.rest(off);
    let whole = &b[start..value.end.max(start)];
    let value_at = value.start.min(value.end.max(colon + 1));
    let value = &b[value_at..value.end.max(value_at)];
    let shown = String::from_utf8_lossy(whole);
    cx.sink.field_with_label(
        &EXTENSION,
        buf.span(off + start, whole.len()),
        Value::Str(&shown),
        Presence::Normal,
        format_args!(
            "Unknown-Extension: {shown} (Contact Wireshark developers if you want this supported.)"
        ),
    );
    cx.push();
    let name = String::from_utf8_lossy(&b[start..colon]);
    cx.field(
        &EXTENSION_TYPE,
        buf.span(off + start, colon - start),
        Value::Str(&name),
    );
    let v = String::from_utf8_lossy(value);
    cx.field(
        &EXTENSION_VALUE,
        buf.span(off + value_at, value.len()),
        Value::Str(&v),
    );
    cx.pop();
}

/// The items of an address or mailbox list: where each starts and its
/// length in the value, split at commas outside quotes and angle brackets.
fn address_items(value: &[u8], format: Format) -> Vec<(usize, usize)> {
    if format == Format::Unstructured {
        return Vec::new();
    }
    let mut items = Vec::new();
    let (mut start, mut quoted, mut angle) = (0usize, false, false);
    for (i, &c) in value.iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle = true,
            b'>' if !quoted => angle = false,
            b',' if !quoted && !angle && format != Format::Mailbox => {
                items.push((start, i - start));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, value.len() - start));
    items
}

/// Each item of a list, with its display name and address; a single
/// mailbox has them directly. `len` runs to the field's end (its CRLF),
/// as Wireshark's last item does.
fn addresses<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    len: usize,
    format: Format,
    items: &[(usize, usize)],
) {
    let item_def = match format {
        Format::Unstructured => return,
        Format::Mailbox => None,
        Format::MailboxList => Some(&MAILBOX_LIST_ITEM),
        Format::AddressList => Some(&ADDRESS_LIST_ITEM),
    };
    let b = buf.get(at, len);
    cx.push();
    for (i, &(start, n)) in items.iter().enumerate() {
        let n = if i + 1 == items.len() {
            b.len().saturating_sub(start)
        } else {
            n
        };
        let item = &b[start.min(b.len())..(start + n).min(b.len())];
        let skip = item.iter().take_while(|c| c.is_ascii_whitespace()).count();
        let item_at = at + start + skip;
        let item = &item[skip..];
        if let Some(def) = item_def {
            let shown = String::from_utf8_lossy(item);
            cx.field(def, buf.span(item_at, item.len()), Value::Str(&shown));
            cx.push();
        }
        mailbox(cx, buf, item_at, item);
        if item_def.is_some() {
            cx.pop();
        }
    }
    cx.pop();
}

/// "Name <address>" or a bare address.
fn mailbox<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, item: &[u8]) {
    let trimmed = crate::text_lines::trim_eol(item);
    let Some(lt) = trimmed.iter().position(|&c| c == b'<') else {
        // A bare address is the whole item, its CRLF too, as in Wireshark.
        let shown = String::from_utf8_lossy(item);
        cx.field(&ADDRESS, buf.span(at, item.len()), Value::Str(&shown));
        return;
    };
    let name = &trimmed[..lt];
    let name_len = name
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    if name_len > 0 {
        let shown = String::from_utf8_lossy(&name[..name_len]);
        cx.field(&DISPLAY_NAME, buf.span(at, name_len), Value::Str(&shown));
    }
    let inner = &trimmed[lt + 1..];
    let n = inner.iter().position(|&c| c == b'>').unwrap_or(inner.len());
    let shown = String::from_utf8_lossy(&inner[..n]);
    cx.field(&ADDRESS, buf.span(at + lt + 1, n), Value::Str(&shown));
}

/// The text after the header fields, line by line (Info takes each line
/// too, up to the column's bound).
fn message_text<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    cx.field(&MESSAGE_TEXT, buf.span(off, b.len()), Value::None);
    cx.push();
    let mut at = 0usize;
    while at < b.len() {
        let len = line_len(&b[at..]);
        let text = crate::bytes::format_text_wsp(&b[at..at + len]);
        cx.text(buf.span(off + at, len), format_args!("{text}"));
        if cx.pi.info.len() <= crate::frame::MAX_INFO {
            cx.append_info_sep(", ", format_args!("{text}"));
        }
        at += len;
    }
    cx.pop();
}

/// A line's length with its end (CRLF, LF or CR, as Wireshark's
/// `tvb_find_line_end`).
fn line_len(b: &[u8]) -> usize {
    match b.iter().position(|&c| c == b'\n' || c == b'\r') {
        Some(i) if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') => i + 2,
        Some(i) => i + 1,
        None => b.len(),
    }
}
