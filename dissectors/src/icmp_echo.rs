//! Request/reply links of echo requests and replies, as ICMP and ICMPv6
//! both show them, each with its own fields.

use crate::expert::ExpertDef;
use crate::field::{FieldDef, Value};
use crate::packet::{Buf, Cx, EchoMatch};
use crate::sink::{Presence, Sink};

/// The fields and expert item a protocol shows request/reply links with.
#[derive(Clone, Copy)]
pub struct EchoFields {
    pub resp_in: &'static FieldDef,
    pub resp_to: &'static FieldDef,
    pub resptime: &'static FieldDef,
    pub no_resp: &'static FieldDef,
    pub no_response: &'static ExpertDef,
    /// The words of the matched frames' labels: ICMP's "Response frame",
    /// "Request frame" and "Response time", ICMPv6's field titles.
    pub words: [&'static str; 3],
}

/// Shows what request/reply matching said of an echo request or reply.
pub fn show<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    m: &EchoMatch,
    fields: &EchoFields,
) {
    let EchoFields {
        resp_in,
        resp_to,
        resptime,
        no_resp,
        no_response: no_resp_expert,
        words: [reply_word, request_word, time_word],
    } = *fields;
    let z = buf.span(off, 0);
    match *m {
        EchoMatch::Answered { reply } => {
            cx.sink.field_with_label(
                resp_in,
                z,
                Value::U64(reply.into()),
                Presence::Generated,
                format_args!("{reply_word}: {reply}"),
            );
        }
        EchoMatch::ReplyTo { request, rtt_ns } => {
            cx.sink.field_with_label(
                resp_to,
                z,
                Value::U64(request.into()),
                Presence::Generated,
                format_args!("{request_word}: {request}"),
            );
            let ms = rtt_ns as f64 / 1e6;
            cx.sink.field_with_label(
                resptime,
                z,
                Value::F64(ms),
                Presence::Generated,
                format_args!("{time_word}: {ms:.3} ms"),
            );
        }
        EchoMatch::Unanswered => {
            cx.sink.field_with_label(
                no_resp,
                z,
                Value::None,
                Presence::Generated,
                format_args!("No response seen"),
            );
            cx.expert(
                no_resp_expert,
                z,
                format_args!("No response seen to ICMP request"),
            );
        }
        EchoMatch::None => {}
    }
}
