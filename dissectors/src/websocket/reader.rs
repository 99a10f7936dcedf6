//! A WebSocket direction's byte stream read into messages: frames
//! (FIN, RSV, opcode, mask, length), payloads unmasked, fragmented
//! messages joined, and permessage-deflate (RFC 7692) inflated with its context carried from message to message
//! unless the handshake said `*_no_context_takeover`. Tshark 4.0 loses
//! that context on a fragmented compressed message and shows garbage for
//! every message after; here the context follows the messages as sent.
//!
//! Everything is bounded: a frame header is at most 14 bytes, a message
//! keeps at most [`MAX_KEPT`] bytes (it is counted whole), and inflation
//! stops for good on a direction whose messages grow past
//! [`MAX_INFLATED`] (a deflate bomb), saying so.

use flate2::{Decompress, FlushDecompress, Status};

use super::{BINARY, CLOSE, CONTINUATION, FrameHeader, PONG, TEXT, field, opcode_name};

/// A message's bytes kept (after inflation); the rest is counted.
pub const MAX_KEPT: usize = 1 << 20;
/// A compressed message inflated to more than this ends inflation on its
/// direction.
pub const MAX_INFLATED: u64 = 64 << 20;

/// A whole message: a data message (its fragments joined and inflated)
/// or a control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub opcode: u8,
    /// Its length after joining and inflating.
    pub length: u64,
    /// Its first [`MAX_KEPT`] bytes.
    pub data: Vec<u8>,
    pub compressed: bool,
    pub fragments: u32,
    /// A compressed message whose inflation failed or was given up.
    pub inflate_error: Option<&'static str>,
}

impl Message {
    pub fn type_name(&self) -> &'static str {
        opcode_name(self.opcode)
    }

    /// A close frame's status code and reason.
    pub fn close(&self) -> Option<(u16, String)> {
        if self.opcode != CLOSE || self.data.len() < 2 {
            return None;
        }
        let code = u16::from_be_bytes([self.data[0], self.data[1]]);
        Some((code, String::from_utf8_lossy(&self.data[2..]).into_owned()))
    }
}

#[derive(Debug)]
pub struct WebSocketReader {
    /// Header bytes gathered while a header is cut.
    header: Vec<u8>,
    /// The frame whose payload is being read, and how much is left.
    frame: Option<(FrameHeader, u64)>,
    /// How far into the frame's payload (for the mask).
    at: u64,
    /// The data message being joined, and the control frame being read.
    message: Option<Message>,
    control: Option<Message>,
    /// The compressed payload of the message being joined (inflated at its end).
    deflated: Vec<u8>,
    deflated_cut: bool,
    inflater: Option<Inflater>,
    /// The stream broke WebSocket's framing: nothing more is read.
    pub broken: bool,
}

impl WebSocketReader {
    /// A reader for one direction: `deflate` when permessage-deflate was
    /// agreed, with whether this sender resets its context per message.
    pub fn new(deflate: Option<bool>) -> Self {
        WebSocketReader {
            header: Vec::new(),
            frame: None,
            at: 0,
            message: None,
            control: None,
            deflated: Vec::new(),
            deflated_cut: false,
            inflater: deflate.map(Inflater::new),
            broken: false,
        }
    }

    /// Reads `b`, handing each whole message or control frame to `out`.
    pub fn feed(&mut self, mut b: &[u8], out: &mut dyn FnMut(Message)) {
        while !b.is_empty() && !self.broken {
            match self.frame {
                None => b = self.read_header(b, out),
                Some((h, left)) => {
                    let n = left.min(b.len() as u64) as usize;
                    self.payload(&h, &b[..n]);
                    b = &b[n..];
                    self.frame = Some((h, left - n as u64));
                    if left == n as u64 {
                        self.frame = None;
                        self.frame_done(&h, out);
                    }
                }
            }
        }
    }

    fn read_header<'b>(&mut self, b: &'b [u8], out: &mut dyn FnMut(Message)) -> &'b [u8] {
        let had = self.header.len();
        let take = (field::MAX_HEADER - had).min(b.len());
        self.header.extend_from_slice(&b[..take]);
        let Some(h) = FrameHeader::parse(&self.header) else {
            return &[];
        };
        self.header.clear();
        let rest = &b[h.header_len - had..];
        if !self.starts(&h) {
            self.broken = true;
            return &[];
        }
        self.at = 0;
        self.frame = Some((h, h.len));
        if h.len == 0 {
            self.frame = None;
            self.frame_done(&h, out);
        }
        rest
    }

    /// Whether a frame with header `h` may come now (a continuation needs
    /// a message to continue, a new data message needs none; a control
    /// frame is short and whole).
    fn starts(&mut self, h: &FrameHeader) -> bool {
        if h.is_control() {
            if !h.fin || h.len > 125 || h.opcode > PONG {
                return false;
            }
            self.control = Some(empty_message(h.opcode, false));
            return true;
        }
        match (h.opcode, self.message.is_some()) {
            (CONTINUATION, true) => true,
            (TEXT | BINARY, false) => {
                let compressed = h.compressed() && self.inflater.is_some();
                self.message = Some(empty_message(h.opcode, compressed));
                true
            }
            _ => false,
        }
    }

    fn payload(&mut self, h: &FrameHeader, b: &[u8]) {
        let mut bytes = b.to_vec();
        if let Some(m) = h.mask {
            for (i, c) in bytes.iter_mut().enumerate() {
                *c ^= m[((self.at + i as u64) % 4) as usize];
            }
        }
        self.at += b.len() as u64;
        if h.is_control() {
            if let Some(c) = self.control.as_mut() {
                keep(c, &bytes);
            }
            return;
        }
        let Some(m) = self.message.as_mut() else {
            return;
        };
        if m.compressed {
            if self.deflated.len() + bytes.len() > MAX_KEPT * 4 {
                self.deflated_cut = true;
            } else {
                self.deflated.extend_from_slice(&bytes);
            }
        } else {
            keep(m, &bytes);
        }
    }

    fn frame_done(&mut self, h: &FrameHeader, out: &mut dyn FnMut(Message)) {
        if h.is_control() {
            if let Some(mut c) = self.control.take() {
                c.fragments = 1;
                out(c);
            }
            return;
        }
        let Some(m) = self.message.as_mut() else {
            return;
        };
        m.fragments += 1;
        if !h.fin {
            return;
        }
        let Some(mut m) = self.message.take() else {
            return;
        };
        if m.compressed {
            let deflated = std::mem::take(&mut self.deflated);
            if std::mem::take(&mut self.deflated_cut) {
                m.inflate_error = Some("message too long to inflate");
                if let Some(i) = self.inflater.as_mut() {
                    i.lost = true;
                }
            } else if let Some(i) = self.inflater.as_mut()
                && let Err(e) = i.inflate(&deflated, &mut m)
            {
                m.inflate_error = Some(e);
            }
        }
        out(m);
    }
}

fn empty_message(opcode: u8, compressed: bool) -> Message {
    Message {
        opcode,
        length: 0,
        data: Vec::new(),
        compressed,
        fragments: 0,
        inflate_error: None,
    }
}

/// Counts `b` into `m`, keeping what fits.
fn keep(m: &mut Message, b: &[u8]) {
    m.length += b.len() as u64;
    let room = MAX_KEPT.saturating_sub(m.data.len());
    m.data.extend_from_slice(&b[..room.min(b.len())]);
}

/// One sender's permessage-deflate context.
#[derive(Debug)]
struct Inflater {
    z: Decompress,
    /// The sender resets its window after every message.
    no_takeover: bool,
    /// The context was lost (a message not inflated): later ones cannot be.
    lost: bool,
}

impl Inflater {
    fn new(no_takeover: bool) -> Self {
        Inflater {
            z: Decompress::new(false),
            no_takeover,
            lost: false,
        }
    }

    /// Inflates one message's payload (RFC 7692 7.2.2: with the
    /// 0x00 0x00 0xff 0xff its sender removed put back) into `m`.
    fn inflate(&mut self, deflated: &[u8], m: &mut Message) -> Result<(), &'static str> {
        if self.lost {
            return Err("an earlier message could not be inflated");
        }
        if self.no_takeover {
            self.z.reset(false);
        }
        let mut input = deflated.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut buf = vec![0u8; 64 << 10];
        let mut at = 0;
        loop {
            let (before_in, before_out) = (self.z.total_in(), self.z.total_out());
            let status = self
                .z
                .decompress(&input[at..], &mut buf, FlushDecompress::Sync);
            let used = (self.z.total_in() - before_in) as usize;
            let made = (self.z.total_out() - before_out) as usize;
            at += used;
            keep(m, &buf[..made]);
            match status {
                Err(_) => {
                    self.lost = true;
                    return Err("not valid deflate data");
                }
                Ok(Status::StreamEnd) => {
                    // A final block: the sender starts a new stream next.
                    self.z.reset(false);
                    return Ok(());
                }
                Ok(_) if m.length > MAX_INFLATED => {
                    self.lost = true;
                    return Err("inflates to too much");
                }
                Ok(_) if at >= input.len() && made < buf.len() => return Ok(()),
                Ok(_) if used == 0 && made == 0 => {
                    self.lost = true;
                    return Err("deflate data stops short");
                }
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    fn read(r: &mut WebSocketReader, b: &[u8]) -> Vec<Message> {
        let mut out = Vec::new();
        r.feed(b, &mut |m| out.push(m));
        out
    }

    /// RFC 6455 5.7's examples, byte by byte and whole.
    #[test]
    fn the_rfc_frame_examples() {
        let hello_unmasked = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let hello_masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let fragmented = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
        let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        for bytes in [&hello_unmasked[..], &hello_masked, &fragmented, &ping] {
            let whole = read(&mut WebSocketReader::new(None), bytes);
            let mut r = WebSocketReader::new(None);
            let split: Vec<Message> = bytes.iter().flat_map(|b| read(&mut r, &[*b])).collect();
            assert_eq!(whole, split);
            assert_eq!(whole.len(), 1);
            assert_eq!(whole[0].data, b"Hello");
        }
        let m = read(&mut WebSocketReader::new(None), &fragmented);
        assert_eq!((m[0].opcode, m[0].fragments), (TEXT, 2));
        let long = [&[0x82, 0x7e, 0x01, 0x00][..], &[7u8; 256]].concat();
        let m = read(&mut WebSocketReader::new(None), &long);
        assert_eq!((m[0].type_name(), m[0].length), ("binary", 256));
    }

    /// RFC 7692 7.2.3.2: "Hello" twice with one context, the second
    /// message using the first's bytes.
    #[test]
    fn deflate_with_context_takeover() {
        let first = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let second = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
        let mut r = WebSocketReader::new(Some(false));
        let m = read(&mut r, &[&first[..], &second].concat());
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].data, b"Hello");
        assert_eq!(m[1].data, b"Hello", "{:?}", m[1].inflate_error);
    }

    /// A compressed message sent in fragments, then a control frame in the
    /// middle of another, then more messages on the same context.
    #[test]
    fn fragmented_compressed_messages_keep_the_context() {
        let mut z = Compress::new(Compression::default(), false);
        let mut deflate = |text: &[u8]| {
            let mut out = vec![0u8; text.len() + 64];
            let before = z.total_out();
            z.compress(text, &mut out, FlushCompress::Sync).unwrap();
            out.truncate((z.total_out() - before) as usize);
            assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
            out.truncate(out.len() - 4);
            out
        };
        let texts: [&[u8]; 3] = [
            b"the quick brown fox",
            b"the quick brown fox jumps",
            b"over the lazy dog",
        ];
        let mut wire = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let d = deflate(t);
            let (a, b) = d.split_at(d.len() / 2);
            wire.extend_from_slice(&[0x41, a.len() as u8]);
            wire.extend_from_slice(a);
            if i == 1 {
                wire.extend_from_slice(&[0x89, 0x00]);
            }
            wire.extend_from_slice(&[0x80, b.len() as u8]);
            wire.extend_from_slice(b);
        }
        let got = read(&mut WebSocketReader::new(Some(false)), &wire);
        let kinds: Vec<&str> = got.iter().map(Message::type_name).collect();
        assert_eq!(kinds, ["text", "ping", "text", "text"]);
        let texts_got: Vec<&[u8]> = got
            .iter()
            .filter(|m| m.opcode == TEXT)
            .map(|m| &m.data[..])
            .collect();
        assert_eq!(texts_got, texts);
    }

    #[test]
    fn a_close_frame_gives_its_code_and_reason() {
        let m = read(
            &mut WebSocketReader::new(None),
            &[0x88, 0x06, 0x03, 0xe8, b'b', b'y', b'e', b'!'],
        );
        assert_eq!(m[0].close(), Some((1000, "bye!".into())));
    }

    #[test]
    fn a_continuation_with_nothing_to_continue_breaks_the_stream() {
        let mut r = WebSocketReader::new(None);
        assert!(read(&mut r, &[0x80, 0x01, b'x', 0x81, 0x01, b'y']).is_empty());
        assert!(r.broken);
    }
}
