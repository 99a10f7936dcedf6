//! From a source of packets to the store: the analysis pass and the threads
//! that run it.

pub mod live;
pub mod loader;
pub mod pass;

pub use live::LiveSession;
pub use loader::{LoadOptions, load_file, load_file_into};
pub use pass::Pass;
