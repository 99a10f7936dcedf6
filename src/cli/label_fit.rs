//! Labels cut as tshark 4.0 cuts them: its item labels hold 238 bytes as
//! it prints them (ITEM_LABEL_LENGTH is 240, with a NUL and the cut's own
//! byte). Text past that is cut, and the cut is marked: after its title
//! in a string field's own label (`Request URI [truncated]: …`), at the
//! start of any other (` [truncated]GET /…`). The tree (`-V`) and the
//! JSON keys of text items both show labels so.

use std::borrow::Cow;

use dissectors::field::{FieldDef, FieldType, OwnedValue};
use dissectors::tree::Node;

/// The longest label tshark 4.0 prints whole.
pub const LABEL_MAX: usize = 238;
/// The longest label tshark builds by appending text (it cuts the rest
/// silently).
pub const APPENDED_LABEL_MAX: usize = 239;

/// `label` (a node's label without a generated item's brackets) as tshark
/// prints it.
pub fn fit<'a>(label: &'a str, n: &Node) -> Cow<'a, str> {
    if label.len() <= LABEL_MAX {
        return Cow::Borrowed(label);
    }
    let mut text = label.to_string();
    if n.label_appended || n.field.is_some_and(|f| f.appended_label) {
        cut(&mut text, APPENDED_LABEL_MAX);
        return Cow::Owned(text);
    }
    match n.field {
        Some(f) if is_default_label(label, f, &n.value) => {
            text.insert_str(f.title.len(), " [truncated]")
        }
        _ => text.insert_str(0, " [truncated]"),
    }
    cut(&mut text, LABEL_MAX);
    Cow::Owned(text)
}

/// `text` cut to at most `max` bytes, at a character's start.
pub fn cut(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}

/// Whether a label is a string field's own "Title: value".
fn is_default_label(label: &str, f: &FieldDef, value: &OwnedValue) -> bool {
    let OwnedValue::Str(v) = value else {
        return false;
    };
    f.ftype == FieldType::String
        && label
            .strip_prefix(f.title)
            .and_then(|rest| rest.strip_prefix(": "))
            .is_some_and(|rest| rest == v)
}
