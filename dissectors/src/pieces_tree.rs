//! Wireshark's list of the pieces a reassembled unit was joined from
//! (reassemble.c's `show_fragment_tree`): "[N Reassembled TCP Segments
//! (X bytes): #f(l), ...]" with one item per piece, its range in the
//! joined data, the count, the length and the data. A protocol names its
//! own fields for it, as Wireshark's `fragment_items`: IPv4 and IPv6
//! fragments, TCP segments, HTTP/2 bodies.

use std::fmt::Write as _;

use crate::field::{FieldDef, FieldType, Value};
use crate::packet::Cx;
use crate::sink::{Sink, Span};

/// One protocol's fields for the list.
pub struct PiecesFields {
    /// The list; its title is the plural name ("Reassembled TCP Segments").
    pub list: &'static FieldDef,
    /// A piece; its title names a list of one, as reassemble.c's
    /// `show_fragment` names it ("1 Body fragment").
    pub piece: &'static FieldDef,
    pub count: &'static FieldDef,
    pub length: &'static FieldDef,
    /// The joined data, for protocols that show it (SMTP does not).
    pub data: Option<&'static FieldDef>,
}

/// The list under the current item: `pieces` are (frame, length) in
/// order; `whole`, when kept, is the joined data, shown from `source`.
pub fn pieces_tree<S: Sink>(
    cx: &mut Cx<'_, S>,
    fields: &PiecesFields,
    anchor: Span,
    pieces: &[(u32, u32)],
    whole: Option<(u16, &[u8])>,
) {
    let total: u64 = pieces.iter().map(|p| u64::from(p.1)).sum();
    let text = cx.sink.wants_text();
    let mut label = String::new();
    if text {
        let name = match pieces.len() {
            1 => fields.piece.title,
            _ => fields.list.title,
        };
        let s = crate::field::plural(total);
        let _ = write!(label, "{} {name} ({total} byte{s}): ", pieces.len());
        for (i, (frame, len)) in pieces.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(label, "{sep}#{frame}({len})");
        }
    }
    // The list covers the joined data when it is kept, and holds it when
    // its field is bytes (IPv4's `ip.fragments`).
    let list_span = whole.map_or(anchor, |(source, b)| Span::in_source(source, 0, b.len()));
    let list_value = match whole {
        Some((_, b)) if fields.list.ftype == FieldType::Bytes => Value::Bytes(b),
        _ => Value::None,
    };
    cx.generated_labeled(fields.list, list_span, list_value, format_args!("{label}"));
    cx.push();
    let source = whole.map_or(0, |w| w.0);
    let mut at = 0usize;
    for &(frame, len) in pieces {
        let len = len as usize;
        let span = if whole.is_some() {
            Span::in_source(source, at, len)
        } else {
            anchor
        };
        let v = Value::U64(frame.into());
        if text {
            let last = (at + len).saturating_sub(1);
            let s = crate::field::plural(len as u64);
            let label = format!("Frame: {frame}, payload: {at}-{last} ({len} byte{s})");
            cx.generated_labeled(fields.piece, span, v, format_args!("{label}"));
        } else {
            cx.generated(fields.piece, span, v);
        }
        at += len;
    }
    cx.generated(fields.count, anchor, Value::U64(pieces.len() as u64));
    cx.generated(fields.length, anchor, Value::U64(total));
    if let (Some((source, bytes)), Some(data)) = (whole, fields.data) {
        let all = Span::in_source(source, 0, bytes.len());
        cx.generated(data, all, Value::Bytes(bytes));
    }
    cx.pop();
}
