//! Parse and check one certification request against the programme and
//! the calendar: everything before signing. Each failure is an
//! [`ItemError`] with its code.

use credential::{CertificationRequest, Lenient, RequestAddress, VaccineCoding};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::config::{Programme, Vaccine};
use crate::error::ErrorCode;
use crate::store::CertificateRecord;

/// Longest preEnrollmentCode accepted.
const MAX_CODE_LEN: usize = 64;
/// Oldest plausible age.
const MAX_AGE: u64 = 150;

/// Why one item of a batch was not certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ItemError {
    /// Stable code: `invalid_body`, `unknown_vaccine`, `dose_out_of_schedule`, `dose_too_soon`,
    /// `unapproved_facility`, `unknown_vaccinator`, `facility_not_in_scope`, ...
    #[schema(value_type = String)]
    pub code: ErrorCode,
    /// What was wrong, precisely.
    pub message: String,
}

impl ItemError {
    pub(super) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What became of one item.
#[derive(Debug, Clone)]
pub enum ItemOutcome {
    /// Certified now (`created`), or earlier (a retry).
    Certified {
        /// The stored certificate (boxed: it is large, and most items of a
        /// failing batch are small errors).
        record: Box<CertificateRecord>,
        /// False when the certificate existed already.
        created: bool,
    },
    /// Rejected.
    Failed(ItemError),
}

/// A request that passed every check, normalized for signing.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request, with defaults filled from the programme.
    pub request: CertificationRequest,
    /// preEnrollmentCode, trimmed.
    pub code: String,
    /// Dose number.
    pub dose: u32,
    /// Facility code.
    pub facility_code: String,
    /// Vaccination day (UTC).
    pub date: Date,
    /// Date of birth.
    pub dob: Option<String>,
    /// Phone digits.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The vaccine's coding (context v2).
    pub coding: VaccineCoding,
}

/// Digits of a phone number (`tel:+91 98765-43210` gives `919876543210`).
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Whether two phone numbers are the same line: equal digits, or the same
/// last ten digits (with or without a country code or trunk prefix).
pub fn same_phone(a: &str, b: &str) -> bool {
    let (a, b) = (phone_digits(a), phone_digits(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    a.len() >= 10 && b.len() >= 10 && a.get(a.len() - 10..) == b.get(b.len() - 10..)
}

/// The UTC day of an RFC 3339 timestamp or a `YYYY-MM-DD` date.
pub fn day_of(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date());
    }
    text.parse::<Date>().ok()
}

fn today(now_ms: i64) -> Date {
    jiff::Timestamp::from_millisecond(now_ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

fn address_is_empty(a: &RequestAddress) -> bool {
    a.address_line1.is_empty()
        && a.address_line2.is_empty()
        && a.district.is_empty()
        && a.city.is_empty()
        && a.state.is_empty()
        && a.pincode.as_text().is_empty()
}

/// Parse one batch item into a request, with the JSON path of what is wrong.
pub fn parse_item(value: Value) -> Result<CertificationRequest, ItemError> {
    serde_path_to_error::deserialize::<_, CertificationRequest>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ItemError::new(ErrorCode::InvalidBody, inner.to_string())
        } else {
            ItemError::new(ErrorCode::InvalidBody, format!("{path}: {inner}"))
        }
    })
}

/// Parse one batch item, as its JSON text, into a request, with the JSON
/// path of what is wrong. Straight from the text: no intermediate
/// `serde_json::Value` tree per item.
pub fn parse_item_json(text: &str) -> Result<CertificationRequest, ItemError> {
    // Almost every item parses: do that without tracking paths, and parse
    // again with `serde_path_to_error` only to say where an error is.
    if let Ok(request) = serde_json::from_str(text) {
        return Ok(request);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, CertificationRequest>(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // The line and column are within this item's text, which the
        // caller never sees on its own: the path says where.
        let mut message = inner.to_string();
        if inner.line() > 0
            && let Some(at) = message.rfind(" at line ")
        {
            message.truncate(at);
        }
        if path == "." {
            ItemError::new(ErrorCode::InvalidBody, message)
        } else {
            ItemError::new(ErrorCode::InvalidBody, format!("{path}: {message}"))
        }
    })
}

/// The idempotency key fields of a parsed request.
pub fn request_key(request: &CertificationRequest) -> Result<(String, u32), ItemError> {
    let code = request.pre_enrollment_code.trim().to_owned();
    if code.is_empty() {
        return Err(ItemError::new(
            ErrorCode::MissingField,
            "preEnrollmentCode is missing or empty",
        ));
    }
    if code.len() > MAX_CODE_LEN || code.chars().any(char::is_control) {
        return Err(ItemError::new(
            ErrorCode::InvalidPreEnrollmentCode,
            format!("preEnrollmentCode must be at most {MAX_CODE_LEN} printable characters"),
        ));
    }
    let dose = request
        .vaccination
        .dose
        .as_u64()
        .filter(|d| *d >= 1)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| {
            ItemError::new(
                ErrorCode::InvalidDose,
                format!(
                    "vaccination.dose must be a whole number from 1, got {:?}",
                    request.vaccination.dose.as_text()
                ),
            )
        })?;
    Ok((code, dose))
}

/// Check a request against the programme and fill in what the programme
/// knows. Does not check the dose interval (that needs history).
pub fn prepare(
    programme: &Programme,
    principal: &Principal,
    mut request: CertificationRequest,
    now: i64,
) -> Result<(Prepared, Vaccine), ItemError> {
    let (code, dose) = request_key(&request)?;
    if let Some(id) = &request.program_id
        && !id.is_empty()
        && id != &programme.id
    {
        return Err(ItemError::new(
            ErrorCode::UnknownProgramme,
            format!(
                "programId {id} is not this issuer's programme {}",
                programme.id
            ),
        ));
    }
    if request.recipient.name.trim().is_empty() {
        return Err(ItemError::new(
            ErrorCode::MissingField,
            "recipient.name is missing or empty",
        ));
    }
    // The identity becomes the subject's `id`: a relative reference would
    // take the whole subject (name, birth date...) out of the signed graph.
    let identity = request.recipient.identity.trim();
    if !identity.is_empty() && !credential::is_absolute_iri(identity) {
        return Err(ItemError::new(
            ErrorCode::InvalidIdentity,
            "recipient.identity must be an absolute IRI such as did:passport:A1234567 \
             or urn:uuid:..., or be left out",
        ));
    }
    let today = today(now);

    // Recipient: date of birth or age.
    let dob = match request.recipient.dob.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(dob) => {
            let date = dob.parse::<Date>().map_err(|_| {
                ItemError::new(
                    ErrorCode::InvalidDob,
                    format!("recipient.dob {dob:?} is not a YYYY-MM-DD date"),
                )
            })?;
            if date > today {
                return Err(ItemError::new(
                    ErrorCode::InvalidDob,
                    format!("recipient.dob {dob} is in the future"),
                ));
            }
            Some(date.to_string())
        }
    };
    match &request.recipient.age {
        Some(age) if !age.is_empty() && age.as_u64().is_none_or(|a| a > MAX_AGE) => {
            return Err(ItemError::new(
                ErrorCode::InvalidAge,
                format!(
                    "recipient.age must be a whole number of years up to {MAX_AGE}, got {:?}",
                    age.as_text()
                ),
            ));
        }
        Some(age) if !age.is_empty() => {}
        _ if dob.is_none() => {
            return Err(ItemError::new(
                ErrorCode::MissingField,
                "recipient needs dob or age",
            ));
        }
        _ => {}
    }

    // Vaccine and schedule.
    let v = &mut request.vaccination;
    let vaccine = programme.vaccine(&v.name).cloned().ok_or_else(|| {
        let known: Vec<&str> = programme.vaccines.iter().map(|v| v.name.as_str()).collect();
        ItemError::new(
            ErrorCode::UnknownVaccine,
            format!(
                "vaccination.name {:?} is not a vaccine of this programme (known: {})",
                v.name,
                known.join(", ")
            ),
        )
    })?;
    v.name = vaccine.name.clone();
    if v.manufacturer.trim().is_empty() {
        v.manufacturer = vaccine.manufacturer.clone();
    } else if !v
        .manufacturer
        .trim()
        .eq_ignore_ascii_case(vaccine.manufacturer.trim())
    {
        return Err(ItemError::new(
            ErrorCode::ManufacturerMismatch,
            format!(
                "vaccination.manufacturer {:?} does not make {} (expected {:?})",
                v.manufacturer, vaccine.name, vaccine.manufacturer
            ),
        ));
    }
    let allowed = vaccine.total_doses.saturating_add(vaccine.booster_doses);
    if dose > allowed {
        return Err(ItemError::new(
            ErrorCode::DoseOutOfSchedule,
            format!(
                "dose {dose} is beyond the schedule of {}: {} doses{}",
                vaccine.name,
                vaccine.total_doses,
                if vaccine.booster_doses > 0 {
                    format!(" and {} booster(s)", vaccine.booster_doses)
                } else {
                    String::new()
                }
            ),
        ));
    }
    if v.total_doses.is_empty() {
        v.total_doses = Lenient::from(vaccine.total_doses);
    } else if v.total_doses.as_u64() != Some(u64::from(vaccine.total_doses)) {
        return Err(ItemError::new(
            ErrorCode::TotalDosesMismatch,
            format!(
                "vaccination.totalDoses {} does not match the schedule of {} ({} doses)",
                v.total_doses.as_text(),
                vaccine.name,
                vaccine.total_doses
            ),
        ));
    }
    let date = day_of(&v.date).ok_or_else(|| {
        ItemError::new(
            ErrorCode::InvalidDate,
            format!(
                "vaccination.date {:?} is not an RFC 3339 date-time or YYYY-MM-DD date",
                v.date
            ),
        )
    })?;
    // One day of slack for time zones east of UTC.
    if days_between(today, date) > 1 {
        return Err(ItemError::new(
            ErrorCode::DateInFuture,
            format!("vaccination.date {} is in the future", v.date),
        ));
    }
    if dob
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .is_some_and(|birth| date < birth)
    {
        return Err(ItemError::new(
            ErrorCode::InvalidDate,
            "vaccination.date is before recipient.dob",
        ));
    }
    if v.effective_start.trim().is_empty() {
        v.effective_start = date.to_string();
    } else if day_of(&v.effective_start).is_none() {
        return Err(ItemError::new(
            ErrorCode::InvalidDate,
            format!(
                "vaccination.effectiveStart {:?} is not a date",
                v.effective_start
            ),
        ));
    }
    if v.effective_until.trim().is_empty() {
        if let Some(days) = vaccine.validity_days
            && let Ok(until) = date.checked_add(jiff::Span::new().days(i64::from(days)))
        {
            v.effective_until = until.to_string();
        }
    } else if day_of(&v.effective_until).is_none() {
        return Err(ItemError::new(
            ErrorCode::InvalidDate,
            format!(
                "vaccination.effectiveUntil {:?} is not a date",
                v.effective_until
            ),
        ));
    }

    // Facility: by code if given, else by name.
    let f = &mut request.facility;
    let facility = match f.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => {
            let facility = programme.facility_by_code(code).ok_or_else(|| {
                ItemError::new(
                    ErrorCode::UnapprovedFacility,
                    format!("facility.id {code:?} is not an approved facility"),
                )
            })?;
            if !f.name.trim().is_empty()
                && !f.name.trim().eq_ignore_ascii_case(facility.name.trim())
            {
                return Err(ItemError::new(
                    ErrorCode::FacilityMismatch,
                    format!(
                        "facility.name {:?} is not the name of facility {code} ({:?})",
                        f.name, facility.name
                    ),
                ));
            }
            facility
        }
        None => programme.facility_by_name(&f.name).ok_or_else(|| {
            ItemError::new(
                ErrorCode::UnapprovedFacility,
                format!("facility.name {:?} is not an approved facility", f.name),
            )
        })?,
    };
    f.id = Some(facility.code.clone());
    f.name = facility.name.clone();
    if address_is_empty(&f.address) {
        let a = &facility.address;
        f.address = RequestAddress {
            address_line1: a.address_line1.clone(),
            address_line2: a.address_line2.clone(),
            district: a.district.clone(),
            city: a.city.clone(),
            state: a.state.clone(),
            pincode: Lenient::from(a.pincode.clone()),
            country: a.country.clone(),
        };
    }
    if !principal.may_certify_at(&facility.code) {
        return Err(ItemError::new(
            ErrorCode::FacilityNotInScope,
            format!("this token may not certify for facility {}", facility.code),
        ));
    }

    // Vaccinator: by id if given, else by name at this facility.
    let vr = &mut request.vaccinator;
    let vaccinator = match vr.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => programme.vaccinator_by_id(id).ok_or_else(|| {
            ItemError::new(
                ErrorCode::UnknownVaccinator,
                format!("vaccinator.id {id:?} is not a trained vaccinator"),
            )
        })?,
        None => {
            let mut named = programme.vaccinators_by_name(&vr.name).peekable();
            if named.peek().is_none() {
                return Err(ItemError::new(
                    ErrorCode::UnknownVaccinator,
                    format!("vaccinator.name {:?} is not a trained vaccinator", vr.name),
                ));
            }
            named.find(|v| v.facility == facility.code).ok_or_else(|| {
                ItemError::new(
                    ErrorCode::VaccinatorNotAtFacility,
                    format!(
                        "vaccinator {:?} is not registered at facility {}",
                        vr.name, facility.code
                    ),
                )
            })?
        }
    };
    if vaccinator.facility != facility.code {
        return Err(ItemError::new(
            ErrorCode::VaccinatorNotAtFacility,
            format!(
                "vaccinator {} is registered at facility {}, not {}",
                vaccinator.id, vaccinator.facility, facility.code
            ),
        ));
    }
    vr.id = Some(vaccinator.id.clone());
    if vr.name.trim().is_empty() {
        vr.name = vaccinator.name.clone();
    }

    let phone = request.phone().map(phone_digits).filter(|p| !p.is_empty());
    let email = request.email().map(str::to_owned).filter(|e| !e.is_empty());
    request.pre_enrollment_code = code.clone();
    Ok((
        Prepared {
            code,
            dose,
            facility_code: facility.code.clone(),
            date,
            dob,
            phone,
            email,
            coding: VaccineCoding {
                icd11_code: vaccine.icd11_code.clone(),
                prophylaxis: vaccine.prophylaxis.clone(),
            },
            request,
        },
        vaccine,
    ))
}

/// Check the minimum interval since the previous dose, when it is known.
pub fn check_interval(
    prepared: &Prepared,
    vaccine: &Vaccine,
    previous: Option<Date>,
) -> Result<(), ItemError> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let days = days_between(previous, prepared.date);
    if days < i64::from(vaccine.min_interval_days) {
        return Err(ItemError::new(
            ErrorCode::DoseTooSoon,
            format!(
                "dose {} on {} is {days} days after dose {} on {previous}; {} needs at least {} days between doses",
                prepared.dose,
                prepared.date,
                prepared.dose - 1,
                vaccine.name,
                vaccine.min_interval_days
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_match_with_or_without_country_code() {
        assert!(same_phone("+91 98765 43210", "9876543210"));
        assert!(same_phone("09876543210", "9876543210"));
        assert!(!same_phone("9876543211", "9876543210"));
        assert!(!same_phone("", ""));
        assert!(!same_phone("123", "0123"));
    }

    #[test]
    fn days_parse_from_timestamps_and_dates() {
        assert_eq!(
            day_of("2021-04-30T23:30:00-02:00").unwrap().to_string(),
            "2021-05-01"
        );
        assert_eq!(day_of("2021-04-30").unwrap().to_string(), "2021-04-30");
        assert!(day_of("30/04/2021").is_none());
    }
}
