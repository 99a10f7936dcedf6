//! Dispatch from transport payloads to application dissectors (grows as
//! application protocols land).

use crate::packet::{Buf, Cx};
use crate::sink::Sink;

pub fn udp_payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    _sport: u16,
    _dport: u16,
) {
    crate::udp::undissected(cx, buf, off);
}
