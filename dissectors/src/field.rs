//! Field definitions: every decoded value has a static [`FieldDef`] carrying its
//! Wireshark display-filter name, type and presentation. The details tree, the
//! display filters and the JSON output all read fields through these.

use std::fmt;

/// Wireshark's field types (the `FT_*` of `tshark -G fields`), so that filters
/// compare values the way Wireshark does and `wirelens fields` can list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    None,
    Protocol,
    Boolean,
    U8,
    U16,
    U24,
    U32,
    U64,
    I32,
    Float,
    Double,
    AbsTime,
    RelTime,
    String,
    Bytes,
    Ether,
    Ipv4,
    Ipv6,
    FrameNum,
    /// An ASN.1 object identifier, its value the dotted string.
    Oid,
}

impl FieldType {
    /// The name `tshark -G fields` prints for this type.
    pub fn ws_name(self) -> &'static str {
        match self {
            FieldType::None => "FT_NONE",
            FieldType::Protocol => "FT_PROTOCOL",
            FieldType::Boolean => "FT_BOOLEAN",
            FieldType::U8 => "FT_UINT8",
            FieldType::U16 => "FT_UINT16",
            FieldType::U24 => "FT_UINT24",
            FieldType::U32 => "FT_UINT32",
            FieldType::U64 => "FT_UINT64",
            FieldType::I32 => "FT_INT32",
            FieldType::Float => "FT_FLOAT",
            FieldType::Double => "FT_DOUBLE",
            FieldType::AbsTime => "FT_ABSOLUTE_TIME",
            FieldType::RelTime => "FT_RELATIVE_TIME",
            FieldType::String => "FT_STRING",
            FieldType::Bytes => "FT_BYTES",
            FieldType::Ether => "FT_ETHER",
            FieldType::Oid => "FT_OID",
            FieldType::Ipv4 => "FT_IPv4",
            FieldType::Ipv6 => "FT_IPv6",
            FieldType::FrameNum => "FT_FRAMENUM",
        }
    }

    /// Width in bits of an integer container, for hex padding and bit diagrams.
    pub fn bit_width(self) -> u32 {
        match self {
            FieldType::U8 => 8,
            FieldType::U16 => 16,
            FieldType::U24 => 24,
            FieldType::U32 | FieldType::I32 | FieldType::FrameNum => 32,
            FieldType::U64 => 64,
            _ => 0,
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(
            self,
            FieldType::U8
                | FieldType::U16
                | FieldType::U24
                | FieldType::U32
                | FieldType::U64
                | FieldType::I32
                | FieldType::FrameNum
        )
    }
}

/// How an integer is shown (Wireshark's `BASE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    None,
    Dec,
    Hex,
    DecHex,
    HexDec,
    /// Absolute times shown as seconds since the epoch (`frame.time_epoch`).
    Epoch,
}

/// A value-to-name table (Wireshark's `value_string`).
pub type ValueNames = &'static [(u64, &'static str)];

/// One filterable field.
#[derive(Debug)]
pub struct FieldDef {
    /// Display-filter name, e.g. `tcp.srcport`.
    pub name: &'static str,
    /// Human title shown in the details tree, e.g. `Source Port`.
    pub title: &'static str,
    pub ftype: FieldType,
    pub base: Base,
    /// Bits of the container this field occupies (0: the whole container).
    pub mask: u64,
    pub names: Option<ValueNames>,
    pub blurb: &'static str,
    /// A boolean's words for true and false in the details tree
    /// (Wireshark's `true_false_string`; `True`/`False` without one).
    pub tfs: (&'static str, &'static str),
    /// A boolean bit field's container width in bits (Wireshark's display
    /// for FT_BOOLEAN: `tcp.flags.syn` sits in 12); 0: the whole bytes
    /// its mask covers.
    pub bits: u8,
    /// A hidden helper of wirelens' own that tshark does not have: output
    /// shaped as tshark's (`-T json`) leaves it out.
    pub internal: bool,
    /// Wireshark writes this item's label with `proto_item_set_text` and
    /// `append_text` (lists of reassembled pieces): a long one is cut at
    /// 239 bytes without a mark.
    pub appended_label: bool,
}

impl FieldDef {
    pub const fn new(name: &'static str, title: &'static str, ftype: FieldType) -> Self {
        let base = match ftype {
            FieldType::U8
            | FieldType::U16
            | FieldType::U24
            | FieldType::U32
            | FieldType::U64
            | FieldType::I32 => Base::Dec,
            _ => Base::None,
        };
        FieldDef {
            name,
            title,
            ftype,
            base,
            mask: 0,
            names: None,
            blurb: "",
            tfs: ("True", "False"),
            bits: 0,
            internal: false,
            appended_label: false,
        }
    }
    pub const fn base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }
    pub const fn mask(mut self, mask: u64) -> Self {
        self.mask = mask;
        self
    }
    pub const fn names(mut self, names: ValueNames) -> Self {
        self.names = Some(names);
        self
    }
    pub const fn blurb(mut self, blurb: &'static str) -> Self {
        self.blurb = blurb;
        self
    }
    pub const fn tfs(mut self, yes: &'static str, no: &'static str) -> Self {
        self.tfs = (yes, no);
        self
    }
    pub const fn internal(mut self) -> Self {
        self.internal = true;
        self
    }
    pub const fn appended_label(mut self) -> Self {
        self.appended_label = true;
        self
    }
    pub const fn bits(mut self, bits: u8) -> Self {
        self.bits = bits;
        self
    }

    /// The protocol a field belongs to: the part of its name before the first dot.
    pub fn protocol(&self) -> &'static str {
        match self.name.find('.') {
            Some(i) => &self.name[..i],
            None => self.name,
        }
    }

    pub fn name_of(&self, v: u64) -> Option<&'static str> {
        lookup(self.names?, v)
    }

    /// Number of hex digits tshark pads this field to: the container's width
    /// (`ip.flags` is `0x02`, not `0x2`, although its mask has three bits).
    pub fn hex_digits(&self) -> usize {
        self.ftype.bit_width().div_ceil(4).max(1) as usize
    }
}

/// tshark's plurality(): the "s" of "bytes", none for one.
pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn lookup(names: ValueNames, v: u64) -> Option<&'static str> {
    names.iter().find(|(k, _)| *k == v).map(|(_, s)| *s)
}

/// A decoded value, borrowed from the packet where it can be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    None,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Bytes(&'a [u8]),
    Str(&'a str),
    Ether([u8; 6]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    /// Nanoseconds since the Unix epoch.
    AbsTime(i64),
    /// Nanoseconds.
    RelTime(i64),
}

impl Value<'_> {
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U64(v) => Some(v),
            Value::I64(v) => u64::try_from(v).ok(),
            Value::Bool(b) => Some(b as u64),
            _ => None,
        }
    }

    pub fn to_owned_value(&self) -> OwnedValue {
        match *self {
            Value::None => OwnedValue::None,
            Value::Bool(b) => OwnedValue::Bool(b),
            Value::U64(v) => OwnedValue::U64(v),
            Value::I64(v) => OwnedValue::I64(v),
            Value::F64(v) => OwnedValue::F64(v),
            Value::Bytes(b) => OwnedValue::Bytes(b.to_vec()),
            Value::Str(s) => OwnedValue::Str(s.to_string()),
            Value::Ether(m) => OwnedValue::Ether(m),
            Value::Ipv4(a) => OwnedValue::Ipv4(a),
            Value::Ipv6(a) => OwnedValue::Ipv6(a),
            Value::AbsTime(t) => OwnedValue::AbsTime(t),
            Value::RelTime(t) => OwnedValue::RelTime(t),
        }
    }
}

/// An owned [`Value`], kept in the details tree.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    None,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Bytes(Vec<u8>),
    Str(String),
    Ether([u8; 6]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    AbsTime(i64),
    RelTime(i64),
}

impl OwnedValue {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::None => Value::None,
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::U64(v) => Value::U64(*v),
            OwnedValue::I64(v) => Value::I64(*v),
            OwnedValue::F64(v) => Value::F64(*v),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::Str(s) => Value::Str(s),
            OwnedValue::Ether(m) => Value::Ether(*m),
            OwnedValue::Ipv4(a) => Value::Ipv4(*a),
            OwnedValue::Ipv6(a) => Value::Ipv6(*a),
            OwnedValue::AbsTime(t) => Value::AbsTime(*t),
            OwnedValue::RelTime(t) => Value::RelTime(*t),
        }
    }
}

/// Formats a value the way tshark prints it in `-T fields` / `-T json`
/// (the "show" string): integers in the field's base, booleans as 1/0,
/// addresses in their usual notation, byte strings colon-separated.
pub struct Show<'a, 'v>(pub &'a FieldDef, pub &'a Value<'v>);

impl fmt::Display for Show<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let def = self.0;
        match *self.1 {
            Value::None => Ok(()),
            Value::Bool(b) => write!(f, "{}", b as u8),
            Value::U64(v) => match def.base {
                Base::Hex | Base::HexDec => write!(f, "0x{:0width$x}", v, width = def.hex_digits()),
                _ => write!(f, "{v}"),
            },
            Value::I64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Bytes(b) => write_hex_colon(f, b),
            Value::Str(s) => f.write_str(s),
            Value::Ether(m) => write_hex_colon(f, &m),
            Value::Ipv4(a) => write!(f, "{}", std::net::Ipv4Addr::from(a)),
            Value::Ipv6(a) => write!(f, "{}", std::net::Ipv6Addr::from(a)),
            Value::AbsTime(ns) if def.base == Base::Epoch => write_epoch(f, ns, 9),
            Value::AbsTime(ns) => write_utc(f, ns),
            Value::RelTime(ns) => write_secs(f, ns),
        }
    }
}

pub fn write_hex_colon(f: &mut impl fmt::Write, b: &[u8]) -> fmt::Result {
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            f.write_char(':')?;
        }
        write!(f, "{x:02x}")?;
    }
    Ok(())
}

/// `seconds.fraction` with `digits` fractional digits (truncated, as tshark does).
pub fn write_epoch(f: &mut impl fmt::Write, ns: i64, digits: u32) -> fmt::Result {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000) / 10i64.pow(9 - digits.min(9));
    if digits == 0 {
        write!(f, "{secs}")
    } else {
        write!(f, "{secs}.{frac:0width$}", width = digits as usize)
    }
}

/// `Nov 11, 2012 01:00:20.652165000 UTC`, as tshark shows absolute times
/// (always UTC here, so that output does not depend on the machine's zone).
pub fn write_utc(f: &mut impl fmt::Write, ns: i64) -> fmt::Result {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    write!(
        f,
        "{} {:>2}, {y} {:02}:{:02}:{:02}.{frac:09} UTC",
        MONTHS[(m - 1) as usize],
        d,
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
/// Text as Wireshark's format_text shows it: control characters escaped
/// C-style (`\r`, `\n`, `\003`).
pub fn write_format_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = fmt::Write::write_fmt(out, format_args!("\\{:03o}", c as u32));
            }
            c => out.push(c),
        }
    }
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A signed duration in seconds with nanosecond digits, like tshark's relative times.
pub fn write_secs(f: &mut impl fmt::Write, ns: i64) -> fmt::Result {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    write!(f, "{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
}

/// A checksum's status, as every protocol with a checksum shows it
/// (Wireshark's `proto_checksum_vals`).
pub static CHECKSUM_STATUS: &[(u64, &str)] = &[
    (0, "Bad"),
    (1, "Good"),
    (2, "Unverified"),
    (3, "Not present"),
];

/// Declares a list of field definitions and an `ALL` slice of them, so each
/// protocol module states its fields once and the registry picks them up.
#[macro_export]
macro_rules! fields {
    ($($id:ident = $def:expr;)*) => {
        $(pub static $id: $crate::field::FieldDef = $def;)*
        /// Every field this module declares, for the registry.
        pub static ALL: &[&$crate::field::FieldDef] = &[$(&$id),*];
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_width_follows_the_container() {
        let f = FieldDef::new("x", "x", FieldType::U8)
            .base(Base::Hex)
            .mask(0xe0);
        assert_eq!(format!("{}", Show(&f, &Value::U64(2))), "0x02");
        let g = FieldDef::new("x", "x", FieldType::U16).base(Base::Hex);
        assert_eq!(format!("{}", Show(&g, &Value::U64(2))), "0x0002");
    }

    #[test]
    fn utc_matches_tshark() {
        let mut s = String::new();
        write_utc(&mut s, 1_352_595_620_652_165_000).unwrap();
        assert_eq!(s, "Nov 11, 2012 01:00:20.652165000 UTC");
        s.clear();
        write_utc(&mut s, 1_607_454_603_000_000_000).unwrap();
        assert_eq!(s, "Dec  8, 2020 19:10:03.000000000 UTC");
    }

    #[test]
    fn epoch_is_truncated_to_the_requested_digits() {
        let mut s = String::new();
        write_epoch(&mut s, 1_418_145_369_924_505_488, 6).unwrap();
        assert_eq!(s, "1418145369.924505");
        s.clear();
        write_secs(&mut s, -1_500_000_000).unwrap();
        assert_eq!(s, "-1.500000000");
    }
}
