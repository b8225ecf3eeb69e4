//! DIVOC's `ProofOfVaccinationCredential` (vaccination contexts v1 and v2, which
//! give the same IRIs),
//! read from the graph. Which fields the signature binds, and how values
//! that share an IRI are handled, is in the parent module's docs.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Field, Profile, Reader, SCHEMA, SubjectView, VaccinationView, ViewError};
use crate::rdf::NodeRef;

/// The credential type, `schema:ProofOfVaccinationCredential`.
const PROOF_OF_VACCINATION: &str = "https://schema.org/ProofOfVaccinationCredential";
/// `vac:Vaccination`, in v1 and v2 alike. The contexts' `vac` ends with no
/// delimiter, so under JSON-LD 1.1 it is not a prefix and `vac:Vaccination`
/// stays the IRI it is written as (jsonld.js and DIVOC's signatures agree).
const VACCINATION: &str = "vac:Vaccination";
/// `vac:verifier`: the vaccinator.
const VERIFIER: &str = "vac:verifier";
/// `vac:Facility`.
const FACILITY: &str = "vac:Facility";
/// `cred:evidence`.
const EVIDENCE: &str = "https://www.w3.org/2018/credentials#evidence";

/// What [`read`] finds.
pub(super) struct Divoc {
    pub(super) profile: Profile,
    pub(super) subject: SubjectView,
    pub(super) vaccination: VaccinationView,
}

fn schema(term: &str) -> String {
    format!("{SCHEMA}{term}")
}

/// Reads a DIVOC vaccination credential; `None` if the credential is not one.
pub(super) fn read(
    reader: &Reader<'_>,
    credential: &NodeRef,
    subjects: &[&NodeRef],
    document: &Value,
) -> Result<Option<Divoc>, ViewError> {
    if !reader.graph.has_type(credential, PROOF_OF_VACCINATION) {
        return Ok(None);
    }
    let subject = match subjects {
        [one] => *one,
        [] => {
            return Err(ViewError::Missing {
                field: "credentialSubject",
            });
        }
        several => {
            return Err(ViewError::Ambiguous {
                field: "credentialSubject",
                count: several.len(),
            });
        }
    };
    // The vaccination events among the evidence. DIVOC certificates carry
    // exactly one; with several, which one "the" vaccination is would be the
    // JSON's order, which the graph does not keep.
    let events: Vec<&NodeRef> = reader
        .nodes(credential, EVIDENCE, "evidence")?
        .filter(|node| reader.graph.has_type(node, VACCINATION))
        .collect();
    let event = match events[..] {
        [one] => one,
        [] => return Err(ViewError::Missing { field: "evidence" }),
        ref several => {
            return Err(ViewError::Ambiguous {
                field: "evidence",
                count: several.len(),
            });
        }
    };
    Ok(Some(Divoc {
        profile: Profile::Divoc,
        subject: person(reader, subject)?,
        vaccination: vaccination(reader, event, document)?,
    }))
}

fn person(reader: &Reader<'_>, subject: &NodeRef) -> Result<SubjectView, ViewError> {
    Ok(SubjectView {
        id: super::iri_of(subject),
        name: reader.text(subject, &schema("name"), "credentialSubject.name")?,
        // `dob` is the only Person term mapped to schema:date (v2 only).
        birth_date: reader.text(subject, &schema("date"), "credentialSubject.dob")?,
        age: reader.text(subject, &schema("Number"), "credentialSubject.age")?,
        gender: reader.text(subject, &schema("gender"), "credentialSubject.gender")?,
        nationality: reader.text(
            subject,
            &schema("nationality"),
            "credentialSubject.nationality",
        )?,
    })
}

fn vaccination(
    reader: &Reader<'_>,
    event: &NodeRef,
    document: &Value,
) -> Result<VaccinationView, ViewError> {
    let identifiers = reader.texts(event, &schema("id"), "evidence.certificateId")?;
    let dates = reader.texts(event, &schema("date"), "evidence.date")?;
    let doses = reader.texts(event, &schema("doseValue"), "evidence.dose")?;
    let mut view = VaccinationView {
        identifiers: identifiers.iter().map(|s| (*s).to_owned()).collect(),
        prophylaxis: reader.text(event, &schema("name"), "evidence.prophylaxis")?,
        ..VaccinationView::default()
    };
    read_dates(&dates, &mut view)?;
    read_doses(&doses, &mut view)?;

    // The roles of the identifiers: the JSON's, where each value it names
    // is one of the signed ones. Never a decision, only a label, and every
    // one of them listed as unbound.
    let claimed = claimed_event(document);
    for (field, key) in [
        (Field::CertificateId, "certificateId"),
        (Field::Batch, "batch"),
        (Field::Vaccine, "vaccine"),
        (Field::Manufacturer, "manufacturer"),
        (Field::Icd11Code, "icd11Code"),
    ] {
        let value = claimed
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .filter(|v| identifiers.contains(v))
            .map(str::to_owned);
        view.unbound.push(field);
        match field {
            Field::CertificateId => view.certificate_id = value,
            Field::Batch => view.batch = value,
            Field::Vaccine => view.vaccine = value,
            Field::Manufacturer => view.manufacturer = value,
            _ => view.icd11_code = value,
        }
    }

    if let Some(vaccinator) = reader.node(event, VERIFIER, "evidence.verifier")? {
        view.vaccinator = reader.text(vaccinator, &schema("name"), "evidence.verifier.name")?;
    }
    if let Some(facility) = reader.node(event, FACILITY, "evidence.facility")? {
        view.facility = reader.text(facility, &schema("name"), "evidence.facility.name")?;
        if let Some(address) = reader.node(
            facility,
            &schema("PostalAddress"),
            "evidence.facility.address",
        )? {
            view.facility_address = Some(address_line(reader, address)?);
        }
    }
    view.unbound.sort();
    Ok(view)
}

/// The vaccination date is the one date-time among the signed dates; the
/// plain dates are the protection period (see the module docs).
fn read_dates(dates: &BTreeSet<&str>, view: &mut VaccinationView) -> Result<(), ViewError> {
    if dates.len() > 3 {
        return Err(ViewError::Ambiguous {
            field: "evidence.date",
            count: dates.len(),
        });
    }
    view.dates = dates.iter().map(|d| (*d).to_owned()).collect();
    let (date_times, plain): (Vec<&str>, Vec<&str>) =
        dates.iter().copied().partition(|d| d.contains('T'));
    match date_times[..] {
        [one] => view.date = Some(one.to_owned()),
        _ => {
            // Nothing tells the vaccination date apart: show the earliest
            // (dates of one form sort by their text) and say so.
            view.date = dates.first().map(|d| (*d).to_owned());
            if !dates.is_empty() {
                view.unbound.push(Field::Date);
            }
        }
    }
    if date_times.len() <= 1 {
        view.effective_start = plain.first().map(|d| (*d).to_owned());
        view.effective_until = plain.last().map(|d| (*d).to_owned());
    }
    Ok(())
}

/// Dose n of m: the signed numbers as (smaller, larger).
fn read_doses(doses: &BTreeSet<&str>, view: &mut VaccinationView) -> Result<(), ViewError> {
    match doses.iter().copied().collect::<Vec<_>>()[..] {
        [] => {}
        [one] => {
            view.dose = Some(one.to_owned());
            view.total_doses = Some(one.to_owned());
        }
        [a, b] => match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(x), Ok(y)) => {
                view.dose = Some(x.min(y).to_string());
                view.total_doses = Some(x.max(y).to_string());
            }
            // Not two numbers (e.g. "" and "2"): which is which is unknown.
            _ => view.unbound.push(Field::Doses),
        },
        ref several => {
            return Err(ViewError::Ambiguous {
                field: "evidence.dose",
                count: several.len(),
            });
        }
    }
    Ok(())
}

/// The address fields present, on one line, in the order of the context.
fn address_line(reader: &Reader<'_>, address: &NodeRef) -> Result<String, ViewError> {
    let mut parts = Vec::new();
    for (iri, field) in [
        (schema("streetAddress"), "address.streetAddress"),
        ("vac:addressLine2".to_owned(), "address.streetAddress2"),
        ("vac:district".to_owned(), "address.district"),
        ("vac:city".to_owned(), "address.city"),
        (schema("addressRegion"), "address.addressRegion"),
        (schema("postalCode"), "address.postalCode"),
        (schema("addressCountry"), "address.addressCountry"),
    ] {
        if let Some(value) = reader.text(address, &iri, field)?
            && !value.is_empty()
        {
            parts.push(value);
        }
    }
    Ok(parts.join(", "))
}

/// The JSON's vaccination event, when it is written plainly (`evidence` a
/// one-element array or an object): only to label identifiers.
fn claimed_event(document: &Value) -> Option<&serde_json::Map<String, Value>> {
    match document.get("evidence")? {
        Value::Array(items) => match items.as_slice() {
            [one] => one.as_object(),
            _ => None,
        },
        other => other.as_object(),
    }
}
