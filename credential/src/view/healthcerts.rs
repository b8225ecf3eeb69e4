//! The issuer's own VC 2.0 vaccination profile (`model/health.rs`), read
//! from the graph. Every field has its own IRI in the profile's context, so
//! every field is bound: nothing is listed as unbound.

use super::{Profile, Reader, SCHEMA, SubjectView, VaccinationView, ViewError};
use crate::rdf::NodeRef;

/// The profile's vocabulary.
const HC: &str = "https://open-health-certs.github.io/healthcerts/vocab#";

fn hc(term: &str) -> String {
    format!("{HC}{term}")
}

/// What [`read`] finds.
pub(super) struct Healthcerts {
    pub(super) profile: Profile,
    pub(super) subject: SubjectView,
    pub(super) vaccination: VaccinationView,
}

/// Reads a certificate of the profile; `None` if the credential is not one.
pub(super) fn read(
    reader: &Reader<'_>,
    credential: &NodeRef,
    subjects: &[&NodeRef],
) -> Result<Option<Healthcerts>, ViewError> {
    if !reader
        .graph
        .has_type(credential, &hc("VaccinationCertificate"))
    {
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
    let text =
        |node: &NodeRef, term: &str, field: &'static str| reader.text(node, &hc(term), field);
    let person = SubjectView {
        id: super::iri_of(subject),
        name: reader.text(subject, &format!("{SCHEMA}name"), "credentialSubject.name")?,
        birth_date: text(subject, "birthDate", "credentialSubject.birthDate")?,
        age: text(subject, "age", "credentialSubject.age")?,
        gender: text(subject, "gender", "credentialSubject.gender")?,
        nationality: text(subject, "nationality", "credentialSubject.nationality")?,
    };
    let event = reader
        .node(subject, &hc("vaccination"), "credentialSubject.vaccination")?
        .ok_or(ViewError::Missing {
            field: "credentialSubject.vaccination",
        })?;
    let field = |term: &str, name: &'static str| text(event, term, name);
    let certificate_id = field("certificateNumber", "vaccination.certificateNumber")?;
    let vaccination = VaccinationView {
        vaccine: field("vaccine", "vaccination.vaccine")?,
        manufacturer: field("manufacturer", "vaccination.manufacturer")?,
        batch: field("batch", "vaccination.batch")?,
        identifiers: certificate_id.iter().cloned().collect(),
        certificate_id,
        icd11_code: field("icd11Code", "vaccination.icd11Code")?,
        date: field("vaccinationDate", "vaccination.date")?,
        dates: Vec::new(),
        effective_start: field("protectionStart", "vaccination.protectionStart")?,
        effective_until: field("protectionEnd", "vaccination.protectionEnd")?,
        dose: field("doseNumber", "vaccination.dose")?,
        total_doses: field("totalDoses", "vaccination.totalDoses")?,
        prophylaxis: field("prophylaxis", "vaccination.prophylaxis")?,
        vaccinator: field("vaccinator", "vaccination.vaccinator")?,
        facility: field("facility", "vaccination.facility")?,
        facility_address: field("facilityAddress", "vaccination.facilityAddress")?,
        unbound: Vec::new(),
    };
    let vaccination = VaccinationView {
        dates: vaccination.date.iter().cloned().collect(),
        ..vaccination
    };
    Ok(Some(Healthcerts {
        profile: Profile::Healthcerts,
        subject: person,
        vaccination,
    }))
}
