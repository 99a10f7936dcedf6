//! The `quic` fuzz target: one QUIC connection to port 443 whose packets
//! are sealed as its peers would seal them, so that the fuzzer's bytes get
//! past packet protection to the frames, the CRYPTO reassembly and the
//! TLS handshake behind them.

use super::{harness_keys, ipv4_between, run_frames_keyed};
use crate::packet::Options;
use crate::quic::header::{V1, V2};
use crate::quic::protection::{PacketKeys, initial_secrets};
use crate::tls::decrypt::{Aead, Hash};

const CLIENT: [u8; 4] = [10, 0, 0, 1];
const SERVER: [u8; 4] = [10, 0, 0, 2];
const DCID: [u8; 8] = [0x83; 8];
const CLIENT_CID: [u8; 8] = [0xc1; 8];
const SERVER_CID: [u8; 8] = [0x5e; 8];
/// Packets the target sends at most.
const MAX_PACKETS: usize = 512;

/// The input: a first byte (bit 0: QUIC v2; bit 1: no key log), then
/// packets `[dir][level][length / 4][plaintext]` (dir bit 0: from the
/// server; bit 1: on the client's second port, as after a migration): level 0 Initial, 1
/// Handshake, 2 1-RTT (bit 2: key phase 1), 3 the bytes as a datagram
/// of their own. A ClientHello and a ServerHello (in Initial CRYPTO
/// frames) come first, so that the key log's secrets apply, and the
/// server's EncryptedExtensions choosing HTTP/3.
pub fn quic(data: &[u8]) -> Vec<String> {
    let Some((&pick, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let version = if pick & 1 != 0 { V2 } else { V1 };
    let mut s = Sealer::new(version);
    let mut frames = vec![
        s.packet(0, 0, &crypto(1, &client_hello())),
        s.packet(1, 0, &crypto(2, &server_hello())),
        // EncryptedExtensions choosing h3: STREAM data is HTTP/3.
        s.packet(1, 1, &crypto(8, &[0, 9, 0, 16, 0, 5, 0, 3, 2, b'h', b'3'])),
    ];
    while let [dir, level, n, tail @ ..] = rest {
        let n = (usize::from(*n) * 4).min(tail.len());
        let (bytes, tail) = tail.split_at(n);
        rest = tail;
        if frames.len() >= MAX_PACKETS {
            break;
        }
        frames.push(s.packet_on(usize::from(dir & 1), dir & 2 != 0, *level, bytes));
    }
    let keys = (pick & 2 == 0).then(|| std::sync::Arc::new(harness_keys()));
    run_frames_keyed(228, &frames, Options::new(true), keys, 0)
}

/// A CRYPTO frame at offset 0 carrying one handshake message.
fn crypto(t: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() + 4;
    let mut f = vec![0x06, 0x00, 0x40 | (len >> 8) as u8, len as u8, t, 0];
    f.extend_from_slice(&(body.len() as u16).to_be_bytes());
    f.extend_from_slice(body);
    f
}

fn client_hello() -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[0x42; 32]);
    b.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    // supported_versions: TLS 1.3.
    b.extend_from_slice(&[0, 7, 0, 43, 0, 3, 2, 3, 4]);
    b
}

fn server_hello() -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[0x24; 32]);
    b.extend_from_slice(&[0, 0x13, 0x01, 0]);
    b.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
    b
}

/// Seals packets as the client (`dir` 0) and the server would.
struct Sealer {
    version: u32,
    keys: [[Option<PacketKeys>; 2]; 3],
    next_pn: [u64; 3],
}

impl Sealer {
    fn new(version: u32) -> Sealer {
        let log = harness_keys();
        let random = [0x42; 32];
        let secret = |kind| log.get(&random, kind).unwrap_or(&[]).to_vec();
        use crate::tls::keylog::SecretKind::*;
        let keyed = |kind| PacketKeys::new(version, Aead::Aes128Gcm, Hash::Sha256, &secret(kind));
        let (ci, si) = initial_secrets(version, &DCID).unwrap_or_default();
        Sealer {
            version,
            keys: [
                [
                    PacketKeys::initial(version, &ci),
                    PacketKeys::initial(version, &si),
                ],
                [keyed(ClientHandshake), keyed(ServerHandshake)],
                [keyed(ClientTraffic0), keyed(ServerTraffic0)],
            ],
            next_pn: [0; 3],
        }
    }

    /// One datagram: the packet at `level` sealed, or the bytes as they are.
    fn packet(&mut self, dir: usize, level: u8, plaintext: &[u8]) -> Vec<u8> {
        self.packet_on(dir, false, level, plaintext)
    }

    /// A packet on the client's first port, or on its second (`moved`).
    fn packet_on(&mut self, dir: usize, moved: bool, level: u8, plaintext: &[u8]) -> Vec<u8> {
        let port = if moved { 40001 } else { 40000 };
        let (src, dst, sp, dp) = if dir == 0 {
            (CLIENT, SERVER, port, 443)
        } else {
            (SERVER, CLIENT, 443, port)
        };
        let space = usize::from(level & 3);
        let sealed = if space == 3 {
            None
        } else {
            self.seal(dir, space, level & 4 != 0, plaintext)
        };
        udp_frame(src, dst, sp, dp, sealed.as_deref().unwrap_or(plaintext))
    }

    fn seal(&mut self, dir: usize, space: usize, phase: bool, plaintext: &[u8]) -> Option<Vec<u8>> {
        let keys = self.keys[space][dir].as_ref()?;
        let pn = self.next_pn[space];
        self.next_pn[space] += 1;
        // At least 4 bytes of packet number and payload before the
        // sample (RFC 9001 §5.4.2): PADDING makes up the rest.
        let mut body = plaintext.to_vec();
        body.resize(body.len().max(20), 0);
        let (dcid, scid) = if dir == 0 {
            (if space == 0 { &DCID } else { &SERVER_CID }, &CLIENT_CID)
        } else {
            (&CLIENT_CID, &SERVER_CID)
        };
        let mut header;
        if space < 2 {
            let bits: u8 = if space == 0 { 0 } else { 2 };
            let bits = if self.version == V2 {
                (bits + 1) & 3
            } else {
                bits
            };
            header = vec![0xc0 | bits << 4 | 1];
            header.extend_from_slice(&self.version.to_be_bytes());
            header.push(8);
            header.extend_from_slice(dcid);
            header.push(8);
            header.extend_from_slice(scid);
            if space == 0 {
                header.push(0);
            }
            let len = 2 + body.len() + 16;
            header.extend_from_slice(&(0x4000 | len.min(0x3fff) as u16).to_be_bytes());
        } else {
            header = vec![0x40 | u8::from(phase) << 2 | 1];
            header.extend_from_slice(dcid);
        }
        let pn_offset = header.len();
        header.extend_from_slice(&(pn as u16).to_be_bytes());
        let payload = keys.seal(pn, &header, &body)?;
        let mut p = header;
        p.extend_from_slice(&payload);
        let mask = keys.mask(p.get(pn_offset + 4..pn_offset + 20)?)?;
        p[0] ^= mask[0] & if space < 2 { 0x0f } else { 0x1f };
        for i in 0..2 {
            p[pn_offset + i] ^= mask[1 + i];
        }
        Some(p)
    }
}

/// An IPv4 frame (link type 228) of one UDP datagram.
fn udp_frame(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = ipv4_between(src, dst, 17, 8 + payload.len());
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()).min(0xffff) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(payload);
    f
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_target_reaches_the_frames_of_every_level() {
        for pick in [0u8, 1] {
            let mut input = vec![pick];
            // A PING in Handshake from the server, then a STREAM in 1-RTT
            // from the client.
            input.extend_from_slice(&[1, 1, 1, 0x01, 0, 0, 0]);
            input.extend_from_slice(&[0, 2, 2, 0x0a, 0x04, 0x03, b'a', b'b', b'c', 0, 0]);
            // The server's control stream (3) with SETTINGS.
            input.extend_from_slice(&[1, 2, 2, 0x0a, 0x03, 0x05, 0x00, 0x04, 0x02, 0x01, 0x00]);
            let infos = super::quic(&input);
            assert!(infos[0].contains("PKN: 0, CRYPTO"), "{infos:?}");
            assert!(
                infos[3].starts_with("Handshake") && infos[3].contains("PING"),
                "{infos:?}"
            );
            assert!(infos[4].contains("STREAM(4)"), "{infos:?}");
            assert!(infos[5].contains("STREAM(3), SETTINGS"), "{infos:?}");
        }
    }
}
