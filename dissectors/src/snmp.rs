//! SNMP on UDP ports 161, 162 and 8161: v1 and v2c messages (RFC 1157,
//! 3416) with every PDU and variable binding, and SNMPv3's header and USM
//! parameters (RFC 3412, 3414) with a plaintext scoped PDU; an encrypted
//! one is shown as such. Info is the PDU's name and each binding's OID, as
//! tshark writes it; responses name their request ("Response To").

use crate::ber::{self, APPLICATION, CONTEXT, Tlv, UNIVERSAL};
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, Transport};
use crate::proto;
use crate::sink::Sink;

static VERSIONS: &[(u64, &str)] = &[(0, "version-1"), (1, "v2c"), (2, "v2u"), (3, "snmpv3")];
static PDUS: &[(u64, &str)] = &[
    (0, "get-request"),
    (1, "get-next-request"),
    (2, "get-response"),
    (3, "set-request"),
    (4, "trap"),
    (5, "getBulkRequest"),
    (6, "informRequest"),
    (7, "snmpV2-trap"),
    (8, "report"),
];
static ERRORS: &[(u64, &str)] = &[
    (0, "noError"),
    (1, "tooBig"),
    (2, "noSuchName"),
    (3, "badValue"),
    (4, "readOnly"),
    (5, "genErr"),
    (6, "noAccess"),
    (7, "wrongType"),
    (8, "wrongLength"),
    (9, "wrongEncoding"),
    (10, "wrongValue"),
    (11, "noCreation"),
    (12, "inconsistentValue"),
    (13, "resourceUnavailable"),
    (14, "commitFailed"),
    (15, "undoFailed"),
    (16, "authorizationError"),
    (17, "notWritable"),
    (18, "inconsistentName"),
];
static GENERIC_TRAPS: &[(u64, &str)] = &[
    (0, "coldStart"),
    (1, "warmStart"),
    (2, "linkDown"),
    (3, "linkUp"),
    (4, "authenticationFailure"),
    (5, "egpNeighborLoss"),
    (6, "enterpriseSpecific"),
];
static SECURITY_MODELS: &[(u64, &str)] = &[(0, "Any"), (1, "SNMPv1"), (2, "SNMPv2c"), (3, "USM")];
static MSG_DATA: &[(u64, &str)] = &[(0, "plaintext"), (1, "encryptedPDU")];

crate::fields! {
    VERSION = FieldDef::new("snmp.version", "version", T::I32).names(VERSIONS);
    COMMUNITY = FieldDef::new("snmp.community", "community", T::String);
    DATA = FieldDef::new("snmp.data", "data", T::U32).names(PDUS);
    GET_REQUEST = FieldDef::new("snmp.get_request_element", "get-request", T::None);
    GET_NEXT_REQUEST = FieldDef::new("snmp.get_next_request_element", "get-next-request", T::None);
    GET_RESPONSE = FieldDef::new("snmp.get_response_element", "get-response", T::None);
    SET_REQUEST = FieldDef::new("snmp.set_request_element", "set-request", T::None);
    TRAP = FieldDef::new("snmp.trap_element", "trap", T::None);
    GET_BULK_REQUEST = FieldDef::new("snmp.getBulkRequest_element", "getBulkRequest", T::None);
    INFORM_REQUEST = FieldDef::new("snmp.informRequest_element", "informRequest", T::None);
    V2_TRAP = FieldDef::new("snmp.snmpV2_trap_element", "snmpV2-trap", T::None);
    REPORT = FieldDef::new("snmp.report_element", "report", T::None);
    REQUEST_ID = FieldDef::new("snmp.request_id", "request-id", T::I32);
    ERROR_STATUS = FieldDef::new("snmp.error_status", "error-status", T::I32).names(ERRORS);
    ERROR_INDEX = FieldDef::new("snmp.error_index", "error-index", T::I32);
    NON_REPEATERS = FieldDef::new("snmp.non_repeaters", "non-repeaters", T::U32);
    MAX_REPETITIONS = FieldDef::new("snmp.max_repetitions", "max-repetitions", T::U32);
    ENTERPRISE = FieldDef::new("snmp.enterprise", "enterprise", T::Oid);
    AGENT_ADDR = FieldDef::new("snmp.agent_addr", "agent-addr", T::Ipv4);
    GENERIC_TRAP = FieldDef::new("snmp.generic_trap", "generic-trap", T::I32).names(GENERIC_TRAPS);
    SPECIFIC_TRAP = FieldDef::new("snmp.specific_trap", "specific-trap", T::I32);
    TIME_STAMP = FieldDef::new("snmp.time_stamp", "time-stamp", T::U32);
    VARIABLE_BINDINGS = FieldDef::new("snmp.variable_bindings", "variable-bindings", T::U32);
    NAME = FieldDef::new("snmp.name", "Object Name", T::Oid);
    VALUE_INT = FieldDef::new("snmp.value.int", "Value (Integer32)", T::I32);
    VALUE_OCTETS = FieldDef::new("snmp.value.octets", "Value (OctetString)", T::Bytes);
    VALUE_OID = FieldDef::new("snmp.value.oid", "Value (OID)", T::Oid);
    VALUE_NULL = FieldDef::new("snmp.value.null", "Value (Null)", T::None);
    VALUE_IPV4 = FieldDef::new("snmp.value.ipv4", "Value (IpAddress)", T::Ipv4);
    VALUE_ADDR = FieldDef::new("snmp.value.addr", "Value (IpAddress)", T::Bytes);
    VALUE_COUNTER = FieldDef::new("snmp.value.counter", "Value (Counter32)", T::U64);
    VALUE_GAUGE = FieldDef::new("snmp.value.g32", "Value (Gauge32)", T::U64);
    VALUE_TIMETICKS = FieldDef::new("snmp.value.timeticks", "Value (Timeticks)", T::U64);
    VALUE_OPAQUE = FieldDef::new("snmp.value.opaque", "Value (Opaque)", T::Bytes);
    VALUE_NSAP = FieldDef::new("snmp.value.nsap", "Value (NSAP)", T::U64);
    VALUE_COUNTER64 = FieldDef::new("snmp.value.counter64", "Value (Counter64)", T::U64);
    VALUE_U32 = FieldDef::new("snmp.value.u32", "Value (Unsigned32)", T::U64);
    VALUE_UNKNOWN = FieldDef::new("snmp.value.unk", "Value (Unknown)", T::Bytes);
    NO_SUCH_OBJECT = FieldDef::new("snmp.noSuchObject", "noSuchObject", T::None);
    NO_SUCH_INSTANCE = FieldDef::new("snmp.noSuchInstance", "noSuchInstance", T::None);
    END_OF_MIB_VIEW = FieldDef::new("snmp.endOfMibView", "endOfMibView", T::None);
    VAR_BIND_STR = FieldDef::new("snmp.var-bind_str", "Variable-binding-string", T::String);
    RESPONSE_TO = FieldDef::new("snmp.response_to", "Response To", T::FrameNum);
    TIME = FieldDef::new("snmp.time", "Time", T::RelTime);
    MSG_VERSION = FieldDef::new("snmp.msgVersion", "msgVersion", T::I32).names(VERSIONS);
    MSG_GLOBAL_DATA = FieldDef::new("snmp.msgGlobalData_element", "msgGlobalData", T::None);
    MSG_ID = FieldDef::new("snmp.msgID", "msgID", T::U32);
    MSG_MAX_SIZE = FieldDef::new("snmp.msgMaxSize", "msgMaxSize", T::U32);
    MSG_FLAGS = FieldDef::new("snmp.msgFlags", "msgFlags", T::Bytes);
    FLAG_REPORT = FieldDef::new("snmp.v3.flags.report", "Reportable", T::Boolean).tfs("Set", "Not set").mask(0x04);
    FLAG_CRYPT = FieldDef::new("snmp.v3.flags.crypt", "Encrypted", T::Boolean).tfs("Set", "Not set").mask(0x02);
    FLAG_AUTH = FieldDef::new("snmp.v3.flags.auth", "Authenticated", T::Boolean).tfs("Set", "Not set").mask(0x01);
    MSG_SECURITY_MODEL = FieldDef::new("snmp.msgSecurityModel", "msgSecurityModel", T::U32).names(SECURITY_MODELS);
    ENGINE_ID = FieldDef::new("snmp.msgAuthoritativeEngineID", "msgAuthoritativeEngineID", T::Bytes);
    ENGINE_BOOTS = FieldDef::new("snmp.msgAuthoritativeEngineBoots", "msgAuthoritativeEngineBoots", T::U32);
    ENGINE_TIME = FieldDef::new("snmp.msgAuthoritativeEngineTime", "msgAuthoritativeEngineTime", T::U32);
    USER_NAME = FieldDef::new("snmp.msgUserName", "msgUserName", T::String);
    AUTH_PARAMETERS = FieldDef::new("snmp.msgAuthenticationParameters", "msgAuthenticationParameters", T::Bytes);
    PRIV_PARAMETERS = FieldDef::new("snmp.msgPrivacyParameters", "msgPrivacyParameters", T::Bytes);
    MSG_DATA_CHOICE = FieldDef::new("snmp.msgData", "msgData", T::U32).names(MSG_DATA);
    PLAINTEXT = FieldDef::new("snmp.plaintext_element", "plaintext", T::None);
    ENCRYPTED_PDU = FieldDef::new("snmp.encryptedPDU", "encryptedPDU", T::Bytes);
    CONTEXT_ENGINE_ID = FieldDef::new("snmp.contextEngineID", "contextEngineID", T::Bytes);
    CONTEXT_NAME = FieldDef::new("snmp.contextName", "contextName", T::String);
    ENGINE_CONFORM = FieldDef::new("snmp.engineid.conform", "Engine ID Conformance", T::Boolean).tfs("RFC3411 (SNMPv3)", "RFC1910 (Non-SNMPv3)").mask(0x80);
    ENGINE_ENTERPRISE = FieldDef::new("snmp.engineid.enterprise", "Engine Enterprise ID", T::U32);
    ENGINE_FORMAT = FieldDef::new("snmp.engineid.format", "Engine ID Format", T::U8);
    ENGINE_DATA = FieldDef::new("snmp.engineid.data", "Engine ID Data", T::Bytes);
    ENGINE_CREATED = FieldDef::new("snmp.engineid.time", "Engine ID Data: Creation Time", T::AbsTime);
}

/// A binding answered with noSuchObject, noSuchInstance or endOfMibView.
pub static VARBIND_RESPONSE: ExpertDef = ExpertDef::new(
    "snmp.varbind.response",
    Severity::Note,
    Group::ResponseCode,
    "Response",
);

/// The PDU container field of each PDU type, by its context tag.
static PDU_ELEMENTS: [&FieldDef; 9] = [
    &GET_REQUEST,
    &GET_NEXT_REQUEST,
    &GET_RESPONSE,
    &SET_REQUEST,
    &TRAP,
    &GET_BULK_REQUEST,
    &INFORM_REQUEST,
    &V2_TRAP,
    &REPORT,
];

/// Where agents listen.
const AGENT_PORT: u16 = 161;

/// PDU types by context tag.
const GET_RESPONSE_PDU: u32 = 2;
const TRAP_PDU: u32 = 4;
const GET_BULK_PDU: u32 = 5;

/// OIDs whose string value Wireshark hands to a sub-dissector of SNMP's own
/// (so `frame.protocols` lists snmp twice): sysDescr.0 and sysName.0.
const STRING_OIDS: [&str; 2] = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"];

/// Variable bindings shown per message (a hostile message may hold more).
const MAX_BINDINGS: usize = 512;

/// Requests a conversation remembers for matching responses.
const PENDING: usize = crate::packet::MAX_MEMO / 16;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    if !looks_like_snmp(b) {
        return 0;
    }
    cx.layer(
        &proto::SNMP,
        buf.span(off, b.len()),
        format_args!("Simple Network Management Protocol"),
    );
    set_up_conversation(cx);
    let mut m = Message { cx, buf, off };
    if m.message(b).is_none() {
        m.cx.malformed(
            buf.span(off, b.len()),
            format_args!("Malformed SNMP message"),
        );
    }
    cx.end_layer();
    claimed
}

/// As Wireshark's SNMP, which leaves a datagram to the next port's
/// protocol unless it opens with a SEQUENCE whose first item is an INTEGER
/// (the version).
fn looks_like_snmp(b: &[u8]) -> bool {
    if b.first() != Some(&0x30) {
        return false;
    }
    // The SEQUENCE's length: short form, or long form with 1-4 octets.
    let len_octets = match b.get(1) {
        Some(&l) if l & 0x80 == 0 => 1,
        Some(&l) if (0x81..=0x84).contains(&l) => 1 + usize::from(l & 0x7f),
        _ => return false,
    };
    b.get(1 + len_octets) == Some(&0x02)
}

/// Wireshark's SNMP sets up a conversation for a request to port 161:
/// from its source to any port of its destination, so that an agent may
/// answer from another port. Its datagrams, the answer included, then
/// have a stream (`udp.stream`) of their own.
fn set_up_conversation<S: Sink>(cx: &mut Cx<'_, S>) {
    let (Transport::Udp(d), Some(at)) = (cx.pi.transport, cx.transport_at()) else {
        return;
    };
    if d.dst_port == AGENT_PORT && !at.quoted {
        cx.state
            .udp_conversation((at.src, d.src_port), Some(at.dst));
    }
}

/// Whose requests a message is matched with: the conversation SNMP set up
/// (see [`set_up_conversation`]), from the client's address and port to the
/// agent's address. It has no stream yet when its first request is seen,
/// so it is named by its ends, hashed into the upper half of the stream
/// numbers, where the memo keys of real streams never are.
fn conversation_key<S: Sink>(cx: &Cx<'_, S>) -> Option<ConversationKey> {
    let (Transport::Udp(d), Some(at)) = (cx.pi.transport, cx.transport_at()) else {
        return None;
    };
    if at.quoted {
        return None;
    }
    let (client, port, agent) = if d.dst_port == AGENT_PORT {
        (at.src, d.src_port, at.dst)
    } else {
        (at.dst, d.dst_port, at.src)
    };
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: &[u8]| {
        for &c in b {
            h = (h ^ u32::from(c)).wrapping_mul(0x0100_0193);
        }
    };
    for a in [client, agent] {
        match a {
            std::net::IpAddr::V4(v) => eat(&v.octets()),
            std::net::IpAddr::V6(v) => eat(&v.octets()),
        }
    }
    eat(&port.to_be_bytes());
    Some(ConversationKey {
        tcp: false,
        stream: h | 0x8000_0000,
        proto: proto::SNMP.id,
    })
}

/// One message being dissected: `b` is the message's bytes, which start at
/// `off` in `buf`.
struct Message<'m, 'c, S: Sink> {
    cx: &'m mut Cx<'c, S>,
    buf: Buf<'m>,
    off: usize,
}

impl<S: Sink> Message<'_, '_, S> {
    fn span(&self, at: usize, len: usize) -> crate::sink::Span {
        self.buf.span(self.off + at, len)
    }

    /// The element at `at` inside `b[..end]`, which must fit there.
    fn element(&self, b: &[u8], at: usize, end: usize) -> Option<Tlv> {
        let t = ber::header(b, at).ok()?;
        (t.fits(end) && t.fits(b.len())).then_some(t)
    }

    fn integer(
        &mut self,
        b: &[u8],
        at: usize,
        end: usize,
        def: &'static FieldDef,
    ) -> Option<(i64, usize)> {
        let t = self
            .element(b, at, end)
            .filter(|t| t.is(UNIVERSAL, ber::INTEGER))?;
        let v = ber::integer(t.bytes(b))?;
        self.cx.field(def, self.span(t.value, t.len), Value::I64(v));
        Some((v, t.end()))
    }

    fn message(&mut self, b: &[u8]) -> Option<()> {
        let outer = self.element(b, 0, b.len())?;
        if !outer.is(UNIVERSAL, ber::SEQUENCE) {
            return None;
        }
        let end = outer.end();
        let version = ber::integer(self.element(b, outer.value, end)?.bytes(b))?;
        if version == 3 {
            return self.v3(b, outer.value, end);
        }
        let (_, at) = self.integer(b, outer.value, end, &VERSION)?;
        let community = self
            .element(b, at, end)
            .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
        let text = String::from_utf8_lossy(community.bytes(b));
        self.cx.field(
            &COMMUNITY,
            self.span(community.value, community.len),
            Value::Str(&text),
        );
        self.pdus(b, community.end(), end)
    }

    /// PDUs ::= CHOICE { get-request [0] ... report [8] }
    fn pdus(&mut self, b: &[u8], at: usize, end: usize) -> Option<()> {
        let pdu = self.element(b, at, end)?;
        if pdu.class != CONTEXT || !pdu.constructed || pdu.tag as usize >= PDU_ELEMENTS.len() {
            return None;
        }
        let name = PDUS[pdu.tag as usize].1;
        self.cx.set_info(format_args!("{name}"));
        let whole = self.span(pdu.start, pdu.end() - pdu.start);
        self.cx.field(&DATA, whole, Value::U64(pdu.tag.into()));
        self.cx.push();
        let element = self.span(pdu.value, pdu.len);
        self.cx
            .field(PDU_ELEMENTS[pdu.tag as usize], element, Value::None);
        self.cx.push();
        let request_id = if pdu.tag == TRAP_PDU {
            self.trap_v1(b, pdu.value, pdu.end());
            None
        } else {
            self.pdu(b, pdu.value, pdu.end(), pdu.tag)
        };
        self.cx.pop();
        self.cx.pop();
        if let Some(id) = request_id {
            self.match_request(pdu.tag, id, pdu.start);
        }
        Some(())
    }

    /// A PDU or BulkPDU: request-id, two integers, the bindings.
    fn pdu(&mut self, b: &[u8], at: usize, end: usize, tag: u32) -> Option<i64> {
        let (id, at) = self.integer(b, at, end, &REQUEST_ID)?;
        let (first, second) = if tag == GET_BULK_PDU {
            (&NON_REPEATERS, &MAX_REPETITIONS)
        } else {
            (&ERROR_STATUS, &ERROR_INDEX)
        };
        let (_, at) = self.integer(b, at, end, first)?;
        let (_, at) = self.integer(b, at, end, second)?;
        self.bindings(b, at, end);
        Some(id)
    }

    /// Trap-PDU (v1): enterprise, agent-addr, generic and specific trap,
    /// time-stamp, the bindings.
    fn trap_v1(&mut self, b: &[u8], at: usize, end: usize) -> Option<()> {
        let e = self
            .element(b, at, end)
            .filter(|t| t.is(UNIVERSAL, ber::OID))?;
        let arcs = ber::oid_arcs(e.bytes(b))?;
        let (dotted, resolved) = (ber::oid_string(&arcs), ber::oid_resolved(&arcs));
        self.cx.labeled(
            &ENTERPRISE,
            self.span(e.value, e.len),
            Value::Str(&dotted),
            format_args!("enterprise: {dotted} ({resolved})"),
        );
        self.cx.append_info(format_args!(" {resolved}"));
        let addr = self
            .element(b, e.end(), end)
            .filter(|t| t.is(APPLICATION, 0))?;
        if let Ok(a) = <[u8; 4]>::try_from(addr.bytes(b)) {
            self.cx
                .field(&AGENT_ADDR, self.span(addr.value, addr.len), Value::Ipv4(a));
        }
        let (_, at) = self.integer(b, addr.end(), end, &GENERIC_TRAP)?;
        let (_, at) = self.integer(b, at, end, &SPECIFIC_TRAP)?;
        let ts = self.element(b, at, end).filter(|t| t.is(APPLICATION, 3))?;
        let ticks = ber::unsigned(ts.bytes(b)).unwrap_or(0);
        self.cx
            .field(&TIME_STAMP, self.span(ts.value, ts.len), Value::U64(ticks));
        self.bindings(b, ts.end(), end);
        Some(())
    }

    /// VarBindList ::= SEQUENCE OF VarBind
    fn bindings(&mut self, b: &[u8], at: usize, end: usize) -> Option<()> {
        let list = self
            .element(b, at, end)
            .filter(|t| t.is(UNIVERSAL, ber::SEQUENCE))?;
        let mut n = 0usize;
        let mut at = list.value;
        while at < list.end() && n < MAX_BINDINGS {
            at = self.element(b, at, list.end())?.end();
            n += 1;
        }
        let items = if n == 1 { "item" } else { "items" };
        self.cx.labeled(
            &VARIABLE_BINDINGS,
            self.span(list.value, list.len),
            Value::U64(n as u64),
            format_args!("variable-bindings: {n} {items}"),
        );
        self.cx.push();
        let mut at = list.value;
        for _ in 0..n {
            let Some(next) = self.binding(b, at, list.end()) else {
                break;
            };
            at = next;
        }
        self.cx.pop();
        Some(())
    }

    /// VarBind ::= SEQUENCE { name OBJECT IDENTIFIER, value }: returns
    /// where the next one starts.
    fn binding(&mut self, b: &[u8], at: usize, end: usize) -> Option<usize> {
        let vb = self.element(b, at, end)?;
        let name = self
            .element(b, vb.value, vb.end())
            .filter(|t| t.is(UNIVERSAL, ber::OID))?;
        let arcs = ber::oid_arcs(name.bytes(b))?;
        let dotted = ber::oid_string(&arcs);
        let value = self.element(b, name.end(), vb.end())?;
        self.cx
            .text(self.span(vb.value, vb.len), format_args!("{dotted}"));
        self.cx.push();
        self.cx.labeled(
            &NAME,
            self.span(name.value, name.len),
            Value::Str(&dotted),
            format_args!("Object Name: {dotted} ({})", ber::oid_resolved(&arcs)),
        );
        self.value(b, &value, &dotted);
        self.cx.pop();
        self.cx.append_info(format_args!(" {dotted}"));
        Some(vb.end())
    }

    fn value(&mut self, b: &[u8], t: &Tlv, oid: &str) {
        let v = t.bytes(b);
        let span = self.span(t.value, t.len);
        let unsigned = |def: &'static FieldDef| (def, ber::unsigned(v).map(Value::U64));
        let (def, val) = match (t.class, t.tag) {
            (UNIVERSAL, ber::INTEGER) => (&VALUE_INT, ber::integer(v).map(Value::I64)),
            (UNIVERSAL, ber::OCTET_STRING) => return self.octets(v, span, oid),
            (UNIVERSAL, ber::NULL) => (&VALUE_NULL, Some(Value::None)),
            (UNIVERSAL, ber::OID) => return self.oid_value(v, span),
            (APPLICATION, 0) => match <[u8; 4]>::try_from(v) {
                Ok(a) => (&VALUE_IPV4, Some(Value::Ipv4(a))),
                Err(_) => (&VALUE_ADDR, Some(Value::Bytes(v))),
            },
            (APPLICATION, 1) => unsigned(&VALUE_COUNTER),
            (APPLICATION, 2) => unsigned(&VALUE_GAUGE),
            (APPLICATION, 3) => unsigned(&VALUE_TIMETICKS),
            (APPLICATION, 4) => (&VALUE_OPAQUE, Some(Value::Bytes(v))),
            (APPLICATION, 5) => unsigned(&VALUE_NSAP),
            (APPLICATION, 6) => unsigned(&VALUE_COUNTER64),
            (APPLICATION, 7) => unsigned(&VALUE_U32),
            (CONTEXT, 0..=2) => return self.exception(t.tag, span),
            _ => (&VALUE_UNKNOWN, Some(Value::Bytes(v))),
        };
        match val {
            Some(val) => self.cx.field(def, span, val),
            None => self.cx.malformed(
                span,
                format_args!("{}: a value of {} bytes", def.title, v.len()),
            ),
        }
    }

    /// noSuchObject, noSuchInstance, endOfMibView: a field and a note.
    fn exception(&mut self, tag: u32, span: crate::sink::Span) {
        let def = match tag {
            0 => &NO_SUCH_OBJECT,
            1 => &NO_SUCH_INSTANCE,
            _ => &END_OF_MIB_VIEW,
        };
        self.cx.field(def, span, Value::None);
        self.cx
            .expert(&VARBIND_RESPONSE, span, format_args!("{}", def.title));
    }

    /// An OCTET STRING value: shown as text when it is printable, as
    /// Wireshark's BASE_SHOW_ASCII_PRINTABLE does; sysDescr.0 and sysName.0
    /// also as the string SNMP's sub-dissector shows.
    fn octets(&mut self, v: &[u8], span: crate::sink::Span, oid: &str) {
        let printable = v
            .iter()
            .all(|&c| (0x20..0x7f).contains(&c) || c == b'\r' || c == b'\n');
        if printable && !v.is_empty() {
            let text = String::from_utf8_lossy(v);
            self.cx.labeled(
                &VALUE_OCTETS,
                span,
                Value::Bytes(v),
                format_args!("Value (OctetString): \"{}\"", crate::bytes::format_text(v)),
            );
            if STRING_OIDS.contains(&oid) {
                self.cx.mark(&proto::SNMP);
                self.cx.push();
                self.cx.field(&VAR_BIND_STR, span, Value::Str(&text));
                self.cx.pop();
            }
        } else {
            self.cx.field(&VALUE_OCTETS, span, Value::Bytes(v));
        }
    }

    fn oid_value(&mut self, v: &[u8], span: crate::sink::Span) {
        match ber::oid_arcs(v) {
            Some(arcs) => {
                let dotted = ber::oid_string(&arcs);
                let resolved = ber::oid_resolved(&arcs);
                self.cx.labeled(
                    &VALUE_OID,
                    span,
                    Value::Str(&dotted),
                    format_args!("Value (OID): {dotted} ({resolved})"),
                );
            }
            None => self.cx.malformed(span, format_args!("invalid oid")),
        }
    }

    /// Wireshark's request/response matching: a request remembers its
    /// frame by request-id in its conversation; a get-response names it.
    fn match_request(&mut self, tag: u32, id: i64, pdu_at: usize) {
        let Some(key) = conversation_key(self.cx) else {
            return;
        };
        let is_request = matches!(tag, 0 | 1 | 3 | 5 | 6);
        if !is_request && tag != GET_RESPONSE_PDU {
            return;
        }
        let memo = self.cx.state.conversation_memo(key, None);
        let mut pending = Pending::read(&memo);
        let (frame, ts) = (self.cx.frame.number, self.cx.frame.ts_ns);
        if is_request {
            pending.remember(id as u32, frame, ts);
            self.cx.state.conversation_memo(key, Some(&pending.bytes()));
        } else if let Some((request, at)) = pending.find(id as u32) {
            let span = self.span(pdu_at, 0);
            self.cx
                .generated(&RESPONSE_TO, span, Value::U64(request.into()));
            self.cx.generated(&TIME, span, Value::RelTime(ts - at));
        }
    }

    /// SNMPv3Message: msgVersion, msgGlobalData, msgSecurityParameters,
    /// msgData.
    fn v3(&mut self, b: &[u8], at: usize, end: usize) -> Option<()> {
        let (_, at) = self.integer(b, at, end, &MSG_VERSION)?;
        let global = self
            .element(b, at, end)
            .filter(|t| t.is(UNIVERSAL, ber::SEQUENCE))?;
        self.cx.field(
            &MSG_GLOBAL_DATA,
            self.span(global.value, global.len),
            Value::None,
        );
        self.cx.push();
        let ok = self.global_data(b, &global);
        self.cx.pop();
        ok?;
        let params = self
            .element(b, global.end(), end)
            .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
        self.usm(b, &params)?;
        self.msg_data(b, params.end(), end)
    }

    fn global_data(&mut self, b: &[u8], g: &Tlv) -> Option<()> {
        let (_, at) = self.integer(b, g.value, g.end(), &MSG_ID)?;
        let (_, at) = self.integer(b, at, g.end(), &MSG_MAX_SIZE)?;
        let flags = self
            .element(b, at, g.end())
            .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
        let span = self.span(flags.value, flags.len);
        self.cx
            .field(&MSG_FLAGS, span, Value::Bytes(flags.bytes(b)));
        if let [f] = flags.bytes(b) {
            self.cx.push();
            for def in [&FLAG_REPORT, &FLAG_CRYPT, &FLAG_AUTH] {
                self.cx
                    .field(def, span, Value::Bool(u64::from(*f) & def.mask != 0));
            }
            self.cx.pop();
        }
        self.integer(b, flags.end(), g.end(), &MSG_SECURITY_MODEL)?;
        Some(())
    }

    /// UsmSecurityParameters, inside msgSecurityParameters' octets.
    fn usm(&mut self, b: &[u8], params: &Tlv) -> Option<()> {
        let seq = self
            .element(b, params.value, params.end())
            .filter(|t| t.is(UNIVERSAL, ber::SEQUENCE))?;
        let engine = self
            .element(b, seq.value, seq.end())
            .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
        self.engine_id(b, &engine, &ENGINE_ID);
        let (_, at) = self.integer(b, engine.end(), seq.end(), &ENGINE_BOOTS)?;
        let (_, at) = self.integer(b, at, seq.end(), &ENGINE_TIME)?;
        let user = self
            .element(b, at, seq.end())
            .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
        let name = String::from_utf8_lossy(user.bytes(b));
        self.cx.field(
            &USER_NAME,
            self.span(user.value, user.len),
            Value::Str(&name),
        );
        let mut at = user.end();
        for def in [&AUTH_PARAMETERS, &PRIV_PARAMETERS] {
            let t = self
                .element(b, at, seq.end())
                .filter(|t| t.is(UNIVERSAL, ber::OCTET_STRING))?;
            let v = t.bytes(b);
            let span = self.span(t.value, t.len);
            if v.is_empty() {
                self.cx.labeled(
                    def,
                    span,
                    Value::Bytes(v),
                    format_args!("{}: <MISSING>", def.title),
                );
            } else {
                self.cx.field(def, span, Value::Bytes(v));
            }
            at = t.end();
        }
        Some(())
    }

    /// An engine ID (RFC 3411's SnmpEngineID): its conformance bit and
    /// enterprise, then the format and data of an RFC 3411 one.
    fn engine_id(&mut self, b: &[u8], t: &Tlv, def: &'static FieldDef) {
        let v = t.bytes(b);
        let span = self.span(t.value, t.len);
        self.cx.field(def, span, Value::Bytes(v));
        let Some(head) = v.get(..4) else {
            return;
        };
        self.cx.push();
        let first = u64::from(head[0]);
        let conform = if first & 0x80 != 0 {
            "RFC3411 (SNMPv3)"
        } else {
            "RFC1910 (Non-SNMPv3)"
        };
        self.cx.labeled(
            &ENGINE_CONFORM,
            self.span(t.value, 1),
            Value::Bool(first & 0x80 != 0),
            format_args!("{}... .... = Engine ID Conformance: {conform}", first >> 7),
        );
        let enterprise = u32::from_be_bytes([head[0] & 0x7f, head[1], head[2], head[3]]);
        let name = match enterprise {
            9 => "ciscoSystems",
            2021 => "UC Davis, ECE Dept. Tom",
            8072 => "net-snmp",
            _ => "",
        };
        let label = if name.is_empty() {
            format!("Engine Enterprise ID: {enterprise}")
        } else {
            format!("Engine Enterprise ID: {name} ({enterprise})")
        };
        self.cx.labeled(
            &ENGINE_ENTERPRISE,
            self.span(t.value, 4),
            Value::U64(enterprise.into()),
            format_args!("{label}"),
        );
        if first & 0x80 != 0 && v.len() > 4 {
            self.engine_format(t.value + 4, &v[4..], enterprise);
        }
        self.cx.pop();
    }

    /// An RFC 3411 engine ID's format octet and data (`v` starts at the
    /// format, at `at` in the message); net-snmp's random-and-time format
    /// is taken apart as Wireshark does.
    fn engine_format(&mut self, at: usize, v: &[u8], enterprise: u32) {
        self.cx
            .field(&ENGINE_FORMAT, self.span(at, 1), Value::U64(v[0].into()));
        let data = &v[1..];
        let net_snmp = v[0] == 128 && matches!(enterprise, 2021 | 8072);
        if net_snmp && matches!(data.len(), 8 | 12) {
            self.cx
                .field(&ENGINE_DATA, self.span(at + 1, 4), Value::Bytes(&data[..4]));
            let secs = match data.len() {
                8 => i64::from(u32::from_le_bytes([data[4], data[5], data[6], data[7]])),
                _ => i64::from_le_bytes(data[4..12].try_into().unwrap_or([0; 8])),
            };
            let ns = secs.saturating_mul(1_000_000_000);
            self.cx.field(
                &ENGINE_CREATED,
                self.span(at + 5, data.len() - 4),
                Value::AbsTime(ns),
            );
        } else if !data.is_empty() && data.len() <= 27 {
            self.cx.field(
                &ENGINE_DATA,
                self.span(at + 1, data.len()),
                Value::Bytes(data),
            );
        }
    }

    /// ScopedPduData ::= CHOICE { plaintext ScopedPDU, encryptedPDU OCTET STRING }
    fn msg_data(&mut self, b: &[u8], at: usize, end: usize) -> Option<()> {
        let t = self.element(b, at, end)?;
        let whole = self.span(t.start, t.end() - t.start);
        if t.is(UNIVERSAL, ber::OCTET_STRING) {
            self.cx.field(&MSG_DATA_CHOICE, whole, Value::U64(1));
            self.cx.push();
            self.cx.field(
                &ENCRYPTED_PDU,
                self.span(t.value, t.len),
                Value::Bytes(t.bytes(b)),
            );
            self.cx.pop();
            self.cx
                .set_info(format_args!("encryptedPDU: privKey Unknown"));
            return Some(());
        }
        if !t.is(UNIVERSAL, ber::SEQUENCE) {
            return None;
        }
        self.cx.field(&MSG_DATA_CHOICE, whole, Value::U64(0));
        self.cx.push();
        self.cx
            .field(&PLAINTEXT, self.span(t.value, t.len), Value::None);
        self.cx.push();
        let ok = self.scoped_pdu(b, &t);
        self.cx.pop();
        self.cx.pop();
        ok
    }

    fn scoped_pdu(&mut self, b: &[u8], t: &Tlv) -> Option<()> {
        let engine = self
            .element(b, t.value, t.end())
            .filter(|e| e.is(UNIVERSAL, ber::OCTET_STRING))?;
        self.engine_id(b, &engine, &CONTEXT_ENGINE_ID);
        let name = self
            .element(b, engine.end(), t.end())
            .filter(|e| e.is(UNIVERSAL, ber::OCTET_STRING))?;
        let text = String::from_utf8_lossy(name.bytes(b));
        self.cx.field(
            &CONTEXT_NAME,
            self.span(name.value, name.len),
            Value::Str(&text),
        );
        self.pdus(b, name.end(), t.end())
    }
}

/// The requests a conversation waits on: request-id, frame, time, the
/// newest last; kept in the conversation's memo.
struct Pending(Vec<(u32, u32, i64)>);

impl Pending {
    fn read(memo: &[u8]) -> Self {
        let entries = memo
            .chunks_exact(16)
            .map(|c| {
                let word = |i: usize| u32::from_be_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
                let ts = i64::from_be_bytes([c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]]);
                (word(0), word(4), ts)
            })
            .collect();
        Pending(entries)
    }

    fn remember(&mut self, id: u32, frame: u32, ts: i64) {
        self.0.retain(|e| e.0 != id);
        if self.0.len() >= PENDING {
            self.0.remove(0);
        }
        self.0.push((id, frame, ts));
    }

    fn find(&self, id: u32) -> Option<(u32, i64)> {
        self.0.iter().find(|e| e.0 == id).map(|e| (e.1, e.2))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 16);
        for (id, frame, ts) in &self.0 {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&frame.to_be_bytes());
            out.extend_from_slice(&ts.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_requests_round_trip_and_forget_the_oldest() {
        let mut p = Pending(Vec::new());
        for i in 0..PENDING as u32 + 2 {
            p.remember(i, i + 10, i64::from(i) * 1000);
        }
        let q = Pending::read(&p.bytes());
        assert_eq!(q.find(0), None);
        assert_eq!(q.find(5), Some((15, 5000)));
        assert_eq!(q.0.len(), PENDING);
    }
}
