//! A display filter typed into a text field, compiled once per edit rather
//! than once per frame (the filter bar, the IO graph's graphs, the filter
//! button editor).

use crate::filter::{DisplayFilter, FilterError};

#[derive(Debug, Clone, Default)]
pub struct CompiledText {
    /// The text as last compiled, and the result.
    checked: Option<(String, Result<DisplayFilter, FilterError>)>,
}

impl CompiledText {
    /// `text` compiled (None while it is blank).
    pub fn get(&mut self, text: &str) -> Option<&Result<DisplayFilter, FilterError>> {
        if text.trim().is_empty() {
            return None;
        }
        if self.checked.as_ref().is_none_or(|(t, _)| t != text) {
            self.checked = Some((text.to_string(), DisplayFilter::compile(text)));
        }
        self.checked.as_ref().map(|(_, r)| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_again_only_when_the_text_changes() {
        let mut c = CompiledText::default();
        assert!(c.get("  ").is_none());
        assert!(matches!(c.get("tcp"), Some(Ok(f)) if f.text() == "tcp"));
        assert!(matches!(c.get("tcp.prot"), Some(Err(_))));
        assert!(matches!(c.get("udp"), Some(Ok(f)) if f.text() == "udp"));
    }
}
