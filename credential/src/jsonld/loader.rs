//! The context store: bundled contexts, contexts a trust list adds, and the
//! memo of processed contexts. Nothing is ever fetched from the network.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use super::JsonLdError;
use super::context::ActiveContext;
use super::syntax::{LocalContext, next_key, parse_local_context};

/// Upper bound on memoized active contexts. Certificates need a few dozen;
/// documents chaining many contexts could add more, so when full the memo
/// starts again rather than grow.
const MAX_MEMO_ENTRIES: usize = 512;

/// Every bundled context file and the URLs it is served under (see
/// `contexts/README.md` and `contexts/W3C-README.md`).
const BUNDLED: &[(&[&str], &str)] = &[
    (
        &["https://www.w3.org/2018/credentials/v1"],
        include_str!("../../contexts/credentials-v1.jsonld"),
    ),
    (
        &["https://www.w3.org/ns/credentials/v2"],
        include_str!("../../contexts/credentials-v2.jsonld"),
    ),
    (
        &["https://www.w3.org/ns/credentials/examples/v2"],
        include_str!("../../contexts/credentials-examples-v2.jsonld"),
    ),
    (
        &["https://www.w3.org/ns/credentials/undefined-terms/v2"],
        include_str!("../../contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (
        &["https://w3id.org/security/v1"],
        include_str!("../../contexts/security-v1.jsonld"),
    ),
    (
        &["https://w3id.org/security/v2"],
        include_str!("../../contexts/security-v2.jsonld"),
    ),
    (
        &["https://w3id.org/security/data-integrity/v1"],
        include_str!("../../contexts/data-integrity-v1.jsonld"),
    ),
    (
        &["https://w3id.org/security/data-integrity/v2"],
        include_str!("../../contexts/data-integrity-v2.jsonld"),
    ),
    (
        &["https://w3id.org/security/multikey/v1"],
        include_str!("../../contexts/multikey-v1.jsonld"),
    ),
    (
        &["https://www.w3.org/ns/credentials/status/v1"],
        include_str!("../../contexts/vc-bitstring-status-list-v1.jsonld"),
    ),
    (
        &["https://www.w3.org/ns/did/v1"],
        include_str!("../../contexts/did-v1.jsonld"),
    ),
    (
        &["https://w3id.org/security/suites/ed25519-2018/v1"],
        include_str!("../../contexts/ed25519-signature-2018-v1.jsonld"),
    ),
    (
        &["https://w3id.org/security/suites/ed25519-2020/v1"],
        include_str!("../../contexts/ed25519-signature-2020-v1.jsonld"),
    ),
    (
        &[
            "https://cowin.gov.in/credentials/vaccination/v1",
            "https://divoc.dev/credentials/vaccination/v1",
        ],
        include_str!("../../contexts/vaccination-v1.jsonld"),
    ),
    (
        &[
            "https://cowin.gov.in/credentials/vaccination/v2",
            "https://divoc.dev/credentials/vaccination/v2",
        ],
        include_str!("../../contexts/vaccination-v2.jsonld"),
    ),
    (
        &[crate::model::HEALTHCERTS_CONTEXT],
        include_str!("../../contexts/healthcerts-vaccination-v1.jsonld"),
    ),
];

/// A context document the store serves.
#[derive(Debug)]
struct StoredContext {
    /// The document's `@context`, parsed.
    context: LocalContext,
    /// The memo key of `context`.
    key: u64,
    /// The document as given, to tell a repeated addition from a conflict.
    source: Value,
}

/// What a memoized result is the result of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct MemoKey {
    pub(crate) active: u64,
    pub(crate) local: u64,
    pub(crate) propagate: bool,
    pub(crate) override_protected: bool,
}

type Memo = Mutex<HashMap<MemoKey, Arc<ActiveContext>>>;

pub(crate) struct StoreInner {
    urls: HashMap<Box<str>, Arc<StoredContext>>,
    initial: Arc<ActiveContext>,
    /// Shared by every store derived from the same one: a stored context
    /// has a process-unique key, so a result memoized for one store is
    /// valid for any store that can resolve the same contexts.
    memo: Arc<Memo>,
}

impl StoreInner {
    pub(crate) fn initial(&self) -> &Arc<ActiveContext> {
        &self.initial
    }

    /// The `@context` of the document served under `url`, and its memo key.
    pub(crate) fn resolve(&self, url: &str) -> Result<(&LocalContext, u64), JsonLdError> {
        self.urls
            .get(url)
            .map(|stored| (&stored.context, stored.key))
            .ok_or_else(|| JsonLdError::UnknownContext {
                url: url.to_owned(),
            })
    }

    pub(crate) fn memo_get(&self, key: &MemoKey) -> Option<Arc<ActiveContext>> {
        // A poisoned lock only means another thread panicked mid-insert;
        // the map itself is always consistent.
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        memo.get(key).cloned()
    }

    pub(crate) fn memo_put(&self, key: MemoKey, result: &Arc<ActiveContext>) {
        result.memo_id.get_or_init(next_key);
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if memo.len() >= MAX_MEMO_ENTRIES {
            memo.clear();
        }
        memo.insert(key, result.clone());
    }
}

/// The JSON-LD contexts a processor may use: the bundled ones, plus any a
/// trust list carries. Nothing is ever fetched from the network.
///
/// Cloning is cheap (the contexts are shared), and so is
/// [`ContextStore::bundled`]: the bundled contexts are parsed once per
/// process. Contexts are *processed* (applied to one another) on first use
/// and memoized, so a verification normally reuses the work of the previous
/// one.
#[derive(Clone)]
pub struct ContextStore {
    inner: Arc<StoreInner>,
}

impl fmt::Debug for ContextStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut urls: Vec<&str> = self.inner.urls.keys().map(|u| &**u).collect();
        urls.sort_unstable();
        f.debug_struct("ContextStore").field("urls", &urls).finish()
    }
}

impl Default for ContextStore {
    /// The bundled contexts, as [`ContextStore::bundled`].
    fn default() -> Self {
        Self::bundled()
    }
}

impl ContextStore {
    /// The contexts bundled with this crate, under every URL they are served at.
    pub fn bundled() -> Self {
        static BUNDLED_STORE: OnceLock<ContextStore> = OnceLock::new();
        BUNDLED_STORE.get_or_init(build_bundled).clone()
    }

    /// Serves `document` (a JSON-LD context document: an object with an
    /// `@context` entry) under `url`, e.g. a context a trust list carries
    /// for a new issuer. Adding the same document again is a no-op; a
    /// different document under a URL already served is an error.
    ///
    /// The document is parsed now, so unsupported features are reported
    /// here; errors that depend on the contexts it is combined with
    /// (protected terms) are reported when a credential uses it.
    pub fn add_context(&mut self, url: &str, document: &Value) -> Result<(), JsonLdError> {
        if let Some(existing) = self.inner.urls.get(url) {
            return if existing.source == *document {
                Ok(())
            } else {
                Err(JsonLdError::ContextAlreadyDefined {
                    url: url.to_owned(),
                })
            };
        }
        let stored = Arc::new(parse_document(document)?);
        let mut urls = self.inner.urls.clone();
        urls.insert(url.into(), stored);
        self.inner = Arc::new(StoreInner {
            urls,
            initial: self.inner.initial.clone(),
            memo: self.inner.memo.clone(),
        });
        Ok(())
    }

    /// Whether the store serves a context under `url`.
    pub fn contains(&self, url: &str) -> bool {
        self.inner.urls.contains_key(url)
    }

    pub(crate) fn inner(&self) -> &StoreInner {
        &self.inner
    }
}

fn parse_document(document: &Value) -> Result<StoredContext, JsonLdError> {
    let context = document.as_object().and_then(|o| o.get("@context")).ok_or(
        JsonLdError::InvalidContext {
            reason: "a context document must be an object with an @context entry",
        },
    )?;
    Ok(StoredContext {
        context: parse_local_context(context, true)?,
        key: next_key(),
        source: document.clone(),
    })
}

fn build_bundled() -> ContextStore {
    let mut urls = HashMap::new();
    for (served_at, text) in BUNDLED {
        #[allow(
            clippy::expect_used,
            reason = "the bundled contexts are constants of this crate, parsed by its tests"
        )]
        let stored = serde_json::from_str(text)
            .ok()
            .and_then(|doc| parse_document(&doc).ok())
            .map(Arc::new)
            .expect("bundled contexts are valid and use only supported features");
        for url in *served_at {
            urls.insert((*url).into(), Arc::clone(&stored));
        }
    }
    let initial = ActiveContext::default();
    initial.memo_id.get_or_init(next_key);
    ContextStore {
        inner: Arc::new(StoreInner {
            urls,
            initial: Arc::new(initial),
            memo: Arc::new(Mutex::new(HashMap::new())),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bundled_serves_every_documented_url() {
        let store = ContextStore::bundled();
        for url in [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
            "https://www.w3.org/ns/credentials/undefined-terms/v2",
            "https://w3id.org/security/v1",
            "https://w3id.org/security/v2",
            "https://w3id.org/security/data-integrity/v1",
            "https://w3id.org/security/data-integrity/v2",
            "https://w3id.org/security/multikey/v1",
            "https://www.w3.org/ns/credentials/status/v1",
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/ed25519-2018/v1",
            "https://w3id.org/security/suites/ed25519-2020/v1",
            "https://cowin.gov.in/credentials/vaccination/v1",
            "https://divoc.dev/credentials/vaccination/v1",
            "https://cowin.gov.in/credentials/vaccination/v2",
            "https://divoc.dev/credentials/vaccination/v2",
        ] {
            assert!(store.contains(url), "{url}");
            assert!(store.inner().resolve(url).is_ok());
        }
        assert_eq!(
            store
                .inner()
                .resolve("https://example.org/ctx")
                .unwrap_err(),
            JsonLdError::UnknownContext {
                url: "https://example.org/ctx".into()
            }
        );
        // Both URLs of a vaccination context share one parsed document, so
        // one memo entry serves both.
        let a = store
            .inner()
            .resolve("https://cowin.gov.in/credentials/vaccination/v2")
            .unwrap()
            .1;
        let b = store
            .inner()
            .resolve("https://divoc.dev/credentials/vaccination/v2")
            .unwrap()
            .1;
        assert_eq!(a, b);
    }

    #[test]
    fn add_context_rules() {
        let mut store = ContextStore::bundled();
        let doc = json!({"@context": {"@protected": true, "foo": "https://example.org/foo"}});
        store.add_context("https://example.org/ctx", &doc).unwrap();
        assert!(store.contains("https://example.org/ctx"));
        assert!(!ContextStore::bundled().contains("https://example.org/ctx"));
        // The same document again is fine, another one is not.
        store.add_context("https://example.org/ctx", &doc).unwrap();
        assert!(matches!(
            store.add_context("https://example.org/ctx", &json!({"@context": {}})),
            Err(JsonLdError::ContextAlreadyDefined { .. })
        ));
        assert!(matches!(
            store.add_context(
                "https://www.w3.org/2018/credentials/v1",
                &json!({"@context": {}})
            ),
            Err(JsonLdError::ContextAlreadyDefined { .. })
        ));
        assert!(matches!(
            store.add_context("https://example.org/other", &json!({"foo": 1})),
            Err(JsonLdError::InvalidContext { .. })
        ));
        assert!(matches!(
            store.add_context(
                "https://example.org/other",
                &json!({"@context": {"@base": "x"}})
            ),
            Err(JsonLdError::UnsupportedFeature { .. })
        ));
    }
}
