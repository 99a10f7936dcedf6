//! What a cipher suite asks of decryption: its bulk cipher, its MAC (CBC
//! suites), and the hash of its PRF or key schedule. Suites not listed
//! (export, RC4, 3DES, CCM, NULL) are not decrypted.

/// A hash a suite's PRF, key schedule or MAC uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
}

impl Hash {
    /// Its output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }
}

/// An AEAD cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl Aead {
    pub fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
        }
    }
}

/// How records are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Aead(Aead),
    /// AES in CBC mode with an HMAC (key length 16 or 32).
    AesCbc {
        key_len: usize,
        mac: Hash,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub bulk: Bulk,
    /// The PRF's hash in TLS 1.2, the key schedule's in TLS 1.3.
    pub hash: Hash,
}

impl Suite {
    /// The suite with this IANA number, when we decrypt it.
    pub fn by_id(id: u16) -> Option<Suite> {
        use Aead::*;
        use Hash::*;
        let aead = |a, hash| Suite {
            bulk: Bulk::Aead(a),
            hash,
        };
        // CBC suites with SHA-1 or SHA-256 MACs use TLS 1.2's SHA-256 PRF.
        let cbc = |key_len, mac, hash| Suite {
            bulk: Bulk::AesCbc { key_len, mac },
            hash,
        };
        Some(match id {
            0x1301 => aead(Aes128Gcm, Sha256),
            0x1302 => aead(Aes256Gcm, Sha384),
            0x1303 => aead(ChaCha20Poly1305, Sha256),
            0x009c | 0x009e | 0x00a2 | 0xc02b | 0xc02f | 0xc02d | 0xc031 => aead(Aes128Gcm, Sha256),
            0x009d | 0x009f | 0x00a3 | 0xc02c | 0xc030 | 0xc02e | 0xc032 => aead(Aes256Gcm, Sha384),
            0xcca8..=0xccaa => aead(ChaCha20Poly1305, Sha256),
            0x002f | 0x0032 | 0x0033 | 0xc004 | 0xc009 | 0xc00e | 0xc013 => cbc(16, Sha1, Sha256),
            0x0035 | 0x0038 | 0x0039 | 0xc005 | 0xc00a | 0xc00f | 0xc014 => cbc(32, Sha1, Sha256),
            0x003c | 0x0040 | 0x0067 | 0xc023 | 0xc025 | 0xc027 | 0xc029 => cbc(16, Sha256, Sha256),
            0x003d | 0x006a | 0x006b => cbc(32, Sha256, Sha256),
            0xc024 | 0xc026 | 0xc028 | 0xc02a => cbc(32, Sha384, Sha384),
            _ => return None,
        })
    }

    /// Key, MAC key and IV lengths in a TLS 1.2 key block.
    pub fn key_block_lens(&self) -> (usize, usize, usize) {
        match self.bulk {
            Bulk::Aead(Aead::ChaCha20Poly1305) => (32, 0, 12),
            Bulk::Aead(a) => (a.key_len(), 0, 4),
            Bulk::AesCbc { key_len, mac } => (key_len, mac.output_len(), 16),
        }
    }
}
