//! A TLS connection's state across records: the version it settled on,
//! whether each direction changed cipher spec, a handshake message begun in
//! an earlier record, and what a completed record knew ([`TlsNote`]).

use std::sync::Arc;

use super::decrypt::{DecryptError, Decryptor, Opened, Plaintext};
use super::keylog::KeyLog;
use super::*;
use crate::tape_codec::{Recorded, Sources, TapeReader, TapeWriter};

/// What the connection knew when a record completed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsNote {
    /// The version the handshake settled on so far (0: not yet known).
    pub version: u16,
    /// This direction changed cipher spec before: handshake records are encrypted.
    pub encrypted: bool,
    /// The start of a handshake message begun in earlier records.
    pub carry: Carry,
    /// The negotiated cipher suite (0: not yet known), for key exchange messages.
    pub cipher: u16,
    /// The application protocol, when ALPN made it known ("h2").
    pub alpn: Option<String>,
    /// What decryption made of the record.
    pub decrypted: Decrypted,
    /// The handshake rides in QUIC CRYPTO frames (JA4's `q`).
    pub quic: bool,
    /// The protocol the session carries, as tshark names it on application
    /// data ([`app_protocol`](super::app_protocol)'s number).
    pub app: Option<u8>,
    /// A server's ChangeCipherSpec ending an abbreviated handshake (no
    /// ServerHelloDone before it): the session was resumed.
    pub resumed: bool,
}

/// What TLS keeps of a record's note on the tape (the payload a decrypted
/// record carries is the PDU engine's, written after it).
impl Recorded for TlsNote {
    fn record(&self, w: &mut TapeWriter<'_>) {
        w.u64(self.version.into());
        w.u8(u8::from(self.encrypted) | (u8::from(self.resumed) << 1));
        match &self.carry {
            Carry::None => w.u8(0),
            Carry::Continued { head, len } => {
                w.u8(1);
                w.bytes(head);
                w.u64((*len).into());
            }
            Carry::Whole(b) => {
                w.u8(2);
                w.big(b);
            }
        }
        w.u64(self.cipher.into());
        w.bytes(self.alpn.as_deref().unwrap_or("").as_bytes());
        w.u8(self.app.map_or(0, |a| a + 1));
        write_decrypted(w, &self.decrypted);
    }

    fn replay(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self {
        let version = r.u64() as u16;
        let flags = r.u8();
        TlsNote {
            version,
            encrypted: flags & 1 != 0,
            resumed: flags & 2 != 0,
            carry: match r.u8() {
                1 => Carry::Continued {
                    head: r.bytes().iter().take(4).copied().collect(),
                    len: r.u32(),
                },
                2 => Carry::Whole(src.big(r)),
                _ => Carry::None,
            },
            cipher: r.u64() as u16,
            alpn: Some(String::from_utf8_lossy(r.bytes()).into_owned()).filter(|s| !s.is_empty()),
            app: r.u8().checked_sub(1),
            decrypted: read_decrypted(r, src),
            quic: false,
        }
    }
}

fn write_decrypted(w: &mut TapeWriter<'_>, d: &Decrypted) {
    match d {
        Decrypted::None => w.u8(0),
        Decrypted::NoKey => w.u8(1),
        Decrypted::Plain(p) => {
            w.u8(2);
            w.u8(p.content_type);
            w.big(&p.bytes);
        }
        Decrypted::Failed(e) => {
            w.u8(3);
            w.u8(e.as_u8());
        }
    }
}

fn read_decrypted(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Decrypted {
    match r.u8() {
        1 => Decrypted::NoKey,
        2 => Decrypted::Plain(Plaintext {
            content_type: r.u8(),
            bytes: src.big(r),
        }),
        3 => Decrypted::Failed(DecryptError::from_u8(r.u8())),
        _ => Decrypted::None,
    }
}

/// What decryption made of a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Decrypted {
    /// Cleartext, or no key log was given.
    #[default]
    None,
    /// Encrypted, and the key log has no key for the session.
    NoKey,
    Plain(Plaintext),
    Failed(DecryptError),
}

impl Decrypted {
    /// The plaintext, when the record opened.
    pub fn plain(&self) -> Option<&Plaintext> {
        match self {
            Decrypted::Plain(p) => Some(p),
            _ => None,
        }
    }
}

/// Handshake bytes that earlier records began and this one continues.
///
/// Only a record that completes a message needs them all; the others only
/// need to name the message they continue. Keeping every record's whole
/// carry made a message sent a byte per record cost the square of its
/// length (64k one-byte records: 2.2 GB).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Carry {
    /// None: the record starts a message (or is no handshake).
    #[default]
    None,
    /// The message goes on past this record: the first (up to 4) bytes of
    /// what came before, which name it, and how many there were.
    Continued { head: Vec<u8>, len: u32 },
    /// This record completes the message: everything that came before.
    Whole(Vec<u8>),
}

/// RFC 7366's extension.
const EXT_ENCRYPT_THEN_MAC: u16 = 22;
const EXT_EARLY_DATA: u16 = 42;

/// The first protocol of an EncryptedExtensions' ALPN extension.
pub fn encrypted_extensions_alpn(body: &[u8]) -> Option<String> {
    let exts = body.get(2..2 + usize::from(bytes::be16(body, 0)?))?;
    let mut at = 0;
    while let (Some(t), Some(len)) = (bytes::be16(exts, at), bytes::be16(exts, at + 2)) {
        let data = exts.get(at + 4..at + 4 + usize::from(len))?;
        if t == 16 {
            return alpn_names(data).into_iter().next();
        }
        at += 4 + usize::from(len);
    }
    None
}

impl Carry {
    pub fn len(&self) -> usize {
        match self {
            Carry::None => 0,
            Carry::Continued { len, .. } => *len as usize,
            Carry::Whole(b) => b.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The TLS state of a connection, kept by the analysis.
#[derive(Debug, Default)]
pub struct TlsConnection {
    pub version: u16,
    pub cipher: u16,
    pub alpn: Option<String>,
    /// Client's first ALPN offer (TLS 1.3 hides the server's choice).
    offered_alpn: Option<String>,
    ccs: [bool; 2],
    /// Handshake bytes waiting for the rest of their message, per direction.
    carry: [Vec<u8>; 2],
    /// The message being carried was too long to follow (see
    /// [`MAX_HANDSHAKE`]); set for the record that gave up on it.
    pub gave_up: bool,
    /// The key log, when the user gave one.
    keys: Option<Arc<KeyLog>>,
    /// Decryption, from the ClientHello on when there is a key log.
    decryptor: Option<Box<Decryptor>>,
    /// The TCP direction the ClientHello came from.
    client_dir: usize,
    /// The protocol that started TLS on the connection (STARTTLS).
    pub started_by: Option<u8>,
    /// A ServerHello, and a ServerHelloDone, were seen (TLS 1.2 and before:
    /// a server changing cipher spec between them resumes a session).
    server_hello: bool,
    hello_done: bool,
}

/// A handshake message longer than this is not followed across records.
pub const MAX_HANDSHAKE: usize = 256 << 10;

pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

impl TlsConnection {
    /// Decrypt with these secrets (from the next ClientHello on).
    pub fn set_keys(&mut self, keys: Arc<KeyLog>) {
        if let Some(d) = &mut self.decryptor {
            d.set_keys(keys.clone());
        }
        self.keys = Some(keys);
    }

    /// A copy of what the connection knows, without its decryption state
    /// (for bytes shown out of order, which cannot be decrypted in turn).
    pub fn copy_without_keys(&self) -> TlsConnection {
        TlsConnection {
            version: self.version,
            cipher: self.cipher,
            alpn: self.alpn.clone(),
            offered_alpn: self.offered_alpn.clone(),
            ccs: self.ccs,
            carry: self.carry.clone(),
            gave_up: self.gave_up,
            keys: None,
            decryptor: None,
            client_dir: self.client_dir,
            started_by: self.started_by,
            server_hello: self.server_hello,
            hello_done: self.hello_done,
        }
    }

    /// Whether the connection decrypts with this very key log.
    pub fn has_keys(&self, keys: &Arc<KeyLog>) -> bool {
        self.keys.as_ref().is_some_and(|k| Arc::ptr_eq(k, keys))
    }

    /// Takes a complete record sent in direction `dir` and says what its
    /// dissection needs to know.
    pub fn record(&mut self, dir: usize, record: &[u8]) -> TlsNote {
        let dir = dir & 1;
        let ct = record.first().copied().unwrap_or(0);
        // TLS 1.3 sends its encrypted handshake as application data; its
        // change_cipher_spec is only for middleboxes.
        let encrypted = self.ccs[dir] && self.version != 0x0304;
        self.gave_up = false;
        let mut note = TlsNote {
            version: self.version,
            encrypted: encrypted && ct == 22,
            carry: Carry::None,
            cipher: self.cipher,
            alpn: self.alpn.clone(),
            decrypted: Decrypted::None,
            quic: false,
            app: None,
            resumed: false,
        };
        let fragment = record.get(5..).unwrap_or(&[]);
        note.decrypted = self.open(dir, record);
        if let Decrypted::Plain(plain) = &note.decrypted {
            note.encrypted = false;
            if plain.content_type == 22 {
                note.carry = self.carry_for(dir, &plain.bytes);
                self.handshake_bytes(dir, &plain.bytes);
            }
            return note;
        }
        match ct {
            20 => {
                note.resumed = dir != self.client_dir
                    && self.server_hello
                    && !self.hello_done
                    && self.version != 0x0304;
                self.ccs[dir] = true;
                if let Some(d) = &mut self.decryptor {
                    d.change_cipher_spec(dir ^ self.client_dir);
                }
            }
            22 if !encrypted => {
                note.carry = self.carry_for(dir, fragment);
                self.handshake_bytes(dir, fragment);
            }
            _ => {}
        }
        note
    }

    /// The protocol tshark names on this connection's application data
    /// (its `app_handle`): the server's ALPN choice, else the protocol
    /// that started TLS, else the one registered for either port.
    pub fn app_protocol(&self, ports: (u16, u16)) -> Option<u8> {
        self.alpn
            .as_deref()
            .and_then(super::app_protocol::by_alpn)
            .or(self.started_by)
            .or_else(|| super::app_protocol::by_port(ports.0, ports.1))
    }

    /// Decrypts a record of direction `dir` when its direction is
    /// encrypted and there is a key log.
    fn open(&mut self, dir: usize, record: &[u8]) -> Decrypted {
        let Some(d) = &mut self.decryptor else {
            return Decrypted::None;
        };
        let (Some(header), Some(fragment)) = (record.get(..5), record.get(5..)) else {
            return Decrypted::None;
        };
        if !matches!(header[0], 21..=23) {
            return Decrypted::None;
        }
        let mut h = [0u8; 5];
        h.copy_from_slice(header);
        match d.open(dir ^ self.client_dir, h, fragment) {
            Opened::Clear => Decrypted::None,
            Opened::NoKey => Decrypted::NoKey,
            Opened::Plain(p) => Decrypted::Plain(p),
            Opened::Failed(e) => Decrypted::Failed(e),
        }
    }

    /// Heap bytes the connection's state holds.
    pub fn held_bytes(&self) -> usize {
        self.carry.iter().map(Vec::capacity).sum::<usize>()
            + self.alpn.as_ref().map_or(0, String::capacity)
            + self.offered_alpn.as_ref().map_or(0, String::capacity)
    }

    /// What a record continuing direction `dir`'s carried message needs.
    fn carry_for(&self, dir: usize, fragment: &[u8]) -> Carry {
        let carry = &self.carry[dir];
        if carry.is_empty() {
            return Carry::None;
        }
        // The message's header, from the carry and, if it is shorter, this record.
        let mut head = [0u8; 4];
        for (i, b) in carry.iter().chain(fragment).take(4).enumerate() {
            head[i] = *b;
        }
        let have = carry.len() + fragment.len();
        let need = 4 + u32::from_be_bytes([0, head[1], head[2], head[3]]) as usize;
        if have >= 4 && have >= need {
            Carry::Whole(carry.clone())
        } else {
            Carry::Continued {
                head: carry[..carry.len().min(4)].to_vec(),
                len: carry.len() as u32,
            }
        }
    }

    /// Takes a record's handshake bytes: the messages they complete are
    /// observed, what is left waits for the next record (up to
    /// [`MAX_HANDSHAKE`]; a longer message is given up on).
    fn handshake_bytes(&mut self, dir: usize, fragment: &[u8]) {
        let mut data = std::mem::take(&mut self.carry[dir]);
        data.extend_from_slice(fragment);
        let mut pos = 0;
        while let (Some(t), Some(len)) = (bytes::u8_at(&data, pos), bytes::be24(&data, pos + 1)) {
            let end = pos + 4 + len as usize;
            let Some(body) = data.get(pos + 4..end) else {
                break;
            };
            self.observe(dir, t, body);
            pos = end;
        }
        if pos < data.len() {
            if data.len() - pos > MAX_HANDSHAKE {
                self.gave_up = true;
            } else {
                // The carry keeps its allocation: a message a byte per
                // record costs what its bytes do.
                data.drain(..pos);
                self.carry[dir] = data;
            }
        }
    }

    /// What the analysis learns from a handshake message sent in `dir`.
    fn observe(&mut self, dir: usize, t: u8, body: &[u8]) {
        let cdir = dir ^ self.client_dir;
        match t {
            1 => {
                if let Some(h) = Hello::parse(body, true) {
                    self.offered_alpn = h.alpn_first();
                    self.client_dir = dir;
                    if let (Some(keys), Ok(random)) = (&self.keys, <[u8; 32]>::try_from(h.random)) {
                        let d = self
                            .decryptor
                            .get_or_insert_with(|| Box::new(Decryptor::new(Some(keys.clone()))));
                        d.client_hello(random, h.ext(EXT_ENCRYPT_THEN_MAC).is_some());
                        if h.ext(EXT_EARLY_DATA).is_some() {
                            d.early_data_offered();
                        }
                    }
                }
            }
            2 => {
                if let Some(h) = Hello::parse(body, false) {
                    self.version = h.negotiated_version();
                    if !h.is_hrr() {
                        self.server_hello = true;
                        self.cipher = h.cipher;
                        // TLS 1.3 hides the server's choice (EncryptedExtensions).
                        self.alpn = h.alpn_first();
                        if let (Some(d), Ok(random)) =
                            (&mut self.decryptor, <[u8; 32]>::try_from(h.random))
                        {
                            let etm = h.ext(EXT_ENCRYPT_THEN_MAC).is_some();
                            d.server_hello(random, self.version, h.cipher, etm);
                        }
                    }
                }
            }
            14 => self.hello_done = true,
            // EncryptedExtensions (decrypted): the server's ALPN choice.
            8 => {
                if let Some(alpn) = encrypted_extensions_alpn(body) {
                    self.alpn = Some(alpn);
                }
            }
            20 => {
                if let Some(d) = &mut self.decryptor {
                    d.finished(cdir);
                }
            }
            24 => {
                if let Some(d) = &mut self.decryptor {
                    d.key_update(cdir);
                }
            }
            _ => {}
        }
    }
}
