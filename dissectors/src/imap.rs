//! IMAP (RFC 9051, TCP port 143), segment by segment as tshark shows it:
//! each line a request or response; Info names the segment's last line,
//! "Request: a1 LOGIN alice ..." or "Response: a1 OK LOGIN completed".

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Transport};
use crate::proto;
use crate::sink::Sink;
use crate::text_lines::{lines, to_server, trim_eol};

crate::fields! {
    REQUEST = FieldDef::new("imap.request", "Request", T::Boolean);
    RESPONSE = FieldDef::new("imap.response", "Response", T::Boolean);
    LINE = FieldDef::new("imap.line", "Line", T::String);
    TAG = FieldDef::new("imap.request_tag", "Request Tag", T::String);
    RESPONSE_TAG = FieldDef::new("imap.response_tag", "Response Tag", T::String);
    COMMAND = FieldDef::new("imap.request.command", "Request Command", T::String);
}

const IMAP_PORT: u16 = 143;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let Transport::Tcp(seg) = cx.pi.transport else {
        return 0;
    };
    let request = to_server(&seg, IMAP_PORT);
    cx.layer(
        &proto::IMAP,
        buf.span(off, b.len()),
        format_args!("Internet Message Access Protocol"),
    );
    let z = buf.span(off, 0);
    if request {
        cx.hidden(&REQUEST, z, Value::Bool(true));
    } else {
        cx.hidden(&RESPONSE, z, Value::Bool(true));
    }
    let kind = if request { "Request" } else { "Response" };
    for (at, line) in lines(b) {
        let text = trim_eol(line);
        // Each line replaces Info, as tshark's loop over lines does.
        cx.set_info(format_args!("{kind}: {}", crate::bytes::format_text(text)));
        let s = String::from_utf8_lossy(text);
        cx.field(&LINE, buf.span(off + at, line.len()), Value::Str(&s));
        cx.push();
        let mut words = text.splitn(3, |&c| c == b' ');
        let tag = words.next().unwrap_or(&[]);
        let tag_s = String::from_utf8_lossy(tag);
        let tag_def = if request { &TAG } else { &RESPONSE_TAG };
        cx.field(tag_def, buf.span(off + at, tag.len()), Value::Str(&tag_s));
        if request && let Some(cmd) = words.next() {
            let cmd_s = String::from_utf8_lossy(cmd);
            cx.field(
                &COMMAND,
                buf.span(off + at + tag.len() + 1, cmd.len()),
                Value::Str(&cmd_s),
            );
        }
        cx.pop();
    }
    cx.end_layer();
    claimed
}
