//! One partition's file of one table: `DIR/TABLE/capture=NAME/part-0.parquet`,
//! zstd-compressed, written beside its final name and renamed when whole,
//! so a reader never sees half a file and a failed run leaves the last
//! good one.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

pub struct PartWriter {
    path: PathBuf,
    partial: PathBuf,
    writer: ArrowWriter<File>,
}

impl PartWriter {
    pub fn create(
        dir: &Path,
        table: &str,
        capture: &str,
        schema: SchemaRef,
    ) -> Result<Self, String> {
        let partition = dir
            .join(table)
            .join(format!("capture={}", hive_escape(capture)));
        std::fs::create_dir_all(&partition).map_err(|e| format!("{}: {e}", partition.display()))?;
        let path = partition.join("part-0.parquet");
        let partial = partition.join(".part-0.parquet.partial");
        let file = File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("a valid level"),
            ))
            .build();
        let writer = ArrowWriter::try_new(file, schema, Some(props))
            .map_err(|e| format!("{}: {e}", partial.display()))?;
        Ok(PartWriter {
            path,
            partial,
            writer,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.writer
            .write(batch)
            .map_err(|e| format!("{}: {e}", self.partial.display()))
    }

    /// Finishes the file and puts it in place (replacing an older one).
    pub fn close(self) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", self.partial.display());
        self.writer.close().map_err(|e| err(&e))?;
        std::fs::rename(&self.partial, &self.path).map_err(|e| err(&e))
    }
}

/// A partition value as Hive writes it into a path: characters that
/// would end the directory, split `name=value` or be read as a pattern
/// become `%XX`.
pub fn hive_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let special = c.is_control()
            || matches!(
                c,
                '"' | '#' | '%' | '\'' | '*' | '/' | ':' | '=' | '?' | '\\' | '{' | '[' | ']' | '^'
            );
        if special {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_escape_as_hives() {
        assert_eq!(hive_escape("day-1_capture.v2"), "day-1_capture.v2");
        assert_eq!(hive_escape("a=b:c%d"), "a%3Db%3Ac%25d");
        assert_eq!(hive_escape("tab\there"), "tab%09here");
    }
}
