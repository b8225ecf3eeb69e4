//! Shared by the signed-list targets.

use credential::PrivateKey;

/// The anchor the list seeds are signed with (`examples/make_seeds.rs`).
pub const ANCHOR_SEED: [u8; 32] = [0xA7; 32];

/// The input with its `payload` signed again by `anchor`, so a mutated
/// payload still passes the signature check and reaches the parser behind
/// it. Other envelope members stay as the fuzzer left them. `None` when the
/// input is not a JSON object with a payload.
pub fn resign(data: &[u8], anchor: &PrivateKey) -> Option<Vec<u8>> {
    let mut envelope: serde_json::Value = serde_json::from_slice(data).ok()?;
    let signed = credential::jcs_canonicalize(envelope.get("payload")?).ok()?;
    let signature = anchor.sign_detached_jws(signed.as_bytes()).ok()?;
    let object = envelope.as_object_mut()?;
    object.insert("anchor".into(), anchor.public_key().thumbprint().into());
    object.insert("signature".into(), signature.into());
    serde_json::to_vec(&envelope).ok()
}
