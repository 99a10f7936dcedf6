//! Where packets come from: capture files (memory-mapped) and, later, live
//! interfaces.

pub mod file;

pub use file::{CaptureFile, Format, Interface, OpenError, Record, Stop};
