//! What is wrong with a display filter, and where: the filter bar underlines
//! the span and the command line draws a caret under it, as tshark does.

use std::fmt;

/// Byte offset and length in the filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub len: usize,
}

impl Span {
    pub fn new(start: usize, len: usize) -> Span {
        Span { start, len }
    }
    pub fn end(&self) -> usize {
        self.start + self.len
    }
    /// From the start of `self` to the end of `other`.
    pub fn to(&self, other: Span) -> Span {
        let end = other.end().max(self.end());
        Span::new(self.start, end - self.start)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub span: Span,
    /// The nearest field name, for a name that is not one.
    pub suggestion: Option<String>,
}

impl FilterError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        FilterError {
            message: message.into(),
            span,
            suggestion: None,
        }
    }

    /// The filter, and a caret line under the offending span.
    pub fn render(&self, filter: &str) -> String {
        let col = filter
            .get(..self.span.start.min(filter.len()))
            .map_or(0, |s| s.chars().count());
        let width = filter
            .get(self.span.start.min(filter.len())..self.span.end().min(filter.len()))
            .map_or(1, |s| s.chars().count().max(1));
        format!(
            "{self}\n    {filter}\n    {}^{}",
            " ".repeat(col),
            "~".repeat(width - 1)
        )
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " Did you mean \"{s}\"?")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}
