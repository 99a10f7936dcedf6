//! A sink that keeps the values of chosen fields, in tree order with their
//! depth: what summaries (the `dns`, `tls`, `http`, `http2` subcommands)
//! and display filters read from a dissection, without building a tree.

use std::fmt;

use crate::expert::ExpertDef;
use crate::field::{FieldDef, OwnedValue, Value};
use crate::sink::{Presence, Sink, Span};

/// One kept field.
#[derive(Debug, Clone)]
pub struct Collected {
    pub def: &'static FieldDef,
    pub value: OwnedValue,
    pub span: Span,
    /// Nesting depth in the tree (a layer's own fields are at depth 1).
    pub depth: u16,
}

/// Keeps fields whose names start with one of `prefixes` (all when empty).
#[derive(Debug, Default)]
pub struct FieldCollector {
    prefixes: Vec<&'static str>,
    pub fields: Vec<Collected>,
    /// Protocol layers seen, by name, in order (also the ones not kept).
    pub layers: Vec<&'static str>,
    depth: u16,
}

impl FieldCollector {
    pub fn new(prefixes: &[&'static str]) -> Self {
        FieldCollector {
            prefixes: prefixes.to_vec(),
            ..Default::default()
        }
    }

    /// Ready for the next frame.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.layers.clear();
        self.depth = 0;
    }

    fn kept(&self, def: &FieldDef) -> bool {
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| def.name.starts_with(p))
    }

    /// Values of the field named `name`, in order.
    pub fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s OwnedValue> + 's {
        self.fields
            .iter()
            .filter(move |c| c.def.name == name)
            .map(|c| &c.value)
    }

    pub fn first(&self, name: &str) -> Option<&OwnedValue> {
        self.fields
            .iter()
            .find(|c| c.def.name == name)
            .map(|c| &c.value)
    }
}

impl Sink for FieldCollector {
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.kept(def)
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, _: fmt::Arguments<'_>) {
        self.layers.push(proto.name);
        self.depth += 1;
        if self.kept(proto) {
            self.fields.push(Collected {
                def: proto,
                value: OwnedValue::None,
                span,
                depth: self.depth - 1,
            });
        }
    }
    fn end_layer(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, _: Presence) {
        if self.kept(def) {
            self.fields.push(Collected {
                def,
                value: value.to_owned_value(),
                span,
                depth: self.depth,
            });
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {
        self.depth += 1;
    }
    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn expert(&mut self, _: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {}
    fn reenter(&mut self, _: u32) {
        self.depth += 1;
    }
}
