//! Wireshark's reassembly of an HTTP/2 message body (packet-http2.c's
//! END_STREAM mode): which DATA payloads of one direction of a stream are
//! pieces of one body, and the frame that completes it. A body is
//! reassembled once a request or response began that way (`:method` or
//! `:status`), unless a transfer-encoding header or a CONNECT tunnel says
//! its bytes are not one entity. gRPC streams are not reassembled:
//! Wireshark hands their messages on frame by frame.

use crate::tape_codec::{TapeReader, TapeWriter};

/// How Wireshark shows a DATA frame's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyPart {
    /// Its own bytes: a piece of a body still to come, or data that is not
    /// reassembled. The label says why when a reason applies.
    #[default]
    Piece,
    /// As `Piece`, in a stream whose body is not reassembled because of a
    /// transfer coding (`transfer_encoded`) or a CONNECT tunnel.
    Unjoined {
        transfer_encoded: bool,
        tunneled: bool,
    },
    /// The whole body, which this frame ends (alone, or after the pieces
    /// its note lists).
    Whole,
    /// A message stream (gRPC): "DATA payload (N bytes)".
    Streaming,
}

impl BodyPart {
    /// One byte for the tape.
    pub fn as_u8(self) -> u8 {
        match self {
            BodyPart::Piece => 0,
            BodyPart::Unjoined {
                transfer_encoded,
                tunneled,
            } => 1 | u8::from(transfer_encoded) << 1 | u8::from(tunneled) << 2,
            BodyPart::Whole => 8,
            BodyPart::Streaming => 9,
        }
    }

    pub fn from_u8(v: u8) -> Self {
        match v {
            8 => BodyPart::Whole,
            9 => BodyPart::Streaming,
            v if v & 1 != 0 => BodyPart::Unjoined {
                transfer_encoded: v & 2 != 0,
                tunneled: v & 4 != 0,
            },
            _ => BodyPart::Piece,
        }
    }
}

/// A body's piece: the frame it came in and its length.
pub type BodyPiece = (u32, u32);

/// Pieces remembered for one body (Wireshark lists every one; past this a
/// body's list stops growing, so a long download costs bounded memory).
pub const MAX_PIECES: usize = 16 * 1024;

/// One direction of a stream.
#[derive(Debug, Clone, Default)]
pub struct BodyReassembly {
    /// A request or response began this way: its data is one body.
    pub begun: bool,
    /// A transfer-encoding header came this way.
    pub transfer_encoded: bool,
    pieces: Vec<BodyPiece>,
}

impl BodyReassembly {
    /// A DATA payload of `len` bytes in frame `frame` (`end`: it ends the
    /// stream): how it is shown, and for the one that completes a body
    /// begun earlier, the pieces it joins.
    pub fn data(
        &mut self,
        frame: u32,
        len: usize,
        end: bool,
        tunneled: bool,
    ) -> (BodyPart, Option<Vec<BodyPiece>>) {
        if !self.begun || self.transfer_encoded || tunneled {
            let part = if self.transfer_encoded || tunneled {
                BodyPart::Unjoined {
                    transfer_encoded: self.transfer_encoded,
                    tunneled,
                }
            } else {
                BodyPart::Piece
            };
            return (part, None);
        }
        if !end {
            self.push(frame, len);
            return (BodyPart::Piece, None);
        }
        if self.pieces.is_empty() {
            // A body in one frame is shown whole without a list of pieces;
            // an empty last frame after none completes nothing.
            let part = if len > 0 {
                BodyPart::Whole
            } else {
                BodyPart::Piece
            };
            return (part, None);
        }
        if len > 0 {
            self.push(frame, len);
        }
        (BodyPart::Whole, Some(std::mem::take(&mut self.pieces)))
    }

    /// Trailing HEADERS that end the stream complete a body DATA began.
    pub fn trailers(&mut self) -> Option<Vec<BodyPiece>> {
        (!self.pieces.is_empty()).then(|| std::mem::take(&mut self.pieces))
    }

    fn push(&mut self, frame: u32, len: usize) {
        if self.pieces.len() < MAX_PIECES {
            self.pieces.push((frame, len.min(u32::MAX as usize) as u32));
        }
    }

    /// Heap bytes held.
    pub fn held_bytes(&self) -> usize {
        self.pieces.capacity() * std::mem::size_of::<BodyPiece>()
    }
}

/// A body's pieces: their count (0: none), then each frame as the step
/// from the one before (they rise) and its length.
pub fn write_body_pieces(w: &mut TapeWriter, pieces: Option<&[BodyPiece]>) {
    let Some(pieces) = pieces else {
        w.u64(0);
        return;
    };
    w.u64(pieces.len() as u64);
    let mut last = 0u32;
    for &(frame, len) in pieces {
        w.u64(frame.wrapping_sub(last).into());
        w.u64(len.into());
        last = frame;
    }
}

pub fn read_body_pieces(r: &mut TapeReader<'_>) -> Option<Vec<BodyPiece>> {
    let n = r.u64() as usize;
    if n == 0 {
        return None;
    }
    let n = n.min(MAX_PIECES);
    let mut last = 0u32;
    let pieces = (0..n)
        .map(|_| {
            last = last.wrapping_add(r.u64() as u32);
            (last, r.u64() as u32)
        })
        .collect();
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begun() -> BodyReassembly {
        BodyReassembly {
            begun: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_body_in_one_frame_is_whole_without_pieces() {
        assert_eq!(begun().data(7, 48, true, false), (BodyPart::Whole, None));
    }

    #[test]
    fn pieces_are_listed_on_the_frame_that_ends_the_body() {
        let mut b = begun();
        assert_eq!(b.data(10, 128, false, false), (BodyPart::Piece, None));
        assert_eq!(b.data(11, 5, false, false), (BodyPart::Piece, None));
        // An empty last frame joins what came before and adds nothing.
        let (part, pieces) = b.data(12, 0, true, false);
        assert_eq!(part, BodyPart::Whole);
        assert_eq!(pieces, Some(vec![(10, 128), (11, 5)]));
        // The next body starts afresh.
        assert_eq!(b.data(20, 3, true, false), (BodyPart::Whole, None));
    }

    #[test]
    fn trailers_end_a_body_only_after_data() {
        let mut b = begun();
        assert_eq!(b.trailers(), None);
        b.data(3, 9, false, false);
        assert_eq!(b.trailers(), Some(vec![(3, 9)]));
    }

    #[test]
    fn data_without_a_beginning_or_with_a_transfer_coding_is_not_joined() {
        let mut b = BodyReassembly::default();
        assert_eq!(b.data(1, 4, false, false), (BodyPart::Piece, None));
        assert_eq!(b.trailers(), None);
        let mut b = begun();
        b.transfer_encoded = true;
        let part = BodyPart::Unjoined {
            transfer_encoded: true,
            tunneled: false,
        };
        assert_eq!(b.data(1, 4, true, false), (part, None));
        assert_eq!(BodyPart::from_u8(part.as_u8()), part);
    }

    #[test]
    fn pieces_stop_growing_at_the_bound() {
        let mut b = begun();
        for i in 0..MAX_PIECES as u32 + 10 {
            b.data(i, 1, false, false);
        }
        let (_, pieces) = b.data(u32::MAX, 1, true, false);
        assert_eq!(pieces.map(|p| p.len()), Some(MAX_PIECES));
    }
}
