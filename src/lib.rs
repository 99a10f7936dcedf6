//! The wirelens application: capture, pipeline, store, CLI (and, as they
//! land, filters, export and the UI). Data flows one way: capture →
//! pipeline → store → CLI / UI.

pub mod capture;
pub mod cli;
pub mod filter;
pub mod pipeline;
pub mod store;
pub mod ui;
