//! Event bodies for webhooks and the key registry (documented in the README).
//!
//! The outbox stores each event as it was at the moment of the change; the
//! delivery worker adds the delivery sequence number and, for webhooks of
//! issued and corrected certificates, the signed credential.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::EventKind;
use crate::error::Error;
use crate::ids::{hex, random_bytes, rfc3339_ms};
use crate::store::CertificateRecord;

/// Facts of a change beyond the certificate itself.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Why (revocation, suspension, correction).
    pub reason: Option<String>,
    /// End of a suspension.
    pub suspended_until: Option<String>,
    /// For a correction: the certificate corrected.
    pub replaces: Option<String>,
    /// For a revocation by correction: the new certificate.
    pub replaced_by: Option<String>,
}

/// The one field of a stored credential an event needs (read without
/// building the whole document).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameOnly {
    credential_subject: SubjectName,
}

#[derive(Deserialize)]
struct SubjectName {
    #[serde(default)]
    name: Option<String>,
}

fn event_id() -> Result<String, Error> {
    Ok(hex(&random_bytes::<16>()?))
}

/// A webhook event: what happened to which certificate, with the
/// recipient's contacts so a gateway can notify them.
pub fn webhook_event(
    kind: EventKind,
    record: &CertificateRecord,
    did: &str,
    extra: &Extra,
    now: i64,
) -> Result<Value, Error> {
    let credential: NameOnly = serde_json::from_str(&record.document)
        .map_err(|e| Error::Corrupt(format!("certificate {}: {e}", record.id)))?;
    Ok(json!({
        "type": "certificate.event",
        "version": 1,
        "event": kind.as_str(),
        "event_id": event_id()?,
        "occurred_at": rfc3339_ms(now),
        "issuer": did,
        "certificate_id": record.id,
        "pre_enrollment_code": record.pre_enrollment_code,
        "dose": record.dose,
        "status": status_after(kind),
        "reason": extra.reason,
        "suspended_until": extra.suspended_until,
        "replaces": extra.replaces,
        "replaced_by": extra.replaced_by,
        "recipient": {
            "name": credential.credential_subject.name,
            "phone": record.recipient_phone,
            "email": record.recipient_email,
        },
        "links": {
            "certificate": format!("/v1/certificates/{}", record.id),
            "qr_png": format!("/v1/certificates/{}/qr.png", record.id),
            "pdf": format!("/v1/certificates/{}/pdf", record.id),
        },
    }))
}

/// The status a certificate has after an event.
fn status_after(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Issued | EventKind::Corrected | EventKind::Unsuspended => "active",
        EventKind::Revoked => "revoked",
        EventKind::Suspended => "suspended",
    }
}

/// A key-registry status event: signed by the issuer's key at delivery.
/// A certificate with a W3C status entry (VC 2.0 profile) is named by it
/// too (`credential_status`), so the registry lists it in that status
/// list's exact set.
pub fn registry_event(
    kind: EventKind,
    record: &CertificateRecord,
    did: &str,
    extra: &Extra,
    now: i64,
) -> Result<Value, Error> {
    let mut event = json!({
        "type": "certificate.status",
        "version": 1,
        "event_id": event_id()?,
        "issuer": did,
        "certificate_id": record.id,
        "status": status_after(kind),
        "reason": extra.reason,
        "effective_at": rfc3339_ms(now),
        "suspended_until": extra.suspended_until,
        "replaced_by": extra.replaced_by,
    });
    if let (Some(status), Some(map)) = (crate::status::status_ref(record), event.as_object_mut()) {
        let status = serde_json::to_value(status).map_err(|e| Error::Corrupt(e.to_string()))?;
        map.insert("credential_status".into(), status);
    }
    Ok(event)
}
