//! JSON-LD 1.1 expansion (the subset health credentials use) and URDNA2015
//! canonicalization, with bundled contexts only, exactly as DIVOC's verifier
//! computes them.
//!
//! # Why by hand
//!
//! Measured on DIVOC's certificates (see
//! `tests/fixtures/jsonld-canon/README.md`), the general-purpose Rust crates
//! (`json-ld` + `rdf-canon`, `ssi`, `sophia`) produce the right bytes but
//! cost 218 to 498 KB gzipped in wasm and about 2.2 ms per certificate,
//! mostly re-processing contexts. Here contexts are parsed once per process
//! and processed contexts are memoized in the [`ContextStore`], so a
//! verification mostly walks the document.
//!
//! # What DIVOC's stack does that we follow
//!
//! - **Strict mode**: a property no context defines is an error
//!   ([`JsonLdError::UndefinedProperty`], DIVOC's message), where a plain
//!   processor would drop it from the signed data and still display it.
//!   Undefined *types* are dropped, as DIVOC does.
//! - jsonld.js 2 literal forms for numbers (see `to_rdf.rs`), lowercased
//!   language tags, relative IRIs (no colon) dropped from the output.
//! - rdf-canonize 1.2.0 N-Quads escaping (only `"`, `\`, LF, CR) and
//!   JavaScript (UTF-16) string order; duplicate quads are merged first.
//!
//! # Supported
//!
//! Contexts by URL and inline, arrays of contexts, `@version` 1.1 prefix
//! rules, `@prefix`, `@protected`, `@propagate`, `@vocab`, type-scoped
//! (not propagated) and property-scoped (propagated) contexts, `@type:
//! @id`/`@vocab`, typed literals, numbers and booleans, value objects with
//! `@type` or `@language`, compact and absolute IRIs, blank node
//! identifiers, `@graph` (keyword and container), `@list`, `@set`.
//!
//! Everything else (`@reverse`, `@index`, `@nest`, `@included`, `@base`,
//! `@import`, `@language`/`@direction` in contexts, `@json` values, map
//! containers) is rejected with [`JsonLdError::UnsupportedFeature`], never
//! silently mis-processed. Every length the input controls is bounded (see
//! the `MAX_*` constants), and URDNA2015's permutation search has a work
//! budget ([`JsonLdError::TooComplex`]).

mod context;
mod error;
mod expand;
mod loader;
mod syntax;
mod to_rdf;

pub use error::JsonLdError;
pub use loader::ContextStore;

use crate::rdf::Graph;
pub(crate) use expand::Mode;

/// Canonical N-Quads (URDNA2015 as DIVOC's stack computes it) of a JSON-LD
/// document, in strict and safe mode: an undefined property is an error,
/// and so is anything that would drop out of the graph (see `expand.rs`).
///
/// The output is sorted, each line ends with `\n`, and it is exactly what
/// DIVOC's stack (jsonld.js 2.0.2, rdf-canonize 1.2.0) hashes.
///
/// ```
/// use credential::{ContextStore, canonicalize_rdf};
///
/// let proof_options = serde_json::json!({
///     "@context": "https://w3id.org/security/v2",
///     "type": "RsaSignature2018",
///     "created": "2022-01-18T13:36:24Z",
///     "verificationMethod": "did:india",
///     "proofPurpose": "assertionMethod",
/// });
/// let nquads = canonicalize_rdf(&proof_options, &ContextStore::bundled())?;
/// assert!(nquads.starts_with(
///     "_:c14n0 <http://purl.org/dc/terms/created> \"2022-01-18T13:36:24Z\"^^"
/// ));
/// assert_eq!(nquads.lines().count(), 4);
/// # Ok::<(), credential::JsonLdError>(())
/// ```
pub fn canonicalize(
    document: &serde_json::Value,
    store: &ContextStore,
) -> Result<String, JsonLdError> {
    let (quads, blank_count) = quads(document, store, Mode::Safe)?;
    crate::rdf::canonicalize(&quads, blank_count)
}

/// Canonical N-Quads and the graph they are made of, in safe mode: what a
/// signature check hashes and what the verified view is read from.
pub(crate) fn canonicalize_with_graph(
    document: &serde_json::Value,
    store: &ContextStore,
) -> Result<(String, Graph), JsonLdError> {
    let (quads, blank_count) = quads(document, store, Mode::Safe)?;
    let nquads = crate::rdf::canonicalize(&quads, blank_count)?;
    Ok((nquads, Graph::from_quads(&quads)))
}

/// The graph of a document, in safe mode, without canonicalizing it (for
/// suites that sign the JSON itself, such as `eddsa-jcs-2022`).
pub(crate) fn graph(
    document: &serde_json::Value,
    store: &ContextStore,
) -> Result<Graph, JsonLdError> {
    let (quads, _) = quads(document, store, Mode::Safe)?;
    Ok(Graph::from_quads(&quads))
}

/// [`canonicalize`] in jsonld.js 2's default mode, which drops what does
/// not reach the graph: only for differential tests against other
/// processors, never for signatures.
pub(crate) fn canonicalize_compat(
    document: &serde_json::Value,
    store: &ContextStore,
) -> Result<String, JsonLdError> {
    let (quads, blank_count) = quads(document, store, Mode::Compat)?;
    crate::rdf::canonicalize(&quads, blank_count)
}

/// The document's statements, sorted and without duplicates, and the
/// number of blank nodes they use.
fn quads<'a>(
    document: &'a serde_json::Value,
    store: &ContextStore,
    mode: Mode,
) -> Result<(Vec<crate::rdf::Quad<'a>>, u32), JsonLdError> {
    let expanded = expand::expand_document(store.inner(), document, mode)?;
    let (mut quads, blank_count) = to_rdf::to_quads(&expanded)?;
    // jsonld.js's node map never holds the same statement twice (e.g.
    // DIVOC's `feedbackUrl` and `infoUrl` both map to `schema:url`).
    quads.sort_unstable();
    quads.dedup();
    Ok((quads, blank_count))
}
