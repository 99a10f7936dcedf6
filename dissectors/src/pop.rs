//! POP3 (RFC 1939, TCP port 110), segment by segment as tshark shows it:
//! Info is the segment's first line, "C: USER alice" or "S: +OK ...".

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Transport};
use crate::proto;
use crate::sink::Sink;
use crate::text_lines::{lines, to_server, trim_eol};

crate::fields! {
    REQUEST = FieldDef::new("pop.request", "Request", T::String);
    REQUEST_COMMAND = FieldDef::new("pop.request.command", "Request command", T::String);
    REQUEST_PARAMETER = FieldDef::new("pop.request.parameter", "Request parameter", T::String);
    RESPONSE = FieldDef::new("pop.response", "Response", T::String);
    RESPONSE_INDICATOR = FieldDef::new("pop.response.indicator", "Response indicator", T::String);
    RESPONSE_DESCRIPTION = FieldDef::new("pop.response.description", "Response description", T::String);
}

const POP_PORT: u16 = 110;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let Transport::Tcp(seg) = cx.pi.transport else {
        return 0;
    };
    let request = to_server(&seg, POP_PORT);
    cx.layer(
        &proto::POP,
        buf.span(off, b.len()),
        format_args!("Post Office Protocol"),
    );
    let first = lines(b).next().map_or(&b[..0], |(_, l)| trim_eol(l));
    let side = if request { "C" } else { "S" };
    cx.set_info(format_args!("{side}: {}", crate::bytes::format_text(first)));
    for (i, (at, line)) in lines(b).enumerate() {
        let text = trim_eol(line);
        let s = String::from_utf8_lossy(text);
        let span = buf.span(off + at, line.len());
        // The first line is the command or status; the rest is data
        // (a listing, a message).
        if i > 0 {
            cx.text(span, format_args!("{}", crate::bytes::format_text(line)));
            continue;
        }
        let (word_def, rest_def, whole) = if request {
            (&REQUEST_COMMAND, &REQUEST_PARAMETER, &REQUEST)
        } else {
            (&RESPONSE_INDICATOR, &RESPONSE_DESCRIPTION, &RESPONSE)
        };
        cx.field(whole, span, Value::Str(&s));
        cx.push();
        let word_len = text.iter().position(|&c| c == b' ').unwrap_or(text.len());
        let word = String::from_utf8_lossy(&text[..word_len]);
        cx.field(word_def, buf.span(off + at, word_len), Value::Str(&word));
        if word_len + 1 < text.len() {
            let rest = String::from_utf8_lossy(&text[word_len + 1..]);
            let span = buf.span(off + at + word_len + 1, text.len() - word_len - 1);
            cx.field(rest_def, span, Value::Str(&rest));
        }
        cx.pop();
    }
    cx.end_layer();
    claimed
}
