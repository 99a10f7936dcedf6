//! QUIC's transport parameters (RFC 9000 §18), carried in the TLS
//! extension quic_transport_parameters (57) of a ClientHello or of
//! EncryptedExtensions: each parameter by name, its value decoded, under
//! tshark's `tls.quic.parameter.*` names.

use crate::bytes::varint;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::Cx;
use crate::sink::{Sink, Span};

crate::fields! {
    PARAMETER = FieldDef::new("tls.quic.parameter", "Parameter", T::None);
    TYPE = FieldDef::new("tls.quic.parameter.type", "Type", T::U64).names(NAMES);
    LENGTH = FieldDef::new("tls.quic.parameter.length", "Length", T::U64);
    VALUE = FieldDef::new("tls.quic.parameter.value", "Value", T::Bytes);
    ORIGINAL_DCID = FieldDef::new("tls.quic.parameter.original_destination_connection_id", "original_destination_connection_id", T::Bytes);
    MAX_IDLE_TIMEOUT = FieldDef::new("tls.quic.parameter.max_idle_timeout", "max_idle_timeout", T::U64);
    RESET_TOKEN = FieldDef::new("tls.quic.parameter.stateless_reset_token", "stateless_reset_token", T::Bytes);
    MAX_UDP_PAYLOAD = FieldDef::new("tls.quic.parameter.max_udp_payload_size", "max_udp_payload_size", T::U64);
    INITIAL_MAX_DATA = FieldDef::new("tls.quic.parameter.initial_max_data", "initial_max_data", T::U64);
    BIDI_LOCAL = FieldDef::new("tls.quic.parameter.initial_max_stream_data_bidi_local", "initial_max_stream_data_bidi_local", T::U64);
    BIDI_REMOTE = FieldDef::new("tls.quic.parameter.initial_max_stream_data_bidi_remote", "initial_max_stream_data_bidi_remote", T::U64);
    UNI = FieldDef::new("tls.quic.parameter.initial_max_stream_data_uni", "initial_max_stream_data_uni", T::U64);
    STREAMS_BIDI = FieldDef::new("tls.quic.parameter.initial_max_streams_bidi", "initial_max_streams_bidi", T::U64);
    STREAMS_UNI = FieldDef::new("tls.quic.parameter.initial_max_streams_uni", "initial_max_streams_uni", T::U64);
    ACK_DELAY_EXPONENT = FieldDef::new("tls.quic.parameter.ack_delay_exponent", "ack_delay_exponent", T::U64);
    MAX_ACK_DELAY = FieldDef::new("tls.quic.parameter.max_ack_delay", "max_ack_delay", T::U64);
    CID_LIMIT = FieldDef::new("tls.quic.parameter.active_connection_id_limit", "Active Connection ID Limit", T::U64);
    INITIAL_SCID = FieldDef::new("tls.quic.parameter.initial_source_connection_id", "Initial Source Connection ID", T::Bytes);
    RETRY_SCID = FieldDef::new("tls.quic.parameter.retry_source_connection_id", "Retry Source Connection ID", T::Bytes);
    MAX_DATAGRAM = FieldDef::new("tls.quic.parameter.max_datagram_frame_size", "max_datagram_frame_size", T::U64);
    CHOSEN_VERSION = FieldDef::new("tls.quic.parameter.vi.chosen_version", "Chosen Version", T::U32);
    OTHER_VERSION = FieldDef::new("tls.quic.parameter.vi.other_version", "Other Version", T::U32);
}

static NAMES: &[(u64, &str)] = &[
    (0x00, "original_destination_connection_id"),
    (0x01, "max_idle_timeout"),
    (0x02, "stateless_reset_token"),
    (0x03, "max_udp_payload_size"),
    (0x04, "initial_max_data"),
    (0x05, "initial_max_stream_data_bidi_local"),
    (0x06, "initial_max_stream_data_bidi_remote"),
    (0x07, "initial_max_stream_data_uni"),
    (0x08, "initial_max_streams_bidi"),
    (0x09, "initial_max_streams_uni"),
    (0x0a, "ack_delay_exponent"),
    (0x0b, "max_ack_delay"),
    (0x0c, "disable_active_migration"),
    (0x0d, "preferred_address"),
    (0x0e, "active_connection_id_limit"),
    (0x0f, "initial_source_connection_id"),
    (0x10, "retry_source_connection_id"),
    (0x11, "version_information"),
    (0x20, "max_datagram_frame_size"),
    (0x2ab2, "grease_quic_bit"),
];

/// Parameters read per extension at most.
const MAX_PARAMETERS: usize = 256;

/// The parameters in `d`; `span(o, n)` gives bytes `o..o + n` of it.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, d: &[u8], span: &dyn Fn(usize, usize) -> Span) {
    let mut o = 0;
    for _ in 0..MAX_PARAMETERS {
        let Some((t, n1)) = varint(d, o) else {
            break;
        };
        let Some((len, n2)) = varint(d, o + n1) else {
            break;
        };
        let at = o + n1 + n2;
        let Some(v) = usize::try_from(len)
            .ok()
            .and_then(|l| d.get(at..at.checked_add(l)?))
        else {
            break;
        };
        parameter(cx, span, o, t, (n1, n2), at, v);
        o = at + v.len();
    }
}

fn parameter<S: Sink>(
    cx: &mut Cx<'_, S>,
    span: &dyn Fn(usize, usize) -> Span,
    o: usize,
    t: u64,
    (n1, n2): (usize, usize),
    at: usize,
    v: &[u8],
) {
    let name = crate::field::lookup(NAMES, t).unwrap_or("Unknown");
    let number = varint(v, 0).filter(|(_, n)| *n == v.len()).map(|(x, _)| x);
    let unit = match t {
        0x01 | 0x0b => " ms",
        _ => "",
    };
    let shown = number.map(|x| format!(" {x}{unit}")).unwrap_or_default();
    cx.labeled(
        &PARAMETER,
        span(o, at + v.len() - o),
        Value::None,
        format_args!("Parameter: {name} (len={}){shown}", v.len()),
    );
    cx.push();
    cx.field(&TYPE, span(o, n1), Value::U64(t));
    cx.field(&LENGTH, span(o + n1, n2), Value::U64(v.len() as u64));
    if !v.is_empty() {
        cx.field(&VALUE, span(at, v.len()), Value::Bytes(v));
    }
    let as_number = match t {
        0x01 => Some(&MAX_IDLE_TIMEOUT),
        0x03 => Some(&MAX_UDP_PAYLOAD),
        0x04 => Some(&INITIAL_MAX_DATA),
        0x05 => Some(&BIDI_LOCAL),
        0x06 => Some(&BIDI_REMOTE),
        0x07 => Some(&UNI),
        0x08 => Some(&STREAMS_BIDI),
        0x09 => Some(&STREAMS_UNI),
        0x0a => Some(&ACK_DELAY_EXPONENT),
        0x0b => Some(&MAX_ACK_DELAY),
        0x0e => Some(&CID_LIMIT),
        0x20 => Some(&MAX_DATAGRAM),
        _ => None,
    };
    let as_bytes = match t {
        0x00 => Some(&ORIGINAL_DCID),
        0x02 => Some(&RESET_TOKEN),
        0x0f => Some(&INITIAL_SCID),
        0x10 => Some(&RETRY_SCID),
        _ => None,
    };
    if let (Some(def), Some(x)) = (as_number, number) {
        cx.field(def, span(at, v.len()), Value::U64(x));
    }
    if let Some(def) = as_bytes {
        cx.field(def, span(at, v.len()), Value::Bytes(v));
    }
    if t == 0x11 {
        for (i, c) in v.chunks_exact(4).enumerate() {
            let def = if i == 0 {
                &CHOSEN_VERSION
            } else {
                &OTHER_VERSION
            };
            let ver = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            cx.field(def, span(at + 4 * i, 4), Value::U64(ver.into()));
        }
    }
    cx.pop();
}
