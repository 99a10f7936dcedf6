//! The frame layer and the entry point: from a link type and bytes to a
//! dissection.

use crate::data;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::frame_flags;
use crate::packet::{Buf, Cx, FrameFile, FrameMeta, Lookup, Options, PacketInfo, State, Table};
use crate::proto;
use crate::sink::{Presence, Sink, Span};

crate::fields! {
    SECTION = FieldDef::new("frame.section_number", "Section number", T::U32);
    INTERFACE_ID = FieldDef::new("frame.interface_id", "Interface id", T::U32);
    INTERFACE_NAME = FieldDef::new("frame.interface_name", "Interface name", T::String);
    INTERFACE_DESCRIPTION = FieldDef::new("frame.interface_description", "Interface description", T::String);
    ENCAP_TYPE = FieldDef::new("frame.encap_type", "Encapsulation type", T::I32);
    TIME = FieldDef::new("frame.time", "Arrival Time", T::AbsTime);
    OFFSET_SHIFT = FieldDef::new("frame.offset_shift", "Time shift for this packet", T::RelTime);
    TIME_EPOCH = FieldDef::new("frame.time_epoch", "Epoch Time", T::AbsTime).base(Base::Epoch);
    TIME_DELTA = FieldDef::new("frame.time_delta", "Time delta from previous captured frame", T::RelTime);
    TIME_DELTA_DISPLAYED = FieldDef::new("frame.time_delta_displayed", "Time delta from previous displayed frame", T::RelTime);
    TIME_RELATIVE = FieldDef::new("frame.time_relative", "Time since reference or first frame", T::RelTime);
    NUMBER = FieldDef::new("frame.number", "Frame Number", T::U32);
    LEN = FieldDef::new("frame.len", "Frame Length", T::U32);
    CAP_LEN = FieldDef::new("frame.cap_len", "Capture Length", T::U32);
    MARKED = FieldDef::new("frame.marked", "Frame is marked", T::Boolean);
    IGNORED = FieldDef::new("frame.ignored", "Frame is ignored", T::Boolean);
    PROTOCOLS = FieldDef::new("frame.protocols", "Protocols in frame", T::String);
    COMMENT = FieldDef::new("frame.comment", "Comment", T::String);
}

/// Wireshark's encapsulation (WTAP_ENCAP) for a link type: what the frame
/// layer shows as "Encapsulation type" (checked against tshark 4.0).
fn encapsulation(linktype: u32) -> Option<(i32, &'static str)> {
    Some(match linktype {
        0 => (15, "NULL/Loopback"),
        1 => (1, "Ethernet"),
        9 | 50 => (4, "PPP"),
        12 | 14 | 101 => (7, "Raw IP"),
        108 => (174, "OpenBSD loopback"),
        113 => (25, "Linux cooked-mode capture v1"),
        228 => (129, "Raw IPv4"),
        229 => (130, "Raw IPv6"),
        276 => (210, "Linux cooked-mode capture v2"),
        _ => return None,
    })
}

/// `N bytes WHAT(M bits)`, singular for one byte as tshark's plurality().
fn sized(n: u64, what: &str) -> String {
    let s = crate::field::plural(n);
    format!("{n} byte{s} {what}({} bits)", n * 8)
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
    file: &FrameFile<'_>,
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
    // The labels cost formatting every frame: only a tree reads them.
    let text = cx.sink.wants_text();
    if text {
        let title = title(meta, data.len(), file);
        cx.layer(&proto::FRAME, whole, format_args!("{title}"));
    } else {
        cx.layer(&proto::FRAME, whole, format_args!("Frame"));
    }
    for c in file.comments {
        cx.sink.field(&COMMENT, z, Value::Str(c), Presence::Normal);
    }
    if meta.interface_known {
        interface_fields(&mut cx, meta, file);
    }
    if let Some(flags) = file.flags {
        frame_flags::dissect(&mut cx, flags);
    }
    if let Some((encap, encap_name)) = encapsulation(meta.linktype) {
        let text = format_args!("Encapsulation type: {encap_name} ({encap})");
        cx.labeled(&ENCAP_TYPE, z, Value::I64(encap.into()), text);
    }
    time_fields(&mut cx, meta);
    cx.field(&NUMBER, z, Value::U64(meta.number.into()));
    let (len, cap) = (u64::from(meta.orig_len), data.len() as u64);
    if text {
        let label = format!("Frame Length: {}", sized(len, ""));
        cx.labeled(&LEN, z, Value::U64(len), format_args!("{label}"));
        let label = format!("Capture Length: {}", sized(cap, ""));
        cx.labeled(&CAP_LEN, z, Value::U64(cap), format_args!("{label}"));
    } else {
        cx.field(&LEN, z, Value::U64(len));
        cx.field(&CAP_LEN, z, Value::U64(cap));
    }
    cx.generated(&MARKED, z, Value::Bool(false));
    cx.generated(&IGNORED, z, Value::Bool(false));
    frame_flags::point_to_point(&mut cx, file.flags);
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

/// `Frame 1: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)`,
/// and the interface when the file describes interfaces.
fn title(meta: &FrameMeta, captured: usize, file: &FrameFile<'_>) -> String {
    let wire = sized(meta.orig_len.into(), "on wire ");
    let captured = sized(captured as u64, "captured ");
    let mut t = format!("Frame {}: {wire}, {captured}", meta.number);
    if meta.interface_known {
        let name = file.interface_name.unwrap_or("unknown");
        t.push_str(&format!(" on interface {name}, id {}", meta.interface));
    }
    t.push_str(frame_flags::title_suffix(file.flags));
    t
}

/// The section, then the interface by id with its name and description.
fn interface_fields<S: Sink>(cx: &mut Cx<'_, S>, meta: &FrameMeta, file: &FrameFile<'_>) {
    let z = Span::EMPTY;
    let name = file.interface_name.unwrap_or("unknown");
    cx.field(&SECTION, z, Value::U64(u64::from(file.section) + 1));
    let id = meta.interface;
    let text = format_args!("Interface id: {id} ({name})");
    cx.labeled(&INTERFACE_ID, z, Value::U64(id.into()), text);
    cx.push();
    cx.field(&INTERFACE_NAME, z, Value::Str(name));
    if let Some(d) = file.interface_description {
        cx.field(&INTERFACE_DESCRIPTION, z, Value::Str(d));
    }
    cx.pop();
}

/// Arrival and epoch time (when the record has one), then the deltas (the
/// caller knows which frames a display filter showed).
fn time_fields<S: Sink>(cx: &mut Cx<'_, S>, meta: &FrameMeta) {
    let z = Span::EMPTY;
    if meta.has_ts {
        cx.field(&TIME, z, Value::AbsTime(meta.ts_ns));
        cx.generated(&OFFSET_SHIFT, z, Value::RelTime(0));
        let epoch = Value::AbsTime(meta.ts_ns);
        if cx.sink.wants_text() {
            let mut secs = String::new();
            let _ = crate::field::write_secs(&mut secs, meta.ts_ns);
            cx.labeled(
                &TIME_EPOCH,
                z,
                epoch,
                format_args!("Epoch Time: {secs} seconds"),
            );
        } else {
            cx.field(&TIME_EPOCH, z, epoch);
        }
    }
    cx.generated(&TIME_DELTA, z, Value::RelTime(meta.delta_ns));
    let displayed = Value::RelTime(meta.delta_displayed_ns);
    cx.generated(&TIME_DELTA_DISPLAYED, z, displayed);
    cx.generated(&TIME_RELATIVE, z, Value::RelTime(meta.rel_ns));
}
