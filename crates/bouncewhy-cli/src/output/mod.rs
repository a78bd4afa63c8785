//! Printers: one module per output format.

pub mod csv;
pub mod json;
pub mod text;
