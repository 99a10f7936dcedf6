//! The HTTP/2 frames a packet carries, read back from its collected fields
//! (with the gRPC messages each completed): what `wirelens http2` counts
//! and what HTTP timing follows per stream.

use dissectors::field::OwnedValue;

use super::scan::{FrameView, as_bool, as_str, as_u64};

/// One HTTP/2 frame's fields.
#[derive(Default)]
pub struct Frame {
    pub kind: u64,
    pub stream: u64,
    pub length: u64,
    pub end_stream: bool,
    pub settings: Vec<(String, u64)>,
    pub headers: Vec<(String, String, String)>,
    pub rst_error: Option<u64>,
    pub goaway_error: Option<u64>,
    pub window_increment: Option<u64>,
    /// The gRPC messages this frame completed: compressed or not, and
    /// their length (when the scan collects `grpc` fields).
    pub grpc: Vec<(bool, u64)>,
    /// Where, among the collected fields, the DATA frame's own payload
    /// (`http2.data.payload`) is.
    pub payload: Option<usize>,
}

/// The HTTP/2 frames one packet carries, in order, and how many times it
/// carried the connection preface.
pub fn frames(v: &FrameView<'_>) -> (u64, Vec<Frame>) {
    let mut magic = 0;
    let mut out: Vec<Frame> = Vec::new();
    // A frame header shows its length before its type: the type opens the frame.
    let mut length = 0;
    for (i, c) in v.fields.fields.iter().enumerate() {
        let val = Some(&c.value);
        match c.def.name {
            "http2.magic" => magic += 1,
            "http2.length" => length = as_u64(val).unwrap_or(0),
            "http2.type" => out.push(Frame {
                kind: as_u64(val).unwrap_or(0),
                length: std::mem::take(&mut length),
                ..Default::default()
            }),
            _ => {
                let Some(f) = out.last_mut() else { continue };
                match c.def.name {
                    "http2.streamid" => f.stream = as_u64(val).unwrap_or(0),
                    "http2.flags.end_stream" => f.end_stream = as_bool(val),
                    "http2.header.name" => f.headers.push((
                        as_str(val).unwrap_or_default(),
                        String::new(),
                        String::new(),
                    )),
                    "http2.header.value" => {
                        if let Some(h) = f.headers.last_mut() {
                            h.1 = as_str(val).unwrap_or_default();
                        }
                    }
                    "http2.header.repr" => {
                        if let Some(h) = f.headers.last_mut() {
                            h.2 = as_str(val).unwrap_or_default();
                        }
                    }
                    "http2.rst_stream.error" => f.rst_error = as_u64(val),
                    "http2.data.payload" => f.payload = Some(i),
                    // A message's first field, then its flag and length.
                    "grpc.frame_type" => f.grpc.push((false, 0)),
                    "grpc.compressed_flag" => {
                        if let Some(m) = f.grpc.last_mut() {
                            m.0 = as_u64(val).unwrap_or(0) != 0;
                        }
                    }
                    "grpc.message_length" => {
                        if let Some(m) = f.grpc.last_mut() {
                            m.1 = as_u64(val).unwrap_or(0);
                        }
                    }
                    "http2.goaway.error" => f.goaway_error = as_u64(val),
                    "http2.window_update.window_size_increment" => f.window_increment = as_u64(val),
                    name if name.starts_with("http2.settings.") && name != "http2.settings.id" => {
                        if let OwnedValue::U64(x) = c.value {
                            f.settings
                                .push((name["http2.settings.".len()..].to_string(), x));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    (magic, out)
}
