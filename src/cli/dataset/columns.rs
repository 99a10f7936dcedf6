//! A table declared as columns: each names its place in a JSON row and its
//! type, so the rows the subcommands print as JSON become typed Arrow
//! arrays without a second description of what they hold.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampNanosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde_json::Value;

/// A column's type in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Bool,
    Text,
    /// A JSON array of strings, as a list of strings.
    TextList,
    /// Any other JSON (objects, arrays of objects), kept as its JSON text.
    Json,
    /// Nanoseconds since the epoch, as TIMESTAMP(ns, UTC).
    Time,
}

impl Kind {
    fn data_type(self) -> DataType {
        match self {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Text | Kind::Json => DataType::Utf8,
            Kind::TextList => DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            Kind::Time => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        }
    }
}

/// One column: its name, where its value is in a row (a JSON pointer;
/// empty for `/name`), its type.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub at: &'static str,
    pub kind: Kind,
}

/// A column whose value is the row's member of the same name.
pub const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, at: "", kind }
}

/// A column whose value is elsewhere in the row.
pub const fn col_at(name: &'static str, at: &'static str, kind: Kind) -> Column {
    Column { name, at, kind }
}

/// The Arrow schema of `columns`; every column may be null.
pub fn schema(columns: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c.name, c.kind.data_type(), true))
            .collect::<Vec<_>>(),
    ))
}

/// A column's values so far.
pub enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    TextList(ListBuilder<StringBuilder>),
    Time(TimestampNanosecondBuilder),
}

impl Builder {
    pub fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::Text | Kind::Json => Builder::Text(StringBuilder::new()),
            Kind::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
            Kind::Time => Builder::Time(TimestampNanosecondBuilder::new().with_timezone("UTC")),
        }
    }

    /// Appends `v` as a value of `kind`; null when it is missing or of
    /// another type (the dataset test compares every value with the JSON,
    /// so a declared type that does not fit shows there).
    fn push_json(&mut self, kind: Kind, v: Option<&Value>) {
        let v = v.filter(|v| !v.is_null());
        match self {
            Builder::Int(b) => b.append_option(v.and_then(json_int)),
            Builder::Float(b) => b.append_option(v.and_then(Value::as_f64)),
            Builder::Bool(b) => b.append_option(v.and_then(Value::as_bool)),
            Builder::Text(b) if kind == Kind::Json => b.append_option(v.map(Value::to_string)),
            Builder::Text(b) => b.append_option(v.and_then(Value::as_str)),
            Builder::TextList(b) => match v.and_then(Value::as_array) {
                Some(items) => {
                    for i in items {
                        match i.as_str() {
                            Some(s) => b.values().append_value(s),
                            None => b.values().append_value(i.to_string()),
                        }
                    }
                    b.append(true);
                }
                None => b.append(false),
            },
            Builder::Time(b) => b.append_option(v.and_then(json_int)),
        }
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::TextList(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// An integer, if it fits a signed 64-bit column (Spark reads no unsigned).
fn json_int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_u64().and_then(|u| i64::try_from(u).ok()))
}

/// Rows of JSON gathered into the declared columns.
pub struct JsonTable {
    columns: &'static [Column],
    builders: Vec<Builder>,
}

impl JsonTable {
    pub fn new(columns: &'static [Column]) -> JsonTable {
        JsonTable {
            columns,
            builders: columns.iter().map(|c| Builder::new(c.kind)).collect(),
        }
    }

    pub fn push(&mut self, row: &Value) {
        for (c, b) in self.columns.iter().zip(&mut self.builders) {
            let v = if c.at.is_empty() {
                row.get(c.name)
            } else {
                row.pointer(c.at)
            };
            b.push_json(c.kind, v);
        }
    }

    /// The rows so far as a batch; the table starts again empty.
    pub fn finish(&mut self) -> RecordBatch {
        let arrays = self.builders.iter_mut().map(Builder::finish).collect();
        RecordBatch::try_new(schema(self.columns), arrays)
            .expect("each builder was given one value per row, of its column's type")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    use serde_json::json;

    const COLUMNS: &[Column] = &[
        col("n", Kind::Int),
        col("x", Kind::Float),
        col("ok", Kind::Bool),
        col("s", Kind::Text),
        col("tags", Kind::TextList),
        col("obj", Kind::Json),
        col_at("deep", "/a/b", Kind::Int),
    ];

    #[test]
    fn rows_become_typed_columns_with_nulls_where_missing() {
        let mut t = JsonTable::new(COLUMNS);
        t.push(
            &json!({"n": 7, "x": 0.5, "ok": true, "s": "hi", "tags": ["a", "b"],
                       "obj": {"k": [1]}, "a": {"b": u64::MAX}}),
        );
        t.push(&json!({"n": null, "s": 3, "a": {"b": -2}}));
        let b = t.finish();
        assert_eq!(t.finish().num_rows(), 0, "finishing starts again empty");
        assert_eq!(b.num_rows(), 2);
        let n = b.column(0).as_primitive::<Int64Type>();
        assert_eq!((n.value(0), n.is_null(1)), (7, true));
        assert_eq!(b.column(1).as_primitive::<Float64Type>().value(0), 0.5);
        assert!(b.column(2).as_boolean().value(0) && b.column(2).is_null(1));
        let s = b.column(3).as_string::<i32>();
        // A number where text was declared is not made text.
        assert_eq!((s.value(0), s.is_null(1)), ("hi", true));
        let tags = b.column(4).as_list::<i32>();
        assert_eq!(tags.value(0).as_string::<i32>().value(1), "b");
        assert!(tags.is_null(1));
        assert_eq!(b.column(5).as_string::<i32>().value(0), r#"{"k":[1]}"#);
        let deep = b.column(6).as_primitive::<Int64Type>();
        // Past i64: null rather than wrapped.
        assert_eq!((deep.is_null(0), deep.value(1)), (true, -2));
    }
}
