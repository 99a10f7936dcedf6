//! The wirelens application: capture, pipeline, store, display filters,
//! CLI, settings and the UI. Data flows one way: capture → pipeline →
//! store → CLI / UI.
//!
//! Modules are layered, and each imports only from layers below its own
//! (tests/layers.rs checks): `capture`, `settings` < `pass` < `store` <
//! `pipeline` < `filter` < `export` < `report` < `cli` | `ui`.

pub mod capture;
pub mod cli;
pub mod export;
pub mod filter;
pub mod pass;
pub mod pipeline;
pub mod report;
pub mod settings;
pub mod store;
pub mod ui;
