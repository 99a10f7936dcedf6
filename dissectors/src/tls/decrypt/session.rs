//! One connection's decryption: which secrets apply to which direction as
//! the handshake goes. TLS 1.3 (RFC 8446 §7): after the ServerHello both
//! directions use their handshake traffic secrets, each switches to its
//! application traffic secret after its own Finished, and a KeyUpdate
//! moves that direction to the next generation. TLS 1.2 and earlier (RFC
//! 5246 §6.3): the key block from the master secret and both randoms;
//! each direction is encrypted after its ChangeCipherSpec.

use std::sync::Arc;

use super::record::{DecryptError, Plaintext, RecordCipher};
use super::schedule;
use super::suites::{Bulk, Suite};
use crate::tls::keylog::{KeyLog, SecretKind};

/// Which keys a direction uses now.
#[derive(Debug, Default)]
enum Epoch {
    /// Records are cleartext.
    #[default]
    Clear,
    /// Encrypted, with no key to open them (the key log lacks the session,
    /// so far: a key log written while capturing may give it later).
    NoKey {
        stage: Stage,
        records: u64,
    },
    Keyed(Box<Keyed>),
}

/// Where a direction without keys stands, for catching up once they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// TLS 1.2 and earlier, after its ChangeCipherSpec.
    Tls12,
    /// TLS 1.3 handshake keys (their end, the Finished, cannot be seen).
    Handshake,
    /// TLS 1.3 first application traffic keys.
    Traffic,
    /// A later generation whose secret could not be derived: nothing to
    /// catch up with.
    Lost,
}

/// Records of an unkeyed TLS 1.3 handshake epoch tried as the first
/// application records, when keys come late: a handshake flight is a few.
const MAX_CATCH_UP: u64 = 16;

struct Keyed {
    cipher: RecordCipher,
    /// TLS 1.3: the traffic secret the keys came from (a KeyUpdate derives
    /// the next); empty for handshake keys and TLS 1.2.
    secret: Vec<u8>,
    /// TLS 1.3: the client's 0-RTT keys, tried while the handshake keys fail.
    early: Option<RecordCipher>,
}

/// Never prints the traffic secret.
impl std::fmt::Debug for Keyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyed")
            .field("cipher", &self.cipher)
            .field("early", &self.early.is_some())
            .finish_non_exhaustive()
    }
}

/// What became of a record given to [`Decryptor::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The direction is not encrypted (yet): the record is cleartext.
    Clear,
    /// Encrypted, and the key log has no key for it.
    NoKey,
    Plain(Plaintext),
    Failed(DecryptError),
}

/// One connection's decryption state; `dir` 0 is the client's direction.
#[derive(Debug, Default)]
pub struct Decryptor {
    keys: Option<Arc<KeyLog>>,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    version: u16,
    server_etm: bool,
    /// Both hellos offered encrypt-then-MAC (RFC 7366).
    client_etm: bool,
    suite: Option<Suite>,
    tls13: bool,
    /// TLS 1.2 and earlier: the key block, once the ServerHello came.
    key_block: Option<KeyBlock>,
    dirs: [Epoch; 2],
    /// The ClientHello offered 0-RTT (its early_data extension).
    early_offered: bool,
    /// 0-RTT keys found before the ServerHello named the suite: kept, with
    /// their sequence number, for the early records that follow it.
    early: Option<RecordCipher>,
}

/// TLS 1.2's key block (RFC 5246 §6.3), split per direction when its
/// ChangeCipherSpec comes.
struct KeyBlock {
    suite: Suite,
    version: u16,
    encrypt_then_mac: bool,
    block: Vec<u8>,
}

/// Never prints the key block.
impl std::fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyBlock")
            .field("suite", &self.suite)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl KeyBlock {
    /// Direction `dir`'s keys: client MAC key, server MAC key, client key,
    /// server key, client IV, server IV, in that order.
    fn cipher(&self, dir: usize) -> Option<RecordCipher> {
        let (key, mac, iv) = self.suite.key_block_lens();
        let b = &self.block;
        let at = |base: usize, len: usize| b.get(base + dir * len..base + (dir + 1) * len);
        RecordCipher::tls12(
            self.suite.bulk,
            at(2 * mac, key)?,
            at(0, mac)?,
            at(2 * mac + 2 * key, iv)?,
            self.version,
            self.encrypt_then_mac,
        )
    }
}

impl Decryptor {
    pub fn new(keys: Option<Arc<KeyLog>>) -> Self {
        Decryptor {
            keys,
            ..Default::default()
        }
    }

    /// The ClientHello's random and whether it offered encrypt-then-MAC.
    pub fn client_hello(&mut self, random: [u8; 32], encrypt_then_mac: bool) {
        self.client_random = Some(random);
        self.client_etm = encrypt_then_mac;
    }

    /// The ClientHello offered early data (0-RTT): its application data
    /// records may follow at once, before any ServerHello.
    pub fn early_data_offered(&mut self) {
        self.early_offered = true;
    }

    fn secret(&self, kind: SecretKind) -> Option<&[u8]> {
        self.keys.as_ref()?.get(self.client_random.as_ref()?, kind)
    }

    /// The ServerHello (not a HelloRetryRequest): the suite and version
    /// chosen. TLS 1.3 encrypts both directions from here on.
    pub fn server_hello(&mut self, server_random: [u8; 32], version: u16, cipher: u16, etm: bool) {
        self.suite = Suite::by_id(cipher);
        self.tls13 = version == 0x0304;
        self.server_random = Some(server_random);
        self.version = version;
        self.server_etm = etm;
        if self.tls13 {
            for (dir, kind) in [
                (0, SecretKind::ClientHandshake),
                (1, SecretKind::ServerHandshake),
            ] {
                self.dirs[dir] = self.tls13_epoch(kind, false, Stage::Handshake);
            }
            let early = self.early.take().or_else(|| self.early_cipher());
            if let (Epoch::Keyed(k), Some(early)) = (&mut self.dirs[0], early) {
                k.early = Some(early);
            }
        } else {
            self.key_block = self.tls12_key_block(server_random, version, etm);
        }
    }

    fn tls12_key_block(
        &self,
        server_random: [u8; 32],
        version: u16,
        etm: bool,
    ) -> Option<KeyBlock> {
        let suite = self.suite?;
        let master = self.secret(SecretKind::MasterSecret)?;
        let seed = [&server_random[..], &self.client_random?[..]].concat();
        let (key, mac, iv) = suite.key_block_lens();
        let len = 2 * (key + mac + iv);
        let block = if version >= 0x0303 {
            schedule::prf12(suite.hash, master, b"key expansion", &seed, len)
        } else {
            schedule::prf10(master, b"key expansion", &seed, len)
        };
        Some(KeyBlock {
            suite,
            version,
            // Only a CBC suite uses it, and only when both hellos asked.
            encrypt_then_mac: etm && self.client_etm && matches!(suite.bulk, Bulk::AesCbc { .. }),
            block,
        })
    }

    fn early_cipher(&self) -> Option<RecordCipher> {
        let (Bulk::Aead(a), Some(secret)) =
            (self.suite?.bulk, self.secret(SecretKind::ClientEarly))
        else {
            return None;
        };
        RecordCipher::tls13(a, self.suite?.hash, secret)
    }

    /// A TLS 1.3 epoch from the secret of `kind`; `keep` keeps the secret
    /// for key updates; without it, `stage` says what to catch up with.
    fn tls13_epoch(&self, kind: SecretKind, keep: bool, stage: Stage) -> Epoch {
        let no_key = Epoch::NoKey { stage, records: 0 };
        let (Some(suite), Some(secret)) = (self.suite, self.secret(kind)) else {
            return no_key;
        };
        match tls13_keyed(suite, secret, keep) {
            Some(k) => Epoch::Keyed(Box::new(k)),
            None => no_key,
        }
    }

    /// More secrets (a key log that grew while capturing): directions
    /// without keys try them from their next record on.
    pub fn set_keys(&mut self, keys: Arc<KeyLog>) {
        self.keys = Some(keys);
        if !self.tls13
            && self.key_block.is_none()
            && let Some(server_random) = self.server_random
        {
            self.key_block = self.tls12_key_block(server_random, self.version, self.server_etm);
        }
    }

    /// A direction without keys, its record `header`+`fragment` next: the
    /// keys the key log now has, at the sequence number the records so far
    /// make, if they open it. TLS 1.3's handshake end is unseen without
    /// keys: the first application keys are tried at each record since.
    fn catch_up(
        &self,
        dir: usize,
        stage: Stage,
        records: u64,
        header: [u8; 5],
        fragment: &[u8],
    ) -> Option<(Keyed, Plaintext)> {
        let suite = self.suite?;
        let try_at = |mut k: Keyed, seq: u64| {
            k.cipher.skip_to(seq);
            let p = k.cipher.decrypt(header, fragment).ok()?;
            Some((k, p))
        };
        match stage {
            Stage::Lost => None,
            Stage::Tls12 => {
                let cipher = self.key_block.as_ref()?.cipher(dir)?;
                try_at(
                    Keyed {
                        cipher,
                        secret: Vec::new(),
                        early: None,
                    },
                    records,
                )
            }
            Stage::Handshake | Stage::Traffic => {
                let (hs, traffic) = if dir == 0 {
                    (SecretKind::ClientHandshake, SecretKind::ClientTraffic0)
                } else {
                    (SecretKind::ServerHandshake, SecretKind::ServerTraffic0)
                };
                if stage == Stage::Handshake
                    && let Some(k) = self.secret(hs).and_then(|s| tls13_keyed(suite, s, false))
                    && let Some(found) = try_at(k, records)
                {
                    return Some(found);
                }
                let secret = self.secret(traffic)?;
                // After a Finished seen, the records since are the
                // application's; before, up to MAX_CATCH_UP of them may
                // have been the rest of the handshake.
                let handshake_left = if stage == Stage::Traffic {
                    0
                } else {
                    records.min(MAX_CATCH_UP)
                };
                (0..=handshake_left)
                    .find_map(|h| try_at(tls13_keyed(suite, secret, true)?, records - h))
            }
        }
    }

    /// Opens a record of direction `dir` (0: the client's).
    pub fn open(&mut self, dir: usize, header: [u8; 5], fragment: &[u8]) -> Opened {
        if let Epoch::NoKey { stage, records } = self.dirs[dir & 1] {
            return match self.catch_up(dir & 1, stage, records, header, fragment) {
                Some((k, p)) => {
                    self.dirs[dir & 1] = Epoch::Keyed(Box::new(k));
                    Opened::Plain(p)
                }
                None => {
                    self.dirs[dir & 1] = Epoch::NoKey {
                        stage,
                        records: records + 1,
                    };
                    Opened::NoKey
                }
            };
        }
        match &mut self.dirs[dir & 1] {
            Epoch::Clear if dir & 1 == 0 && self.early_offered && header[0] == 23 => {
                self.open_early(header, fragment)
            }
            Epoch::Clear => Opened::Clear,
            Epoch::NoKey { .. } => Opened::NoKey,
            Epoch::Keyed(k) => match k.cipher.decrypt(header, fragment) {
                Ok(p) => Opened::Plain(p),
                Err(e) => match k.early.as_mut().map(|c| c.decrypt(header, fragment)) {
                    // 0-RTT data: the handshake keys' sequence number did
                    // not really advance.
                    Some(Ok(p)) => {
                        k.cipher.unwind();
                        Opened::Plain(p)
                    }
                    _ => Opened::Failed(e),
                },
            },
        }
    }

    /// A 0-RTT record before the ServerHello: the suite is the resumed
    /// session's, which the capture may not hold, so each TLS 1.3 suite's
    /// keys are tried on the first record (as Wireshark does) and the one
    /// that authenticates is kept.
    fn open_early(&mut self, header: [u8; 5], fragment: &[u8]) -> Opened {
        let Some(secret) = self.secret(SecretKind::ClientEarly).map(<[u8]>::to_vec) else {
            return Opened::NoKey;
        };
        if let Some(c) = &mut self.early {
            return match c.decrypt(header, fragment) {
                Ok(p) => Opened::Plain(p),
                Err(e) => Opened::Failed(e),
            };
        }
        for id in [0x1301, 0x1302, 0x1303] {
            let Some(Suite {
                bulk: Bulk::Aead(a),
                hash,
            }) = Suite::by_id(id)
            else {
                continue;
            };
            let Some(mut c) = RecordCipher::tls13(a, hash, &secret) else {
                continue;
            };
            if let Ok(p) = c.decrypt(header, fragment) {
                self.early = Some(c);
                return Opened::Plain(p);
            }
        }
        Opened::Failed(DecryptError::BadTag)
    }

    /// Direction `dir` sent its Finished (TLS 1.3): its next records use
    /// its first application traffic secret.
    pub fn finished(&mut self, dir: usize) {
        if !self.tls13 {
            return;
        }
        let kind = if dir & 1 == 0 {
            SecretKind::ClientTraffic0
        } else {
            SecretKind::ServerTraffic0
        };
        self.dirs[dir & 1] = self.tls13_epoch(kind, true, Stage::Traffic);
    }

    /// Direction `dir` sent a KeyUpdate (TLS 1.3): the next generation.
    pub fn key_update(&mut self, dir: usize) {
        let Some(suite) = self.suite else { return };
        let next = match &self.dirs[dir & 1] {
            Epoch::Keyed(k) if !k.secret.is_empty() => schedule::expand_label(
                suite.hash,
                &k.secret,
                b"traffic upd",
                b"",
                suite.hash.output_len(),
            )
            .and_then(|s| tls13_keyed(suite, &s, true)),
            _ => None,
        };
        let lost = Epoch::NoKey {
            stage: Stage::Lost,
            records: 0,
        };
        self.dirs[dir & 1] = next.map_or(lost, |k| Epoch::Keyed(Box::new(k)));
    }

    /// Direction `dir` changed cipher spec (TLS 1.2 and earlier): its
    /// records are encrypted from here on.
    pub fn change_cipher_spec(&mut self, dir: usize) {
        // Before any ServerHello it is TLS 1.3's middlebox disguise (a
        // client sending 0-RTT data): TLS 1.2 changes keys only after.
        if self.tls13 || self.server_random.is_none() {
            return;
        }
        let keyed = self.key_block.as_ref().and_then(|kb| kb.cipher(dir & 1));
        let no_key = Epoch::NoKey {
            stage: Stage::Tls12,
            records: 0,
        };
        self.dirs[dir & 1] = keyed.map_or(no_key, |cipher| {
            Epoch::Keyed(Box::new(Keyed {
                cipher,
                secret: Vec::new(),
                early: None,
            }))
        });
    }

    /// Seals a record of direction `dir` with that direction's keys, as its
    /// sender would (AEAD suites; for tests and the fuzz harness).
    #[doc(hidden)]
    pub fn seal(&mut self, dir: usize, content_type: u8, plaintext: &[u8]) -> Option<Vec<u8>> {
        match &mut self.dirs[dir & 1] {
            Epoch::Keyed(k) => k.cipher.seal(content_type, plaintext),
            _ => None,
        }
    }

    /// Whether the key log has any secret for this session.
    pub fn has_keys(&self) -> bool {
        SecretKind::ALL.iter().any(|&k| self.secret(k).is_some())
    }
}

fn tls13_keyed(suite: Suite, secret: &[u8], keep: bool) -> Option<Keyed> {
    let Bulk::Aead(a) = suite.bulk else {
        return None;
    };
    Some(Keyed {
        cipher: RecordCipher::tls13(a, suite.hash, secret)?,
        secret: if keep { secret.to_vec() } else { Vec::new() },
        early: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decryptor keyed from a key log prints neither secret nor key.
    #[test]
    fn debug_output_shows_no_key() {
        let r = "0a".repeat(32);
        let text = format!("CLIENT_RANDOM {r} {}\n", "ab".repeat(48));
        let (log, _) = crate::keylog::KeyLog::parse(text.as_bytes());
        let mut d = Decryptor::new(Some(std::sync::Arc::new(log)));
        d.client_hello([0x0a; 32], false);
        d.server_hello([1; 32], 0x0303, 0xc02f, false);
        d.change_cipher_spec(0);
        let shown = format!("{d:?}");
        assert!(
            !shown.contains("171") && !shown.contains("ab, ab"),
            "{shown}"
        );
    }
}
