//! The text each [`Field`] prints for a credential, in the certificate's
//! language (dates with its month names, genders translated).

use credential::VaccinationCredential;

use super::template::{Field, ResolvedLabels};

/// What a certificate shows besides the credential itself.
pub(crate) struct Context<'a> {
    pub(crate) issuer_name: &'a str,
    pub(crate) labels: &'a ResolvedLabels<'a>,
    /// Offset from UTC in which timestamps are printed as dates.
    pub(crate) utc_offset_seconds: i32,
}

/// The value of `field`, or an empty string when the credential has none
/// (the row is then left out).
pub(crate) fn value(field: Field, credential: &VaccinationCredential, cx: &Context<'_>) -> String {
    let subject = &credential.credential_subject;
    let evidence = credential.vaccination();
    let ev = |f: fn(&credential::Evidence) -> String| evidence.map(f).unwrap_or_default();
    match field {
        Field::Name => subject.name.clone(),
        Field::Age => subject
            .age
            .as_ref()
            .map(|a| a.as_text())
            .unwrap_or_default(),
        Field::Dob => subject
            .dob
            .as_deref()
            .map(|d| date(d, cx))
            .unwrap_or_default(),
        Field::Gender => cx.labels.value(&subject.gender).to_owned(),
        Field::Id => subject.id.clone().unwrap_or_default(),
        Field::RefId => subject.ref_id.clone(),
        Field::Nationality => subject.nationality.clone(),
        Field::Address => subject.address.one_line(),
        Field::Vaccine => ev(|e| e.vaccine.clone()),
        Field::Manufacturer => ev(|e| e.manufacturer.clone()),
        Field::Batch => ev(|e| e.batch.clone()),
        Field::Dose => evidence.map(|e| dose(e, cx)).unwrap_or_default(),
        Field::Date => evidence.map(|e| date(&e.date, cx)).unwrap_or_default(),
        Field::ValidFrom => evidence
            .map(|e| date(&e.effective_start, cx))
            .unwrap_or_default(),
        Field::ValidUntil => evidence
            .map(|e| date(&e.effective_until, cx))
            .unwrap_or_default(),
        Field::Vaccinator => ev(|e| e.verifier.name.clone()),
        Field::Facility => ev(|e| e.facility.name.clone()),
        Field::FacilityAddress => ev(|e| e.facility.address.one_line()),
        Field::CertificateId => credential.certificate_id().unwrap_or_default().to_owned(),
        Field::Issuer => cx.issuer_name.to_owned(),
        Field::IssuanceDate => date(&credential.issuance_date, cx),
        Field::Prophylaxis => ev(|e| e.prophylaxis.clone().unwrap_or_default()),
        Field::Icd11Code => ev(|e| e.icd11_code.clone().unwrap_or_default()),
    }
}

/// "2 of 2", in the certificate's language; just the dose when the total
/// is unknown.
fn dose(evidence: &credential::Evidence, cx: &Context<'_>) -> String {
    let (dose, total) = (evidence.dose.as_text(), evidence.total_doses.as_text());
    if dose.is_empty() || total.is_empty() {
        return dose;
    }
    cx.labels
        .text("dose_value")
        .replace("{dose}", &dose)
        .replace("{total}", &total)
}

/// A credential date (`YYYY-MM-DD`) or timestamp (RFC 3339, shifted to
/// the template's offset) in the certificate's language; as written if it
/// is neither.
pub(crate) fn date(text: &str, cx: &Context<'_>) -> String {
    let text = text.trim();
    let date = if text.len() > 10 {
        text.parse::<jiff::Timestamp>().ok().and_then(|ts| {
            let offset = jiff::tz::Offset::from_seconds(cx.utc_offset_seconds).ok()?;
            Some(
                ts.to_zoned_datetime(jiff::tz::TimeZone::fixed(offset))
                    .date(),
            )
        })
    } else {
        text.parse::<jiff::civil::Date>().ok()
    };
    match date {
        Some(d) => cx.labels.date(d.year(), d.month(), d.day()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Template;

    #[test]
    fn dates_are_shifted_to_the_offset_and_localised() {
        let t = Template::bundled().unwrap();
        let en = t.labels("en");
        let cx = Context {
            issuer_name: "",
            labels: &en,
            utc_offset_seconds: 19_800,
        };
        // 19:24 UTC is past midnight in India.
        assert_eq!(date("2021-07-04T19:24:29.183Z", &cx), "05 Jul 2021");
        assert_eq!(date("2021-07-04", &cx), "04 Jul 2021");
        assert_eq!(date("sometime", &cx), "sometime");
        assert_eq!(date("", &cx), "");
        let hi = t.labels("hi");
        let cx = Context {
            issuer_name: "",
            labels: &hi,
            utc_offset_seconds: 0,
        };
        assert_eq!(date("2021-07-04T19:24:29.183Z", &cx), "04 जुलाई 2021");
    }
}
