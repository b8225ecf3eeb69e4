//! The display fields of a verdict, from the verified credential only.

use credential::CredentialView;

use super::DisplayFields;

/// What a verifier shows for a verified credential. Fields whose role the
/// signature does not bind are listed in `unbound` (see
/// [`credential::VaccinationView::unbound`]).
pub(super) fn fields(credential: &CredentialView) -> DisplayFields {
    let subject = credential.subject.clone().unwrap_or_default();
    let text = |v: Option<String>| v.unwrap_or_default();
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let mut fields = DisplayFields {
        name: text(subject.name),
        age: non_empty(subject.age),
        dob: non_empty(subject.birth_date),
        gender: text(subject.gender),
        nationality: non_empty(subject.nationality),
        certificate_id: text(credential.id.clone()),
        valid_until: credential
            .valid_until
            .clone()
            .or_else(|| credential.expiration_date.clone()),
        ..DisplayFields::default()
    };
    if let Some(v) = credential.vaccination.clone() {
        fields.vaccine = text(v.vaccine);
        fields.manufacturer = text(v.manufacturer);
        fields.batch = non_empty(v.batch);
        fields.certificate_id = text(v.certificate_id);
        fields.dose = text(v.dose);
        fields.total_doses = text(v.total_doses);
        fields.date = text(v.date);
        fields.effective_start = non_empty(v.effective_start);
        fields.effective_until = non_empty(v.effective_until);
        fields.facility = [v.facility, v.facility_address]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        fields.signed_values = v.identifiers;
        fields.unbound = v.unbound.iter().map(|f| f.as_str()).collect();
    }
    fields
}
