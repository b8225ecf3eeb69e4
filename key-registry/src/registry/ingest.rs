//! The issuer API's status events: `POST /v1/revocations`, the body the
//! JCS bytes of the event, the detached JWS over them in `X-JWS-Signature`
//! (`issuer-api/src/outbox.rs`).
//!
//! An event is taken only when every check passes, in this order:
//! 1. the JWS header is `{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":…}`;
//! 2. the event parses, strictly (unknown members refused);
//! 3. its `issuer` is registered (by credential issuer id or DID), else 403;
//! 4. `kid` is one of *that* issuer's keys (another issuer's key: 403; no
//!    issuer's: 401), Ed25519, and may sign now (inside its validity, not
//!    compromised), else 401;
//! 5. the Ed25519 signature verifies over `<header>.<body>`, else 401;
//! 6. a bearer token, if sent, is an `issuer` token of that same issuer.
//!
//! The signature is the authentication: it proves the issuer's key made
//! the event, and a replay changes nothing (events are deduplicated by
//! `event_id`, which the outbox keeps across retries). Events are applied
//! with the revocation rules: revocation is final (a later suspension or
//! lift is acknowledged and ignored), a lift only ends a suspension.
//!
//! `credential_status` (`{"status_list": <URL>, "status_index": n}`), when
//! present, names the certificate by its W3C status entry; the URL must be
//! `<public url>/v1/status-lists/<the issuer's slug>/<list>`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Registry;
use super::revocations::MAX_STATUS_LIST_LEN;
use super::tokens::{Principal, Role};
use crate::error::{Error, ErrorCode};
use crate::store::{IssuerRecord, KeyRecord, NewChange};

/// Largest event body accepted (an event is a few hundred bytes).
pub const MAX_EVENT_BYTES: usize = 16 * 1024;
/// Longest `X-JWS-Signature` read.
const MAX_JWS_LEN: usize = 1024;
/// Longest free text (reason) kept.
const MAX_TEXT: usize = 500;

/// The new status an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Valid again (a suspension lifted, or a fresh certificate).
    Active,
    /// Revoked, for good.
    Revoked,
    /// Suspended until `suspended_until`.
    Suspended,
}

/// A W3C status entry of the certificate (`credentialStatus`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialStatusRef {
    /// `statusListCredential`: `<registry>/v1/status-lists/<issuer slug>/<list>`.
    #[schema(max_length = 512)]
    pub status_list: String,
    /// `statusListIndex`.
    #[schema(maximum = 16777215)]
    pub status_index: u64,
}

/// A status event as the issuer API's outbox sends it (`type`
/// `certificate.status`, `version` 1).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusEvent {
    /// `certificate.status`.
    #[serde(rename = "type")]
    #[schema(pattern = "^certificate\\.status$")]
    pub kind: String,
    /// Event format version: 1.
    #[schema(minimum = 1, maximum = 1)]
    pub version: u32,
    /// Unique per event, kept across delivery retries.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,128}$")]
    pub event_id: String,
    /// The issuer: its DID or its credential issuer id.
    #[schema(min_length = 1, max_length = 512, pattern = "^\\S+$")]
    pub issuer: String,
    /// The certificate.
    #[schema(min_length = 1, max_length = 128, pattern = "^\\S+$")]
    pub certificate_id: String,
    /// The new status.
    pub status: EventStatus,
    /// Why.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// When the change took effect (RFC 3339).
    #[serde(default)]
    pub effective_at: Option<String>,
    /// End of a suspension: RFC 3339, or a date (the end of that day, UTC).
    #[serde(default)]
    pub suspended_until: Option<String>,
    /// The certificate that replaces a revoked one (a correction).
    #[serde(default)]
    #[schema(max_length = 128)]
    pub replaced_by: Option<String>,
    /// The outbox's delivery sequence number.
    #[serde(default)]
    pub sequence: Option<i64>,
    /// The certificate's W3C status entry, when it carries one.
    #[serde(default)]
    pub credential_status: Option<CredentialStatusRef>,
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestResult {
    /// The change entered the revocation list.
    Applied,
    /// Valid, but nothing to change (already so, or revocation is final).
    Unchanged,
    /// Seen before: the outbox delivered it again.
    Duplicate,
}

impl IngestResult {
    fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Unchanged => "unchanged",
            Self::Duplicate => "duplicate",
        }
    }
}

/// The answer to an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IngestOutcome {
    /// Applied, unchanged or duplicate.
    pub result: IngestResult,
    /// The revocation-list version that holds it.
    pub version: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JwsHeader {
    alg: String,
    b64: bool,
    crit: Vec<String>,
    kid: String,
}

/// A status list's name: 1 to 64 letters, digits, `_` or `-`.
pub fn is_list_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn bad(code: ErrorCode, message: impl Into<String>) -> Error {
    Error::client(code, message)
}

/// Split and check the JWS: (`<header>.` signing prefix, kid, signature).
fn parse_jws(jws: &str) -> Result<(String, String, [u8; 64]), Error> {
    let malformed = |why: &str| {
        bad(
            ErrorCode::SignatureMissing,
            format!("X-JWS-Signature: {why}"),
        )
    };
    if jws.len() > MAX_JWS_LEN {
        return Err(malformed("too long"));
    }
    let (header_b64, signature_b64) = jws
        .split_once("..")
        .ok_or_else(|| malformed("not a detached JWS (<header>..<signature>)"))?;
    let header_bytes = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| malformed("header is not base64url"))?;
    let header: JwsHeader = serde_json::from_slice(&header_bytes)
        .map_err(|_| malformed("header must be {alg, b64, crit, kid}"))?;
    if header.alg != "EdDSA" || header.b64 || header.crit != ["b64"] {
        return Err(malformed(
            "header must say alg EdDSA, b64 false, crit [\"b64\"]",
        ));
    }
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed("signature is not 64 bytes of base64url"))?;
    Ok((format!("{header_b64}."), header.kid, signature))
}

/// The Ed25519 key of a stored JWK, if it is one.
fn ed25519_key(record: &KeyRecord) -> Option<ed25519_dalek::VerifyingKey> {
    let jwk: Value = serde_json::from_str(&record.public_jwk).ok()?;
    if jwk.get("kty")? != "OKP" || jwk.get("crv")? != "Ed25519" {
        return None;
    }
    let x = URL_SAFE_NO_PAD.decode(jwk.get("x")?.as_str()?).ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().ok()?).ok()
}

/// `YYYY-MM-DD` (the end of that day, UTC) or RFC 3339, as Unix ms.
fn until_ms(text: &str) -> Option<i64> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let day = text.parse::<jiff::civil::Date>().ok()?;
    let next = day.checked_add(jiff::Span::new().days(1)).ok()?;
    jiff::tz::Offset::UTC
        .to_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
        .ok()
        .map(|t| t.as_millisecond())
}

fn check_event(event: &StatusEvent) -> Result<(), Error> {
    let invalid = |m: String| bad(ErrorCode::InvalidEvent, m);
    if event.kind != "certificate.status" || event.version != 1 {
        return Err(invalid(format!(
            "type {:?} version {}: only certificate.status version 1 is taken",
            event.kind.chars().take(64).collect::<String>(),
            event.version
        )));
    }
    if !(1..=128).contains(&event.event_id.len())
        || !event
            .event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(invalid(
            "event_id must be 1 to 128 letters, digits, '_' or '-'".into(),
        ));
    }
    if !super::text::is_token(&event.certificate_id, 128) {
        return Err(invalid(
            "certificate_id must be 1 to 128 characters, no spaces".into(),
        ));
    }
    if !super::text::is_token(&event.issuer, 512) {
        return Err(invalid(
            "issuer must be 1 to 512 characters, no spaces".into(),
        ));
    }
    if event
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_TEXT)
        || event
            .replaced_by
            .as_ref()
            .is_some_and(|r| r.chars().count() > 128)
    {
        return Err(invalid("reason or replaced_by too long".into()));
    }
    if event.status == EventStatus::Suspended
        && event
            .suspended_until
            .as_deref()
            .and_then(until_ms)
            .is_none()
    {
        return Err(invalid(
            "a suspension needs suspended_until (RFC 3339 or YYYY-MM-DD)".into(),
        ));
    }
    if let Some(at) = &event.effective_at
        && at.parse::<jiff::Timestamp>().is_err()
    {
        return Err(invalid("effective_at is not an RFC 3339 time".into()));
    }
    if let Some(status) = &event.credential_status
        && status.status_index >= MAX_STATUS_LIST_LEN
    {
        return Err(invalid(format!(
            "status_index must be below {MAX_STATUS_LIST_LEN} (a list's length)"
        )));
    }
    Ok(())
}

impl Registry {
    /// Take one issuer event (see the module docs for the checks).
    pub async fn ingest(
        &self,
        body: &[u8],
        jws: Option<&str>,
        caller: Option<&Principal>,
    ) -> Result<IngestOutcome, Error> {
        if body.len() > MAX_EVENT_BYTES {
            return Err(bad(
                ErrorCode::InvalidEvent,
                format!("an event is at most {MAX_EVENT_BYTES} bytes"),
            ));
        }
        let jws = jws.ok_or_else(|| {
            bad(
                ErrorCode::SignatureMissing,
                "X-JWS-Signature is required: the issuer's detached JWS over the body",
            )
        })?;
        let (prefix, kid, signature) = parse_jws(jws)?;
        let event: StatusEvent = serde_json::from_slice(body)
            .map_err(|e| bad(ErrorCode::InvalidEvent, format!("event: {e}")))?;
        check_event(&event)?;
        let issuer = self
            .store
            .issuer_by_id_or_did(&event.issuer)
            .await?
            .ok_or_else(|| {
                bad(
                    ErrorCode::IssuerNotRegistered,
                    format!(
                        "issuer {:?} is not registered",
                        event.issuer.chars().take(200).collect::<String>()
                    ),
                )
            })?;
        let key = self.signing_key(&issuer, &kid).await?;
        let mut message = prefix.into_bytes();
        message.extend_from_slice(body);
        key.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature))
            .map_err(|_| {
                bad(
                    ErrorCode::BadSignature,
                    "the event's signature does not verify",
                )
            })?;
        if let Some(caller) = caller {
            match &caller.role {
                Role::Issuer { issuer_id } if *issuer_id == issuer.id => {}
                Role::Issuer { .. } => {
                    return Err(bad(
                        ErrorCode::IssuerMismatch,
                        "the bearer token speaks for another issuer",
                    ));
                }
                Role::RegistryAdmin => {
                    return Err(bad(
                        ErrorCode::Forbidden,
                        "events are the issuer's: an admin token cannot post them",
                    ));
                }
            }
        }
        self.apply_event(&issuer, &event).await
    }

    /// The issuer's key `kid`, if it may sign now.
    async fn signing_key(
        &self,
        issuer: &IssuerRecord,
        kid: &str,
    ) -> Result<ed25519_dalek::VerifyingKey, Error> {
        let holders = self.store.key_holders(kid).await?;
        let Some(record) = holders.iter().find(|k| k.issuer_id == issuer.id) else {
            return Err(if holders.is_empty() {
                bad(
                    ErrorCode::UnknownSigningKey,
                    format!(
                        "no registered key has the id {:?}",
                        kid.chars().take(200).collect::<String>()
                    ),
                )
            } else {
                bad(
                    ErrorCode::IssuerMismatch,
                    "the event is signed with another issuer's key",
                )
            });
        };
        let now = self.now_ms();
        let compromised = record.status == "compromised"
            && record.compromised_at.is_none_or(|since| now >= since);
        if compromised || now < record.valid_from || record.valid_until.is_some_and(|u| now > u) {
            return Err(bad(
                ErrorCode::BadSignature,
                format!("key {kid:?} may not sign now (outside its validity, or compromised)"),
            ));
        }
        ed25519_key(record).ok_or_else(|| {
            bad(
                ErrorCode::BadSignature,
                format!("key {kid:?} is not an Ed25519 key; events are signed with EdDSA"),
            )
        })
    }

    async fn apply_event(
        &self,
        issuer: &IssuerRecord,
        event: &StatusEvent,
    ) -> Result<IngestOutcome, Error> {
        let status = match &event.credential_status {
            Some(s) => {
                let name = s.status_list.rsplit('/').next().unwrap_or_default();
                if !is_list_name(name) || s.status_list != self.status_list_url(issuer, name) {
                    return Err(bad(
                        ErrorCode::InvalidEvent,
                        format!(
                            "status_list must be {}<list>, <list> 1 to 64 letters, digits, '_' or '-'",
                            self.status_list_url(issuer, "")
                        ),
                    ));
                }
                let index = i64::try_from(s.status_index).unwrap_or(i64::MAX);
                Some((s.status_list.as_str(), index))
            }
            None => None,
        };
        let mut tx = self.store.begin().await?;
        if let Some((seen_issuer, outcome, version)) = tx.seen_event(&event.event_id).await? {
            if seen_issuer != issuer.id {
                return Err(bad(
                    ErrorCode::InvalidEvent,
                    "event_id already used by another issuer",
                ));
            }
            tracing::debug!(outcome, "duplicate event");
            return Ok(IngestOutcome {
                result: IngestResult::Duplicate,
                version: super::publish::version_u64(version)?,
            });
        }
        let last = tx
            .last_change(&issuer.id, Some(&event.certificate_id), status)
            .await?;
        let last = last.as_ref().map(|c| c.action.as_str());
        let action = match (event.status, last) {
            (_, Some("revoke")) => None,
            (EventStatus::Revoked, _) => Some("revoke"),
            (EventStatus::Suspended, _) => Some("suspend"),
            (EventStatus::Active, Some("suspend")) => Some("unsuspend"),
            (EventStatus::Active, _) => None,
        };
        let now = self.now_ms();
        let (result, version) = match action {
            Some(action) => {
                let version = self.publish_revocations(&mut tx).await?;
                tx.insert_change(&NewChange {
                    version,
                    issuer_id: &issuer.id,
                    action,
                    certificate_id: Some(&event.certificate_id),
                    status_list: status.map(|(l, _)| l),
                    status_index: status.map(|(_, i)| i),
                    suspended_until: event.suspended_until.as_deref().and_then(until_ms),
                    event_id: Some(&event.event_id),
                    at: now,
                })
                .await?;
                (IngestResult::Applied, version)
            }
            None => {
                let head = self
                    .served()
                    .revocations
                    .as_ref()
                    .map_or(0, |h| i64::try_from(h.version).unwrap_or(i64::MAX));
                (IngestResult::Unchanged, head)
            }
        };
        if !tx
            .record_event(&event.event_id, &issuer.id, now, result.as_str(), version)
            .await?
        {
            // Delivered twice at once: the other delivery recorded it.
            return Ok(IngestOutcome {
                result: IngestResult::Duplicate,
                version: super::publish::version_u64(version)?,
            });
        }
        tx.commit().await?;
        if result == IngestResult::Applied {
            self.sync().await?;
            metrics::counter!("registry_revocation_changes_total").increment(1);
        }
        Ok(IngestOutcome {
            result,
            version: super::publish::version_u64(version)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jws_headers_are_parsed_strictly() {
        let header = |h: &str| URL_SAFE_NO_PAD.encode(h);
        let sig = URL_SAFE_NO_PAD.encode([0u8; 64]);
        let good = header(r#"{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"did:web:x#key-1"}"#);
        let (prefix, kid, _) = parse_jws(&format!("{good}..{sig}")).unwrap();
        assert_eq!(kid, "did:web:x#key-1");
        assert_eq!(prefix, format!("{good}."));
        for bad in [
            r#"{"alg":"none","b64":false,"crit":["b64"],"kid":"k"}"#,
            r#"{"alg":"EdDSA","b64":true,"crit":["b64"],"kid":"k"}"#,
            r#"{"alg":"EdDSA","b64":false,"crit":[],"kid":"k"}"#,
            r#"{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"k","jku":"x"}"#,
            r#"{"alg":"EdDSA","b64":false,"crit":["b64"]}"#,
        ] {
            assert!(
                parse_jws(&format!("{}..{sig}", header(bad))).is_err(),
                "{bad}"
            );
        }
        assert!(parse_jws(&format!("{good}.{sig}")).is_err());
        assert!(parse_jws(&format!("{good}..AAAA")).is_err());
        assert!(parse_jws(&"a".repeat(2000)).is_err());
    }

    #[test]
    fn suspension_ends_read_dates_as_the_end_of_the_day() {
        assert_eq!(until_ms("2026-01-01"), until_ms("2026-01-02T00:00:00Z"));
        assert_eq!(until_ms("2026-01-01T12:00:00Z"), Some(1_767_268_800_000));
        assert_eq!(until_ms("soon"), None);
    }
}
