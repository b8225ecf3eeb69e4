//! The deploy-time configuration, `config.json` served beside the app:
//!
//! ```json
//! {"registry": "https://registry.example.org/", "anchors": ["-----BEGIN PUBLIC KEY-----..."],
//!  "rulesProfile": null, "syncIntervalMinutes": 60}
//! ```
//!
//! `registry` may be relative to the app's URL (`"./"` serves the lists
//! beside it). `now` (tests only) starts the verification clock at a fixed
//! time.

use serde::Deserialize;
use wasm_bindgen::JsValue;

use super::http;

/// Largest `config.json` read.
const MAX_CONFIG_BYTES: usize = 256 << 10;

/// What `config.json` says.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Base URL of the key registry (absolute, or relative to the app).
    pub registry: String,
    /// Trust anchors (PEM, JWK text, base58 or multibase): the keys that
    /// sign the trust list, revocation lists and rules.
    pub anchors: Vec<String>,
    /// The verification rules to load, if any.
    #[serde(default)]
    pub rules_profile: Option<String>,
    /// Minutes between background syncs while online.
    #[serde(default = "default_interval")]
    pub sync_interval_minutes: u32,
    /// Tests only: the verification clock's starting time (RFC 3339).
    #[serde(default)]
    pub now: Option<String>,
}

fn default_interval() -> u32 {
    60
}

impl Config {
    /// Fetch and parse `config.json` (revalidated with the server each
    /// time; the service worker answers from its cache when offline).
    pub async fn load() -> Result<Self, String> {
        let bytes = http::get("config.json", MAX_CONFIG_BYTES)
            .await
            .map_err(|e| format!("config.json: {e:?}"))?
            .ok_or("config.json: not found")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| "config.json: not UTF-8")?;
        let value = js_sys::JSON::parse(text).map_err(|e| super::js_message(&e))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| format!("config.json: {e}"))
    }

    /// The absolute URL of `path` under the registry.
    pub fn registry_url(&self, path: &str) -> Result<String, JsValue> {
        let base = web_sys::Url::new_with_base(&self.registry, &http::document_url()?)?;
        let mut href = base.href();
        if !href.ends_with('/') {
            href.push('/');
        }
        Ok(web_sys::Url::new_with_base(path, &href)?.href())
    }
}
