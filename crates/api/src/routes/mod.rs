//! Handlers, one module per endpoint family.

pub mod architecture;
pub mod content;
pub mod data;
pub mod pins;
pub mod stake;
pub mod stamps;
pub mod status;
pub mod stream;
pub mod swap;
