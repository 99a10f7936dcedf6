//! TLS: records (also several per segment and spanning segments, framed by
//! `tcp_pdu`), handshake messages (also spanning records), every common
//! extension, certificates (x509-parser), JA3/JA3S and JA4 fingerprints,
//! with Wireshark's field names. What needs the connection's history (the
//! negotiated version, whether a direction already changed cipher spec, the
//! start of a handshake message from earlier records) comes in a
//! [`TlsNote`] from the analysis.
//!
//! Here: the fields and the record layer; the connection's state, the
//! hellos and fingerprints, handshake messages, extensions, certificates
//! and the generated name tables each in a module of their own.

use std::fmt::Write as _;

use crate::bytes;
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink, Span};

/// A key log was given and has no secret for this session (wirelens'
/// own: Wireshark shows such records without a word).
pub static NO_KEY: ExpertDef = ExpertDef::new(
    "tls.decryption.no_key",
    Severity::Note,
    Group::Decryption,
    "The key log has no secret for this TLS session: the record stays encrypted",
);

/// A server ended an abbreviated handshake (tshark's `tls.resumed`).
pub static RESUMED: ExpertDef = ExpertDef::new(
    "tls.resumed",
    Severity::Note,
    Group::Sequence,
    "This session reuses previously negotiated keys (Session resumption)",
);

/// A record that did not open with the session's keys.
pub static NOT_DECRYPTED: ExpertDef = ExpertDef::new(
    "tls.decryption.failed",
    Severity::Warning,
    Group::Decryption,
    "The record did not decrypt",
);

pub mod app_protocol;
mod certificates;
mod connection;
pub mod decrypt;
mod extensions;
mod handshake;
mod hello;
/// The key log moved to the crate's root (QUIC reads it too); kept here
/// under its old path.
pub use crate::keylog;
mod names;
pub mod transport_parameters;

use certificates::*;
pub use connection::*;
use extensions::*;
use handshake::*;
pub use hello::*;
pub use names::*;

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
    PSK_BINDERS = FieldDef::new("tls.handshake.extensions.psk.binders", "PSK Binders", T::None);
    STATUS_REQUEST_TYPE = FieldDef::new("tls.handshake.extensions_status_request_type", "Certificate Status Type", T::U8).names(&[(1, "OCSP"), (2, "OCSP Multi")]);
    STATUS_REQUEST_IDS_LEN = FieldDef::new("tls.handshake.extensions_status_request_responder_ids_len", "Responder ID list Length", T::U16);
    STATUS_REQUEST_EXTS_LEN = FieldDef::new("tls.handshake.extensions_status_request_exts_len", "Request Extensions Length", T::U16);
    PSK_KE_MODES_LENGTH = FieldDef::new("tls.extension.psk_ke_modes_length", "PSK Key Exchange Modes Length", T::U8);
    PSK_KE_MODE = FieldDef::new("tls.extension.psk_ke_mode", "PSK Key Exchange Mode", T::U8).names(&[(0, "PSK-only key establishment (psk_ke)"), (1, "PSK with (EC)DHE key establishment (psk_dhe_ke)")]);
    COMPRESS_ALGS_LENGTH = FieldDef::new("tls.compress_certificate.algorithms_length", "Algorithms Length", T::U8);
    COMPRESS_ALG = FieldDef::new("tls.compress_certificate.algorithm", "Algorithm", T::U16).names(&[(1, "zlib"), (2, "brotli"), (3, "zstd")]);
    HEARTBEAT_MODE = FieldDef::new("tls.handshake.extension.heartbeat.mode", "Mode", T::U8).names(&[(1, "Peer allowed to send requests"), (2, "Peer not allowed to send requests")]);
    RECORD_SIZE_LIMIT = FieldDef::new("tls.record_size_limit", "Record Size Limit", T::U16);
    CERT_REQUEST_CONTEXT_LENGTH = FieldDef::new("tls.handshake.certificate_request_context_length", "Certificate Request Context Length", T::U8);
    CERT_REQUEST_CONTEXT = FieldDef::new("tls.handshake.certificate_request_context", "Certificate Request Context", T::Bytes);
    VERIFY_DATA = FieldDef::new("tls.handshake.verify_data", "Verify Data", T::None);
    KEY_UPDATE_REQUEST = FieldDef::new("tls.handshake.key_update.request_update", "Key Update Request", T::U8).names(KEY_UPDATE_REQUESTS);
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
    SERVER_CURVE_TYPE = FieldDef::new("tls.handshake.server_curve_type", "Curve Type", T::U8).base(Base::Hex).names(&[(1, "explicit_prime"), (2, "explicit_char2"), (3, "named_curve")]);
    SERVER_NAMED_CURVE = FieldDef::new("tls.handshake.server_named_curve", "Named Curve", T::U16).base(Base::Hex).names(GROUPS);
    SERVER_POINT_LEN = FieldDef::new("tls.handshake.server_point_len", "Pubkey Length", T::U8);
    SERVER_POINT = FieldDef::new("tls.handshake.server_point", "Pubkey", T::Bytes);
    CLIENT_POINT_LEN = FieldDef::new("tls.handshake.client_point_len", "Pubkey Length", T::U8);
    CLIENT_POINT = FieldDef::new("tls.handshake.client_point", "Pubkey", T::Bytes);
    DH_P_LEN = FieldDef::new("tls.handshake.p_len", "p Length", T::U16);
    DH_P = FieldDef::new("tls.handshake.p", "p", T::Bytes);
    DH_G_LEN = FieldDef::new("tls.handshake.g_len", "g Length", T::U16);
    DH_G = FieldDef::new("tls.handshake.g", "g", T::Bytes);
    DH_YS_LEN = FieldDef::new("tls.handshake.ys_len", "Pubkey Length", T::U16);
    DH_YS = FieldDef::new("tls.handshake.ys", "Pubkey", T::Bytes);
    DH_YC_LEN = FieldDef::new("tls.handshake.yc_len", "Pubkey Length", T::U16);
    DH_YC = FieldDef::new("tls.handshake.yc", "Pubkey", T::Bytes);
    EPMS_LEN = FieldDef::new("tls.handshake.epms_len", "Encrypted PreMaster length", T::U16);
    EPMS = FieldDef::new("tls.handshake.epms", "Encrypted PreMaster", T::Bytes);
    SIG_LEN = FieldDef::new("tls.handshake.sig_len", "Signature Length", T::U16);
    SIG = FieldDef::new("tls.handshake.sig", "Signature", T::Bytes);
    VERIFY_SIG_LEN = FieldDef::new("tls.handshake.client_cert_vrfy.sig_len", "Signature length", T::U16);
    VERIFY_SIG = FieldDef::new("tls.handshake.client_cert_vrfy.sig", "Signature", T::Bytes);
    CERT_TYPES_COUNT = FieldDef::new("tls.handshake.cert_types_count", "Certificate types count", T::U8);
    CERT_TYPES = FieldDef::new("tls.handshake.cert_types", "Certificate types", T::None);
    CERT_TYPE = FieldDef::new("tls.handshake.cert_type", "Certificate type", T::U8).names(CLIENT_CERT_TYPES);
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

/// `tls.handshake.cert_type` value names (tshark 4.0's, `-G values`).
static CLIENT_CERT_TYPES: &[(u64, &str)] = &[
    (1, "RSA Sign"),
    (2, "DSS Sign"),
    (3, "RSA Fixed DH"),
    (4, "DSS Fixed DH"),
    (21, "GOST R 34.10-94"),
    (22, "GOST R 34.10-2001"),
    (64, "ECDSA Sign"),
    (65, "RSA Fixed ECDH"),
    (66, "ECDSA Fixed ECDH"),
    (80, "IBC Params"),
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
/// A decrypted record's plaintext becomes a data source ("Decrypted TLS"),
/// whose number is returned for the caller to dissect that data on.
pub fn dissect_record<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    note: &TlsNote,
    first: bool,
) -> Option<u16> {
    let r = buf.get(off, len);
    let (Some(ct), Some(rv), Some(rlen)) =
        (bytes::u8_at(r, 0), bytes::be16(r, 1), bytes::be16(r, 3))
    else {
        return None;
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
    let plain = note.decrypted.plain();
    if let (Some(p), true) = (plain, tls13 && ct == 23) {
        cx.generated(
            &RECORD_CONTENT_TYPE,
            buf.span(off, 1),
            Value::U64(p.content_type.into()),
        );
    }
    // The plaintext's source comes after its record's (true) content type:
    // a sink may tell application data from handshake by it.
    let source = plain.map(|p| cx.sink.source("Decrypted TLS", &p.bytes).max(1));
    let (ct, area) = match (plain, source) {
        (Some(p), Some(source)) => {
            let area = Area {
                buf: Buf::source(&p.bytes, source),
                off: 0,
                b: &p.bytes,
            };
            (p.content_type, area)
        }
        _ => (
            ct,
            Area {
                buf,
                off: off + 5,
                b: frag,
            },
        ),
    };
    record_content(
        cx,
        ct,
        area,
        note,
        &mut what,
        &mut version,
        (buf, off + 5, frag),
    );
    cx.pop();
    // The title keeps the version known when the record began (tshark's:
    // a ServerHello choosing TLS 1.3 is in a "TLSv1.2 Record Layer"); the
    // Protocol column takes what the record taught.
    let before = if note.version != 0 { note.version } else { rv };
    cx.sink.relabel(
        handle,
        format_args!("{} Record Layer: {what}", version_short(before)),
    );
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed(version_short(version));
    }
    source
}

/// A record's content by its (true) type: `area` is the fragment, or its
/// plaintext; `sealed` the fragment as sent (application data shows it).
#[allow(clippy::too_many_arguments)]
fn record_content<S: Sink>(
    cx: &mut Cx<'_, S>,
    ct: u8,
    area: Area<'_>,
    note: &TlsNote,
    what: &mut String,
    version: &mut u16,
    sealed: (Buf<'_>, usize, &[u8]),
) {
    let frag = area.b;
    match ct {
        20 => {
            what.push_str("Change Cipher Spec Protocol: Change Cipher Spec");
            cx.field(&CHANGE_CIPHER_SPEC, area.span(0, frag.len()), Value::None);
            if note.resumed {
                cx.push();
                cx.expert(
                    &RESUMED,
                    area.span(0, frag.len()),
                    format_args!("{}", RESUMED.summary),
                );
                cx.pop();
            }
            tls_info(cx, format_args!("Change Cipher Spec"));
        }
        21 => alert(cx, area, note, what),
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
                *version = v;
            }
            what.push_str("Handshake Protocol: ");
            match names.as_slice() {
                [one] => what.push_str(one),
                [] => what.push_str("Fragment"),
                _ => what.push_str("Multiple Handshake Messages"),
            }
        }
        23 => application_data(cx, note, what, sealed),
        24 => {
            what.push_str("Heartbeat");
            tls_info(cx, format_args!("Heartbeat"));
        }
        _ => {
            what.push_str("Ignored Unknown Record");
            tls_info(cx, format_args!("Ignored Unknown Record"));
        }
    }
}

fn alert<S: Sink>(cx: &mut Cx<'_, S>, area: Area<'_>, note: &TlsNote, what: &mut String) {
    let frag = area.b;
    if note.encrypted || frag.len() != 2 {
        what.push_str("Encrypted Alert");
        cx.labeled(
            &ALERT,
            area.span(0, frag.len()),
            Value::None,
            format_args!("Alert Message: Encrypted Alert"),
        );
        tls_info(cx, format_args!("Encrypted Alert"));
        return;
    }
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

/// Application data: the session's protocol as tshark names it
/// (STARTTLS, ALPN or port; not one its decrypted bytes were found to be
/// by their look), and the bytes as sent.
fn application_data<S: Sink>(
    cx: &mut Cx<'_, S>,
    note: &TlsNote,
    what: &mut String,
    (buf, at, sealed): (Buf<'_>, usize, &[u8]),
) {
    // A record the connection could not place (a resent copy of one it
    // did not keep) still has its ports.
    let by_port = match cx.pi.transport {
        crate::packet::Transport::Tcp(t) => app_protocol::by_port(t.src_port, t.dst_port),
        _ => None,
    };
    let title = note.app.or(by_port).and_then(app_protocol::name);
    let _ = write!(
        what,
        "Application Data Protocol: {}",
        title.unwrap_or("Application Data")
    );
    tls_info(cx, format_args!("Application Data"));
    cx.field(&APP_DATA, buf.span(at, sealed.len()), Value::Bytes(sealed));
    if let Some(title) = title {
        cx.generated(&APP_DATA_PROTO, buf.span(at - 5, 0), Value::Str(title));
    }
    if let Decrypted::NoKey = note.decrypted {
        cx.expert(
            &NO_KEY,
            buf.span(at, sealed.len()),
            format_args!("{}", NO_KEY.summary),
        );
    }
    if let Decrypted::Failed(e) = note.decrypted {
        cx.expert(
            &NOT_DECRYPTED,
            buf.span(at, sealed.len()),
            format_args!("{}", e.text()),
        );
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
    // tshark 4.0 says "Continuation Data" in the Info column only: its
    // tree has no item for the bytes.
    if at < rest.len() {
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
/// TLS 1.3 handshake messages carried outside records (QUIC's CRYPTO
/// frames, RFC 9001 §4): `buf[off..off + len]` holds whole messages. As
/// tshark, they show under a "TLSv1.3 Record Layer" item naming them.
pub fn handshake_without_records<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
) {
    let b = buf.get(off, len);
    let mut names = Vec::new();
    let mut pos = 0;
    while let Some(h) = b.get(pos..pos + 4) {
        names.push(name_of(HANDSHAKE_TYPES, h[0].into()));
        pos += 4 + (usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]));
    }
    cx.layer(
        &proto::TLS,
        buf.span(off, b.len()),
        format_args!(
            "TLSv1.3 Record Layer: Handshake Protocol: {}",
            names.join(", ")
        ),
    );
    let note = TlsNote {
        version: 0x0304,
        quic: true,
        ..TlsNote::default()
    };
    let area = Area { buf, off, b };
    handshake::handshake_messages(cx, area, &note);
    cx.end_layer();
}

pub fn end<S: Sink>(cx: &mut Cx<'_, S>) {
    cx.end_layer();
}

/// A plausible TLS record header: handshake, alert, CCS, application data
/// or heartbeat, version 3.x, a length a record may have.
pub fn looks_like_tls(b: &[u8]) -> bool {
    b.len() >= 5
        && (20..=24).contains(&b[0])
        && b[1] == 3
        && b[2] <= 4
        && u16::from_be_bytes([b[3], b[4]]) as usize <= (1 << 14) + 2048
        && u16::from_be_bytes([b[3], b[4]]) > 0
}

/// TLS records: a 5-byte header with the record's length.
pub struct RecordFraming;

/// TLS's framing in a TCP stream.
pub static RECORDS: RecordFraming = RecordFraming;

impl crate::pdu_framing::PduFraming for RecordFraming {
    fn frame(
        &self,
        b: &[u8],
        _: &mut crate::pdu_framing::FramingState<'_>,
    ) -> crate::pdu_framing::Framing {
        use crate::pdu_framing::{Framing, by_length};
        if b.len() < 5 {
            // Wireshark's TLS waits for a whole header before judging.
            return Framing::NeedMore;
        }
        if !looks_like_tls(b) {
            return Framing::NotAPdu;
        }
        by_length(b, 5 + u16::from_be_bytes([b[3], b[4]]) as usize)
    }
    fn starts_pdu(&self, b: &[u8]) -> bool {
        looks_like_tls(b)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_framed_by_their_header_length() {
        use crate::pdu_framing::{Framing, PduFraming, complete, test_state as state};
        let mut n = 0;
        // A whole header first, then the record's length.
        let st = &mut state(&mut n, false);
        assert_eq!(RECORDS.frame(&[22, 3, 1], st), Framing::NeedMore);
        let rec = [22, 3, 3, 0, 2, 1, 2, 9];
        assert_eq!(RECORDS.frame(&rec, st), complete(7));
        assert_eq!(RECORDS.frame(b"GET / HT", st), Framing::NotAPdu);
    }

    use md5::Digest as _;
    use sha2::Sha256;

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
        let (ja4, raw) = h.ja4('t');
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
