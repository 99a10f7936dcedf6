//! A pcapng packet's flags (`epb_flags`): its direction, how it was
//! received, its FCS length and link-layer errors, shown under the frame
//! as Wireshark's "Packet flags" (packet-frame.c), with the direction in
//! the frame's title and as `frame.p2p_dir`.

use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::Cx;
use crate::sink::{Sink, Span};

crate::fields! {
    FLAGS = FieldDef::new("frame.packet_flags", "Packet flags", T::U32).base(Base::Hex);
    DIRECTION = FieldDef::new("frame.packet_flags_direction", "Direction", T::U32).base(Base::Hex).mask(0x3).names(DIRECTIONS);
    RECEPTION_TYPE = FieldDef::new("frame.packet_flags_reception_type", "Reception type", T::U32).mask(0x1c).names(RECEPTION_TYPES);
    FCS_LENGTH = FieldDef::new("frame.packet_flags_fcs_length", "FCS length", T::U32).mask(0x1e0);
    RESERVED = FieldDef::new("frame.packet_flags_reserved", "Reserved", T::U32).mask(0xfe00);
    CRC_ERROR = FieldDef::new("frame.packet_flags_crc_error", "CRC error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x0100_0000);
    TOO_LONG = FieldDef::new("frame.packet_flags_packet_too_error", "Packet too long error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x0200_0000);
    TOO_SHORT = FieldDef::new("frame.packet_flags_packet_too_short_error", "Packet too short error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x0400_0000);
    GAP_ERROR = FieldDef::new("frame.packet_flags_wrong_inter_frame_gap_error", "Wrong interframe gap error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x0800_0000);
    UNALIGNED = FieldDef::new("frame.packet_flags_unaligned_frame_error", "Unaligned frame error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x1000_0000);
    SFD_ERROR = FieldDef::new("frame.packet_flags_start_frame_delimiter_error", "Start frame delimiter error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x2000_0000);
    PREAMBLE_ERROR = FieldDef::new("frame.packet_flags_preamble_error", "Preamble error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x4000_0000);
    SYMBOL_ERROR = FieldDef::new("frame.packet_flags_symbol_error", "Symbol error", T::Boolean).tfs("Set", "Not set").bits(32).mask(0x8000_0000);
    P2P_DIR = FieldDef::new("frame.p2p_dir", "Point-to-Point Direction", T::I32).names(P2P_DIRECTIONS);
}

static DIRECTIONS: &[(u64, &str)] = &[(0, "Unknown"), (1, "Inbound"), (2, "Outbound")];

static RECEPTION_TYPES: &[(u64, &str)] = &[
    (0, "Not specified"),
    (1, "Unicast"),
    (2, "Multicast"),
    (3, "Broadcast"),
    (4, "Promiscuous"),
];

static P2P_DIRECTIONS: &[(u64, &str)] = &[(0, "Sent"), (1, "Received")];

/// The link errors, one bit each, in the order Wireshark lists them.
static ERRORS: [&FieldDef; 8] = [
    &CRC_ERROR,
    &TOO_LONG,
    &TOO_SHORT,
    &GAP_ERROR,
    &UNALIGNED,
    &SFD_ERROR,
    &PREAMBLE_ERROR,
    &SYMBOL_ERROR,
];

/// The direction bits as the frame's title ends with them.
pub fn title_suffix(flags: Option<u32>) -> &'static str {
    match flags.map(|f| f & 3) {
        Some(1) => " (inbound)",
        Some(2) => " (outbound)",
        _ => "",
    }
}

/// The flags' subtree: the value, then each part of it.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, flags: u32) {
    let z = Span::EMPTY;
    let part = |mask: u32| Value::U64(u64::from((flags & mask) >> mask.trailing_zeros()));
    cx.field(&FLAGS, z, Value::U64(flags.into()));
    cx.push();
    cx.field(&DIRECTION, z, part(0x3));
    cx.field(&RECEPTION_TYPE, z, part(0x1c));
    cx.field(&FCS_LENGTH, z, part(0x1e0));
    cx.field(&RESERVED, z, part(0xfe00));
    for def in ERRORS {
        cx.field(def, z, Value::Bool(flags as u64 & def.mask != 0));
    }
    cx.pop();
}

/// `frame.p2p_dir` from the direction bits: sent for outbound, received
/// for inbound, nothing when the direction is not known.
pub fn point_to_point<S: Sink>(cx: &mut Cx<'_, S>, flags: Option<u32>) {
    let dir = match flags.map(|f| f & 3) {
        Some(1) => 1,
        Some(2) => 0,
        _ => return,
    };
    let name = if dir == 0 { "Sent" } else { "Received" };
    let text = format_args!("Point-to-Point Direction: {name} ({dir})");
    cx.labeled(&P2P_DIR, Span::EMPTY, Value::I64(dir), text);
}
