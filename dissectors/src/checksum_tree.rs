//! A checksum as Wireshark's `proto_tree_add_checksum` shows one it
//! verifies: "[correct]" or "[incorrect, should be 0x....]", the bad
//! checksum's expert under it, its status beside it; unverified (status 2)
//! when the message was not captured whole.

use crate::expert::ExpertDef;
use crate::field::{FieldDef, Value};
use crate::packet::Cx;
use crate::sink::{Sink, Span};

/// One protocol's fields for its checksum.
pub struct ChecksumFields {
    pub checksum: &'static FieldDef,
    pub status: &'static FieldDef,
    pub bad: &'static ExpertDef,
}

/// The checksum `got` at `span`; `computed` is what it should be, when the
/// whole message was there to compute it.
pub fn checksum_tree<S: Sink>(
    cx: &mut Cx<'_, S>,
    fields: &ChecksumFields,
    span: Span,
    got: u16,
    computed: Option<u16>,
) {
    let title = fields.checksum.title;
    let value = Value::U64(got.into());
    let status_span = Span { len: 0, ..span };
    let Some(computed) = computed else {
        cx.field(fields.checksum, span, value);
        cx.generated(fields.status, status_span, Value::U64(2));
        return;
    };
    let good = computed == got;
    if good {
        let label = format_args!("{title}: 0x{got:04x} [correct]");
        cx.labeled(fields.checksum, span, value, label);
    } else {
        let label = format_args!("{title}: 0x{got:04x} [incorrect, should be 0x{computed:04x}]");
        cx.labeled(fields.checksum, span, value, label);
        cx.push();
        let message = format_args!("Bad checksum [should be 0x{computed:04x}]");
        cx.expert(fields.bad, span, message);
        cx.pop();
    }
    cx.generated(fields.status, status_span, Value::U64(good.into()));
}
