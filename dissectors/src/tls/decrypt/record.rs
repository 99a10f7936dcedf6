//! One direction's record protection: its keys, its sequence number, and
//! the decryption of a record (RFC 8446 §5.2–5.3 for TLS 1.3; RFC 5246
//! §6.2.3 with RFC 5288, 7905 and 7366 for TLS 1.2 and earlier). The
//! AEADs are ring's (BoringSSL's AES-GCM and ChaCha20-Poly1305 assembly:
//! about three times RustCrypto's `aes-gcm` here, and bulk decryption is
//! what a keyed load spends its time on); CBC and HMAC are RustCrypto's.
//! What is here is TLS's framing around them.

use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use ring::aead::{LessSafeKey, UnboundKey};

use super::schedule;
use super::suites::{Aead, Bulk, Hash};

/// The longest plaintext a record may carry, with room for TLS 1.3's
/// content type (RFC 8446 §5.4): longer is a malformed record.
const MAX_PLAINTEXT: usize = (1 << 14) + 256;

/// Why a record did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptError {
    /// Too short for its nonce, tag, MAC or block.
    Short,
    /// The AEAD tag did not authenticate: wrong key, or a damaged record.
    BadTag,
    /// CBC padding or MAC did not check.
    BadMac,
    /// A TLS 1.3 record all padding (no content type).
    NoContentType,
}

impl DecryptError {
    pub fn as_u8(self) -> u8 {
        match self {
            DecryptError::Short => 1,
            DecryptError::BadTag => 2,
            DecryptError::BadMac => 3,
            DecryptError::NoContentType => 4,
        }
    }
    pub fn from_u8(v: u8) -> DecryptError {
        match v {
            1 => DecryptError::Short,
            3 => DecryptError::BadMac,
            4 => DecryptError::NoContentType,
            _ => DecryptError::BadTag,
        }
    }
    pub fn text(self) -> &'static str {
        match self {
            DecryptError::Short => "the record is too short for its cipher",
            DecryptError::BadTag => {
                "the record did not authenticate (a wrong key, or the record is damaged)"
            }
            DecryptError::BadMac => {
                "the record's padding or MAC did not check (a wrong key, or the record is damaged)"
            }
            DecryptError::NoContentType => "the decrypted record has no content type",
        }
    }
}

/// A decrypted record: its true content type and its plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plaintext {
    pub content_type: u8,
    pub bytes: Vec<u8>,
}

enum Cipher {
    Aead(Aead, Box<LessSafeKey>),
    AesCbc {
        key: Vec<u8>,
        mac: Hash,
        mac_key: Vec<u8>,
    },
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str(match self {
            Cipher::Aead(Aead::Aes128Gcm, _) => "AES-128-GCM",
            Cipher::Aead(Aead::Aes256Gcm, _) => "AES-256-GCM",
            Cipher::Aead(Aead::ChaCha20Poly1305, _) => "ChaCha20-Poly1305",
            Cipher::AesCbc { .. } => "AES-CBC",
        })
    }
}

/// How the nonce and additional data are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Tls13,
    /// TLS 1.2 and earlier, at this record-layer version.
    Tls12 {
        version: u16,
        encrypt_then_mac: bool,
    },
}

/// One direction's keys and sequence number.
pub struct RecordCipher {
    cipher: Cipher,
    /// TLS 1.3 and ChaCha: the 12-byte IV; GCM in TLS 1.2: the 4-byte
    /// salt; CBC: the IV of the next record (TLS 1.0 chains it).
    iv: Vec<u8>,
    seq: u64,
    framing: Framing,
}

/// Never prints key material (the IV is derived from the secret too).
impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordCipher")
            .field("cipher", &self.cipher)
            .field("seq", &self.seq)
            .field("framing", &self.framing)
            .finish_non_exhaustive()
    }
}

fn aead_cipher(a: Aead, key: &[u8]) -> Option<Cipher> {
    let alg = match a {
        Aead::Aes128Gcm => &ring::aead::AES_128_GCM,
        Aead::Aes256Gcm => &ring::aead::AES_256_GCM,
        Aead::ChaCha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
    };
    let key = UnboundKey::new(alg, key).ok()?;
    Some(Cipher::Aead(a, Box::new(LessSafeKey::new(key))))
}

impl RecordCipher {
    /// TLS 1.3: the keys of a traffic secret (RFC 8446 §7.3).
    pub fn tls13(aead: Aead, hash: Hash, secret: &[u8]) -> Option<RecordCipher> {
        let key = schedule::expand_label(hash, secret, b"key", b"", aead.key_len())?;
        let iv = schedule::expand_label(hash, secret, b"iv", b"", 12)?;
        Some(RecordCipher {
            cipher: aead_cipher(aead, &key)?,
            iv,
            seq: 0,
            framing: Framing::Tls13,
        })
    }

    /// TLS 1.2 and earlier: one direction's part of the key block.
    pub fn tls12(
        bulk: Bulk,
        key: &[u8],
        mac_key: &[u8],
        iv: &[u8],
        version: u16,
        encrypt_then_mac: bool,
    ) -> Option<RecordCipher> {
        let cipher = match bulk {
            Bulk::Aead(a) => aead_cipher(a, key)?,
            Bulk::AesCbc { mac, .. } => Cipher::AesCbc {
                key: key.to_vec(),
                mac,
                mac_key: mac_key.to_vec(),
            },
        };
        Some(RecordCipher {
            cipher,
            iv: iv.to_vec(),
            seq: 0,
            framing: Framing::Tls12 {
                version,
                encrypt_then_mac,
            },
        })
    }

    /// Decrypts the next record of this direction: `header` is its 5-byte
    /// header, `fragment` what follows. The sequence number advances
    /// whether or not the record decrypts.
    pub fn decrypt(&mut self, header: [u8; 5], fragment: &[u8]) -> Result<Plaintext, DecryptError> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        match self.framing {
            Framing::Tls13 => self.open_tls13(seq, header, fragment),
            Framing::Tls12 {
                version,
                encrypt_then_mac,
            } => match &self.cipher {
                Cipher::AesCbc { .. } => {
                    self.open_cbc(seq, header[0], version, encrypt_then_mac, fragment)
                }
                _ => self.open_aead12(seq, header[0], version, fragment),
            },
        }
    }

    /// Encrypts a record as a peer would (AEAD suites): for tests and the
    /// fuzz harness, which need records this side can open.
    #[doc(hidden)]
    pub fn seal(&mut self, content_type: u8, plaintext: &[u8]) -> Option<Vec<u8>> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let (ct, mut body, nonce, explicit) = match self.framing {
            Framing::Tls13 => {
                let mut inner = plaintext.to_vec();
                inner.push(content_type);
                (23, inner, self.xor_nonce(seq), None)
            }
            Framing::Tls12 { .. } if self.is_chacha() => {
                (content_type, plaintext.to_vec(), self.xor_nonce(seq), None)
            }
            Framing::Tls12 { .. } => {
                let explicit = seq.to_be_bytes();
                let mut n = [0u8; 12];
                for (i, b) in self.iv.iter().take(4).chain(&explicit).enumerate() {
                    n[i] = *b;
                }
                (content_type, plaintext.to_vec(), n, Some(explicit))
            }
        };
        let version = match self.framing {
            Framing::Tls12 { version, .. } => version,
            Framing::Tls13 => 0x0303,
        };
        let sealed_len = body.len() + 16 + explicit.map_or(0, |e| e.len());
        let mut header = [ct, (version >> 8) as u8, version as u8, 0, 0];
        header[3..].copy_from_slice(&u16::try_from(sealed_len).ok()?.to_be_bytes());
        let aad = match self.framing {
            Framing::Tls13 => header.to_vec(),
            Framing::Tls12 { .. } => aad12(seq, ct, version, body.len()).to_vec(),
        };
        let Cipher::Aead(_, key) = &self.cipher else {
            return None;
        };
        let tag = key
            .seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(aad),
                &mut body,
            )
            .ok()?;
        let mut out = header.to_vec();
        out.extend(explicit.iter().flatten());
        out.extend_from_slice(&body);
        out.extend_from_slice(tag.as_ref());
        Some(out)
    }

    /// Starts at sequence number `seq` (keys that came late, for a
    /// direction whose earlier records went by unread).
    pub fn skip_to(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// Takes back the last sequence number (a record that turned out to
    /// be another key's).
    pub fn unwind(&mut self) {
        self.seq = self.seq.wrapping_sub(1);
    }

    /// The nonce of RFC 8446 §5.3 (and RFC 7905): the IV XOR the sequence number.
    fn xor_nonce(&self, seq: u64) -> [u8; 12] {
        let mut n = [0u8; 12];
        for (i, b) in n.iter_mut().enumerate() {
            *b = self.iv.get(i).copied().unwrap_or(0);
        }
        for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    fn open_tls13(
        &self,
        seq: u64,
        header: [u8; 5],
        fragment: &[u8],
    ) -> Result<Plaintext, DecryptError> {
        let mut plain = self.open_aead(&self.xor_nonce(seq), &header, fragment)?;
        // Strip the zero padding; the last byte left is the content type.
        let end = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(DecryptError::NoContentType)?;
        let content_type = plain[end];
        plain.truncate(end);
        Ok(Plaintext {
            content_type,
            bytes: plain,
        })
    }

    fn open_aead12(
        &self,
        seq: u64,
        ct: u8,
        version: u16,
        fragment: &[u8],
    ) -> Result<Plaintext, DecryptError> {
        let (nonce, body) = if self.is_chacha() {
            (self.xor_nonce(seq), fragment)
        } else {
            // GCM: the 4-byte salt and the record's 8-byte explicit nonce.
            let explicit = fragment.get(..8).ok_or(DecryptError::Short)?;
            let mut n = [0u8; 12];
            for (i, b) in self.iv.iter().take(4).chain(explicit).enumerate() {
                n[i] = *b;
            }
            (n, &fragment[8..])
        };
        let plain_len = body.len().checked_sub(16).ok_or(DecryptError::Short)?;
        let aad = aad12(seq, ct, version, plain_len);
        let bytes = self.open_aead(&nonce, &aad, body)?;
        Ok(Plaintext {
            content_type: ct,
            bytes,
        })
    }

    /// The AEAD: `body` is ciphertext then a 16-byte tag.
    fn open_aead(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        body: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        let split = body.len().checked_sub(16).ok_or(DecryptError::Short)?;
        if split > MAX_PLAINTEXT {
            return Err(DecryptError::Short);
        }
        let (ciphertext, tag) = body.split_at(split);
        let Cipher::Aead(_, key) = &self.cipher else {
            return Err(DecryptError::BadTag);
        };
        let tag = ring::aead::Tag::try_from(tag).map_err(|_| DecryptError::Short)?;
        let mut buf = ciphertext.to_vec();
        key.open_in_place_separate_tag(
            ring::aead::Nonce::assume_unique_for_key(*nonce),
            ring::aead::Aad::from(aad),
            tag,
            &mut buf,
            0..,
        )
        .map_err(|_| DecryptError::BadTag)?;
        Ok(buf)
    }

    fn is_chacha(&self) -> bool {
        matches!(self.cipher, Cipher::Aead(Aead::ChaCha20Poly1305, _))
    }

    /// CBC with HMAC, MAC-then-encrypt or (RFC 7366) encrypt-then-MAC.
    fn open_cbc(
        &mut self,
        seq: u64,
        ct: u8,
        version: u16,
        encrypt_then_mac: bool,
        fragment: &[u8],
    ) -> Result<Plaintext, DecryptError> {
        let Cipher::AesCbc { key, mac, mac_key } = &self.cipher else {
            return Err(DecryptError::Short);
        };
        let (mac, mac_len) = (*mac, mac.output_len());
        let mut body = fragment;
        if encrypt_then_mac {
            let split = body.len().checked_sub(mac_len).ok_or(DecryptError::Short)?;
            let (c, tag) = body.split_at(split);
            let want = schedule::hmac(mac, mac_key, &[&mac_header(seq, ct, version, c.len()), c]);
            if want != tag {
                return Err(DecryptError::BadMac);
            }
            body = c;
        }
        // TLS 1.1 and later send each record's IV; TLS 1.0 chains them.
        let (iv, ciphertext) = if version >= 0x0302 {
            (
                body.get(..16).ok_or(DecryptError::Short)?.to_vec(),
                &body[16..],
            )
        } else {
            (self.iv.clone(), body)
        };
        if ciphertext.is_empty()
            || ciphertext.len() % 16 != 0
            || ciphertext.len() > MAX_PLAINTEXT + 2048
        {
            return Err(DecryptError::Short);
        }
        if version < 0x0302 {
            self.iv = ciphertext[ciphertext.len() - 16..].to_vec();
        }
        let mut buf = ciphertext.to_vec();
        let plain_len = cbc_decrypt(key, &iv, &mut buf).ok_or(DecryptError::Short)?;
        buf.truncate(plain_len);
        // Padding: its length byte, and that many bytes of that value.
        let pad = usize::from(*buf.last().ok_or(DecryptError::Short)?);
        let content_end = buf.len().checked_sub(pad + 1).ok_or(DecryptError::BadMac)?;
        if buf[content_end..].iter().any(|&b| usize::from(b) != pad) {
            return Err(DecryptError::BadMac);
        }
        buf.truncate(content_end);
        if !encrypt_then_mac {
            let split = buf.len().checked_sub(mac_len).ok_or(DecryptError::BadMac)?;
            let (content, tag) = buf.split_at(split);
            let want = schedule::hmac(
                mac,
                mac_key,
                &[&mac_header(seq, ct, version, content.len()), content],
            );
            if want != tag {
                return Err(DecryptError::BadMac);
            }
            buf.truncate(split);
        }
        Ok(Plaintext {
            content_type: ct,
            bytes: buf,
        })
    }
}

/// AES-CBC decryption in place of whole blocks; the length decrypted.
fn cbc_decrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Option<usize> {
    let n = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded::<NoPadding>(buf)
            .ok()?
            .len(),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded::<NoPadding>(buf)
            .ok()?
            .len(),
        _ => return None,
    };
    Some(n)
}

/// The additional data of a TLS 1.2 AEAD record (RFC 5246 §6.2.3.3).
fn aad12(seq: u64, ct: u8, version: u16, len: usize) -> [u8; 13] {
    mac_header(seq, ct, version, len)
}

/// What the MAC (or AEAD) covers before the content: sequence number,
/// type, version, length.
fn mac_header(seq: u64, ct: u8, version: u16, len: usize) -> [u8; 13] {
    let mut h = [0u8; 13];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = ct;
    h[9..11].copy_from_slice(&version.to_be_bytes());
    h[11..].copy_from_slice(&(len as u16).to_be_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_records_open_in_turn_for_every_aead() {
        for a in [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305] {
            let mut tx = RecordCipher::tls13(a, Hash::Sha256, &[9; 32]).unwrap();
            let mut rx = RecordCipher::tls13(a, Hash::Sha256, &[9; 32]).unwrap();
            for (ct, text) in [(22u8, &b"hello"[..]), (23, b"GET / HTTP/1.1\r\n\r\n")] {
                let r = tx.seal(ct, text).unwrap();
                let header: [u8; 5] = r[..5].try_into().unwrap();
                let p = rx.decrypt(header, &r[5..]).unwrap();
                assert_eq!((p.content_type, &p.bytes[..]), (ct, text));
            }
            let key = [5u8; 32];
            let mut tx = RecordCipher::tls12(
                Bulk::Aead(a),
                &key[..a.key_len()],
                &[],
                &[1; 12],
                0x0303,
                false,
            )
            .unwrap();
            let mut rx = RecordCipher::tls12(
                Bulk::Aead(a),
                &key[..a.key_len()],
                &[],
                &[1; 12],
                0x0303,
                false,
            )
            .unwrap();
            let r = tx.seal(23, b"body").unwrap();
            let header: [u8; 5] = r[..5].try_into().unwrap();
            assert_eq!(rx.decrypt(header, &r[5..]).unwrap().bytes, b"body");
            // A flipped bit is refused.
            let mut bad = tx.seal(23, b"body").unwrap();
            bad[7] ^= 1;
            let header: [u8; 5] = bad[..5].try_into().unwrap();
            assert_eq!(rx.decrypt(header, &bad[5..]), Err(DecryptError::BadTag));
        }
    }

    #[test]
    fn sequence_numbers_xor_into_the_iv() {
        let c = RecordCipher::tls13(Aead::Aes128Gcm, Hash::Sha256, &[7; 32]).unwrap();
        let n0 = c.xor_nonce(0);
        let n1 = c.xor_nonce(0x0102);
        assert_eq!(&n0[..10], &n1[..10]);
        assert_eq!(n0[10] ^ n1[10], 1);
        assert_eq!(n0[11] ^ n1[11], 2);
    }

    #[test]
    fn a_record_too_short_or_forged_is_refused_and_counted() {
        let mut c = RecordCipher::tls13(Aead::ChaCha20Poly1305, Hash::Sha256, &[7; 32]).unwrap();
        let header = [23, 3, 3, 0, 20];
        assert_eq!(c.decrypt(header, &[0; 10]), Err(DecryptError::Short));
        assert_eq!(c.decrypt(header, &[0; 20]), Err(DecryptError::BadTag));
        assert_eq!(c.seq, 2);
    }
}
