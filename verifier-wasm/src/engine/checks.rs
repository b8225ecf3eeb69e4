//! The checks after the signature, on the verified credential: the key's
//! validity when the credential was issued, what to look up in the
//! revocation data, and the credential's own validity period.
//!
//! Validity is the credential's (`expirationDate` in VC 1.1, `validFrom` /
//! `validUntil` in VC 2.0) and the key's (validity window, compromise date).
//! DIVOC's `effectiveStart` / `effectiveUntil` are the issuer's statement of
//! the protection period (CoWIN sets `effectiveUntil` to the vaccination day
//! or a year after, and uses it for "next dose due"): they are shown, never
//! turned into `expired` or `not_yet_valid`.

use credential::{CertificateRef, CredentialView, KeyUseViolation, RevocationStatus, TrustedKey};
use jiff::Timestamp;

use super::dates::{self, Edge};
use super::{ReasonCode, Status, Verdict};

/// A failed check: its code and message.
pub(super) type Failure = (ReasonCode, String);

/// When the credential was issued (`issuanceDate`, else `validFrom`), for
/// the key's validity.
pub(super) fn issued_at(credential: &CredentialView) -> Result<Option<Timestamp>, Failure> {
    let Some((name, text)) = [
        ("issuanceDate", &credential.issuance_date),
        ("validFrom", &credential.valid_from),
    ]
    .into_iter()
    .find_map(|(name, value)| value.as_deref().map(|v| (name, v))) else {
        return Ok(None);
    };
    dates::parse(text, Edge::Start).map(Some).ok_or_else(|| {
        (
            ReasonCode::DateInvalid,
            format!("{name} {text:?} is not a date"),
        )
    })
}

/// Was the key allowed to sign at `issued`?
pub(super) fn key_use(trusted: &TrustedKey, kid: &str, issued: Timestamp) -> Result<(), Failure> {
    trusted
        .check_signing_time(issued)
        .map_err(|violation| match violation {
            KeyUseViolation::BeforeValidity { valid_from } => (
                ReasonCode::KeyNotYetValid,
                format!("issued {issued}, before key {kid:?} was valid ({valid_from})"),
            ),
            KeyUseViolation::AfterValidity { valid_until } => (
                ReasonCode::KeyExpired,
                format!("issued {issued}, after key {kid:?} expired ({valid_until})"),
            ),
            KeyUseViolation::AfterCompromise { since } => (
                ReasonCode::KeyCompromised,
                format!("issued {issued}, after key {kid:?} was compromised ({since})"),
            ),
        })
}

/// One lookup per id the credential could be listed under, and one per
/// status entry.
pub(super) fn revocation_lookups(credential: &CredentialView) -> Vec<CertificateRef> {
    let by_id = credential
        .certificate_ids()
        .into_iter()
        .map(|id| CertificateRef {
            issuer: credential.issuer.clone(),
            certificate_id: Some(id.to_owned()),
            status_entry: None,
        });
    let by_entry = credential.status.iter().map(|entry| CertificateRef {
        issuer: credential.issuer.clone(),
        certificate_id: None,
        status_entry: Some(entry.clone()),
    });
    by_id.chain(by_entry).collect()
}

/// The graver of two lookups' results: revoked, then suspended (the later
/// end), then unknown, then good.
pub(super) fn worse(a: RevocationStatus, b: RevocationStatus) -> RevocationStatus {
    use RevocationStatus::{Good, Revoked, Suspended, Unknown};
    match (a, b) {
        (Revoked, _) | (_, Revoked) => Revoked,
        (Suspended { until: x }, Suspended { until: y }) => Suspended { until: x.max(y) },
        (s @ Suspended { .. }, _) | (_, s @ Suspended { .. }) => s,
        (Unknown, _) | (_, Unknown) => Unknown,
        (Good, Good) => Good,
        // `RevocationStatus` is non-exhaustive in spirit: anything new is
        // not "good".
        #[allow(unreachable_patterns, reason = "future variants are not good")]
        _ => Unknown,
    }
}

/// The credential's validity period against the clock.
pub(super) fn dates(verdict: &mut Verdict, credential: &CredentialView, now: Timestamp) {
    let ends = [
        ("validUntil", &credential.valid_until),
        ("expirationDate", &credential.expiration_date),
    ];
    for (name, value) in ends {
        let Some(value) = value else { continue };
        match dates::parse(value, Edge::End) {
            Some(end) if dates::after(now, end) => {
                verdict.fail(
                    Status::Expired,
                    ReasonCode::Expired,
                    format!("{name} {value} has passed"),
                );
                return;
            }
            Some(_) => {}
            None => {
                verdict.fail(
                    Status::Invalid,
                    ReasonCode::DateInvalid,
                    format!("{name} {value:?} is not a date"),
                );
                return;
            }
        }
    }
    let starts = [
        ("validFrom", &credential.valid_from),
        ("issuanceDate", &credential.issuance_date),
    ];
    for (name, value) in starts {
        let Some(value) = value else { continue };
        match dates::parse(value, Edge::Start) {
            Some(start) if dates::before(now, start) => {
                verdict.fail(
                    Status::NotYetValid,
                    ReasonCode::NotYetValid,
                    format!("{name} {value} is in the future"),
                );
                return;
            }
            Some(_) => {}
            None => {
                verdict.fail(
                    Status::Invalid,
                    ReasonCode::DateInvalid,
                    format!("{name} {value:?} is not a date"),
                );
                return;
            }
        }
    }
}
