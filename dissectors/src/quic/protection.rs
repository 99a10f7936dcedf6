//! QUIC packet protection (RFC 9001 §5, and RFC 9369 §3.3 for v2): keys
//! from a secret with HKDF-Expand-Label ("quic key", "quic iv", "quic
//! hp"; "quicv2 …" for v2), the Initial secrets from the client's first
//! Destination Connection ID, header protection taken off with a mask
//! from a sample of the ciphertext, and the payload opened with the
//! AEAD. ring does the AEAD and the header protection mask; the key
//! schedule is the TLS module's.

use hkdf::Hkdf;
use ring::aead::quic::{AES_128, AES_256, CHACHA20, HeaderProtectionKey};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
use sha2::Sha256;

use super::header::V2;
use crate::tls::decrypt::{Aead, Hash, expand_label};

const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
    0xf9, 0xbd, 0x2e, 0xd9,
];

/// The Initial secrets of client and server (RFC 9001 §5.2).
pub fn initial_secrets(version: u32, dcid: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let salt = if version == V2 { SALT_V2 } else { SALT_V1 };
    let (prk, _) = Hkdf::<Sha256>::extract(Some(&salt), dcid);
    let client = expand_label(Hash::Sha256, &prk, b"client in", b"", 32)?;
    let server = expand_label(Hash::Sha256, &prk, b"server in", b"", 32)?;
    Some((client, server))
}

fn label(version: u32, what: &str) -> Vec<u8> {
    let prefix = if version == V2 { "quicv2 " } else { "quic " };
    format!("{prefix}{what}").into_bytes()
}

/// The next generation's secret after a key update (RFC 9001 §6.1).
pub fn next_secret(version: u32, hash: Hash, secret: &[u8]) -> Option<Vec<u8>> {
    expand_label(hash, secret, &label(version, "ku"), b"", hash.output_len())
}

/// One direction's keys at one encryption level.
pub struct PacketKeys {
    aead: LessSafeKey,
    iv: [u8; 12],
    hp: HeaderProtectionKey,
}

/// Never prints key material.
impl std::fmt::Debug for PacketKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PacketKeys")
    }
}

impl PacketKeys {
    /// The keys of `secret` for `aead` (its hash is the suite's).
    pub fn new(version: u32, aead: Aead, hash: Hash, secret: &[u8]) -> Option<PacketKeys> {
        let (alg, hp_alg) = match aead {
            Aead::Aes128Gcm => (&ring::aead::AES_128_GCM, &AES_128),
            Aead::Aes256Gcm => (&ring::aead::AES_256_GCM, &AES_256),
            Aead::ChaCha20Poly1305 => (&ring::aead::CHACHA20_POLY1305, &CHACHA20),
        };
        let n = aead.key_len();
        let key = expand_label(hash, secret, &label(version, "key"), b"", n)?;
        let iv = expand_label(hash, secret, &label(version, "iv"), b"", 12)?;
        let hp = expand_label(hash, secret, &label(version, "hp"), b"", n)?;
        Some(PacketKeys {
            aead: LessSafeKey::new(UnboundKey::new(alg, &key).ok()?),
            iv: iv.try_into().ok()?,
            hp: HeaderProtectionKey::new(hp_alg, &hp).ok()?,
        })
    }

    /// The Initial keys of one side (AES-128-GCM, SHA-256).
    pub fn initial(version: u32, secret: &[u8]) -> Option<PacketKeys> {
        PacketKeys::new(version, Aead::Aes128Gcm, Hash::Sha256, secret)
    }

    /// The header protection mask of a 16-byte sample (RFC 9001 §5.4).
    pub fn mask(&self, sample: &[u8]) -> Option<[u8; 5]> {
        self.hp.new_mask(sample.get(..16)?).ok()
    }

    fn nonce(&self, pn: u64) -> Nonce {
        let mut n = self.iv;
        for (b, p) in n[4..].iter_mut().zip(pn.to_be_bytes()) {
            *b ^= p;
        }
        Nonce::assume_unique_for_key(n)
    }

    /// Opens a payload (ciphertext then tag) with the unprotected header
    /// as additional data; the plaintext, or None when it does not
    /// authenticate.
    pub fn open(&self, pn: u64, header: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
        let split = payload.len().checked_sub(16)?;
        let (ciphertext, tag) = payload.split_at(split);
        let tag = ring::aead::Tag::try_from(tag).ok()?;
        let mut buf = ciphertext.to_vec();
        self.aead
            .open_in_place_separate_tag(self.nonce(pn), Aad::from(header), tag, &mut buf, 0..)
            .ok()?;
        Some(buf)
    }

    /// Seals a payload as a sender would: for tests and the fuzz harness.
    #[doc(hidden)]
    pub fn seal(&self, pn: u64, header: &[u8], plaintext: &[u8]) -> Option<Vec<u8>> {
        let mut buf = plaintext.to_vec();
        let tag = self
            .aead
            .seal_in_place_separate_tag(self.nonce(pn), Aad::from(header), &mut buf)
            .ok()?;
        buf.extend_from_slice(tag.as_ref());
        Some(buf)
    }
}

/// Whether a Retry packet's integrity tag (its last 16 bytes) is the one
/// RFC 9001 §5.8 (RFC 9369 §3.3.3 for v2) derives from the client's
/// original Destination Connection ID `odcid`.
pub fn retry_tag_ok(version: u32, odcid: &[u8], retry: &[u8]) -> bool {
    const KEY_V1: [u8; 16] = [
        0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8,
        0x4e,
    ];
    const NONCE_V1: [u8; 12] = [
        0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb,
    ];
    const KEY_V2: [u8; 16] = [
        0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc,
        0x92,
    ];
    const NONCE_V2: [u8; 12] = [
        0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a,
    ];
    let (key, nonce) = if version == V2 {
        (KEY_V2, NONCE_V2)
    } else {
        (KEY_V1, NONCE_V1)
    };
    let Some(split) = retry.len().checked_sub(16) else {
        return false;
    };
    let (packet, tag) = retry.split_at(split);
    let Ok(odcid_len) = u8::try_from(odcid.len()) else {
        return false;
    };
    let mut pseudo = vec![odcid_len];
    pseudo.extend_from_slice(odcid);
    pseudo.extend_from_slice(packet);
    let (Ok(key), Ok(tag)) = (
        UnboundKey::new(&ring::aead::AES_128_GCM, &key),
        ring::aead::Tag::try_from(tag),
    ) else {
        return false;
    };
    LessSafeKey::new(key)
        .open_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&pseudo),
            tag,
            &mut [],
            0..,
        )
        .is_ok()
}

/// A packet with its header protection off: the first byte's low bits
/// and the packet number in the clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprotected {
    pub first: u8,
    pub pn_len: usize,
    pub truncated_pn: u64,
    /// The header as the AEAD authenticates it (unprotected).
    pub header: Vec<u8>,
}

/// Takes header protection off `packet` (its first `pn_offset` bytes the
/// header up to the packet number) with `keys`; None when the packet is
/// too short to sample.
pub fn unprotect(keys: &PacketKeys, packet: &[u8], pn_offset: usize) -> Option<Unprotected> {
    let sample = packet.get(pn_offset + 4..pn_offset + 20)?;
    let mask = keys.mask(sample)?;
    let long = packet[0] & 0x80 != 0;
    let first = packet[0] ^ (mask[0] & if long { 0x0f } else { 0x1f });
    let pn_len = usize::from(first & 3) + 1;
    let mut header = packet.get(..pn_offset + pn_len)?.to_vec();
    header[0] = first;
    let mut truncated_pn = 0u64;
    for i in 0..pn_len {
        header[pn_offset + i] ^= mask[1 + i];
        truncated_pn = (truncated_pn << 8) | u64::from(header[pn_offset + i]);
    }
    Some(Unprotected {
        first,
        pn_len,
        truncated_pn,
        header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::bytes::from_hex as hex;

    /// RFC 9001 Appendix A.1 and A.2: the keys from DCID 8394c8f03e515708
    /// and the client Initial's header protection mask.
    #[test]
    fn v1_initial_keys_and_mask_as_rfc_9001_a() {
        let (client, server) = initial_secrets(1, &hex("8394c8f03e515708")).unwrap();
        assert_eq!(
            client,
            hex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea")
        );
        assert_eq!(
            server,
            hex("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b")
        );
        let keys = PacketKeys::initial(1, &client).unwrap();
        assert_eq!(keys.iv.to_vec(), hex("fa044b2f42a3fd3b46fb255c"));
        let mask = keys.mask(&hex("d1b1c98dd7689fb8ec11d242b123dc9b")).unwrap();
        assert_eq!(mask.to_vec(), hex("437b9aec36"));
    }

    /// RFC 9001 Appendix A.4: the Retry packet, its tag checked against
    /// the original DCID 8394c8f03e515708; one bit changed fails.
    #[test]
    fn the_retry_integrity_tag_checks_as_rfc_9001_a_4() {
        let mut retry =
            hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
        assert!(retry_tag_ok(1, &hex("8394c8f03e515708"), &retry));
        retry[20] ^= 1;
        assert!(!retry_tag_ok(1, &hex("8394c8f03e515708"), &retry));
    }

    /// RFC 9369 Appendix A.1: v2's salt and labels.
    #[test]
    fn v2_initial_keys_as_rfc_9369_a() {
        let (client, _) = initial_secrets(V2, &hex("8394c8f03e515708")).unwrap();
        assert_eq!(
            client,
            hex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b")
        );
        let keys = PacketKeys::initial(V2, &client).unwrap();
        assert_eq!(keys.iv.to_vec(), hex("91f73e2351d8fa91660e909f"));
    }

    /// RFC 9001 Appendix A.5: a short header packet under ChaCha20-Poly1305,
    /// header protection off and payload opened; and the key update label.
    #[test]
    fn chacha20_short_header_opens_as_rfc_9001_a_5() {
        let secret = hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        let keys = PacketKeys::new(1, Aead::ChaCha20Poly1305, Hash::Sha256, &secret).unwrap();
        let packet = hex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb");
        let u = unprotect(&keys, &packet, 1).unwrap();
        assert_eq!(u.header, hex("4200bff4"));
        let pn = super::super::header::decode_pn(Some(654_360_563), u.truncated_pn, u.pn_len);
        assert_eq!(pn, 654_360_564);
        let plain = keys.open(pn, &u.header, &packet[4..]).unwrap();
        assert_eq!(plain, [1]);
        assert_eq!(
            next_secret(1, Hash::Sha256, &secret).unwrap(),
            hex("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9")
        );
    }
}
