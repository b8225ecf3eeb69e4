//! Contexts as data: a JSON `@context` value parsed once into typed form.
//!
//! Parsing is separate from *processing* (applying a context to an active
//! context, `context.rs`): a bundled context is parsed once per process and
//! every unsupported feature is rejected here, before any document is seen.
//! Processing depends on the active context it is applied to, so it happens
//! at expansion time and is memoized by the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use super::JsonLdError;

/// Where a context sits in the list of things it may not nest deeper than.
const MAX_CONTEXT_NESTING: usize = 16;

/// A process-wide counter for memoization keys: every context parsed from
/// the store, and every active context the store memoizes, gets a fresh one.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// A fresh memoization key, unique for the life of the process.
pub(crate) fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// A local context: the value of a `@context` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LocalContext {
    /// `null`: reset to the initial context.
    Null,
    /// A context by URL, served by the store.
    Url(Box<str>),
    /// An inline context definition.
    Def(Box<ContextDef>),
    /// Several of the above, applied in order.
    Array(Vec<LocalContext>),
}

/// A local context together with the key under which results of applying it
/// may be memoized. Only contexts that live in the store have a key: one
/// embedded in a document does not outlive the call.
#[derive(Debug, Clone)]
pub(crate) struct KeyedContext {
    pub(crate) context: LocalContext,
    pub(crate) key: Option<u64>,
}

// Two scoped contexts are the same definition whatever their memo keys: this
// is what the protected-term check compares.
impl PartialEq for KeyedContext {
    fn eq(&self, other: &Self) -> bool {
        self.context == other.context
    }
}

/// An inline context definition (a JSON object).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContextDef {
    /// `@protected`: the default for the terms defined here.
    pub(crate) protected: bool,
    /// `@propagate`, if given.
    pub(crate) propagate: Option<bool>,
    /// `@vocab`: absent, `null`, or a value.
    pub(crate) vocab: Option<Option<Box<str>>>,
    /// Term definitions, sorted by term so lookups can binary-search and two
    /// definitions compare equal whatever their key order.
    pub(crate) terms: Vec<(Box<str>, TermSyntax)>,
}

/// The value of one term in a context.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TermSyntax {
    /// `"term": null`: explicitly undefined.
    Null,
    /// `"term": "iri"`: a simple term definition.
    Simple(Box<str>),
    /// `"term": { ... }`: an expanded term definition.
    Expanded(Box<ExpandedTerm>),
}

/// The `@id` entry of an expanded term definition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IdEntry {
    /// No `@id` entry.
    Absent,
    /// `"@id": null`.
    Null,
    /// `"@id": "..."`.
    Value(Box<str>),
}

/// An expanded term definition, restricted to the supported entries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExpandedTerm {
    pub(crate) id: IdEntry,
    pub(crate) type_mapping: Option<Box<str>>,
    pub(crate) container: Container,
    pub(crate) context: Option<Arc<KeyedContext>>,
    pub(crate) protected: Option<bool>,
    pub(crate) prefix: Option<bool>,
}

/// The supported container mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    /// No container mapping.
    None,
    /// `@set`: same as none for expansion to RDF.
    Set,
    /// `@list`: an RDF collection.
    List,
    /// `@graph` (optionally with `@set`): each value is a named graph.
    Graph,
}

/// Whether the JSON-LD 1.1 keyword list contains `s`. Framing keywords are
/// included so a document cannot smuggle them in as plain properties.
pub(crate) fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "@base"
            | "@container"
            | "@context"
            | "@default"
            | "@direction"
            | "@embed"
            | "@explicit"
            | "@graph"
            | "@id"
            | "@import"
            | "@included"
            | "@index"
            | "@json"
            | "@language"
            | "@list"
            | "@nest"
            | "@none"
            | "@omitDefault"
            | "@prefix"
            | "@preserve"
            | "@propagate"
            | "@protected"
            | "@requireAll"
            | "@reverse"
            | "@set"
            | "@type"
            | "@value"
            | "@version"
            | "@vocab"
    )
}

/// `@` followed by one or more ASCII letters: reserved for future keywords,
/// ignored by JSON-LD processors (and so undefined in strict mode).
pub(crate) fn has_keyword_form(s: &str) -> bool {
    match s.strip_prefix('@') {
        Some(rest) => !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()),
        None => false,
    }
}

fn unsupported(feature: &str) -> JsonLdError {
    JsonLdError::UnsupportedFeature {
        feature: feature.to_owned(),
    }
}

fn invalid_term(term: &str, reason: &'static str) -> JsonLdError {
    JsonLdError::InvalidTermDefinition {
        term: term.to_owned(),
        reason,
    }
}

/// Parses a `@context` value. `keyed` gives every scoped context a memo key:
/// set for contexts that live in the store, unset for document contexts.
pub(crate) fn parse_local_context(value: &Value, keyed: bool) -> Result<LocalContext, JsonLdError> {
    parse_at(value, keyed, 0)
}

fn parse_at(value: &Value, keyed: bool, depth: usize) -> Result<LocalContext, JsonLdError> {
    if depth > MAX_CONTEXT_NESTING {
        return Err(JsonLdError::TooDeep {
            what: "nested contexts",
            limit: MAX_CONTEXT_NESTING,
        });
    }
    match value {
        Value::Null => Ok(LocalContext::Null),
        Value::String(url) => Ok(LocalContext::Url(url.as_str().into())),
        Value::Object(map) => Ok(LocalContext::Def(Box::new(parse_def(map, keyed, depth)?))),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // Arrays of arrays are not a local context.
                if item.is_array() {
                    return Err(JsonLdError::InvalidContext {
                        reason: "an array of contexts may not contain an array",
                    });
                }
                out.push(parse_at(item, keyed, depth + 1)?);
            }
            Ok(LocalContext::Array(out))
        }
        Value::Bool(_) | Value::Number(_) => Err(JsonLdError::InvalidContext {
            reason: "a context must be null, a URL, an object or an array",
        }),
    }
}

fn parse_def(
    map: &Map<String, Value>,
    keyed: bool,
    depth: usize,
) -> Result<ContextDef, JsonLdError> {
    let mut def = ContextDef {
        protected: false,
        propagate: None,
        vocab: None,
        terms: Vec::with_capacity(map.len()),
    };
    for (key, value) in map {
        match key.as_str() {
            "@version" => {
                // Only 1.1 exists; this processor always runs in 1.1 mode.
                if value.as_f64() != Some(1.1) {
                    return Err(JsonLdError::InvalidContext {
                        reason: "@version must be the number 1.1",
                    });
                }
            }
            "@protected" => {
                def.protected = value.as_bool().ok_or(JsonLdError::InvalidContext {
                    reason: "@protected must be true or false",
                })?;
            }
            "@propagate" => {
                def.propagate = Some(value.as_bool().ok_or(JsonLdError::InvalidContext {
                    reason: "@propagate must be true or false",
                })?);
            }
            "@vocab" => {
                def.vocab = Some(match value {
                    Value::Null => None,
                    Value::String(s) => Some(s.as_str().into()),
                    _ => {
                        return Err(JsonLdError::InvalidContext {
                            reason: "@vocab must be a string or null",
                        });
                    }
                });
            }
            // Relative IRI resolution, imports, default languages and the
            // @type keyword definition are not used by health credentials.
            "@base" | "@import" | "@language" | "@direction" | "@type" => {
                return Err(unsupported(key));
            }
            _ => {
                let syntax = parse_term(key, value, keyed, depth)?;
                def.terms.push((key.as_str().into(), syntax));
            }
        }
    }
    // Keys of a JSON object are distinct.
    def.terms.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    Ok(def)
}

fn parse_term(
    term: &str,
    value: &Value,
    keyed: bool,
    depth: usize,
) -> Result<TermSyntax, JsonLdError> {
    let map = match value {
        Value::Null => return Ok(TermSyntax::Null),
        Value::String(s) => return Ok(TermSyntax::Simple(s.as_str().into())),
        Value::Object(map) => map,
        _ => return Err(invalid_term(term, "must be a string, null or an object")),
    };
    let mut out = ExpandedTerm {
        id: IdEntry::Absent,
        type_mapping: None,
        container: Container::None,
        context: None,
        protected: None,
        prefix: None,
    };
    for (key, entry) in map {
        match key.as_str() {
            "@id" => {
                out.id = match entry {
                    Value::Null => IdEntry::Null,
                    Value::String(s) => IdEntry::Value(s.as_str().into()),
                    _ => return Err(invalid_term(term, "@id must be a string or null")),
                };
            }
            "@type" => {
                out.type_mapping = Some(
                    entry
                        .as_str()
                        .ok_or_else(|| invalid_term(term, "@type must be a string"))?
                        .into(),
                );
            }
            "@container" => out.container = parse_container(term, entry)?,
            "@context" => {
                let context = parse_at(entry, keyed, depth + 1)?;
                out.context = Some(Arc::new(KeyedContext {
                    context,
                    key: keyed.then(next_key),
                }));
            }
            "@protected" => {
                out.protected = Some(
                    entry
                        .as_bool()
                        .ok_or_else(|| invalid_term(term, "@protected must be true or false"))?,
                );
            }
            "@prefix" => {
                out.prefix = Some(
                    entry
                        .as_bool()
                        .ok_or_else(|| invalid_term(term, "@prefix must be true or false"))?,
                );
            }
            "@reverse" | "@language" | "@direction" | "@index" | "@nest" => {
                return Err(unsupported(key));
            }
            _ => return Err(invalid_term(term, "unknown entry in term definition")),
        }
    }
    Ok(TermSyntax::Expanded(Box::new(out)))
}

fn parse_container(term: &str, value: &Value) -> Result<Container, JsonLdError> {
    let mut graph = false;
    let mut set = false;
    let mut list = false;
    let mut one = |s: &str| -> Result<(), JsonLdError> {
        match s {
            "@graph" => graph = true,
            "@set" => set = true,
            "@list" => list = true,
            "@index" | "@id" | "@type" | "@language" => {
                return Err(unsupported(&format!("@container: {s}")));
            }
            _ => return Err(invalid_term(term, "invalid container mapping")),
        }
        Ok(())
    };
    match value {
        Value::Null => return Ok(Container::None),
        Value::String(s) => one(s)?,
        Value::Array(items) => {
            for item in items {
                let s = item
                    .as_str()
                    .ok_or_else(|| invalid_term(term, "invalid container mapping"))?;
                one(s)?;
            }
        }
        _ => return Err(invalid_term(term, "invalid container mapping")),
    }
    match (graph, set, list) {
        (false, false, false) => Ok(Container::None),
        (true, _, false) => Ok(Container::Graph),
        (false, true, false) => Ok(Container::Set),
        (false, false, true) => Ok(Container::List),
        _ => Err(invalid_term(term, "invalid container mapping")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_terms_sorted_and_keyed_scoped_contexts() {
        let ctx = parse_local_context(
            &json!({"@protected": true, "b": "x:b", "a": {"@id": "x:a", "@context": {"c": "x:c"}}}),
            true,
        )
        .unwrap();
        let LocalContext::Def(def) = ctx else {
            panic!("expected a definition")
        };
        assert!(def.protected);
        assert_eq!(def.terms.len(), 2);
        assert_eq!(&*def.terms[0].0, "a");
        let TermSyntax::Expanded(a) = &def.terms[0].1 else {
            panic!("expected an expanded term")
        };
        assert!(a.context.as_ref().unwrap().key.is_some());
        assert_eq!(def.terms[1].1, TermSyntax::Simple("x:b".into()));
    }

    #[test]
    fn rejects_unsupported_features() {
        for ctx in [
            json!({"@base": "https://x/"}),
            json!({"@language": "en"}),
            json!({"@import": "https://x/"}),
            json!({"t": {"@reverse": "x:t"}}),
            json!({"t": {"@id": "x:t", "@container": "@index"}}),
            json!({"t": {"@id": "x:t", "@container": "@language"}}),
            json!({"t": {"@id": "x:t", "@nest": "n"}}),
        ] {
            assert!(
                matches!(
                    parse_local_context(&ctx, false),
                    Err(JsonLdError::UnsupportedFeature { .. })
                ),
                "{ctx}"
            );
        }
    }

    #[test]
    fn rejects_malformed_contexts() {
        assert!(parse_local_context(&json!(5), false).is_err());
        assert!(parse_local_context(&json!([["a"]]), false).is_err());
        assert!(parse_local_context(&json!({"@version": 1.0}), false).is_err());
        assert!(parse_local_context(&json!({"t": 5}), false).is_err());
        assert!(parse_local_context(&json!({"t": {"@container": "@bogus"}}), false).is_err());
        assert!(parse_local_context(&json!({"t": {"@bogus": 1}}), false).is_err());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut v = json!({"t": "x:t"});
        for _ in 0..40 {
            v = json!({"t": {"@id": "x:t", "@context": v}});
        }
        assert!(matches!(
            parse_local_context(&v, false),
            Err(JsonLdError::TooDeep { .. })
        ));
    }

    #[test]
    fn keyword_forms() {
        assert!(is_keyword("@id"));
        assert!(!is_keyword("@foo"));
        assert!(has_keyword_form("@foo"));
        assert!(!has_keyword_form("@"));
        assert!(!has_keyword_form("@foo1"));
        assert!(!has_keyword_form("foo"));
    }
}
