//! From a source of packets to the store: the analysis pass and the threads
//! that run it.

#[doc(hidden)]
pub mod fuzz;
pub mod live;
pub mod loader;

pub use live::LiveSession;
pub use loader::{LoadOptions, load_file, load_file_into};

/// Lowers the calling thread's scheduling priority (nice 10), for work
/// that a viewer waits on less than on its own frames. On two cores the
/// loader's two threads would otherwise take both while the UI thread and
/// the software renderer's threads wait for a turn. Linux applies
/// `setpriority(PRIO_PROCESS, 0, …)` to the calling thread only. Best
/// effort: on failure the priority stays as it was.
pub fn yield_to_viewer() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority takes no pointers; it changes only the nice value
    // of the calling thread.
    #[allow(unsafe_code)]
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}
