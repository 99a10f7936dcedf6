//! SSH (RFC 4253, TCP port 22), segment by segment as tshark 4.0 shows it:
//! the version banners, the binary packets of the key exchange by message
//! code, then "Encrypted packet" once a side has sent New Keys. What a
//! connection learnt (versions, key exchange kind, the cipher, New Keys
//! each way) is kept in its conversation flags.

use crate::bytes;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, Transport};
use crate::proto;
use crate::sink::Sink;

static MESSAGE_CODES: &[(u64, &str)] = &[
    (1, "Disconnect"),
    (2, "Ignore"),
    (3, "Unimplemented"),
    (4, "Debug"),
    (5, "Service Request"),
    (6, "Service Accept"),
    (7, "Extension Info"),
    (20, "Key Exchange Init"),
    (21, "New Keys"),
    (50, "User Authentication Request"),
    (51, "User Authentication Failure"),
    (52, "User Authentication Success"),
    (53, "User Authentication Banner"),
    (60, "Public Key algorithm accepted"),
    (80, "Global Request"),
    (81, "Request Success"),
    (82, "Request Failure"),
    (90, "Channel Open"),
    (91, "Channel Open Confirmation"),
    (92, "Channel Open Failure"),
    (93, "Window Adjust"),
    (94, "Channel Data"),
    (95, "Channel Extended Data"),
    (96, "Channel EOF"),
    (97, "Channel Close"),
    (98, "Channel Request"),
    (99, "Channel Success"),
    (100, "Channel Failure"),
];

crate::fields! {
    PROTOCOL = FieldDef::new("ssh.protocol", "Protocol", T::String);
    PACKET_LENGTH = FieldDef::new("ssh.packet_length", "Packet Length", T::U32);
    PADDING_LENGTH = FieldDef::new("ssh.padding_length", "Padding Length", T::U8);
    MESSAGE_CODE = FieldDef::new("ssh.message_code", "Message Code", T::U8).names(MESSAGE_CODES);
    KEX_ALGORITHMS = FieldDef::new("ssh.kex_algorithms", "kex_algorithms string", T::String);
    ENC_C2S = FieldDef::new("ssh.encryption_algorithms_client_to_server", "encryption_algorithms_client_to_server string", T::String);
    ENC_S2C = FieldDef::new("ssh.encryption_algorithms_server_to_client", "encryption_algorithms_server_to_client string", T::String);
    ENCRYPTED_PACKET = FieldDef::new("ssh.encrypted_packet", "Encrypted Packet", T::Bytes);
}

/// The conversation flags SSH keeps.
mod flag {
    pub const V2: u32 = 1 << 0;
    pub const V1: u32 = 1 << 1;
    /// New Keys sent by the client (bit) and by the server (bit << 1).
    pub const NEWKEYS: u32 = 1 << 2;
    /// Key exchange kind in 2 bits (see `Kex`), from the client's list.
    pub const KEX_SHIFT: u32 = 4;
    /// The cipher each way is one tshark 4.0 tries to decrypt (then it
    /// shows no "Encrypted packet"), client-to-server and server-to-client.
    pub const DECRYPTABLE: u32 = 1 << 6;
    /// The client's first cipher each way (3 bits each, see `CIPHERS`).
    pub const CIPHER_SHIFT: u32 = 8;
}

/// Ciphers named in the flags; the first three are those tshark 4.0
/// decrypts.
static CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
];

/// Key exchange kinds, which name messages 30–34.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kex {
    Unknown = 0,
    Dh = 1,
    GroupExchange = 2,
    EllipticCurve = 3,
}

const SSH_PORT: u16 = 22;

/// Packets read from one segment before the rest is left undissected.
const MAX_PACKETS: usize = 64;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let Transport::Tcp(seg) = cx.pi.transport else {
        return 0;
    };
    let client = if seg.dst_port == SSH_PORT {
        true
    } else if seg.src_port == SSH_PORT {
        false
    } else {
        seg.dst_port < seg.src_port
    };
    let key = cx.tcp_stream.map(|stream| ConversationKey {
        tcp: true,
        stream,
        proto: proto::SSH.id,
    });
    let mut learnt = 0u32;
    let before = ask(cx, key, 0);
    let column = match (before & flag::V2 != 0, before & flag::V1 != 0) {
        (true, _) => "SSHv2",
        (_, true) => "SSHv1",
        _ => "SSH",
    };
    cx.layer(
        &proto::SSH,
        buf.span(off, b.len()),
        format_args!("SSH Protocol"),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed(column);
    }
    let side = if client { "Client" } else { "Server" };
    let newkeys_bit = flag::NEWKEYS << u32::from(!client);
    let mut info = String::new();
    if b.starts_with(b"SSH-") {
        // Only the client's banner settles the version, as in tshark.
        let version = banner(cx, buf, off, &mut info);
        if client {
            learnt |= version;
        }
    } else if before & newkeys_bit != 0 || before & (flag::V1 | flag::V2) == 0 {
        // No banner seen: tshark takes what it cannot place for encrypted.
        encrypted(cx, buf, off, before, client, &mut info);
    } else {
        learnt |= packets(cx, buf, off, before, client, &mut info);
    }
    cx.set_info(format_args!("{side}: {info}"));
    cx.end_layer();
    if learnt != 0 {
        ask(cx, key, learnt);
    }
    claimed
}

fn ask<S: Sink>(cx: &mut Cx<'_, S>, key: Option<ConversationKey>, set: u32) -> u32 {
    match key {
        Some(k) if cx.quote_depth == 0 => cx.state.conversation_flags(k, set),
        _ => 0,
    }
}

/// "SSH-2.0-software": the protocol line; 1.99 means 2 as well.
fn banner<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, info: &mut String) -> u32 {
    let b = buf.rest(off);
    let end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    let line = &b[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = String::from_utf8_lossy(line);
    cx.field(&PROTOCOL, buf.span(off, line.len()), Value::Str(&text));
    info.push_str(&format!("Protocol ({text})"));
    if line.starts_with(b"SSH-2.") || line.starts_with(b"SSH-1.99") {
        flag::V2
    } else if line.starts_with(b"SSH-1.") {
        flag::V1
    } else {
        0
    }
}

/// After New Keys: the whole segment is one encrypted packet.
fn encrypted<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    flags: u32,
    client: bool,
    info: &mut String,
) {
    let b = buf.rest(off);
    cx.field(&ENCRYPTED_PACKET, buf.span(off, b.len()), Value::Bytes(b));
    let decryptable = flags & (flag::DECRYPTABLE << u32::from(!client)) != 0;
    if !decryptable {
        info.push_str(&format!("Encrypted packet (len={})", b.len()));
    }
}

/// Binary packets before New Keys: length, padding, message code.
fn packets<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    flags: u32,
    client: bool,
    info: &mut String,
) -> u32 {
    let b = buf.rest(off);
    let mut learnt = 0;
    let mut at = 0usize;
    let mut newkeys = false;
    for _ in 0..MAX_PACKETS {
        if at >= b.len() {
            break;
        }
        if newkeys {
            // What follows New Keys in the same segment is encrypted.
            let rest = &b[at..];
            cx.field(
                &ENCRYPTED_PACKET,
                buf.span(off + at, rest.len()),
                Value::Bytes(rest),
            );
            break;
        }
        let (Some(len), Some(&pad), Some(&code)) =
            (bytes::be32(b, at), b.get(at + 4), b.get(at + 5))
        else {
            break;
        };
        let total = (len as usize).saturating_add(4);
        cx.field(
            &PACKET_LENGTH,
            buf.span(off + at, 4),
            Value::U64(len.into()),
        );
        cx.field(
            &PADDING_LENGTH,
            buf.span(off + at + 4, 1),
            Value::U64(pad.into()),
        );
        cx.field(
            &MESSAGE_CODE,
            buf.span(off + at + 5, 1),
            Value::U64(code.into()),
        );
        if !info.is_empty() {
            info.push_str(", ");
        }
        info.push_str(&message_name(code, flags | learnt));
        let payload = b.get(at + 5..(at + total).min(b.len())).unwrap_or(&[]);
        match code {
            20 => learnt |= kexinit(cx, buf, off + at + 5, payload, flags, client),
            21 => {
                newkeys = true;
                learnt |= flag::NEWKEYS << u32::from(!client);
            }
            _ => {}
        }
        at = at.saturating_add(total);
    }
    learnt
}

fn message_name(code: u8, flags: u32) -> String {
    let kex = match (flags >> flag::KEX_SHIFT) & 3 {
        1 => Kex::Dh,
        2 => Kex::GroupExchange,
        3 => Kex::EllipticCurve,
        _ => Kex::Unknown,
    };
    let name = match (kex, code) {
        (Kex::Dh, 30) => "Diffie-Hellman Key Exchange Init",
        (Kex::Dh, 31) => "Diffie-Hellman Key Exchange Reply",
        (Kex::GroupExchange, 30) => "Diffie-Hellman Group Exchange Request (Old)",
        (Kex::GroupExchange, 31) => "Diffie-Hellman Group Exchange Group",
        (Kex::GroupExchange, 32) => "Diffie-Hellman Group Exchange Init",
        (Kex::GroupExchange, 33) => "Diffie-Hellman Group Exchange Reply",
        (Kex::GroupExchange, 34) => "Diffie-Hellman Group Exchange Request",
        (Kex::EllipticCurve, 30) => "Elliptic Curve Diffie-Hellman Key Exchange Init",
        (Kex::EllipticCurve, 31) => "Elliptic Curve Diffie-Hellman Key Exchange Reply",
        _ => match crate::field::lookup(MESSAGE_CODES, code.into()) {
            Some(n) => n,
            None => return format!("Unknown ({code})"),
        },
    };
    name.to_string()
}

/// A Key Exchange Init: the client's first choices are remembered; the
/// server's list then settles whether the client's first cipher each way
/// is the one used (the negotiation's usual outcome).
fn kexinit<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    payload: &[u8],
    flags: u32,
    client: bool,
) -> u32 {
    // Code, 16-byte cookie, then ten name-lists.
    let mut pos = 17usize;
    let mut lists: [&[u8]; 4] = [&[]; 4];
    for (i, slot) in [0usize, 1, 2, 3].into_iter().zip(lists.iter_mut()) {
        let Some(n) = bytes::be32(payload, pos) else {
            return 0;
        };
        let n = n as usize;
        let Some(list) = payload.get(pos + 4..pos + 4 + n) else {
            return 0;
        };
        *slot = list;
        let def = match i {
            0 => Some(&KEX_ALGORITHMS),
            2 => Some(&ENC_C2S),
            3 => Some(&ENC_S2C),
            _ => None,
        };
        if let Some(def) = def {
            let s = String::from_utf8_lossy(list);
            cx.field(def, buf.span(at + pos + 4, n), Value::Str(&s));
        }
        pos += 4 + n;
    }
    let first = |l: &[u8]| {
        l.split(|&c| c == b',')
            .next()
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    if client {
        let kex = kex_kind(&first(lists[0]));
        let c2s = cipher_index(&first(lists[2]));
        let s2c = cipher_index(&first(lists[3]));
        (kex as u32) << flag::KEX_SHIFT
            | c2s << flag::CIPHER_SHIFT
            | s2c << (flag::CIPHER_SHIFT + 3)
    } else {
        let offers = |l: &[u8], idx: u32| {
            idx > 0
                && l.split(|&c| c == b',')
                    .any(|n| n == CIPHERS[idx as usize - 1].as_bytes())
        };
        let c2s = (flags >> flag::CIPHER_SHIFT) & 7;
        let s2c = (flags >> (flag::CIPHER_SHIFT + 3)) & 7;
        let mut out = 0;
        if offers(lists[2], c2s) && c2s <= 3 {
            out |= flag::DECRYPTABLE;
        }
        if offers(lists[3], s2c) && s2c <= 3 {
            out |= flag::DECRYPTABLE << 1;
        }
        out
    }
}

fn kex_kind(name: &[u8]) -> Kex {
    if name.starts_with(b"diffie-hellman-group-exchange") {
        Kex::GroupExchange
    } else if name.starts_with(b"diffie-hellman-group") {
        Kex::Dh
    } else if name.starts_with(b"ecdh-sha2-")
        || name.starts_with(b"curve25519-sha256")
        || name.starts_with(b"curve448-sha512")
    {
        Kex::EllipticCurve
    } else {
        Kex::Unknown
    }
}

/// 1-based index in [`CIPHERS`], 0 for others.
fn cipher_index(name: &[u8]) -> u32 {
    CIPHERS
        .iter()
        .position(|c| c.as_bytes() == name)
        .map_or(0, |i| i as u32 + 1)
}
