//! Handlers, one module per endpoint family.

pub mod data;
pub mod stamps;
pub mod status;
