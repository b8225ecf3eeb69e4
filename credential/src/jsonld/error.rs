//! The one error type of the JSON-LD processor and canonicalizer.

use thiserror::Error;

/// Why a document could not be canonicalized.
///
/// Variants carry the facts a caller needs to explain the failure (the
/// property, the context URL, the keyword, the limit). None of them carries
/// document *values*, so an error can be logged without leaking personal data
/// beyond a property name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JsonLdError {
    /// A property no context defines (strict mode, as DIVOC's verifier).
    ///
    /// A plain JSON-LD processor silently drops such a property, so it would
    /// not be covered by the signature while still being displayed: rejecting
    /// it is the whole point of strict mode. The message is DIVOC's, word for
    /// word.
    #[error("The property \"{property}\" in the input was not defined in the context.")]
    UndefinedProperty {
        /// The key as it appears in the document.
        property: String,
    },

    /// Safe mode: a node identifier (`@id`, or a value of an `@type: @id`
    /// term) that is a relative reference. With no base IRI it cannot
    /// become an RDF term, so the node's triples would drop out of the
    /// signed graph while the JSON still showed them.
    #[error(
        "{key:?} holds a relative IRI reference: its data would not be covered by the signature"
    )]
    RelativeIri {
        /// The key holding the reference (`@id` or the term).
        key: String,
    },

    /// Safe mode: a type that no context defines (it would be dropped).
    #[error("the type {value:?} is not defined in the context")]
    UndefinedType {
        /// The type as the document gives it.
        value: String,
    },

    /// Safe mode: data that would not reach the RDF graph, and so would not
    /// be covered by the signature (a `null` value, a value outside any
    /// property, an object with only `@language`, a blank node predicate).
    #[error("{what} at {key:?} would not be covered by the signature")]
    Dropped {
        /// What would be dropped.
        what: &'static str,
        /// Where: the key holding it.
        key: String,
    },

    /// Safe mode: the document defines or resets terms itself (an inline
    /// `@context` object, or `null`) instead of naming contexts the
    /// verifier holds, so any key could be given any meaning.
    #[error("untrusted JSON-LD context: {reason}")]
    ContextUntrusted {
        /// What the document does.
        reason: &'static str,
    },

    /// A context URL that is neither bundled nor added to the store.
    /// Nothing is ever fetched from the network.
    #[error("unknown JSON-LD context {url:?}: not bundled and not in the trust list")]
    UnknownContext {
        /// The URL as the document gives it.
        url: String,
    },

    /// A context tried to change the definition of a protected term.
    #[error("tried to redefine the protected term {term:?}")]
    ProtectedTermRedefinition {
        /// The term.
        term: String,
    },

    /// `"@context": null` while protected terms are in scope.
    #[error("invalid context nullification: protected terms are in scope")]
    InvalidContextNullification,

    /// A JSON-LD feature this focused processor does not implement. The
    /// document is rejected rather than silently mis-processed.
    #[error("unsupported JSON-LD feature: {feature}")]
    UnsupportedFeature {
        /// The keyword or construct, e.g. `@reverse` or `@container: @index`.
        feature: String,
    },

    /// A context is malformed (not a term definition problem).
    #[error("invalid JSON-LD context: {reason}")]
    InvalidContext {
        /// What is wrong.
        reason: &'static str,
    },

    /// A term definition is malformed (invalid IRI mapping, keyword
    /// redefinition, cyclic definition, invalid type or container ...).
    #[error("invalid definition of term {term:?}: {reason}")]
    InvalidTermDefinition {
        /// The term.
        term: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A keyword in the document has a value of the wrong shape (e.g. a
    /// number as `@id`, a value object with extra entries).
    #[error("invalid value for {keyword} in the document: {reason}")]
    InvalidKeywordValue {
        /// The keyword, e.g. `@id`, `@type`, `@value`.
        keyword: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Two keys of one object expand to the same keyword (e.g. `id` and `@id`).
    #[error("colliding keywords: more than one key expands to {keyword}")]
    CollidingKeywords {
        /// The keyword.
        keyword: &'static str,
    },

    /// A context tried to add a URL the store already serves with a
    /// different document.
    #[error("the context URL {url:?} is already defined differently")]
    ContextAlreadyDefined {
        /// The URL.
        url: String,
    },

    /// The document or its contexts nest deeper than the processor allows.
    #[error("too deeply nested: more than {limit} levels of {what}")]
    TooDeep {
        /// What nests: objects and arrays, context imports, term dependencies.
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },

    /// The document produces more RDF than the processor allows.
    #[error("too large: more than {limit} {what}")]
    TooLarge {
        /// What was counted: quads or blank nodes.
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },

    /// Canonicalization needs more work than allowed: many interchangeable
    /// blank nodes make URDNA2015 explore permutations factorially. A hostile
    /// document fails here in bounded time instead of hanging the verifier.
    #[error("too complex to canonicalize: more than {limit} steps of blank node disambiguation")]
    TooComplex {
        /// The work limit that was exceeded.
        limit: usize,
    },
}

/// The most of an attacker-chosen string an error message repeats.
const EXCERPT_LEN: usize = 64;

/// The string cut to [`EXCERPT_LEN`] characters, for error messages.
pub(super) fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_LEN).collect()
}
