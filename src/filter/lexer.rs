//! Splits a display filter into tokens, each with its byte span, so that
//! every error can point at the text it is about.
//!
//! Like Wireshark's scanner, an unquoted run of name-ish characters is one
//! [`Tok::Word`]: whether `10.0.0.0/8`, `aa:bb:cc`, `fe80::1` or `tcp.port`
//! is a field or a value is decided later, by the compiler, which knows the
//! field names and what the other side of a comparison is.

use super::error::{FilterError, Span};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A field name, protocol name or unquoted value.
    Word(String),
    /// A quoted string, escapes resolved (bytes: `\xff` need not be UTF-8).
    Str(Vec<u8>),
    /// The inside of `[...]` after a field: a slice's ranges, unparsed.
    Slice(String),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    /// `..` in a set range.
    DotDot,
    /// `&` (bitwise and).
    BitAnd,
    And,
    Or,
    Xor,
    Not,
    Cmp(CmpOp),
    Contains,
    Matches,
    In,
}

/// Comparison operators with Wireshark 4's quantifiers on repeated fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `eq`, `any_eq`: some value equals.
    AnyEq,
    /// `===`, `all_eq`: every value equals.
    AllEq,
    /// `!=`, `ne`, `all_ne`: no value equals (and there is at least one).
    AllNe,
    /// `~=`, `any_ne`: some value differs.
    AnyNe,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':' | b'/')
}

/// Words that are operators, not names.
fn keyword(w: &str) -> Option<Tok> {
    Some(match w {
        "and" => Tok::And,
        "or" => Tok::Or,
        "xor" => Tok::Xor,
        "not" => Tok::Not,
        "contains" => Tok::Contains,
        "matches" => Tok::Matches,
        "in" => Tok::In,
        "eq" | "any_eq" => Tok::Cmp(CmpOp::AnyEq),
        "all_eq" => Tok::Cmp(CmpOp::AllEq),
        "ne" | "all_ne" => Tok::Cmp(CmpOp::AllNe),
        "any_ne" => Tok::Cmp(CmpOp::AnyNe),
        "lt" => Tok::Cmp(CmpOp::Lt),
        "le" => Tok::Cmp(CmpOp::Le),
        "gt" => Tok::Cmp(CmpOp::Gt),
        "ge" => Tok::Cmp(CmpOp::Ge),
        "bitand" => Tok::BitAnd,
        _ => return None,
    })
}

pub fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let three = b.get(i..i + 3).unwrap_or(&[]);
        let (tok, len) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b',' => (Tok::Comma, 1),
            b'~' if two == b"~=" => (Tok::Cmp(CmpOp::AnyNe), 2),
            b'~' => (Tok::Matches, 1),
            b'=' if three == b"===" => (Tok::Cmp(CmpOp::AllEq), 3),
            b'=' if two == b"==" => (Tok::Cmp(CmpOp::AnyEq), 2),
            b'!' if three == b"!==" => (Tok::Cmp(CmpOp::AllNe), 3),
            b'!' if two == b"!=" => (Tok::Cmp(CmpOp::AllNe), 2),
            b'!' => (Tok::Not, 1),
            b'<' if two == b"<=" => (Tok::Cmp(CmpOp::Le), 2),
            b'<' => (Tok::Cmp(CmpOp::Lt), 1),
            b'>' if two == b">=" => (Tok::Cmp(CmpOp::Ge), 2),
            b'>' => (Tok::Cmp(CmpOp::Gt), 1),
            b'&' if two == b"&&" => (Tok::And, 2),
            b'&' => (Tok::BitAnd, 1),
            b'|' if two == b"||" => (Tok::Or, 2),
            b'^' if two == b"^^" => (Tok::Xor, 2),
            b'.' if two == b".." => (Tok::DotDot, 2),
            b'[' => {
                let Some(end) = b[i..].iter().position(|&x| x == b']') else {
                    return Err(FilterError::new(
                        "the slice is not closed with \"]\"",
                        Span::new(start, b.len() - start),
                    ));
                };
                (Tok::Slice(text[i + 1..i + end].to_string()), end + 1)
            }
            b'"' => {
                let (s, len) = string(b, i + 1, false)?;
                (Tok::Str(s), len + 1)
            }
            b'r' | b'R' if b.get(i + 1) == Some(&b'"') => {
                let (s, len) = string(b, i + 2, true)?;
                (Tok::Str(s), len + 2)
            }
            b'\'' => char_literal(b, i)?,
            c if is_word_char(c) => {
                let mut j = i;
                // A word ends before `..`, so that `{80..90}` is a range.
                while j < b.len()
                    && is_word_char(b[j])
                    && !(b[j] == b'.' && b.get(j + 1) == Some(&b'.'))
                {
                    j += 1;
                }
                let w = &text[i..j];
                (
                    keyword(w).unwrap_or_else(|| Tok::Word(w.to_string())),
                    j - i,
                )
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(FilterError::new(
                    format!("\"{ch}\" was unexpected in this context."),
                    Span::new(start, ch.len_utf8()),
                ));
            }
        };
        out.push(Token {
            tok,
            span: Span::new(start, len),
        });
        i += len;
    }
    Ok(out)
}

/// A quoted string starting after its opening quote at `from`: its bytes and
/// the length consumed including the closing quote.
fn string(b: &[u8], from: usize, raw: bool) -> Result<(Vec<u8>, usize), FilterError> {
    let mut out = Vec::new();
    let mut i = from;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(FilterError::new(
                "the string is not closed with a double quote",
                Span::new(from.saturating_sub(1), b.len() + 1 - from),
            ));
        };
        match c {
            b'"' => return Ok((out, i + 1 - from)),
            b'\\' if raw => {
                // A raw string keeps backslashes, but `\"` does not end it.
                out.push(b'\\');
                if let Some(&n) = b.get(i + 1) {
                    out.push(n);
                    i += 1;
                }
                i += 1;
            }
            b'\\' => {
                let (v, used) = escape(b, i)?;
                out.extend_from_slice(&v);
                i += used;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// The escape at `b[i] == '\\'`: its bytes and how many input bytes it used.
fn escape(b: &[u8], i: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let bad = |len: usize| {
        FilterError::new(
            "invalid escape sequence",
            Span::new(i, len.min(b.len() - i)),
        )
    };
    let Some(&c) = b.get(i + 1) else {
        return Err(bad(1));
    };
    let hex =
        |s: &[u8]| -> Option<u32> { u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok() };
    Ok(match c {
        b'n' => (vec![b'\n'], 2),
        b't' => (vec![b'\t'], 2),
        b'r' => (vec![b'\r'], 2),
        b'a' => (vec![7], 2),
        b'b' => (vec![8], 2),
        b'f' => (vec![12], 2),
        b'v' => (vec![11], 2),
        b'\\' | b'"' | b'\'' => (vec![c], 2),
        b'x' => {
            let digits = b[i + 2..]
                .iter()
                .take(2)
                .take_while(|d| d.is_ascii_hexdigit())
                .count();
            if digits == 0 {
                return Err(bad(2));
            }
            let v = hex(&b[i + 2..i + 2 + digits]).ok_or_else(|| bad(2 + digits))?;
            (vec![v as u8], 2 + digits)
        }
        b'0'..=b'7' => {
            let digits = b[i + 1..]
                .iter()
                .take(3)
                .take_while(|d| (b'0'..=b'7').contains(d))
                .count();
            let s = std::str::from_utf8(&b[i + 1..i + 1 + digits]).map_err(|_| bad(1 + digits))?;
            let v = u32::from_str_radix(s, 8).map_err(|_| bad(1 + digits))?;
            if v > 255 {
                return Err(bad(1 + digits));
            }
            (vec![v as u8], 1 + digits)
        }
        b'u' | b'U' => {
            let n = if c == b'u' { 4 } else { 8 };
            let s = b.get(i + 2..i + 2 + n).ok_or_else(|| bad(2))?;
            let ch = hex(s).and_then(char::from_u32).ok_or_else(|| bad(2 + n))?;
            (ch.to_string().into_bytes(), 2 + n)
        }
        _ => return Err(bad(2)),
    })
}

/// `'a'` or `'\n'`: a character constant, an integer to the compiler.
fn char_literal(b: &[u8], i: usize) -> Result<(Tok, usize), FilterError> {
    let bad = || {
        FilterError::new(
            "a character constant holds one character between single quotes",
            Span::new(i, (b.len() - i).min(4)),
        )
    };
    let (v, used) = match b.get(i + 1) {
        Some(b'\\') => {
            let (v, used) = escape(b, i + 1)?;
            (v, used)
        }
        Some(&c) if c != b'\'' => (vec![c], 1),
        _ => return Err(bad()),
    };
    if v.len() != 1 || b.get(i + 1 + used) != Some(&b'\'') {
        return Err(bad());
    }
    Ok((Tok::Word(format!("{}", v[0])), used + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_hold_addresses_and_names() {
        assert_eq!(
            toks("ip.addr==10.0.0.0/8&&eth.src[0:3] == 00:11:22"),
            vec![
                Tok::Word("ip.addr".into()),
                Tok::Cmp(CmpOp::AnyEq),
                Tok::Word("10.0.0.0/8".into()),
                Tok::And,
                Tok::Word("eth.src".into()),
                Tok::Slice("0:3".into()),
                Tok::Cmp(CmpOp::AnyEq),
                Tok::Word("00:11:22".into()),
            ]
        );
        assert_eq!(
            toks("tcp.port in {80..90, 443}"),
            vec![
                Tok::Word("tcp.port".into()),
                Tok::In,
                Tok::LBrace,
                Tok::Word("80".into()),
                Tok::DotDot,
                Tok::Word("90".into()),
                Tok::Comma,
                Tok::Word("443".into()),
                Tok::RBrace,
            ]
        );
    }

    #[test]
    fn strings_resolve_escapes() {
        assert_eq!(
            toks(r#""a\x41\101\n\"" r"\d\"""#),
            vec![Tok::Str(b"aAA\n\"".to_vec()), Tok::Str(b"\\d\\\"".to_vec())]
        );
        assert_eq!(toks("'a'"), vec![Tok::Word("97".into())]);
    }

    #[test]
    fn errors_point_at_the_text() {
        let e = tokenize("tcp.port == \"80").unwrap_err();
        assert_eq!(e.span, Span::new(12, 3));
        let e = tokenize("a $ b").unwrap_err();
        assert_eq!(e.span, Span::new(2, 1));
    }
}
