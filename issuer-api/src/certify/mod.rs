//! Certification: check a batch of DIVOC CertificationRequests against the
//! programme, return the existing certificate for retries, build and sign
//! the new ones in parallel, and store them (with their audit and outbox
//! rows) in one transaction before answering.
//!
//! Each item succeeds or fails on its own: one bad item does not sink the
//! batch. Idempotency is on (programme, preEnrollmentCode, dose), enforced
//! by a unique index, so even two concurrent requests for the same event
//! yield one certificate.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use credential::{CertificationRequest, StatusEntry, VaccinationCredential};
use jiff::civil::Date;
use rayon::prelude::*;
use serde_json::json;
use serde_json::value::RawValue;

use crate::auth::{Principal, Role};
use crate::config::{CredentialFormat, EventKind, Vaccine};
use crate::error::{Error, ErrorCode};
use crate::events;
use crate::ids::{new_certificate_id, rfc3339_ms};
use crate::issuer::{Issuer, LoadedProgramme};
use crate::keys::IssuerKey;
use crate::store::{CertificateRecord, NewEvent, Status, Tx};
use crate::writer::{AuditEntry, BatchWrite, Written};

mod check;
pub use check::*;

/// Build the unsigned credential and sign it: the CPU-heavy part, run on
/// the rayon pool. `status` is the entry reserved for it (VC 2.0 profile).
fn build_and_sign(
    issuer: &Issuer,
    loaded: &LoadedProgramme,
    key: &IssuerKey,
    prepared: &Prepared,
    issued_at: i64,
    replaces: Option<(&str, i64)>,
    status: Option<&StatusEntry>,
) -> Result<Result<CertificateRecord, ItemError>, Error> {
    let id = new_certificate_id()?;
    let issuance_date = rfc3339_ms(issued_at);
    let (request, profile, coding) = (&prepared.request, &loaded.profile, &prepared.coding);
    let unsigned = match loaded.programme.profile.format {
        CredentialFormat::Divoc => {
            VaccinationCredential::from_request(request, profile, &id, &issuance_date, coding)
                .map(|c| c.to_document())
        }
        CredentialFormat::Vc2 => credential::vc2::vaccination_certificate(
            request,
            profile,
            &id,
            &issuance_date,
            coding,
            status,
        ),
    };
    let unsigned = match unsigned {
        Ok(document) => document,
        Err(e) => {
            return Ok(Err(ItemError::new(
                ErrorCode::InvalidRequest,
                e.to_string(),
            )));
        }
    };
    let signed = issuer.sign(
        &unsigned,
        key,
        loaded.programme.profile.suite,
        &issuance_date,
    )?;
    let document = serde_json::to_string(&signed).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(Ok(CertificateRecord {
        id,
        programme: loaded.programme.id.clone(),
        pre_enrollment_code: prepared.code.clone(),
        dose: i64::from(prepared.dose),
        facility_code: prepared.facility_code.clone(),
        recipient_identity: prepared.request.recipient.identity.clone(),
        recipient_dob: prepared.dob.clone(),
        recipient_phone: prepared.phone.clone(),
        recipient_email: prepared.email.clone(),
        vaccination_date: prepared.request.vaccination.date.clone(),
        issued_at,
        key_id: key.kid.clone(),
        status: Status::Active,
        status_reason: None,
        suspended_until: None,
        status_changed_at: None,
        replaces: replaces.map(|(id, _)| id.to_owned()),
        replaced_by: None,
        correction_count: replaces.map_or(0, |(_, count)| count),
        document,
        status_list: status.map(|s| s.list.clone()),
        status_index: status.and_then(|s| i64::try_from(s.index).ok()),
    }))
}

/// Sign prepared requests in parallel on the rayon pool, off the async runtime.
pub async fn sign_all(
    issuer: &Arc<Issuer>,
    loaded: &Arc<LoadedProgramme>,
    jobs: Vec<(Prepared, Option<(String, i64)>)>,
    issued_at: i64,
) -> Result<Vec<Result<CertificateRecord, ItemError>>, Error> {
    let key = issuer.signing_key(issued_at)?;
    // Status-list entries (VC 2.0 profile) are reserved before signing:
    // they are part of what is signed.
    let statuses =
        crate::status::allocate(&issuer.store, &loaded.programme.profile, jobs.len()).await?;
    let (issuer, loaded) = (issuer.clone(), loaded.clone());
    // Straight onto the rayon pool (not through tokio's blocking pool,
    // which would only park a thread waiting for rayon): one hand-off each
    // way per batch.
    let (done, result) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // A panic in a task given to `rayon::spawn` aborts the process: a
        // bug in signing must fail this request (500), not the server.
        let signed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            jobs.par_iter()
                .zip(statuses.par_iter())
                .map(|((p, replaces), status)| {
                    build_and_sign(
                        &issuer,
                        &loaded,
                        &key,
                        p,
                        issued_at,
                        replaces.as_ref().map(|(id, n)| (id.as_str(), *n)),
                        status.as_ref(),
                    )
                })
                .collect::<Result<Vec<_>, Error>>()
        }))
        .unwrap_or_else(|_| Err(Error::Task("signing panicked".into())));
        // The receiver is gone only if the request was dropped (timeout,
        // client gone): nothing was stored, nothing to do.
        let _ = done.send(signed);
    });
    result
        .await
        .map_err(|_| Error::Task("the signing task ended without an answer".into()))?
}

/// The webhook events of a certificate change, one per webhook that wants
/// this kind of event (none, and no work, when no webhook does).
pub fn webhook_events(
    issuer: &Issuer,
    loaded: &LoadedProgramme,
    kind: EventKind,
    record: &CertificateRecord,
    extra: &events::Extra,
    now: i64,
) -> Result<Vec<NewEvent>, Error> {
    let mut hooks = issuer
        .settings
        .webhooks
        .iter()
        .filter(|hook| hook.wants(kind))
        .peekable();
    if hooks.peek().is_none() {
        return Ok(Vec::new());
    }
    let event = events::webhook_event(kind, record, &loaded.did, extra, now)?.to_string();
    Ok(hooks
        .map(|hook| NewEvent {
            target: format!("webhook:{}", hook.name),
            subject: record.id.clone(),
            event: event.clone(),
            at: now,
        })
        .collect())
}

/// Queue the webhook events of a certificate change (the registry's status
/// events are queued by the lifecycle operations themselves).
pub async fn enqueue_events(
    tx: &mut Tx,
    issuer: &Issuer,
    loaded: &LoadedProgramme,
    kind: EventKind,
    record: &CertificateRecord,
    extra: &events::Extra,
    now: i64,
) -> Result<(), Error> {
    let events = webhook_events(issuer, loaded, kind, record, extra, now)?;
    tx.enqueue_many(&events).await
}

impl Issuer {
    /// Certify a batch, the JSON text of an array of CertificationRequests
    /// (certifier, admin). The batch must hold from one to
    /// `max_batch_items` items; then each item gets an outcome, in order,
    /// and an `Err` is a server failure (storage, signing), never a bad item.
    pub async fn certify(
        self: &Arc<Self>,
        principal: &Principal,
        batch: &str,
    ) -> Result<Vec<ItemOutcome>, Error> {
        principal.require(&[Role::Certifier, Role::IssuerAdmin])?;
        // Split the array into its items' texts, each parsed on its own so
        // one bad item fails alone.
        let items: Vec<&RawValue> = serde_json::from_str(batch).map_err(|_| {
            Error::client(
                ErrorCode::InvalidBody,
                "the body must be a JSON array of CertificationRequests",
            )
        })?;
        if items.is_empty() {
            return Err(Error::client(ErrorCode::InvalidBody, "the batch is empty"));
        }
        let max = self.settings.max_batch_items;
        if items.len() > max {
            return Err(Error::client(
                ErrorCode::BatchTooLarge,
                format!("at most {max} items per batch, got {}", items.len()),
            ));
        }
        self.certify_items(principal, &items).await
    }

    /// Certify a batch's items.
    async fn certify_items(
        self: &Arc<Self>,
        principal: &Principal,
        items: &[&RawValue],
    ) -> Result<Vec<ItemOutcome>, Error> {
        let loaded = self.programme();
        let programme = &loaded.programme;
        let now = self.now();
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; items.len()];

        // Parse every item; collect the keys.
        let mut parsed: Vec<(usize, CertificationRequest, String, u32)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let result =
                parse_item_json(item.get()).and_then(|r| request_key(&r).map(|(c, d)| (r, c, d)));
            match result {
                Ok((request, code, dose)) => parsed.push((i, request, code, dose)),
                Err(e) => set(&mut outcomes, i, ItemOutcome::Failed(e)),
            }
        }

        // What exists already for these codes: retries, and previous doses.
        let codes: Vec<&str> = parsed
            .iter()
            .map(|(_, _, c, _)| c.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let existing = self
            .store
            .certificates_for_codes(&programme.id, &codes)
            .await?;
        let originals: HashMap<(&str, i64), &CertificateRecord> = existing
            .iter()
            .filter(|c| c.replaces.is_none())
            .map(|c| ((c.pre_enrollment_code.as_str(), c.dose), c))
            .collect();
        let mut dose_dates: HashMap<(String, u32), Date> = HashMap::new();
        for c in existing.iter().filter(|c| c.status != Status::Revoked) {
            if let (Some(day), Ok(dose)) = (day_of(&c.vaccination_date), u32::try_from(c.dose)) {
                dose_dates.insert((c.pre_enrollment_code.clone(), dose), day);
            }
        }

        // Validate the new ones; a key repeated within the batch is certified once.
        let mut first_of: HashMap<(String, u32), usize> = HashMap::new();
        let mut duplicates: Vec<(usize, usize)> = Vec::new();
        let mut jobs: Vec<(usize, Prepared, Vaccine)> = Vec::new();
        for (i, request, code, dose) in parsed {
            if let Some(record) = originals.get(&(code.as_str(), i64::from(dose))) {
                let outcome = if principal.may_read(&record.facility_code) {
                    ItemOutcome::Certified {
                        record: Box::new((*record).clone()),
                        created: false,
                    }
                } else {
                    ItemOutcome::Failed(ItemError::new(
                        ErrorCode::AlreadyCertifiedElsewhere,
                        format!(
                            "dose {dose} of this preEnrollmentCode was certified by another facility"
                        ),
                    ))
                };
                set(&mut outcomes, i, outcome);
                continue;
            }
            if let Some(first) = first_of.get(&(code.clone(), dose)) {
                duplicates.push((i, *first));
                continue;
            }
            first_of.insert((code, dose), i);
            match prepare(programme, principal, request, now) {
                Ok((prepared, vaccine)) => jobs.push((i, prepared, vaccine)),
                Err(e) => set(&mut outcomes, i, ItemOutcome::Failed(e)),
            }
        }
        // Doses given in this batch count as history for the next dose.
        for (_, p, _) in &jobs {
            dose_dates.entry((p.code.clone(), p.dose)).or_insert(p.date);
        }
        let mut to_sign = Vec::with_capacity(jobs.len());
        let mut indexes = Vec::with_capacity(jobs.len());
        for (i, prepared, vaccine) in jobs {
            let previous = prepared
                .dose
                .checked_sub(1)
                .and_then(|d| dose_dates.get(&(prepared.code.clone(), d)).copied());
            match check_interval(&prepared, &vaccine, previous) {
                Ok(()) => {
                    indexes.push(i);
                    to_sign.push((prepared, None));
                }
                Err(e) => set(&mut outcomes, i, ItemOutcome::Failed(e)),
            }
        }

        // Sign in parallel, then store everything in one transaction.
        let signed = if to_sign.is_empty() {
            Vec::new()
        } else {
            sign_all(self, &loaded, to_sign, now).await?
        };
        let mut records = Vec::with_capacity(signed.len());
        for (i, result) in indexes.into_iter().zip(signed) {
            match result {
                Ok(record) => records.push((i, record)),
                Err(e) => set(&mut outcomes, i, ItemOutcome::Failed(e)),
            }
        }
        let mut created = 0u64;
        if !records.is_empty() {
            let mut write = BatchWrite::default();
            for (_, record) in &records {
                write.audit.push(AuditEntry {
                    at: now,
                    actor: principal.actor.clone(),
                    action: "certify",
                    subject: record.id.clone(),
                    details: json!({ "facility": record.facility_code, "dose": record.dose, "key": record.key_id, "programme_version": loaded.version }).to_string(),
                });
                write.events.extend(webhook_events(
                    self,
                    &loaded,
                    EventKind::Issued,
                    record,
                    &events::Extra::default(),
                    now,
                )?);
            }
            let (indexes, certificates): (Vec<usize>, Vec<CertificateRecord>) =
                records.into_iter().unzip();
            write.certificates = certificates;
            // Durable once this returns (see `writer`).
            let written = self.writer.write(write).await?;
            if written.queued_events {
                self.wake_outbox();
            }
            for (i, outcome) in indexes.into_iter().zip(written.certificates) {
                let outcome = match outcome {
                    Written::Inserted(record) => {
                        created += 1;
                        ItemOutcome::Certified {
                            record,
                            created: true,
                        }
                    }
                    // A concurrent request certified the same event first.
                    Written::Taken {
                        winner: Some(winner),
                    } if principal.may_read(&winner.facility_code) => ItemOutcome::Certified {
                        record: winner,
                        created: false,
                    },
                    Written::Taken { winner: Some(_) } => ItemOutcome::Failed(ItemError::new(
                        ErrorCode::AlreadyCertifiedElsewhere,
                        "this dose was certified by another facility",
                    )),
                    // An 80-bit id collided: vanishingly rare, and a retry draws a new id.
                    Written::Taken { winner: None } => ItemOutcome::Failed(ItemError::new(
                        ErrorCode::Retry,
                        "please retry this item",
                    )),
                };
                set(&mut outcomes, i, outcome);
            }
        }
        metrics::counter!("issuer_certificates_issued_total").increment(created);

        for (i, first) in duplicates {
            let outcome = match outcomes.get(first).cloned().flatten() {
                Some(ItemOutcome::Certified { record, .. }) => ItemOutcome::Certified {
                    record,
                    created: false,
                },
                Some(failed) => failed,
                None => {
                    ItemOutcome::Failed(ItemError::new(ErrorCode::Retry, "please retry this item"))
                }
            };
            set(&mut outcomes, i, outcome);
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    ItemOutcome::Failed(ItemError::new(ErrorCode::Retry, "please retry this item"))
                })
            })
            .collect())
    }
}

fn set(outcomes: &mut [Option<ItemOutcome>], i: usize, outcome: ItemOutcome) {
    if let ItemOutcome::Failed(e) = &outcome {
        metrics::counter!("issuer_certify_item_errors_total", "code" => e.code.as_str())
            .increment(1);
    }
    if let Some(slot) = outcomes.get_mut(i) {
        *slot = Some(outcome);
    }
}
