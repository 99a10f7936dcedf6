//! Dropbox LAN sync Discovery (UDP port 17500): a broadcast whose whole
//! payload is a JSON object, shown as tshark does, the JSON under it.

use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::table::Table;

/// The media type the payload is handed on by.
const PAYLOAD_MEDIA: &str = "application/json";

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let len = buf.rest(off).len();
    cx.layer(
        &proto::DB_LSP_DISC,
        buf.span(off, len),
        format_args!("Dropbox LAN sync Discovery Protocol"),
    );
    cx.set_info(format_args!("Dropbox LAN sync Discovery Protocol"));
    if len > 0 {
        let key = crate::table::media_key(PAYLOAD_MEDIA);
        cx.dissect_by(Table::MediaType, key, buf, off);
    }
    cx.end_layer();
    len.max(1)
}

#[cfg(test)]
mod tests {
    use crate::harness::{Wrap, run_frames};

    #[test]
    fn discovery_broadcast_carries_json() {
        let body = br#"{"host_int": 1, "version": [1, 8], "port": 17500}"#;
        let infos = run_frames(228, &[Wrap::Udp(17500).apply(body)]);
        assert_eq!(
            infos,
            ["Dropbox LAN sync Discovery Protocol, JavaScript Object Notation"]
        );
    }
}
