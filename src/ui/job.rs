//! Work the UI hands to a thread of its own (reassembling a stream,
//! collecting expert items): the result is picked up on a later frame,
//! the thread asks for a repaint when done, and dropping the job cancels
//! it. The UI never waits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use eframe::egui;

pub struct Job<T> {
    result: Arc<Mutex<Option<T>>>,
    cancel: Arc<AtomicBool>,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a thread named `name`; `work` gets the cancel flag and
    /// returns None when it saw it set. None when no thread could start.
    pub fn spawn(
        name: &str,
        ctx: &egui::Context,
        work: impl FnOnce(&AtomicBool) -> Option<T> + Send + 'static,
    ) -> Option<Job<T>> {
        let result = Arc::new(Mutex::new(None));
        let cancel = Arc::new(AtomicBool::new(false));
        let (r, c, ctx) = (result.clone(), cancel.clone(), ctx.clone());
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                if let Some(v) = work(&c)
                    && !c.load(Ordering::Relaxed)
                    && let Ok(mut slot) = r.lock()
                {
                    *slot = Some(v);
                }
                ctx.request_repaint();
            })
            .ok()?;
        Some(Job { result, cancel })
    }

    /// The result, once (None while the work runs).
    pub fn take(&self) -> Option<T> {
        self.result.lock().ok().and_then(|mut g| g.take())
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
