//! Syntax tree to a program: names resolved to the dissectors' fields,
//! constants read as the type of what they are compared with, every type
//! error found here, so that evaluation cannot fail.

use std::collections::HashMap;
use std::sync::OnceLock;

use dissectors::expert::ExpertDef;
use dissectors::field::FieldDef;
use dissectors::registry;
use regex::bytes::{Regex, RegexBuilder};

use super::error::{FilterError, Span};
use super::lexer::CmpOp;
use super::literal::{self, Lit};
use super::parser::{Expr, Operand, SetItem};
use super::value::Kind;

/// A name a filter uses, with every definition that carries it: a protocol,
/// fields and expert items may share one name.
#[derive(Debug, Clone)]
pub struct Slot {
    pub name: &'static str,
    pub kind: Kind,
    pub fields: Vec<&'static FieldDef>,
    pub experts: Vec<&'static ExpertDef>,
    /// A protocol used for its bytes, not only its presence.
    pub needs_bytes: bool,
}

impl Slot {
    fn new(name: &'static str, kind: Kind) -> Slot {
        Slot {
            name,
            kind,
            fields: Vec::new(),
            experts: Vec::new(),
            needs_bytes: false,
        }
    }
}

/// A byte range of a slice, as written: `i:j` (start, length), `i-j`
/// (first and last), `i` (one byte), `:j`, `i:`; negative offsets count
/// from the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub end: RangeEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    Len(u64),
    Last(i64),
    ToEnd,
}

#[derive(Debug, Clone)]
pub enum Op {
    Slot(u16),
    Slice(Box<Op>, Vec<Range>),
    Lit(Lit),
    Len(Box<Op>),
    Count(u16),
    Upper(Box<Op>),
    Lower(Box<Op>),
    BitAnd(Box<Op>, i128),
    /// Bytes ANDed byte by byte with a mask, over the shorter of the two
    /// (`eth[0] & 1`: the group bit of the destination).
    BitAndBytes(Box<Op>, Vec<u8>),
}

#[derive(Debug, Clone)]
pub enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Xor(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Exists(u16),
    /// Some value is there (and is not zero, for a masked integer).
    Any(Op),
    Cmp(Op, CmpOp, Op),
    Contains(Op, Op),
    Matches(Op, Regex),
    In(Op, Vec<(Op, Option<Op>)>),
}

/// Every name the dissectors define, with all its definitions.
fn names() -> &'static HashMap<&'static str, Slot> {
    static NAMES: OnceLock<HashMap<&'static str, Slot>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m: HashMap<&'static str, Slot> = HashMap::new();
        for p in registry::protocols() {
            m.entry(p.name())
                .or_insert_with(|| Slot::new(p.name(), Kind::Protocol))
                .fields
                .push(&p.field);
        }
        for f in registry::fields() {
            let s = m
                .entry(f.name)
                .or_insert_with(|| Slot::new(f.name, Kind::of(f.ftype)));
            if !s.fields.iter().any(|x| std::ptr::eq(*x, f)) {
                s.fields.push(f);
            }
        }
        for e in registry::experts() {
            m.entry(e.name)
                .or_insert_with(|| Slot::new(e.name, Kind::None))
                .experts
                .push(e);
        }
        m
    })
}

/// Every definition that carries `name` (a protocol, fields, expert
/// items), as a filter resolves it.
pub fn slot_named(name: &str) -> Option<&'static Slot> {
    names().get(name)
}

/// Every name a filter can use, sorted (built once: the filter bar
/// completes from it while the user types).
pub fn all_names() -> &'static [&'static str] {
    static SORTED: OnceLock<Vec<&'static str>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut v: Vec<&'static str> = names().keys().copied().collect();
        v.sort_unstable();
        v
    })
}

/// The known name nearest to `word`, when one is near enough to be a typo.
pub fn suggest(word: &str) -> Option<&'static str> {
    let limit = (word.len() / 4).clamp(1, 3);
    names()
        .keys()
        .map(|n| (strsim::damerau_levenshtein(word, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.len().cmp(&b.1.len()))
                .then(a.1.cmp(b.1))
        })
        .map(|(_, n)| n)
}

#[derive(Default)]
pub struct Compiler {
    pub slots: Vec<Slot>,
}

/// A compiled operand, or a constant waiting for the type of the other side.
enum Typed {
    Op(Op, Kind, Span),
    Const {
        text: Vec<u8>,
        quoted: bool,
        span: Span,
    },
}

impl Compiler {
    fn slot(&mut self, name: &str) -> Option<(u16, Kind)> {
        if let Some(i) = self.slots.iter().position(|s| s.name == name) {
            return Some((i as u16, self.slots[i].kind));
        }
        let s = names().get(name)?.clone();
        let kind = s.kind;
        self.slots.push(s);
        Some(((self.slots.len() - 1) as u16, kind))
    }

    fn unknown(word: &str, span: Span) -> FilterError {
        let mut e = FilterError::new(
            format!("\"{word}\" is not a valid protocol or protocol field."),
            span,
        );
        e.suggestion = suggest(word).map(str::to_string);
        e
    }

    pub fn expr(&mut self, e: &Expr) -> Result<Node, FilterError> {
        Ok(match e {
            Expr::And(a, b) => Node::And(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Or(a, b) => Node::Or(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Xor(a, b) => Node::Xor(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Not(a) => Node::Not(Box::new(self.expr(a)?)),
            Expr::Test(o) => match o {
                Operand::Word {
                    text,
                    span,
                    slice: None,
                    ..
                } => match self.slot(text) {
                    Some((s, _)) => Node::Exists(s),
                    None => return Err(Self::unknown(text, *span)),
                },
                _ => {
                    let (op, _, _) = self.field_side(o)?;
                    Node::Any(op)
                }
            },
            Expr::Compare(a, op, b) => {
                let ordered = !matches!(
                    op,
                    CmpOp::AnyEq | CmpOp::AllEq | CmpOp::AllNe | CmpOp::AnyNe
                );
                let (l, r, kind, span) = self.pair(a, b)?;
                if ordered && kind == Kind::Protocol {
                    return Err(FilterError::new(
                        "a protocol can only be tested for equality",
                        span,
                    ));
                }
                Node::Cmp(l, *op, r)
            }
            Expr::Contains(a, b) => {
                let (l, kind, lspan) = self.field_side(a)?;
                if !kind.is_bytes() {
                    return Err(FilterError::new(
                        "\"contains\" needs a string, byte string or protocol on its left",
                        lspan,
                    ));
                }
                let r = match self.typed(b)? {
                    Typed::Op(op, k, span) => {
                        if !k.is_bytes() {
                            return Err(FilterError::new(
                                "\"contains\" needs a string or bytes on its right",
                                span,
                            ));
                        }
                        op
                    }
                    Typed::Const { text, quoted, span } => {
                        let k = if kind == Kind::Str {
                            Kind::Str
                        } else {
                            Kind::Bytes
                        };
                        Op::Lit(
                            literal::parse(&text, quoted, k)
                                .map_err(|m| FilterError::new(m, span))?,
                        )
                    }
                };
                Node::Contains(l, r)
            }
            Expr::Matches(a, b) => {
                let (l, kind, lspan) = self.field_side(a)?;
                if !kind.is_bytes() {
                    return Err(FilterError::new(
                        "\"matches\" needs a string, byte string or protocol on its left",
                        lspan,
                    ));
                }
                let Operand::Str { bytes, span } = b else {
                    return Err(FilterError::new(
                        "\"matches\" needs a regular expression in double quotes",
                        b.span(),
                    ));
                };
                let pattern = std::str::from_utf8(bytes).map_err(|_| {
                    FilterError::new("the regular expression is not valid UTF-8", *span)
                })?;
                // Wireshark's `matches` is case-insensitive unless the
                // pattern says `(?-i)`.
                let re = RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .dfa_size_limit(1 << 20)
                    .build()
                    .map_err(|e| FilterError::new(format!("bad regular expression: {e}"), *span))?;
                Node::Matches(l, re)
            }
            Expr::In(a, items) => {
                let (l, kind, lspan) = self.field_side(a)?;
                if kind == Kind::None {
                    return Err(FilterError::new(
                        "this field has no value to compare",
                        lspan,
                    ));
                }
                let mut set = Vec::new();
                for SetItem { lo, hi } in items {
                    let lo = self.constant(lo, kind)?;
                    let hi = match hi {
                        Some(h) => Some(self.constant(h, kind)?),
                        None => None,
                    };
                    set.push((lo, hi));
                }
                Node::In(l, set)
            }
        })
    }

    fn name_at(&self, o: &Operand) -> Option<&'static str> {
        match o {
            Operand::Word { text, .. } => names().get(text.as_str()).map(|s| s.name),
            _ => None,
        }
    }

    /// A set member: a constant of the field's kind.
    fn constant(&mut self, o: &Operand, kind: Kind) -> Result<Op, FilterError> {
        match self.typed(o)? {
            Typed::Const { text, quoted, span } => self.lit(&text, quoted, kind, span).map(Op::Lit),
            Typed::Op(op, k, span) => {
                if k.compatible(kind) {
                    Ok(op)
                } else {
                    Err(FilterError::new(
                        "this value's type does not match the field's",
                        span,
                    ))
                }
            }
        }
    }

    fn lit(&self, text: &[u8], quoted: bool, kind: Kind, span: Span) -> Result<Lit, FilterError> {
        literal::parse(text, quoted, kind).map_err(|why| {
            FilterError::new(
                format!("\"{}\" is {why}.", String::from_utf8_lossy(text)),
                span,
            )
        })
    }

    /// Both sides of a comparison: at least one is a field; a constant
    /// takes the other side's type.
    fn pair(&mut self, a: &Operand, b: &Operand) -> Result<(Op, Op, Kind, Span), FilterError> {
        let ta = self.typed(a)?;
        let tb = self.typed(b)?;
        for (t, o) in [(&ta, a), (&tb, b)] {
            if let Typed::Op(_, Kind::None, _) = t {
                return Err(FilterError::new(
                    format!(
                        "\"{}\" has no value to compare; test it alone to see whether it is there.",
                        self.name_at(o).unwrap_or("this field")
                    ),
                    a.span().to(b.span()),
                ));
            }
        }
        match (ta, tb) {
            (Typed::Op(l, ka, sa), Typed::Op(r, kb, sb)) => {
                if !ka.compatible(kb) {
                    return Err(FilterError::new(
                        "the two sides have types that cannot be compared",
                        sa.to(sb),
                    ));
                }
                Ok((l, r, ka, sa.to(sb)))
            }
            (Typed::Op(l, k, sa), Typed::Const { text, quoted, span }) => {
                let r = self.lit(&text, quoted, k, span)?;
                Ok((l, Op::Lit(r), k, sa.to(span)))
            }
            (Typed::Const { text, quoted, span }, Typed::Op(r, k, sb)) => {
                let l = self.lit(&text, quoted, k, span)?;
                Ok((Op::Lit(l), r, k, span.to(sb)))
            }
            (Typed::Const { text, quoted, span }, Typed::Const { .. }) => {
                let w = String::from_utf8_lossy(&text).into_owned();
                if !quoted && w.bytes().any(|c| c.is_ascii_alphabetic()) {
                    Err(Self::unknown(&w, span))
                } else {
                    Err(FilterError::new(
                        "a comparison needs a field on one side",
                        span,
                    ))
                }
            }
        }
    }

    /// An operand that must be a field (or computed from one).
    fn field_side(&mut self, o: &Operand) -> Result<(Op, Kind, Span), FilterError> {
        match self.typed(o)? {
            Typed::Op(op, k, s) => Ok((op, k, s)),
            Typed::Const { text, quoted, span } => {
                let w = String::from_utf8_lossy(&text).into_owned();
                if quoted {
                    Err(FilterError::new(
                        "a field was expected here, not a string",
                        span,
                    ))
                } else {
                    Err(Self::unknown(&w, span))
                }
            }
        }
    }

    fn typed(&mut self, o: &Operand) -> Result<Typed, FilterError> {
        Ok(match o {
            Operand::Str { bytes, span } => Typed::Const {
                text: bytes.clone(),
                quoted: true,
                span: *span,
            },
            Operand::Word { text, span, slice } => match (self.slot(text), slice) {
                (Some((s, kind)), None) => {
                    if kind == Kind::Protocol {
                        self.slots[s as usize].needs_bytes = true;
                    }
                    Typed::Op(Op::Slot(s), kind, *span)
                }
                (Some((s, kind)), Some((ranges, rspan))) => {
                    if !kind.is_bytes() {
                        return Err(FilterError::new(
                            format!("\"{text}\" is not a byte string and cannot be sliced."),
                            span.to(*rspan),
                        ));
                    }
                    if kind == Kind::Protocol {
                        self.slots[s as usize].needs_bytes = true;
                    }
                    let r = parse_ranges(ranges).ok_or_else(|| {
                        FilterError::new(format!("\"[{ranges}]\" is not a valid slice."), *rspan)
                    })?;
                    Typed::Op(
                        Op::Slice(Box::new(Op::Slot(s)), r),
                        Kind::Bytes,
                        span.to(*rspan),
                    )
                }
                (None, Some(_)) => return Err(Self::unknown(text, *span)),
                (None, None) => Typed::Const {
                    text: text.as_bytes().to_vec(),
                    quoted: false,
                    span: *span,
                },
            },
            Operand::Func { name, span, args } => {
                let [arg] = args.as_slice() else {
                    return Err(FilterError::new(
                        format!("\"{name}\" takes one argument"),
                        *span,
                    ));
                };
                match name.as_str() {
                    "len" => {
                        let (op, kind, _) = self.field_side(arg)?;
                        if !kind.is_bytes() {
                            return Err(FilterError::new(
                                "len() needs a string, byte string or protocol",
                                arg.span(),
                            ));
                        }
                        if let Op::Slot(s) = op
                            && kind == Kind::Protocol
                        {
                            self.slots[s as usize].needs_bytes = true;
                        }
                        Typed::Op(Op::Len(Box::new(op)), Kind::Int, *span)
                    }
                    "count" => match self.field_side(arg)? {
                        (Op::Slot(s), _, _) => Typed::Op(Op::Count(s), Kind::Int, *span),
                        _ => {
                            return Err(FilterError::new("count() needs a field name", arg.span()));
                        }
                    },
                    "upper" | "lower" => {
                        let (op, kind, _) = self.field_side(arg)?;
                        if kind != Kind::Str {
                            return Err(FilterError::new(
                                format!("{name}() needs a string field"),
                                arg.span(),
                            ));
                        }
                        let op = if name == "upper" {
                            Op::Upper(Box::new(op))
                        } else {
                            Op::Lower(Box::new(op))
                        };
                        Typed::Op(op, Kind::Str, *span)
                    }
                    _ => {
                        return Err(FilterError::new(
                            format!("\"{name}\" is not a function (len, count, upper, lower)."),
                            *span,
                        ));
                    }
                }
            }
            Operand::BitAnd(a, b) => {
                let (op, kind, sa) = self.field_side(a)?;
                if matches!(kind, Kind::Bytes | Kind::Ether | Kind::Protocol) {
                    let mask = match self.typed(b)? {
                        Typed::Const { text, span, .. } => std::str::from_utf8(&text)
                            .ok()
                            .and_then(byte_mask)
                            .ok_or_else(|| {
                                FilterError::new(
                                    "\"&\" on bytes needs a byte string or a number on its right",
                                    span,
                                )
                            })?,
                        Typed::Op(_, _, span) => {
                            return Err(FilterError::new(
                                "\"&\" needs a number on its right",
                                span,
                            ));
                        }
                    };
                    return Ok(Typed::Op(
                        Op::BitAndBytes(Box::new(op), mask),
                        Kind::Bytes,
                        o.span(),
                    ));
                }
                if !matches!(kind, Kind::Int | Kind::Bool) {
                    return Err(FilterError::new(
                        "\"&\" needs an integer field on its left",
                        sa,
                    ));
                }
                let mask = match self.typed(b)? {
                    Typed::Const { text, quoted, span } => {
                        let Lit::Int(v) = self.lit(&text, quoted, Kind::Int, span)? else {
                            return Err(FilterError::new("a number was expected", span));
                        };
                        v
                    }
                    Typed::Op(_, _, span) => {
                        return Err(FilterError::new("\"&\" needs a number on its right", span));
                    }
                };
                Typed::Op(Op::BitAnd(Box::new(op), mask), Kind::Int, o.span())
            }
        })
    }
}

/// The right side of `&` on bytes: a byte string (`01:00`), or a number
/// as its big-endian bytes (`1` is one byte, 0x01), as Wireshark reads it.
fn byte_mask(text: &str) -> Option<Vec<u8>> {
    if let Some(b) = super::literal::byte_string(text) {
        return Some(b);
    }
    let v = super::literal::int(text)?;
    let v = u64::try_from(v).ok()?;
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    Some(bytes[skip..].to_vec())
}

/// `0:3`, `1-3`, `4`, `:3`, `2:`, `-4:`, and comma-separated lists of them.
pub fn parse_ranges(s: &str) -> Option<Vec<Range>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return None;
        }
        let num = |t: &str| -> Option<i64> {
            let t = t.trim();
            let v = literal::int(t)?;
            i64::try_from(v).ok().filter(|v| v.abs() < 1 << 40)
        };
        let r = if let Some((a, b)) = part.split_once(':') {
            let start = if a.trim().is_empty() { 0 } else { num(a)? };
            let end = if b.trim().is_empty() {
                RangeEnd::ToEnd
            } else {
                RangeEnd::Len(u64::try_from(num(b)?).ok()?)
            };
            Range { start, end }
        } else if let Some(i) = part
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '-')
            .map(|(i, _)| i)
        {
            // `i-j`; a leading `-` is the sign of `i`.
            Range {
                start: num(&part[..i])?,
                end: RangeEnd::Last(num(&part[i + 1..])?),
            }
        } else {
            Range {
                start: num(part)?,
                end: RangeEnd::Len(1),
            }
        };
        out.push(r);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_read_every_form() {
        let r = |s| parse_ranges(s).unwrap();
        assert_eq!(
            r("0:3"),
            vec![Range {
                start: 0,
                end: RangeEnd::Len(3)
            }]
        );
        assert_eq!(
            r("1-3"),
            vec![Range {
                start: 1,
                end: RangeEnd::Last(3)
            }]
        );
        assert_eq!(
            r("-4:"),
            vec![Range {
                start: -4,
                end: RangeEnd::ToEnd
            }]
        );
        assert_eq!(
            r(":2"),
            vec![Range {
                start: 0,
                end: RangeEnd::Len(2)
            }]
        );
        assert_eq!(
            r("-1"),
            vec![Range {
                start: -1,
                end: RangeEnd::Len(1)
            }]
        );
        assert_eq!(r("1,3-4").len(), 2);
        assert!(parse_ranges("a:b").is_none());
        // Found by the fuzzer: a slice starting with a multi-byte character.
        assert!(parse_ranges("\u{fffd}\u{fffd}httotph\u{fffd}").is_none());
        assert!(parse_ranges("é-1").is_none());
        assert!(parse_ranges("").is_none());
    }

    #[test]
    fn typos_get_the_nearest_name() {
        assert_eq!(suggest("tcp.prot"), Some("tcp.port"));
        assert_eq!(suggest("dns.qry.nme"), Some("dns.qry.name"));
        assert_eq!(suggest("zzzzzzzz"), None);
    }
}
