//! Tokens to a syntax tree. Precedence as in Wireshark's grammar: `not`
//! binds tightest, then `and`, then `xor`, then `or`; all are left
//! associative.

use super::error::{FilterError, Span};
use super::lexer::{CmpOp, Tok, Token};

/// Nesting deeper than this is refused, so that hostile input cannot
/// exhaust the stack of the recursive descent.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Xor(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// An operand alone: a field or protocol is present, a masked value is nonzero.
    Test(Operand),
    Compare(Operand, CmpOp, Operand),
    Contains(Operand, Operand),
    Matches(Operand, Operand),
    In(Operand, Vec<SetItem>),
}

#[derive(Debug, Clone)]
pub enum Operand {
    /// A field, protocol or unquoted value; with a slice `[...]` after it.
    Word {
        text: String,
        span: Span,
        slice: Option<(String, Span)>,
    },
    Str {
        bytes: Vec<u8>,
        span: Span,
    },
    Func {
        name: String,
        span: Span,
        args: Vec<Operand>,
    },
    BitAnd(Box<Operand>, Box<Operand>),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Word { span, slice, .. } => match slice {
                Some((_, s)) => span.to(*s),
                None => *span,
            },
            Operand::Str { span, .. } | Operand::Func { span, .. } => *span,
            Operand::BitAnd(a, b) => a.span().to(b.span()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SetItem {
    pub lo: Operand,
    pub hi: Option<Operand>,
}

pub fn parse(tokens: &[Token], text_len: usize) -> Result<Expr, FilterError> {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        depth: 0,
        text_len,
    };
    if tokens.is_empty() {
        return Err(FilterError::new("the filter is empty", Span::new(0, 0)));
    }
    let e = p.or()?;
    if let Some(t) = p.peek() {
        return Err(unexpected(t));
    }
    Ok(e)
}

fn unexpected(t: &Token) -> FilterError {
    let what = match &t.tok {
        Tok::Word(w) => w.clone(),
        Tok::Str(_) => "string".to_string(),
        Tok::Slice(s) => format!("[{s}]"),
        _ => describe(&t.tok).to_string(),
    };
    FilterError::new(
        format!("\"{what}\" was unexpected in this context."),
        t.span,
    )
}

fn describe(t: &Tok) -> &'static str {
    match t {
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::Comma => ",",
        Tok::DotDot => "..",
        Tok::BitAnd => "&",
        Tok::And => "and",
        Tok::Or => "or",
        Tok::Xor => "xor",
        Tok::Not => "not",
        Tok::Contains => "contains",
        Tok::Matches => "matches",
        Tok::In => "in",
        Tok::Cmp(_) => "comparison",
        Tok::Word(_) | Tok::Str(_) | Tok::Slice(_) => "value",
    }
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: usize,
    text_len: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }
    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn end_error(&self, what: &str) -> FilterError {
        FilterError::new(
            format!("the filter ends where {what} was expected"),
            Span::new(self.text_len, 0),
        )
    }
    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.peek().map_or(Span::new(self.text_len, 0), |t| t.span);
            return Err(FilterError::new("the filter is nested too deeply", span));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.xor()?;
        while self.eat(&Tok::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.xor()?));
        }
        Ok(e)
    }
    fn xor(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.eat(&Tok::Xor) {
            e = Expr::Xor(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while self.eat(&Tok::And) {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, FilterError> {
        self.enter()?;
        let e = if self.eat(&Tok::Not) {
            Expr::Not(Box::new(self.unary()?))
        } else if self.eat(&Tok::LParen) {
            let e = self.or()?;
            match self.next() {
                Some(t) if t.tok == Tok::RParen => e,
                Some(t) => return Err(unexpected(t)),
                None => return Err(self.end_error("\")\"")),
            }
        } else {
            self.relation()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn relation(&mut self) -> Result<Expr, FilterError> {
        let lhs = self.operand()?;
        let Some(t) = self.peek() else {
            return Ok(Expr::Test(lhs));
        };
        Ok(match &t.tok {
            Tok::Cmp(op) => {
                self.pos += 1;
                Expr::Compare(lhs, *op, self.operand()?)
            }
            Tok::Contains => {
                self.pos += 1;
                Expr::Contains(lhs, self.operand()?)
            }
            Tok::Matches => {
                self.pos += 1;
                Expr::Matches(lhs, self.operand()?)
            }
            Tok::In => {
                self.pos += 1;
                Expr::In(lhs, self.set()?)
            }
            // `a not in {…}`
            Tok::Not
                if self
                    .toks
                    .get(self.pos + 1)
                    .is_some_and(|t| t.tok == Tok::In) =>
            {
                self.pos += 2;
                Expr::Not(Box::new(Expr::In(lhs, self.set()?)))
            }
            _ => Expr::Test(lhs),
        })
    }

    fn set(&mut self) -> Result<Vec<SetItem>, FilterError> {
        match self.next() {
            Some(t) if t.tok == Tok::LBrace => {}
            Some(t) => return Err(unexpected(t)),
            None => return Err(self.end_error("\"{\"")),
        }
        let mut items = Vec::new();
        loop {
            if self.eat(&Tok::RBrace) {
                if items.is_empty() {
                    return Err(FilterError::new(
                        "a set needs at least one value",
                        self.toks[self.pos - 1].span,
                    ));
                }
                return Ok(items);
            }
            let lo = self.operand()?;
            let hi = if self.eat(&Tok::DotDot) {
                Some(self.operand()?)
            } else {
                None
            };
            items.push(SetItem { lo, hi });
            // Wireshark 4 separates members with commas; older versions
            // with spaces, which still reads unambiguously.
            self.eat(&Tok::Comma);
            if self.peek().is_none() {
                return Err(self.end_error("\"}\""));
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        let mut o = self.term()?;
        while self.eat(&Tok::BitAnd) {
            o = Operand::BitAnd(Box::new(o), Box::new(self.term()?));
        }
        Ok(o)
    }

    fn term(&mut self) -> Result<Operand, FilterError> {
        self.enter()?;
        let Some(t) = self.next() else {
            return Err(self.end_error("a field or value"));
        };
        let o = match &t.tok {
            Tok::Word(w) if self.peek().is_some_and(|n| n.tok == Tok::LParen) => {
                self.pos += 1;
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        args.push(self.operand()?);
                        match self.next() {
                            Some(n) if n.tok == Tok::Comma => continue,
                            Some(n) if n.tok == Tok::RParen => break,
                            Some(n) => return Err(unexpected(n)),
                            None => return Err(self.end_error("\")\"")),
                        }
                    }
                }
                let end = self.toks[self.pos - 1].span;
                Operand::Func {
                    name: w.clone(),
                    span: t.span.to(end),
                    args,
                }
            }
            Tok::Word(w) => {
                let slice = match self.peek() {
                    Some(Token {
                        tok: Tok::Slice(s),
                        span,
                    }) => {
                        self.pos += 1;
                        Some((s.clone(), *span))
                    }
                    _ => None,
                };
                Operand::Word {
                    text: w.clone(),
                    span: t.span,
                    slice,
                }
            }
            Tok::Str(s) => Operand::Str {
                bytes: s.clone(),
                span: t.span,
            },
            _ => return Err(unexpected(t)),
        };
        self.depth -= 1;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn shape(e: &Expr) -> String {
        match e {
            Expr::And(a, b) => format!("(and {} {})", shape(a), shape(b)),
            Expr::Or(a, b) => format!("(or {} {})", shape(a), shape(b)),
            Expr::Xor(a, b) => format!("(xor {} {})", shape(a), shape(b)),
            Expr::Not(a) => format!("(not {})", shape(a)),
            Expr::Test(o) => word(o),
            Expr::Compare(a, _, b) => format!("(cmp {} {})", word(a), word(b)),
            Expr::Contains(a, b) => format!("(contains {} {})", word(a), word(b)),
            Expr::Matches(a, b) => format!("(matches {} {})", word(a), word(b)),
            Expr::In(a, s) => format!("(in {} {})", word(a), s.len()),
        }
    }
    fn word(o: &Operand) -> String {
        match o {
            Operand::Word { text, .. } => text.clone(),
            Operand::Str { .. } => "str".into(),
            Operand::Func { name, .. } => format!("{name}()"),
            Operand::BitAnd(a, b) => format!("{}&{}", word(a), word(b)),
        }
    }
    fn p(s: &str) -> Result<String, FilterError> {
        Ok(shape(&parse(&tokenize(s)?, s.len())?))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(p("a or b and c").unwrap(), "(or a (and b c))");
        assert_eq!(
            p("!a && b || c ^^ d").unwrap(),
            "(or (and (not a) b) (xor c d))"
        );
        assert_eq!(
            p("not (a or b) and x == 1").unwrap(),
            "(and (not (or a b)) (cmp x 1))"
        );
        assert_eq!(p("len(x) > 3").unwrap(), "(cmp len() 3)");
        assert_eq!(p("x & 0x02").unwrap(), "x&0x02");
        assert_eq!(p("x not in {1, 2..3}").unwrap(), "(not (in x 2))");
    }

    #[test]
    fn errors_name_the_token() {
        let e = p("tcp.port == 80 )").unwrap_err();
        assert_eq!(e.span, Span::new(15, 1));
        let e = p("(tcp").unwrap_err();
        assert_eq!(e.span, Span::new(4, 0));
        let e = p("tcp ==").unwrap_err();
        assert_eq!(e.span, Span::new(6, 0));
        let deep = "(".repeat(10_000);
        assert!(p(&deep).is_err());
    }
}
