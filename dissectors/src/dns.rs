//! DNS (and its multicast and link-local forms, mDNS and LLMNR): messages
//! over UDP and TCP with Wireshark's field names, name decompression that
//! stays bounded on hostile pointers, and query/response matching.

use std::fmt::Write as _;

use crate::bytes;
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Answer, Buf, Cx};
use crate::proto::{self, ProtoDef};
use crate::sink::{Presence, Sink, Span};
use crate::tape_codec::{Recorded, Sources, TapeReader, TapeWriter};

/// Which of the DNS family a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Dns,
    Mdns,
    Llmnr,
    /// DNS over HTTPS (in an HTTP/2 body): DNS with its own column name.
    DoH,
}

impl Flavor {
    pub fn by_port(port: u16) -> Option<Flavor> {
        match port {
            53 => Some(Flavor::Dns),
            5353 => Some(Flavor::Mdns),
            5355 => Some(Flavor::Llmnr),
            _ => None,
        }
    }
    fn proto(self) -> &'static ProtoDef {
        match self {
            Flavor::Dns | Flavor::DoH => &proto::DNS,
            Flavor::Mdns => &proto::MDNS,
            Flavor::Llmnr => &proto::LLMNR,
        }
    }
}

/// What request/response matching knows about a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DnsMatch {
    /// For a response: the query it answers, and the time since.
    pub request_in: Option<u32>,
    pub time_ns: Option<i64>,
    /// The first frame of which this is a retransmission (query or response).
    pub retransmission_of: Option<u32>,
    /// A response with no query before it.
    pub unsolicited: bool,
}

/// A transaction's identity: its conversation and ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DnsKey {
    pub tcp: bool,
    pub stream: u32,
    /// DNS over HTTPS: the HTTP/2 stream (Wireshark's conversation for a
    /// DoH message is its HTTP/2 stream); 0 otherwise.
    pub sub: u32,
    pub id: u16,
}

/// What DNS asks the analysis about a message: which transaction, and
/// whether it is the response.
#[derive(Debug, Clone, Copy)]
pub struct DnsQuestion {
    pub key: DnsKey,
    pub response: bool,
    pub frame: u32,
    pub ts_ns: i64,
}

/// The tag of DNS's answer on a tape.
pub const TAG: u8 = 12;

impl Answer for DnsMatch {
    fn unknown() -> Self {
        DnsMatch::default()
    }

    fn write(&self, w: &mut TapeWriter<'_>) {
        w.u8(TAG);
        self.write_fields(w);
    }

    fn read(r: &mut TapeReader<'_>, _src: &mut Sources<'_>) -> Self {
        if r.expect(&[TAG]).is_none() {
            return DnsMatch::default();
        }
        DnsMatch::read_fields(r)
    }
}

impl DnsMatch {
    /// The match without a tag (an HTTP/2 or TCP PDU's note holds one).
    pub fn write_fields(&self, w: &mut TapeWriter<'_>) {
        let m = self;
        w.opt_u64(m.request_in.map(u64::from));
        w.opt_i64(m.time_ns);
        w.opt_u64(m.retransmission_of.map(u64::from));
        w.u8(m.unsolicited.into());
    }

    pub fn read_fields(r: &mut TapeReader<'_>) -> DnsMatch {
        DnsMatch {
            request_in: r.opt_u32(),
            time_ns: r.opt_i64(),
            retransmission_of: r.opt_u32(),
            unsolicited: r.u8() != 0,
        }
    }
}

/// A match inside another record (a PDU's note): its fields, untagged.
impl Recorded for DnsMatch {
    fn record(&self, w: &mut TapeWriter<'_>) {
        self.write_fields(w);
    }

    fn replay(r: &mut TapeReader<'_>, _src: &mut Sources<'_>) -> Self {
        DnsMatch::read_fields(r)
    }
}

crate::fields! {
    LENGTH = FieldDef::new("dns.length", "Length", T::U16);
    ID = FieldDef::new("dns.id", "Transaction ID", T::U16).base(Base::Hex);
    FLAGS = FieldDef::new("dns.flags", "Flags", T::U16).base(Base::Hex);
    FLAGS_RESPONSE = FieldDef::new("dns.flags.response", "Response", T::Boolean).tfs("Message is a response", "Message is a query").mask(0x8000);
    FLAGS_OPCODE = FieldDef::new("dns.flags.opcode", "Opcode", T::U16).mask(0x7800).names(OPCODES);
    FLAGS_AUTHORITATIVE = FieldDef::new("dns.flags.authoritative", "Authoritative", T::Boolean).tfs("Server is an authority for domain", "Server is not an authority for domain").mask(0x0400);
    FLAGS_CONFLICT = FieldDef::new("dns.flags.conflict", "Conflict", T::Boolean).tfs("The name is not considered unique", "The name is considered unique").mask(0x0400);
    FLAGS_TRUNCATED = FieldDef::new("dns.flags.truncated", "Truncated", T::Boolean).tfs("Message is truncated", "Message is not truncated").mask(0x0200);
    FLAGS_RECDESIRED = FieldDef::new("dns.flags.recdesired", "Recursion desired", T::Boolean).tfs("Do query recursively", "Don't do query recursively").mask(0x0100);
    FLAGS_TENTATIVE = FieldDef::new("dns.flags.tentative", "Tentative", T::Boolean).tfs("Tentative", "Not tentative").mask(0x0100);
    FLAGS_RECAVAIL = FieldDef::new("dns.flags.recavail", "Recursion available", T::Boolean).tfs("Server can do recursive queries", "Server can't do recursive queries").bits(16).mask(0x0080);
    FLAGS_Z = FieldDef::new("dns.flags.z", "Z", T::Boolean).tfs("reserved - incorrect!", "reserved (0)").bits(16).mask(0x0040);
    FLAGS_AUTHENTICATED = FieldDef::new("dns.flags.authenticated", "Answer authenticated", T::Boolean).tfs("Answer/authority portion was authenticated by the server", "Answer/authority portion was not authenticated by the server").bits(16).mask(0x0020);
    FLAGS_CHECKDISABLE = FieldDef::new("dns.flags.checkdisable", "Non-authenticated data", T::Boolean).tfs("Acceptable", "Unacceptable").bits(16).mask(0x0010);
    FLAGS_RCODE = FieldDef::new("dns.flags.rcode", "Reply code", T::U16).mask(0x000f).names(RCODES);
    COUNT_QUERIES = FieldDef::new("dns.count.queries", "Questions", T::U16);
    COUNT_ZONES = FieldDef::new("dns.count.zones", "Zones", T::U16);
    COUNT_ANSWERS = FieldDef::new("dns.count.answers", "Answer RRs", T::U16);
    COUNT_PREREQUISITES = FieldDef::new("dns.count.prerequisites", "Prerequisites", T::U16);
    COUNT_AUTH_RR = FieldDef::new("dns.count.auth_rr", "Authority RRs", T::U16);
    COUNT_UPDATES = FieldDef::new("dns.count.updates", "Updates", T::U16);
    COUNT_ADD_RR = FieldDef::new("dns.count.add_rr", "Additional RRs", T::U16);
    QRY_NAME = FieldDef::new("dns.qry.name", "Name", T::String);
    QRY_NAME_LEN = FieldDef::new("dns.qry.name.len", "Name Length", T::U16);
    COUNT_LABELS = FieldDef::new("dns.count.labels", "Label Count", T::U16);
    QRY_TYPE = FieldDef::new("dns.qry.type", "Type", T::U16).names(TYPES);
    QRY_CLASS = FieldDef::new("dns.qry.class", "Class", T::U16).base(Base::Hex).names(CLASSES);
    QRY_QU = FieldDef::new("dns.qry.qu", "\"QU\" question", T::Boolean).mask(0x8000);
    RESP_NAME = FieldDef::new("dns.resp.name", "Name", T::String);
    SRV_SERVICE = FieldDef::new("dns.srv.service", "Service", T::String);
    SRV_PROTO = FieldDef::new("dns.srv.proto", "Protocol", T::String);
    SRV_NAME = FieldDef::new("dns.srv.name", "Name", T::String);
    RESP_TYPE = FieldDef::new("dns.resp.type", "Type", T::U16).names(TYPES);
    RESP_CLASS = FieldDef::new("dns.resp.class", "Class", T::U16).base(Base::Hex).names(CLASSES);
    RESP_CACHE_FLUSH = FieldDef::new("dns.resp.cache_flush", "Cache flush", T::Boolean).mask(0x8000);
    RESP_TTL = FieldDef::new("dns.resp.ttl", "Time to live", T::U32);
    RESP_LEN = FieldDef::new("dns.resp.len", "Data length", T::U16);
    A = FieldDef::new("dns.a", "Address", T::Ipv4);
    AAAA = FieldDef::new("dns.aaaa", "AAAA Address", T::Ipv6);
    CNAME = FieldDef::new("dns.cname", "CNAME", T::String);
    NS = FieldDef::new("dns.ns", "Name Server", T::String);
    PTR_DOMAIN_NAME = FieldDef::new("dns.ptr.domain_name", "Domain Name", T::String);
    MX_PREFERENCE = FieldDef::new("dns.mx.preference", "Preference", T::U16);
    MX_MAIL_EXCHANGE = FieldDef::new("dns.mx.mail_exchange", "Mail Exchange", T::String);
    TXT_LENGTH = FieldDef::new("dns.txt.length", "TXT Length", T::U8);
    TXT = FieldDef::new("dns.txt", "TXT", T::String);
    SOA_MNAME = FieldDef::new("dns.soa.mname", "Primary name server", T::String);
    SOA_RNAME = FieldDef::new("dns.soa.rname", "Responsible authority's mailbox", T::String);
    SOA_SERIAL = FieldDef::new("dns.soa.serial_number", "Serial Number", T::U32);
    SOA_REFRESH = FieldDef::new("dns.soa.refresh_interval", "Refresh Interval", T::U32);
    SOA_RETRY = FieldDef::new("dns.soa.retry_interval", "Retry Interval", T::U32);
    SOA_EXPIRE = FieldDef::new("dns.soa.expire_limit", "Expire limit", T::U32);
    SOA_MINIMUM = FieldDef::new("dns.soa.minimum_ttl", "Minimum TTL", T::U32);
    SRV_PRIORITY = FieldDef::new("dns.srv.priority", "Priority", T::U16);
    SRV_WEIGHT = FieldDef::new("dns.srv.weight", "Weight", T::U16);
    SRV_PORT = FieldDef::new("dns.srv.port", "Port", T::U16);
    SRV_TARGET = FieldDef::new("dns.srv.target", "Target", T::String);
    CAA_FLAGS = FieldDef::new("dns.caa.flags", "CAA Flags", T::U8).base(Base::Hex);
    CAA_ISSUER_CRITICAL = FieldDef::new("dns.caa.flags.issuer_critical", "Issuer Critical", T::Boolean).tfs("Critical", "Not critical").mask(0x80);
    CAA_TAG_LENGTH = FieldDef::new("dns.caa.tag_length", "Tag length", T::U8);
    CAA_TAG = FieldDef::new("dns.caa.tag", "Tag", T::String);
    CAA_VALUE = FieldDef::new("dns.caa.value", "Value", T::String);
    CAA_ISSUE = FieldDef::new("dns.caa.issue", "Issue", T::String);
    CAA_ISSUEWILD = FieldDef::new("dns.caa.issuewild", "Issue Wildcard", T::String);
    CAA_IODEF = FieldDef::new("dns.caa.iodef", "Report URL", T::String);
    RR_UDP_PAYLOAD_SIZE = FieldDef::new("dns.rr.udp_payload_size", "UDP payload size", T::U16);
    RESP_EXT_RCODE = FieldDef::new("dns.resp.ext_rcode", "Higher bits in extended RCODE", T::U8).base(Base::Hex);
    RESP_EDNS0_VERSION = FieldDef::new("dns.resp.edns0_version", "EDNS0 version", T::U8);
    RESP_Z = FieldDef::new("dns.resp.z", "Z", T::U16).base(Base::Hex);
    RESP_Z_DO = FieldDef::new("dns.resp.z.do", "DO bit", T::Boolean).tfs("Accepts DNSSEC security RRs", "Cannot handle DNSSEC security RRs").mask(0x8000);
    RESP_Z_RESERVED = FieldDef::new("dns.resp.z.reserved", "Reserved", T::U16).base(Base::Hex).mask(0x7fff);
    OPT = FieldDef::new("dns.opt", "Option", T::None);
    OPT_CODE = FieldDef::new("dns.opt.code", "Option Code", T::U16).names(OPT_CODES);
    OPT_LEN = FieldDef::new("dns.opt.len", "Option Length", T::U16);
    OPT_DATA = FieldDef::new("dns.opt.data", "Option Data", T::Bytes);
    OPT_COOKIE_CLIENT = FieldDef::new("dns.opt.cookie.client", "Client Cookie", T::Bytes);
    OPT_COOKIE_SERVER = FieldDef::new("dns.opt.cookie.server", "Server Cookie", T::Bytes);
    OPT_CHAIN_FQDN = FieldDef::new("dns.opt.chain.fqdn", "Closest Trust Point", T::String);
    OPT_DAU = FieldDef::new("dns.opt.dau", "DAU", T::U8).names(DNSSEC_ALGORITHMS);
    OPT_DHU = FieldDef::new("dns.opt.dhu", "DHU", T::U8).names(DS_DIGESTS);
    OPT_N3U = FieldDef::new("dns.opt.n3u", "N3U", T::U8).names(NSEC3_HASHES);
    OPT_CLIENT_FAMILY = FieldDef::new("dns.opt.client.family", "Family", T::U16).names(ADDRESS_FAMILIES);
    OPT_CLIENT_NETMASK = FieldDef::new("dns.opt.client.netmask", "Source Netmask", T::U8);
    OPT_CLIENT_SCOPE = FieldDef::new("dns.opt.client.scope", "Scope Netmask", T::U8);
    OPT_CLIENT_ADDR4 = FieldDef::new("dns.opt.client.addr4", "Client Subnet", T::Ipv4);
    OPT_CLIENT_ADDR6 = FieldDef::new("dns.opt.client.addr6", "Client Subnet", T::Ipv6);
    OPT_CLIENT_ADDR = FieldDef::new("dns.opt.client.addr", "Client Subnet", T::Bytes);
    OPT_PADDING = FieldDef::new("dns.opt.padding", "Padding", T::Bytes);
    OPT_KEEPALIVE = FieldDef::new("dns.opt.edns_tcp_keepalive.timeout", "Timeout", T::U16);
    OPT_EXT_ERROR_CODE = FieldDef::new("dns.opt.ext_error.info_code", "Info Code", T::U16);
    OPT_EXT_ERROR_TEXT = FieldDef::new("dns.opt.ext_error.extra_text", "Extra Text", T::String);
    SVCB_PRIORITY = FieldDef::new("dns.svcb.svcpriority", "SvcPriority", T::U16);
    SVCB_TARGET = FieldDef::new("dns.svcb.targetname", "TargetName", T::String);
    SVCB_PARAM = FieldDef::new("dns.svcb.svcparam", "SvcParam", T::None);
    SVCB_PARAM_KEY = FieldDef::new("dns.svcb.svcparam.key", "SvcParamKey", T::U16).names(SVC_KEYS);
    SVCB_PARAM_LEN = FieldDef::new("dns.svcb.svcparam.value.length", "SvcParamValue length", T::U16);
    SVCB_PARAM_VALUE = FieldDef::new("dns.svcb.svcparam.value", "SvcParamValue", T::Bytes);
    SVCB_MANDATORY = FieldDef::new("dns.svcb.svcparam.mandatory.key", "Mandatory key", T::U16).names(SVC_KEYS);
    SVCB_ALPN_LEN = FieldDef::new("dns.svcb.svcparam.alpn.length", "ALPN length", T::U8);
    SVCB_ALPN = FieldDef::new("dns.svcb.svcparam.alpn", "ALPN", T::String);
    SVCB_PORT = FieldDef::new("dns.svcb.svcparam.port", "Port", T::U16);
    SVCB_IPV4HINT = FieldDef::new("dns.svcb.svcparam.ipv4hint.ip", "IP", T::Ipv4);
    SVCB_IPV6HINT = FieldDef::new("dns.svcb.svcparam.ipv6hint.ip", "IP", T::Ipv6);
    SVCB_ECH = FieldDef::new("dns.svcb.svcparam.echconfig", "ECHConfig", T::Bytes);
    A6_PREFIX_LEN = FieldDef::new("dns.a6.prefix_len", "Prefix len", T::U8);
    RRSIG_TYPE_COVERED = FieldDef::new("dns.rrsig.type_covered", "Type Covered", T::U16).names(TYPES);
    RRSIG_ALGORITHM = FieldDef::new("dns.rrsig.algorithm", "Algorithm", T::U8).names(DNSSEC_ALGORITHMS);
    RRSIG_LABELS = FieldDef::new("dns.rrsig.labels", "Labels", T::U8);
    RRSIG_ORIGINAL_TTL = FieldDef::new("dns.rrsig.original_ttl", "Original TTL", T::U32);
    RRSIG_EXPIRATION = FieldDef::new("dns.rrsig.signature_expiration", "Signature Expiration", T::AbsTime);
    RRSIG_INCEPTION = FieldDef::new("dns.rrsig.signature_inception", "Signature Inception", T::AbsTime);
    RRSIG_KEY_TAG = FieldDef::new("dns.rrsig.key_tag", "Key Tag", T::U16);
    RRSIG_SIGNERS_NAME = FieldDef::new("dns.rrsig.signers_name", "Signer's name", T::String);
    RRSIG_SIGNATURE = FieldDef::new("dns.rrsig.signature", "Signature", T::Bytes);
    DNSKEY_FLAGS = FieldDef::new("dns.dnskey.flags", "Flags", T::U16).base(Base::Hex);
    DNSKEY_ZONE_KEY = FieldDef::new("dns.dnskey.flags.zone_key", "Zone Key", T::Boolean).tfs("This is the zone key for specified zone", "This it not a zone key").bits(16).mask(0x0100);
    DNSKEY_KEY_REVOKED = FieldDef::new("dns.dnskey.flags.key_revoked", "Key Revoked", T::Boolean).tfs("Yes", "No").bits(16).mask(0x0080);
    DNSKEY_SEP = FieldDef::new("dns.dnskey.flags.secure_entry_point", "Key Signing Key", T::Boolean).tfs("Yes", "No").bits(16).mask(0x0001);
    DNSKEY_RESERVED = FieldDef::new("dns.dnskey.flags.reserved", "Key Signing Key", T::U16).base(Base::Hex).mask(0xfe7e);
    DNSKEY_PROTOCOL = FieldDef::new("dns.dnskey.protocol", "Protocol", T::U8);
    DNSKEY_ALGORITHM = FieldDef::new("dns.dnskey.algorithm", "Algorithm", T::U8).names(DNSSEC_ALGORITHMS);
    DNSKEY_KEY_ID = FieldDef::new("dns.dnskey.key_id", "Key id", T::U16);
    DNSKEY_PUBLIC_KEY = FieldDef::new("dns.dnskey.public_key", "Public Key", T::Bytes);
    A6_SUFFIX = FieldDef::new("dns.a6.address_suffix", "Address Suffix", T::Ipv6);
    A6_PREFIX_NAME = FieldDef::new("dns.a6.prefix_name", "Prefix name", T::String);
    LOC_VERSION = FieldDef::new("dns.loc.version", "Version", T::U8);
    LOC_SIZE = FieldDef::new("dns.loc.size", "Size", T::U8);
    LOC_HPREC = FieldDef::new("dns.loc.horizontal_precision", "Horizontal Precision", T::U8);
    LOC_VPREC = FieldDef::new("dns.loc.vertical_precision", "Vertical Precision", T::U8);
    LOC_LATITUDE = FieldDef::new("dns.loc.latitude", "Latitude", T::U32);
    LOC_LONGITUDE = FieldDef::new("dns.loc.longitude", "Longitude", T::U32);
    LOC_ALTITUDE = FieldDef::new("dns.loc.altitude", "Altitude", T::U32);
    LOC_UNKNOWN = FieldDef::new("dns.loc.unknown_data", "Unknown data", T::Bytes);
    DATA = FieldDef::new("dns.data", "Data", T::Bytes);
    RESPONSE_TO = FieldDef::new("dns.response_to", "Request In", T::FrameNum);
    TIME = FieldDef::new("dns.time", "Time", T::RelTime);
    RETRANSMISSION = FieldDef::new("dns.retransmission", "Retransmission", T::Boolean);
    RETRANSMIT_REQUEST_IN = FieldDef::new("dns.retransmit_request_in", "Retransmitted request. Original request in", T::FrameNum);
    RETRANSMIT_RESPONSE_IN = FieldDef::new("dns.retransmit_response_in", "Retransmitted response. Original response in", T::FrameNum);
    UNSOLICITED = FieldDef::new("dns.unsolicited", "Unsolicited", T::Boolean);
}

/// Fields Wireshark registers twice under one name, for mDNS, whose top
/// bit of the class is a flag (RFC 6762): the class below it. The
/// registry lists the first registration; filters see both by name.
static QRY_CLASS_MDNS: FieldDef = FieldDef::new("dns.qry.class", "Class", T::U16)
    .base(Base::Hex)
    .names(CLASSES)
    .mask(0x7fff);
static RESP_CLASS_MDNS: FieldDef = FieldDef::new("dns.resp.class", "Class", T::U16)
    .base(Base::Hex)
    .names(CLASSES)
    .mask(0x7fff);
static RR_UDP_PAYLOAD_SIZE_MDNS: FieldDef =
    FieldDef::new("dns.rr.udp_payload_size", "UDP payload size", T::U16)
        .base(Base::Hex)
        .mask(0x7fff);
/// LLMNR's conflict bit in a query (RFC 4795): what the sender saw.
static FLAGS_CONFLICT_QUERY: FieldDef = FieldDef::new("dns.flags.conflict", "Conflict", T::Boolean)
    .tfs("The sender received multiple responses", "None")
    .mask(0x0400);

pub static NAME_TOO_LONG: ExpertDef = ExpertDef::new(
    "dns.name.too_long",
    Severity::Warning,
    Group::Malformed,
    "Name longer than 255 octets",
);
pub static RETRANSMIT_REQUEST: ExpertDef = ExpertDef::new(
    "dns.retransmit_request",
    Severity::Warning,
    Group::Protocol,
    "DNS query retransmission",
);
pub static RETRANSMIT_RESPONSE: ExpertDef = ExpertDef::new(
    "dns.retransmit_response",
    Severity::Warning,
    Group::Protocol,
    "DNS response retransmission",
);

/// `dns.qry.type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static TYPES: &[(u64, &str)] = &[
    (0, "Unused"),
    (1, "A (Host Address)"),
    (2, "NS (authoritative Name Server)"),
    (3, "MD (Mail Destination)"),
    (4, "MF (Mail Forwarder)"),
    (5, "CNAME (Canonical NAME for an alias)"),
    (6, "SOA (Start Of a zone of Authority)"),
    (7, "MB (MailBox domain name)"),
    (8, "MG (Mail Group member)"),
    (9, "MR (Mail Rename domain)"),
    (10, "NULL RR"),
    (11, "WKS (Well Known Service)"),
    (12, "PTR (domain name PoinTeR)"),
    (13, "HINFO (host information)"),
    (14, "MINFO (Mailbox or mail list information)"),
    (15, "MX (Mail eXchange)"),
    (16, "TXT (Text strings)"),
    (17, "RP (Responsible Person)"),
    (18, "AFSDB (AFS Data Base location)"),
    (19, "X25 (XX.25 PSDN address)"),
    (20, "ISDN (ISDN address)"),
    (21, "RT (Route Through)"),
    (22, "NSAP (NSAP address)"),
    (23, "NSAP-PTR (NSAP domain name pointer)"),
    (24, "SIG (security signature)"),
    (25, "KEY (security key)"),
    (26, "PX (X.400 mail mapping information)"),
    (27, "GPOS (Geographical Position)"),
    (28, "AAAA (IPv6 Address)"),
    (29, "LOC (Location Information)"),
    (30, "NXT (Next Domain)"),
    (31, "EID (Endpoint Identifier)"),
    (32, "NIMLOC (Nimrod Locator)"),
    (33, "SRV (Server Selection)"),
    (34, "ATMA (ATM Address)"),
    (35, "NAPTR (Naming Authority Pointer)"),
    (36, "KX (Key Exchanger)"),
    (37, "CERT"),
    (38, "A6 (OBSOLETE - use AAAA)"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS (Delegation Signer)"),
    (44, "SSHFP (SSH Key Fingerprint)"),
    (45, "IPSECKEY"),
    (46, "RRSIG (Resource Record Signature)"),
    (47, "NSEC (Next Secure)"),
    (48, "DNSKEY (DNS Public Key)"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (55, "HIP (Host Identity Protocol)"),
    (57, "RKEY"),
    (58, "TALINK (Trust Anchor LINK)"),
    (59, "CDS (Child DS)"),
    (60, "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)"),
    (61, "OPENPGPKEY (OpenPGP Key)"),
    (62, "CSYNC (Child-to-Parent Synchronization)"),
    (63, "ZONEMD"),
    (64, "SVCB (General Purpose Service Endpoints)"),
    (65, "HTTPS (HTTPS Specific Service Endpoints)"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID (NodeID)"),
    (105, "L32 (Locator32)"),
    (106, "L64 (Locator64)"),
    (107, "LP (Locator FQDN)"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY (Transaction Key)"),
    (250, "TSIG (Transaction Signature)"),
    (251, "IXFR (incremental transfer)"),
    (252, "AXFR (transfer of an entire zone)"),
    (253, "MAILB (mailbox-related RRs)"),
    (254, "MAILA (mail agent RRs)"),
    (
        255,
        "* (A request for all records the server/cache has available)",
    ),
    (256, "URI"),
    (257, "CAA (Certification Authority Restriction)"),
    (32768, "TA (DNSSEC Trust Authorities)"),
    (32769, "DLV (DNSSEC Lookaside Validation)"),
    (65281, "WINS"),
    (65282, "WINS-R"),
    (65422, "XPF"),
];
/// `dns.flags.opcode` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static OPCODES: &[(u64, &str)] = &[
    (0, "Standard query"),
    (1, "Inverse query"),
    (2, "Server status request"),
    (4, "Zone change notification"),
    (5, "Dynamic update"),
    (6, "DNS Stateful operations (DSO)"),
];
/// `dns.flags.rcode` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static RCODES: &[(u64, &str)] = &[
    (0, "No error"),
    (1, "Format error"),
    (2, "Server failure"),
    (3, "No such name"),
    (4, "Not implemented"),
    (5, "Refused"),
    (6, "Name exists"),
    (7, "RRset exists"),
    (8, "RRset does not exist"),
    (9, "Not authoritative"),
    (10, "Name out of zone"),
    (11, "DSO-Type not implemented"),
    (16, "Bad OPT Version or TSIG Signature Failure"),
    (17, "Key not recognized"),
    (18, "Signature out of time window"),
    (19, "Bad TKEY Mode"),
    (20, "Duplicate key name"),
    (21, "Algorithm not supported"),
    (22, "Bad Truncation"),
    (23, "Bad/missing Server Cookie"),
];
/// `dns.qry.class` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static CLASSES: &[(u64, &str)] = &[
    (1, "IN"),
    (2, "CS"),
    (3, "CH"),
    (4, "HS"),
    (254, "NONE"),
    (255, "ANY"),
];
/// `dns.opt.code` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static OPT_CODES: &[(u64, &str)] = &[
    (0, "Reserved"),
    (1, "LLQ - Long-lived query"),
    (2, "UL - Update lease"),
    (3, "NSID - Name Server Identifier"),
    (4, "Owner (reserved)"),
    (5, "DAU - DNSSEC Algorithm Understood (RFC6975)"),
    (6, "DHU - DS Hash Understood (RFC6975)"),
    (7, "N3U - NSEC3 Hash Understood (RFC6975)"),
    (8, "CSUBNET - Client subnet"),
    (9, "EDNS EXPIRE (RFC7314)"),
    (10, "COOKIE"),
    (11, "EDNS TCP Keepalive"),
    (12, "PADDING"),
    (13, "CHAIN"),
    (15, "Extended DNS Error"),
    (20730, "Experimental - CSUBNET - Client subnet"),
];
/// `dns.svcb.svcparam.key` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SVC_KEYS: &[(u64, &str)] = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "echconfig"),
    (6, "ipv6hint"),
    (32769, "odohconfig"),
    (65535, "key65535"),
];

/// The short name of a record type (`A`, `AAAA`, ...), as Info shows it.
pub fn type_name(t: u16) -> String {
    match t {
        255 => return "ANY".into(),
        10 => return "NULL".into(),
        _ => {}
    }
    match crate::field::lookup(TYPES, t.into()) {
        Some(d) => d.split(" (").next().unwrap_or(d).to_string(),
        None => format!("Unknown ({t})"),
    }
}

/// Steps through compression pointers before a name counts as looping.
const MAX_POINTERS: usize = 128;
/// A name longer than this (in text) stops growing.
const MAX_NAME_TEXT: usize = 1024;
/// RFC 1035 (2.3.4): a name is at most 255 octets, its labels' length
/// octets included. Past a compression pointer a name is read no further
/// than that: pointers into long runs of labels would otherwise make each
/// two-byte name walk kilobytes, again and again (a message of thousands
/// of such names cost tens of seconds).
pub const MAX_NAME_OCTETS: usize = 255;

/// A name read from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// As Wireshark writes it: labels joined by dots, `<Root>` for the root.
    pub text: String,
    /// Bytes the name takes where it is (a pointer ends it).
    pub wire_len: usize,
    pub labels: u16,
    /// It ran past [`MAX_NAME_OCTETS`]: `text` holds what was read.
    pub too_long: bool,
}

/// Reading ran past the end of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastEnd {
    /// Where the read that failed was.
    pub at: usize,
}

/// A label's bytes as Wireshark shows them: UTF-8 where it is, control
/// bytes as octal escapes (`\000`).
fn push_label(out: &mut String, label: &[u8]) {
    for c in String::from_utf8_lossy(label).chars() {
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Reads the name at `off` of `msg` (the whole DNS message, for pointers).
///
/// Its own bytes are always read to their end (their sum over a message
/// is the message); what pointers lead to is read for at most
/// [`MAX_POINTERS`] jumps and [`MAX_NAME_OCTETS`] octets in all.
pub fn read_name(msg: &[u8], off: usize) -> Result<Name, PastEnd> {
    let mut text = String::new();
    let mut labels = 0u16;
    let mut pos = off;
    let mut wire_len: Option<usize> = None;
    let mut jumps = 0usize;
    // Octets read past the first pointer, with the name's own before it
    // (counted once the pointer is met: the name's own bytes are read to
    // their end anyway).
    let mut octets = 0usize;
    let mut too_long = false;
    loop {
        let len = bytes::u8_at(msg, pos).ok_or(PastEnd { at: pos })?;
        match len & 0xc0 {
            0x00 => {
                if len == 0 {
                    if wire_len.is_none() {
                        wire_len = Some(pos + 1 - off);
                    }
                    break;
                }
                if wire_len.is_some() {
                    octets += 1 + len as usize;
                    if octets > MAX_NAME_OCTETS {
                        too_long = true;
                        break;
                    }
                }
                let label = msg
                    .get(pos + 1..pos + 1 + len as usize)
                    .ok_or(PastEnd { at: pos + 1 })?;
                if text.len() < MAX_NAME_TEXT {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    push_label(&mut text, label);
                }
                labels = labels.saturating_add(1);
                pos += 1 + len as usize;
            }
            0xc0 => {
                let lo = bytes::u8_at(msg, pos + 1).ok_or(PastEnd { at: pos + 1 })?;
                if wire_len.is_none() {
                    wire_len = Some(pos + 2 - off);
                    // Its own labels, and the root's octet.
                    octets = pos - off + 1;
                    if octets > MAX_NAME_OCTETS {
                        too_long = true;
                        break;
                    }
                }
                jumps += 1;
                if jumps > MAX_POINTERS {
                    return Ok(Name {
                        text: "<Name contains a pointer that loops>".into(),
                        wire_len: wire_len.unwrap_or(2),
                        labels,
                        too_long: false,
                    });
                }
                pos = ((len as usize & 0x3f) << 8) | lo as usize;
            }
            0x40 => {
                // An extended label of unknown length ends the name where it
                // stands; reached through a pointer it cannot be measured.
                if wire_len.is_some() {
                    return Err(PastEnd { at: pos });
                }
                wire_len = Some(pos + 1 - off);
                text = "<Unknown extended label>".into();
                break;
            }
            _ => return Err(PastEnd { at: pos }),
        }
    }
    let wire_len = wire_len.unwrap_or(1);
    // A name without pointers: its octets are its wire length.
    too_long |= octets == 0 && wire_len > MAX_NAME_OCTETS;
    if text.is_empty() {
        text = "<Root>".into();
    } else if wire_len < 2 {
        // Wireshark: a name shorter than two bytes can only be the root.
        return Err(PastEnd { at: off });
    }
    Ok(Name {
        text,
        wire_len,
        labels,
        too_long,
    })
}

/// A DNS message in a UDP datagram (`cx.udp_stream` matches queries with
/// responses): what the UDP port table calls for ports 53, 5353 and 5355.
pub fn dissect_udp<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, flavor: Flavor) -> usize {
    let payload = buf.rest(off);
    if payload.len() < 2 {
        crate::data::dissect(cx, buf, off);
        return payload.len().max(1);
    }
    let len = buf.reported.saturating_sub(off).max(payload.len());
    // A conversations-only pass (no application analysis, no tree, no
    // columns) reads nothing of a message: the layer is named, no more.
    if !cx.state.analyses_applications() && !cx.columns() && !cx.sink.wants_text() {
        cx.mark(flavor.proto());
        return len.max(1);
    }
    let (id, response) = id_and_response(payload).unwrap_or((0, false));
    // A message quoted in an ICMP error is shown, not matched.
    let m = match cx.udp_stream {
        Some(stream) if payload.len() >= 4 && cx.quote_depth == 0 => {
            let q = DnsQuestion {
                key: DnsKey {
                    tcp: false,
                    stream,
                    sub: 0,
                    id,
                },
                response,
                frame: cx.frame.number,
                ts_ns: cx.frame.ts_ns,
            };
            cx.state.ask_for::<DnsMatch>(&q, &[])
        }
        _ => DnsMatch::default(),
    };
    dissect(cx, buf, off, len, false, flavor, &m, true);
    len.max(1)
}

/// The DNS header fields the analysis needs: ID and whether it is a response.
pub fn id_and_response(msg: &[u8]) -> Option<(u16, bool)> {
    Some((bytes::be16(msg, 0)?, bytes::u8_at(msg, 2)? & 0x80 != 0))
}

/// A plausible DNS message on a port no one claims: a header whose counts
/// agree with a walk of the questions and records, ending at the end.
pub fn looks_like_dns(msg: &[u8]) -> bool {
    let (Some(flags), Some(qd), Some(an), Some(ns), Some(ar)) = (
        bytes::be16(msg, 2),
        bytes::be16(msg, 4),
        bytes::be16(msg, 6),
        bytes::be16(msg, 8),
        bytes::be16(msg, 10),
    ) else {
        return false;
    };
    let opcode = (flags >> 11) & 0xf;
    if qd != 1 || opcode > 6 || flags & 0x0040 != 0 {
        return false;
    }
    let mut pos = 12;
    for i in 0..(qd as usize + an as usize + ns as usize + ar as usize) {
        let Ok(n) = read_name(msg, pos) else {
            return false;
        };
        if n.text.starts_with('<') && n.labels == 0 && i == 0 {
            return false;
        }
        pos += n.wire_len;
        let (Some(t), Some(c)) = (bytes::be16(msg, pos), bytes::be16(msg, pos + 2)) else {
            return false;
        };
        if t == 0 || (c & 0x7fff != 1 && c != 255 && t != 41) {
            return false;
        }
        pos += 4;
        if i >= qd as usize {
            let Some(rdlen) = bytes::be16(msg, pos + 4) else {
                return false;
            };
            pos += 6 + rdlen as usize;
        }
    }
    pos == msg.len()
}

/// Wireshark's way of writing a duration in seconds ("1 day, 2 hours").
pub fn duration_text(mut secs: u32) -> String {
    if secs == 0 {
        return "0 seconds".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = secs / size;
        secs %= size;
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts.join(", ")
}

/// The running state of one message's dissection.
struct Msg<'b> {
    buf: Buf<'b>,
    /// Where the message starts in `buf`.
    base: usize,
    /// The message bytes (captured).
    b: &'b [u8],
    flavor: Flavor,
    info: String,
    cut: bool,
}

impl Msg<'_> {
    fn span(&self, off: usize, len: usize) -> Span {
        self.buf.span(self.base + off, len)
    }
}

/// Dissects one message at `buf[off..off + len]` (`tcp`: it carries the
/// two-byte length of DNS over TCP first). `first`: the first message of
/// this call (Wireshark lists the protocol once per call).
#[allow(clippy::too_many_arguments)]
pub fn dissect<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    tcp: bool,
    flavor: Flavor,
    m: &DnsMatch,
    first: bool,
) {
    let whole = buf.get(off, len);
    let (len_field, start) = if tcp {
        (bytes::be16(whole, 0), off + 2)
    } else {
        (None, off)
    };
    let b = buf.get(start, len.saturating_sub(start - off));
    let response = bytes::u8_at(b, 2).is_some_and(|f| f & 0x80 != 0);
    let title = match flavor {
        Flavor::Dns | Flavor::DoH => "Domain Name System",
        Flavor::Mdns => "Multicast Domain Name System",
        Flavor::Llmnr => "Link-local Multicast Name Resolution",
    };
    let kind = if response { "response" } else { "query" };
    let span = buf.span(off, whole.len());
    if first {
        cx.layer(flavor.proto(), span, format_args!("{title} ({kind})"));
    } else {
        cx.layer_again(flavor.proto(), span, format_args!("{title} ({kind})"));
    }
    if let Some(l) = len_field {
        cx.field(&LENGTH, buf.span(off, 2), Value::U64(l.into()));
    }
    let mut msg = Msg {
        buf,
        base: start,
        b,
        flavor,
        info: String::new(),
        cut: false,
    };
    body(cx, &mut msg, m);
    cx.end_layer();
    if cx.columns() {
        // Each message replaces the Info of the one before.
        let info = std::mem::take(&mut msg.info);
        cx.set_info(format_args!("{info}"));
        cx.app_info_started = true;
    }
    if flavor == Flavor::DoH && cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed("DoH");
    }
    if msg.cut {
        let at = msg.span(msg.b.len(), 0);
        let limited = Buf {
            bytes: buf.get(0, off + len),
            source: buf.source,
            reported: (off + len).min(buf.reported),
        };
        cx.ran_out(title_short(flavor), at, limited);
    }
}

fn title_short(f: Flavor) -> &'static str {
    match f {
        Flavor::Dns | Flavor::DoH => "DNS",
        Flavor::Mdns => "MDNS",
        Flavor::Llmnr => "LLMNR",
    }
}

/// Everything after the protocol item; returns early (setting `cut`) where
/// the message ends before its counts say.
fn body<S: Sink>(cx: &mut Cx<'_, S>, msg: &mut Msg<'_>, m: &DnsMatch) {
    let b = msg.b;
    let Some(id) = bytes::be16(b, 0) else {
        msg.cut = true;
        return;
    };
    cx.field(&ID, msg.span(0, 2), Value::U64(id.into()));
    // tshark notes a retransmission under the ID that matched it.
    if let Some(first) = m.retransmission_of {
        cx.push();
        match b.get(2).is_some_and(|f| f & 0x80 != 0) {
            true => cx.expert(
                &RETRANSMIT_RESPONSE,
                msg.span(0, 2),
                format_args!("DNS response retransmission. Original response in frame {first}"),
            ),
            false => cx.expert(
                &RETRANSMIT_REQUEST,
                msg.span(0, 2),
                format_args!("DNS query retransmission. Original request in frame {first}"),
            ),
        }
        cx.pop();
    }
    let Some(flags) = bytes::be16(b, 2) else {
        msg.cut = true;
        return;
    };
    flags_field(cx, msg, id, flags);
    let Some(counts) = count_fields(cx, msg, flags) else {
        msg.cut = true;
        return;
    };
    if sections(cx, msg, flags, counts).is_err() {
        msg.cut = true;
        return;
    }
    match_fields(cx, msg, m, flags & 0x8000 != 0);
}

/// The flags item with its bits (LLMNR's differ from DNS's), and the Info
/// text: operation, response, ID and error.
fn flags_field<S: Sink>(cx: &mut Cx<'_, S>, msg: &mut Msg<'_>, id: u16, flags: u16) {
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0xf;
    let rcode = flags & 0xf;
    let opname = crate::field::lookup(OPCODES, opcode.into()).unwrap_or("Unknown operation");
    let rname = crate::field::lookup(RCODES, rcode.into()).unwrap_or("Unknown error");
    let kind = if response { " response" } else { "" };
    let _ = write!(msg.info, "{opname}{kind} 0x{id:04x}");
    if response && rcode != 0 {
        let _ = write!(msg.info, " {rname}");
    }
    let fs = msg.span(2, 2);
    let mut summary = format!("{opname}{kind}");
    if response {
        let _ = write!(summary, ", {rname}");
    }
    let text = format_args!("Flags: 0x{flags:04x} {summary}");
    cx.labeled(&FLAGS, fs, Value::U64(flags.into()), text);
    cx.push();
    let bit = |m: u16| Value::Bool(flags & m != 0);
    cx.field(&FLAGS_RESPONSE, fs, bit(0x8000));
    cx.field(&FLAGS_OPCODE, fs, Value::U64(opcode.into()));
    match msg.flavor {
        Flavor::Llmnr => {
            let conflict = match response {
                true => &FLAGS_CONFLICT,
                false => &FLAGS_CONFLICT_QUERY,
            };
            cx.field(conflict, fs, bit(0x0400));
            cx.field(&FLAGS_TRUNCATED, fs, bit(0x0200));
            cx.field(&FLAGS_TENTATIVE, fs, bit(0x0100));
        }
        _ => dns_flag_bits(cx, fs, flags),
    }
    if response {
        cx.field(&FLAGS_RCODE, fs, Value::U64(rcode.into()));
    }
    cx.pop();
}

/// DNS's (and mDNS's) flag bits between the opcode and the reply code.
fn dns_flag_bits<S: Sink>(cx: &mut Cx<'_, S>, fs: Span, flags: u16) {
    let response = flags & 0x8000 != 0;
    let bit = |m: u16| Value::Bool(flags & m != 0);
    if response {
        cx.field(&FLAGS_AUTHORITATIVE, fs, bit(0x0400));
    }
    cx.field(&FLAGS_TRUNCATED, fs, bit(0x0200));
    cx.field(&FLAGS_RECDESIRED, fs, bit(0x0100));
    if response {
        cx.field(&FLAGS_RECAVAIL, fs, bit(0x0080));
    }
    cx.field(&FLAGS_Z, fs, bit(0x0040));
    // A query shows the AD bit only when it is set (RFC 6840 lets a query
    // ask for it), as tshark does.
    if response {
        cx.field(&FLAGS_AUTHENTICATED, fs, bit(0x0020));
    } else if flags & 0x0020 != 0 {
        // Wireshark's second item of the same name, worded for a query.
        let bits = crate::tree::bit_pattern(&FLAGS_AUTHENTICATED, 1);
        let text = format_args!("{bits} = AD bit: Set");
        cx.labeled(&FLAGS_AUTHENTICATED, fs, bit(0x0020), text);
    }
    cx.field(&FLAGS_CHECKDISABLE, fs, bit(0x0010));
}

/// Whether `flags` say UPDATE, whose sections have their own names.
fn is_update(flags: u16) -> bool {
    (flags >> 11) & 0xf == 5
}

/// The four section counts, or `None` when the header is cut.
fn count_fields<S: Sink>(cx: &mut Cx<'_, S>, msg: &Msg<'_>, flags: u16) -> Option<[u16; 4]> {
    let defs: [&'static FieldDef; 4] = if is_update(flags) {
        [
            &COUNT_ZONES,
            &COUNT_PREREQUISITES,
            &COUNT_UPDATES,
            &COUNT_ADD_RR,
        ]
    } else {
        [
            &COUNT_QUERIES,
            &COUNT_ANSWERS,
            &COUNT_AUTH_RR,
            &COUNT_ADD_RR,
        ]
    };
    let mut counts = [0u16; 4];
    for (i, f) in defs.iter().enumerate() {
        counts[i] = bytes::be16(msg.b, 4 + 2 * i)?;
        cx.field(f, msg.span(4 + 2 * i, 2), Value::U64(counts[i].into()));
    }
    Some(counts)
}

/// The sections that have entries: the questions, then the records; `Err`
/// at the first entry that does not read.
fn sections<S: Sink>(
    cx: &mut Cx<'_, S>,
    msg: &mut Msg<'_>,
    flags: u16,
    counts: [u16; 4],
) -> Result<(), PastEnd> {
    let titles = if is_update(flags) {
        ["Zone", "Prerequisites", "Updates", "Additional records"]
    } else {
        [
            "Queries",
            "Answers",
            "Authoritative nameservers",
            "Additional records",
        ]
    };
    let mut pos = 12;
    for (si, title) in titles.iter().enumerate() {
        if counts[si] == 0 {
            continue;
        }
        cx.text(msg.span(pos, 0), format_args!("{title}"));
        cx.push();
        for _ in 0..counts[si] {
            let r = if si == 0 {
                question(cx, msg, pos)
            } else {
                record(cx, msg, pos)
            };
            match r {
                Ok(end) => pos = end,
                Err(e) => {
                    cx.pop();
                    return Err(e);
                }
            }
        }
        cx.pop();
    }
    Ok(())
}

/// What the analysis matched: the request answered and its time, the
/// message retransmitted, an unsolicited response.
fn match_fields<S: Sink>(cx: &mut Cx<'_, S>, msg: &Msg<'_>, m: &DnsMatch, response: bool) {
    let z = msg.span(0, 0);
    if let Some(req) = m.request_in {
        cx.generated(&RESPONSE_TO, z, Value::U64(req.into()));
        if let Some(t) = m.time_ns {
            cx.generated(&TIME, z, Value::RelTime(t));
        }
    }
    if let Some(first) = m.retransmission_of {
        let original = match response {
            true => &RETRANSMIT_RESPONSE_IN,
            false => &RETRANSMIT_REQUEST_IN,
        };
        cx.generated(original, z, Value::U64(first.into()));
        cx.generated(&RETRANSMISSION, z, Value::Bool(true));
    }
    if m.unsolicited {
        cx.generated(&UNSOLICITED, z, Value::Bool(true));
    }
}

/// DNSSEC algorithm numbers (RFC 8624's registry), as tshark names them.
const DNSSEC_ALGORITHMS: &[(u64, &str)] = &[
    (1, "RSA/MD5"),
    (2, "Diffie-Hellman"),
    (3, "DSA"),
    (4, "Elliptic curve crypto"),
    (5, "RSA/SHA1"),
    (6, "DSA + NSEC3/SHA1"),
    (7, "RSA/SHA1 + NSEC3/SHA1"),
    (8, "RSA/SHA-256"),
    (10, "RSA/SHA-512"),
    (12, "GOST R 34.10-2001"),
    (13, "ECDSA Curve P-256 with SHA-256"),
    (14, "ECDSA Curve P-386 with SHA-386"),
    (15, "Ed25519"),
    (16, "Ed448"),
    (157, "HMAC/MD5"),
    (252, "Indirect key"),
    (253, "Private, domain name"),
    (254, "Private, OID"),
];

/// DS digest types.
const DS_DIGESTS: &[(u64, &str)] = &[
    (0, "Reserved digest"),
    (1, "SHA-1"),
    (2, "SHA-256"),
    (3, "GOST R 34.11-94"),
    (4, "SHA-384"),
];

/// NSEC3 hash algorithms.
const NSEC3_HASHES: &[(u64, &str)] = &[(0, "Reserved"), (1, "SHA-1")];

/// The address families an EDNS client subnet names (tshark's table
/// for dns.opt.client.family).
const ADDRESS_FAMILIES: &[(u64, &str)] = &[(1, "IPv4"), (2, "IPv6")];

/// An RRSIG record's data (RFC 4034 section 3).
fn rrsig<S: Sink>(
    cx: &mut Cx<'_, S>,
    d: &[u8],
    span: &impl Fn(usize, usize) -> Span,
    name_at: &impl Fn(&mut Cx<'_, S>, &'static FieldDef, usize) -> Option<usize>,
) {
    let be32 = |o: usize| bytes::be32(d, o).unwrap_or(0);
    let covered = u16::from_be_bytes([d[0], d[1]]);
    cx.field(&RRSIG_TYPE_COVERED, span(0, 2), Value::U64(covered.into()));
    cx.field(&RRSIG_ALGORITHM, span(2, 1), Value::U64(d[2].into()));
    cx.field(&RRSIG_LABELS, span(3, 1), Value::U64(d[3].into()));
    let ttl = be32(4);
    cx.labeled(
        &RRSIG_ORIGINAL_TTL,
        span(4, 4),
        Value::U64(ttl.into()),
        format_args!("Original TTL: {ttl} ({})", duration_text(ttl)),
    );
    for (o, def) in [(8, &RRSIG_EXPIRATION), (12, &RRSIG_INCEPTION)] {
        let ns = i64::from(be32(o)) * 1_000_000_000;
        cx.field(def, span(o, 4), Value::AbsTime(ns));
    }
    let tag = u16::from_be_bytes([d[16], d[17]]);
    cx.field(&RRSIG_KEY_TAG, span(16, 2), Value::U64(tag.into()));
    if let Some(n) = name_at(cx, &RRSIG_SIGNERS_NAME, 18) {
        let sig = &d[(18 + n).min(d.len())..];
        cx.field(&RRSIG_SIGNATURE, span(18 + n, sig.len()), Value::Bytes(sig));
    }
}

/// A DNSKEY record's data (RFC 4034 section 2) and its key tag.
fn dnskey<S: Sink>(cx: &mut Cx<'_, S>, d: &[u8], span: &impl Fn(usize, usize) -> Span) {
    let flags = u16::from_be_bytes([d[0], d[1]]);
    cx.field(&DNSKEY_FLAGS, span(0, 2), Value::U64(flags.into()));
    cx.push();
    cx.field(
        &DNSKEY_ZONE_KEY,
        span(0, 2),
        Value::Bool(flags & 0x0100 != 0),
    );
    cx.field(
        &DNSKEY_KEY_REVOKED,
        span(0, 2),
        Value::Bool(flags & 0x0080 != 0),
    );
    cx.field(&DNSKEY_SEP, span(0, 2), Value::Bool(flags & 0x0001 != 0));
    cx.field(
        &DNSKEY_RESERVED,
        span(0, 2),
        Value::U64((flags & 0xfe7e).into()),
    );
    cx.pop();
    cx.field(&DNSKEY_PROTOCOL, span(2, 1), Value::U64(d[2].into()));
    cx.field(&DNSKEY_ALGORITHM, span(3, 1), Value::U64(d[3].into()));
    cx.generated(&DNSKEY_KEY_ID, span(0, 0), Value::U64(key_tag(d).into()));
    cx.field(
        &DNSKEY_PUBLIC_KEY,
        span(4, d.len() - 4),
        Value::Bytes(&d[4..]),
    );
}

/// RFC 4034 appendix B's key tag: a ones'-complement-like sum of the
/// record's data taken as 16-bit words.
fn key_tag(d: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for (i, &b) in d.iter().enumerate() {
        sum = sum.wrapping_add(if i & 1 == 1 {
            u32::from(b)
        } else {
            u32::from(b) << 8
        });
    }
    sum = sum.wrapping_add(sum >> 16);
    (sum & 0xffff) as u16
}

/// An SRV record's owner name as its parts (`_sip._udp.example.com`:
/// service, protocol, name), each over the whole name, as tshark shows
/// them.
fn srv_name<S: Sink>(cx: &mut Cx<'_, S>, span: Span, name: &str) {
    let mut parts = name.splitn(3, '.');
    for def in [&SRV_SERVICE, &SRV_PROTO, &SRV_NAME] {
        match parts.next() {
            Some(p) => cx.field(def, span, Value::Str(p)),
            None => break,
        }
    }
}

/// A class as a record's line names it (tshark: a bare "Unknown").
fn class_text(c: u16) -> &'static str {
    crate::field::lookup(CLASSES, c.into()).unwrap_or("Unknown")
}

/// A name cut at RFC 1035's length says so.
fn name_too_long<S: Sink>(cx: &mut Cx<'_, S>, msg: &Msg<'_>, pos: usize, name: &Name) {
    if name.too_long {
        cx.expert(
            &NAME_TOO_LONG,
            msg.span(pos, name.wire_len),
            format_args!(
                "Name longer than {MAX_NAME_OCTETS} octets (RFC 1035): read no further than that"
            ),
        );
    }
}

/// One question; returns where the next item starts.
fn question<S: Sink>(cx: &mut Cx<'_, S>, msg: &mut Msg<'_>, pos: usize) -> Result<usize, PastEnd> {
    let b = msg.b;
    let name = read_name(b, pos)?;
    name_too_long(cx, msg, pos, &name);
    let at = pos + name.wire_len;
    let t = bytes::be16(b, at);
    let c = bytes::be16(b, at + 2);
    let (Some(t), Some(c)) = (t, c) else {
        // Wireshark shows the name it read before running out.
        let _ = write!(msg.info, "");
        cx.text(msg.span(pos, b.len() - pos), format_args!("{}", name.text));
        return Err(PastEnd { at: b.len() });
    };
    let tn = type_name(t);
    let _ = write!(msg.info, " {tn} {}", name.text);
    let qu = msg.flavor == Flavor::Mdns && c & 0x8000 != 0;
    let qu_text = match (msg.flavor, qu) {
        (Flavor::Mdns, true) => ", \"QU\" question",
        (Flavor::Mdns, false) => ", \"QM\" question",
        _ => "",
    };
    let _ = write!(msg.info, "{qu_text}");
    let class = if msg.flavor == Flavor::Mdns {
        c & 0x7fff
    } else {
        c
    };
    cx.text(
        msg.span(pos, name.wire_len + 4),
        format_args!(
            "{}: type {tn}, class {}{qu_text}",
            name.text,
            class_text(class)
        ),
    );
    cx.push();
    cx.field(
        &QRY_NAME,
        msg.span(pos, name.wire_len),
        Value::Str(&name.text),
    );
    // Wireshark counts the shown name: its length when longer than one
    // character, and its dots plus one.
    let text_len = if name.text.len() > 1 {
        name.text.len()
    } else {
        0
    };
    let labels = if text_len > 0 {
        name.text.matches('.').count() + 1
    } else {
        0
    };
    cx.generated(
        &QRY_NAME_LEN,
        msg.span(pos, name.wire_len),
        Value::U64(text_len as u64),
    );
    cx.generated(
        &COUNT_LABELS,
        msg.span(pos, name.wire_len),
        Value::U64(labels as u64),
    );
    cx.field(&QRY_TYPE, msg.span(at, 2), Value::U64(t.into()));
    if msg.flavor == Flavor::Mdns {
        cx.field(
            &QRY_CLASS_MDNS,
            msg.span(at + 2, 2),
            Value::U64(class.into()),
        );
        cx.field(&QRY_QU, msg.span(at + 2, 2), Value::Bool(qu));
    } else {
        cx.field(&QRY_CLASS, msg.span(at + 2, 2), Value::U64(class.into()));
    }
    cx.pop();
    Ok(at + 4)
}

/// One resource record; returns where the next starts.
fn record<S: Sink>(cx: &mut Cx<'_, S>, msg: &mut Msg<'_>, pos: usize) -> Result<usize, PastEnd> {
    let b = msg.b;
    let name = read_name(b, pos)?;
    name_too_long(cx, msg, pos, &name);
    let at = pos + name.wire_len;
    let (Some(t), Some(c)) = (bytes::be16(b, at), bytes::be16(b, at + 2)) else {
        return Err(PastEnd { at: b.len() });
    };
    let tn = type_name(t);
    let (Some(ttl), Some(rdlen)) = (bytes::be32(b, at + 4), bytes::be16(b, at + 8)) else {
        return Err(PastEnd { at: b.len() });
    };
    let _ = write!(msg.info, " {tn}");
    let flush = msg.flavor == Flavor::Mdns && c & 0x8000 != 0;
    if flush {
        msg.info.push_str(", cache flush");
    }
    if t == 41 {
        return opt_record(cx, msg, pos, &name, at, c);
    }
    let rd = at + 10;
    let end = rd + rdlen as usize;
    let class = if msg.flavor == Flavor::Mdns {
        c & 0x7fff
    } else {
        c
    };
    let data = b.get(rd..end);
    // The summary on the record's line and the Info words.
    let mut summary = format!("{}: type {tn}, class {}", name.text, class_text(class));
    let rdata_name = |o: usize| read_name(b, o);
    match (t, data) {
        (1, Some(d)) if d.len() == 4 => {
            let a = std::net::Ipv4Addr::new(d[0], d[1], d[2], d[3]);
            let _ = write!(summary, ", addr {a}");
            let _ = write!(msg.info, " {a}");
        }
        (28, Some(d)) if d.len() == 16 => {
            let a = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(d).unwrap_or_default());
            let _ = write!(summary, ", addr {a}");
            let _ = write!(msg.info, " {a}");
        }
        (5 | 2 | 12 | 6 | 39, Some(_)) => {
            if let Ok(n) = rdata_name(rd) {
                let word = match t {
                    5 => "cname",
                    2 => "ns",
                    12 => "",
                    6 => "mname",
                    _ => "dname",
                };
                if word.is_empty() {
                    let _ = write!(summary, ", {}", n.text);
                } else {
                    let _ = write!(summary, ", {word} {}", n.text);
                }
                let _ = write!(msg.info, " {}", n.text);
            }
        }
        (15, Some(d)) if d.len() >= 3 => {
            let pref = u16::from_be_bytes([d[0], d[1]]);
            if let Ok(n) = rdata_name(rd + 2) {
                let _ = write!(summary, ", preference {pref}, mx {}", n.text);
                let _ = write!(msg.info, " {pref} {}", n.text);
            }
        }
        (33, Some(d)) if d.len() >= 7 => {
            let (pr, w, p) = (
                u16::from_be_bytes([d[0], d[1]]),
                u16::from_be_bytes([d[2], d[3]]),
                u16::from_be_bytes([d[4], d[5]]),
            );
            if let Ok(n) = rdata_name(rd + 6) {
                let _ = write!(
                    summary,
                    ", priority {pr}, weight {w}, port {p}, target {}",
                    n.text
                );
                let _ = write!(msg.info, " {pr} {w} {p} {}", n.text);
            }
        }
        _ => {}
    }
    let rr_span = msg.span(pos, end.min(b.len()) - pos);
    cx.text(rr_span, format_args!("{summary}"));
    cx.push();
    let name_span = msg.span(pos, name.wire_len);
    match t {
        33 if !name.text.is_empty() => srv_name(cx, name_span, &name.text),
        _ => cx.field(&RESP_NAME, name_span, Value::Str(&name.text)),
    }
    cx.field(&RESP_TYPE, msg.span(at, 2), Value::U64(t.into()));
    if msg.flavor == Flavor::Mdns {
        cx.field(
            &RESP_CLASS_MDNS,
            msg.span(at + 2, 2),
            Value::U64(class.into()),
        );
        cx.field(&RESP_CACHE_FLUSH, msg.span(at + 2, 2), Value::Bool(flush));
    } else {
        cx.field(&RESP_CLASS, msg.span(at + 2, 2), Value::U64(class.into()));
    }
    cx.labeled(
        &RESP_TTL,
        msg.span(at + 4, 4),
        Value::U64(ttl.into()),
        format_args!("Time to live: {ttl} ({})", duration_text(ttl)),
    );
    cx.field(&RESP_LEN, msg.span(at + 8, 2), Value::U64(rdlen.into()));
    let Some(d) = data else {
        cx.pop();
        return Err(PastEnd { at: b.len() });
    };
    let r = rdata(cx, msg, t, rd, d);
    if let Err(e) = r {
        cx.pop();
        return Err(e);
    }
    cx.pop();
    Ok(end)
}

/// The OPT pseudo-record's fixed part: the UDP payload size where a
/// class would be (mDNS' with its cache-flush bit), extended rcode,
/// version and the Z flags.
fn opt_header<S: Sink>(
    cx: &mut Cx<'_, S>,
    msg: &Msg<'_>,
    at: usize,
    class: u16,
    (ext, ver, z): (u8, u8, u16),
) {
    cx.field(&RESP_TYPE, msg.span(at, 2), Value::U64(41));
    if msg.flavor == Flavor::Mdns {
        let size = Value::U64((class & 0x7fff).into());
        cx.field(&RR_UDP_PAYLOAD_SIZE_MDNS, msg.span(at + 2, 2), size);
        let flush = Value::Bool(class & 0x8000 != 0);
        cx.field(&RESP_CACHE_FLUSH, msg.span(at + 2, 2), flush);
    } else {
        let size = Value::U64(class.into());
        cx.field(&RR_UDP_PAYLOAD_SIZE, msg.span(at + 2, 2), size);
    }
    cx.field(&RESP_EXT_RCODE, msg.span(at + 4, 1), Value::U64(ext.into()));
    cx.field(
        &RESP_EDNS0_VERSION,
        msg.span(at + 5, 1),
        Value::U64(ver.into()),
    );
    cx.field(&RESP_Z, msg.span(at + 6, 2), Value::U64(z.into()));
    cx.push();
    cx.field(
        &RESP_Z_DO,
        msg.span(at + 6, 2),
        Value::Bool(z & 0x8000 != 0),
    );
    cx.field(
        &RESP_Z_RESERVED,
        msg.span(at + 6, 2),
        Value::U64((z & 0x7fff).into()),
    );
    cx.pop();
}

/// An EDNS option's value by its code (cookie, client subnet, the
/// algorithm lists, padding, chain, keepalive, extended error).
fn edns_option_value<S: Sink>(
    cx: &mut Cx<'_, S>,
    code: u16,
    v: &[u8],
    vs: impl Fn(usize, usize) -> Span,
) {
    let vlen = v.len();
    match code {
        10 if vlen >= 8 => {
            cx.field(&OPT_COOKIE_CLIENT, vs(0, 8), Value::Bytes(&v[..8]));
            // An empty server cookie is shown, as tshark's <MISSING>.
            cx.field(&OPT_COOKIE_SERVER, vs(8, vlen - 8), Value::Bytes(&v[8..]));
        }
        8 if vlen >= 4 => {
            let family = u16::from_be_bytes([v[0], v[1]]);
            cx.field(&OPT_CLIENT_FAMILY, vs(0, 2), Value::U64(family.into()));
            cx.field(&OPT_CLIENT_NETMASK, vs(2, 1), Value::U64(v[2].into()));
            cx.field(&OPT_CLIENT_SCOPE, vs(3, 1), Value::U64(v[3].into()));
            let a = &v[4..];
            match family {
                1 if a.len() <= 4 => {
                    let mut x = [0u8; 4];
                    x[..a.len()].copy_from_slice(a);
                    cx.field(&OPT_CLIENT_ADDR4, vs(4, a.len()), Value::Ipv4(x));
                }
                2 if a.len() <= 16 => {
                    let mut x = [0u8; 16];
                    x[..a.len()].copy_from_slice(a);
                    cx.field(&OPT_CLIENT_ADDR6, vs(4, a.len()), Value::Ipv6(x));
                }
                _ => cx.field(&OPT_CLIENT_ADDR, vs(4, a.len()), Value::Bytes(a)),
            }
        }
        // RFC 6975: the algorithms the client understands, a byte each.
        5..=7 => {
            let def = [&OPT_DAU, &OPT_DHU, &OPT_N3U][usize::from(code - 5)];
            for (i, &x) in v.iter().enumerate() {
                cx.field(def, vs(i, 1), Value::U64(x.into()));
            }
        }
        12 => cx.field(&OPT_PADDING, vs(0, vlen), Value::Bytes(v)),
        // The trust point is a name in wire format, shown as text up
        // to its root label as tshark does.
        13 => {
            let text = v.split(|&c| c == 0).next().unwrap_or_default();
            let text = String::from_utf8_lossy(text);
            cx.field(&OPT_CHAIN_FQDN, vs(0, vlen), Value::Str(&text));
        }
        11 if vlen == 2 => cx.field(
            &OPT_KEEPALIVE,
            vs(0, 2),
            Value::U64(u16::from_be_bytes([v[0], v[1]]).into()),
        ),
        15 if vlen >= 2 => {
            cx.field(
                &OPT_EXT_ERROR_CODE,
                vs(0, 2),
                Value::U64(u16::from_be_bytes([v[0], v[1]]).into()),
            );
            if vlen > 2 {
                cx.field(
                    &OPT_EXT_ERROR_TEXT,
                    vs(2, vlen - 2),
                    Value::Str(&String::from_utf8_lossy(&v[2..])),
                );
            }
        }
        _ => {}
    }
}

/// The OPT pseudo-record (EDNS).
fn opt_record<S: Sink>(
    cx: &mut Cx<'_, S>,
    msg: &mut Msg<'_>,
    pos: usize,
    name: &Name,
    at: usize,
    class: u16,
) -> Result<usize, PastEnd> {
    let b = msg.b;
    let (Some(ext), Some(ver), Some(z), Some(rdlen)) = (
        bytes::u8_at(b, at + 4),
        bytes::u8_at(b, at + 5),
        bytes::be16(b, at + 6),
        bytes::be16(b, at + 8),
    ) else {
        return Err(PastEnd { at: b.len() });
    };
    let rd = at + 10;
    let end = rd + rdlen as usize;
    cx.text(
        msg.span(pos, end.min(b.len()) - pos),
        format_args!("{}: type OPT", name.text),
    );
    cx.push();
    cx.field(
        &RESP_NAME,
        msg.span(pos, name.wire_len),
        Value::Str(&name.text),
    );
    opt_header(cx, msg, at, class, (ext, ver, z));
    cx.field(&RESP_LEN, msg.span(at + 8, 2), Value::U64(rdlen.into()));
    let Some(d) = b.get(rd..end) else {
        cx.pop();
        return Err(PastEnd { at: b.len() });
    };
    let mut o = 0;
    while o + 4 <= d.len() {
        let code = u16::from_be_bytes([d[o], d[o + 1]]);
        let len = u16::from_be_bytes([d[o + 2], d[o + 3]]) as usize;
        let vlen = len.min(d.len() - o - 4);
        let v = &d[o + 4..o + 4 + vlen];
        match crate::field::lookup(OPT_CODES, code.into()) {
            Some(name) => cx.labeled(
                &OPT,
                msg.span(rd + o, 4 + vlen),
                Value::None,
                format_args!("Option: {name}"),
            ),
            None => cx.labeled(
                &OPT,
                msg.span(rd + o, 4 + vlen),
                Value::None,
                format_args!("Option: Unknown ({code})"),
            ),
        }
        cx.push();
        cx.field(&OPT_CODE, msg.span(rd + o, 2), Value::U64(code.into()));
        cx.field(&OPT_LEN, msg.span(rd + o + 2, 2), Value::U64(len as u64));
        // Empty data is shown too (tshark's <MISSING>).
        cx.field(&OPT_DATA, msg.span(rd + o + 4, vlen), Value::Bytes(v));
        edns_option_value(cx, code, v, |i, n| msg.span(rd + o + 4 + i, n));
        cx.pop();
        o += 4 + len;
    }
    cx.pop();
    Ok(end)
}

/// The data of a record of type `t` at `rd` (`d` its bytes).
/// A name in the data that cannot be read makes the message unreadable (as
/// Wireshark's exception does): the error comes back.
fn rdata<S: Sink>(
    cx: &mut Cx<'_, S>,
    msg: &mut Msg<'_>,
    t: u16,
    rd: usize,
    d: &[u8],
) -> Result<(), PastEnd> {
    let b = msg.b;
    let span = |o: usize, n: usize| msg.span(rd + o, n);
    let failed = std::cell::Cell::new(None);
    let name_at = |cx: &mut Cx<'_, S>, def: &'static FieldDef, o: usize| -> Option<usize> {
        match read_name(b, rd + o) {
            Ok(n) => {
                cx.field(def, msg.span(rd + o, n.wire_len), Value::Str(&n.text));
                Some(n.wire_len)
            }
            Err(e) => {
                failed.set(Some(e));
                None
            }
        }
    };
    rdata_fields(cx, msg, t, rd, d, span, name_at);
    match failed.get() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn rdata_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    msg: &Msg<'_>,
    t: u16,
    rd: usize,
    d: &[u8],
    span: impl Fn(usize, usize) -> Span,
    name_at: impl Fn(&mut Cx<'_, S>, &'static FieldDef, usize) -> Option<usize>,
) {
    match t {
        38 if !d.is_empty() => a6(cx, d, &span, &name_at),
        1 if d.len() == 4 => cx.field(&A, span(0, 4), Value::Ipv4([d[0], d[1], d[2], d[3]])),
        28 if d.len() == 16 => cx.field(
            &AAAA,
            span(0, 16),
            Value::Ipv6(<[u8; 16]>::try_from(d).unwrap_or_default()),
        ),
        5 => {
            name_at(cx, &CNAME, 0);
        }
        2 => {
            name_at(cx, &NS, 0);
        }
        12 => {
            name_at(cx, &PTR_DOMAIN_NAME, 0);
        }
        15 if d.len() >= 2 => {
            cx.field(
                &MX_PREFERENCE,
                span(0, 2),
                Value::U64(u16::from_be_bytes([d[0], d[1]]).into()),
            );
            name_at(cx, &MX_MAIL_EXCHANGE, 2);
        }
        16 => txt(cx, d, &span),
        6 => soa(cx, d, &span, &name_at),
        33 if d.len() >= 6 => {
            for (i, def) in [&SRV_PRIORITY, &SRV_WEIGHT, &SRV_PORT]
                .into_iter()
                .enumerate()
            {
                cx.field(
                    def,
                    span(2 * i, 2),
                    Value::U64(u16::from_be_bytes([d[2 * i], d[2 * i + 1]]).into()),
                );
            }
            name_at(cx, &SRV_TARGET, 6);
        }
        257 if d.len() >= 2 => caa(cx, d, &span),
        64 | 65 if d.len() >= 2 => svcb(cx, msg, rd, d),
        46 if d.len() >= 18 => rrsig(cx, d, &span, &name_at),
        48 if d.len() >= 4 => dnskey(cx, d, &span),
        29 if !d.is_empty() => loc(cx, d, &span),
        _ => {
            if !d.is_empty() {
                cx.field(&DATA, span(0, d.len()), Value::Bytes(d));
            }
        }
    }
}

/// A6 (RFC 2874, historic): prefix length, address suffix, prefix name.
fn a6<S: Sink>(
    cx: &mut Cx<'_, S>,
    d: &[u8],
    span: &impl Fn(usize, usize) -> Span,
    name_at: &impl Fn(&mut Cx<'_, S>, &'static FieldDef, usize) -> Option<usize>,
) {
    let plen = d[0].min(128) as usize;
    cx.field(&A6_PREFIX_LEN, span(0, 1), Value::U64(plen as u64));
    let suffix_len = (128 - plen).div_ceil(8);
    let mut addr = [0u8; 16];
    let suffix = d.get(1..1 + suffix_len).unwrap_or(&[]);
    addr[16 - suffix.len()..].copy_from_slice(suffix);
    if suffix_len > 0 {
        cx.field(&A6_SUFFIX, span(1, suffix.len()), Value::Ipv6(addr));
    }
    if plen > 0 {
        name_at(cx, &A6_PREFIX_NAME, 1 + suffix_len);
    }
}

/// TXT: its strings, each after its length.
fn txt<S: Sink>(cx: &mut Cx<'_, S>, d: &[u8], span: &impl Fn(usize, usize) -> Span) {
    let mut o = 0;
    while o < d.len() {
        let n = d[o] as usize;
        let s = &d[o + 1..(o + 1 + n).min(d.len())];
        cx.field(&TXT_LENGTH, span(o, 1), Value::U64(n as u64));
        cx.field(
            &TXT,
            span(o + 1, s.len()),
            Value::Str(&String::from_utf8_lossy(s)),
        );
        o += 1 + n;
    }
}

/// SOA: the two names, then serial and the four durations.
fn soa<S: Sink>(
    cx: &mut Cx<'_, S>,
    d: &[u8],
    span: &impl Fn(usize, usize) -> Span,
    name_at: &impl Fn(&mut Cx<'_, S>, &'static FieldDef, usize) -> Option<usize>,
) {
    let Some(m) = name_at(cx, &SOA_MNAME, 0) else {
        return;
    };
    let Some(r) = name_at(cx, &SOA_RNAME, m) else {
        return;
    };
    let o = m + r;
    for (i, def) in [
        &SOA_SERIAL,
        &SOA_REFRESH,
        &SOA_RETRY,
        &SOA_EXPIRE,
        &SOA_MINIMUM,
    ]
    .into_iter()
    .enumerate()
    {
        let Some(v) = bytes::be32(d, o + 4 * i) else {
            return;
        };
        if i == 0 {
            cx.field(def, span(o, 4), Value::U64(v.into()));
        } else {
            cx.labeled(
                def,
                span(o + 4 * i, 4),
                Value::U64(v.into()),
                format_args!("{}: {v} ({})", def.title, duration_text(v)),
            );
        }
    }
}

/// CAA (RFC 8659): flags, tag and the value by tag.
fn caa<S: Sink>(cx: &mut Cx<'_, S>, d: &[u8], span: &impl Fn(usize, usize) -> Span) {
    let flags = d[0];
    cx.field(&CAA_FLAGS, span(0, 1), Value::U64(flags.into()));
    cx.push();
    cx.field(
        &CAA_ISSUER_CRITICAL,
        span(0, 1),
        Value::Bool(flags & 0x80 != 0),
    );
    cx.pop();
    let tl = d[1] as usize;
    cx.field(&CAA_TAG_LENGTH, span(1, 1), Value::U64(tl as u64));
    let tag = &d[2..(2 + tl).min(d.len())];
    cx.field(
        &CAA_TAG,
        span(2, tag.len()),
        Value::Str(&String::from_utf8_lossy(tag)),
    );
    let value = &d[(2 + tl).min(d.len())..];
    let vs = span(2 + tag.len(), value.len());
    let text = String::from_utf8_lossy(value);
    let def = match tag {
        b"issue" => &CAA_ISSUE,
        b"issuewild" => &CAA_ISSUEWILD,
        b"iodef" => &CAA_IODEF,
        _ => &CAA_VALUE,
    };
    cx.field(def, vs, Value::Str(&text));
}

/// LOC (RFC 1876): version 0's sizes, precisions and position, else bytes.
fn loc<S: Sink>(cx: &mut Cx<'_, S>, d: &[u8], span: &impl Fn(usize, usize) -> Span) {
    cx.field(&LOC_VERSION, span(0, 1), Value::U64(d[0].into()));
    if d[0] == 0 && d.len() >= 16 {
        cx.field(&LOC_SIZE, span(1, 1), Value::U64(d[1].into()));
        cx.field(&LOC_HPREC, span(2, 1), Value::U64(d[2].into()));
        cx.field(&LOC_VPREC, span(3, 1), Value::U64(d[3].into()));
        for (i, def) in [&LOC_LATITUDE, &LOC_LONGITUDE, &LOC_ALTITUDE]
            .into_iter()
            .enumerate()
        {
            let v = bytes::be32(d, 4 + 4 * i).unwrap_or(0);
            cx.field(def, span(4 + 4 * i, 4), Value::U64(v.into()));
        }
    } else {
        cx.field(&LOC_UNKNOWN, span(1, d.len() - 1), Value::Bytes(&d[1..]));
    }
}

/// SVCB and HTTPS records (RFC 9460).
fn svcb<S: Sink>(cx: &mut Cx<'_, S>, msg: &Msg<'_>, rd: usize, d: &[u8]) {
    let b = msg.b;
    let span = |o: usize, n: usize| msg.span(rd + o, n);
    cx.field(
        &SVCB_PRIORITY,
        span(0, 2),
        Value::U64(u16::from_be_bytes([d[0], d[1]]).into()),
    );
    let Ok(target) = read_name(b, rd + 2) else {
        return;
    };
    cx.field(
        &SVCB_TARGET,
        span(2, target.wire_len),
        Value::Str(&target.text),
    );
    let mut o = 2 + target.wire_len;
    while o + 4 <= d.len() {
        let key = u16::from_be_bytes([d[o], d[o + 1]]);
        let len = u16::from_be_bytes([d[o + 2], d[o + 3]]) as usize;
        let v = &d[o + 4..(o + 4 + len).min(d.len())];
        let key_name = crate::field::lookup(SVC_KEYS, key.into()).unwrap_or("key");
        cx.sink.field_with_label(
            &SVCB_PARAM,
            span(o, 4 + v.len()),
            Value::None,
            Presence::Normal,
            format_args!("SvcParam: {key_name}"),
        );
        cx.push();
        cx.field(&SVCB_PARAM_KEY, span(o, 2), Value::U64(key.into()));
        cx.field(&SVCB_PARAM_LEN, span(o + 2, 2), Value::U64(len as u64));
        let vo = o + 4;
        match key {
            0 => {
                for (i, k) in v.chunks_exact(2).enumerate() {
                    cx.field(
                        &SVCB_MANDATORY,
                        span(vo + 2 * i, 2),
                        Value::U64(u16::from_be_bytes([k[0], k[1]]).into()),
                    );
                }
            }
            1 => {
                let mut i = 0;
                while i < v.len() {
                    let n = v[i] as usize;
                    let s = &v[i + 1..(i + 1 + n).min(v.len())];
                    cx.field(&SVCB_ALPN_LEN, span(vo + i, 1), Value::U64(n as u64));
                    cx.field(
                        &SVCB_ALPN,
                        span(vo + i + 1, s.len()),
                        Value::Str(&String::from_utf8_lossy(s)),
                    );
                    i += 1 + n;
                }
            }
            3 if v.len() == 2 => cx.field(
                &SVCB_PORT,
                span(vo, 2),
                Value::U64(u16::from_be_bytes([v[0], v[1]]).into()),
            ),
            4 => {
                for (i, a) in v.chunks_exact(4).enumerate() {
                    cx.field(
                        &SVCB_IPV4HINT,
                        span(vo + 4 * i, 4),
                        Value::Ipv4([a[0], a[1], a[2], a[3]]),
                    );
                }
            }
            5 => cx.field(&SVCB_ECH, span(vo, v.len()), Value::Bytes(v)),
            6 => {
                for (i, a) in v.chunks_exact(16).enumerate() {
                    cx.field(
                        &SVCB_IPV6HINT,
                        span(vo + 16 * i, 16),
                        Value::Ipv6(<[u8; 16]>::try_from(a).unwrap_or_default()),
                    );
                }
            }
            _ => cx.field(&SVCB_PARAM_VALUE, span(vo, v.len()), Value::Bytes(v)),
        }
        cx.pop();
        o += 4 + len;
    }
}

/// DNS over TCP: each message after its 2-byte length.
pub struct TcpFraming;

/// DNS's framing in a TCP stream.
pub static TCP_MESSAGES: TcpFraming = TcpFraming;

impl crate::pdu_framing::PduFraming for TcpFraming {
    fn frame(
        &self,
        b: &[u8],
        _: &mut crate::pdu_framing::FramingState<'_>,
    ) -> crate::pdu_framing::Framing {
        use crate::pdu_framing::{Framing, by_length};
        if b.len() < 2 {
            return Framing::NeedMore;
        }
        let len = 2 + u16::from_be_bytes([b[0], b[1]]) as usize;
        if len < 2 + 12 {
            return Framing::NotAPdu;
        }
        by_length(b, len)
    }
    fn starts_pdu(&self, b: &[u8]) -> bool {
        b.len() >= 14
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tcp_length_too_short_for_a_header_is_no_message() {
        use crate::pdu_framing::{Framing, PduFraming, test_state as state};
        let mut n = 0;
        let st = &mut state(&mut n, false);
        assert_eq!(TCP_MESSAGES.frame(&[0, 5, 1, 2], st), Framing::NotAPdu);
    }

    #[test]
    fn names_decompress_and_loops_stop() {
        // example.com at 12, then a pointer to it at 25
        let mut m = vec![0u8; 12];
        m.extend_from_slice(b"\x07example\x03com\x00");
        m.extend_from_slice(&[0xc0, 12]);
        let n = read_name(&m, 12).unwrap();
        assert_eq!(
            (n.text.as_str(), n.wire_len, n.labels),
            ("example.com", 13, 2)
        );
        let p = read_name(&m, 25).unwrap();
        assert_eq!((p.text.as_str(), p.wire_len), ("example.com", 2));
        // a pointer to itself
        let l = read_name(&[0xc0, 0], 0).unwrap();
        assert_eq!(l.text, "<Name contains a pointer that loops>");
        assert!(read_name(&[3, b'a'], 0).is_err());
        assert_eq!(read_name(&[0], 0).unwrap().text, "<Root>");
    }

    #[test]
    fn durations_read_like_wiresharks() {
        assert_eq!(duration_text(60), "1 minute");
        assert_eq!(duration_text(86400), "1 day");
        assert_eq!(duration_text(270), "4 minutes, 30 seconds");
        assert_eq!(duration_text(7200), "2 hours");
    }
}
