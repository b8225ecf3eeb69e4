//! One file per screen.

pub mod result;
pub mod scan;
