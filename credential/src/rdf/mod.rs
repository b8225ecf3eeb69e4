//! RDF datasets, N-Quads serialization and URDNA2015 canonicalization.
//!
//! The dataset model is the minimum the JSON-LD processor produces: IRIs,
//! blank nodes numbered by the processor, and literals. Strings borrow from
//! the input document or share the processed contexts' IRIs, so building a
//! dataset allocates little.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

mod graph;
mod nquads;
mod urdna2015;

pub(crate) use graph::{Graph, Literal, NodeRef, Object};

pub(crate) use nquads::cmp_utf16;
pub(crate) use urdna2015::canonicalize;

/// `rdf:type`.
pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/// `rdf:first`.
pub(crate) const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
/// `rdf:rest`.
pub(crate) const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
/// `rdf:nil`.
pub(crate) const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
/// `rdf:langString`.
pub(crate) const RDF_LANGSTRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
/// `xsd:string`.
pub(crate) const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
/// `xsd:boolean`.
pub(crate) const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
/// `xsd:integer`.
pub(crate) const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
/// `xsd:double`.
pub(crate) const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// A string that is borrowed from the document, shared with a processed
/// context, or owned (built during expansion, e.g. a compact IRI).
#[derive(Clone)]
pub(crate) enum Text<'a> {
    /// Borrowed from the input document (or static).
    Borrowed(&'a str),
    /// An IRI from a processed context.
    Shared(Arc<str>),
    /// Built for this document.
    Owned(String),
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Shared(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Text<'_> {}

impl PartialOrd for Text<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// An RDF term.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Term<'a> {
    /// An IRI (absolute in jsonld.js's sense: it contains a colon).
    Iri(Text<'a>),
    /// A blank node, numbered by the processor.
    Blank(u32),
    /// A literal.
    Literal {
        /// The lexical form.
        value: Text<'a>,
        /// The datatype IRI.
        datatype: Text<'a>,
        /// The language tag (lowercased), for `rdf:langString`.
        language: Option<Text<'a>>,
    },
}

/// An RDF quad; `graph` is `None` for the default graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Quad<'a> {
    pub(crate) subject: Term<'a>,
    pub(crate) predicate: Text<'a>,
    pub(crate) object: Term<'a>,
    pub(crate) graph: Option<Term<'a>>,
}
