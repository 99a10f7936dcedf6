//! ClientHello and ServerHello read for the connection and for
//! fingerprints: JA3/JA3S and JA4.

use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::*;

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

pub(super) fn is_grease(v: u16) -> bool {
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
        self.ext(16).map(alpn_names).unwrap_or_default()
    }

    pub(super) fn alpn_first(&self) -> Option<String> {
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

    /// JA4 (ClientHello), with its raw (unhashed) form; `transport` is
    /// `t` over TCP, `q` over QUIC.
    pub fn ja4(&self, transport: char) -> (String, String) {
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
            "{transport}{ver}{sni}{:02}{:02}{alpn}",
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

/// The protocol names of an ALPN extension's data (a hello's or
/// EncryptedExtensions'), in order.
pub fn alpn_names(d: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 2;
    while let Some(&n) = d.get(i) {
        let s = d.get(i + 1..i + 1 + n as usize).unwrap_or(&[]);
        out.push(String::from_utf8_lossy(s).into_owned());
        i += 1 + n as usize;
    }
    out
}
