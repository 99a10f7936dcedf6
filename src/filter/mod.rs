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
pub mod from_index;
pub mod lexer;
pub mod literal;
pub mod parser;
pub mod prefilter;
pub mod sink;
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
        let mut c = compile::Compiler::default();
        let root = compile_into(&mut c, text)?;
        Ok(DisplayFilter {
            text: text.to_string(),
            root,
            slots: c.slots,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
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

/// Compiles `text` with `c`, whose slots it adds to (filters compiled
/// with one compiler share a sink).
fn compile_into(c: &mut compile::Compiler, text: &str) -> Result<compile::Node, FilterError> {
    let tokens = lexer::tokenize(text)?;
    if tokens.len() > MAX_TOKENS {
        return Err(FilterError::new(
            format!("the filter is too long (more than {MAX_TOKENS} tokens)"),
            tokens[MAX_TOKENS].span,
        ));
    }
    let ast = parser::parse(&tokens, text.len())?;
    c.expr(&ast)
}

/// Several filters over one sink, so that a frame is dissected once for
/// all of them and the first that matches is found (colouring rules).
#[derive(Debug, Default)]
pub struct FilterSet {
    /// The compiled filters, each with its position in the texts given.
    roots: Vec<(usize, compile::Node)>,
    slots: Vec<compile::Slot>,
}

impl FilterSet {
    /// Compiles each of `texts`; those that do not compile are left out
    /// and reported with their position.
    pub fn compile<'a>(
        texts: impl IntoIterator<Item = &'a str>,
    ) -> (FilterSet, Vec<(usize, FilterError)>) {
        let mut c = compile::Compiler::default();
        let (mut roots, mut errors) = (Vec::new(), Vec::new());
        for (i, text) in texts.into_iter().enumerate() {
            match compile_into(&mut c, text) {
                Ok(root) => roots.push((i, root)),
                Err(e) => errors.push((i, e)),
            }
        }
        (
            FilterSet {
                roots,
                slots: c.slots,
            },
            errors,
        )
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// A sink that keeps what every filter of the set needs.
    pub fn sink(&self) -> FilterSink {
        FilterSink::new(&self.slots)
    }

    /// Whether the filter at `position` (in the texts given) matches the
    /// frame dissected into `sink`; false for a filter that did not compile.
    pub fn matches(&self, position: usize, sink: &FilterSink, data: &[u8]) -> bool {
        let view = eval::FrameView { sink, data };
        self.roots
            .iter()
            .find(|(i, _)| *i == position)
            .is_some_and(|(_, root)| eval::node(root, &view))
    }

    /// The position (in the texts given) of the first filter the frame
    /// dissected into `sink` matches.
    pub fn first_match(&self, sink: &FilterSink, data: &[u8]) -> Option<usize> {
        let view = eval::FrameView { sink, data };
        self.roots
            .iter()
            .find(|(_, root)| eval::node(root, &view))
            .map(|(i, _)| *i)
    }
}

/// The fuzz target's body (fuzz/fuzz_targets/filter.rs), shared with the
/// regression test that replays what the fuzzer found: any text either
/// compiles or gives an error whose span lies inside it, and a compiled
/// filter evaluates on a real frame.
pub fn fuzz_one(data: &[u8]) {
    use dissectors::analysis::Analyzer;
    use dissectors::packet::{FrameMeta, PacketInfo};
    // Ethernet, IPv4, TCP and an HTTP request.
    const FRAME: &[u8] = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00\
\x45\x00\x00\x3f\x12\x34\x40\x00\x40\x06\x00\x00\x0a\x01\x02\x03\x0a\x01\x02\x04\
\xc0\x00\x00\x50\x00\x00\x00\x01\x00\x00\x00\x01\x50\x18\x01\x00\x00\x00\x00\x00\
GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let text = String::from_utf8_lossy(data);
    match DisplayFilter::compile(&text) {
        Err(e) => {
            assert!(
                e.span.end() <= text.len(),
                "span {:?} past {}",
                e.span,
                text.len()
            );
            let _ = e.render(&text);
        }
        Ok(f) => {
            let mut sink = f.sink();
            let mut pi = PacketInfo::default();
            let mut state = Analyzer::new(true);
            let meta = FrameMeta {
                number: 1,
                orig_len: FRAME.len() as u32,
                linktype: 1,
                has_ts: true,
                ..FrameMeta::default()
            };
            state.begin_frame();
            dissectors::dissect_frame(
                &meta,
                FRAME,
                &Default::default(),
                &mut state,
                crate::pass::options(false),
                &mut sink,
                &mut pi,
            );
            let _ = f.matches(&sink, FRAME);
        }
    }
}

#[cfg(test)]
mod tests;
