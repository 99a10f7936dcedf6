//! The values a filter compares: how a field's type reads and compares
//! (Wireshark's `FT_*` rules), and one value in evaluation.

use std::borrow::Cow;
use std::cmp::Ordering;

use dissectors::field::FieldType;

/// How a field's values compare and how constants next to it are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Presence only (`tcp.analysis.retransmission`).
    None,
    /// A protocol layer: its bytes.
    Protocol,
    Bool,
    Int,
    Float,
    RelTime,
    AbsTime,
    Str,
    Bytes,
    Ether,
    Ipv4,
    Ipv6,
}

impl Kind {
    pub fn of(t: FieldType) -> Kind {
        match t {
            FieldType::None => Kind::None,
            FieldType::Protocol => Kind::Protocol,
            FieldType::Boolean => Kind::Bool,
            FieldType::U8
            | FieldType::U16
            | FieldType::U24
            | FieldType::U32
            | FieldType::U64
            | FieldType::I32
            | FieldType::FrameNum => Kind::Int,
            FieldType::Float | FieldType::Double => Kind::Float,
            FieldType::AbsTime => Kind::AbsTime,
            FieldType::RelTime => Kind::RelTime,
            FieldType::String | FieldType::Oid => Kind::Str,
            FieldType::Bytes => Kind::Bytes,
            FieldType::Ether => Kind::Ether,
            FieldType::Ipv4 => Kind::Ipv4,
            FieldType::Ipv6 => Kind::Ipv6,
        }
    }

    /// Kinds whose values are byte strings: they slice, and `contains` and
    /// `matches` apply to them.
    pub fn is_bytes(self) -> bool {
        matches!(
            self,
            Kind::Protocol | Kind::Str | Kind::Bytes | Kind::Ether | Kind::Ipv4 | Kind::Ipv6
        )
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Bool | Kind::Int | Kind::Float)
    }

    /// Whether values of the two kinds can be compared with each other.
    pub fn compatible(self, other: Kind) -> bool {
        self == other
            || (self.is_numeric() && other.is_numeric())
            || (self.is_bytes() && other.is_bytes())
    }
}

/// One value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    Present,
    Int(i128),
    Float(f64),
    Time(i64),
    Bytes(Cow<'a, [u8]>),
    /// A network: equal to the addresses inside it.
    Net(&'a [u8], u32),
}

impl Item<'_> {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Item::Bytes(b) => Some(b),
            Item::Net(b, _) => Some(b),
            _ => None,
        }
    }
}

pub fn equal(a: &Item<'_>, b: &Item<'_>) -> bool {
    match (a, b) {
        (Item::Net(n, bits), Item::Bytes(x)) | (Item::Bytes(x), Item::Net(n, bits)) => {
            in_network(x, n, *bits)
        }
        _ => order(a, b) == Some(Ordering::Equal),
    }
}

pub fn order(a: &Item<'_>, b: &Item<'_>) -> Option<Ordering> {
    Some(match (a, b) {
        (Item::Int(x), Item::Int(y)) => x.cmp(y),
        (Item::Float(x), Item::Float(y)) => x.partial_cmp(y)?,
        (Item::Int(x), Item::Float(y)) => (*x as f64).partial_cmp(y)?,
        (Item::Float(x), Item::Int(y)) => x.partial_cmp(&(*y as f64))?,
        (Item::Time(x), Item::Time(y)) => x.cmp(y),
        (Item::Present, Item::Present) => Ordering::Equal,
        _ => a.bytes()?.cmp(b.bytes()?),
    })
}

/// Whether the first `bits` bits of `addr` and `net` agree.
fn in_network(addr: &[u8], net: &[u8], bits: u32) -> bool {
    if addr.len() != net.len() {
        return false;
    }
    let whole = (bits / 8) as usize;
    if addr[..whole] != net[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (addr[whole] & mask) == (net[whole] & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_hold_their_addresses() {
        let net = [10u8, 1, 0, 0];
        let a = Item::Bytes(Cow::Borrowed(&[10, 1, 200, 3]));
        assert!(equal(&a, &Item::Net(&net, 16)));
        assert!(!equal(&a, &Item::Net(&net, 17)));
        assert!(equal(&a, &Item::Net(&[10, 1, 200, 3], 32)));
        assert!(equal(&a, &Item::Net(&[0, 0, 0, 0], 0)));
    }

    #[test]
    fn numbers_compare_across_int_and_float() {
        assert!(equal(&Item::Int(3), &Item::Float(3.0)));
        assert_eq!(order(&Item::Int(2), &Item::Int(3)), Some(Ordering::Less));
        assert_eq!(order(&Item::Int(2), &Item::Time(3)), None);
    }
}
