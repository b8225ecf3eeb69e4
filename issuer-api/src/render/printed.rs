//! What the printed certificate shows, as text, whichever credential it
//! prints: DIVOC's (read from its typed model) or the issuer's VC 2.0
//! profile (read through the credential crate's view of the signed graph,
//! where every field is bound).

use credential::{CredentialView, VaccinationCredential};

/// The values a printed certificate shows; an empty value's row is left
/// out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Printed {
    /// The credential's issuer (an IRI), for the PDF's document id.
    pub issuer: String,
    /// When issued (RFC 3339): `issuanceDate`, or `validFrom` for VC 2.0.
    pub issuance_date: String,
    /// The certificate id.
    pub certificate_id: String,
    /// The holder's full name.
    pub name: String,
    /// Age in years.
    pub age: String,
    /// Date of birth (`YYYY-MM-DD`).
    pub dob: String,
    /// Gender, as written (the template translates known values).
    pub gender: String,
    /// The identity document (the subject's id).
    pub id: String,
    /// DIVOC's `refId`.
    pub ref_id: String,
    /// Nationality.
    pub nationality: String,
    /// The holder's address, on one line.
    pub address: String,
    /// The vaccine.
    pub vaccine: String,
    /// Its manufacturer.
    pub manufacturer: String,
    /// The batch.
    pub batch: String,
    /// Which dose.
    pub dose: String,
    /// Doses in the schedule.
    pub total_doses: String,
    /// When the dose was given.
    pub date: String,
    /// First day of protection.
    pub effective_start: String,
    /// Last day of protection.
    pub effective_until: String,
    /// The vaccinator's name.
    pub vaccinator: String,
    /// The facility's name.
    pub facility: String,
    /// The facility's address, on one line.
    pub facility_address: String,
    /// The prophylaxis.
    pub prophylaxis: String,
    /// The vaccine's ICD-11 code.
    pub icd11_code: String,
}

impl From<&VaccinationCredential> for Printed {
    fn from(credential: &VaccinationCredential) -> Self {
        let subject = &credential.credential_subject;
        let mut printed = Self {
            issuer: credential.issuer.clone(),
            issuance_date: credential.issuance_date.clone(),
            certificate_id: credential.certificate_id().unwrap_or_default().to_owned(),
            name: subject.name.clone(),
            age: subject
                .age
                .as_ref()
                .map(|a| a.as_text())
                .unwrap_or_default(),
            dob: subject.dob.clone().unwrap_or_default(),
            gender: subject.gender.clone(),
            id: subject.id.clone().unwrap_or_default(),
            ref_id: subject.ref_id.clone(),
            nationality: subject.nationality.clone(),
            address: subject.address.one_line(),
            ..Self::default()
        };
        if let Some(e) = credential.vaccination() {
            printed.vaccine = e.vaccine.clone();
            printed.manufacturer = e.manufacturer.clone();
            printed.batch = e.batch.clone();
            printed.dose = e.dose.as_text();
            printed.total_doses = e.total_doses.as_text();
            printed.date = e.date.clone();
            printed.effective_start = e.effective_start.clone();
            printed.effective_until = e.effective_until.clone();
            printed.vaccinator = e.verifier.name.clone();
            printed.facility = e.facility.name.clone();
            printed.facility_address = e.facility.address.one_line();
            printed.prophylaxis = e.prophylaxis.clone().unwrap_or_default();
            printed.icd11_code = e.icd11_code.clone().unwrap_or_default();
        }
        printed
    }
}

impl From<&CredentialView> for Printed {
    /// From a verified credential's view (the VC 2.0 profile's every field
    /// is bound there).
    fn from(view: &CredentialView) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut printed = Self {
            issuer: view.issuer.clone(),
            issuance_date: view
                .valid_from
                .clone()
                .or_else(|| view.issuance_date.clone())
                .unwrap_or_default(),
            ..Self::default()
        };
        if let Some(s) = &view.subject {
            printed.id = text(&s.id);
            printed.name = text(&s.name);
            printed.dob = text(&s.birth_date);
            printed.age = text(&s.age);
            printed.gender = text(&s.gender);
            printed.nationality = text(&s.nationality);
        }
        if let Some(v) = &view.vaccination {
            printed.certificate_id = text(&v.certificate_id);
            printed.vaccine = text(&v.vaccine);
            printed.manufacturer = text(&v.manufacturer);
            printed.batch = text(&v.batch);
            printed.dose = text(&v.dose);
            printed.total_doses = text(&v.total_doses);
            printed.date = text(&v.date);
            printed.effective_start = text(&v.effective_start);
            printed.effective_until = text(&v.effective_until);
            printed.vaccinator = text(&v.vaccinator);
            printed.facility = text(&v.facility);
            printed.facility_address = text(&v.facility_address);
            printed.prophylaxis = text(&v.prophylaxis);
            printed.icd11_code = text(&v.icd11_code);
        }
        printed
    }
}
