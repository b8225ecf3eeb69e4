//! The verification engine: scanned bytes + trust list + revocations +
//! clock -> one verdict with reasons.
//!
//! Placeholder: filled in by issue 3.
