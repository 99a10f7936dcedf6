//! Reports that the command line and the app both give: the same rows,
//! written the same way, so that `wirelens flows` and the app's Export of
//! its Conversations window agree column for column. Below `cli` and `ui`,
//! which never import each other.

use std::io::{self, Write};

pub mod flows;
pub mod grpc_calls;
pub mod har;
pub mod http1_stream;
pub mod http2_frames;
pub mod http_timing;
pub mod scan;
pub mod sse_streams;
pub mod websocket_messages;

/// Writes a JSON array item by item, so that millions of packets need no
/// buffer the size of the output.
pub struct JsonArray {
    first: bool,
}

impl JsonArray {
    pub fn start(out: &mut impl Write) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonArray { first: true })
    }
    pub fn item<T: serde::Serialize>(&mut self, out: &mut impl Write, v: &T) -> io::Result<()> {
        out.write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut *out, v).map_err(io::Error::other)
    }
    pub fn end(self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(if self.first { b"]\n" } else { b"\n]\n" })
    }
}
