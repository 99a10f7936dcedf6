//! The wirelens application: capture, pipeline, store, filters, export, CLI and UI.
