//! NetBIOS Name Service (RFC 1002, UDP port 137): a DNS-shaped header,
//! then names in NetBIOS' first-level encoding; Info as tshark writes it
//! ("Name query NB WORKGROUP<1d>", "Name query response NB 10.0.0.5").

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static OPCODES: &[(u64, &str)] = &[
    (0, "Name query"),
    (5, "Registration"),
    (6, "Release"),
    (7, "Wait for acknowledgment"),
    (8, "Refresh"),
    (9, "Refresh (alternate opcode)"),
    (15, "Multi-homed registration"),
];
static RCODES: &[(u64, &str)] = &[
    (0, "No error"),
    (1, "Request was invalidly formatted"),
    (2, "Server failure"),
    (3, "Requested name does not exist"),
    (4, "Request is not implemented"),
    (5, "Request was refused"),
    (6, "Name is owned by another node"),
    (7, "Name is in conflict"),
];

crate::fields! {
    ID = FieldDef::new("nbns.id", "Transaction ID", T::U16).base(Base::Hex);
    FLAGS = FieldDef::new("nbns.flags", "Flags", T::U16).base(Base::Hex);
    FLAGS_RESPONSE = FieldDef::new("nbns.flags.response", "Response", T::Boolean).tfs("Message is a response", "Message is a query").mask(0x8000);
    FLAGS_OPCODE = FieldDef::new("nbns.flags.opcode", "Opcode", T::U16).mask(0x7800).names(OPCODES);
    FLAGS_RCODE = FieldDef::new("nbns.flags.rcode", "Reply code", T::U16).mask(0x000f).names(RCODES);
    COUNT_QUERIES = FieldDef::new("nbns.count.queries", "Questions", T::U16);
    COUNT_ANSWERS = FieldDef::new("nbns.count.answers", "Answer RRs", T::U16);
    COUNT_AUTH_RR = FieldDef::new("nbns.count.auth_rr", "Authority RRs", T::U16);
    COUNT_ADD_RR = FieldDef::new("nbns.count.add_rr", "Additional RRs", T::U16);
    NAME = FieldDef::new("nbns.name", "Name", T::String);
    TYPE = FieldDef::new("nbns.type", "Type", T::U16);
    ADDR = FieldDef::new("nbns.addr", "Addr", T::Ipv4);
}

/// Offsets of the header, stated once.
mod field {
    pub const ID: usize = 0;
    pub const FLAGS: usize = 2;
    pub const COUNTS: usize = 4;
    pub const HEADER_LEN: usize = 12;
}

const T_NB: u16 = 32;
const T_NBSTAT: u16 = 33;
/// Records read from one message (each takes at least 6 bytes).
const MAX_RECORDS: usize = 64;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    cx.layer(
        &proto::NBNS,
        buf.span(off, b.len()),
        format_args!("NetBIOS Name Service"),
    );
    let (Some(id), Some(flags)) = (bytes::be16(b, field::ID), bytes::be16(b, field::FLAGS)) else {
        cx.ran_out("NBNS", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    };
    let opcode = (flags >> 11) & 0xf;
    let response = flags & 0x8000 != 0;
    let opname = crate::field::lookup(OPCODES, opcode.into());
    let resp = if response { " response" } else { "" };
    match opname {
        Some(n) => cx.set_info(format_args!("{n}{resp}")),
        None => cx.set_info(format_args!("Unknown operation ({opcode}){resp}")),
    }
    let rcode = flags & 0xf;
    if response && opcode != 7 && rcode != 0 {
        let r = crate::field::lookup(RCODES, rcode.into()).unwrap_or("Unknown error");
        cx.append_info(format_args!(", {r}"));
    }
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.field(&ID, s(field::ID, 2), Value::U64(id.into()));
    cx.field(&FLAGS, s(field::FLAGS, 2), Value::U64(flags.into()));
    cx.push();
    cx.field(&FLAGS_RESPONSE, s(field::FLAGS, 2), Value::Bool(response));
    cx.field(&FLAGS_OPCODE, s(field::FLAGS, 2), Value::U64(opcode.into()));
    if response {
        cx.field(&FLAGS_RCODE, s(field::FLAGS, 2), Value::U64(rcode.into()));
    }
    cx.pop();
    let mut counts = [0u16; 4];
    for (i, def) in [
        &COUNT_QUERIES,
        &COUNT_ANSWERS,
        &COUNT_AUTH_RR,
        &COUNT_ADD_RR,
    ]
    .into_iter()
    .enumerate()
    {
        let o = field::COUNTS + 2 * i;
        let Some(c) = bytes::be16(b, o) else {
            cx.ran_out("NBNS", s(o.min(b.len()), 0), buf);
            cx.end_layer();
            return claimed;
        };
        counts[i] = c;
        cx.field(def, s(o, 2), Value::U64(c.into()));
    }
    let mut at = field::HEADER_LEN;
    // Every section is read (a record cut short is malformed wherever it
    // is); Info names the questions and answers only.
    let (questions, answers) = (usize::from(counts[0]), usize::from(counts[1]));
    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
    for i in 0..total.min(MAX_RECORDS) {
        let section = if i < questions {
            Section::Question
        } else if i < questions + answers {
            Section::Answer
        } else {
            Section::Other
        };
        match record(cx, buf, off, at, section, opcode) {
            Some(next) => at = next,
            None => {
                cx.ran_out("NBNS", s(at.min(b.len()), 0), buf);
                break;
            }
        }
    }
    cx.end_layer();
    claimed
}

/// A question (name, type, class) or an answer (then TTL and data): adds
/// it to Info and returns where the next one starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Question,
    Answer,
    /// Authority and additional records: not in Info.
    Other,
}

fn record<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    at: usize,
    section: Section,
    opcode: u16,
) -> Option<usize> {
    let b = buf.rest(off);
    let (name, name_len) = netbios_name(b, at)?;
    let t = bytes::be16(b, at + name_len)?;
    bytes::be16(b, at + name_len + 2)?;
    let tname = match t {
        T_NB => "NB",
        T_NBSTAT => "NBSTAT",
        _ => "Unknown",
    };
    cx.field(&NAME, buf.span(off + at, name_len), Value::Str(&name));
    cx.field(
        &TYPE,
        buf.span(off + at + name_len, 2),
        Value::U64(t.into()),
    );
    let mut next = at + name_len + 4;
    if section == Section::Question {
        cx.append_info(format_args!(" {tname} {name}"));
        return Some(next);
    }
    bytes::be32(b, next)?;
    let data_len = usize::from(bytes::be16(b, next + 4)?);
    next += 6;
    match t {
        _ if section == Section::Other => {}
        T_NB if opcode != 7 => {
            let ip = bytes::array::<4>(b, next + 2)?;
            cx.field(&ADDR, buf.span(off + next + 2, 4), Value::Ipv4(ip));
            cx.append_info(format_args!(" {tname} {}", std::net::Ipv4Addr::from(ip)));
        }
        T_NBSTAT => cx.append_info(format_args!(" {tname}")),
        _ => {}
    }
    Some(next + data_len)
}

/// A name at `at`: its DNS labels, the first undone from NetBIOS'
/// first-level encoding as tshark prints it ("WORKGROUP<1d>", a scope
/// appended), and the bytes it takes (a compression pointer ends it).
fn netbios_name(msg: &[u8], at: usize) -> Option<(String, usize)> {
    let mut labels: Vec<&[u8]> = Vec::new();
    let mut pos = at;
    let mut len = None;
    // Labels are at least a byte each and a pointer is followed once, so
    // this is bounded by the message.
    let mut jumps = 0;
    loop {
        let l = *msg.get(pos)?;
        match l {
            // Before the first jump `pos` only moves forward from `at`; the
            // length is what the name takes there.
            0 => {
                if len.is_none() {
                    len = Some(pos + 1 - at);
                }
                break;
            }
            l if l & 0xc0 == 0xc0 => {
                if len.is_none() {
                    len = Some(pos + 2 - at);
                }
                let target = usize::from(bytes::be16(msg, pos)? & 0x3fff);
                jumps += 1;
                if jumps > 1 || target >= pos {
                    break;
                }
                pos = target;
            }
            l => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(l))?;
                labels.push(label);
                pos += 1 + usize::from(l);
            }
        }
    }
    let first = labels.first().copied().unwrap_or(&[]);
    let mut name = decode_first_level(first);
    for scope in labels.iter().skip(1) {
        name.push('.');
        name.push_str(&String::from_utf8_lossy(scope));
    }
    Some((name, len?))
}

/// 32 letters A-P to 16 bytes: 15 of name (trailing spaces dropped,
/// unprintable ones as <xx>) and the type as <xx>; or tshark's words for
/// what is no such name.
fn decode_first_level(enc: &[u8]) -> String {
    let mut raw = Vec::with_capacity(16);
    for pair in enc.chunks(2) {
        let [hi, lo] = *pair else {
            return "Illegal NetBIOS name (odd number of bytes)".into();
        };
        if !hi.is_ascii_uppercase() {
            return "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)".into();
        }
        if !lo.is_ascii_uppercase() {
            return "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)".into();
        }
        if raw.len() < 16 {
            raw.push((hi - b'A') << 4 | (lo - b'A'));
        }
    }
    if raw.len() != 16 {
        return format!("Illegal NetBIOS name ({} bytes long)", raw.len());
    }
    let name = &raw[..15];
    let end = name.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    let mut s = String::new();
    for &c in &name[..end] {
        if (0x20..0x7f).contains(&c) {
            s.push(c as char);
        } else {
            s.push_str(&format!("<{c:02x}>"));
        }
    }
    s.push_str(&format!("<{:02x}>", raw[15]));
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_level_names() {
        // "WORKGROUP" padded with spaces, type 0x1d.
        let mut enc = Vec::new();
        for &c in b"WORKGROUP      \x1d" {
            enc.push(b'A' + (c >> 4));
            enc.push(b'A' + (c & 0xf));
        }
        assert_eq!(super::decode_first_level(&enc), "WORKGROUP<1d>");
        assert!(super::decode_first_level(b"ABA1").contains("2nd character"));
        assert_eq!(
            super::decode_first_level(b"ABAB"),
            "Illegal NetBIOS name (2 bytes long)"
        );
    }
}
