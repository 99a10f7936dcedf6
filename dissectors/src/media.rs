//! Media Type: a body of a media type no protocol takes, shown as its
//! bytes under the type's name, as Wireshark's `media` dissector.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    TYPE = FieldDef::new("media.type", "Media type", T::Bytes);
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let media = cx.match_string.take().unwrap_or_default();
    cx.layer(
        &proto::MEDIA,
        buf.span(off, b.len()),
        format_args!("Media Type"),
    );
    cx.append_info_sep(" ", format_args!("({media})"));
    let plural = if b.len() == 1 { "" } else { "s" };
    cx.labeled(
        &TYPE,
        buf.span(off, b.len()),
        Value::Bytes(b),
        format_args!("Media type: {media} ({} byte{plural})", b.len()),
    );
    cx.end_layer();
    b.len().max(1)
}
