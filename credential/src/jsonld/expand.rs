//! Expansion (JSON-LD 1.1 §5.1), for the features health credentials use,
//! in strict mode: a key that expands to nothing is an error, as in DIVOC's
//! verifier (jsonld-signatures 6 with jsonld.js 2).
//!
//! Keys are visited in sorted order (JavaScript order), as jsonld.js does,
//! so the first undefined property reported is the one DIVOC reports.
//!
//! # Safe mode
//!
//! A signature over the RDF graph covers only what reaches the graph. In
//! [`Mode::Safe`] (every signature check and every signing) anything that
//! would silently drop out on the way there is an error instead, as in
//! jsonld.js's `safe` mode: a node whose `@id` is a relative reference
//! (its triples vanish, and the JSON around it could show anything), a
//! type or `@type: @id` value that is relative or undefined, a `null`
//! property or `@value`, a value with no node to hang on (free-floating),
//! an object with only `@language`, a blank-node predicate; and, because a
//! context in the document could rename any term, any `@context` in the
//! document that is not the URL of a context the verifier holds (an inline
//! context object is [`JsonLdError::ContextUntrusted`]).
//!
//! [`Mode::Compat`] keeps jsonld.js 2's default behaviour (drop and go on);
//! only the differential tests against other JSON-LD processors use it.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::JsonLdError;
use super::context::{
    ActiveContext, Expanded, TermDef, TypeMapping, expand_iri, expand_key, process,
};
use super::loader::StoreInner;
use super::syntax::{Container, parse_local_context};
use crate::rdf::{Text, cmp_utf16};

/// How deeply objects and arrays may nest. A DIVOC certificate nests five
/// levels (credential, evidence array, evidence, facility, address).
const MAX_NESTING: usize = 32;

/// An expanded value: an element of an expanded array.
#[derive(Debug)]
pub(crate) enum Item<'a> {
    /// A node object (also a node reference, or a graph object).
    Node(Box<Node<'a>>),
    /// A value object.
    Value(ValueObject<'a>),
    /// A list object.
    List(Vec<Item<'a>>),
}

/// The `@id` of a node object.
#[derive(Debug)]
pub(crate) enum NodeId<'a> {
    /// An IRI or a blank node identifier (`_:` prefix).
    Iri(Text<'a>),
    /// A relative reference: the node's own triples are dropped.
    Relative,
}

/// An expanded node object.
#[derive(Debug, Default)]
pub(crate) struct Node<'a> {
    /// `None`: a fresh blank node.
    pub(crate) id: Option<NodeId<'a>>,
    /// Types; `None` for a relative type reference (dropped).
    pub(crate) types: Vec<Option<Text<'a>>>,
    /// Properties by predicate IRI, in key order.
    pub(crate) properties: Vec<(Text<'a>, Vec<Item<'a>>)>,
    /// The named graph this node names (`@graph`, or a `@graph` container).
    pub(crate) graph: Option<Vec<Item<'a>>>,
}

/// A JSON scalar as the value of a value object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
}

/// An expanded value object.
#[derive(Debug)]
pub(crate) struct ValueObject<'a> {
    pub(crate) value: Scalar<'a>,
    pub(crate) datatype: Option<Text<'a>>,
    /// Lowercased, as jsonld.js 2 does.
    pub(crate) language: Option<String>,
}

/// What to do with data that would not reach the RDF graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Refuse it (see the module docs): for signatures.
    Safe,
    /// Drop it, as jsonld.js 2 does by default.
    Compat,
}

/// The active property of an expansion step.
#[derive(Debug, Clone, Copy)]
enum Active<'a> {
    /// The document itself (active property null).
    Top,
    /// The value of a `@graph` entry.
    Graph,
    /// The value of a property.
    Term(&'a str),
}

impl Active<'_> {
    /// Where values and lists have no node to hang on and are dropped.
    fn is_free(self) -> bool {
        matches!(self, Active::Top | Active::Graph)
    }
}

fn invalid(keyword: &'static str, reason: &'static str) -> JsonLdError {
    JsonLdError::InvalidKeywordValue { keyword, reason }
}

fn unsupported(feature: &str) -> JsonLdError {
    JsonLdError::UnsupportedFeature {
        feature: feature.to_owned(),
    }
}

/// Expands `document` against the store's contexts.
pub(crate) fn expand_document<'a>(
    store: &StoreInner,
    document: &'a Value,
    mode: Mode,
) -> Result<Vec<Item<'a>>, JsonLdError> {
    let expander = Expander {
        store,
        safe: mode == Mode::Safe,
    };
    let mut out = Vec::new();
    expander.expand(store.initial(), Active::Top, document, 0, &mut out)?;
    Ok(out)
}

struct Expander<'s> {
    store: &'s StoreInner,
    /// [`Mode::Safe`]: refuse what would drop out of the graph.
    safe: bool,
}

/// What drops out of the graph, for [`JsonLdError::Dropped`].
fn dropped(what: &'static str, key: &str) -> JsonLdError {
    JsonLdError::Dropped {
        what,
        key: super::error::excerpt(key),
    }
}

/// Whether an expanded identifier is a blank node identifier.
fn is_blank(iri: &str) -> bool {
    iri.starts_with("_:")
}

/// What a node's keyword entries said, gathered while visiting its keys.
#[derive(Default)]
struct Entries<'a> {
    node: Node<'a>,
    value: Option<Option<Scalar<'a>>>,
    type_is_array: bool,
    language: Option<String>,
    list: Option<Vec<Item<'a>>>,
    set: Option<Vec<Item<'a>>>,
}

impl<'s> Expander<'s> {
    fn apply_scoped(
        &self,
        ctx: &Arc<ActiveContext>,
        def: Option<&Arc<TermDef>>,
        propagate: bool,
        override_protected: bool,
    ) -> Result<Option<Arc<ActiveContext>>, JsonLdError> {
        match def.and_then(|d| d.context.as_ref()) {
            Some(scoped) => Ok(Some(process(
                self.store,
                ctx,
                &scoped.context,
                scoped.key,
                propagate,
                override_protected,
            )?)),
            None => Ok(None),
        }
    }

    fn expand<'a>(
        &self,
        ctx: &Arc<ActiveContext>,
        active: Active<'a>,
        element: &'a Value,
        depth: usize,
        out: &mut Vec<Item<'a>>,
    ) -> Result<(), JsonLdError> {
        if depth > MAX_NESTING {
            return Err(JsonLdError::TooDeep {
                what: "nested objects and arrays",
                limit: MAX_NESTING,
            });
        }
        let property_def = match active {
            Active::Term(key) => ctx.term(key),
            Active::Top | Active::Graph => None,
        };
        match element {
            Value::Null => match active {
                Active::Term(key) if self.safe => Err(dropped("a null value", key)),
                _ => Ok(()),
            },
            Value::Bool(_) | Value::Number(_) | Value::String(_) => {
                // A scalar outside any property is dropped.
                let Active::Term(key) = active else {
                    if self.safe {
                        return Err(dropped("a value outside any property", "@graph"));
                    }
                    return Ok(());
                };
                // jsonld.js applies a property-scoped context to scalars
                // too (`proofPurpose` needs it), with protected terms
                // overridable as for objects.
                let scoped = self.apply_scoped(ctx, property_def, true, true)?;
                let ctx = scoped.as_ref().unwrap_or(ctx);
                let item = value_expand(ctx, key, element)?;
                if self.safe
                    && let Item::Node(node) = &item
                    && matches!(node.id, Some(NodeId::Relative))
                {
                    return Err(JsonLdError::RelativeIri {
                        key: super::error::excerpt(key),
                    });
                }
                out.push(item);
                Ok(())
            }
            Value::Array(items) => {
                let is_list = property_def.is_some_and(|d| d.container == Container::List);
                for item in items {
                    if is_list && item.is_array() {
                        // An array in a list is a list of its own.
                        let mut inner = Vec::new();
                        self.expand(ctx, active, item, depth + 1, &mut inner)?;
                        out.push(Item::List(inner));
                    } else {
                        self.expand(ctx, active, item, depth + 1, out)?;
                    }
                }
                Ok(())
            }
            Value::Object(map) => self.expand_object(ctx, active, property_def, map, depth, out),
        }
    }

    fn expand_object<'a>(
        &self,
        ctx: &Arc<ActiveContext>,
        active: Active<'a>,
        property_def: Option<&Arc<TermDef>>,
        map: &'a Map<String, Value>,
        depth: usize,
        out: &mut Vec<Item<'a>>,
    ) -> Result<(), JsonLdError> {
        let mut keys: Vec<(&'a str, &'a Value)> =
            map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        // Keys of one object are distinct, so an unstable sort is enough.
        keys.sort_unstable_by(|a, b| cmp_utf16(a.0, b.0));

        // A type-scoped context applies to its node only: a nested node
        // object goes back to the context before it, unless it is a value
        // object or a bare node reference.
        let mut ctx = ctx.clone();
        if let Some(previous) = &ctx.previous {
            let is_value = keys
                .iter()
                .any(|(k, _)| expand_iri(&ctx, k, true) == Expanded::Keyword("@value"));
            let is_reference = match keys.as_slice() {
                [(k, _)] => expand_iri(&ctx, k, true) == Expanded::Keyword("@id"),
                _ => false,
            };
            if !is_value && !is_reference {
                ctx = previous.clone();
            }
        }
        // A property-scoped context propagates to nested nodes and may
        // override protected terms (e.g. `id` inside DIVOC's `verifier`).
        if let Some(scoped) = self.apply_scoped(&ctx, property_def, true, true)? {
            ctx = scoped;
        }
        if let Some(local) = map.get("@context") {
            if self.safe {
                check_context_urls(local)?;
            }
            let parsed = parse_local_context(local, false)?;
            ctx = process(self.store, &ctx, &parsed, None, true, false)?;
        }

        // Type-scoped contexts, in sorted order of the types; the types
        // themselves expand against the context before any of them.
        let type_scoped = ctx.clone();
        for (key, value) in &keys {
            if expand_iri(&type_scoped, key, true) != Expanded::Keyword("@type") {
                continue;
            }
            let mut types: Vec<&str> = match value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items
                    .iter()
                    .map(|t| {
                        t.as_str()
                            .ok_or(invalid("@type", "must be a string or an array of strings"))
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(invalid("@type", "must be a string or an array of strings")),
            };
            types.sort_unstable_by(|a, b| cmp_utf16(a, b));
            for t in types {
                if let Some(scoped) = self.apply_scoped(&ctx, type_scoped.term(t), false, false)? {
                    ctx = scoped;
                }
            }
        }

        let mut entries = Entries::default();
        for (key, value) in keys {
            if key == "@context" {
                continue;
            }
            let (expanded, def) = expand_key(&ctx, key);
            match expanded {
                Expanded::Null | Expanded::Relative => {
                    return Err(JsonLdError::UndefinedProperty {
                        property: key.to_owned(),
                    });
                }
                Expanded::Iri(predicate) if self.safe && is_blank(&predicate) => {
                    return Err(dropped("a blank node predicate", key));
                }
                Expanded::Keyword(keyword) => self.keyword_entry(
                    &ctx,
                    &type_scoped,
                    active,
                    keyword,
                    value,
                    depth,
                    &mut entries,
                )?,
                Expanded::Iri(predicate) => {
                    if matches!(
                        def.and_then(|d| d.type_mapping.as_ref()),
                        Some(TypeMapping::Json)
                    ) {
                        return Err(unsupported("@type: @json"));
                    }
                    let container = def.map_or(Container::None, |d| d.container);
                    let mut items = Vec::new();
                    self.expand(&ctx, Active::Term(key), value, depth + 1, &mut items)?;
                    if container == Container::List {
                        let is_list_object =
                            !value.is_array() && matches!(items.as_slice(), [Item::List(_)]);
                        if !is_list_object {
                            items = vec![Item::List(items)];
                        }
                    }
                    if container == Container::Graph {
                        // Each value becomes a graph of its own, named by a
                        // fresh blank node (the proof of a credential).
                        items = items
                            .into_iter()
                            .map(|item| {
                                Item::Node(Box::new(Node {
                                    graph: Some(vec![item]),
                                    ..Node::default()
                                }))
                            })
                            .collect();
                    }
                    if !items.is_empty() {
                        entries.node.properties.push((predicate, items));
                    }
                }
            }
        }
        finish_object(entries, active, depth, self.safe, out)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the expansion state, spelled out"
    )]
    fn keyword_entry<'a>(
        &self,
        ctx: &Arc<ActiveContext>,
        type_scoped: &Arc<ActiveContext>,
        active: Active<'a>,
        keyword: &'static str,
        value: &'a Value,
        depth: usize,
        entries: &mut Entries<'a>,
    ) -> Result<(), JsonLdError> {
        match keyword {
            "@context" => {}
            "@id" => {
                let Value::String(s) = value else {
                    return Err(invalid("@id", "must be a string"));
                };
                if entries.node.id.is_some() {
                    return Err(JsonLdError::CollidingKeywords { keyword: "@id" });
                }
                entries.node.id = Some(match expand_iri(ctx, s, false) {
                    Expanded::Iri(iri) => NodeId::Iri(iri),
                    _ if self.safe => {
                        return Err(JsonLdError::RelativeIri {
                            key: "@id".to_owned(),
                        });
                    }
                    _ => NodeId::Relative,
                });
            }
            "@type" => {
                let items: Vec<&'a Value> = match value {
                    Value::Array(items) => {
                        entries.type_is_array = true;
                        items.iter().collect()
                    }
                    other => vec![other],
                };
                for item in items {
                    let Value::String(s) = item else {
                        return Err(invalid("@type", "must be a string or an array of strings"));
                    };
                    entries
                        .node
                        .types
                        .push(match expand_iri(type_scoped, s, true) {
                            Expanded::Iri(iri) => Some(iri),
                            _ if self.safe => {
                                return Err(JsonLdError::UndefinedType {
                                    value: super::error::excerpt(s),
                                });
                            }
                            _ => None,
                        });
                }
            }
            "@value" => {
                if entries.value.is_some() {
                    return Err(JsonLdError::CollidingKeywords { keyword: "@value" });
                }
                entries.value = Some(match value {
                    Value::Null => None,
                    Value::String(s) => Some(Scalar::Str(s)),
                    Value::Bool(b) => Some(Scalar::Bool(*b)),
                    Value::Number(n) => Some(Scalar::Num(number(n))),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(invalid(
                            "@value",
                            "must be a string, number, boolean or null",
                        ));
                    }
                });
            }
            "@language" => {
                let Value::String(s) = value else {
                    return Err(invalid("@language", "must be a string"));
                };
                if entries.language.is_some() {
                    return Err(JsonLdError::CollidingKeywords {
                        keyword: "@language",
                    });
                }
                // jsonld.js lowercases tags with toLowerCase; BCP 47 tags
                // are ASCII, and a non-ASCII one is refused rather than
                // pulling Unicode case tables (25 KB) into the wasm module.
                if !s.is_ascii() {
                    return Err(invalid("@language", "must be an ASCII BCP 47 tag"));
                }
                entries.language = Some(s.to_ascii_lowercase());
            }
            "@graph" => {
                if entries.node.graph.is_some() {
                    return Err(JsonLdError::CollidingKeywords { keyword: "@graph" });
                }
                let mut items = Vec::new();
                self.expand(ctx, Active::Graph, value, depth + 1, &mut items)?;
                entries.node.graph = Some(items);
            }
            "@list" => {
                if entries.list.is_some() {
                    return Err(JsonLdError::CollidingKeywords { keyword: "@list" });
                }
                let mut items = Vec::new();
                if !active.is_free() {
                    self.expand(ctx, active, value, depth + 1, &mut items)?;
                }
                entries.list = Some(items);
            }
            "@set" => {
                if entries.set.is_some() {
                    return Err(JsonLdError::CollidingKeywords { keyword: "@set" });
                }
                let mut items = Vec::new();
                self.expand(ctx, active, value, depth + 1, &mut items)?;
                entries.set = Some(items);
            }
            other => return Err(unsupported(other)),
        }
        Ok(())
    }
}

/// Turns the gathered entries into a value, list, set or node object.
fn finish_object<'a>(
    entries: Entries<'a>,
    active: Active<'a>,
    depth: usize,
    safe: bool,
    out: &mut Vec<Item<'a>>,
) -> Result<(), JsonLdError> {
    let free_key = match active {
        Active::Term(key) => key,
        Active::Top => "(top level)",
        Active::Graph => "@graph",
    };
    let Entries {
        mut node,
        value,
        type_is_array,
        language,
        list,
        set,
    } = entries;
    let has_node_entries = node.id.is_some() || !node.properties.is_empty() || node.graph.is_some();

    if let Some(value) = value {
        if has_node_entries || list.is_some() || set.is_some() {
            return Err(invalid(
                "@value",
                "a value object may only contain @value, @type and @language",
            ));
        }
        if type_is_array || node.types.len() > 1 {
            return Err(invalid("@type", "the type of a value must be a single IRI"));
        }
        let datatype = match node.types.pop() {
            None => None,
            Some(Some(iri)) if !iri.starts_with("_:") => Some(iri),
            Some(_) => return Err(invalid("@type", "the type of a value must be an IRI")),
        };
        let Some(value) = value else {
            // `"@value": null` expands to nothing.
            if safe {
                return Err(dropped("a null @value", free_key));
            }
            return Ok(());
        };
        if language.is_some() && (datatype.is_some() || !matches!(value, Scalar::Str(_))) {
            return Err(invalid(
                "@language",
                "only a string without a datatype may have a language",
            ));
        }
        if !active.is_free() {
            out.push(Item::Value(ValueObject {
                value,
                datatype,
                language,
            }));
        } else if safe {
            return Err(dropped("a value outside any property", free_key));
        }
        return Ok(());
    }
    if language.is_some() {
        if has_node_entries || !node.types.is_empty() || list.is_some() || set.is_some() {
            return Err(invalid(
                "@language",
                "only a value object may have a language",
            ));
        }
        // An object with only @language expands to nothing.
        if safe {
            return Err(dropped("an object with only @language", free_key));
        }
        return Ok(());
    }
    if let Some(items) = list {
        if has_node_entries || !node.types.is_empty() || set.is_some() {
            return Err(invalid("@list", "a list object may only contain @list"));
        }
        if !active.is_free() {
            out.push(Item::List(items));
        } else if safe {
            return Err(dropped("a list outside any property", free_key));
        }
        return Ok(());
    }
    if let Some(items) = set {
        if has_node_entries || !node.types.is_empty() {
            return Err(invalid("@set", "a set object may only contain @set"));
        }
        out.extend(items);
        return Ok(());
    }
    // A document that is only a graph (`{"@context": .., "@graph": [..]}`)
    // puts its nodes in the default graph.
    let only_graph =
        depth == 0 && node.id.is_none() && node.types.is_empty() && node.properties.is_empty();
    if let (true, Some(items)) = (only_graph, node.graph.as_mut()) {
        out.append(items);
        return Ok(());
    }
    out.push(Item::Node(Box::new(node)));
    Ok(())
}

/// Safe mode: a document's `@context` may only name contexts by URL (the
/// store refuses URLs it does not hold). An inline definition, or `null`,
/// could give any key any meaning.
fn check_context_urls(local: &Value) -> Result<(), JsonLdError> {
    let untrusted = || JsonLdError::ContextUntrusted {
        reason: "the document defines terms itself; only context URLs are accepted",
    };
    match local {
        Value::String(_) => Ok(()),
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
        Value::Array(_) | Value::Object(_) => Err(untrusted()),
        Value::Null => Err(JsonLdError::ContextUntrusted {
            reason: "the document resets the context (null)",
        }),
        Value::Bool(_) | Value::Number(_) => Err(JsonLdError::InvalidContext {
            reason: "a context must be null, a URL, an object or an array",
        }),
    }
}

/// A JSON number as JavaScript sees it: a double.
fn number(n: &serde_json::Number) -> f64 {
    // `as_f64` rounds integers beyond 2^53 to nearest, as JSON.parse does.
    n.as_f64().unwrap_or(f64::NAN)
}

/// Value expansion (JSON-LD 1.1 §5.3.2).
fn value_expand<'a>(
    ctx: &ActiveContext,
    key: &'a str,
    value: &'a Value,
) -> Result<Item<'a>, JsonLdError> {
    let type_mapping = ctx.term(key).and_then(|d| d.type_mapping.as_ref());
    if let Value::String(s) = value {
        let reference = match type_mapping {
            Some(TypeMapping::Id) => Some(expand_iri(ctx, s, false)),
            Some(TypeMapping::Vocab) => Some(expand_iri(ctx, s, true)),
            _ => None,
        };
        if let Some(expanded) = reference {
            return Ok(Item::Node(Box::new(Node {
                id: Some(match expanded {
                    Expanded::Iri(iri) => NodeId::Iri(iri),
                    _ => NodeId::Relative,
                }),
                ..Node::default()
            })));
        }
    }
    let scalar = match value {
        Value::String(s) => Scalar::Str(s),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) => Scalar::Num(number(n)),
        // Only scalars reach value expansion.
        Value::Null | Value::Array(_) | Value::Object(_) => {
            return Err(invalid(
                "@value",
                "must be a string, number, boolean or null",
            ));
        }
    };
    let datatype = match type_mapping {
        Some(TypeMapping::Json) => return Err(unsupported("@type: @json")),
        Some(TypeMapping::Iri(iri)) => Some(Text::Shared(iri.clone())),
        Some(TypeMapping::Id | TypeMapping::Vocab | TypeMapping::None) | None => None,
    };
    Ok(Item::Value(ValueObject {
        value: scalar,
        datatype,
        language: None,
    }))
}
