//! Syslog (RFC 3164 / 5424, UDP port 514): the priority, then the message
//! as text, as tshark shows it ("USER.NOTICE: ...").

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static FACILITIES: &[(u64, &str)] = &[
    (0, "KERN"),
    (1, "USER"),
    (2, "MAIL"),
    (3, "DAEMON"),
    (4, "AUTH"),
    (5, "SYSLOG"),
    (6, "LPR"),
    (7, "NEWS"),
    (8, "UUCP"),
    (9, "CRON"),
    (10, "AUTHPRIV"),
    (11, "FTP"),
    (12, "NTP"),
    (13, "SECURITY"),
    (14, "CONSOLE"),
    (15, "SOLARIS-CRON"),
    (16, "LOCAL0"),
    (17, "LOCAL1"),
    (18, "LOCAL2"),
    (19, "LOCAL3"),
    (20, "LOCAL4"),
    (21, "LOCAL5"),
    (22, "LOCAL6"),
    (23, "LOCAL7"),
];
static LEVELS: &[(u64, &str)] = &[
    (0, "EMERG"),
    (1, "ALERT"),
    (2, "CRIT"),
    (3, "ERR"),
    (4, "WARNING"),
    (5, "NOTICE"),
    (6, "INFO"),
    (7, "DEBUG"),
];

crate::fields! {
    FACILITY = FieldDef::new("syslog.facility", "Facility", T::U8).mask(0x3f8).names(FACILITIES);
    LEVEL = FieldDef::new("syslog.level", "Level", T::U8).mask(0x07).names(LEVELS);
    MSG = FieldDef::new("syslog.msg", "Message", T::String);
}

/// Longest priority: `<` and three digits and `>`.
const MAX_PRI_LEN: usize = 5;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let pri = priority(b);
    let msg_at = pri.map_or(0, |(_, len)| len);
    let msg = &b[msg_at..];
    let text = crate::bytes::format_text(msg);
    match pri.map(|(p, _)| p) {
        Some(p) => {
            let fac = crate::field::lookup(FACILITIES, (p >> 3).into()).unwrap_or("Unknown");
            let lvl = LEVELS[usize::from(p & 7)].1;
            cx.layer(
                &proto::SYSLOG,
                buf.span(off, b.len()),
                format_args!("Syslog message: {fac}.{lvl}: {text}"),
            );
            cx.set_info(format_args!("{fac}.{lvl}: {text}"));
            let pspan = buf.span(off, msg_at);
            cx.field(&FACILITY, pspan, Value::U64((p >> 3).into()));
            cx.field(&LEVEL, pspan, Value::U64((p & 7).into()));
        }
        None => {
            cx.layer(
                &proto::SYSLOG,
                buf.span(off, b.len()),
                format_args!("Syslog message: {text}"),
            );
            cx.set_info(format_args!("{text}"));
        }
    }
    let s = String::from_utf8_lossy(msg);
    cx.field(&MSG, buf.span(off + msg_at, msg.len()), Value::Str(&s));
    cx.end_layer();
    claimed
}

/// `<N>` at the start, N at most 191: the priority and the bytes it takes.
fn priority(b: &[u8]) -> Option<(u16, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let end = b.iter().take(MAX_PRI_LEN).position(|&c| c == b'>')?;
    let digits = std::str::from_utf8(&b[1..end]).ok()?;
    let v: u16 = digits.parse().ok()?;
    (v <= 191 && !digits.is_empty()).then_some((v, end + 1))
}
