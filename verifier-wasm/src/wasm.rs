//! The JavaScript API: a thin wasm-bindgen layer over [`Verifier`].
//!
//! ```js
//! import init, { WasmVerifier } from './verifier_wasm.js';
//! await init();
//! const v = WasmVerifier.fromTrustList(trustListBytes, [anchorJwkOrPem]);
//! v.loadRevocations(revocationBytes);
//! v.loadRules(rulesBytes); // optional: a verifier profile's rules
//! const verdict = v.scanFrame(imageData.data, 640, 480, Date.now());
//! if (verdict === undefined) { /* no QR in this frame: try the next */ }
//! else if (verdict.status === 'valid' && !verdict.revocation_unknown) { ... }
//! ```
//!
//! Results are plain JS objects with the same shape as the `verify --json`
//! output (snake_case keys); setup failures throw `Error` with a message
//! saying what was wrong. Nothing here touches the network or storage: the
//! caller fetches and caches the lists, and no personal data leaves the
//! device.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::{JsError, JsValue, wasm_bindgen};

use crate::qr::{FrameScanner, QrError};
use crate::{PinnedKey, Verdict, Verifier};

/// A verifier for the browser: what it trusts, what it knows is revoked,
/// and the state of its camera scanner.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmVerifier {
    verifier: Verifier,
    scanner: FrameScanner,
}

/// One pinned key as JavaScript passes it: `{ kid, key }`, the key as PEM,
/// JWK (object or JSON text), base58 or multibase.
#[derive(Debug, Deserialize)]
struct PinnedKeyInput {
    kid: String,
    key: KeyInput,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeyInput {
    Text(String),
    Jwk(serde_json::Value),
}

impl KeyInput {
    fn parse(self) -> Result<credential::PublicKey, JsError> {
        let text = match self {
            Self::Text(text) => text,
            Self::Jwk(jwk) => jwk.to_string(),
        };
        credential::PublicKey::parse_any(&text).map_err(|e| JsError::new(&format!("key: {e}")))
    }
}

/// What the verifier holds, for the UI's "lists updated on ..." line.
#[derive(Debug, Serialize)]
struct TrustState {
    trust_list_version: Option<u64>,
    trust_list_issued_at: Option<String>,
    trust_list_next_update: Option<String>,
    trust_list_stale: bool,
    issuers: Vec<crate::IssuerInfo>,
    revocation_version: Option<u64>,
    revocation_stale: bool,
    rules_profile: Option<String>,
    rules_version: Option<u64>,
    rules_stale: bool,
}

#[wasm_bindgen]
impl WasmVerifier {
    /// A verifier trusting a signed trust list, checked against the trust
    /// anchors (public keys as PEM, JWK text, base58 or multibase), which
    /// also sign revocation lists.
    #[wasm_bindgen(js_name = fromTrustList)]
    pub fn from_trust_list(list: &[u8], anchors: Vec<String>) -> Result<WasmVerifier, JsError> {
        let anchors = parse_anchors(anchors)?;
        Ok(Self::new(Verifier::with_trust_list(list, anchors)?))
    }

    /// A verifier trusting exactly these keys (`[{ kid, key }]`), as DIVOC's
    /// verifier pins one key. `anchors` may be empty; then revocation lists
    /// cannot be loaded.
    #[wasm_bindgen(js_name = withPinnedKeys)]
    pub fn with_pinned_keys(keys: JsValue, anchors: Vec<String>) -> Result<WasmVerifier, JsError> {
        let inputs: Vec<PinnedKeyInput> = serde_wasm_bindgen::from_value(keys)
            .map_err(|e| JsError::new(&format!("pinned keys: expected [{{kid, key}}]: {e}")))?;
        let keys = inputs
            .into_iter()
            .map(|input| {
                Ok(PinnedKey {
                    key: input.key.parse()?,
                    kid: input.kid,
                })
            })
            .collect::<Result<Vec<_>, JsError>>()?;
        Ok(Self::new(Verifier::with_pinned_keys(
            keys,
            parse_anchors(anchors)?,
        )))
    }

    /// Replace the trust list with a newer signed one; an older version is
    /// refused as a rollback.
    #[wasm_bindgen(js_name = updateTrustList)]
    pub fn update_trust_list(&mut self, list: &[u8]) -> Result<(), JsError> {
        Ok(self.verifier.update_trust_list(list)?)
    }

    /// Apply a signed revocation snapshot or delta.
    #[wasm_bindgen(js_name = loadRevocations)]
    pub fn load_revocations(&mut self, list: &[u8]) -> Result<(), JsError> {
        Ok(self.verifier.load_revocations(list)?)
    }

    /// Load a verifier profile's signed rules list (`GET /v1/rules/{profile}`
    /// from the registry). Verdicts of valid certificates then carry
    /// `rules: {status: 'passed' | 'not_met', failed: [{id, text}]}`; the
    /// rules never change `status`. An older list of the same profile is
    /// refused as a rollback.
    #[wasm_bindgen(js_name = loadRules)]
    pub fn load_rules(&mut self, list: &[u8]) -> Result<(), JsError> {
        Ok(self.verifier.set_rules(list)?)
    }

    /// Verify scanned bytes (a QR payload: ZIP, `B64:` text, JSON) at
    /// `now_ms` (milliseconds since the epoch, as `Date.now()`).
    #[wasm_bindgen(js_name = verifyPayload)]
    pub fn verify_payload(&self, bytes: &[u8], now_ms: f64) -> Result<JsValue, JsError> {
        to_js(&self.verifier.verify_payload(bytes, timestamp(now_ms)?))
    }

    /// Verify a QR code's text as a browser's `BarcodeDetector` returns it
    /// (`rawValue`). A byte-mode code decoded as ISO-8859-1 maps back to its
    /// bytes exactly; other text is taken as UTF-8.
    #[wasm_bindgen(js_name = verifyText)]
    pub fn verify_text(&self, text: &str, now_ms: f64) -> Result<JsValue, JsError> {
        let latin1: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(c).ok()).collect();
        let bytes = latin1.unwrap_or_else(|| text.as_bytes().to_vec());
        self.verify_payload(&bytes, now_ms)
    }

    /// Look for a QR code in one RGBA camera frame (`ImageData.data`) and
    /// verify it: the verdict, or `undefined` when the frame holds no
    /// readable code (the next frame gets another of the decoder's retries).
    #[wasm_bindgen(js_name = scanFrame)]
    pub fn scan_frame(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let now = timestamp(now_ms)?;
        let scanned = self.scanner.scan_rgba(rgba, width, height);
        self.verdict_for_scan(scanned, now)
    }

    /// As [`scan_frame`](Self::scan_frame) for a still image (a photo or a
    /// screenshot the browser decoded to RGBA): every decoder pass at once.
    #[wasm_bindgen(js_name = scanImage)]
    pub fn scan_image(
        &self,
        rgba: &[u8],
        width: u32,
        height: u32,
        now_ms: f64,
    ) -> Result<JsValue, JsError> {
        let now = timestamp(now_ms)?;
        self.verdict_for_scan(crate::qr::decode_rgba(rgba, width, height), now)
    }

    /// What the verifier holds: trust-list version and dates, its issuers,
    /// the revocation version, and whether either is past its next update
    /// at `now_ms`.
    #[wasm_bindgen(js_name = trustState)]
    pub fn trust_state(&self, now_ms: f64) -> Result<JsValue, JsError> {
        let now = timestamp(now_ms)?;
        let list = self.verifier.trust_list();
        let revocations = self.verifier.revocations();
        to_js(&TrustState {
            trust_list_version: list.map(|l| l.version),
            trust_list_issued_at: list.map(|l| l.issued_at.to_string()),
            trust_list_next_update: list.map(|l| l.next_update.to_string()),
            trust_list_stale: list.is_some_and(|l| l.is_stale(now)),
            issuers: list
                .map(|l| {
                    l.issuers
                        .iter()
                        .map(|i| crate::IssuerInfo {
                            id: i.id.clone(),
                            name: i.name.clone(),
                            country: i.country.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            revocation_version: revocations.version(),
            revocation_stale: revocations.is_stale(now),
            rules_profile: self.verifier.rules().map(|r| r.profile.clone()),
            rules_version: self.verifier.rules().map(|r| r.version),
            rules_stale: self.verifier.rules().is_some_and(|r| r.is_stale(now)),
        })
    }
}

impl WasmVerifier {
    fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            scanner: FrameScanner::new(),
        }
    }

    /// The verdict for the first code that is a certificate; failing that,
    /// the first code's (a code that is not a certificate is reported, not
    /// hidden, so the user learns they scanned the wrong code). No code:
    /// `undefined`; a bad frame: an error.
    fn verdict_for_scan(
        &self,
        scanned: Result<Vec<crate::qr::QrCode>, QrError>,
        now: Timestamp,
    ) -> Result<JsValue, JsError> {
        let codes = match scanned {
            Ok(codes) => codes,
            Err(QrError::NotFound) => return Ok(JsValue::UNDEFINED),
            Err(e) => return Err(e.into()),
        };
        let mut first: Option<Verdict> = None;
        for code in codes {
            let verdict = self.verifier.verify_payload(code.payload(), now);
            if verdict.status != crate::Status::NotACertificate {
                return to_js(&verdict);
            }
            first.get_or_insert(verdict);
        }
        match first {
            Some(verdict) => to_js(&verdict),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}

fn parse_anchors(anchors: Vec<String>) -> Result<Vec<credential::PublicKey>, JsError> {
    anchors
        .iter()
        .map(|a| {
            credential::PublicKey::parse_any(a)
                .map_err(|e| JsError::new(&format!("trust anchor: {e}")))
        })
        .collect()
}

/// `Date.now()` milliseconds to a timestamp (fractions dropped); NaN,
/// infinities and dates outside jiff's range are refused, not clamped.
fn timestamp(now_ms: f64) -> Result<Timestamp, JsError> {
    let invalid = || JsError::new(&format!("now: not a valid time in milliseconds: {now_ms}"));
    if !now_ms.is_finite() || now_ms.abs() > 1e16 {
        return Err(invalid());
    }
    // Checked above: at most 1e16 in magnitude, so the floor fits an i64.
    let ms = now_ms.floor() as i64;
    Timestamp::from_millisecond(ms).map_err(|_| invalid())
}

/// Plain objects, not `Map`s, so `verdict.status` works in JS.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not convert the result: {e}")))
}
