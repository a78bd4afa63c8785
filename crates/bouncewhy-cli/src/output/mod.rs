//! Printers: one module per output format.

pub mod json;
pub mod text;
