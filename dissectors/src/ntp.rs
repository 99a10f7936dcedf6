//! NTP (RFC 5905, UDP port 123): the time packet of modes 1–5, and the
//! first words of control (mode 6) and private (mode 7) messages, with
//! Info as tshark writes it ("NTP Version 4, client").

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static LEAP: &[(u64, &str)] = &[
    (0, "no warning"),
    (1, "last minute of the day has 61 seconds"),
    (2, "last minute of the day has 59 seconds"),
    (3, "unknown (clock unsynchronized)"),
];
static VERSIONS: &[(u64, &str)] = &[
    (0, "reserved"),
    (1, "NTP Version 1"),
    (2, "NTP Version 2"),
    (3, "NTP Version 3"),
    (4, "NTP Version 4"),
    (5, "reserved"),
    (6, "reserved"),
    (7, "reserved"),
];
static MODES: &[(u64, &str)] = &[
    (0, "reserved"),
    (1, "symmetric active"),
    (2, "symmetric passive"),
    (3, "client"),
    (4, "server"),
    (5, "broadcast"),
    (6, "reserved for NTP control message"),
    (7, "reserved for private use"),
];
/// Modes as Info names them.
static INFO_MODES: [&str; 8] = [
    "reserved",
    "symmetric active",
    "symmetric passive",
    "client",
    "server",
    "broadcast",
    "control",
    "private",
];
/// Mode 7 request codes (ntpd's `ntp_request.h`).
static REQUEST_CODES: &[(u64, &str)] = &[
    (0, "PEER_LIST"),
    (1, "PEER_LIST_SUM"),
    (2, "PEER_INFO"),
    (3, "PEER_STATS"),
    (4, "SYS_INFO"),
    (5, "SYS_STATS"),
    (6, "IO_STATS"),
    (7, "MEM_STATS"),
    (8, "LOOP_INFO"),
    (9, "TIMER_STATS"),
    (10, "CONFIG"),
    (11, "UNCONFIG"),
    (12, "SET_SYS_FLAG"),
    (13, "CLR_SYS_FLAG"),
    (14, "MONITOR"),
    (15, "NOMONITOR"),
    (16, "GET_RESTRICT"),
    (17, "RESADDFLAGS"),
    (18, "RESSUBFLAGS"),
    (19, "UNRESTRICT"),
    (20, "MON_GETLIST"),
    (21, "RESET_STATS"),
    (22, "RESET_PEER"),
    (23, "REREAD_KEYS"),
    (24, "DO_DIRTY_HACK"),
    (25, "DONT_DIRTY_HACK"),
    (26, "TRUSTKEY"),
    (27, "UNTRUSTKEY"),
    (28, "AUTHINFO"),
    (29, "TRAPS"),
    (30, "ADD_TRAP"),
    (31, "CLR_TRAP"),
    (32, "REQUEST_KEY"),
    (33, "CONTROL_KEY"),
    (34, "GET_CTLSTATS"),
    (35, "GET_LEAPINFO"),
    (36, "GET_CLOCKINFO"),
    (37, "SET_CLKFUDGE"),
    (38, "GET_KERNEL"),
    (39, "GET_CLKBUGINFO"),
    (41, "SET_PRECISION"),
    (42, "MON_GETLIST_1"),
    (43, "HOSTNAME_ASSOCID"),
    (44, "IF_STATS"),
    (45, "IF_RELOAD"),
];

crate::fields! {
    FLAGS = FieldDef::new("ntp.flags", "Flags", T::U8).base(Base::Hex);
    FLAGS_LI = FieldDef::new("ntp.flags.li", "Leap Indicator", T::U8).mask(0xc0).names(LEAP);
    FLAGS_VN = FieldDef::new("ntp.flags.vn", "Version number", T::U8).mask(0x38).names(VERSIONS);
    FLAGS_MODE = FieldDef::new("ntp.flags.mode", "Mode", T::U8).mask(0x07).names(MODES);
    STRATUM = FieldDef::new("ntp.stratum", "Peer Clock Stratum", T::U8);
    PPOLL = FieldDef::new("ntp.ppoll", "Peer Polling Interval", T::U8);
    PRECISION = FieldDef::new("ntp.precision", "Peer Clock Precision", T::U8);
    ROOTDELAY = FieldDef::new("ntp.rootdelay", "Root Delay", T::U32);
    ROOTDISPERSION = FieldDef::new("ntp.rootdispersion", "Root Dispersion", T::U32);
    REFID = FieldDef::new("ntp.refid", "Reference ID", T::Bytes);
    REFTIME = FieldDef::new("ntp.reftime", "Reference Timestamp", T::AbsTime);
    ORG = FieldDef::new("ntp.org", "Origin Timestamp", T::AbsTime);
    REC = FieldDef::new("ntp.rec", "Receive Timestamp", T::AbsTime);
    XMT = FieldDef::new("ntp.xmt", "Transmit Timestamp", T::AbsTime);
    KEYID = FieldDef::new("ntp.keyid", "Key ID", T::Bytes);
    MAC = FieldDef::new("ntp.mac", "Message Authentication Code", T::Bytes);
    PRIV_REQCODE = FieldDef::new("ntp.priv.reqcode", "Request code", T::U8).names(REQUEST_CODES);
    CTRL_SEQ = FieldDef::new("ntp.ctrl.sequence", "Sequence", T::U16);
}

/// Offsets of the time packet, stated once.
mod field {
    pub const FLAGS: usize = 0;
    pub const STRATUM: usize = 1;
    pub const PPOLL: usize = 2;
    pub const PRECISION: usize = 3;
    pub const ROOTDELAY: usize = 4;
    pub const ROOTDISPERSION: usize = 8;
    pub const REFID: usize = 12;
    pub const REFTIME: usize = 16;
    pub const ORG: usize = 24;
    pub const REC: usize = 32;
    pub const XMT: usize = 40;
    pub const LEN: usize = 48;
}

/// Seconds from NTP's era start (1900) to the Unix epoch.
const UNIX_FROM_NTP: i64 = 2_208_988_800;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let claimed = buf.reported.saturating_sub(off).max(1);
    let b = buf.rest(off);
    let Some(&flags) = b.first() else {
        return 0;
    };
    let (vn, mode) = ((flags >> 3) & 7, flags & 7);
    cx.layer(
        &proto::NTP,
        buf.span(off, b.len()),
        format_args!("Network Time Protocol ({})", INFO_MODES[mode as usize]),
    );
    let version = VERSIONS[vn as usize].1;
    let fspan = buf.span(off + field::FLAGS, 1);
    cx.field(&FLAGS, fspan, Value::U64(flags.into()));
    cx.push();
    cx.field(&FLAGS_LI, fspan, Value::U64((flags >> 6).into()));
    cx.field(&FLAGS_VN, fspan, Value::U64(vn.into()));
    cx.field(&FLAGS_MODE, fspan, Value::U64(mode.into()));
    cx.pop();
    match mode {
        6 => {
            cx.set_info(format_args!("{version}, control"));
            if let Some(seq) = bytes::be16(b, 2) {
                cx.field(&CTRL_SEQ, buf.span(off + 2, 2), Value::U64(seq.into()));
            }
        }
        7 => {
            // Mode 7's first bit is Response, where modes 1-5 have the leap indicator.
            let dir = if flags & 0x80 != 0 {
                "Response"
            } else {
                "Request"
            };
            match b.get(3) {
                Some(&code) => {
                    let name =
                        crate::field::lookup(REQUEST_CODES, code.into()).unwrap_or("Unknown");
                    cx.field(&PRIV_REQCODE, buf.span(off + 3, 1), Value::U64(code.into()));
                    cx.set_info(format_args!("{version}, private, {dir}, {name}"));
                }
                None => cx.set_info(format_args!("{version}, private, {dir}")),
            }
        }
        _ => {
            cx.set_info(format_args!("{version}, {}", INFO_MODES[mode as usize]));
            time_packet(cx, buf, off);
        }
    }
    cx.end_layer();
    claimed
}

/// The fields of a mode 1–5 packet, then key id and MAC when present.
fn time_packet<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    if b.len() < field::LEN {
        cx.ran_out("NTP", buf.span(off, b.len()), buf);
        return;
    }
    let at = |o: usize| buf.span(off + o, 1);
    cx.field(
        &STRATUM,
        at(field::STRATUM),
        Value::U64(b[field::STRATUM].into()),
    );
    cx.field(&PPOLL, at(field::PPOLL), Value::U64(b[field::PPOLL].into()));
    cx.field(
        &PRECISION,
        at(field::PRECISION),
        Value::U64(b[field::PRECISION].into()),
    );
    for (o, def) in [
        (field::ROOTDELAY, &ROOTDELAY),
        (field::ROOTDISPERSION, &ROOTDISPERSION),
    ] {
        let v = bytes::be32(b, o).unwrap_or(0);
        cx.field(def, buf.span(off + o, 4), Value::U64(v.into()));
    }
    cx.field(
        &REFID,
        buf.span(off + field::REFID, 4),
        Value::Bytes(&b[field::REFID..field::REFID + 4]),
    );
    for (o, def) in [
        (field::REFTIME, &REFTIME),
        (field::ORG, &ORG),
        (field::REC, &REC),
        (field::XMT, &XMT),
    ] {
        let secs = bytes::be32(b, o).unwrap_or(0);
        let frac = bytes::be32(b, o + 4).unwrap_or(0);
        cx.field(
            def,
            buf.span(off + o, 8),
            Value::AbsTime(unix_ns(secs, frac)),
        );
    }
    let rest = &b[field::LEN..];
    if rest.len() >= 4 + 16 {
        cx.field(
            &KEYID,
            buf.span(off + field::LEN, 4),
            Value::Bytes(&rest[..4]),
        );
        cx.field(
            &MAC,
            buf.span(off + field::LEN + 4, rest.len() - 4),
            Value::Bytes(&rest[4..]),
        );
    }
}

/// An NTP timestamp as nanoseconds since the Unix epoch (0 stays 0: NTP's
/// "not set").
fn unix_ns(secs: u32, frac: u32) -> i64 {
    if secs == 0 && frac == 0 {
        return 0;
    }
    let ns = (u64::from(frac) * 1_000_000_000) >> 32;
    (i64::from(secs) - UNIX_FROM_NTP) * 1_000_000_000 + ns as i64
}
