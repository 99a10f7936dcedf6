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

/// DSCP codepoints by name, as the field shows them (Wireshark's `dscp_vals`).
pub static DSCP: &[(u64, &str)] = &[
    (0, "Default"),
    (1, "Lower Effort"),
    (8, "Class Selector 1"),
    (10, "Assured Forwarding 11"),
    (12, "Assured Forwarding 12"),
    (14, "Assured Forwarding 13"),
    (16, "Class Selector 2"),
    (18, "Assured Forwarding 21"),
    (20, "Assured Forwarding 22"),
    (22, "Assured Forwarding 23"),
    (24, "Class Selector 3"),
    (26, "Assured Forwarding 31"),
    (28, "Assured Forwarding 32"),
    (30, "Assured Forwarding 33"),
    (32, "Class Selector 4"),
    (34, "Assured Forwarding 41"),
    (36, "Assured Forwarding 42"),
    (38, "Assured Forwarding 43"),
    (40, "Class Selector 5"),
    (44, "Voice Admit"),
    (46, "Expedited Forwarding"),
    (48, "Class Selector 6"),
    (56, "Class Selector 7"),
];

/// DSCP codepoints as the DS field's summary abbreviates them
/// (`dscp_short_vals`: `CS0`, `AF11`, `EF`).
pub static DSCP_SHORT: &[(u64, &str)] = &[
    (0, "CS0"),
    (1, "LE"),
    (8, "CS1"),
    (10, "AF11"),
    (12, "AF12"),
    (14, "AF13"),
    (16, "CS2"),
    (18, "AF21"),
    (20, "AF22"),
    (22, "AF23"),
    (24, "CS3"),
    (26, "AF31"),
    (28, "AF32"),
    (30, "AF33"),
    (32, "CS4"),
    (34, "AF41"),
    (36, "AF42"),
    (38, "AF43"),
    (40, "CS5"),
    (46, "EF PHB"),
    (48, "CS6"),
    (56, "CS7"),
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
    use std::fmt::Write;
    let sp = |o: usize, l: usize| crate::sink::Span::in_source(source, o, l);
    let n = frames.len();
    let mut pieces = String::new();
    if cx.sink.wants_text() {
        for (i, (frame, len)) in frames.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(pieces, "{sep}#{frame}({len})");
        }
    }
    let value = if fragments.ftype == T::None {
        Value::None
    } else {
        Value::Bytes(whole)
    };
    cx.labeled(
        fragments,
        sp(0, whole.len()),
        value,
        format_args!(
            "[{n} {version} Fragments ({} bytes): {pieces}]",
            whole.len()
        ),
    );
    cx.push();
    let mut o = 0usize;
    for &(frame, len) in frames {
        cx.labeled(
            fragment,
            sp(o, len as usize),
            Value::U64(frame.into()),
            format_args!(
                "[Frame: {frame}, payload: {o}-{} ({len} byte{})]",
                (o + len as usize).saturating_sub(1),
                crate::field::plural(len.into())
            ),
        );
        o += len as usize;
    }
    cx.generated(count, sp(0, 0), Value::U64(n as u64));
    cx.generated(length, sp(0, 0), Value::U64(whole.len() as u64));
    cx.generated(data, sp(0, whole.len()), Value::Bytes(whole));
    cx.pop();
}
