//! Bytes no dissector claimed (Wireshark's "data" protocol).

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    DATA = FieldDef::new("data.data", "Data", T::Bytes);
    LEN = FieldDef::new("data.len", "Length", T::U32);
}

/// Shows the captured bytes from `off` as data; nothing when there are none.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let bytes = buf.rest(off);
    let reported = buf.reported.saturating_sub(off);
    if reported == 0 {
        return;
    }
    cx.layer(
        &proto::DATA,
        buf.span(off, bytes.len()),
        format_args!(
            "Data ({reported} byte{})",
            crate::field::plural(reported as u64)
        ),
    );
    cx.field(&DATA, buf.span(off, bytes.len()), Value::Bytes(bytes));
    cx.generated(
        &LEN,
        buf.span(off, bytes.len()),
        Value::U64(bytes.len() as u64),
    );
    cx.end_layer();
}

/// Data whose bytes are not at hand (an HTTP body counted as it streamed
/// by): the layer and its length only.
pub fn counted<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, len: u64) {
    let s = crate::field::plural(len);
    cx.layer(&proto::DATA, span, format_args!("Data ({len} byte{s})"));
    cx.generated(&LEN, span, Value::U64(len));
    cx.end_layer();
}
