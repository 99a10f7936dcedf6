//! What IPv4 and IPv6 share: the ECN codepoints, the `ip.version` field
//! both show, and the fields of a reassembled datagram.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::Cx;
use crate::sink::Sink;

pub static ECN: &[(u64, &str)] = &[
    (0, "Not ECN-Capable Transport"),
    (1, "ECN-Capable Transport codepoint '01'"),
    (2, "ECN-Capable Transport codepoint '10'"),
    (3, "Congestion Experienced"),
];

crate::fields! {
    VERSION = FieldDef::new("ip.version", "Version", T::U8);
}

/// The fields of a completed reassembly, shared by IPv4 and IPv6.
#[allow(clippy::too_many_arguments)]
pub fn reassembly_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    version: &str,
    fragments: &'static FieldDef,
    fragment: &'static FieldDef,
    count: &'static FieldDef,
    length: &'static FieldDef,
    data: &'static FieldDef,
    source: u16,
    whole: &[u8],
    frames: &[(u32, u32)],
) {
    let sp = |o: usize, l: usize| crate::sink::Span::in_source(source, o, l);
    let n = frames.len();
    let value = if fragments.ftype == T::None {
        Value::None
    } else {
        Value::Bytes(whole)
    };
    cx.labeled(
        fragments,
        sp(0, whole.len()),
        value,
        format_args!("[{n} {} Fragments ({} bytes)]", version, whole.len()),
    );
    cx.push();
    let mut o = 0usize;
    for &(frame, len) in frames {
        cx.labeled(
            fragment,
            sp(o, len as usize),
            Value::U64(frame.into()),
            format_args!(
                "[Frame: {frame}, payload: {o}-{}]",
                (o + len as usize).saturating_sub(1)
            ),
        );
        o += len as usize;
    }
    cx.generated(count, sp(0, 0), Value::U64(n as u64));
    cx.generated(length, sp(0, 0), Value::U64(whole.len() as u64));
    cx.field(data, sp(0, whole.len()), Value::Bytes(whole));
    cx.pop();
}
