//! TLS: records (also several per segment and spanning segments, framed by
//! `tcp_pdu`), handshake messages (also spanning records), every common
//! extension, certificates (x509-parser), JA3/JA3S and JA4 fingerprints,
//! with Wireshark's field names. What needs the connection's history (the
//! negotiated version, whether a direction already changed cipher spec, the
//! start of a handshake message from earlier records) comes in a
//! [`TlsNote`] from the analysis.

use std::fmt::Write as _;

use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink, Span};

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
#[derive(Debug, Clone, Default)]
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
}

/// A handshake message longer than this is not followed across records.
pub const MAX_HANDSHAKE: usize = 256 << 10;

pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

impl TlsConnection {
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
        };
        match ct {
            20 => self.ccs[dir] = true,
            22 if !encrypted => {
                let fragment = record.get(5..).unwrap_or(&[]);
                note.carry = self.carry_for(dir, fragment);
                self.handshake_bytes(dir, fragment);
            }
            _ => {}
        }
        note
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
            self.observe(t, body);
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

    /// What the analysis learns from a handshake message.
    fn observe(&mut self, t: u8, body: &[u8]) {
        match t {
            1 => {
                if let Some(h) = Hello::parse(body, true) {
                    self.offered_alpn = h.alpn_first();
                }
            }
            2 => {
                if let Some(h) = Hello::parse(body, false) {
                    self.version = h.negotiated_version();
                    if !h.is_hrr() {
                        self.cipher = h.cipher;
                        // TLS 1.3 hides the server's choice (EncryptedExtensions).
                        self.alpn = h.alpn_first();
                    }
                }
            }
            _ => {}
        }
    }
}

/// Short names of versions, as in the Protocol column ("TLSv1.2").
pub fn version_short(v: u16) -> &'static str {
    match v {
        0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        0xfeff => "DTLSv1.0",
        0xfefd => "DTLSv1.2",
        _ => "SSL",
    }
}

fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// A ClientHello or ServerHello, read far enough for fingerprints and the
/// connection's state (offsets are relative to the message body).
#[derive(Debug, Clone, Default)]
pub struct Hello<'a> {
    pub client: bool,
    pub version: u16,
    pub random: &'a [u8],
    pub session_id: &'a [u8],
    pub ciphers: Vec<u16>,
    /// The ServerHello's choice.
    pub cipher: u16,
    pub compression: Vec<u8>,
    /// (type, data) in order.
    pub extensions: Vec<(u16, &'a [u8])>,
}

impl<'a> Hello<'a> {
    pub fn parse(b: &'a [u8], client: bool) -> Option<Hello<'a>> {
        let mut h = Hello {
            client,
            version: bytes::be16(b, 0)?,
            random: b.get(2..34)?,
            ..Default::default()
        };
        let sid_len = *b.get(34)? as usize;
        h.session_id = b.get(35..35 + sid_len)?;
        let mut p = 35 + sid_len;
        if client {
            let n = bytes::be16(b, p)? as usize;
            let list = b.get(p + 2..p + 2 + n)?;
            h.ciphers = list
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            p += 2 + n;
            let n = *b.get(p)? as usize;
            h.compression = b.get(p + 1..p + 1 + n)?.to_vec();
            p += 1 + n;
        } else {
            h.cipher = bytes::be16(b, p)?;
            h.compression = vec![*b.get(p + 2)?];
            p += 3;
        }
        if let Some(n) = bytes::be16(b, p) {
            let mut e = p + 2;
            let end = (p + 2 + n as usize).min(b.len());
            while e + 4 <= end {
                let t = u16::from_be_bytes([b[e], b[e + 1]]);
                let l = u16::from_be_bytes([b[e + 2], b[e + 3]]) as usize;
                let d = b.get(e + 4..(e + 4 + l).min(end)).unwrap_or(&[]);
                h.extensions.push((t, d));
                e += 4 + l;
            }
        }
        Some(h)
    }

    pub fn ext(&self, t: u16) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(x, _)| *x == t)
            .map(|(_, d)| *d)
    }

    pub fn is_hrr(&self) -> bool {
        !self.client && self.random == HRR_RANDOM
    }

    /// The version a ServerHello settles on (supported_versions first).
    pub fn negotiated_version(&self) -> u16 {
        self.ext(43)
            .and_then(|d| bytes::be16(d, 0))
            .unwrap_or(self.version)
    }

    /// ALPN protocols, in order.
    pub fn alpn(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = self.ext(16) {
            let mut i = 2;
            while let Some(&n) = d.get(i) {
                let s = d.get(i + 1..i + 1 + n as usize).unwrap_or(&[]);
                out.push(String::from_utf8_lossy(s).into_owned());
                i += 1 + n as usize;
            }
        }
        out
    }

    fn alpn_first(&self) -> Option<String> {
        self.alpn().into_iter().next()
    }

    pub fn sni(&self) -> Option<String> {
        let d = self.ext(0)?;
        let n = bytes::be16(d, 3)? as usize;
        Some(String::from_utf8_lossy(d.get(5..5 + n)?).into_owned())
    }

    fn u16_list(&self, t: u16, len_bytes: usize) -> Vec<u16> {
        let Some(d) = self.ext(t) else {
            return Vec::new();
        };
        d.get(len_bytes..)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    /// JA3 (client) or JA3S (server) full string.
    pub fn ja3_full(&self) -> String {
        let join = |v: &mut dyn Iterator<Item = u16>| {
            v.map(|x| x.to_string()).collect::<Vec<_>>().join("-")
        };
        let exts = join(
            &mut self
                .extensions
                .iter()
                .map(|e| e.0)
                .filter(|t| !is_grease(*t)),
        );
        if self.client {
            let ciphers = join(&mut self.ciphers.iter().copied().filter(|c| !is_grease(*c)));
            let groups = join(&mut self.u16_list(10, 2).into_iter().filter(|g| !is_grease(*g)));
            let formats = self
                .ext(11)
                .and_then(|d| d.get(1..))
                .unwrap_or(&[])
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("-");
            format!("{},{ciphers},{exts},{groups},{formats}", self.version)
        } else {
            format!("{},{},{exts}", self.version, self.cipher)
        }
    }

    /// JA4 (ClientHello), with its raw (unhashed) form.
    pub fn ja4(&self) -> (String, String) {
        let versions: Vec<u16> = self
            .ext(43)
            .and_then(|d| d.get(1..))
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .filter(|v| !is_grease(*v))
            .collect();
        let v = versions.iter().copied().max().unwrap_or(self.version);
        let ver = match v {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            0x0002 => "s2",
            _ => "00",
        };
        let sni = if self.ext(0).is_some() { 'd' } else { 'i' };
        let ciphers: Vec<u16> = self
            .ciphers
            .iter()
            .copied()
            .filter(|c| !is_grease(*c))
            .collect();
        let exts: Vec<u16> = self
            .extensions
            .iter()
            .map(|e| e.0)
            .filter(|t| !is_grease(*t))
            .collect();
        let alpn = match self.alpn().first() {
            Some(a) if !a.is_empty() => {
                let (f, l) = (
                    a.chars().next().unwrap_or('0'),
                    a.chars().last().unwrap_or('0'),
                );
                if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() {
                    format!("{f}{l}")
                } else {
                    let hex: String = a.bytes().map(|b| format!("{b:02x}")).collect();
                    let hb = hex.as_bytes();
                    format!("{}{}", hb[0] as char, hb[hb.len() - 1] as char)
                }
            }
            _ => "00".into(),
        };
        let a = format!(
            "t{ver}{sni}{:02}{:02}{alpn}",
            ciphers.len().min(99),
            exts.len().min(99)
        );
        let hex_list = |v: &[u16]| {
            v.iter()
                .map(|x| format!("{x:04x}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut sorted_c = ciphers.clone();
        sorted_c.sort_unstable();
        let b_raw = hex_list(&sorted_c);
        let mut sorted_e: Vec<u16> = exts
            .iter()
            .copied()
            .filter(|t| *t != 0 && *t != 16)
            .collect();
        sorted_e.sort_unstable();
        let sigs: Vec<u16> = self
            .u16_list(13, 2)
            .into_iter()
            .filter(|s| !is_grease(*s))
            .collect();
        let mut c_raw = hex_list(&sorted_e);
        if !sigs.is_empty() {
            c_raw.push('_');
            c_raw.push_str(&hex_list(&sigs));
        }
        let h12 = |s: &str, empty: bool| {
            if empty {
                "000000000000".to_string()
            } else {
                let d = Sha256::digest(s.as_bytes());
                d.iter().take(6).map(|b| format!("{b:02x}")).collect()
            }
        };
        let hashed = format!(
            "{a}_{}_{}",
            h12(&b_raw, ciphers.is_empty()),
            h12(&c_raw, sorted_e.is_empty())
        );
        let raw = format!("{a}_{b_raw}_{c_raw}");
        (hashed, raw)
    }
}

/// MD5 of a JA3 string, in hex.
pub fn ja3_hash(full: &str) -> String {
    Md5::digest(full.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The IANA name of a cipher suite (tls-parser's table).
pub fn cipher_iana_name(id: u16) -> Option<&'static str> {
    tls_parser::TlsCipherSuite::from_id(id).map(|c| c.name)
}

crate::fields! {
    RECORD = FieldDef::new("tls.record", "Record Layer", T::None);
    RECORD_CONTENT_TYPE = FieldDef::new("tls.record.content_type", "Content Type", T::U8).names(CONTENT_TYPES);
    RECORD_OPAQUE_TYPE = FieldDef::new("tls.record.opaque_type", "Opaque Type", T::U8).names(CONTENT_TYPES);
    RECORD_VERSION = FieldDef::new("tls.record.version", "Version", T::U16).base(Base::Hex).names(VERSIONS);
    RECORD_LENGTH = FieldDef::new("tls.record.length", "Length", T::U16);
    APP_DATA = FieldDef::new("tls.app_data", "Encrypted Application Data", T::Bytes);
    APP_DATA_PROTO = FieldDef::new("tls.app_data_proto", "Application Data Protocol", T::String);
    CHANGE_CIPHER_SPEC = FieldDef::new("tls.change_cipher_spec", "Change Cipher Spec Message", T::None);
    ALERT = FieldDef::new("tls.alert_message", "Alert Message", T::None);
    ALERT_LEVEL = FieldDef::new("tls.alert_message.level", "Level", T::U8).names(ALERT_LEVELS);
    ALERT_DESC = FieldDef::new("tls.alert_message.desc", "Description", T::U8).names(ALERT_DESCRIPTIONS);
    HANDSHAKE = FieldDef::new("tls.handshake", "Handshake Protocol", T::None);
    HS_TYPE = FieldDef::new("tls.handshake.type", "Handshake Type", T::U8).names(HANDSHAKE_TYPES);
    HS_LENGTH = FieldDef::new("tls.handshake.length", "Length", T::U24);
    HS_VERSION = FieldDef::new("tls.handshake.version", "Version", T::U16).base(Base::Hex).names(VERSIONS);
    HS_RANDOM = FieldDef::new("tls.handshake.random", "Random", T::Bytes);
    HS_RANDOM_TIME = FieldDef::new("tls.handshake.random_time", "GMT Unix Time", T::AbsTime);
    HS_RANDOM_BYTES = FieldDef::new("tls.handshake.random_bytes", "Random Bytes", T::Bytes);
    HS_SESSION_ID_LENGTH = FieldDef::new("tls.handshake.session_id_length", "Session ID Length", T::U8);
    HS_SESSION_ID = FieldDef::new("tls.handshake.session_id", "Session ID", T::Bytes);
    HS_CIPHER_SUITES_LENGTH = FieldDef::new("tls.handshake.cipher_suites_length", "Cipher Suites Length", T::U16);
    HS_CIPHERSUITES = FieldDef::new("tls.handshake.ciphersuites", "Cipher Suites", T::None);
    HS_CIPHER_SPEC_LEN = FieldDef::new("tls.handshake.cipher_spec_len", "Cipher Spec Length", T::U16);
    HS_CHALLENGE_LENGTH = FieldDef::new("tls.handshake.challenge_length", "Challenge Length", T::U16);
    HS_CIPHERSPEC = FieldDef::new("tls.handshake.cipherspec", "Cipher Spec", T::U24).base(Base::Hex);
    HS_CHALLENGE = FieldDef::new("tls.handshake.challenge", "Challenge", T::Bytes);
    HS_CIPHERSUITE = FieldDef::new("tls.handshake.ciphersuite", "Cipher Suite", T::U16).base(Base::Hex).names(CIPHER_SUITES);
    HS_COMP_METHODS_LENGTH = FieldDef::new("tls.handshake.comp_methods_length", "Compression Methods Length", T::U8);
    HS_COMP_METHODS = FieldDef::new("tls.handshake.comp_methods", "Compression Methods", T::None);
    HS_COMP_METHOD = FieldDef::new("tls.handshake.comp_method", "Compression Method", T::U8).names(COMPRESSION_METHODS);
    HS_EXTENSIONS_LENGTH = FieldDef::new("tls.handshake.extensions_length", "Extensions Length", T::U16);
    EXT = FieldDef::new("tls.handshake.extension", "Extension", T::None);
    EXT_TYPE = FieldDef::new("tls.handshake.extension.type", "Type", T::U16).names(EXTENSION_TYPES);
    EXT_LEN = FieldDef::new("tls.handshake.extension.len", "Length", T::U16);
    EXT_DATA = FieldDef::new("tls.handshake.extension.data", "Data", T::Bytes);
    SNI_LIST_LEN = FieldDef::new("tls.handshake.extensions_server_name_list_len", "Server Name list length", T::U16);
    SNI_TYPE = FieldDef::new("tls.handshake.extensions_server_name_type", "Server Name Type", T::U8).names(SNI_TYPES);
    SNI_LEN = FieldDef::new("tls.handshake.extensions_server_name_len", "Server Name length", T::U16);
    SNI = FieldDef::new("tls.handshake.extensions_server_name", "Server Name", T::String);
    GROUPS_LENGTH = FieldDef::new("tls.handshake.extensions_supported_groups_length", "Supported Groups List Length", T::U16);
    GROUPS_LIST = FieldDef::new("tls.handshake.extensions_supported_groups", "Supported Groups", T::None);
    GROUP = FieldDef::new("tls.handshake.extensions_supported_group", "Supported Group", T::U16).base(Base::Hex).names(GROUPS);
    EC_FORMATS_LENGTH = FieldDef::new("tls.handshake.extensions_ec_point_formats_length", "EC point formats Length", T::U8);
    EC_FORMATS = FieldDef::new("tls.handshake.extensions_ec_point_formats", "Elliptic curves point formats", T::None);
    EC_FORMAT = FieldDef::new("tls.handshake.extensions_ec_point_format", "EC point format", T::U8).names(EC_POINT_FORMATS);
    ALPN_LEN = FieldDef::new("tls.handshake.extensions_alpn_len", "ALPN Extension Length", T::U16);
    ALPN_LIST = FieldDef::new("tls.handshake.extensions_alpn_list", "ALPN Protocol", T::None);
    ALPN_STR_LEN = FieldDef::new("tls.handshake.extensions_alpn_str_len", "ALPN string length", T::U8);
    ALPN_STR = FieldDef::new("tls.handshake.extensions_alpn_str", "ALPN Next Protocol", T::String);
    RENEG_LEN = FieldDef::new("tls.handshake.extensions_reneg_info_len", "Renegotiation info extension length", T::U8);
    KEY_SHARE_CLIENT_LENGTH = FieldDef::new("tls.handshake.extensions_key_share_client_length", "Client Key Share Length", T::U16);
    KEY_SHARE_GROUP = FieldDef::new("tls.handshake.extensions_key_share_group", "Group", T::U16).names(GROUPS);
    KEY_SHARE_KEX_LENGTH = FieldDef::new("tls.handshake.extensions_key_share_key_exchange_length", "Key Exchange Length", T::U16);
    KEY_SHARE_KEX = FieldDef::new("tls.handshake.extensions_key_share_key_exchange", "Key Exchange", T::Bytes);
    KEY_SHARE_SELECTED_GROUP = FieldDef::new("tls.handshake.extensions_key_share_selected_group", "Selected Group", T::U16).names(GROUPS);
    PSK_IDENTITIES_LENGTH = FieldDef::new("tls.handshake.extensions.psk.identities.length", "Identities Length", T::U16);
    PSK_IDENTITY_LENGTH = FieldDef::new("tls.handshake.extensions.psk.identity.identity_length", "Identity Length", T::U16);
    PSK_IDENTITY = FieldDef::new("tls.handshake.extensions.psk.identity.identity", "Identity", T::Bytes);
    PSK_AGE = FieldDef::new("tls.handshake.extensions.psk.identity.obfuscated_ticket_age", "Obfuscated Ticket Age", T::U32);
    PSK_BINDERS_LEN = FieldDef::new("tls.handshake.extensions.psk.binders_len", "PSK Binders length", T::U16);
    PSK_SELECTED = FieldDef::new("tls.handshake.extensions.psk.identity.selected", "Selected Identity", T::U16);
    SUPPORTED_VERSIONS_LEN = FieldDef::new("tls.handshake.extensions.supported_versions_len", "Supported Versions length", T::U8);
    SUPPORTED_VERSION = FieldDef::new("tls.handshake.extensions.supported_version", "Supported Version", T::U16).base(Base::Hex).names(VERSIONS);
    COOKIE_LEN = FieldDef::new("tls.handshake.extensions.cookie_len", "Cookie length", T::U16);
    COOKIE = FieldDef::new("tls.handshake.extensions.cookie", "Cookie", T::Bytes);
    SIG_HASH_ALG_LEN = FieldDef::new("tls.handshake.sig_hash_alg_len", "Signature Hash Algorithms Length", T::U16);
    SIG_HASH_ALGS = FieldDef::new("tls.handshake.sig_hash_algs", "Signature Hash Algorithms", T::None);
    SIG_HASH_ALG = FieldDef::new("tls.handshake.sig_hash_alg", "Signature Algorithm", T::U16).base(Base::Hex).names(SIG_ALGS);
    SIG_HASH_HASH = FieldDef::new("tls.handshake.sig_hash_hash", "Signature Hash Algorithm Hash", T::U8).names(SIG_HASHES);
    SIG_HASH_SIG = FieldDef::new("tls.handshake.sig_hash_sig", "Signature Hash Algorithm Signature", T::U8).names(SIG_SIGS);
    PADDING = FieldDef::new("tls.handshake.extensions_padding_data", "Padding Data", T::Bytes);
    SESSION_TICKET_EXT = FieldDef::new("tls.handshake.extensions.session_ticket", "Session Ticket", T::Bytes);
    CERTIFICATES_LENGTH = FieldDef::new("tls.handshake.certificates_length", "Certificates Length", T::U24);
    CERTIFICATES = FieldDef::new("tls.handshake.certificates", "Certificates", T::None);
    CERTIFICATE_LENGTH = FieldDef::new("tls.handshake.certificate_length", "Certificate Length", T::U24);
    CERTIFICATE = FieldDef::new("tls.handshake.certificate", "Certificate", T::Bytes);
    X509_SUBJECT = FieldDef::new("x509af.subject", "subject", T::String);
    X509_ISSUER = FieldDef::new("x509af.issuer", "issuer", T::String);
    X509_SERIAL = FieldDef::new("x509af.serialNumber", "serialNumber", T::Bytes);
    X509_NOT_BEFORE = FieldDef::new("x509af.notBefore", "notBefore", T::String);
    X509_NOT_AFTER = FieldDef::new("x509af.notAfter", "notAfter", T::String);
    X509_DNS_NAME = FieldDef::new("x509ce.dNSName", "dNSName", T::String);
    SERVER_CURVE_TYPE = FieldDef::new("tls.handshake.server_curve_type", "Curve Type", T::U8).base(Base::Hex);
    SERVER_NAMED_CURVE = FieldDef::new("tls.handshake.server_named_curve", "Named Curve", T::U16).base(Base::Hex).names(GROUPS);
    SERVER_POINT_LEN = FieldDef::new("tls.handshake.server_point_len", "Pubkey Length", T::U8);
    SERVER_POINT = FieldDef::new("tls.handshake.server_point", "Pubkey", T::Bytes);
    CLIENT_POINT_LEN = FieldDef::new("tls.handshake.client_point_len", "Pubkey Length", T::U8);
    CLIENT_POINT = FieldDef::new("tls.handshake.client_point", "Pubkey", T::Bytes);
    EPMS_LEN = FieldDef::new("tls.handshake.epms_len", "Encrypted PreMaster length", T::U16);
    EPMS = FieldDef::new("tls.handshake.epms", "Encrypted PreMaster", T::Bytes);
    SIG_LEN = FieldDef::new("tls.handshake.sig_len", "Signature Length", T::U16);
    SIG = FieldDef::new("tls.handshake.sig", "Signature", T::Bytes);
    CERT_TYPES_COUNT = FieldDef::new("tls.handshake.cert_types_count", "Certificate types count", T::U8);
    CERT_TYPE = FieldDef::new("tls.handshake.cert_type", "Certificate type", T::U8);
    DNAMES_LEN = FieldDef::new("tls.handshake.dnames_len", "Distinguished Names Length", T::U16);
    TICKET_LIFETIME = FieldDef::new("tls.handshake.session_ticket_lifetime_hint", "Session Ticket Lifetime Hint", T::U32);
    TICKET_AGE_ADD = FieldDef::new("tls.handshake.session_ticket_age_add", "Session Ticket Age Add", T::U32);
    TICKET_NONCE_LENGTH = FieldDef::new("tls.handshake.session_ticket_nonce_length", "Session Ticket Nonce Length", T::U8);
    TICKET_NONCE = FieldDef::new("tls.handshake.session_ticket_nonce", "Session Ticket Nonce", T::Bytes);
    TICKET_LENGTH = FieldDef::new("tls.handshake.session_ticket_length", "Session Ticket Length", T::U16);
    TICKET = FieldDef::new("tls.handshake.session_ticket", "Session Ticket", T::Bytes);
    JA3_FULL = FieldDef::new("tls.handshake.ja3_full", "JA3 Fullstring", T::String);
    JA3 = FieldDef::new("tls.handshake.ja3", "JA3", T::String);
    JA3S_FULL = FieldDef::new("tls.handshake.ja3s_full", "JA3S Fullstring", T::String);
    JA3S = FieldDef::new("tls.handshake.ja3s", "JA3S", T::String);
    JA4 = FieldDef::new("tls.handshake.ja4", "JA4", T::String);
    JA4_R = FieldDef::new("tls.handshake.ja4_r", "JA4_r", T::String);
}

/// `tls.record.content_type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static CONTENT_TYPES: &[(u64, &str)] = &[
    (20, "Change Cipher Spec"),
    (21, "Alert"),
    (22, "Handshake"),
    (23, "Application Data"),
    (24, "Heartbeat"),
    (25, "Connection ID"),
];
/// `tls.handshake.type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static HANDSHAKE_TYPES: &[(u64, &str)] = &[
    (0, "Hello Request"),
    (1, "Client Hello"),
    (2, "Server Hello"),
    (3, "Hello Verify Request"),
    (4, "New Session Ticket"),
    (5, "End of Early Data"),
    (6, "Hello Retry Request"),
    (7, "Request Certificate"),
    (8, "Encrypted Extensions"),
    (11, "Certificate"),
    (12, "Server Key Exchange"),
    (13, "Certificate Request"),
    (14, "Server Hello Done"),
    (15, "Certificate Verify"),
    (16, "Client Key Exchange"),
    (20, "Finished"),
    (21, "Client Certificate URL"),
    (22, "Certificate Status"),
    (23, "Supplemental Data"),
    (24, "Key Update"),
    (25, "Compressed Certificate"),
    (67, "Encrypted Extensions"),
];
/// `tls.record.version` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static VERSIONS: &[(u64, &str)] = &[
    (2, "SSL 2.0"),
    (256, "DTLS 1.0 (OpenSSL pre 0.9.8f)"),
    (257, "GMTLS"),
    (768, "SSL 3.0"),
    (769, "TLS 1.0"),
    (770, "TLS 1.1"),
    (771, "TLS 1.2"),
    (772, "TLS 1.3"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (32526, "TLS 1.3 (draft 14)"),
    (32527, "TLS 1.3 (draft 15)"),
    (32528, "TLS 1.3 (draft 16)"),
    (32529, "TLS 1.3 (draft 17)"),
    (32530, "TLS 1.3 (draft 18)"),
    (32531, "TLS 1.3 (draft 19)"),
    (32532, "TLS 1.3 (draft 20)"),
    (32533, "TLS 1.3 (draft 21)"),
    (32534, "TLS 1.3 (draft 22)"),
    (32535, "TLS 1.3 (draft 23)"),
    (32536, "TLS 1.3 (draft 24)"),
    (32537, "TLS 1.3 (draft 25)"),
    (32538, "TLS 1.3 (draft 26)"),
    (32539, "TLS 1.3 (draft 27)"),
    (32540, "TLS 1.3 (draft 28)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (64279, "TLS 1.3 (Facebook draft 23)"),
    (64282, "TLS 1.3 (Facebook draft 26)"),
    (65277, "DTLS 1.2"),
    (65279, "DTLS 1.0"),
];
/// `tls.handshake.extension.type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static EXTENSION_TYPES: &[(u64, &str)] = &[
    (0, "server_name"),
    (1, "max_fragment_length"),
    (2, "client_certificate_url"),
    (3, "trusted_ca_keys"),
    (4, "truncated_hmac"),
    (5, "status_request"),
    (6, "user_mapping"),
    (7, "client_authz"),
    (8, "server_authz"),
    (9, "cert_type"),
    (10, "supported_groups"),
    (11, "ec_point_formats"),
    (12, "srp"),
    (13, "signature_algorithms"),
    (14, "use_srtp"),
    (15, "heartbeat"),
    (16, "application_layer_protocol_negotiation"),
    (17, "status_request_v2"),
    (18, "signed_certificate_timestamp"),
    (19, "client_certificate_type"),
    (20, "server_certificate_type"),
    (21, "padding"),
    (22, "encrypt_then_mac"),
    (23, "extended_master_secret"),
    (24, "token_binding"),
    (25, "cached_info"),
    (27, "compress_certificate"),
    (28, "record_size_limit"),
    (34, "delegated_credentials"),
    (35, "session_ticket"),
    (40, "Reserved (key_share)"),
    (41, "pre_shared_key"),
    (42, "early_data"),
    (43, "supported_versions"),
    (44, "cookie"),
    (45, "psk_key_exchange_modes"),
    (46, "Reserved (ticket_early_data_info)"),
    (47, "certificate_authorities"),
    (48, "oid_filters"),
    (49, "post_handshake_auth"),
    (50, "signature_algorithms_cert"),
    (51, "key_share"),
    (52, "transparency_info"),
    (53, "connection_id (deprecated)"),
    (54, "connection_id"),
    (55, "external_id_hash"),
    (56, "external_session_id"),
    (57, "quic_transport_parameters"),
    (58, "ticket_request"),
    (59, "dnssec_chain"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (13172, "next_protocol_negotiation"),
    (14906, "Reserved (GREASE)"),
    (17513, "application_settings"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (30031, "channel_id_old"),
    (30032, "channel_id"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65281, "renegotiation_info"),
    (65445, "quic_transport_parameters (drafts version)"),
    (65486, "encrypted_server_name"),
];
/// `tls.handshake.extensions_supported_group` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static GROUPS: &[(u64, &str)] = &[
    (1, "sect163k1"),
    (2, "sect163r1"),
    (3, "sect163r2"),
    (4, "sect193r1"),
    (5, "sect193r2"),
    (6, "sect233k1"),
    (7, "sect233r1"),
    (8, "sect239k1"),
    (9, "sect283k1"),
    (10, "sect283r1"),
    (11, "sect409k1"),
    (12, "sect409r1"),
    (13, "sect571k1"),
    (14, "sect571r1"),
    (15, "secp160k1"),
    (16, "secp160r1"),
    (17, "secp160r2"),
    (18, "secp192k1"),
    (19, "secp192r1"),
    (20, "secp224k1"),
    (21, "secp224r1"),
    (22, "secp256k1"),
    (23, "secp256r1"),
    (24, "secp384r1"),
    (25, "secp521r1"),
    (26, "brainpoolP256r1"),
    (27, "brainpoolP384r1"),
    (28, "brainpoolP512r1"),
    (29, "x25519"),
    (30, "x448"),
    (41, "curveSM2"),
    (256, "ffdhe2048"),
    (257, "ffdhe3072"),
    (258, "ffdhe4096"),
    (259, "ffdhe6144"),
    (260, "ffdhe8192"),
    (512, "frodo640aes"),
    (513, "frodo640shake"),
    (514, "frodo976aes"),
    (515, "frodo976shake"),
    (516, "frodo1344aes"),
    (517, "frodo1344shake"),
    (532, "ntru_hps2048509"),
    (533, "ntru_hps2048677"),
    (534, "ntru_hps4096821"),
    (535, "ntru_hrss701"),
    (536, "lightsaber"),
    (537, "saber"),
    (538, "firesaber"),
    (539, "sidhp434"),
    (540, "sidhp503"),
    (541, "sidhp610"),
    (542, "sidhp751"),
    (543, "sikep434"),
    (544, "sikep503"),
    (545, "sikep610"),
    (546, "sikep751"),
    (556, "hqc128"),
    (557, "hqc192"),
    (558, "hqc256"),
    (559, "ntrulpr653"),
    (560, "ntrulpr761"),
    (561, "ntrulpr857"),
    (562, "sntrup653"),
    (563, "sntrup761"),
    (564, "sntrup857"),
    (568, "bikel1"),
    (570, "kyber512"),
    (571, "bikel3"),
    (572, "kyber768"),
    (573, "kyber1024"),
    (574, "kyber90s512"),
    (575, "kyber90s768"),
    (576, "kyber90s1024"),
    (577, "ntrulpr1277"),
    (578, "sntrup1277"),
    (581, "ntru_hps40961229"),
    (582, "ntru_hrss1373"),
    (2570, "Reserved (GREASE)"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (12032, "p256_frodo640aes"),
    (12033, "p256_frodo640shake"),
    (12034, "p384_frodo976aes"),
    (12035, "p384_frodo976shake"),
    (12036, "p521_frodo1344aes"),
    (12037, "p521_frodo1344shake"),
    (12052, "p256_ntru_hps2048509"),
    (12053, "p384_ntru_hps2048677"),
    (12054, "p521_ntru_hps4096821"),
    (12055, "p384_ntru_hrss701"),
    (12056, "p256_lightsaber"),
    (12057, "p384_saber"),
    (12058, "p521_firesaber"),
    (12059, "p256_sidhp434"),
    (12060, "p256_sidhp503"),
    (12061, "p384_sidhp610"),
    (12062, "p521_sidhp751"),
    (12063, "p256_sikep434"),
    (12064, "p256_sikep503"),
    (12065, "p384_sikep610"),
    (12066, "p521_sikep751"),
    (12076, "p256_hqc128"),
    (12077, "p384_hqc192"),
    (12078, "p521_hqc256"),
    (12079, "p256_ntrulpr653"),
    (12081, "p384_ntrulpr857"),
    (12082, "p256_sntrup653"),
    (12084, "p384_sntrup857"),
    (12088, "p256_bikel1"),
    (12090, "p256_kyber512"),
    (12091, "p384_bikel3"),
    (12092, "p384_kyber768"),
    (12093, "p521_kyber1024"),
    (12094, "p256_kyber90s512"),
    (12095, "p384_kyber90s768"),
    (12096, "p521_kyber90s1024"),
    (12097, "p521_ntrulpr1277"),
    (12098, "p521_sntrup1277"),
    (12099, "p256_ntrulpr761"),
    (12100, "p256_sntrup761"),
    (12101, "p521_ntru_hps40961229"),
    (12102, "p521_ntru_hrss1373"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (51914, "Reserved (GREASE)"),
    (56026, "Reserved (GREASE)"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65281, "arbitrary_explicit_prime_curves"),
    (65282, "arbitrary_explicit_char2_curves"),
];
/// `tls.handshake.sig_hash_alg` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SIG_ALGS: &[(u64, &str)] = &[
    (513, "rsa_pkcs1_sha1"),
    (515, "ecdsa_sha1"),
    (1025, "rsa_pkcs1_sha256"),
    (1027, "ecdsa_secp256r1_sha256"),
    (1281, "rsa_pkcs1_sha384"),
    (1283, "ecdsa_secp384r1_sha384"),
    (1537, "rsa_pkcs1_sha512"),
    (1539, "ecdsa_secp521r1_sha512"),
    (1800, "sm2sig_sm3"),
    (2052, "rsa_pss_rsae_sha256"),
    (2053, "rsa_pss_rsae_sha384"),
    (2054, "rsa_pss_rsae_sha512"),
    (2055, "ed25519"),
    (2056, "ed448"),
    (2057, "rsa_pss_pss_sha256"),
    (2058, "rsa_pss_pss_sha384"),
    (2059, "rsa_pss_pss_sha512"),
    (65035, "falcon512"),
    (65036, "p256_falcon512"),
    (65037, "rsa3072_falcon512"),
    (65038, "falcon1024"),
    (65039, "p521_falcon1024"),
    (65051, "picnic3l1"),
    (65052, "p256_picnic3l1"),
    (65053, "rsa3072_picnic3l1"),
    (65063, "rainbowIclassic"),
    (65064, "p256_rainbowIclassic"),
    (65065, "rsa3072_rainbowIclassic"),
    (65084, "rainbowVclassic"),
    (65085, "p521_rainbowVclassic"),
    (65090, "sphincsharaka128frobust"),
    (65091, "p256_sphincsharaka128frobust"),
    (65092, "rsa3072_sphincsharaka128frobust"),
    (65118, "sphincssha256128frobust"),
    (65119, "p256_sphincssha256128frobust"),
    (65120, "rsa3072_sphincssha256128frobust"),
    (65146, "sphincsshake256128frobust"),
    (65147, "p256_sphincsshake256128frobust"),
    (65148, "rsa3072_sphincsshake256128frobust"),
    (65174, "picnicl1full"),
    (65175, "p256_picnicl1full"),
    (65176, "rsa3072_picnicl1full"),
    (65184, "dilithium2"),
    (65185, "p256_dilithium2"),
    (65186, "rsa3072_dilithium2"),
    (65187, "dilithium3"),
    (65188, "p384_dilithium3"),
    (65189, "dilithium5"),
    (65190, "p521_dilithium5"),
    (65191, "dilithium2_aes"),
    (65192, "p256_dilithium2_aes"),
    (65193, "rsa3072_dilithium2_aes"),
    (65194, "dilithium3_aes"),
    (65195, "p384_dilithium3_aes"),
    (65196, "dilithium5_aes"),
    (65197, "p521_dilithium5_aes"),
];
/// `tls.alert_message.desc` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static ALERT_DESCRIPTIONS: &[(u64, &str)] = &[
    (0, "Close Notify"),
    (1, "End of Early Data"),
    (10, "Unexpected Message"),
    (20, "Bad Record MAC"),
    (21, "Decryption Failed"),
    (22, "Record Overflow"),
    (30, "Decompression Failure"),
    (40, "Handshake Failure"),
    (41, "No Certificate"),
    (42, "Bad Certificate"),
    (43, "Unsupported Certificate"),
    (44, "Certificate Revoked"),
    (45, "Certificate Expired"),
    (46, "Certificate Unknown"),
    (47, "Illegal Parameter"),
    (48, "Unknown CA"),
    (49, "Access Denied"),
    (50, "Decode Error"),
    (51, "Decrypt Error"),
    (60, "Export Restriction"),
    (70, "Protocol Version"),
    (71, "Insufficient Security"),
    (80, "Internal Error"),
    (86, "Inappropriate Fallback"),
    (90, "User Canceled"),
    (100, "No Renegotiation"),
    (109, "Missing Extension"),
    (110, "Unsupported Extension"),
    (111, "Certificate Unobtainable"),
    (112, "Unrecognized Name"),
    (113, "Bad Certificate Status Response"),
    (114, "Bad Certificate Hash Value"),
    (115, "Unknown PSK Identity"),
    (116, "Certificate Required"),
    (120, "No application Protocol"),
    (121, "ECH Required"),
];
/// `tls.alert_message.level` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static ALERT_LEVELS: &[(u64, &str)] = &[(1, "Warning"), (2, "Fatal")];
/// `tls.handshake.ciphersuite` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static CIPHER_SUITES: &[(u64, &str)] = &[
    (0, "TLS_NULL_WITH_NULL_NULL"),
    (1, "TLS_RSA_WITH_NULL_MD5"),
    (2, "TLS_RSA_WITH_NULL_SHA"),
    (3, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    (4, "TLS_RSA_WITH_RC4_128_MD5"),
    (5, "TLS_RSA_WITH_RC4_128_SHA"),
    (6, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    (7, "TLS_RSA_WITH_IDEA_CBC_SHA"),
    (8, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (9, "TLS_RSA_WITH_DES_CBC_SHA"),
    (10, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (11, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (12, "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    (13, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    (14, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (15, "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    (16, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (17, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (18, "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    (19, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    (20, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (21, "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    (22, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (23, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"),
    (24, "TLS_DH_anon_WITH_RC4_128_MD5"),
    (25, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
    (26, "TLS_DH_anon_WITH_DES_CBC_SHA"),
    (27, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"),
    (28, "SSL_FORTEZZA_KEA_WITH_NULL_SHA"),
    (29, "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA"),
    (30, "TLS_KRB5_WITH_DES_CBC_SHA"),
    (31, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"),
    (32, "TLS_KRB5_WITH_RC4_128_SHA"),
    (33, "TLS_KRB5_WITH_IDEA_CBC_SHA"),
    (34, "TLS_KRB5_WITH_DES_CBC_MD5"),
    (35, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"),
    (36, "TLS_KRB5_WITH_RC4_128_MD5"),
    (37, "TLS_KRB5_WITH_IDEA_CBC_MD5"),
    (38, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"),
    (39, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"),
    (40, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"),
    (41, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"),
    (42, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"),
    (43, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"),
    (44, "TLS_PSK_WITH_NULL_SHA"),
    (45, "TLS_DHE_PSK_WITH_NULL_SHA"),
    (46, "TLS_RSA_PSK_WITH_NULL_SHA"),
    (47, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (48, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"),
    (49, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"),
    (50, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    (51, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (52, "TLS_DH_anon_WITH_AES_128_CBC_SHA"),
    (53, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (54, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"),
    (55, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"),
    (56, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    (57, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (58, "TLS_DH_anon_WITH_AES_256_CBC_SHA"),
    (59, "TLS_RSA_WITH_NULL_SHA256"),
    (60, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (61, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (62, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"),
    (63, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"),
    (64, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    (65, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (66, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (67, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (68, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (69, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (70, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
    (96, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"),
    (97, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"),
    (98, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"),
    (99, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"),
    (100, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"),
    (101, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"),
    (102, "TLS_DHE_DSS_WITH_RC4_128_SHA"),
    (103, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (104, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"),
    (105, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"),
    (106, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    (107, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (108, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"),
    (109, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"),
    (128, "TLS_GOSTR341094_WITH_28147_CNT_IMIT"),
    (129, "TLS_GOSTR341001_WITH_28147_CNT_IMIT"),
    (130, "TLS_GOSTR341094_WITH_NULL_GOSTR3411"),
    (131, "TLS_GOSTR341001_WITH_NULL_GOSTR3411"),
    (132, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (133, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (134, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (135, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (136, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (137, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
    (138, "TLS_PSK_WITH_RC4_128_SHA"),
    (139, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"),
    (140, "TLS_PSK_WITH_AES_128_CBC_SHA"),
    (141, "TLS_PSK_WITH_AES_256_CBC_SHA"),
    (142, "TLS_DHE_PSK_WITH_RC4_128_SHA"),
    (143, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (144, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"),
    (145, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"),
    (146, "TLS_RSA_PSK_WITH_RC4_128_SHA"),
    (147, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"),
    (148, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"),
    (149, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"),
    (150, "TLS_RSA_WITH_SEED_CBC_SHA"),
    (151, "TLS_DH_DSS_WITH_SEED_CBC_SHA"),
    (152, "TLS_DH_RSA_WITH_SEED_CBC_SHA"),
    (153, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"),
    (154, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"),
    (155, "TLS_DH_anon_WITH_SEED_CBC_SHA"),
    (156, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (157, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (158, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (159, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (160, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"),
    (161, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"),
    (162, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
    (163, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
    (164, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"),
    (165, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"),
    (166, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
    (167, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
    (168, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
    (169, "TLS_PSK_WITH_AES_256_GCM_SHA384"),
    (170, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"),
    (171, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"),
    (172, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"),
    (173, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"),
    (174, "TLS_PSK_WITH_AES_128_CBC_SHA256"),
    (175, "TLS_PSK_WITH_AES_256_CBC_SHA384"),
    (176, "TLS_PSK_WITH_NULL_SHA256"),
    (177, "TLS_PSK_WITH_NULL_SHA384"),
    (178, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"),
    (179, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"),
    (180, "TLS_DHE_PSK_WITH_NULL_SHA256"),
    (181, "TLS_DHE_PSK_WITH_NULL_SHA384"),
    (182, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"),
    (183, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"),
    (184, "TLS_RSA_PSK_WITH_NULL_SHA256"),
    (185, "TLS_RSA_PSK_WITH_NULL_SHA384"),
    (186, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (187, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (188, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (189, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (190, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (191, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"),
    (192, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (193, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (194, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (195, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (196, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (197, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"),
    (198, "TLS_SM4_GCM_SM3"),
    (199, "TLS_SM4_CCM_SM3"),
    (255, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
    (2570, "Reserved (GREASE)"),
    (4865, "TLS_AES_128_GCM_SHA256"),
    (4866, "TLS_AES_256_GCM_SHA384"),
    (4867, "TLS_CHACHA20_POLY1305_SHA256"),
    (4868, "TLS_AES_128_CCM_SHA256"),
    (4869, "TLS_AES_128_CCM_8_SHA256"),
    (6682, "Reserved (GREASE)"),
    (10794, "Reserved (GREASE)"),
    (14906, "Reserved (GREASE)"),
    (19018, "Reserved (GREASE)"),
    (22016, "TLS_FALLBACK_SCSV"),
    (23130, "Reserved (GREASE)"),
    (27242, "Reserved (GREASE)"),
    (31354, "Reserved (GREASE)"),
    (35466, "Reserved (GREASE)"),
    (39578, "Reserved (GREASE)"),
    (43690, "Reserved (GREASE)"),
    (47802, "Reserved (GREASE)"),
    (49153, "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    (49154, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (49155, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (49156, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    (49157, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    (49158, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    (49159, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (49160, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (49161, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (49162, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (49163, "TLS_ECDH_RSA_WITH_NULL_SHA"),
    (49164, "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (49165, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49166, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    (49167, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (49168, "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    (49169, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (49170, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49171, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (49172, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (49173, "TLS_ECDH_anon_WITH_NULL_SHA"),
    (49174, "TLS_ECDH_anon_WITH_RC4_128_SHA"),
    (49175, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
    (49176, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    (49177, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"),
    (49178, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"),
    (49179, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"),
    (49180, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"),
    (49181, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"),
    (49182, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"),
    (49183, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"),
    (49184, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"),
    (49185, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"),
    (49186, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"),
    (49187, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (49188, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (49189, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    (49190, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    (49191, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (49192, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (49193, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    (49194, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    (49195, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (49196, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (49197, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    (49198, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    (49199, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (49200, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (49201, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    (49202, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    (49203, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"),
    (49204, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (49205, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"),
    (49206, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"),
    (49207, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"),
    (49208, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"),
    (49209, "TLS_ECDHE_PSK_WITH_NULL_SHA"),
    (49210, "TLS_ECDHE_PSK_WITH_NULL_SHA256"),
    (49211, "TLS_ECDHE_PSK_WITH_NULL_SHA384"),
    (49212, "TLS_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49213, "TLS_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49214, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"),
    (49215, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384"),
    (49216, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49217, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49218, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256"),
    (49219, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384"),
    (49220, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49221, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49222, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"),
    (49223, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"),
    (49224, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (49225, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (49226, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (49227, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (49228, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49229, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49230, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (49231, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (49232, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49233, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49234, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49235, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49236, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49237, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49238, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"),
    (49239, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"),
    (49240, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"),
    (49241, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"),
    (49242, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"),
    (49243, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"),
    (49244, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (49245, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (49246, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (49247, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (49248, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49249, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49250, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (49251, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (49252, "TLS_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49253, "TLS_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49254, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49255, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49256, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49257, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49258, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49259, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49260, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49261, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49262, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"),
    (49263, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"),
    (49264, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (49265, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (49266, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49267, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49268, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49269, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49270, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49271, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49272, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (49273, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (49274, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49275, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49276, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49277, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49278, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49279, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49280, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (49281, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (49282, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (49283, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (49284, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"),
    (49285, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"),
    (49286, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49287, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49288, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49289, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49290, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49291, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49292, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (49293, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (49294, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49295, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49296, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49297, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49298, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (49299, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (49300, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49301, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49302, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49303, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49304, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49305, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49306, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (49307, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (49308, "TLS_RSA_WITH_AES_128_CCM"),
    (49309, "TLS_RSA_WITH_AES_256_CCM"),
    (49310, "TLS_DHE_RSA_WITH_AES_128_CCM"),
    (49311, "TLS_DHE_RSA_WITH_AES_256_CCM"),
    (49312, "TLS_RSA_WITH_AES_128_CCM_8"),
    (49313, "TLS_RSA_WITH_AES_256_CCM_8"),
    (49314, "TLS_DHE_RSA_WITH_AES_128_CCM_8"),
    (49315, "TLS_DHE_RSA_WITH_AES_256_CCM_8"),
    (49316, "TLS_PSK_WITH_AES_128_CCM"),
    (49317, "TLS_PSK_WITH_AES_256_CCM"),
    (49318, "TLS_DHE_PSK_WITH_AES_128_CCM"),
    (49319, "TLS_DHE_PSK_WITH_AES_256_CCM"),
    (49320, "TLS_PSK_WITH_AES_128_CCM_8"),
    (49321, "TLS_PSK_WITH_AES_256_CCM_8"),
    (49322, "TLS_PSK_DHE_WITH_AES_128_CCM_8"),
    (49323, "TLS_PSK_DHE_WITH_AES_256_CCM_8"),
    (49324, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
    (49325, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
    (49326, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"),
    (49327, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"),
    (49328, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256"),
    (49329, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384"),
    (49330, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256"),
    (49331, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384"),
    (49332, "TLS_SHA256_SHA256"),
    (49333, "TLS_SHA384_SHA384"),
    (49407, "TLS_ECJPAKE_WITH_AES_128_CCM_8"),
    (49408, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC"),
    (49409, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC"),
    (49410, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT"),
    (49411, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L"),
    (49412, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L"),
    (49413, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S"),
    (49414, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S"),
    (51914, "Reserved (GREASE)"),
    (52243, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52244, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52245, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52392, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52393, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52394, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (52395, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52396, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52397, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (52398, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (53249, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
    (53250, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"),
    (53251, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256"),
    (53253, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"),
    (56026, "Reserved (GREASE)"),
    (57345, "ECDHE_SM1_SM3"),
    (57347, "ECC_SM1_SM3"),
    (57349, "IBSDH_SM1_SM3"),
    (57351, "IBC_SM1_SM3"),
    (57353, "RSA_SM1_SM3"),
    (57354, "RSA_SM1_SHA1"),
    (57361, "ECDHE_SM4_CBC_SM3"),
    (57363, "ECC_SM4_CBC_SM3"),
    (57365, "IBSDH_SM4_CBC_SM3"),
    (57367, "IBC_SM4_CBC_SM3"),
    (57369, "RSA_SM4_CBC_SM3"),
    (57370, "RSA_SM4_CBC_SHA1"),
    (57372, "RSA_SM4_CBC_SHA256"),
    (57425, "ECDHE_SM4_GCM_SM3"),
    (57427, "ECC_SM4_GCM_SM3"),
    (57429, "IBSDH_SM4_GCM_SM3"),
    (57431, "IBC_SM4_GCM_SM3"),
    (57433, "RSA_SM4_GCM_SM3"),
    (57434, "RSA_SM4_GCM_SHA256"),
    (58384, "TLS_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58385, "TLS_RSA_WITH_SALSA20_SHA1"),
    (58386, "TLS_ECDHE_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58387, "TLS_ECDHE_RSA_WITH_SALSA20_SHA1"),
    (58388, "TLS_ECDHE_ECDSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58389, "TLS_ECDHE_ECDSA_WITH_SALSA20_SHA1"),
    (58390, "TLS_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58391, "TLS_PSK_WITH_SALSA20_SHA1"),
    (58392, "TLS_ECDHE_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58393, "TLS_ECDHE_PSK_WITH_SALSA20_SHA1"),
    (58394, "TLS_RSA_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58395, "TLS_RSA_PSK_WITH_SALSA20_SHA1"),
    (58396, "TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1"),
    (58397, "TLS_DHE_PSK_WITH_SALSA20_SHA1"),
    (58398, "TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1"),
    (58399, "TLS_DHE_RSA_WITH_SALSA20_SHA1"),
    (60138, "Reserved (GREASE)"),
    (64250, "Reserved (GREASE)"),
    (65278, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
    (65279, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (65504, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (65505, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
];
/// `tls.handshake.extensions_ec_point_format` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static EC_POINT_FORMATS: &[(u64, &str)] = &[
    (0, "uncompressed"),
    (1, "ansiX962_compressed_prime"),
    (2, "ansiX962_compressed_char2"),
];
/// `tls.handshake.comp_method` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static COMPRESSION_METHODS: &[(u64, &str)] = &[(0, "null"), (1, "DEFLATE"), (64, "LZS")];
/// `tls.handshake.extensions_server_name_type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SNI_TYPES: &[(u64, &str)] = &[(0, "host_name")];
/// `tls.handshake.sig_hash_hash` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SIG_HASHES: &[(u64, &str)] = &[
    (0, "None"),
    (1, "MD5"),
    (2, "SHA1"),
    (3, "SHA224"),
    (4, "SHA256"),
    (5, "SHA384"),
    (6, "SHA512"),
    (7, "SM3"),
];
/// `tls.handshake.sig_hash_sig` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SIG_SIGS: &[(u64, &str)] = &[
    (0, "Anonymous"),
    (1, "RSA"),
    (2, "DSA"),
    (3, "ECDSA"),
    (4, "SM2"),
];

fn name_of(table: &'static [(u64, &'static str)], v: u64) -> &'static str {
    crate::field::lookup(table, v).unwrap_or("Unknown")
}

/// Bytes being dissected with their spans: a record's fragment in the
/// packet, or a handshake reassembled across records.
#[derive(Clone, Copy)]
struct Area<'b> {
    buf: Buf<'b>,
    off: usize,
    b: &'b [u8],
}

impl Area<'_> {
    /// Bytes `o..o + n` of the area, cut at its end: a length field that
    /// claims more than the area holds gives a span that stops there, and
    /// one that starts past it an empty span at the end, never beyond.
    fn span(&self, o: usize, n: usize) -> Span {
        let o = o.min(self.b.len());
        self.buf.span(self.off + o, n.min(self.b.len() - o))
    }
}

/// Dissects one record at `buf[off..off + len]`. `first`: the first record
/// of this dissector call (Wireshark lists `tls` once per call).
pub fn dissect_record<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    note: &TlsNote,
    first: bool,
) {
    let r = buf.get(off, len);
    let (Some(ct), Some(rv), Some(rlen)) =
        (bytes::u8_at(r, 0), bytes::be16(r, 1), bytes::be16(r, 3))
    else {
        return;
    };
    if first {
        cx.layer(
            &proto::TLS,
            buf.span(off, r.len()),
            format_args!("Transport Layer Security"),
        );
    }
    let frag = r.get(5..).unwrap_or(&[]);
    let frag = &frag[..frag.len().min(rlen as usize)];
    // The version the handshake has settled on, learnt here if this record
    // holds the ServerHello.
    let mut version = if note.version != 0 { note.version } else { rv };
    let tls13 = note.version == 0x0304;
    let mut what = String::new();
    let record_span = buf.span(off, r.len());
    cx.sink.field_with_label(
        &RECORD,
        record_span,
        Value::None,
        Presence::Normal,
        format_args!(""),
    );
    let handle = cx.sink.last_handle();
    cx.push();
    if tls13 && ct == 23 {
        cx.field(&RECORD_OPAQUE_TYPE, buf.span(off, 1), Value::U64(ct.into()));
    } else {
        cx.field(
            &RECORD_CONTENT_TYPE,
            buf.span(off, 1),
            Value::U64(ct.into()),
        );
    }
    cx.field(&RECORD_VERSION, buf.span(off + 1, 2), Value::U64(rv.into()));
    cx.field(
        &RECORD_LENGTH,
        buf.span(off + 3, 2),
        Value::U64(rlen.into()),
    );
    let area = Area {
        buf,
        off: off + 5,
        b: frag,
    };
    match ct {
        20 => {
            what.push_str("Change Cipher Spec Protocol: Change Cipher Spec");
            cx.field(&CHANGE_CIPHER_SPEC, area.span(0, frag.len()), Value::None);
            tls_info(cx, format_args!("Change Cipher Spec"));
        }
        21 => {
            if note.encrypted || frag.len() != 2 {
                what.push_str("Encrypted Alert");
                cx.field(&ALERT, area.span(0, frag.len()), Value::None);
                tls_info(cx, format_args!("Encrypted Alert"));
            } else {
                let (lvl, desc) = (frag[0], frag[1]);
                let (ln, dn) = (
                    name_of(ALERT_LEVELS, lvl.into()),
                    name_of(ALERT_DESCRIPTIONS, desc.into()),
                );
                let _ = write!(what, "Alert (Level: {ln}, Description: {dn})");
                cx.sink.field_with_label(
                    &ALERT,
                    area.span(0, 2),
                    Value::None,
                    Presence::Normal,
                    format_args!("Alert Message"),
                );
                cx.push();
                cx.field(&ALERT_LEVEL, area.span(0, 1), Value::U64(lvl.into()));
                cx.field(&ALERT_DESC, area.span(1, 1), Value::U64(desc.into()));
                cx.pop();
                tls_info(cx, format_args!("Alert (Level: {ln}, Description: {dn})"));
            }
        }
        22 if note.encrypted => {
            what.push_str("Handshake Protocol: Encrypted Handshake Message");
            cx.text(
                area.span(0, frag.len()),
                format_args!("Handshake Protocol: Encrypted Handshake Message"),
            );
            tls_info(cx, format_args!("Encrypted Handshake Message"));
        }
        22 => {
            let (names, learnt) = handshake_messages(cx, area, note);
            if let Some(v) = learnt {
                version = v;
            }
            what.push_str("Handshake Protocol: ");
            match names.as_slice() {
                [one] => what.push_str(one),
                [] => what.push_str("Fragment"),
                _ => what.push_str("Multiple Handshake Messages"),
            }
        }
        23 => {
            let proto = if note.alpn.as_deref() == Some("h2") {
                "HTTP/2"
            } else {
                ""
            };
            if proto.is_empty() {
                what.push_str("Application Data Protocol: Application Data");
                tls_info(cx, format_args!("Application Data"));
            } else {
                let _ = write!(what, "Application Data Protocol: {proto}");
                cx.generated(&APP_DATA_PROTO, area.span(0, 0), Value::Str("http2"));
                tls_info(cx, format_args!("Application Data ({proto})"));
            }
            cx.field(&APP_DATA, area.span(0, frag.len()), Value::Bytes(frag));
        }
        24 => {
            what.push_str("Heartbeat");
            tls_info(cx, format_args!("Heartbeat"));
        }
        _ => {
            what.push_str("Ignored Unknown Record");
            tls_info(cx, format_args!("Ignored Unknown Record"));
        }
    }
    cx.pop();
    let ver = version_short(version);
    cx.sink
        .relabel(handle, format_args!("{ver} Record Layer: {what}"));
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed(ver);
    }
}

/// Bytes of a TLS connection that are no record (after a gap, say):
/// Wireshark's "Continuation Data", after what an SSLv2 record header
/// claims when the version is not known yet.
pub fn continuation<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, version: u16) {
    let rest = buf.rest(off);
    cx.layer(
        &proto::TLS,
        buf.span(off, rest.len()),
        format_args!("Transport Layer Security"),
    );
    let mut at = 0;
    let mut column = version_short(version);
    if version == 0 && rest.len() >= 2 && rest[0] & 0x80 != 0 {
        let len = (usize::from(rest[0] & 0x7f) << 8) | usize::from(rest[1]);
        if 2 + len <= rest.len() && sslv2_client_hello(cx, buf, off, 2 + len) {
            column = "SSLv2";
            at = 2 + len;
        } else if 2 + len <= rest.len() {
            cx.text(
                buf.span(off, 2 + len),
                format_args!("SSLv2 Record Layer: Encrypted Data"),
            );
            cx.push();
            cx.generated(&RECORD_VERSION, buf.span(off, 0), Value::U64(2));
            cx.pop();
            tls_info(cx, format_args!("Encrypted Data"));
            column = "SSLv2";
            at = 2 + len;
        }
    }
    if at < rest.len() {
        cx.text(
            buf.span(off + at, rest.len() - at),
            format_args!("Continuation Data"),
        );
        tls_info(cx, format_args!("Continuation Data"));
    }
    cx.end_layer();
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed(column);
    }
}

/// An SSLv2-format ClientHello (what old clients send first, answered in
/// TLS), as tshark shows it: the record (`len` bytes with its 2-byte
/// header), version, the three lengths, the 3-byte cipher specs, session
/// id and challenge. False when the record is no ClientHello.
fn sslv2_client_hello<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, len: usize) -> bool {
    let r = buf.get(off, len);
    let (Some(1), Some(version), Some(spec_len), Some(sid_len), Some(chal_len)) = (
        r.get(2).copied(),
        bytes::be16(r, 3),
        bytes::be16(r, 5),
        bytes::be16(r, 7),
        bytes::be16(r, 9),
    ) else {
        return false;
    };
    let (spec_len, sid_len, chal_len) = (
        usize::from(spec_len),
        usize::from(sid_len),
        usize::from(chal_len),
    );
    if 11 + spec_len + sid_len + chal_len > len {
        return false;
    }
    let at = |o: usize, l: usize| buf.span(off + o, l);
    cx.sink.field_with_label(
        &RECORD,
        at(0, len),
        Value::None,
        Presence::Normal,
        format_args!("SSLv2 Record Layer: Client Hello"),
    );
    cx.push();
    cx.generated(&RECORD_VERSION, at(0, 0), Value::U64(2));
    cx.field(&RECORD_LENGTH, at(0, 2), Value::U64((len - 2) as u64));
    cx.field(&HS_TYPE, at(2, 1), Value::U64(1));
    cx.field(&HS_VERSION, at(3, 2), Value::U64(version.into()));
    cx.field(&HS_CIPHER_SPEC_LEN, at(5, 2), Value::U64(spec_len as u64));
    cx.field(&HS_SESSION_ID_LENGTH, at(7, 2), Value::U64(sid_len as u64));
    cx.field(&HS_CHALLENGE_LENGTH, at(9, 2), Value::U64(chal_len as u64));
    cx.sink.field_with_label(
        &HS_CIPHERSUITES,
        at(11, spec_len),
        Value::None,
        Presence::Normal,
        format_args!("Cipher Specs ({} specs)", spec_len / 3),
    );
    cx.push();
    for i in 0..spec_len / 3 {
        let o = 11 + 3 * i;
        let v = bytes::be24(r, o).unwrap_or(0);
        cx.field(&HS_CIPHERSPEC, at(o, 3), Value::U64(v.into()));
    }
    cx.pop();
    let sid_at = 11 + spec_len;
    if sid_len > 0 {
        cx.field(
            &HS_SESSION_ID,
            at(sid_at, sid_len),
            Value::Bytes(&r[sid_at..sid_at + sid_len]),
        );
    }
    let chal_at = sid_at + sid_len;
    cx.field(
        &HS_CHALLENGE,
        at(chal_at, chal_len),
        Value::Bytes(&r[chal_at..chal_at + chal_len]),
    );
    cx.pop();
    tls_info(cx, format_args!("Client Hello"));
    true
}

/// TLS appends to Info with ", " even after the TCP analysis' words.
fn tls_info<S: Sink>(cx: &mut Cx<'_, S>, args: std::fmt::Arguments<'_>) {
    cx.app_info_sep(", ", args);
}

/// Closes the `tls` layer a call opened.
pub fn end<S: Sink>(cx: &mut Cx<'_, S>) {
    cx.end_layer();
}

/// The handshake messages of a record (after what earlier records began);
/// returns their names and, for a ServerHello, the version it settles on.
fn handshake_messages<S: Sink>(
    cx: &mut Cx<'_, S>,
    area: Area<'_>,
    note: &TlsNote,
) -> (Vec<String>, Option<u16>) {
    let joined;
    let area = match &note.carry {
        Carry::None => area,
        Carry::Continued { head, len } => {
            continued_message(cx, area, head, *len);
            return (Vec::new(), None);
        }
        Carry::Whole(carry) => {
            let mut v = carry.clone();
            v.extend_from_slice(area.b);
            joined = v;
            let source = cx.sink.source("Reassembled TLS", &joined).max(1);
            Area {
                buf: Buf::source(&joined, source),
                off: 0,
                b: &joined,
            }
        }
    };
    let mut names = Vec::new();
    let mut learnt = None;
    let b = area.b;
    let mut pos = 0;
    while pos + 4 <= b.len() {
        let t = b[pos];
        let len = u32::from_be_bytes([0, b[pos + 1], b[pos + 2], b[pos + 3]]) as usize;
        let body = b.get(pos + 4..pos + 4 + len);
        let mut name = name_of(HANDSHAKE_TYPES, t.into()).to_string();
        if t == 2 && b.get(pos + 6..pos + 38) == Some(&HRR_RANDOM[..]) {
            name = "Hello Retry Request".into();
        }
        let Some(body) = body else {
            // Continued in the next record.
            cx.text(
                area.span(pos, b.len() - pos),
                format_args!("Handshake Protocol: {name} (fragment)"),
            );
            break;
        };
        cx.sink.field_with_label(
            &HANDSHAKE,
            area.span(pos, 4 + len),
            Value::None,
            Presence::Normal,
            format_args!("Handshake Protocol: {name}"),
        );
        cx.push();
        cx.field(&HS_TYPE, area.span(pos, 1), Value::U64(t.into()));
        cx.field(&HS_LENGTH, area.span(pos + 1, 3), Value::U64(len as u64));
        let m = Area {
            buf: area.buf,
            off: area.off + pos + 4,
            b: body,
        };
        match t {
            1 => hello(cx, m, true),
            2 => {
                if let Some(h) = Hello::parse(body, false) {
                    learnt = Some(h.negotiated_version());
                }
                hello(cx, m, false)
            }
            4 => new_session_ticket(cx, m, note),
            11 => certificates(cx, m),
            12 => server_key_exchange(cx, m, note),
            13 => certificate_request(cx, m),
            15 => signature(cx, m, 0),
            16 => client_key_exchange(cx, m, note),
            _ => {}
        }
        cx.pop();
        tls_info(cx, format_args!("{name}"));
        names.push(name);
        pos += 4 + len;
    }
    (names, learnt)
}

/// A record in the middle of a handshake message that earlier records
/// began (`head`: the first bytes of the `len` that came before) and a
/// later one completes: it is named, as the fragment it is.
fn continued_message<S: Sink>(cx: &mut Cx<'_, S>, area: Area<'_>, head: &[u8], len: u32) {
    let mut header = head.to_vec();
    header.extend(area.b.iter().take(4usize.saturating_sub(head.len())));
    if len as usize + area.b.len() < 4 || header.len() < 4 {
        return;
    }
    let name = name_of(HANDSHAKE_TYPES, header[0].into());
    cx.text(
        area.span(0, area.b.len()),
        format_args!("Handshake Protocol: {name} (fragment)"),
    );
}

fn hello<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, client: bool) {
    let b = m.b;
    let Some(h) = Hello::parse(b, client) else {
        return;
    };
    cx.field(&HS_VERSION, m.span(0, 2), Value::U64(h.version.into()));
    cx.field(&HS_RANDOM, m.span(2, 32), Value::Bytes(h.random));
    cx.push();
    if h.is_hrr() {
        cx.text(m.span(2, 32), format_args!("(HelloRetryRequest magic)"));
    } else {
        let t = u32::from_be_bytes([h.random[0], h.random[1], h.random[2], h.random[3]]);
        cx.field(
            &HS_RANDOM_TIME,
            m.span(2, 4),
            Value::AbsTime(i64::from(t) * 1_000_000_000),
        );
        cx.field(
            &HS_RANDOM_BYTES,
            m.span(6, 28),
            Value::Bytes(&h.random[4..]),
        );
    }
    cx.pop();
    cx.field(
        &HS_SESSION_ID_LENGTH,
        m.span(34, 1),
        Value::U64(h.session_id.len() as u64),
    );
    let mut p = 35;
    if !h.session_id.is_empty() {
        cx.field(
            &HS_SESSION_ID,
            m.span(p, h.session_id.len()),
            Value::Bytes(h.session_id),
        );
    }
    p += h.session_id.len();
    if client {
        let n = h.ciphers.len() * 2;
        cx.field(&HS_CIPHER_SUITES_LENGTH, m.span(p, 2), Value::U64(n as u64));
        cx.labeled(
            &HS_CIPHERSUITES,
            m.span(p + 2, n),
            Value::None,
            format_args!(
                "Cipher Suites ({} suite{})",
                h.ciphers.len(),
                if h.ciphers.len() == 1 { "" } else { "s" }
            ),
        );
        cx.push();
        for (i, c) in h.ciphers.iter().enumerate() {
            cx.field(
                &HS_CIPHERSUITE,
                m.span(p + 2 + 2 * i, 2),
                Value::U64((*c).into()),
            );
        }
        cx.pop();
        p += 2 + n;
        let n = h.compression.len();
        cx.field(&HS_COMP_METHODS_LENGTH, m.span(p, 1), Value::U64(n as u64));
        cx.labeled(
            &HS_COMP_METHODS,
            m.span(p + 1, n),
            Value::None,
            format_args!(
                "Compression Methods ({n} method{})",
                if n == 1 { "" } else { "s" }
            ),
        );
        cx.push();
        for (i, c) in h.compression.iter().enumerate() {
            cx.field(
                &HS_COMP_METHOD,
                m.span(p + 1 + i, 1),
                Value::U64((*c).into()),
            );
        }
        cx.pop();
        p += 1 + n;
    } else {
        cx.field(&HS_CIPHERSUITE, m.span(p, 2), Value::U64(h.cipher.into()));
        cx.field(
            &HS_COMP_METHOD,
            m.span(p + 2, 1),
            Value::U64(h.compression[0].into()),
        );
        p += 3;
    }
    if let Some(n) = bytes::be16(b, p) {
        cx.field(&HS_EXTENSIONS_LENGTH, m.span(p, 2), Value::U64(n.into()));
        let mut e = p + 2;
        let end = (p + 2 + n as usize).min(b.len());
        while e + 4 <= end {
            let t = u16::from_be_bytes([b[e], b[e + 1]]);
            let l = u16::from_be_bytes([b[e + 2], b[e + 3]]) as usize;
            let d = b.get(e + 4..(e + 4 + l).min(end)).unwrap_or(&[]);
            let ename = name_of(EXTENSION_TYPES, t.into());
            let ename = if is_grease(t) {
                "Reserved (GREASE)"
            } else {
                ename
            };
            cx.sink.field_with_label(
                &EXT,
                m.span(e, 4 + d.len()),
                Value::None,
                Presence::Normal,
                format_args!("Extension: {ename} (len={l})"),
            );
            cx.push();
            cx.field(&EXT_TYPE, m.span(e, 2), Value::U64(t.into()));
            cx.field(&EXT_LEN, m.span(e + 2, 2), Value::U64(l as u64));
            let x = Area {
                buf: m.buf,
                off: m.off + e + 4,
                b: d,
            };
            extension(cx, x, t, client, h.is_hrr());
            cx.pop();
            e += 4 + l;
        }
    }
    let z = m.span(0, 0);
    let full = h.ja3_full();
    if client {
        cx.generated(&JA3_FULL, z, Value::Str(&full));
        cx.generated(&JA3, z, Value::Str(&ja3_hash(&full)));
        let (ja4, ja4_r) = h.ja4();
        cx.generated(&JA4, z, Value::Str(&ja4));
        cx.generated(&JA4_R, z, Value::Str(&ja4_r));
    } else {
        cx.generated(&JA3S_FULL, z, Value::Str(&full));
        cx.generated(&JA3S, z, Value::Str(&ja3_hash(&full)));
    }
}

fn extension<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, t: u16, client: bool, hrr: bool) {
    let d = x.b;
    let u16_at = |o: usize| bytes::be16(d, o).unwrap_or(0);
    match t {
        0 if d.len() >= 5 => {
            cx.field(&SNI_LIST_LEN, x.span(0, 2), Value::U64(u16_at(0).into()));
            let mut o = 2;
            while o + 3 <= d.len() {
                let n = u16_at(o + 1) as usize;
                let name = d.get(o + 3..o + 3 + n).unwrap_or(&[]);
                cx.field(&SNI_TYPE, x.span(o, 1), Value::U64(d[o].into()));
                cx.field(&SNI_LEN, x.span(o + 1, 2), Value::U64(n as u64));
                cx.field(
                    &SNI,
                    x.span(o + 3, name.len()),
                    Value::Str(&String::from_utf8_lossy(name)),
                );
                o += 3 + n;
            }
        }
        10 if d.len() >= 2 => {
            let n = u16_at(0) as usize;
            cx.field(&GROUPS_LENGTH, x.span(0, 2), Value::U64(n as u64));
            let list = d.get(2..2 + n).unwrap_or(&d[2..]);
            cx.labeled(
                &GROUPS_LIST,
                x.span(2, list.len()),
                Value::None,
                format_args!(
                    "Supported Groups ({} group{})",
                    list.len() / 2,
                    if list.len() == 2 { "" } else { "s" }
                ),
            );
            cx.push();
            for (i, g) in list.chunks_exact(2).enumerate() {
                cx.field(
                    &GROUP,
                    x.span(2 + 2 * i, 2),
                    Value::U64(u16::from_be_bytes([g[0], g[1]]).into()),
                );
            }
            cx.pop();
        }
        11 if !d.is_empty() => {
            let n = d[0] as usize;
            cx.field(&EC_FORMATS_LENGTH, x.span(0, 1), Value::U64(n as u64));
            let list = d.get(1..1 + n).unwrap_or(&d[1..]);
            cx.labeled(
                &EC_FORMATS,
                x.span(1, list.len()),
                Value::None,
                format_args!("Elliptic curves point formats ({})", list.len()),
            );
            cx.push();
            for (i, f) in list.iter().enumerate() {
                cx.field(&EC_FORMAT, x.span(1 + i, 1), Value::U64((*f).into()));
            }
            cx.pop();
        }
        13 if d.len() >= 2 => sig_algs(cx, x, 0),
        16 if d.len() >= 2 => {
            cx.field(&ALPN_LEN, x.span(0, 2), Value::U64(u16_at(0).into()));
            cx.labeled(
                &ALPN_LIST,
                x.span(2, d.len() - 2),
                Value::None,
                format_args!("ALPN Protocol"),
            );
            cx.push();
            let mut o = 2;
            while let Some(&n) = d.get(o) {
                let s = d.get(o + 1..o + 1 + n as usize).unwrap_or(&[]);
                cx.field(&ALPN_STR_LEN, x.span(o, 1), Value::U64(n.into()));
                cx.field(
                    &ALPN_STR,
                    x.span(o + 1, s.len()),
                    Value::Str(&String::from_utf8_lossy(s)),
                );
                o += 1 + n as usize;
            }
            cx.pop();
        }
        43 => {
            if client && !d.is_empty() {
                cx.field(
                    &SUPPORTED_VERSIONS_LEN,
                    x.span(0, 1),
                    Value::U64(d[0].into()),
                );
                for (i, v) in d[1..].chunks_exact(2).enumerate() {
                    cx.field(
                        &SUPPORTED_VERSION,
                        x.span(1 + 2 * i, 2),
                        Value::U64(u16::from_be_bytes([v[0], v[1]]).into()),
                    );
                }
            } else if d.len() >= 2 {
                cx.field(
                    &SUPPORTED_VERSION,
                    x.span(0, 2),
                    Value::U64(u16_at(0).into()),
                );
            }
        }
        51 => {
            if client && d.len() >= 2 {
                cx.field(
                    &KEY_SHARE_CLIENT_LENGTH,
                    x.span(0, 2),
                    Value::U64(u16_at(0).into()),
                );
                let mut o = 2;
                while o + 4 <= d.len() {
                    o = key_share_entry(cx, x, o);
                }
            } else if hrr && d.len() >= 2 {
                cx.field(
                    &KEY_SHARE_SELECTED_GROUP,
                    x.span(0, 2),
                    Value::U64(u16_at(0).into()),
                );
            } else if d.len() >= 4 {
                key_share_entry(cx, x, 0);
            }
        }
        41 => {
            if client && d.len() >= 2 {
                let n = u16_at(0) as usize;
                cx.field(&PSK_IDENTITIES_LENGTH, x.span(0, 2), Value::U64(n as u64));
                let mut o = 2;
                while o + 2 <= (2 + n).min(d.len()) {
                    let l = u16_at(o) as usize;
                    cx.field(&PSK_IDENTITY_LENGTH, x.span(o, 2), Value::U64(l as u64));
                    let id = d.get(o + 2..o + 2 + l).unwrap_or(&[]);
                    cx.field(&PSK_IDENTITY, x.span(o + 2, id.len()), Value::Bytes(id));
                    cx.field(
                        &PSK_AGE,
                        x.span(o + 2 + l, 4),
                        Value::U64(bytes::be32(d, o + 2 + l).unwrap_or(0).into()),
                    );
                    o += 2 + l + 4;
                }
                if let Some(b) = bytes::be16(d, 2 + n) {
                    cx.field(&PSK_BINDERS_LEN, x.span(2 + n, 2), Value::U64(b.into()));
                }
            } else if d.len() >= 2 {
                cx.field(&PSK_SELECTED, x.span(0, 2), Value::U64(u16_at(0).into()));
            }
        }
        44 if d.len() >= 2 => {
            cx.field(&COOKIE_LEN, x.span(0, 2), Value::U64(u16_at(0).into()));
            cx.field(&COOKIE, x.span(2, d.len() - 2), Value::Bytes(&d[2..]));
        }
        65281 if !d.is_empty() => cx.field(&RENEG_LEN, x.span(0, 1), Value::U64(d[0].into())),
        21 => cx.field(&PADDING, x.span(0, d.len()), Value::Bytes(d)),
        35 => {
            if !d.is_empty() {
                cx.field(&SESSION_TICKET_EXT, x.span(0, d.len()), Value::Bytes(d));
            }
        }
        _ => {
            if !d.is_empty() {
                cx.field(&EXT_DATA, x.span(0, d.len()), Value::Bytes(d));
            }
        }
    }
}

fn key_share_entry<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, o: usize) -> usize {
    let d = x.b;
    let g = bytes::be16(d, o).unwrap_or(0);
    let n = bytes::be16(d, o + 2).unwrap_or(0) as usize;
    let key = d.get(o + 4..o + 4 + n).unwrap_or(&[]);
    cx.text(
        x.span(o, 4 + key.len()),
        format_args!(
            "Key Share Entry: Group: {}, Key Exchange length: {n}",
            name_of(GROUPS, g.into())
        ),
    );
    cx.push();
    cx.field(&KEY_SHARE_GROUP, x.span(o, 2), Value::U64(g.into()));
    cx.field(
        &KEY_SHARE_KEX_LENGTH,
        x.span(o + 2, 2),
        Value::U64(n as u64),
    );
    cx.field(&KEY_SHARE_KEX, x.span(o + 4, key.len()), Value::Bytes(key));
    cx.pop();
    o + 4 + n
}

/// A signature_algorithms list at `o` (length first).
fn sig_algs<S: Sink>(cx: &mut Cx<'_, S>, x: Area<'_>, o: usize) {
    let d = x.b;
    let n = bytes::be16(d, o).unwrap_or(0) as usize;
    cx.field(&SIG_HASH_ALG_LEN, x.span(o, 2), Value::U64(n as u64));
    let list = d.get(o + 2..o + 2 + n).unwrap_or(&[]);
    cx.labeled(
        &SIG_HASH_ALGS,
        x.span(o + 2, list.len()),
        Value::None,
        format_args!(
            "Signature Hash Algorithms ({} algorithm{})",
            list.len() / 2,
            if list.len() == 2 { "" } else { "s" }
        ),
    );
    cx.push();
    for (i, a) in list.chunks_exact(2).enumerate() {
        let s = x.span(o + 2 + 2 * i, 2);
        cx.field(
            &SIG_HASH_ALG,
            s,
            Value::U64(u16::from_be_bytes([a[0], a[1]]).into()),
        );
        cx.push();
        cx.field(
            &SIG_HASH_HASH,
            x.span(o + 2 + 2 * i, 1),
            Value::U64(a[0].into()),
        );
        cx.field(
            &SIG_HASH_SIG,
            x.span(o + 3 + 2 * i, 1),
            Value::U64(a[1].into()),
        );
        cx.pop();
    }
    cx.pop();
}

/// A signature: algorithm (TLS 1.2), length, bytes.
fn signature<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, o: usize) {
    let d = m.b;
    if let Some(a) = bytes::be16(d, o) {
        cx.field(&SIG_HASH_ALG, m.span(o, 2), Value::U64(a.into()));
    }
    if let Some(n) = bytes::be16(d, o + 2) {
        cx.field(&SIG_LEN, m.span(o + 2, 2), Value::U64(n.into()));
        let s = d.get(o + 4..o + 4 + n as usize).unwrap_or(&[]);
        cx.field(&SIG, m.span(o + 4, s.len()), Value::Bytes(s));
    }
}

fn kx(note: &TlsNote) -> Option<tls_parser::TlsCipherKx> {
    tls_parser::TlsCipherSuite::from_id(note.cipher).map(|c| c.kx)
}

fn server_key_exchange<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    use tls_parser::TlsCipherKx as K;
    let d = m.b;
    match kx(note) {
        Some(K::Ecdhe) | None if d.first() == Some(&3) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("EC Diffie-Hellman Server Params"),
            );
            cx.push();
            cx.field(&SERVER_CURVE_TYPE, m.span(0, 1), Value::U64(3));
            cx.field(
                &SERVER_NAMED_CURVE,
                m.span(1, 2),
                Value::U64(bytes::be16(d, 1).unwrap_or(0).into()),
            );
            let n = bytes::u8_at(d, 3).unwrap_or(0) as usize;
            cx.field(&SERVER_POINT_LEN, m.span(3, 1), Value::U64(n as u64));
            let p = d.get(4..4 + n).unwrap_or(&[]);
            cx.field(&SERVER_POINT, m.span(4, p.len()), Value::Bytes(p));
            signature(cx, m, 4 + n);
            cx.pop();
        }
        _ => {}
    }
}

fn client_key_exchange<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    use tls_parser::TlsCipherKx as K;
    let d = m.b;
    match kx(note) {
        Some(K::Rsa) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("RSA Encrypted PreMaster Secret"),
            );
            cx.push();
            let n = bytes::be16(d, 0).unwrap_or(0) as usize;
            cx.field(&EPMS_LEN, m.span(0, 2), Value::U64(n as u64));
            let p = d.get(2..2 + n).unwrap_or(&[]);
            cx.field(&EPMS, m.span(2, p.len()), Value::Bytes(p));
            cx.pop();
        }
        Some(K::Ecdhe) | Some(K::Ecdh) => {
            cx.text(
                m.span(0, d.len()),
                format_args!("EC Diffie-Hellman Client Params"),
            );
            cx.push();
            let n = bytes::u8_at(d, 0).unwrap_or(0) as usize;
            cx.field(&CLIENT_POINT_LEN, m.span(0, 1), Value::U64(n as u64));
            let p = d.get(1..1 + n).unwrap_or(&[]);
            cx.field(&CLIENT_POINT, m.span(1, p.len()), Value::Bytes(p));
            cx.pop();
        }
        _ => {}
    }
}

fn certificate_request<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    let d = m.b;
    let Some(&n) = d.first() else { return };
    cx.field(&CERT_TYPES_COUNT, m.span(0, 1), Value::U64(n.into()));
    for i in 0..n as usize {
        if let Some(&t) = d.get(1 + i) {
            cx.field(&CERT_TYPE, m.span(1 + i, 1), Value::U64(t.into()));
        }
    }
    let o = 1 + n as usize;
    sig_algs(cx, m, o);
    let o = o + 2 + bytes::be16(d, o).unwrap_or(0) as usize;
    if let Some(l) = bytes::be16(d, o) {
        cx.field(&DNAMES_LEN, m.span(o, 2), Value::U64(l.into()));
    }
}

fn new_session_ticket<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, note: &TlsNote) {
    let d = m.b;
    cx.field(
        &TICKET_LIFETIME,
        m.span(0, 4),
        Value::U64(bytes::be32(d, 0).unwrap_or(0).into()),
    );
    let mut o = 4;
    if note.version == 0x0304 {
        cx.field(
            &TICKET_AGE_ADD,
            m.span(4, 4),
            Value::U64(bytes::be32(d, 4).unwrap_or(0).into()),
        );
        let n = bytes::u8_at(d, 8).unwrap_or(0) as usize;
        cx.field(&TICKET_NONCE_LENGTH, m.span(8, 1), Value::U64(n as u64));
        cx.field(
            &TICKET_NONCE,
            m.span(9, n),
            Value::Bytes(d.get(9..9 + n).unwrap_or(&[])),
        );
        o = 9 + n;
    }
    let n = bytes::be16(d, o).unwrap_or(0) as usize;
    cx.field(&TICKET_LENGTH, m.span(o, 2), Value::U64(n as u64));
    let t = d.get(o + 2..o + 2 + n).unwrap_or(&[]);
    cx.field(&TICKET, m.span(o + 2, t.len()), Value::Bytes(t));
}

/// The certificate chain (TLS 1.2 and before: TLS 1.3 sends it encrypted).
fn certificates<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    let d = m.b;
    let Some(total) = bytes::be24(d, 0) else {
        return;
    };
    cx.field(&CERTIFICATES_LENGTH, m.span(0, 3), Value::U64(total.into()));
    let list = d.get(3..3 + total as usize).unwrap_or(&d[3..]);
    cx.labeled(
        &CERTIFICATES,
        m.span(3, list.len()),
        Value::None,
        format_args!("Certificates ({total} bytes)"),
    );
    cx.push();
    let mut o = 3;
    while o + 3 <= 3 + list.len() {
        let n = bytes::be24(d, o).unwrap_or(0) as usize;
        let der = d.get(o + 3..o + 3 + n).unwrap_or(&[]);
        cx.field(&CERTIFICATE_LENGTH, m.span(o, 3), Value::U64(n as u64));
        certificate(cx, m, o + 3, der);
        o += 3 + n;
    }
    cx.pop();
}

fn certificate<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, o: usize, der: &[u8]) {
    use x509_parser::prelude::*;
    let span = m.span(o, der.len());
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => {
            let subject = cert.subject().to_string();
            cx.sink.field_with_label(
                &CERTIFICATE,
                span,
                Value::Bytes(der),
                Presence::Normal,
                format_args!("Certificate: {} ({subject})", short_hex(der)),
            );
            cx.push();
            cx.field(&X509_SERIAL, span, Value::Bytes(cert.raw_serial()));
            cx.field(&X509_ISSUER, span, Value::Str(&cert.issuer().to_string()));
            cx.field(&X509_SUBJECT, span, Value::Str(&subject));
            let v = cert.validity();
            cx.field(
                &X509_NOT_BEFORE,
                span,
                Value::Str(&v.not_before.to_string()),
            );
            cx.field(&X509_NOT_AFTER, span, Value::Str(&v.not_after.to_string()));
            if let Ok(Some(san)) = cert.subject_alternative_name() {
                for name in &san.value.general_names {
                    if let GeneralName::DNSName(n) = name {
                        cx.field(&X509_DNS_NAME, span, Value::Str(n));
                    }
                }
            }
            cx.pop();
        }
        Err(_) => cx.field(&CERTIFICATE, span, Value::Bytes(der)),
    }
}

fn short_hex(b: &[u8]) -> String {
    let mut s: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
    if b.len() > 16 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_hello() -> Vec<u8> {
        // version, random, empty session id, 3 suites (one GREASE), null
        // compression, extensions: GREASE, SNI, groups, ALPN, sig algs, versions
        let mut b = vec![3, 3];
        b.extend_from_slice(&[0; 32]);
        b.push(0);
        b.extend_from_slice(&[0, 6, 0x0a, 0x0a, 0x13, 0x01, 0xc0, 0x2f]);
        b.extend_from_slice(&[1, 0]);
        let mut ext = Vec::new();
        ext.extend_from_slice(&[0x1a, 0x1a, 0, 0]);
        let host = b"example.com";
        ext.extend_from_slice(&[
            0,
            0,
            0,
            (host.len() + 5) as u8,
            0,
            (host.len() + 3) as u8,
            0,
            0,
            host.len() as u8,
        ]);
        ext.extend_from_slice(host);
        ext.extend_from_slice(&[0, 10, 0, 6, 0, 4, 0, 0x1d, 0, 0x17]);
        ext.extend_from_slice(&[0, 16, 0, 5, 0, 3, 2, b'h', b'2']);
        ext.extend_from_slice(&[0, 13, 0, 6, 0, 4, 4, 3, 8, 4]);
        ext.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    #[test]
    fn ja3_leaves_grease_out() {
        let b = client_hello();
        let h = Hello::parse(&b, true).unwrap();
        assert_eq!(h.ja3_full(), "771,4865-49199,0-10-16-13-43,29-23,");
        assert_eq!(h.sni().as_deref(), Some("example.com"));
    }

    #[test]
    fn ja4_sections() {
        let b = client_hello();
        let h = Hello::parse(&b, true).unwrap();
        let (ja4, raw) = h.ja4();
        // TLS 1.3, SNI, 2 suites, 5 extensions, ALPN h2
        assert!(ja4.starts_with("t13d0205h2_"), "{ja4}");
        assert_eq!(raw, "t13d0205h2_1301,c02f_000a,000d,002b_0403,0804");
        let b_hash: String = Sha256::digest(b"1301,c02f")
            .iter()
            .take(6)
            .map(|x| format!("{x:02x}"))
            .collect();
        assert_eq!(&ja4[11..23], b_hash);
    }

    #[test]
    fn the_connection_learns_version_and_cipher_from_the_server_hello() {
        let mut c = TlsConnection::default();
        // ServerHello: TLS 1.2 legacy version, supported_versions = 1.3
        let mut body = vec![3, 3];
        body.extend_from_slice(&[1; 32]);
        body.push(0);
        body.extend_from_slice(&[0x13, 0x01, 0]);
        body.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
        let mut rec = vec![22, 3, 3];
        rec.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
        rec.extend_from_slice(&[2, 0, 0, body.len() as u8]);
        rec.extend_from_slice(&body);
        let note = c.record(1, &rec);
        assert_eq!(note.version, 0);
        assert_eq!(c.version, 0x0304);
        assert_eq!(c.cipher, 0x1301);
    }
}
