//! What a verified credential says, read from the signed RDF graph.
//!
//! # Why from the graph
//!
//! The RDF suites (`Ed25519Signature2018`, `RsaSignature2018`,
//! `eddsa-rdfc-2022`) sign the credential's graph, not its JSON. Any
//! rewrite of the JSON that keeps the graph keeps the signature: a value
//! written as `["123"]` or `{"@value": "123"}`, `evidence` as an object
//! instead of a one-element array, a node reference instead of the node, keys
//! in another order, `@id` for `id`. A verifier that reads the JSON after
//! checking the signature can therefore be made to look up the wrong
//! certificate id, skip an expiry, or show values nobody signed. Here every
//! value comes from the graph the signature was checked over, so every JSON
//! form of one graph reads the same. The JSON-LD processor's safe mode
//! (`jsonld/expand.rs`) refuses, before that, everything that would not reach
//! the graph (relative ids, `null`s, undefined types, inline contexts), so
//! nothing displayed can come from outside it.
//!
//! Where the graph holds several values for what must be one (two issuers,
//! two names, two vaccination events), the credential is refused with
//! [`ViewError::Ambiguous`] rather than one of them picked.
//!
//! # Values that share an IRI
//!
//! DIVOC's vaccination contexts (v1 and v2) map several keys of one node to
//! one IRI (quoted from the contexts):
//!
//! ```text
//! "certificateId": "schema:id", "batch": "schema:id", "vaccine": "schema:id",
//! "manufacturer": "schema:id", "icd11Code": "schema:id",            (Vaccination)
//! "date": "schema:date", "effectiveStart": "schema:date", "effectiveUntil": "schema:date",
//! "dose": "schema:doseValue", "totalDoses": "schema:doseValue",
//! "feedbackUrl": "schema:url", "infoUrl": "schema:url",
//! "refId": "schema:id", "uhid": "schema:id"                         (Person)
//! ```
//!
//! The signature binds the *set* of values under each IRI, not which key
//! held which: swapping `certificateId` with `batch`, or `dose` with
//! `totalDoses`, keeps it (DIVOC's own verifier still says "verified").
//! So, for those contexts:
//!
//! - **certificate id**: every `schema:id` value of the vaccination is a
//!   candidate ([`VaccinationView::identifiers`]); a revocation check looks up
//!   all of them, and any revoked means revoked.
//! - **dose n of m**: the signed `schema:doseValue` numbers come out as
//!   (smaller, larger), never "2 of 1"; a single value `d` (the issuer wrote
//!   equal numbers, which the graph merges) reads `d of d`: DIVOC issuers
//!   always write both.
//! - **dates**: the vaccination date is the one date-time among the
//!   `schema:date` values (DIVOC writes `date` as a date-time and
//!   `effectiveStart`/`effectiveUntil` as plain dates); the plain dates are
//!   the protection period, earlier then later. When the forms do not tell
//!   them apart, the earliest value is shown as the date and the field is
//!   listed in [`VaccinationView::unbound`].
//! - **vaccine, manufacturer, batch, certificate id, ICD-11 code**: nothing
//!   in the graph tells them apart. The view shows the JSON's assignment only
//!   where each value it names is one of the signed values, and lists those
//!   fields in [`VaccinationView::unbound`]: a verifier shows them as the
//!   issuer's values without claiming which is which, and decides nothing
//!   on them except through the whole set.
//!
//! The issuer's own VC 2.0 profile (`model/health.rs`) gives every field
//! its own IRI: there, everything is bound.
//!
//! Bound in DIVOC's contexts, because one key alone maps to the IRI in its node: the holder's
//! `name` (`schema:name`), `dob` (`schema:date`, v2), `age`
//! (`schema:Number`), `gender`, `nationality`; the vaccinator's and
//! facility's `name`; the credential's `issuer`, `issuanceDate`,
//! `expirationDate`, `validFrom`, `validUntil`, `credentialStatus`.

mod divoc;
mod healthcerts;

use std::collections::BTreeSet;

use thiserror::Error;

use crate::rdf::{Graph, Literal, NodeRef, Object};
use crate::revocation::StatusEntry;

/// The W3C credentials vocabulary (VC 1.1 and 2.0 map their terms here).
const CRED: &str = "https://www.w3.org/2018/credentials#";
/// The Bitstring Status List vocabulary.
const STATUS: &str = "https://www.w3.org/ns/credentials/status#";
/// schema.org.
const SCHEMA: &str = "https://schema.org/";

/// Why a verified graph cannot be read as one credential.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ViewError {
    /// No node of the graph is a `VerifiableCredential`.
    #[error("the signed data holds no verifiable credential")]
    NoCredential,
    /// Several values where the credential must say one thing.
    #[error("the signed data holds {count} values for {field}, where one is expected")]
    Ambiguous {
        /// The field, in the credential's JSON terms.
        field: &'static str,
        /// How many values the graph holds.
        count: usize,
    },
    /// A value of the wrong kind (a literal where a node belongs, or the
    /// reverse; a blank node where an IRI belongs).
    #[error("{field} is not {expected}")]
    WrongKind {
        /// The field, in the credential's JSON terms.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// A field every credential needs is missing.
    #[error("the signed data has no {field}")]
    Missing {
        /// The field, in the credential's JSON terms.
        field: &'static str,
    },
}

/// The vocabulary a credential's graph uses, as far as the view knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// DIVOC's `ProofOfVaccinationCredential` (vaccination context v1 or v2:
    /// they map their terms to the same IRIs, v2 adds a few).
    Divoc,
    /// The issuer's own VC 2.0 vaccination profile: every field bound.
    Healthcerts,
    /// Any other credential: issuer, dates and status are read; no
    /// vaccination fields.
    Other,
}

/// A signed field of the vaccination record whose role the signature does
/// not bind (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The vaccine's name.
    Vaccine,
    /// The vaccine's manufacturer.
    Manufacturer,
    /// The batch (lot) number.
    Batch,
    /// The certificate id.
    CertificateId,
    /// The ICD-11 code.
    Icd11Code,
    /// The vaccination date.
    Date,
    /// The dose number and the doses in the schedule.
    Doses,
}

impl Field {
    /// The field's name, as the verdict's display fields spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vaccine => "vaccine",
            Self::Manufacturer => "manufacturer",
            Self::Batch => "batch",
            Self::CertificateId => "certificate_id",
            Self::Icd11Code => "icd11_code",
            Self::Date => "date",
            Self::Doses => "dose",
        }
    }
}

/// The credential subject: who the certificate is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubjectView {
    /// The subject's own id (an IRI: the identity document, e.g.
    /// `did:in.gov.uidai.aadhaar:1234`), when it has one.
    pub id: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Date of birth, as written (`YYYY-MM-DD` in DIVOC v2).
    pub birth_date: Option<String>,
    /// Age in years, as written.
    pub age: Option<String>,
    /// Gender, as written.
    pub gender: Option<String>,
    /// Nationality, as written.
    pub nationality: Option<String>,
}

/// The vaccination record of a vaccination credential.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VaccinationView {
    /// The vaccine's name (see [`VaccinationView::unbound`]).
    pub vaccine: Option<String>,
    /// The manufacturer (see [`VaccinationView::unbound`]).
    pub manufacturer: Option<String>,
    /// The batch number (see [`VaccinationView::unbound`]).
    pub batch: Option<String>,
    /// The certificate id (see [`VaccinationView::unbound`]).
    pub certificate_id: Option<String>,
    /// The ICD-11 code of the vaccine (see [`VaccinationView::unbound`]).
    pub icd11_code: Option<String>,
    /// Every signed identifier of the record, sorted: all values that could
    /// be the certificate id. A revocation check looks up each.
    pub identifiers: Vec<String>,
    /// When the dose was given (see [`VaccinationView::unbound`]).
    pub date: Option<String>,
    /// Every signed date of the record, sorted. In DIVOC's contexts the
    /// vaccination date and the protection period share one IRI; when their
    /// forms do not tell them apart ([`Field::Date`] unbound), a decision on
    /// the date must hold for each of these.
    pub dates: Vec<String>,
    /// First day of protection, as the issuer states it (information, not
    /// the certificate's validity).
    pub effective_start: Option<String>,
    /// Last day of protection, as the issuer states it (information, not
    /// the certificate's validity: DIVOC uses it for "next dose due").
    pub effective_until: Option<String>,
    /// Which dose.
    pub dose: Option<String>,
    /// Doses in the schedule.
    pub total_doses: Option<String>,
    /// The prophylaxis (DIVOC v2).
    pub prophylaxis: Option<String>,
    /// The vaccinator's name.
    pub vaccinator: Option<String>,
    /// The facility's name.
    pub facility: Option<String>,
    /// The facility's address, on one line.
    pub facility_address: Option<String>,
    /// Fields whose role among values sharing one IRI the signature does not
    /// bind: show them as the issuer's values, decide nothing on them.
    pub unbound: Vec<Field>,
}

/// What a verified credential says, read from its signed graph. Made by
/// [`Verified::credential`](crate::Verified::credential).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialView {
    /// The vocabulary the credential uses.
    pub profile: Profile,
    /// The issuer (an IRI: a URL or a DID).
    pub issuer: String,
    /// The credential's own id, when it has one.
    pub id: Option<String>,
    /// `issuanceDate` (VC 1.1), as written.
    pub issuance_date: Option<String>,
    /// `validFrom` (VC 2.0), as written.
    pub valid_from: Option<String>,
    /// `expirationDate` (VC 1.1), as written.
    pub expiration_date: Option<String>,
    /// `validUntil` (VC 2.0), as written.
    pub valid_until: Option<String>,
    /// Bitstring Status List entries (`credentialStatus`).
    pub status: Vec<StatusEntry>,
    /// The subject, when the credential has exactly one.
    pub subject: Option<SubjectView>,
    /// The vaccination record, for vaccination credentials.
    pub vaccination: Option<VaccinationView>,
}

impl CredentialView {
    /// Every id a revocation list may name this certificate by: the
    /// vaccination's identifiers, else the credential's own id.
    pub fn certificate_ids(&self) -> Vec<&str> {
        match &self.vaccination {
            Some(v) if !v.identifiers.is_empty() => {
                v.identifiers.iter().map(String::as_str).collect()
            }
            _ => self.id.iter().map(String::as_str).collect(),
        }
    }

    /// Reads the credential from its signed graph. `document` is the JSON
    /// that was verified; it is consulted only to label values the graph
    /// cannot tell apart (see the module docs), never for a value.
    pub(crate) fn read(graph: &Graph, document: &serde_json::Value) -> Result<Self, ViewError> {
        let reader = Reader { graph };
        let credential_type = format!("{CRED}VerifiableCredential");
        let credential = match reader.graph.instances(&credential_type).collect::<Vec<_>>()[..] {
            [] => return Err(ViewError::NoCredential),
            [one] => one,
            ref several => {
                return Err(ViewError::Ambiguous {
                    field: "VerifiableCredential",
                    count: several.len(),
                });
            }
        };
        let issuer = match reader.one(credential, &format!("{CRED}issuer"), "issuer")? {
            Some(Object::Node(NodeRef::Iri(iri))) => iri.clone(),
            Some(_) => {
                return Err(ViewError::WrongKind {
                    field: "issuer",
                    expected: "an IRI",
                });
            }
            None => return Err(ViewError::Missing { field: "issuer" }),
        };
        let id = match credential {
            NodeRef::Iri(iri) => Some(iri.clone()),
            NodeRef::Blank(_) => None,
        };
        let date = |name: &'static str| reader.text(credential, &format!("{CRED}{name}"), name);
        let mut view = Self {
            profile: Profile::Other,
            issuer,
            id,
            issuance_date: date("issuanceDate")?,
            valid_from: date("validFrom")?,
            expiration_date: date("expirationDate")?,
            valid_until: date("validUntil")?,
            status: reader.status_entries(credential)?,
            subject: None,
            vaccination: None,
        };
        let subjects: Vec<&NodeRef> = reader
            .nodes(
                credential,
                &format!("{CRED}credentialSubject"),
                "credentialSubject",
            )?
            .collect();
        if let Some(divoc) = divoc::read(&reader, credential, &subjects, document)? {
            view.profile = divoc.profile;
            view.subject = Some(divoc.subject);
            view.vaccination = Some(divoc.vaccination);
        } else if let Some(own) = healthcerts::read(&reader, credential, &subjects)? {
            view.profile = own.profile;
            view.subject = Some(own.subject);
            view.vaccination = Some(own.vaccination);
        } else if let [subject] = subjects[..] {
            view.subject = Some(SubjectView {
                id: iri_of(subject),
                name: reader.text(subject, &format!("{SCHEMA}name"), "credentialSubject.name")?,
                birth_date: reader.text(
                    subject,
                    &format!("{SCHEMA}birthDate"),
                    "credentialSubject.birthDate",
                )?,
                ..SubjectView::default()
            });
        }
        Ok(view)
    }
}

/// A node's IRI (`None` for a blank node).
fn iri_of(node: &NodeRef) -> Option<String> {
    match node {
        NodeRef::Iri(iri) => Some(iri.clone()),
        NodeRef::Blank(_) => None,
    }
}

/// Checked reads of one graph.
struct Reader<'g> {
    graph: &'g Graph,
}

impl<'g> Reader<'g> {
    /// The one value of `predicate`, if any; several are an error.
    fn one(
        &self,
        subject: &NodeRef,
        predicate: &str,
        field: &'static str,
    ) -> Result<Option<&'g Object>, ViewError> {
        let mut objects = self.graph.objects(subject, predicate);
        let first = objects.next();
        let rest = objects.count();
        if rest > 0 {
            return Err(ViewError::Ambiguous {
                field,
                count: rest + 1,
            });
        }
        Ok(first)
    }

    /// The one literal value of `predicate`, as written, if any.
    fn text(
        &self,
        subject: &NodeRef,
        predicate: &str,
        field: &'static str,
    ) -> Result<Option<String>, ViewError> {
        match self.one(subject, predicate, field)? {
            None => Ok(None),
            Some(Object::Literal(literal)) => Ok(Some(literal.value.clone())),
            Some(Object::Node(_)) => Err(ViewError::WrongKind {
                field,
                expected: "a value",
            }),
        }
    }

    /// The one node value of `predicate`, if any.
    fn node(
        &self,
        subject: &NodeRef,
        predicate: &str,
        field: &'static str,
    ) -> Result<Option<&'g NodeRef>, ViewError> {
        match self.one(subject, predicate, field)? {
            None => Ok(None),
            Some(Object::Node(node)) => Ok(Some(node)),
            Some(Object::Literal(_)) => Err(ViewError::WrongKind {
                field,
                expected: "a node",
            }),
        }
    }

    /// Every node value of `predicate`; a literal among them is an error.
    fn nodes(
        &self,
        subject: &NodeRef,
        predicate: &str,
        field: &'static str,
    ) -> Result<impl Iterator<Item = &'g NodeRef> + 'g, ViewError> {
        let objects: Vec<&'g Object> = self.graph.objects(subject, predicate).collect();
        if objects.iter().any(|o| matches!(o, Object::Literal(_))) {
            return Err(ViewError::WrongKind {
                field,
                expected: "a node",
            });
        }
        Ok(objects.into_iter().filter_map(|o| match o {
            Object::Node(node) => Some(node),
            Object::Literal(_) => None,
        }))
    }

    /// Every literal value of `predicate`, as a sorted set of lexical forms
    /// (datatypes apart: `1` and `"1"` are one value to a reader).
    fn texts(
        &self,
        subject: &NodeRef,
        predicate: &str,
        field: &'static str,
    ) -> Result<BTreeSet<&'g str>, ViewError> {
        let mut out = BTreeSet::new();
        for object in self.graph.objects(subject, predicate) {
            match object {
                Object::Literal(Literal { value, .. }) => {
                    out.insert(value.as_str());
                }
                Object::Node(_) => {
                    return Err(ViewError::WrongKind {
                        field,
                        expected: "a value",
                    });
                }
            }
        }
        Ok(out)
    }

    /// The credential's Bitstring Status List entries.
    fn status_entries(&self, credential: &NodeRef) -> Result<Vec<StatusEntry>, ViewError> {
        let mut entries = Vec::new();
        let field = "credentialStatus";
        for node in self.nodes(credential, &format!("{CRED}credentialStatus"), field)? {
            let list = match self.one(node, &format!("{STATUS}statusListCredential"), field)? {
                Some(Object::Node(NodeRef::Iri(iri))) => iri.clone(),
                Some(_) => {
                    return Err(ViewError::WrongKind {
                        field: "credentialStatus.statusListCredential",
                        expected: "an IRI",
                    });
                }
                // A status entry of another kind: not one this verifier
                // can look up (the engine flags revocation as unchecked).
                None => continue,
            };
            let index = self
                .text(
                    node,
                    &format!("{STATUS}statusListIndex"),
                    "credentialStatus.statusListIndex",
                )?
                .and_then(|i| crate::revocation::parse_status_index(&i))
                .ok_or(ViewError::WrongKind {
                    field: "credentialStatus.statusListIndex",
                    expected: "a decimal index",
                })?;
            entries.push(StatusEntry { list, index });
        }
        entries.sort_by(|a, b| (&a.list, a.index).cmp(&(&b.list, b.index)));
        Ok(entries)
    }
}

#[cfg(test)]
mod tests;
