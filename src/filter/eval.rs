//! Runs a compiled filter over one frame's kept values. Types were checked
//! when compiling, so evaluation only answers true or false.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::compile::{Node, Op, Range, RangeEnd};
use super::lexer::CmpOp;
use super::literal::Lit;
use super::sink::{FilterSink, Val};
use super::value::{Item, equal, order};

/// One frame as the filter sees it: kept values and the frame's bytes
/// (protocol layers are spans of them).
pub struct FrameView<'a> {
    pub sink: &'a FilterSink,
    pub data: &'a [u8],
}

impl<'a> FrameView<'a> {
    fn item(&self, v: &Val) -> Item<'a> {
        match *v {
            Val::Present => Item::Present,
            Val::Int(i) => Item::Int(i),
            Val::Float(f) => Item::Float(f),
            Val::Time(t) => Item::Time(t),
            Val::Bytes { .. } | Val::Layer(_) => {
                Item::Bytes(Cow::Borrowed(self.sink.bytes(self.data, v)))
            }
        }
    }
}

fn lit_item(l: &Lit) -> Item<'_> {
    match l {
        Lit::Int(i) => Item::Int(*i),
        Lit::Float(f) => Item::Float(*f),
        Lit::Time(t) => Item::Time(*t),
        Lit::Bytes(b) => Item::Bytes(Cow::Borrowed(b)),
        Lit::Net(b, bits) => Item::Net(b, *bits),
    }
}

/// Calls `f` on each value of `op` until it returns true; returns whether it did.
fn each<'a>(op: &'a Op, fv: &FrameView<'a>, f: &mut dyn FnMut(&Item<'_>) -> bool) -> bool {
    match op {
        Op::Slot(s) => fv.sink.values[*s as usize].iter().any(|v| f(&fv.item(v))),
        Op::Lit(l) => f(&lit_item(l)),
        // As in Wireshark, an absent field has no count (not 0).
        Op::Count(s) => match fv.sink.values[*s as usize].len() {
            0 => false,
            n => f(&Item::Int(n as i128)),
        },
        Op::Slice(inner, ranges) => each(inner, fv, &mut |it| {
            let Some(b) = it.bytes() else {
                return false;
            };
            match slice(b, ranges) {
                Some(s) => f(&Item::Bytes(s)),
                None => false,
            }
        }),
        // The length of a protocol is its layer's, not its data's.
        Op::Len(inner) if matches!(**inner, Op::Slot(_)) => {
            let Op::Slot(s) = **inner else {
                return false;
            };
            fv.sink.values[s as usize].iter().any(|v| {
                let n = match v {
                    Val::Layer(span) => span.len as usize,
                    _ => fv.sink.bytes(fv.data, v).len(),
                };
                f(&Item::Int(n as i128))
            })
        }
        Op::Len(inner) => each(inner, fv, &mut |it| {
            f(&Item::Int(it.bytes().map_or(0, <[u8]>::len) as i128))
        }),
        Op::Upper(inner) => each(inner, fv, &mut |it| {
            let b = it.bytes().unwrap_or(&[]).to_ascii_uppercase();
            f(&Item::Bytes(Cow::Owned(b)))
        }),
        Op::Lower(inner) => each(inner, fv, &mut |it| {
            let b = it.bytes().unwrap_or(&[]).to_ascii_lowercase();
            f(&Item::Bytes(Cow::Owned(b)))
        }),
        Op::BitAnd(inner, mask) => each(inner, fv, &mut |it| match it {
            Item::Int(v) => f(&Item::Int(v & mask)),
            _ => false,
        }),
        Op::BitAndBytes(inner, mask) => each(inner, fv, &mut |it| {
            let b = it.bytes().unwrap_or(&[]);
            let and: Vec<u8> = b.iter().zip(mask).map(|(x, m)| x & m).collect();
            f(&Item::Bytes(Cow::Owned(and)))
        }),
    }
}

/// The bytes a slice selects, or None when a range falls outside them
/// (Wireshark then has no value, so nothing matches).
fn slice<'b>(b: &'b [u8], ranges: &[Range]) -> Option<Cow<'b, [u8]>> {
    let n = b.len() as i64;
    let one = |r: &Range| -> Option<&'b [u8]> {
        let start = if r.start < 0 { n + r.start } else { r.start };
        if start < 0 || start > n {
            return None;
        }
        let end = match r.end {
            RangeEnd::Len(l) => start.checked_add(i64::try_from(l).ok()?)?,
            RangeEnd::Last(l) => (if l < 0 { n + l } else { l }) + 1,
            RangeEnd::ToEnd => n,
        };
        if end < start || end > n {
            return None;
        }
        b.get(start as usize..end as usize)
    };
    match ranges {
        [r] => one(r).map(Cow::Borrowed),
        _ => {
            let mut out = Vec::new();
            for r in ranges {
                out.extend_from_slice(one(r)?);
            }
            Some(Cow::Owned(out))
        }
    }
}

fn holds(op: CmpOp, a: &Item<'_>, b: &Item<'_>) -> bool {
    match op {
        CmpOp::AnyEq | CmpOp::AllEq => equal(a, b),
        CmpOp::AllNe | CmpOp::AnyNe => !equal(a, b),
        CmpOp::Lt => order(a, b) == Some(Ordering::Less),
        CmpOp::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order(a, b) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

fn compare(l: &Op, op: CmpOp, r: &Op, fv: &FrameView<'_>) -> bool {
    let all = matches!(op, CmpOp::AllEq | CmpOp::AllNe);
    if !all {
        return each(l, fv, &mut |a| each(r, fv, &mut |b| holds(op, a, b)));
    }
    // Every pair holds, and there is at least one pair: a field that is
    // absent makes `!=` false, as in Wireshark 4.
    let mut pairs = false;
    let failed = each(l, fv, &mut |a| {
        each(r, fv, &mut |b| {
            pairs = true;
            !holds(op, a, b)
        })
    });
    pairs && !failed
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

pub fn node(n: &Node, fv: &FrameView<'_>) -> bool {
    match n {
        Node::And(a, b) => node(a, fv) && node(b, fv),
        Node::Or(a, b) => node(a, fv) || node(b, fv),
        Node::Xor(a, b) => node(a, fv) != node(b, fv),
        Node::Not(a) => !node(a, fv),
        Node::Exists(s) => !fv.sink.values[*s as usize].is_empty(),
        Node::Any(op) => {
            // A bitwise AND tests true when some bit survives; a field
            // alone, when it is there (whatever its bytes).
            let and = matches!(op, Op::BitAndBytes(..));
            each(op, fv, &mut |it| match it {
                Item::Int(0) => false,
                Item::Bytes(b) if and => b.iter().any(|x| *x != 0),
                _ => true,
            })
        }
        Node::Cmp(l, op, r) => compare(l, *op, r, fv),
        Node::Contains(l, r) => each(l, fv, &mut |a| {
            each(r, fv, &mut |b| match (a.bytes(), b.bytes()) {
                (Some(h), Some(n)) => contains(h, n),
                _ => false,
            })
        }),
        Node::Matches(l, re) => each(l, fv, &mut |a| a.bytes().is_some_and(|b| re.is_match(b))),
        Node::In(l, set) => each(l, fv, &mut |a| {
            set.iter().any(|(lo, hi)| match hi {
                None => each(lo, fv, &mut |b| equal(a, b)),
                Some(hi) => {
                    each(lo, fv, &mut |b| {
                        matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal))
                    }) && each(hi, fv, &mut |b| {
                        matches!(order(a, b), Some(Ordering::Less | Ordering::Equal))
                    })
                }
            })
        }),
    }
}
