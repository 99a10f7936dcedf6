//! Key derivation: TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) and the
//! PRFs of TLS 1.2 (RFC 5246 §5) and of TLS 1.0/1.1 (RFC 2246 §5), through
//! RustCrypto's `hkdf`, `hmac`, `sha1`, `sha2` and `md-5`.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384};

use super::suites::Hash;

/// HKDF-Expand-Label(secret, label, context, len) with the suite's hash;
/// none when the secret is shorter than the hash (a key log line of the
/// wrong suite).
pub fn expand_label(
    hash: Hash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let full_len = 6 + label.len();
    let mut info = Vec::with_capacity(4 + full_len + context.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(u8::try_from(full_len).ok()?);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    let mut out = vec![0; len];
    match hash {
        Hash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        Hash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        Hash::Sha1 => return None,
    }
    Some(out)
}

/// HMAC of `parts` under `key` with `hash`.
pub fn hmac(hash: Hash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn with<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        // HMAC takes a key of any length.
        let Ok(mut m) = <M as KeyInit>::new_from_slice(key) else {
            return Vec::new();
        };
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }
    match hash {
        Hash::Sha1 => with::<Hmac<sha1::Sha1>>(key, parts),
        Hash::Sha256 => with::<Hmac<Sha256>>(key, parts),
        Hash::Sha384 => with::<Hmac<Sha384>>(key, parts),
    }
}

/// P_hash(secret, seed) of RFC 5246 §5, `len` bytes.
fn p_hash(
    mac: impl Fn(&[u8], &[&[u8]]) -> Vec<u8>,
    secret: &[u8],
    seed: &[u8],
    len: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut a = mac(secret, &[seed]);
    while out.len() < len && !a.is_empty() {
        out.extend_from_slice(&mac(secret, &[&a, seed]));
        a = mac(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// The PRF of TLS 1.2 with the suite's hash.
pub fn prf12(hash: Hash, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let full_seed = [label, seed].concat();
    p_hash(|k, p| hmac(hash, k, p), secret, &full_seed, len)
}

/// The PRF of TLS 1.0 and 1.1: P_MD5 over the secret's first half XOR
/// P_SHA1 over its second.
pub fn prf10(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let full_seed = [label, seed].concat();
    let half = secret.len().div_ceil(2);
    let (s1, s2) = (&secret[..half], &secret[secret.len() - half..]);
    let md5 = p_hash(hmac_md5, s1, &full_seed, len);
    let sha = p_hash(|k, p| hmac(Hash::Sha1, k, p), s2, &full_seed, len);
    md5.iter().zip(&sha).map(|(a, b)| a ^ b).collect()
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let Ok(mut m) = <Hmac<md5::Md5> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::bytes::from_hex as hex;

    /// RFC 8448 §3: the server's handshake traffic key and IV.
    #[test]
    fn expand_label_gives_rfc8448_server_handshake_keys() {
        let secret = hex(
            "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc ded9 10 5d 42 be fd 59 d3 91 ad 38",
        );
        let key = expand_label(Hash::Sha256, &secret, b"key", b"", 16).unwrap();
        let iv = expand_label(Hash::Sha256, &secret, b"iv", b"", 12).unwrap();
        assert_eq!(key, hex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"));
        assert_eq!(iv, hex("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
    }

    /// The TLS 1.2 PRF test vector (SHA-256) posted to the IETF TLS list
    /// and used by many implementations' tests.
    #[test]
    fn prf12_sha256_vector() {
        let secret = hex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35");
        let seed = hex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c");
        let out = prf12(Hash::Sha256, &secret, b"test label", &seed, 100);
        assert_eq!(
            out,
            hex(
                "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01 87 34 7b 66"
            )
        );
    }
}
