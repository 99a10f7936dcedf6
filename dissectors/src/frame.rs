//! The frame layer and the entry point: from a link type and bytes to a
//! dissection.

use crate::data;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, FrameMeta, Lookup, Options, PacketInfo, State, Table};
use crate::proto;
use crate::sink::{Presence, Sink, Span};

crate::fields! {
    INTERFACE_ID = FieldDef::new("frame.interface_id", "Interface id", T::U32);
    TIME = FieldDef::new("frame.time", "Arrival Time", T::AbsTime);
    TIME_EPOCH = FieldDef::new("frame.time_epoch", "Epoch Time", T::AbsTime).base(Base::Epoch);
    TIME_DELTA = FieldDef::new("frame.time_delta", "Time delta from previous captured frame", T::RelTime);
    TIME_RELATIVE = FieldDef::new("frame.time_relative", "Time since reference or first frame", T::RelTime);
    NUMBER = FieldDef::new("frame.number", "Frame Number", T::U32);
    LEN = FieldDef::new("frame.len", "Frame Length", T::U32);
    CAP_LEN = FieldDef::new("frame.cap_len", "Capture Length", T::U32);
    PROTOCOLS = FieldDef::new("frame.protocols", "Protocols in frame", T::String);
    COMMENT = FieldDef::new("frame.comment", "Comment", T::String);
}

/// Link types this crate dissects.
pub fn linktype_name(lt: u32) -> &'static str {
    match lt {
        0 => "NULL",
        1 => "ETHERNET",
        12 | 14 | 101 => "RAW",
        108 => "LOOP",
        113 => "LINUX_SLL",
        228 => "IPV4",
        229 => "IPV6",
        276 => "LINUX_SLL2",
        _ => "UNKNOWN",
    }
}

/// Wireshark's COL_MAX_INFO_LEN (4,096 with the terminating NUL): Info
/// stops there, whatever a frame holds (a DNS message of thousands of
/// questions would otherwise make a line of megabytes).
pub const MAX_INFO: usize = 4095;

fn truncate_info(info: &mut String) {
    if info.len() > MAX_INFO {
        let mut end = MAX_INFO;
        while !info.is_char_boundary(end) {
            end -= 1;
        }
        info.truncate(end);
    }
}

/// Dissects one frame with the dissector tables `lookup` (the registry's:
/// `crate::dissect_frame`). `pi` is cleared first and filled with what the
/// indexer keeps; `state` answers for reassembly and conversations.
#[allow(clippy::too_many_arguments)]
pub fn dissect<S: Sink>(
    meta: &FrameMeta,
    data: &[u8],
    comments: &[&str],
    state: &mut dyn State,
    opts: Options,
    sink: &mut S,
    pi: &mut PacketInfo,
    lookup: Lookup<S>,
) {
    pi.clear();
    let mut cx = Cx {
        sink,
        lookup,
        pi,
        state,
        frame: *meta,
        opts,
        quote_depth: 0,
        nesting: 0,
        ip_current: None,
        info_exception: None,
        app_info_started: false,
        info_fence: 0,
        udp_stream: None,
        match_string: None,
        media_parameters: None,
        tcp_stream: None,
        expected: None,
    };
    let whole = Span::new(0, data.len());
    let z = Span::EMPTY;
    cx.layer(
        &proto::FRAME,
        whole,
        format_args!(
            "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits)",
            meta.number,
            meta.orig_len,
            u64::from(meta.orig_len) * 8,
            data.len(),
            data.len() * 8
        ),
    );
    if meta.interface_known {
        cx.generated(&INTERFACE_ID, z, Value::U64(meta.interface.into()));
    }
    for c in comments {
        cx.sink.field(&COMMENT, z, Value::Str(c), Presence::Normal);
    }
    if meta.has_ts {
        cx.generated(&TIME, z, Value::AbsTime(meta.ts_ns));
        cx.generated(&TIME_EPOCH, z, Value::AbsTime(meta.ts_ns));
    }
    cx.generated(&TIME_DELTA, z, Value::RelTime(meta.delta_ns));
    cx.generated(&TIME_RELATIVE, z, Value::RelTime(meta.rel_ns));
    cx.generated(&NUMBER, z, Value::U64(meta.number.into()));
    cx.generated(&LEN, z, Value::U64(meta.orig_len.into()));
    cx.generated(&CAP_LEN, z, Value::U64(data.len() as u64));
    let handle = cx.sink.layer_handle();
    cx.end_layer();
    // The frame layer is not a protocol of `frame.protocols`.
    cx.pi.protocols.clear();

    let buf = Buf::frame(data, meta.orig_len);
    if cx
        .dissect_by(Table::LinkType, meta.linktype, buf, 0)
        .is_none()
    {
        data::dissect(&mut cx, buf, 0);
    }
    if let Some(note) = cx.info_exception {
        cx.append_info(format_args!("{note}"));
    }
    if cx.pi.protocol.is_empty() {
        cx.pi.protocol = "Data".into();
    }
    truncate_info(&mut cx.pi.info);
    if cx.sink.wants(&PROTOCOLS) {
        let list = cx.pi.protocols_string();
        cx.sink.reenter(handle);
        cx.sink
            .field(&PROTOCOLS, z, Value::Str(&list), Presence::Generated);
        cx.sink.pop();
    }
}
