//! The outbox delivery worker: pushes status events to the key registry
//! and events to webhooks, retrying with exponential backoff until each is
//! acknowledged (any 2xx).
//!
//! Events are written to the `outbox` table in the same transaction as the
//! change they describe, so an event exists if and only if the change
//! committed, and a crash or a receiver outage loses nothing.
//!
//! Ordering: per target, events about one certificate are delivered in the
//! order they happened; an undelivered event holds back later events about
//! the same certificate (never events about others, so one bad certificate
//! or a slow retry does not stall the stream). Within that rule deliveries
//! run concurrently. Delivery is at least once: receivers deduplicate by
//! `event_id`.
//!
//! Dead letters: an event whose receiver refuses it for good (a 4xx other
//! than 401, 403, 408, 425 and 429: authentication and throttling are the
//! deployment's problems, not the event's) or that failed
//! `outbox.max_attempts` times is *dead*: kept, with its last error, out of
//! the delivery window, counted in `issuer_outbox_dead{target}`, audited
//! (`outbox_dead`), listed at `GET /v1/admin/outbox/dead` and revived by
//! `POST /v1/admin/outbox/dead/{id}/retry`. Later events about the same
//! certificate for the same target are *held* behind it (pending, never
//! sent out of order); a retry revives every dead event of that
//! certificate and target, and they go in their original order. Events
//! waiting for a retry are not in the window either: only due events that
//! head their certificate's queue are, so failing events never crowd out
//! later ones.
//!
//! Registry bodies are the JCS (RFC 8785) bytes of the event, signed with
//! the issuer's current Ed25519 key as a detached JWS in `X-JWS-Signature`.
//! Webhook bodies carry `X-Signature: sha256=<hex>`, the HMAC-SHA256 under
//! the webhook's secret of `<X-Webhook-Timestamp>.<body>`; receivers reject
//! stale timestamps to stop replays.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::task::JoinSet;

use crate::config::{RegistrySettings, WebhookSettings};
use crate::error::Error;
use crate::ids::{hex, now_ms};
use crate::issuer::Issuer;
use crate::store::OutboxRecord;

/// Due rows looked at per target per round.
const WINDOW: i64 = 256;
/// Deliveries in flight per target.
const CONCURRENCY: usize = 16;
/// Longest error text kept in the outbox row.
const MAX_ERROR_LEN: usize = 300;

/// An HTTP client for outbound calls (webhooks, registry, JWKS), with
/// rustls and the ring provider.
pub fn http_client(timeout_ms: u64) -> Result<reqwest::Client, Error> {
    service_core::client::http_client(
        timeout_ms,
        concat!("issuer-api/", env!("CARGO_PKG_VERSION")),
    )
    .map_err(|e| Error::Config(format!("HTTP client: {e}")))
}

/// Backoff after `attempts` failures: base * 2^(attempts-1), capped.
pub fn backoff_ms(attempts: i64, base: u64, max: u64) -> u64 {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
    base.saturating_mul(1u64 << exponent.min(40)).min(max)
}

/// HMAC-SHA256 of `<timestamp>.<body>`, hex: the webhook signature.
pub fn webhook_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// Why a delivery failed, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying: the receiver is down, slow, throttling, or the
    /// deployment is misconfigured (credentials, secrets).
    Transient(String),
    /// Never going to work for this event: the receiver refused it for
    /// good, or the stored event is unusable.
    Permanent(String),
}

impl Failure {
    /// The failure as text (stored as the row's `last_error`).
    pub fn reason(&self) -> &str {
        match self {
            Self::Transient(r) | Self::Permanent(r) => r,
        }
    }

    /// Whether the event should go straight to the dead letters.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }

    /// Classify a receiver's non-2xx answer: a 4xx is permanent, except
    /// 401/403 (our credentials), 408 (timeout), 425 and 429 (throttling).
    pub fn from_status(status: u16) -> Self {
        let reason = format!("receiver answered {status}");
        match status {
            401 | 403 | 408 | 425 | 429 => Self::Transient(reason),
            400..=499 => Self::Permanent(reason),
            _ => Self::Transient(reason),
        }
    }
}

/// Where one outbox target delivers.
#[derive(Debug, Clone)]
enum Target {
    Registry(RegistrySettings),
    Webhook(WebhookSettings),
}

/// Run the worker until `shutdown` flips to true.
pub async fn run(issuer: Arc<Issuer>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let client = match http_client(issuer.settings.outbox.request_timeout_ms) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "outbox worker cannot start");
            return;
        }
    };
    let poll = Duration::from_millis(issuer.settings.outbox.poll_interval_ms.max(10));
    loop {
        let busy = match round(&issuer, &client).await {
            Ok(delivered) => delivered > 0,
            Err(e) => {
                tracing::warn!(error = %e, "outbox round failed");
                false
            }
        };
        if *shutdown.borrow() {
            return;
        }
        if busy {
            continue;
        }
        tokio::select! {
            () = issuer.outbox_wake.notified() => {}
            () = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One pass over every target; returns how many events were delivered.
pub async fn round(issuer: &Arc<Issuer>, client: &reqwest::Client) -> Result<usize, Error> {
    let mut delivered = 0;
    for name in issuer.store.outbox_targets().await? {
        let target = if name == "registry" {
            issuer.settings.registry.clone().map(Target::Registry)
        } else {
            name.strip_prefix("webhook:").and_then(|hook| {
                issuer
                    .settings
                    .webhooks
                    .iter()
                    .find(|w| w.name == hook)
                    .cloned()
                    .map(Target::Webhook)
            })
        };
        // Not configured (yet): the events wait, durably.
        let Some(target) = target else { continue };
        delivered += deliver_target(issuer, client, &name, &target).await?;
    }
    Ok(delivered)
}

async fn deliver_target(
    issuer: &Arc<Issuer>,
    client: &reqwest::Client,
    name: &str,
    target: &Target,
) -> Result<usize, Error> {
    let window = issuer.store.outbox_window(name, now_ms(), WINDOW).await?;
    // The store returns only the head of each certificate's queue; the set
    // keeps that true even if two rows of one certificate came back.
    let mut heads: HashSet<String> = HashSet::new();
    let due: Vec<OutboxRecord> = window
        .into_iter()
        .filter(|row| heads.insert(row.subject.clone()))
        .collect();
    let mut delivered = 0;
    for chunk in due.chunks(CONCURRENCY) {
        let mut set = JoinSet::new();
        for row in chunk.iter().cloned() {
            let (issuer, client, target) = (issuer.clone(), client.clone(), target.clone());
            set.spawn(async move {
                let result = deliver(&issuer, &client, &target, &row).await;
                (row, result)
            });
        }
        while let Some(joined) = set.join_next().await {
            let Ok((row, result)) = joined else { continue };
            let kind = match target {
                Target::Registry(_) => "registry",
                Target::Webhook(_) => "webhook",
            };
            match result {
                Ok(()) => {
                    issuer.store.outbox_delivered(row.id, now_ms()).await?;
                    metrics::counter!("issuer_outbox_delivered_total", "target" => kind)
                        .increment(1);
                    delivered += 1;
                }
                Err(failure) => {
                    let attempts = row.attempts + 1;
                    let o = &issuer.settings.outbox;
                    let reason: String = failure.reason().chars().take(MAX_ERROR_LEN).collect();
                    metrics::counter!("issuer_outbox_failures_total", "target" => kind)
                        .increment(1);
                    if failure.is_permanent() || attempts >= i64::from(o.max_attempts.max(1)) {
                        tracing::error!(target_name = name, outbox_id = row.id, attempts, error = %reason,
                            "event is dead: retry it at POST /v1/admin/outbox/dead/{{id}}/retry");
                        if issuer
                            .store
                            .outbox_dead(&row, attempts, &reason, now_ms())
                            .await?
                        {
                            metrics::counter!("issuer_outbox_dead_total", "target" => kind)
                                .increment(1);
                        }
                        continue;
                    }
                    let delay = backoff_ms(attempts, o.retry_base_ms, o.retry_max_ms);
                    let next = now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
                    tracing::warn!(target_name = name, outbox_id = row.id, attempts, retry_in_ms = delay, error = %reason, "delivery failed");
                    issuer
                        .store
                        .outbox_failed(row.id, attempts, next, &reason)
                        .await?;
                }
            }
        }
    }
    Ok(delivered)
}

/// The body of an outbox row as delivered: the stored event plus its
/// sequence number (and, for webhooks, the credential of issued and
/// corrected certificates).
async fn body(issuer: &Issuer, target: &Target, row: &OutboxRecord) -> Result<Value, Failure> {
    let mut event: Value = serde_json::from_str(&row.event)
        .map_err(|e| Failure::Permanent(format!("stored event: {e}")))?;
    let Some(map) = event.as_object_mut() else {
        return Err(Failure::Permanent("stored event is not an object".into()));
    };
    map.insert("sequence".into(), Value::from(row.id));
    if matches!(target, Target::Webhook(_))
        && matches!(
            map.get("event").and_then(Value::as_str),
            Some("issued" | "corrected")
        )
    {
        let record = issuer
            .store
            .certificate(&row.subject)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
            .ok_or_else(|| Failure::Permanent("certificate missing".into()))?;
        let credential: Value = serde_json::from_str(&record.document)
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        map.insert("credential".into(), credential);
    }
    Ok(event)
}

async fn deliver(
    issuer: &Issuer,
    client: &reqwest::Client,
    target: &Target,
    row: &OutboxRecord,
) -> Result<(), Failure> {
    let event = body(issuer, target, row).await?;
    let request = match target {
        Target::Registry(settings) => {
            let bytes = credential::jcs_canonicalize(&event)
                .map_err(|e| Failure::Permanent(e.to_string()))?;
            let key = issuer
                .signing_key(issuer.now())
                .map_err(|e| Failure::Transient(e.to_string()))?;
            let jws = key.detached_jws(bytes.as_bytes());
            let mut request = client
                .post(&settings.url)
                .header("content-type", "application/json")
                .header("x-jws-signature", jws)
                .body(bytes);
            if let Some(var) = &settings.token_env {
                let token = std::env::var(var)
                    .map_err(|_| Failure::Transient(format!("{var} is not set")))?;
                request = request.bearer_auth(token);
            }
            request
        }
        Target::Webhook(settings) => {
            let bytes =
                serde_json::to_vec(&event).map_err(|e| Failure::Permanent(e.to_string()))?;
            let secret = settings
                .secret()
                .map_err(|e| Failure::Transient(e.to_string()))?;
            let timestamp = now_ms() / 1000;
            let signature = webhook_signature(secret.as_bytes(), timestamp, &bytes);
            let event_id = event
                .get("event_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            client
                .post(&settings.url)
                .header("content-type", "application/json")
                .header("x-webhook-id", event_id)
                .header("x-webhook-timestamp", timestamp.to_string())
                .header("x-signature", format!("sha256={signature}"))
                .body(bytes)
        }
    };
    let response = request
        .send()
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(Failure::from_status(response.status().as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1, 1000, 60_000), 1000);
        assert_eq!(backoff_ms(2, 1000, 60_000), 2000);
        assert_eq!(backoff_ms(4, 1000, 60_000), 8000);
        assert_eq!(backoff_ms(10, 1000, 60_000), 60_000);
        assert_eq!(backoff_ms(500, 1000, 60_000), 60_000);
    }

    #[test]
    fn refusals_are_permanent_except_auth_and_throttling() {
        for permanent in [400, 404, 409, 410, 413, 422, 499] {
            assert!(
                Failure::from_status(permanent).is_permanent(),
                "{permanent}"
            );
        }
        for transient in [401, 403, 408, 425, 429, 500, 502, 503, 504, 302] {
            assert!(
                !Failure::from_status(transient).is_permanent(),
                "{transient}"
            );
        }
        assert_eq!(Failure::from_status(422).reason(), "receiver answered 422");
    }

    #[test]
    fn webhook_signature_matches_an_independent_hmac() {
        // Python: hmac.new(b"Jefe", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            webhook_signature(b"Jefe", 1_700_000_000, br#"{"a":1}"#),
            "fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
        assert_ne!(
            webhook_signature(b"Jefe", 1_700_000_001, br#"{"a":1}"#),
            webhook_signature(b"Jefe", 1_700_000_000, br#"{"a":1}"#)
        );
    }
}
