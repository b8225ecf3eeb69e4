//! After issuance: read, search, correct, revoke, suspend, and citizen
//! retrieval. Every change commits its audit entry and its outbox events
//! (registry and webhooks) in the same transaction as the change itself.

use std::sync::Arc;

use serde_json::json;

use crate::auth::{Principal, Role};
use crate::certify::{
    check_interval, day_of, enqueue_events, parse_item, prepare, same_phone, sign_all,
};
use crate::config::EventKind;
use crate::error::{Error, ErrorCode};
use crate::events::{self, Extra};
use crate::ids::normalize_certificate_id;
use crate::issuer::{Issuer, LoadedProgramme};
use crate::store::{CertificateRecord, Status, Tx};

/// Longest reason text kept.
const MAX_REASON_LEN: usize = 500;

/// The status a certificate has now: a suspension whose end has passed is over.
pub fn effective_status(record: &CertificateRecord, now: i64) -> Status {
    if record.status == Status::Suspended {
        let ended = record
            .suspended_until
            .as_deref()
            .and_then(suspension_end_ms)
            .is_some_and(|end| end <= now);
        if ended {
            return Status::Active;
        }
    }
    record.status
}

/// The end of a suspension, Unix ms: an RFC 3339 instant, or the end of a
/// `YYYY-MM-DD` day (UTC).
fn suspension_end_ms(until: &str) -> Option<i64> {
    if let Ok(ts) = until.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let day = until.parse::<jiff::civil::Date>().ok()?;
    let next = day.checked_add(jiff::Span::new().days(1)).ok()?;
    next.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

fn check_reason(reason: &str) -> Result<String, Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::client(
            ErrorCode::MissingReason,
            "a reason is required",
        ));
    }
    if reason.chars().count() > MAX_REASON_LEN {
        return Err(Error::client(
            ErrorCode::ReasonTooLong,
            format!("the reason must be at most {MAX_REASON_LEN} characters"),
        ));
    }
    Ok(reason.to_owned())
}

/// Queue a status change for the registry (every status change goes there).
async fn enqueue_registry(
    tx: &mut Tx,
    loaded: &LoadedProgramme,
    kind: EventKind,
    record: &CertificateRecord,
    extra: &Extra,
    now: i64,
) -> Result<(), Error> {
    let event = events::registry_event(kind, record, &loaded.did, extra, now)?;
    tx.enqueue("registry", &record.id, &event, now).await
}

impl Issuer {
    /// A certificate the caller may read.
    pub async fn certificate(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<CertificateRecord, Error> {
        let id = normalize_certificate_id(id);
        let record = self
            .store
            .certificate(&id)
            .await?
            .ok_or_else(|| Error::not_found("certificate", &id))?;
        principal.require_read(&record.facility_code, &id)?;
        Ok(record)
    }

    /// Search by pre-enrollment code and/or recipient identity, limited to
    /// the facilities the caller may read.
    pub async fn search(
        &self,
        principal: &Principal,
        pre_enrollment_code: Option<&str>,
        identity: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CertificateRecord>, Error> {
        if pre_enrollment_code.is_none() && identity.is_none() {
            return Err(Error::client(
                ErrorCode::MissingQuery,
                "search by preEnrollmentCode or identity",
            ));
        }
        let rows = self
            .store
            .search(pre_enrollment_code, identity, limit.clamp(1, 1000))
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| principal.may_read(&r.facility_code))
            .collect())
    }

    /// Correct a certificate: issue a new one from a corrected request and
    /// revoke the old one, linking the two. Returns (new, old).
    pub async fn correct(
        self: &Arc<Self>,
        principal: &Principal,
        id: &str,
        body: serde_json::Value,
    ) -> Result<(CertificateRecord, CertificateRecord), Error> {
        principal.require(&[Role::IssuerAdmin, Role::Certifier])?;
        let old = self.certificate(principal, id).await?;
        let loaded = self.programme();
        let limit = loaded.programme.profile.correction_limit;
        check_correctable(&old, limit, self.now())?;
        if !principal.may_certify_at(&old.facility_code) {
            return Err(Error::Forbidden(format!(
                "this token may not correct certificates of facility {}",
                old.facility_code
            )));
        }
        let request = parse_item(body).map_err(|e| Error::client(e.code, e.message))?;
        let now = self.now();
        let (prepared, vaccine) = prepare(&loaded.programme, principal, request, now)
            .map_err(|e| Error::client(e.code, e.message))?;
        if prepared.code != old.pre_enrollment_code {
            return Err(Error::client(
                ErrorCode::PreEnrollmentCodeMismatch,
                "a correction keeps the preEnrollmentCode; certify a new event instead",
            ));
        }
        // The interval is checked against the other doses, not the one corrected.
        let history = self
            .store
            .certificates_for_codes(&loaded.programme.id, &[prepared.code.as_str()])
            .await?;
        let previous = history
            .iter()
            .filter(|c| c.status != Status::Revoked && c.id != old.id)
            .filter(|c| Some(c.dose) == i64::from(prepared.dose).checked_sub(1))
            .find_map(|c| day_of(&c.vaccination_date));
        check_interval(&prepared, &vaccine, previous)
            .map_err(|e| Error::client(e.code, e.message))?;

        let signed = sign_all(
            self,
            &loaded,
            vec![(prepared, Some((old.id.clone(), old.correction_count + 1)))],
            now,
        )
        .await?;
        let new = match signed.into_iter().next() {
            Some(Ok(record)) => record,
            Some(Err(e)) => return Err(Error::client(e.code, e.message)),
            None => return Err(Error::Task("signing returned nothing".into())),
        };

        let mut tx = self.store.begin().await?;
        // Re-check under the row lock: a concurrent correction may have won.
        let current = tx
            .certificate_for_update(&old.id)
            .await?
            .ok_or_else(|| Error::not_found("certificate", &old.id))?;
        check_correctable(&current, limit, now)?;
        if !tx.insert_certificate(&new).await? {
            return Err(Error::Task("certificate id collision; retry".into()));
        }
        tx.set_status(&old.id, Status::Revoked, Some("corrected"), None, now)
            .await?;
        tx.set_replaced_by(&old.id, &new.id).await?;
        tx.audit(
            now,
            &principal.actor,
            "correct",
            Some(&old.id),
            &json!({ "replaced_by": new.id, "correction": new.correction_count }),
        )
        .await?;
        tx.audit(
            now,
            &principal.actor,
            "certify",
            Some(&new.id),
            &json!({ "facility": new.facility_code, "dose": new.dose, "key": new.key_id, "replaces": old.id }),
        )
        .await?;
        let revoked = Extra {
            reason: Some("corrected".into()),
            replaced_by: Some(new.id.clone()),
            ..Extra::default()
        };
        enqueue_registry(
            &mut tx,
            &loaded,
            EventKind::Revoked,
            &current,
            &revoked,
            now,
        )
        .await?;
        let corrected = Extra {
            replaces: Some(old.id.clone()),
            ..Extra::default()
        };
        enqueue_events(
            &mut tx,
            self,
            &loaded,
            EventKind::Corrected,
            &new,
            &corrected,
            now,
        )
        .await?;
        tx.commit().await?;
        self.wake_outbox();
        metrics::counter!("issuer_certificates_issued_total").increment(1);
        metrics::counter!("issuer_certificates_corrected_total").increment(1);

        let mut old = current;
        old.status = Status::Revoked;
        old.status_reason = Some("corrected".into());
        old.replaced_by = Some(new.id.clone());
        old.status_changed_at = Some(now);
        Ok((new, old))
    }

    /// Revoke a certificate (issuer-admin).
    pub async fn revoke(
        &self,
        principal: &Principal,
        id: &str,
        reason: &str,
    ) -> Result<CertificateRecord, Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let reason = check_reason(reason)?;
        let id = normalize_certificate_id(id);
        self.change_status(principal, &id, |record, now| {
            if record.status == Status::Revoked {
                return Err(Error::client(
                    ErrorCode::AlreadyRevoked,
                    format!("certificate {} is already revoked", record.id),
                ));
            }
            let _ = now;
            Ok((
                Status::Revoked,
                EventKind::Revoked,
                Extra {
                    reason: Some(reason.clone()),
                    ..Extra::default()
                },
            ))
        })
        .await
    }

    /// Suspend a certificate until a date (issuer-admin). Suspending a
    /// suspended certificate changes the end date.
    pub async fn suspend(
        &self,
        principal: &Principal,
        id: &str,
        until: &str,
        reason: &str,
    ) -> Result<CertificateRecord, Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let reason = check_reason(reason)?;
        let until = until.trim().to_owned();
        let end = suspension_end_ms(&until).ok_or_else(|| {
            Error::client(
                ErrorCode::InvalidDate,
                format!("until {until:?} is not a YYYY-MM-DD date or RFC 3339 date-time"),
            )
        })?;
        let id = normalize_certificate_id(id);
        self.change_status(principal, &id, |record, now| {
            if record.status == Status::Revoked {
                return Err(Error::client(
                    ErrorCode::AlreadyRevoked,
                    format!("certificate {} is revoked", record.id),
                ));
            }
            if end <= now {
                return Err(Error::client(
                    ErrorCode::InvalidDate,
                    format!("until {until} is not in the future"),
                ));
            }
            Ok((
                Status::Suspended,
                EventKind::Suspended,
                Extra {
                    reason: Some(reason.clone()),
                    suspended_until: Some(until.clone()),
                    ..Extra::default()
                },
            ))
        })
        .await
    }

    /// Lift a suspension (issuer-admin).
    pub async fn unsuspend(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<CertificateRecord, Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let id = normalize_certificate_id(id);
        self.change_status(principal, &id, |record, now| {
            if effective_status(record, now) != Status::Suspended {
                return Err(Error::client(
                    ErrorCode::NotSuspended,
                    format!("certificate {} is not suspended", record.id),
                ));
            }
            Ok((Status::Active, EventKind::Unsuspended, Extra::default()))
        })
        .await
    }

    /// Apply a status change under the row lock, with audit and events.
    async fn change_status<F>(
        &self,
        principal: &Principal,
        id: &str,
        decide: F,
    ) -> Result<CertificateRecord, Error>
    where
        F: FnOnce(&CertificateRecord, i64) -> Result<(Status, EventKind, Extra), Error>,
    {
        let loaded = self.programme();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut record = tx
            .certificate_for_update(id)
            .await?
            .ok_or_else(|| Error::not_found("certificate", id))?;
        principal.require_read(&record.facility_code, id)?;
        let (status, kind, extra) = decide(&record, now)?;
        tx.set_status(
            id,
            status,
            extra.reason.as_deref(),
            extra.suspended_until.as_deref(),
            now,
        )
        .await?;
        tx.audit(
            now,
            &principal.actor,
            kind.as_str(),
            Some(id),
            &json!({ "reason": extra.reason, "suspended_until": extra.suspended_until }),
        )
        .await?;
        enqueue_registry(&mut tx, &loaded, kind, &record, &extra, now).await?;
        record.status = status;
        record.status_reason = extra.reason.clone();
        record.suspended_until = extra.suspended_until.clone();
        record.status_changed_at = Some(now);
        enqueue_events(&mut tx, self, &loaded, kind, &record, &extra, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        metrics::counter!("issuer_status_changes_total", "event" => kind.as_str()).increment(1);
        Ok(record)
    }

    /// Citizen retrieval: the certificates of a preEnrollmentCode, if the
    /// caller also knows the date of birth or the registered phone number;
    /// empty if not. A success is audited (without the personal data);
    /// failures are counted and audited in batches by
    /// `crate::citizen_limits`, which also limits the attempts.
    pub async fn citizen_certificates(
        &self,
        code: &str,
        dob: Option<&str>,
        phone: Option<&str>,
        client: &str,
    ) -> Result<Vec<CertificateRecord>, Error> {
        let code = code.trim();
        let loaded = self.programme();
        let proof = match (
            dob.map(str::trim).filter(|s| !s.is_empty()),
            phone.map(str::trim).filter(|s| !s.is_empty()),
        ) {
            (Some(dob), _) => Proof::Dob(dob),
            (None, Some(phone)) => Proof::Phone(phone),
            (None, None) => {
                return Err(Error::client(
                    ErrorCode::MissingField,
                    "give dob or phone with the preEnrollmentCode",
                ));
            }
        };
        let rows = if code.is_empty() {
            Vec::new()
        } else {
            self.store
                .certificates_for_codes(&loaded.programme.id, &[code])
                .await?
        };
        let now = self.now();
        let matching: Vec<CertificateRecord> = rows
            .into_iter()
            .filter(|r| match proof {
                Proof::Dob(dob) => r.recipient_dob.as_deref() == Some(dob),
                Proof::Phone(phone) => r
                    .recipient_phone
                    .as_deref()
                    .is_some_and(|p| same_phone(p, phone)),
            })
            .filter(|r| effective_status(r, now) != Status::Revoked)
            .collect();
        if matching.is_empty() {
            // No write here: a flood of failures must not take the writer.
            return Ok(matching);
        }
        let mut tx = self.store.begin().await?;
        tx.audit(
            now,
            &format!("citizen:{client}"),
            "citizen_retrieve",
            matching.first().map(|r| r.id.as_str()),
            &json!({ "by": match proof { Proof::Dob(_) => "dob", Proof::Phone(_) => "phone" }, "certificates": matching.iter().map(|r| r.id.as_str()).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(matching)
    }
}

#[derive(Debug, Clone, Copy)]
enum Proof<'a> {
    Dob(&'a str),
    Phone(&'a str),
}

fn check_correctable(record: &CertificateRecord, limit: u32, now: i64) -> Result<(), Error> {
    // A correction revokes the old certificate and issues a new, active one:
    // on a suspended certificate it would lift an admin's suspension.
    if effective_status(record, now) == Status::Suspended {
        return Err(Error::client(
            ErrorCode::Suspended,
            format!(
                "certificate {} is suspended until {}: lift the suspension before correcting it",
                record.id,
                record
                    .suspended_until
                    .as_deref()
                    .unwrap_or("further notice")
            ),
        ));
    }
    if let Some(next) = &record.replaced_by {
        return Err(Error::client(
            ErrorCode::AlreadyCorrected,
            format!("certificate {} was already corrected by {next}", record.id),
        ));
    }
    if record.status == Status::Revoked {
        return Err(Error::client(
            ErrorCode::AlreadyRevoked,
            format!("certificate {} is revoked", record.id),
        ));
    }
    if record.correction_count >= i64::from(limit) {
        return Err(Error::client(
            ErrorCode::CorrectionLimitReached,
            format!(
                "certificate {} has been corrected {} times, the limit",
                record.id, record.correction_count
            ),
        ));
    }
    Ok(())
}
