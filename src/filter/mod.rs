//! Display filters in Wireshark's language (`tcp.port == 443 &&
//! tls.handshake.extensions_server_name contains "api"`), with Wireshark 4's
//! answers.
//!
//! Text → [`lexer`] tokens → [`parser`] syntax tree → [`compile`]d program
//! whose names are the dissectors' fields → evaluated per frame over the
//! values a [`FilterSink`] kept while the frame was dissected. Only the
//! fields the filter names are kept, so dissectors skip the rest.

pub mod apply;
pub mod compile;
mod error;
mod eval;
pub mod lexer;
pub mod literal;
pub mod parser;
pub mod prefilter;
mod sink;
pub mod value;

pub use error::{FilterError, Span};
pub use sink::FilterSink;

/// Longer filters are refused: nobody types them, and evaluation recurses
/// once per operator.
const MAX_TOKENS: usize = 4096;

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct DisplayFilter {
    text: String,
    root: compile::Node,
    slots: Vec<compile::Slot>,
}

impl DisplayFilter {
    pub fn compile(text: &str) -> Result<DisplayFilter, FilterError> {
        let tokens = lexer::tokenize(text)?;
        if tokens.len() > MAX_TOKENS {
            return Err(FilterError::new(
                format!("the filter is too long (more than {MAX_TOKENS} tokens)"),
                tokens[MAX_TOKENS].span,
            ));
        }
        let ast = parser::parse(&tokens, text.len())?;
        let mut c = compile::Compiler::default();
        let root = c.expr(&ast)?;
        Ok(DisplayFilter {
            text: text.to_string(),
            root,
            slots: c.slots,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The names the filter tests, in order of first use.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.slots.iter().map(|s| s.name)
    }

    /// A sink that keeps what this filter needs; clear it between frames.
    pub fn sink(&self) -> FilterSink {
        FilterSink::new(&self.slots)
    }

    /// Whether the frame whose dissection went into `sink` matches;
    /// `data` is the frame's bytes (protocols compare as their bytes).
    pub fn matches(&self, sink: &FilterSink, data: &[u8]) -> bool {
        eval::node(&self.root, &eval::FrameView { sink, data })
    }
}

#[cfg(test)]
mod tests;
