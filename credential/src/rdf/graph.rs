//! The signed graph, kept after canonicalization so that what a verifier
//! decides on and shows is read from it rather than from the JSON.
//!
//! Only the default graph is kept (a credential's own statements; the proof
//! is removed before canonicalization). Blank nodes keep the processor's
//! numbers: nothing here may depend on them beyond equality, so that two
//! JSON texts with the same graph read the same.

use super::{Quad, RDF_TYPE, Term};

/// A subject or object that is a node: an IRI or a blank node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum NodeRef {
    /// An IRI.
    Iri(String),
    /// A blank node, by the processor's number.
    Blank(u32),
}

/// An RDF literal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Literal {
    /// The lexical form.
    pub(crate) value: String,
    /// The datatype IRI.
    pub(crate) datatype: String,
    /// The language tag, for `rdf:langString`.
    pub(crate) language: Option<String>,
}

/// The object of a statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Object {
    /// A node.
    Node(NodeRef),
    /// A literal.
    Literal(Literal),
}

/// One statement of the default graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Triple {
    subject: NodeRef,
    predicate: String,
    object: Object,
}

/// The default graph of a document, without duplicates, sorted by subject
/// and predicate for lookups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Graph {
    triples: Vec<Triple>,
}

fn node_ref(term: &Term<'_>) -> Option<NodeRef> {
    match term {
        Term::Iri(iri) => Some(NodeRef::Iri(iri.to_string())),
        Term::Blank(b) => Some(NodeRef::Blank(*b)),
        Term::Literal { .. } => None,
    }
}

impl Graph {
    /// The default-graph statements of `quads`.
    pub(crate) fn from_quads(quads: &[Quad<'_>]) -> Self {
        let mut triples: Vec<Triple> = quads
            .iter()
            .filter(|q| q.graph.is_none())
            .filter_map(|q| {
                let subject = node_ref(&q.subject)?;
                let object = match &q.object {
                    Term::Literal {
                        value,
                        datatype,
                        language,
                    } => Object::Literal(Literal {
                        value: value.to_string(),
                        datatype: datatype.to_string(),
                        language: language.as_ref().map(|l| l.to_string()),
                    }),
                    other => Object::Node(node_ref(other)?),
                };
                Some(Triple {
                    subject,
                    predicate: q.predicate.to_string(),
                    object,
                })
            })
            .collect();
        triples.sort_unstable();
        triples.dedup();
        Self { triples }
    }

    /// The objects of `subject`'s `predicate` statements.
    pub(crate) fn objects<'g>(
        &'g self,
        subject: &NodeRef,
        predicate: &str,
    ) -> impl Iterator<Item = &'g Object> + 'g {
        let key = |t: &Triple| (&t.subject, t.predicate.as_str()).cmp(&(subject, predicate));
        let start = self.triples.partition_point(|t| key(t).is_lt());
        let end = self.triples.partition_point(|t| key(t).is_le());
        self.triples
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|t| &t.object)
    }

    /// Every subject, once.
    pub(crate) fn subjects(&self) -> impl Iterator<Item = &NodeRef> {
        let mut previous: Option<&NodeRef> = None;
        self.triples.iter().filter_map(move |t| {
            let new = previous != Some(&t.subject);
            previous = Some(&t.subject);
            new.then_some(&t.subject)
        })
    }

    /// The subjects that have `rdf:type` `class`.
    pub(crate) fn instances<'g>(
        &'g self,
        class: &'g str,
    ) -> impl Iterator<Item = &'g NodeRef> + 'g {
        self.triples
            .iter()
            .filter(move |t| {
                t.predicate == RDF_TYPE
                    && matches!(&t.object, Object::Node(NodeRef::Iri(iri)) if iri == class)
            })
            .map(|t| &t.subject)
    }

    /// Whether `node` has `rdf:type` `class`.
    pub(crate) fn has_type(&self, node: &NodeRef, class: &str) -> bool {
        self.objects(node, RDF_TYPE)
            .any(|o| matches!(o, Object::Node(NodeRef::Iri(iri)) if iri == class))
    }
}
