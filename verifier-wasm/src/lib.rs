//! The verification engine: scanned bytes + trust list + revocations +
//! clock -> one verdict with reasons.
//!
//! Placeholder: filled in by issue 3.

/// QR decoding from camera frames and image files.
pub mod qr;
