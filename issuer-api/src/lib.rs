//! The issuer service. Placeholder: filled in by issue 4.
