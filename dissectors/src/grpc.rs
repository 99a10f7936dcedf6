//! gRPC messages (length-prefixed) inside HTTP/2 DATA frames of a stream
//! whose content type is `application/grpc`.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::http2::H2Note;
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    FRAME_TYPE = FieldDef::new("grpc.frame_type", "Frame Type", T::U8).mask(0x80);
    COMPRESSED_FLAG = FieldDef::new("grpc.compressed_flag", "Compressed Flag", T::U8).mask(0x01);
    MESSAGE_LENGTH = FieldDef::new("grpc.message_length", "Message Length", T::U32);
    MESSAGE_DATA = FieldDef::new("grpc.message_data", "Message Data", T::Bytes);
}

/// The messages of a DATA frame's body at `buf[off..off + len]`, each a
/// `grpc` layer (a message cut by the frame's end shows what is there).
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, len: usize, note: &H2Note) {
    let body = buf.get(off, len);
    let path = note.path.as_deref().unwrap_or("");
    let kind = if note.from_client {
        "Request"
    } else {
        "Response"
    };
    let mut i = 0;
    while i + 5 <= body.len() {
        let flag = body[i];
        let n = u32::from_be_bytes([body[i + 1], body[i + 2], body[i + 3], body[i + 4]]) as usize;
        let data = &body[i + 5..(i + 5 + n).min(body.len())];
        cx.layer(
            &proto::GRPC,
            buf.span(off + i, 5 + data.len()),
            format_args!("GRPC Message: {path}, {kind}"),
        );
        cx.field(
            &FRAME_TYPE,
            buf.span(off + i, 1),
            Value::U64(u64::from(flag >> 7)),
        );
        cx.field(
            &COMPRESSED_FLAG,
            buf.span(off + i, 1),
            Value::U64(u64::from(flag & 1)),
        );
        cx.field(
            &MESSAGE_LENGTH,
            buf.span(off + i + 1, 4),
            Value::U64(n as u64),
        );
        cx.labeled(
            &MESSAGE_DATA,
            buf.span(off + i + 5, data.len()),
            Value::Bytes(data),
            format_args!("Message Data: {} bytes", data.len()),
        );
        cx.end_layer();
        i += 5 + n;
    }
}
