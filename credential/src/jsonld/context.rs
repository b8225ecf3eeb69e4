//! Active contexts, term definitions and context processing (JSON-LD 1.1
//! §4.1-4.2), and IRI expansion (§5.2), for the supported subset.
//!
//! Applying a context that lives in the store to an active context that was
//! itself memoized gives the same result every time, so the store memoizes
//! it: a verification usually finds every context it needs already
//! processed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::JsonLdError;
use super::loader::{MemoKey, StoreInner};
use super::syntax::{
    Container, ContextDef, ExpandedTerm, IdEntry, KeyedContext, LocalContext, TermSyntax,
    has_keyword_form, is_keyword,
};
use crate::rdf::Text;

/// How many context URLs may import one another (security v2 imports v1:
/// depth 2). Also what stops a context that imports itself.
const MAX_REMOTE_CONTEXTS: usize = 8;

/// How deep term definitions may depend on one another (`a` defined via the
/// prefix `b`, defined via `c` ...). Bounds the recursion on inline contexts.
const MAX_TERM_DEPENDENCY: usize = 16;

/// An IRI mapping of a term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mapping {
    /// A keyword alias (`"id": "@id"`).
    Keyword(&'static str),
    /// An IRI (or blank node identifier).
    Iri(Arc<str>),
}

/// A type mapping of a term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeMapping {
    /// `@id`: string values are IRIs.
    Id,
    /// `@vocab`: string values are terms or IRIs.
    Vocab,
    /// `@json`: values are JSON literals (not supported when used).
    Json,
    /// `@none`.
    None,
    /// A datatype IRI.
    Iri(Arc<str>),
}

/// A processed term definition.
#[derive(Debug, Clone)]
pub(crate) struct TermDef {
    /// `None` when the term is explicitly undefined (`"term": null`).
    pub(crate) iri: Option<Mapping>,
    /// Whether the term may be used as the prefix of a compact IRI.
    pub(crate) prefix: bool,
    pub(crate) protected: bool,
    pub(crate) type_mapping: Option<TypeMapping>,
    pub(crate) container: Container,
    /// The scoped context (property- or type-scoped), not yet processed.
    pub(crate) context: Option<Arc<KeyedContext>>,
}

impl TermDef {
    /// The same definition apart from `@protected`: what may redefine a
    /// protected term.
    fn same_definition(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.context == other.context
    }
}

/// An active context.
#[derive(Debug, Default)]
pub(crate) struct ActiveContext {
    /// Set once this context is memoized by the store; contexts derived from
    /// one without an id (from a document's inline context) are not memoized.
    pub(crate) memo_id: OnceLock<u64>,
    pub(crate) terms: HashMap<Arc<str>, Arc<TermDef>>,
    pub(crate) vocab: Option<Arc<str>>,
    /// Set by a type-scoped (non-propagated) context: what a nested node
    /// object reverts to.
    pub(crate) previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    /// A copy to modify; it has no memo id until the store memoizes it.
    fn derive(&self) -> ActiveContext {
        ActiveContext {
            memo_id: OnceLock::new(),
            terms: self.terms.clone(),
            vocab: self.vocab.clone(),
            previous: self.previous.clone(),
        }
    }

    pub(crate) fn term(&self, term: &str) -> Option<&Arc<TermDef>> {
        self.terms.get(term)
    }
}

/// The result of IRI expansion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expanded<'a> {
    /// A keyword (possibly through an alias).
    Keyword(&'static str),
    /// An IRI or a blank node identifier (`_:` prefix). "IRI" is meant as
    /// jsonld.js 2 means it: any string containing a colon.
    Iri(Text<'a>),
    /// A relative IRI reference: with no base IRI it cannot become an RDF
    /// term and is dropped from the output (as jsonld.js does).
    Relative,
    /// Explicitly unmapped (`"term": null`) or keyword-like (`@foo`).
    Null,
}

/// The `&'static` spelling of a keyword.
pub(crate) fn keyword(s: &str) -> Option<&'static str> {
    Some(match s {
        "@base" => "@base",
        "@container" => "@container",
        "@context" => "@context",
        "@default" => "@default",
        "@direction" => "@direction",
        "@embed" => "@embed",
        "@explicit" => "@explicit",
        "@graph" => "@graph",
        "@id" => "@id",
        "@import" => "@import",
        "@included" => "@included",
        "@index" => "@index",
        "@json" => "@json",
        "@language" => "@language",
        "@list" => "@list",
        "@nest" => "@nest",
        "@none" => "@none",
        "@omitDefault" => "@omitDefault",
        "@prefix" => "@prefix",
        "@preserve" => "@preserve",
        "@propagate" => "@propagate",
        "@protected" => "@protected",
        "@requireAll" => "@requireAll",
        "@reverse" => "@reverse",
        "@set" => "@set",
        "@type" => "@type",
        "@value" => "@value",
        "@version" => "@version",
        "@vocab" => "@vocab",
        _ => return None,
    })
}

/// Whether an IRI ends with a URI gen-delim character, which makes a simple
/// term usable as a prefix under JSON-LD 1.1. This is why DIVOC's `vac`
/// (`.../vaccination/v1`) is not a prefix and `vac:city` stays as it is.
fn ends_with_gen_delim(iri: &str) -> bool {
    matches!(
        iri.as_bytes().last(),
        Some(b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
    )
}

/// IRI expansion of a document key or value against an active context.
pub(crate) fn expand_iri<'a>(ctx: &ActiveContext, value: &'a str, vocab: bool) -> Expanded<'a> {
    if let Some(k) = keyword(value) {
        return Expanded::Keyword(k);
    }
    if has_keyword_form(value) {
        return Expanded::Null;
    }
    if let Some(def) = ctx.term(value) {
        match &def.iri {
            Some(Mapping::Keyword(k)) => return Expanded::Keyword(k),
            Some(Mapping::Iri(iri)) if vocab => return Expanded::Iri(Text::Shared(iri.clone())),
            None if vocab => return Expanded::Null,
            _ => {}
        }
    }
    if let Some((prefix, suffix)) = value.split_once(':').filter(|(p, _)| !p.is_empty()) {
        if prefix == "_" || suffix.starts_with("//") {
            return Expanded::Iri(Text::Borrowed(value));
        }
        if let Some(def) = ctx.term(prefix)
            && let (true, Some(Mapping::Iri(iri))) = (def.prefix, &def.iri)
        {
            let mut out = String::with_capacity(iri.len() + suffix.len());
            out.push_str(iri);
            out.push_str(suffix);
            return Expanded::Iri(Text::Owned(out));
        }
        return Expanded::Iri(Text::Borrowed(value));
    }
    if vocab && let Some(v) = &ctx.vocab {
        let mut out = String::with_capacity(v.len() + value.len());
        out.push_str(v);
        out.push_str(value);
        return Expanded::Iri(Text::Owned(out));
    }
    // There is no base IRI: a reference stays relative unless it has a
    // colon somewhere (jsonld.js 2 counts any such string as absolute).
    if value.contains(':') {
        Expanded::Iri(Text::Borrowed(value))
    } else {
        Expanded::Relative
    }
}

/// IRI expansion of a document key (relative to the vocabulary), with the
/// key's term definition: expansion needs both, and one lookup finds both.
pub(crate) fn expand_key<'c, 'a>(
    ctx: &'c ActiveContext,
    key: &'a str,
) -> (Expanded<'a>, Option<&'c Arc<TermDef>>) {
    // Keywords and keyword-like keys are never terms, so a term found here
    // is what `expand_iri` would use too.
    match ctx.term(key) {
        Some(def) => {
            let expanded = match &def.iri {
                Some(Mapping::Keyword(k)) => Expanded::Keyword(k),
                Some(Mapping::Iri(iri)) => Expanded::Iri(Text::Shared(iri.clone())),
                None => Expanded::Null,
            };
            (expanded, Some(def))
        }
        None => (expand_iri(ctx, key, true), None),
    }
}

/// Context processing: `local` applied to `active`. `key` is the memo key
/// of `local` when it lives in the store.
pub(crate) fn process(
    store: &StoreInner,
    active: &Arc<ActiveContext>,
    local: &LocalContext,
    key: Option<u64>,
    propagate: bool,
    override_protected: bool,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    process_at(store, active, local, key, propagate, override_protected, 0)
}

fn process_at(
    store: &StoreInner,
    active: &Arc<ActiveContext>,
    local: &LocalContext,
    key: Option<u64>,
    propagate: bool,
    override_protected: bool,
    remote_depth: usize,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    let memo_key = match (active.memo_id.get(), key) {
        (Some(&active_id), Some(local_key)) => Some(MemoKey {
            active: active_id,
            local: local_key,
            propagate,
            override_protected,
        }),
        _ => None,
    };
    if let Some(k) = &memo_key
        && let Some(hit) = store.memo_get(k)
    {
        return Ok(hit);
    }
    let result = process_uncached(
        store,
        active,
        local,
        propagate,
        override_protected,
        remote_depth,
    )?;
    if let Some(k) = memo_key {
        store.memo_put(k, &result);
    }
    Ok(result)
}

fn process_uncached(
    store: &StoreInner,
    active: &Arc<ActiveContext>,
    local: &LocalContext,
    mut propagate: bool,
    override_protected: bool,
    remote_depth: usize,
) -> Result<Arc<ActiveContext>, JsonLdError> {
    if let LocalContext::Def(def) = local
        && let Some(p) = def.propagate
    {
        propagate = p;
    }
    let mut result = active.clone();
    if !propagate && result.previous.is_none() {
        let mut derived = active.derive();
        derived.previous = Some(active.clone());
        result = Arc::new(derived);
    }
    let items = match local {
        LocalContext::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for item in items {
        match item {
            LocalContext::Null => {
                if !override_protected && result.terms.values().any(|t| t.protected) {
                    return Err(JsonLdError::InvalidContextNullification);
                }
                let mut fresh = store.initial().derive();
                if !propagate {
                    fresh.previous = result.previous.clone();
                }
                result = Arc::new(fresh);
            }
            LocalContext::Url(url) => {
                if remote_depth >= MAX_REMOTE_CONTEXTS {
                    return Err(JsonLdError::TooDeep {
                        what: "context imports",
                        limit: MAX_REMOTE_CONTEXTS,
                    });
                }
                let (loaded, loaded_key) = store.resolve(url)?;
                result = process_at(
                    store,
                    &result,
                    loaded,
                    Some(loaded_key),
                    true,
                    false,
                    remote_depth + 1,
                )?;
            }
            LocalContext::Def(def) => {
                let mut derived = result.derive();
                apply_def(&mut derived, def, override_protected)?;
                result = Arc::new(derived);
            }
            // The parser rejects arrays inside arrays.
            LocalContext::Array(_) => {
                return Err(JsonLdError::InvalidContext {
                    reason: "an array of contexts may not contain an array",
                });
            }
        }
    }
    Ok(result)
}

/// Applies one context definition (a JSON object) to `result`.
fn apply_def(
    result: &mut ActiveContext,
    def: &ContextDef,
    override_protected: bool,
) -> Result<(), JsonLdError> {
    if let Some(vocab) = &def.vocab {
        result.vocab = match vocab {
            None => None,
            Some(v) => match expand_iri(result, v, true) {
                Expanded::Iri(iri) => Some(Arc::from(&*iri)),
                _ => {
                    return Err(JsonLdError::InvalidContext {
                        reason: "@vocab must be an absolute IRI or a blank node identifier",
                    });
                }
            },
        };
    }
    let mut defining = Defining {
        local: def,
        defined: HashMap::with_capacity(def.terms.len()),
        override_protected,
    };
    for (term, _) in &def.terms {
        defining.create_term(result, term, 0)?;
    }
    Ok(())
}

fn invalid_term(term: &str, reason: &'static str) -> JsonLdError {
    JsonLdError::InvalidTermDefinition {
        term: term.to_owned(),
        reason,
    }
}

/// The state of one Create Term Definition run over a local context.
struct Defining<'d> {
    local: &'d ContextDef,
    /// `false` while a term is being defined (cycle detection), `true` once
    /// it is.
    defined: HashMap<&'d str, bool>,
    override_protected: bool,
}

impl<'d> Defining<'d> {
    /// The term as stored in the local context (for its `'d` lifetime).
    fn local_term(&self, term: &str) -> Option<(&'d str, &'d TermSyntax)> {
        let local: &'d ContextDef = self.local;
        local
            .terms
            .binary_search_by(|(t, _)| (**t).cmp(term))
            .ok()
            .and_then(|i| local.terms.get(i))
            .map(|(t, s)| (&**t, s))
    }

    /// Defines `term` from the local context if it is there and not defined
    /// yet (a dependency of the term being defined).
    fn define_dependency(
        &mut self,
        active: &mut ActiveContext,
        term: &str,
        depth: usize,
    ) -> Result<(), JsonLdError> {
        if let Some((t, _)) = self.local_term(term)
            && self.defined.get(t) != Some(&true)
        {
            self.create_term(active, t, depth + 1)?;
        }
        Ok(())
    }

    /// IRI expansion while defining terms: local terms are defined first.
    fn expand<'v>(
        &mut self,
        active: &mut ActiveContext,
        value: &'v str,
        depth: usize,
    ) -> Result<Expanded<'v>, JsonLdError> {
        if keyword(value).is_some() || has_keyword_form(value) {
            return Ok(expand_iri(active, value, true));
        }
        self.define_dependency(active, value, depth)?;
        if let Some((prefix, _)) = value.split_once(':').filter(|(p, _)| !p.is_empty()) {
            self.define_dependency(active, prefix, depth)?;
        }
        Ok(expand_iri(active, value, true))
    }

    fn create_term(
        &mut self,
        active: &mut ActiveContext,
        term: &'d str,
        depth: usize,
    ) -> Result<(), JsonLdError> {
        match self.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(invalid_term(term, "cyclic IRI mapping")),
            None => {}
        }
        if depth > MAX_TERM_DEPENDENCY {
            return Err(JsonLdError::TooDeep {
                what: "term definitions depending on one another",
                limit: MAX_TERM_DEPENDENCY,
            });
        }
        if term.is_empty() {
            return Err(invalid_term(term, "the empty string is not a term"));
        }
        let Some((_, syntax)) = self.local_term(term) else {
            return Ok(());
        };
        if is_keyword(term) {
            return Err(invalid_term(term, "keywords cannot be redefined"));
        }
        if has_keyword_form(term) {
            // Reserved for future keywords: ignored, as the spec says.
            self.defined.insert(term, true);
            return Ok(());
        }
        self.defined.insert(term, false);
        let previous = active.terms.remove(term);

        let null_term;
        let simple_term;
        let (ex, simple): (&ExpandedTerm, bool) = match syntax {
            TermSyntax::Null => {
                null_term = ExpandedTerm {
                    id: IdEntry::Null,
                    type_mapping: None,
                    container: Container::None,
                    context: None,
                    protected: None,
                    prefix: None,
                };
                (&null_term, false)
            }
            TermSyntax::Simple(id) => {
                simple_term = ExpandedTerm {
                    id: IdEntry::Value(id.clone()),
                    type_mapping: None,
                    container: Container::None,
                    context: None,
                    protected: None,
                    prefix: None,
                };
                (&simple_term, true)
            }
            TermSyntax::Expanded(ex) => (&**ex, false),
        };

        let mut def = TermDef {
            iri: None,
            prefix: false,
            protected: ex.protected.unwrap_or(self.local.protected),
            type_mapping: None,
            container: ex.container,
            context: ex.context.clone(),
        };

        if let Some(t) = &ex.type_mapping {
            def.type_mapping = Some(match self.expand(active, t, depth)? {
                Expanded::Keyword("@id") => TypeMapping::Id,
                Expanded::Keyword("@vocab") => TypeMapping::Vocab,
                Expanded::Keyword("@json") => TypeMapping::Json,
                Expanded::Keyword("@none") => TypeMapping::None,
                Expanded::Iri(iri) if !iri.starts_with("_:") => TypeMapping::Iri(Arc::from(&*iri)),
                _ => return Err(invalid_term(term, "invalid type mapping")),
            });
        }

        let colon_inside = term.find(':').is_some_and(|i| i > 0 && i + 1 < term.len());
        let looks_like_iri = colon_inside || term.contains('/');
        match &ex.id {
            IdEntry::Null => def.iri = None,
            IdEntry::Value(id) if &**id != term => {
                if keyword(id).is_none() && has_keyword_form(id) {
                    // Ignored, as the spec says: the term stays undefined.
                    self.defined.insert(term, true);
                    return Ok(());
                }
                def.iri = Some(match self.expand(active, id, depth)? {
                    Expanded::Keyword("@context") => {
                        return Err(invalid_term(term, "@context cannot be aliased"));
                    }
                    Expanded::Keyword(k) => Mapping::Keyword(k),
                    Expanded::Iri(iri) => Mapping::Iri(Arc::from(&*iri)),
                    Expanded::Relative | Expanded::Null => {
                        return Err(invalid_term(term, "invalid IRI mapping"));
                    }
                });
                if looks_like_iri {
                    self.defined.insert(term, true);
                    let as_iri = match self.expand(active, term, depth)? {
                        Expanded::Iri(iri) => Some(Mapping::Iri(Arc::from(&*iri))),
                        Expanded::Keyword(k) => Some(Mapping::Keyword(k)),
                        _ => None,
                    };
                    if as_iri != def.iri {
                        return Err(invalid_term(
                            term,
                            "a term that looks like an IRI must map to that IRI",
                        ));
                    }
                }
                if !looks_like_iri
                    && simple
                    && let Some(Mapping::Iri(iri)) = &def.iri
                {
                    def.prefix = ends_with_gen_delim(iri) || iri.starts_with("_:");
                }
            }
            _ => {
                // No @id (or @id equal to the term): derive the IRI from the
                // term itself.
                if let Some((prefix, suffix)) = term.split_once(':').filter(|(p, _)| !p.is_empty())
                {
                    self.define_dependency(active, prefix, depth)?;
                    let via_prefix = match active.term(prefix).map(|d| &d.iri) {
                        Some(Some(Mapping::Iri(p))) => Some(format!("{p}{suffix}")),
                        _ => None,
                    };
                    def.iri = Some(Mapping::Iri(Arc::from(
                        via_prefix.as_deref().unwrap_or(term),
                    )));
                } else if term.contains('/') {
                    def.iri = match self.expand(active, term, depth)? {
                        Expanded::Iri(iri) => Some(Mapping::Iri(Arc::from(&*iri))),
                        _ => return Err(invalid_term(term, "invalid IRI mapping")),
                    };
                } else if let Some(v) = &active.vocab {
                    def.iri = Some(Mapping::Iri(Arc::from(format!("{v}{term}"))));
                } else {
                    return Err(invalid_term(
                        term,
                        "no IRI mapping and no @vocab to derive one from",
                    ));
                }
            }
        }

        if let Some(prefix) = ex.prefix {
            if looks_like_iri {
                return Err(invalid_term(
                    term,
                    "@prefix is not allowed on a compact IRI",
                ));
            }
            if prefix && matches!(def.iri, Some(Mapping::Keyword(_))) {
                return Err(invalid_term(term, "a keyword alias cannot be a prefix"));
            }
            def.prefix = prefix;
        }

        let def = match previous {
            Some(prev) if prev.protected && !self.override_protected => {
                if !prev.same_definition(&def) {
                    return Err(JsonLdError::ProtectedTermRedefinition {
                        term: term.to_owned(),
                    });
                }
                prev
            }
            _ => Arc::new(def),
        };
        active.terms.insert(Arc::from(term), def);
        self.defined.insert(term, true);
        Ok(())
    }
}
