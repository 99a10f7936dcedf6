//! How a protocol finds message boundaries in a TCP byte stream: the
//! framing the TCP analysis' PDU engine (`tcp_pdu`) calls for the protocol
//! a connection speaks. Each protocol that is framed across segments
//! implements [`PduFraming`] in its own module (TLS records, HTTP/2
//! frames, DNS messages, HTTP messages, text lines); the engine keeps the
//! bytes, the pieces and the bounds.

/// Largest PDU kept (a TLS record is at most 16 KiB + 2 KiB, an HTTP/2 frame
/// 16 KiB unless the peer allows more, an HTTP head 64 KiB).
pub const MAX_PDU: usize = 1 << 20;

/// What follows a PDU that the engine counts rather than keeps (an HTTP
/// message's body), by how it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Length(u64),
    Chunked,
    /// Until the sender closes the connection.
    UntilClose,
}

/// How the next PDU of a stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A PDU of `len` bytes (kept), then a body of this kind (counted).
    Complete { len: usize, body: BodyKind },
    /// More bytes are needed to tell.
    NeedMore,
    /// These bytes do not start a PDU of this protocol.
    NotAPdu,
    /// A PDU longer than is reassembled ([`MAX_PDU`], an HTTP head past
    /// its bound).
    TooLong,
}

/// What the engine knows of a direction when it asks for a PDU's end.
#[derive(Debug)]
pub struct FramingState<'a> {
    /// The direction may start with a preface (HTTP/2's).
    pub preface_expected: bool,
    /// How much of the bytes an earlier call already searched (so a PDU
    /// that comes a byte at a time is searched once); a framing that
    /// searches keeps it, and sets it to 0 when it finds the end.
    pub scanned: &'a mut usize,
    /// For a response: the method of the request it answers (HEAD).
    pub other_methods: Option<&'a [u8]>,
}

/// A protocol's framing in a byte stream.
pub trait PduFraming: Sync {
    /// How the PDU at the start of `b` ends.
    fn frame(&self, b: &[u8], s: &mut FramingState<'_>) -> Framing;
    /// Whether `b` plainly starts a PDU (to resume after framing was lost).
    fn starts_pdu(&self, b: &[u8]) -> bool;
}

/// A PDU of a length read in a header: `len` once `b` holds it, else more.
pub fn by_length(b: &[u8], len: usize) -> Framing {
    if len > MAX_PDU {
        Framing::TooLong
    } else if b.len() >= len {
        Framing::Complete {
            len,
            body: BodyKind::None,
        }
    } else {
        Framing::NeedMore
    }
}

/// A fresh search, for the framings' tests in their own modules.
#[cfg(test)]
pub(crate) fn test_state(scanned: &mut usize, preface: bool) -> FramingState<'_> {
    FramingState {
        preface_expected: preface,
        scanned,
        other_methods: None,
    }
}

/// A whole PDU of `len` bytes without a body.
#[cfg(test)]
pub(crate) fn complete(len: usize) -> Framing {
    Framing::Complete {
        len,
        body: BodyKind::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_past_the_bound_is_too_long() {
        assert_eq!(by_length(&[0; 4], MAX_PDU + 1), Framing::TooLong);
        assert_eq!(by_length(&[0; 4], 4), complete(4));
        assert_eq!(by_length(&[0; 4], 5), Framing::NeedMore);
    }
}
