//! The facts verification rules decide on, from the signed graph only
//! (never from the JSON, never from display text).
//!
//! Where the credential's context does not bind a field to its own IRI
//! (DIVOC: `vaccine`, `batch`, `manufacturer` and `certificateId` share
//! `schema:id`; `date`, `effectiveStart` and `effectiveUntil` share
//! `schema:date`), the facts carry every value the signature allows:
//!
//! - the vaccine: every signed identifier of the record; a vaccine rule
//!   passes when one of them is on the list (an attacker can move the
//!   issuer's values between keys but cannot add a name the issuer did
//!   not sign; the limit: an allowed vaccine name signed as a batch or
//!   manufacturer would pass, which no real issuer writes);
//! - the vaccination date: the earliest and latest signed date, and a day
//!   rule must hold at both ends;
//! - dose n of m: the signed numbers as (smaller, larger), or nothing when
//!   they cannot be told apart (a dose rule is then not met).

use credential::{CredentialView, Field};

use crate::rules::{Facts, parse_day};

/// The facts of a verified credential.
pub(super) fn of(credential: &CredentialView) -> Facts {
    let subject = credential.subject.as_ref();
    let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse().ok());
    let mut facts = Facts {
        birth_date: subject
            .and_then(|s| s.birth_date.as_deref())
            .and_then(parse_day),
        age: subject.and_then(|s| number(&s.age)),
        ..Facts::default()
    };
    let Some(v) = &credential.vaccination else {
        return facts;
    };
    let unbound = |field: Field| v.unbound.contains(&field);
    if !unbound(Field::Doses) {
        facts.dose = number(&v.dose);
        facts.total_doses = number(&v.total_doses);
    }
    facts.vaccination_date = if unbound(Field::Date) {
        let days: Option<Vec<_>> = v.dates.iter().map(|d| parse_day(d)).collect();
        days.and_then(|days| Some((*days.iter().min()?, *days.iter().max()?)))
    } else {
        v.date.as_deref().and_then(parse_day).map(|d| (d, d))
    };
    facts.vaccines = if unbound(Field::Vaccine) {
        v.identifiers.clone()
    } else {
        v.vaccine.iter().cloned().collect()
    };
    facts.vaccines.retain(|name| !name.trim().is_empty());
    facts
}
