//! Where packets come from: capture files (memory-mapped) and live
//! interfaces (libpcap), and where they go when saved.

pub mod file;
pub mod iface_rates;
pub mod live;
pub mod ring;
pub mod spill;
pub mod time;
pub mod writer;

pub use file::{
    CaptureFile, FileWarning, Format, Interface, OpenError, ReadNotes, Record, Stop, frame_file,
};
pub use writer::{CaptureWriter, WriteFormat, WriterInterface};
