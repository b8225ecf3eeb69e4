//! The VC 2.0 profile's revocation status: each certificate gets a W3C
//! Bitstring Status List entry on the key registry's lists for this issuer,
//! so that a revocation lands in the registry's exact compact status-list
//! set (about 13 bits per revoked certificate at 1 million revoked of
//! 2 billion) instead of the hashed set for ids such as
//! `3YD1-W548-JND0-NXXR` (about 47 bits each).
//!
//! # Allocation
//!
//! Positions are numbered densely from 0 per `status_list_base`, by a
//! counter row in the database (`status_list_counters`). Before a batch is
//! signed, one transaction of its own reserves a block of consecutive
//! positions (`UPDATE … RETURNING`, which PostgreSQL serializes on the
//! row), so instances sharing a database never hand out a position twice;
//! a batch that fails after its reservation leaves a harmless gap (those
//! bits stay 0 for ever). Position `p` is entry `p % size` of list
//! `p / size`, whose URL is the base followed by the list's number:
//! `<base>0`, `<base>1`, … (names the registry accepts: digits). A unique
//! index on (list, index) in `certificates` is the last guard.
//!
//! The list size may change between batches: the counter then moves on to
//! the first list no entry of the old size touched, so an entry is never
//! handed out twice whatever the history of sizes.

use credential::StatusEntry;
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::{CredentialFormat, CredentialProfile, SuiteChoice};
use crate::error::Error;
use crate::store::{CertificateRecord, Store};

/// Most entries a status list holds: 2^24, the key registry's limit
/// (`MAX_STATUS_LIST_LEN` in `key-registry/src/registry/revocations.rs`,
/// which refuses an event with a larger index; the two services share no
/// code, so the system tests check the two agree).
pub const MAX_LIST_SIZE: u32 = 1 << 24;

/// Fewest entries a status list holds: the W3C Bitstring Status List
/// minimum (131,072), which keeps a verifier's fetch of one list from
/// telling much about which certificate it checks.
pub const MIN_LIST_SIZE: u32 = 131_072;

/// Longest `status_list_base`: the registry takes status-list URLs of up
/// to 512 characters, and the list's number follows the base.
const MAX_BASE_LEN: usize = 480;

/// Where a programme's certificates get their status entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLists {
    /// The registry's status-list URL prefix for this issuer, ending in `/`.
    pub base: String,
    /// Entries per list.
    pub size: u32,
}

impl StatusLists {
    /// The status lists of a profile: `Some` for format `vc2` (whose check
    /// requires a base), `None` for DIVOC credentials, which carry no status
    /// entry.
    pub fn of(profile: &CredentialProfile) -> Option<Self> {
        match profile.format {
            CredentialFormat::Divoc => None,
            CredentialFormat::Vc2 => Some(Self {
                base: profile.status_list_base.clone()?,
                size: profile.status_list_size.unwrap_or(MAX_LIST_SIZE),
            }),
        }
    }

    /// The entry at a position (`None` for a negative one).
    pub fn entry(&self, position: i64) -> Option<StatusEntry> {
        let position = u64::try_from(position).ok()?;
        let size = u64::from(self.size.max(1));
        Some(StatusEntry {
            list: format!("{}{}", self.base, position / size),
            index: position % size,
        })
    }

    /// Reserve `count` consecutive entries, durably, in a transaction of
    /// their own (see the module docs).
    pub async fn allocate(&self, store: &Store, count: usize) -> Result<Vec<StatusEntry>, Error> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let n = i64::try_from(count)
            .map_err(|_| Error::Task(format!("cannot reserve {count} status entries")))?;
        let first = store
            .reserve_status_positions(&self.base, i64::from(self.size), n)
            .await?;
        (first..first.saturating_add(n))
            .map(|p| {
                self.entry(p)
                    .ok_or_else(|| Error::Corrupt(format!("status-list position {p}")))
            })
            .collect()
    }
}

/// The status entries for `count` certificates about to be signed under
/// `profile`: reserved for `vc2`, none (and no database work) for DIVOC.
pub async fn allocate(
    store: &Store,
    profile: &CredentialProfile,
    count: usize,
) -> Result<Vec<Option<StatusEntry>>, Error> {
    match StatusLists::of(profile) {
        None => Ok(vec![None; count]),
        Some(lists) => Ok(lists
            .allocate(store, count)
            .await?
            .into_iter()
            .map(Some)
            .collect()),
    }
}

/// A stored certificate's status entry, when it has one.
pub fn entry_of(record: &CertificateRecord) -> Option<StatusEntry> {
    match (&record.status_list, record.status_index) {
        (Some(list), Some(index)) => Some(StatusEntry {
            list: list.clone(),
            index: u64::try_from(index).ok()?,
        }),
        _ => None,
    }
}

/// A certificate's W3C status entry as the API and the key registry's
/// status events name it (`credential_status`), exactly as the
/// certificate's `credentialStatus` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusRef {
    /// `statusListCredential`: the list's URL.
    #[schema(example = "https://registry.example.org/v1/status-lists/moh/0")]
    pub status_list: String,
    /// `statusListIndex`: the certificate's bit in the list.
    pub status_index: u64,
}

/// The status entry of a stored certificate, when it carries one.
pub fn status_ref(record: &CertificateRecord) -> Option<StatusRef> {
    entry_of(record).map(|e| StatusRef {
        status_list: e.list,
        status_index: e.index,
    })
}

/// Check the credential profile: format, suite and status lists agree.
///
/// # Errors
///
/// A message naming the setting and what it must be.
pub fn check_profile(profile: &CredentialProfile) -> Result<(), String> {
    match profile.format {
        CredentialFormat::Divoc => {
            for (set, name) in [
                (profile.status_list_base.is_some(), "status_list_base"),
                (profile.status_list_size.is_some(), "status_list_size"),
            ] {
                if set {
                    return Err(format!(
                        "programme.profile.{name} applies to format \"vc2\" only: \
                         DIVOC credentials carry no status-list entry"
                    ));
                }
            }
            Ok(())
        }
        CredentialFormat::Vc2 => {
            if profile.suite != SuiteChoice::EddsaRdfc2022 {
                return Err(
                    "programme.profile.format \"vc2\" (W3C VC 2.0) is signed with \
                     eddsa-rdfc-2022: set programme.profile.suite = \"eddsa-rdfc-2022\" \
                     (Ed25519Signature2018 is DIVOC's VC 1.1 suite)"
                        .to_owned(),
                );
            }
            let Some(base) = &profile.status_list_base else {
                return Err(
                    "programme.profile.format \"vc2\" needs programme.profile.status_list_base: \
                     the key registry's status-list URL for this issuer (status_list_base in \
                     the registry's answer for the issuer), e.g. \
                     \"https://registry.example.org/v1/status-lists/moh/\""
                        .to_owned(),
                );
            };
            check_base(base)?;
            if let Some(size) = profile.status_list_size
                && !(MIN_LIST_SIZE..=MAX_LIST_SIZE).contains(&size)
            {
                return Err(format!(
                    "programme.profile.status_list_size {size} is outside \
                     {MIN_LIST_SIZE}..={MAX_LIST_SIZE} (the W3C minimum to the key registry's \
                     maximum, 2^24)"
                ));
            }
            Ok(())
        }
    }
}

/// A status-list base: an absolute http(s) URL ending in `/`, with no
/// query, fragment, credentials, spaces or control characters. It is not
/// normalized: the registry compares the URLs events name with its own
/// exactly, so the base is used as the registry gave it.
fn check_base(base: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "programme.profile.status_list_base {base:?} {why} (e.g. \
             \"https://registry.example.org/v1/status-lists/moh/\")"
        ))
    };
    if base.len() > MAX_BASE_LEN {
        return bad(&format!("is longer than {MAX_BASE_LEN} characters"));
    }
    if base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("holds spaces or control characters");
    }
    let Ok(url) = reqwest::Url::parse(base) else {
        return bad("is not an absolute URL");
    };
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return bad("is not an http(s) URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("has a query or fragment; it is a path prefix");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("carries credentials");
    }
    if !base.ends_with('/') {
        return bad("does not end in '/': a list's number follows it");
    }
    if !credential::is_absolute_iri(base) {
        return bad("is not an absolute IRI");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc2(base: Option<&str>) -> CredentialProfile {
        CredentialProfile {
            format: CredentialFormat::Vc2,
            suite: SuiteChoice::EddsaRdfc2022,
            status_list_base: base.map(str::to_owned),
            ..CredentialProfile::default()
        }
    }

    const BASE: &str = "https://registry.example.org/v1/status-lists/moh/";

    #[test]
    fn a_vc2_profile_with_a_base_is_accepted() {
        assert_eq!(check_profile(&vc2(Some(BASE))), Ok(()));
        assert_eq!(check_profile(&CredentialProfile::default()), Ok(()));
        let lists = StatusLists::of(&vc2(Some(BASE))).unwrap();
        assert_eq!(lists.size, MAX_LIST_SIZE);
        assert_eq!(StatusLists::of(&CredentialProfile::default()), None);
    }

    #[test]
    fn positions_map_to_lists_and_indices() {
        let lists = StatusLists {
            base: BASE.into(),
            size: MIN_LIST_SIZE,
        };
        let at = |p| lists.entry(p).unwrap();
        assert_eq!(at(0).list, format!("{BASE}0"));
        assert_eq!(at(0).index, 0);
        assert_eq!(at(131_071).list, format!("{BASE}0"));
        assert_eq!(at(131_071).index, 131_071);
        assert_eq!(at(131_072).list, format!("{BASE}1"));
        assert_eq!(at(131_072).index, 0);
        assert_eq!(at(2_000_000_000).list, format!("{BASE}15258"));
        assert_eq!(at(2_000_000_000).index, 2_000_000_000 % 131_072);
        assert_eq!(lists.entry(-1), None);
    }

    #[test]
    fn the_other_suite_is_refused_with_vc2() {
        let mut p = vc2(Some(BASE));
        p.suite = SuiteChoice::Ed25519Signature2018;
        let err = check_profile(&p).unwrap_err();
        assert!(err.contains("suite = \"eddsa-rdfc-2022\""), "{err}");
    }

    #[test]
    fn vc2_needs_a_base() {
        let err = check_profile(&vc2(None)).unwrap_err();
        assert!(
            err.contains("needs programme.profile.status_list_base"),
            "{err}"
        );
    }

    #[test]
    fn status_settings_are_refused_with_divoc() {
        let p = CredentialProfile {
            status_list_base: Some(BASE.into()),
            ..CredentialProfile::default()
        };
        assert!(
            check_profile(&p)
                .unwrap_err()
                .contains("format \"vc2\" only")
        );
        let p = CredentialProfile {
            status_list_size: Some(MIN_LIST_SIZE),
            ..CredentialProfile::default()
        };
        assert!(check_profile(&p).unwrap_err().contains("status_list_size"));
    }

    #[test]
    fn bad_bases_are_refused_with_the_reason() {
        for (base, why) in [
            ("status-lists/moh/", "not an absolute URL"),
            ("/v1/status-lists/moh/", "not an absolute URL"),
            ("ftp://registry.example.org/lists/", "not an http(s) URL"),
            ("urn:x:lists/", "not an http(s) URL"),
            (
                "https://registry.example.org/v1/status-lists/moh",
                "end in '/'",
            ),
            (
                "https://registry.example.org/lists/?x=1",
                "query or fragment",
            ),
            ("https://registry.example.org/lists/#x", "query or fragment"),
            ("https://u:p@registry.example.org/lists/", "credentials"),
            ("https://registry.example.org/my lists/", "spaces"),
            (" https://registry.example.org/lists/", "spaces"),
            (
                "https://registry.example.org/lists/\u{7f}",
                "control characters",
            ),
        ] {
            let err = check_profile(&vc2(Some(base))).unwrap_err();
            assert!(err.contains(why), "{base}: {err}");
            assert!(err.contains("status_list_base"), "{base}: {err}");
        }
        let long = format!("https://registry.example.org/{}/", "a".repeat(500));
        assert!(
            check_profile(&vc2(Some(&long)))
                .unwrap_err()
                .contains("longer")
        );
        // As a registry configured with a port or capitals gives it.
        for base in [
            "https://registry.example.org:443/v1/status-lists/moh/",
            "http://127.0.0.1:8081/v1/status-lists/moh/",
            "https://Registry.example.org/v1/status-lists/moh/",
        ] {
            assert_eq!(check_profile(&vc2(Some(base))), Ok(()), "{base}");
        }
    }

    #[test]
    fn list_sizes_outside_the_range_are_refused() {
        for size in [0, 1, MIN_LIST_SIZE - 1, MAX_LIST_SIZE + 1, u32::MAX] {
            let mut p = vc2(Some(BASE));
            p.status_list_size = Some(size);
            let err = check_profile(&p).unwrap_err();
            assert!(err.contains(&size.to_string()), "{err}");
        }
        for size in [MIN_LIST_SIZE, MAX_LIST_SIZE] {
            let mut p = vc2(Some(BASE));
            p.status_list_size = Some(size);
            assert_eq!(check_profile(&p), Ok(()));
        }
    }
}
