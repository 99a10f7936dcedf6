//! The wirelens application: capture, pipeline, store, display filters,
//! CLI, settings and the UI. Data flows one way: capture →
//! pipeline → store → CLI / UI.

pub mod capture;
pub mod cli;
pub mod export;
pub mod filter;
pub mod pipeline;
pub mod settings;
pub mod store;
pub mod ui;
