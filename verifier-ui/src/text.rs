//! The words for the engine's codes: statuses, their one-line summaries and
//! every reason code, in the reader's language. A reason code this app does
//! not know yet (a newer engine) falls back to the engine's English message.

use crate::i18n::*;
use crate::verdict::{Reason, Status};

/// The status in one or two words ("Valid", "Revoked").
pub fn status(locale: Locale, status: Status) -> &'static str {
    match status {
        Status::Valid => td_string!(locale, status.valid),
        Status::Invalid => td_string!(locale, status.invalid),
        Status::Revoked => td_string!(locale, status.revoked),
        Status::Suspended => td_string!(locale, status.suspended),
        Status::UnknownIssuer => td_string!(locale, status.unknown_issuer),
        Status::Expired => td_string!(locale, status.expired),
        Status::NotYetValid => td_string!(locale, status.not_yet_valid),
        Status::NotACertificate => td_string!(locale, status.not_a_certificate),
    }
}

/// What the status means for the reader, in one sentence.
pub fn summary(locale: Locale, status: Status) -> &'static str {
    match status {
        Status::Valid => td_string!(locale, summary.valid),
        Status::Invalid => td_string!(locale, summary.invalid),
        Status::Revoked => td_string!(locale, summary.revoked),
        Status::Suspended => td_string!(locale, summary.suspended),
        Status::UnknownIssuer => td_string!(locale, summary.unknown_issuer),
        Status::Expired => td_string!(locale, summary.expired),
        Status::NotYetValid => td_string!(locale, summary.not_yet_valid),
        Status::NotACertificate => td_string!(locale, summary.not_a_certificate),
    }
}

/// The reason code in plain language, if this app knows it.
pub fn reason_code(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        "payload_unrecognized" => td_string!(locale, reason.payload_unrecognized),
        "payload_zip_invalid" => td_string!(locale, reason.payload_zip_invalid),
        "payload_too_large" => td_string!(locale, reason.payload_too_large),
        "payload_unsupported_format" => td_string!(locale, reason.payload_unsupported_format),
        "payload_not_json" => td_string!(locale, reason.payload_not_json),
        "not_a_credential" => td_string!(locale, reason.not_a_credential),
        "proof_missing" => td_string!(locale, reason.proof_missing),
        "proof_malformed" => td_string!(locale, reason.proof_malformed),
        "proof_suite_unsupported" => td_string!(locale, reason.proof_suite_unsupported),
        "undefined_term" => td_string!(locale, reason.undefined_term),
        "json_ld_invalid" => td_string!(locale, reason.json_ld_invalid),
        "context_untrusted" => td_string!(locale, reason.context_untrusted),
        "data_not_signed" => td_string!(locale, reason.data_not_signed),
        "content_ambiguous" => td_string!(locale, reason.content_ambiguous),
        "signature_invalid" => td_string!(locale, reason.signature_invalid),
        "key_algorithm_mismatch" => td_string!(locale, reason.key_algorithm_mismatch),
        "key_unknown" => td_string!(locale, reason.key_unknown),
        "issuer_mismatch" => td_string!(locale, reason.issuer_mismatch),
        "key_not_yet_valid" => td_string!(locale, reason.key_not_yet_valid),
        "key_expired" => td_string!(locale, reason.key_expired),
        "key_compromised" => td_string!(locale, reason.key_compromised),
        "date_invalid" => td_string!(locale, reason.date_invalid),
        "expired" => td_string!(locale, reason.expired),
        "not_yet_valid" => td_string!(locale, reason.not_yet_valid),
        "revoked" => td_string!(locale, reason.revoked),
        "suspended" => td_string!(locale, reason.suspended),
        "revocation_unknown" => td_string!(locale, reason.revocation_unknown),
        "certificate_id_missing" => td_string!(locale, reason.certificate_id_missing),
        "revocation_list_stale" => td_string!(locale, reason.revocation_list_stale),
        "trust_list_stale" => td_string!(locale, reason.trust_list_stale),
        _ => return None,
    })
}

/// A reason in plain language: translated when the code is known, the
/// engine's English message otherwise.
pub fn reason(locale: Locale, reason: &Reason) -> String {
    reason_code(locale, &reason.code)
        .map(str::to_owned)
        .unwrap_or_else(|| reason.message.clone())
}
