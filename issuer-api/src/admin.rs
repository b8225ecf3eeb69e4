//! The administration core: programme edits under `If-Match`, API tokens,
//! key rotation, the audit log, the outbox's dead letters, readiness. Plain
//! Rust over the store; the HTTP handlers (`http::admin`,
//! `http::programme`) only translate.

use std::sync::Arc;

use crate::auth::{self, NewToken, Principal, Role, TokenInfo};
use crate::config::{Facility, Programme, Vaccinator, Vaccine};
use crate::error::{Error, ErrorCode};
use crate::issuer::{Issuer, LoadedProgramme};
use crate::keys::PublicKeyInfo;
use crate::store::{AuditRecord, DeadEvent, OutboxBacklog};

/// Most entries of one page (audit log, dead letters).
const MAX_PAGE: i64 = 1000;
/// Entries of a page when the caller does not say.
const DEFAULT_PAGE: i64 = 100;

/// One change to the programme's lists. The key (`name`, `code`, `id`) is
/// the one the caller addresses; a body must carry the same.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProgrammeEdit {
    /// Add or replace a vaccine (names match without regard to case).
    PutVaccine {
        /// The vaccine addressed.
        name: String,
        /// The new entry.
        vaccine: Vaccine,
    },
    /// Remove a vaccine.
    DeleteVaccine {
        /// The vaccine addressed.
        name: String,
    },
    /// Add or replace an approved facility.
    PutFacility {
        /// The facility addressed.
        code: String,
        /// The new entry.
        facility: Facility,
    },
    /// Withdraw a facility's approval.
    DeleteFacility {
        /// The facility addressed.
        code: String,
    },
    /// Add or replace a vaccinator.
    PutVaccinator {
        /// The vaccinator addressed.
        id: String,
        /// The new entry.
        vaccinator: Vaccinator,
    },
    /// Remove a vaccinator.
    DeleteVaccinator {
        /// The vaccinator addressed.
        id: String,
    },
}

impl ProgrammeEdit {
    /// Apply to a copy of the programme.
    fn apply(self, p: &mut Programme) -> Result<(), Error> {
        match self {
            Self::PutVaccine { name, vaccine } => {
                key_matches(&name, &vaccine.name, "vaccine name")?;
                upsert(&mut p.vaccines, vaccine, |x| {
                    x.name.eq_ignore_ascii_case(&name)
                });
                Ok(())
            }
            Self::DeleteVaccine { name } => remove(&mut p.vaccines, "vaccine", &name, |x| {
                x.name.eq_ignore_ascii_case(&name)
            }),
            Self::PutFacility { code, facility } => {
                key_matches(&code, &facility.code, "facility code")?;
                upsert(&mut p.facilities, facility, |x| x.code == code);
                Ok(())
            }
            Self::DeleteFacility { code } => {
                remove(&mut p.facilities, "facility", &code, |x| x.code == code)
            }
            Self::PutVaccinator { id, vaccinator } => {
                key_matches(&id, &vaccinator.id, "vaccinator id")?;
                upsert(&mut p.vaccinators, vaccinator, |x| x.id == id);
                Ok(())
            }
            Self::DeleteVaccinator { id } => {
                remove(&mut p.vaccinators, "vaccinator", &id, |x| x.id == id)
            }
        }
    }
}

fn upsert<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|i| same(i)) {
        Some(slot) => *slot = item,
        None => items.push(item),
    }
}

fn remove<T>(
    items: &mut Vec<T>,
    what: &'static str,
    key: &str,
    same: impl Fn(&T) -> bool,
) -> Result<(), Error> {
    let before = items.len();
    items.retain(|i| !same(i));
    if items.len() == before {
        Err(Error::not_found(what, key))
    } else {
        Ok(())
    }
}

fn key_matches(path: &str, body: &str, what: &str) -> Result<(), Error> {
    if path == body {
        Ok(())
    } else {
        Err(Error::client(
            ErrorCode::KeyMismatch,
            format!("the {what} in the path ({path}) and the body ({body}) differ"),
        ))
    }
}

/// The version a programme change was based on, from the caller's
/// `If-Match` (`"3"`, `W/"3"`): required, so that two concurrent edits
/// cannot silently lose one.
fn based_on(if_match: Option<&str>) -> Result<i64, Error> {
    let Some(value) = if_match else {
        return Err(Error::client(
            ErrorCode::IfMatchRequired,
            "send If-Match with the programme's ETag (GET /v1/admin/programme) \
             so that a concurrent change is not lost",
        ));
    };
    value
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| {
            Error::client(
                ErrorCode::VersionMismatch,
                "If-Match must be the programme's ETag, e.g. \"3\"",
            )
        })
}

/// A page size: the default when not given, within 1 to [`MAX_PAGE`].
fn page(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

impl Issuer {
    /// The programme in force, for an admin or auditor.
    pub fn read_programme(&self, principal: &Principal) -> Result<Arc<LoadedProgramme>, Error> {
        principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
        Ok(self.programme())
    }

    /// Replace the whole programme (admin), based on the version the
    /// caller's `If-Match` names; returns the new version.
    pub async fn put_programme(
        &self,
        principal: &Principal,
        if_match: Option<&str>,
        programme: Programme,
    ) -> Result<i64, Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let based_on = based_on(if_match)?;
        self.replace_programme(programme, based_on, &principal.actor)
            .await
    }

    /// Change one entry of the programme (admin), based on the version the
    /// caller's `If-Match` names; returns the new version and programme.
    pub async fn edit_programme(
        &self,
        principal: &Principal,
        if_match: Option<&str>,
        edit: ProgrammeEdit,
    ) -> Result<(i64, Programme), Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let based_on = based_on(if_match)?;
        let loaded = self.programme();
        if loaded.version != based_on {
            return Err(Error::client(
                ErrorCode::VersionMismatch,
                format!(
                    "the programme is at version {}, not {based_on}: read it again and reapply the change",
                    loaded.version
                ),
            ));
        }
        let mut programme = loaded.programme.clone();
        edit.apply(&mut programme)?;
        let version = self
            .replace_programme(programme.clone(), based_on, &principal.actor)
            .await?;
        Ok((version, programme))
    }

    /// Rotate the signing key at `at` (RFC 3339) (admin); returns the new
    /// key id and every key with its status.
    pub async fn rotate_key_at(
        &self,
        principal: &Principal,
        at: &str,
    ) -> Result<(String, Vec<PublicKeyInfo>), Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let at_ms = at
            .parse::<jiff::Timestamp>()
            .map_err(|_| {
                Error::client(
                    ErrorCode::InvalidDate,
                    format!("at {at:?} is not an RFC 3339 date-time"),
                )
            })?
            .as_millisecond();
        let kid = self.rotate_key(at_ms, &principal.actor).await?;
        Ok((kid, self.keyring().listing(self.now())))
    }

    /// Create an API token (admin). A certifier's facilities must be ones
    /// the programme approves; `expires_at` is RFC 3339.
    pub async fn create_token(
        &self,
        principal: &Principal,
        role: Role,
        facilities: &[String],
        label: &str,
        expires_at: Option<&str>,
    ) -> Result<NewToken, Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let expires_at = expires_at
            .map(|t| t.parse::<jiff::Timestamp>().map(|t| t.as_millisecond()))
            .transpose()
            .map_err(|_| {
                Error::client(
                    ErrorCode::InvalidDate,
                    "expires_at is not an RFC 3339 date-time",
                )
            })?;
        let programme = self.programme();
        if let Some(unknown) = facilities
            .iter()
            .find(|f| programme.programme.facility_by_code(f).is_none())
        {
            return Err(Error::client(
                ErrorCode::UnapprovedFacility,
                format!("facility {unknown} is not an approved facility"),
            ));
        }
        auth::create_token(
            &self.store,
            role,
            facilities,
            label,
            expires_at,
            &principal.actor,
            self.now(),
        )
        .await
    }

    /// Create an API token on behalf of `actor` without a caller's role
    /// (the command line: `actor` is `cli`).
    pub async fn create_token_as(
        &self,
        role: Role,
        facilities: &[String],
        label: &str,
        expires_at: Option<i64>,
        actor: &str,
    ) -> Result<NewToken, Error> {
        auth::create_token(
            &self.store,
            role,
            facilities,
            label,
            expires_at,
            actor,
            self.now(),
        )
        .await
    }

    /// Every API token, never their secrets (admin, auditor).
    pub async fn list_tokens(&self, principal: &Principal) -> Result<Vec<TokenInfo>, Error> {
        principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
        auth::list_tokens(&self.store).await
    }

    /// Revoke an API token (admin).
    pub async fn revoke_token(&self, principal: &Principal, id: &str) -> Result<(), Error> {
        principal.require(&[Role::IssuerAdmin])?;
        auth::revoke_token(&self.store, id, &principal.actor, self.now()).await
    }

    /// A page of the audit log, oldest first (admin, auditor); `subject` is
    /// a certificate id in any spelling, or `token:…`.
    pub async fn audit(
        &self,
        principal: &Principal,
        after: Option<i64>,
        subject: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Vec<AuditRecord>, Error> {
        principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
        let subject = subject.map(crate::ids::normalize_certificate_id);
        self.store
            .audit(after.unwrap_or(0), subject.as_deref(), page(limit))
            .await
    }

    /// Undelivered events per target (admin, auditor).
    pub async fn outbox_backlog(&self, principal: &Principal) -> Result<OutboxBacklog, Error> {
        principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
        self.store.outbox_backlog().await
    }

    /// A page of dead outbox events, oldest first (admin, auditor).
    pub async fn dead_events(
        &self,
        principal: &Principal,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Vec<DeadEvent>, Error> {
        principal.require(&[Role::IssuerAdmin, Role::Auditor])?;
        self.store
            .outbox_dead_list(after.unwrap_or(0), page(limit))
            .await
    }

    /// Deliver a dead event again, with any other dead event about the same
    /// certificate for the same target (admin); audited. Returns the target,
    /// the certificate and how many events were revived.
    pub async fn retry_dead(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(String, String, u64), Error> {
        principal.require(&[Role::IssuerAdmin])?;
        let not_found = || Error::not_found("dead outbox event", id);
        let number: i64 = id.parse().map_err(|_| not_found())?;
        let (target, certificate_id, revived) = self
            .store
            .outbox_retry_dead(number, &principal.actor, self.now())
            .await?
            .ok_or_else(not_found)?;
        tracing::info!(outbox_id = number, target = %target, revived, actor = %principal.actor, "dead outbox events retried");
        self.wake_outbox();
        Ok((target, certificate_id, revived))
    }

    /// Ready to serve: the database answers and a key can sign now.
    pub async fn ready(&self) -> Result<(), Error> {
        self.store.ping().await?;
        self.signing_key(self.now()).map(drop)
    }

    /// Set `issuer_outbox_pending{target}` and `issuer_outbox_dead{target}`
    /// from the store, zero for configured targets with none.
    pub async fn update_outbox_gauges(&self) {
        let Ok(backlog) = self.store.outbox_backlog().await else {
            return;
        };
        let mut targets: Vec<String> = self
            .settings
            .webhooks
            .iter()
            .map(|w| format!("webhook:{}", w.name))
            .collect();
        if self.settings.registry.is_some() {
            targets.push("registry".to_owned());
        }
        for (name, counts) in [
            ("issuer_outbox_pending", &backlog.pending),
            ("issuer_outbox_dead", &backlog.dead),
        ] {
            let mut all = targets.clone();
            all.extend(counts.iter().map(|(t, _)| t.clone()));
            all.sort();
            all.dedup();
            for target in all {
                let n = counts
                    .iter()
                    .find(|(t, _)| *t == target)
                    .map_or(0, |(_, n)| *n);
                #[allow(
                    clippy::cast_precision_loss,
                    reason = "a backlog gauge does not need 2^53 precision"
                )]
                metrics::gauge!(name, "target" => target).set(n as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_required_and_must_be_a_version() {
        assert_eq!(based_on(Some("\"3\"")).ok(), Some(3));
        assert_eq!(based_on(Some("W/\"12\"")).ok(), Some(12));
        assert_eq!(based_on(Some(" 7 ")).ok(), Some(7));
        let code = |r: Result<i64, Error>| r.err().map(|e| e.code());
        assert_eq!(code(based_on(None)), Some(ErrorCode::IfMatchRequired));
        assert_eq!(
            code(based_on(Some("\"x\""))),
            Some(ErrorCode::VersionMismatch)
        );
        assert_eq!(code(based_on(Some(""))), Some(ErrorCode::VersionMismatch));
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page(None), DEFAULT_PAGE);
        assert_eq!(page(Some(0)), 1);
        assert_eq!(page(Some(-5)), 1);
        assert_eq!(page(Some(i64::MAX)), MAX_PAGE);
    }
}
