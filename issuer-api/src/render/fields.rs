//! The text each [`Field`] prints for a credential, in the certificate's
//! language (dates with its month names, genders translated).

use super::printed::Printed;
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
pub(crate) fn value(field: Field, c: &Printed, cx: &Context<'_>) -> String {
    match field {
        Field::Name => c.name.clone(),
        Field::Age => c.age.clone(),
        Field::Dob => date(&c.dob, cx),
        Field::Gender => cx.labels.value(&c.gender).to_owned(),
        Field::Id => c.id.clone(),
        Field::RefId => c.ref_id.clone(),
        Field::Nationality => c.nationality.clone(),
        Field::Address => c.address.clone(),
        Field::Vaccine => c.vaccine.clone(),
        Field::Manufacturer => c.manufacturer.clone(),
        Field::Batch => c.batch.clone(),
        Field::Dose => dose(c, cx),
        Field::Date => date(&c.date, cx),
        Field::ValidFrom => date(&c.effective_start, cx),
        Field::ValidUntil => date(&c.effective_until, cx),
        Field::Vaccinator => c.vaccinator.clone(),
        Field::Facility => c.facility.clone(),
        Field::FacilityAddress => c.facility_address.clone(),
        Field::CertificateId => c.certificate_id.clone(),
        Field::Issuer => cx.issuer_name.to_owned(),
        Field::IssuanceDate => date(&c.issuance_date, cx),
        Field::Prophylaxis => c.prophylaxis.clone(),
        Field::Icd11Code => c.icd11_code.clone(),
    }
}

/// "2 of 2", in the certificate's language; just the dose when the total
/// is unknown.
fn dose(c: &Printed, cx: &Context<'_>) -> String {
    let (dose, total) = (c.dose.trim(), c.total_doses.trim());
    if dose.is_empty() || total.is_empty() {
        return dose.to_owned();
    }
    cx.labels
        .text("dose_value")
        .replace("{dose}", dose)
        .replace("{total}", total)
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
