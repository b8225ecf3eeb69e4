//! Rewrites of a signed certificate's JSON, and the invariant every result
//! must meet: refused, or read exactly as the original. Shared by the
//! property test (`tests/integrity.rs`) and the `graph_rewrite` fuzz target
//! (`fuzz/fuzz_targets/graph_rewrite.rs`, which includes this file).

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code shared by a test and a fuzz target: each uses part of it, and a panic is a failure"
)]

use credential::{
    CertificationRequest, ContextStore, IssuanceProfile, IssuerRevocations, KeyStatus, PrivateKey,
    ProofOptions, PublicKey, RevocationList, Suite, TrustList, TrustedIssuer, TrustedKey,
    VaccinationCredential, VaccineCoding,
};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use verifier_wasm::{Status, Verdict, Verifier};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/divoc/");
pub const MOH: &str = "https://moh.example.org/";
pub const COWIN: &str = "https://cowin.gov.in/";
pub const OURS: &str = "did:web:issuer.example.org";
pub const OUR_KID: &str = "did:web:issuer.example.org#key-1";

/// Revoked in the revocation list below: one CoWIN-style certificate
/// signed by DIVOC's stack, one of the MOH's, and one we sign.
const REVOKED: [(&str, &str); 3] = [
    (COWIN, "13094780379"),
    (MOH, "98706670095"),
    (OURS, "OURS-REVOKED-1"),
];
/// Our status list, and the index revoked in it.
pub const STATUS_LIST: &str = "https://registry.example.org/v1/status-lists/ours/1";
pub const REVOKED_INDEX: u64 = 7;

/// Suspended.
const SUSPENDED: (&str, &str) = (MOH, "37399986019");

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn now() -> Timestamp {
    ts("2026-12-01T12:00:00Z")
}

pub fn anchor() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[1; 32])
}

pub fn our_key() -> PrivateKey {
    PrivateKey::from_ed25519_seed(&[3; 32])
}

pub fn fixture_key(path: &str) -> PublicKey {
    PublicKey::parse_any(
        std::fs::read_to_string(format!("{FIXTURES}{path}"))
            .unwrap()
            .trim(),
    )
    .unwrap()
}

pub fn key(kid: &str, public_key: PublicKey) -> TrustedKey {
    TrustedKey {
        kid: kid.into(),
        public_key,
        valid_from: ts("2020-01-01T00:00:00Z"),
        valid_until: None,
        status: KeyStatus::Active,
    }
}

pub fn issuer(id: &str, keys: Vec<TrustedKey>) -> TrustedIssuer {
    TrustedIssuer {
        id: id.into(),
        name: format!("issuer {id}"),
        country: "IN".into(),
        keys,
    }
}

pub fn verifier() -> Verifier {
    let list = TrustList::new(
        1,
        ts("2026-12-01T00:00:00Z"),
        ts("2026-12-02T00:00:00Z"),
        vec![
            issuer(
                MOH,
                vec![key(
                    "did:example:moh#key-1",
                    fixture_key("stack-signed/ed25519-v2/key/public.pem"),
                )],
            ),
            issuer(
                COWIN,
                vec![key(
                    "did:india",
                    fixture_key("stack-signed/rsa-v1/key/public.pem"),
                )],
            ),
            issuer(OURS, vec![key(OUR_KID, our_key().public_key())]),
        ],
        vec![],
    )
    .unwrap();
    let mut verifier =
        Verifier::with_trust_list(&list.sign(&anchor()).unwrap(), vec![anchor().public_key()])
            .unwrap();
    let issuers = [MOH, COWIN, OURS]
        .into_iter()
        .map(|id| {
            let mut entry = IssuerRevocations::from_ids(
                id,
                REVOKED.iter().filter(|(i, _)| *i == id).map(|(_, c)| *c),
                [SUSPENDED]
                    .iter()
                    .filter(|(i, _)| *i == id)
                    .map(|(_, c)| (*c, ts("2027-06-01T00:00:00Z"))),
            );
            if id == OURS {
                entry.status_lists = vec![(
                    STATUS_LIST.into(),
                    credential::RiceSet::from_keys(vec![REVOKED_INDEX]),
                )];
            }
            entry
        })
        .collect();
    let revocations = RevocationList {
        version: 1,
        issued_at: ts("2026-12-01T00:00:00Z"),
        next_update: ts("2026-12-02T00:00:00Z"),
        since: None,
        issuers,
    };
    verifier
        .load_revocations(&revocations.sign(&anchor()).unwrap())
        .unwrap();
    verifier
}

pub fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()).unwrap()
}

/// A certificate signed here as the issuer API signs them.
pub fn ours(certificate_id: &str, dose: u32, total: u32, suite: Suite) -> Value {
    let request: CertificationRequest = serde_json::from_value(json!({
        "preEnrollmentCode": "PE-1",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female", "nationality": "Senegalese",
                      "identity": "did:passport:A123", "contact": ["tel:+221700000000"], "address": {"city": "Dakar"}},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01", "effectiveUntil": "2027-10-01",
                        "dose": dose, "totalDoses": total},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))
    .unwrap();
    let profile = IssuanceProfile {
        context_url: "https://divoc.dev/credentials/vaccination/v2".into(),
        issuer: OURS.into(),
        certificate_base_url: "https://issuer.example.org/vaccine/".into(),
        feedback_base_url: "https://issuer.example.org/?".into(),
        info_base_url: "https://issuer.example.org/?".into(),
        issuer_name: "Ministry of Health".into(),
    };
    let credential = VaccinationCredential::from_request(
        &request,
        &profile,
        certificate_id,
        "2026-10-01T10:00:00.000Z",
        &VaccineCoding::default(),
    )
    .unwrap();
    let options = ProofOptions::assertion(suite, OUR_KID, "2026-10-01T10:00:00Z");
    let mut document = serde_json::to_value(&credential).unwrap();
    if suite == Suite::EddsaRdfc2022 {
        // The Data Integrity terms of the proof, as the issuer API adds them.
        document["@context"]
            .as_array_mut()
            .unwrap()
            .push(json!("https://w3id.org/security/data-integrity/v2"));
    }
    credential::sign(&document, &options, &our_key(), &ContextStore::bundled()).unwrap()
}

/// Every signed certificate the tests rewrite, with a name.
pub fn corpus() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for set in ["rsa-v1", "ed25519-v2"] {
        for n in 1..=4 {
            let path = format!("stack-signed/{set}/cert-00{n}/certificate.json");
            out.push((path.clone(), read_json(&path)));
        }
    }
    out.push((
        "ours (Ed25519Signature2018)".into(),
        ours("OURS-1", 1, 2, Suite::Ed25519Signature2018),
    ));
    out.push((
        "ours, revoked (eddsa-rdfc-2022)".into(),
        ours("OURS-REVOKED-1", 2, 2, Suite::EddsaRdfc2022),
    ));
    out.push((
        "ours, VC 2.0 profile".into(),
        ours_vc2("OURS-VC2-1", 8, Suite::EddsaRdfc2022),
    ));
    out.push((
        "ours, VC 2.0 profile, revoked by status list".into(),
        ours_vc2("OURS-VC2-2", REVOKED_INDEX, Suite::EddsaRdfc2022),
    ));
    out
}

/// A certificate of the issuer's own VC 2.0 profile, with a status entry.
pub fn ours_vc2(certificate_id: &str, index: u64, suite: Suite) -> Value {
    let request: CertificationRequest = serde_json::from_value(json!({
        "preEnrollmentCode": "PE-2",
        "recipient": {"name": "Aïcha Ndiaye", "dob": "1990-02-03", "gender": "Female", "nationality": "Senegalese",
                      "identity": "did:passport:A123"},
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": "2026-10-01T09:00:00Z", "effectiveStart": "2026-10-01", "effectiveUntil": "2027-10-01",
                        "dose": 1, "totalDoses": 2},
        "vaccinator": {"name": "Dr. Diallo"},
        "facility": {"name": "Hôpital Principal", "address": {"city": "Dakar", "country": "SN"}}
    }))
    .unwrap();
    let profile = IssuanceProfile {
        context_url: credential::vc2::HEALTHCERTS_CONTEXT.into(),
        issuer: OURS.into(),
        certificate_base_url: "https://issuer.example.org/vaccine/".into(),
        feedback_base_url: String::new(),
        info_base_url: String::new(),
        issuer_name: "Ministry of Health".into(),
    };
    let entry = credential::StatusEntry {
        list: STATUS_LIST.into(),
        index,
    };
    let unsigned = credential::vc2::vaccination_certificate(
        &request,
        &profile,
        certificate_id,
        "2026-10-01T10:00:00.000Z",
        &VaccineCoding::default(),
        Some(&entry),
    )
    .unwrap();
    let options = ProofOptions::assertion(suite, OUR_KID, "2026-10-01T10:00:00Z");
    credential::sign(&unsigned, &options, &our_key(), &ContextStore::bundled()).unwrap()
}

pub fn is_refusal(status: Status) -> bool {
    matches!(
        status,
        Status::Invalid | Status::NotACertificate | Status::UnknownIssuer
    )
}

/// The invariant: refused, or the same verdict as the original (values
/// whose role the signature does not bind: one of the signed values).
pub fn check_same_or_refused(original: &Verdict, mutant: &Verdict) -> Result<(), String> {
    if is_refusal(mutant.status) {
        return Ok(());
    }
    let same = |what: &str, a: String, b: String| {
        if a == b {
            Ok(())
        } else {
            Err(format!("{what}: original {a}, rewritten {b}"))
        }
    };
    same(
        "status",
        format!("{:?}", original.status),
        format!("{:?}", mutant.status),
    )?;
    same(
        "revocation_unknown",
        original.revocation_unknown.to_string(),
        mutant.revocation_unknown.to_string(),
    )?;
    same(
        "issuer",
        format!("{:?}", original.issuer),
        format!("{:?}", mutant.issuer),
    )?;
    let (Some(a), Some(b)) = (&original.fields, &mutant.fields) else {
        return same(
            "fields",
            format!("{:?}", original.fields),
            format!("{:?}", mutant.fields),
        );
    };
    let mut a = a.clone();
    let mut b = b.clone();
    for field in a.unbound.clone() {
        let (x, y) = match field {
            "vaccine" => (&mut a.vaccine, &mut b.vaccine),
            "manufacturer" => (&mut a.manufacturer, &mut b.manufacturer),
            "certificate_id" => (&mut a.certificate_id, &mut b.certificate_id),
            "batch" => {
                if let Some(batch) = &b.batch
                    && !a.signed_values.contains(batch)
                {
                    return Err(format!("batch {batch:?} is not a signed value"));
                }
                a.batch = None;
                b.batch = None;
                continue;
            }
            _ => continue,
        };
        if !y.is_empty() && !a.signed_values.contains(y) {
            return Err(format!("{field} {y:?} is not a signed value"));
        }
        x.clear();
        y.clear();
    }
    same("fields", format!("{a:?}"), format!("{b:?}"))
}

/// One rewrite of a certificate's JSON.
#[derive(Debug, Clone, Copy)]
pub enum Rewrite {
    // Rewrites that keep the graph.
    WrapInArray(u32),
    UnwrapArray(u32),
    StringToValueObject(u32),
    KeywordAlias(u32),
    ReverseKeys(u32),
    IssuerAsNode,
    EvidenceAsObject,
    SwapSharedIri(u32),
    FullIriKey(u32),
    // Rewrites that change it.
    ChangeString(u32),
    DropKey(u32),
    AddUndefined(u32),
    RelativeId(u32),
    NullValue(u32),
    InlineContext(u32),
    InventedEvidenceFirst,
}

/// Paths to every object, array and scalar of `value` (the proof excluded:
/// it is read from its JSON and checked against its signed graph).
pub fn paths(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if prefix.is_empty() && k == "proof" {
                    continue;
                }
                prefix.push(PathStep::Key(k.clone()));
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

pub fn at<'a>(value: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

pub fn pick<T: Clone>(items: &[T], n: u32) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(n as usize % items.len()).cloned()
    }
}

/// Keys of one node that share an IRI in DIVOC's vaccination contexts.
const SHARED: [(&str, &str); 6] = [
    ("certificateId", "batch"),
    ("vaccine", "manufacturer"),
    ("batch", "vaccine"),
    ("dose", "totalDoses"),
    ("date", "effectiveStart"),
    ("effectiveStart", "effectiveUntil"),
];

/// Terms whose absolute IRI can replace the key without changing the graph
/// (their values are nodes written as objects, or plain strings).
const FULL_IRIS: [(&str, &str); 3] = [
    (
        "credentialSubject",
        "https://www.w3.org/2018/credentials#credentialSubject",
    ),
    ("evidence", "https://www.w3.org/2018/credentials#evidence"),
    ("name", "https://schema.org/name"),
];

pub fn apply(document: &mut Value, rewrite: Rewrite) {
    let mut all = Vec::new();
    paths(document, &mut Vec::new(), &mut all);
    let objects: Vec<_> = all
        .iter()
        .filter(|p| at(&mut document.clone(), p).is_object())
        .cloned()
        .collect();
    let keyed: Vec<_> = all
        .iter()
        .filter(|p| matches!(p.last(), Some(PathStep::Key(_))))
        .cloned()
        .collect();
    let strings: Vec<_> = all
        .iter()
        .filter(|p| at(&mut document.clone(), p).is_string())
        .filter(|p| {
            // Context URLs, types and ids are not values.
            !["@context", "type", "@type", "id", "@id"]
                .iter()
                .any(|k| p.contains(&PathStep::Key((*k).into())))
        })
        .cloned()
        .collect();
    match rewrite {
        Rewrite::WrapInArray(n) => {
            // `@id` must be a string: an array there is not a rewrite.
            let wrappable: Vec<_> = keyed
                .iter()
                .filter(|p| !matches!(p.last(), Some(PathStep::Key(k)) if k == "id" || k == "@id"))
                .cloned()
                .collect();
            if let Some(p) = pick(&wrappable, n) {
                let v = at(document, &p);
                if !v.is_array() {
                    *v = json!([v.take()]);
                }
            }
        }
        Rewrite::UnwrapArray(n) => {
            let arrays: Vec<_> = keyed
                .iter()
                .filter(|p| matches!(at(&mut document.clone(), p), Value::Array(a) if a.len() == 1))
                .cloned()
                .collect();
            if let Some(p) = pick(&arrays, n) {
                let v = at(document, &p);
                *v = v[0].take();
            }
        }
        Rewrite::StringToValueObject(n) => {
            if let Some(p) = pick(&strings, n) {
                let v = at(document, &p);
                *v = json!({"@value": v.take()});
            }
        }
        Rewrite::KeywordAlias(n) => {
            if let Some(p) = pick(&objects, n)
                && let Value::Object(map) = at(document, &p)
            {
                for (from, to) in [("id", "@id"), ("type", "@type")] {
                    if let Some(v) = map.remove(from) {
                        map.insert(to.into(), v);
                    }
                }
            }
        }
        Rewrite::ReverseKeys(n) => {
            if let Some(p) = pick(&objects, n)
                && let Value::Object(map) = at(document, &p)
            {
                let reversed: Map<String, Value> = std::mem::take(map).into_iter().rev().collect();
                *map = reversed;
            }
        }
        Rewrite::IssuerAsNode => {
            if let Some(Value::String(s)) = document.get("issuer").cloned() {
                document["issuer"] = json!({"id": s});
            }
        }
        Rewrite::EvidenceAsObject => {
            if let Some(Value::Array(items)) = document.get("evidence").cloned()
                && items.len() == 1
            {
                document["evidence"] = items[0].clone();
            }
        }
        Rewrite::SwapSharedIri(n) => {
            let (a, b) = SHARED[n as usize % SHARED.len()];
            if let Some(Value::Array(items)) = document.get_mut("evidence")
                && let Some(Value::Object(event)) = items.first_mut()
                && event.contains_key(a)
                && event.contains_key(b)
            {
                let x = event[a].take();
                let y = std::mem::replace(&mut event[b], x);
                event[a] = y;
            }
        }
        Rewrite::FullIriKey(n) => {
            let (term, iri) = FULL_IRIS[n as usize % FULL_IRIS.len()];
            let target = if term == "name" {
                document.get_mut("credentialSubject")
            } else {
                Some(&mut *document)
            };
            if let Some(Value::Object(map)) = target
                && let Some(v) = map.remove(term)
            {
                map.insert(iri.into(), v);
            }
        }
        Rewrite::ChangeString(n) => {
            if let Some(p) = pick(&strings, n) {
                let v = at(document, &p);
                *v = json!(format!("{}x", v.as_str().unwrap_or_default()));
            }
        }
        Rewrite::DropKey(n) => {
            if let Some(p) = pick(&keyed, n)
                && let Some((PathStep::Key(k), parent)) = p.split_last()
                && let Value::Object(map) = at(document, parent)
            {
                map.remove(k);
            }
        }
        Rewrite::AddUndefined(n) => {
            if let Some(p) = pick(&objects, n)
                && let Value::Object(map) = at(document, &p)
            {
                map.insert("vaccinationStatus".into(), json!("complete"));
            }
        }
        Rewrite::RelativeId(n) => {
            if let Some(p) = pick(&objects, n)
                && let Value::Object(map) = at(document, &p)
            {
                map.insert("id".into(), json!("x"));
            }
        }
        Rewrite::NullValue(n) => {
            if let Some(p) = pick(&keyed, n) {
                *at(document, &p) = Value::Null;
            }
        }
        Rewrite::InlineContext(n) => {
            if let Some(p) = pick(&objects, n)
                && let Value::Object(map) = at(document, &p)
            {
                map.insert(
                    "@context".into(),
                    json!({"fullName": "https://schema.org/name"}),
                );
            }
        }
        Rewrite::InventedEvidenceFirst => {
            if let Some(Value::Array(items)) = document.get_mut("evidence") {
                let mut invented = items[0].clone();
                invented["id"] = json!("x");
                invented["vaccine"] = json!("INVENTED");
                invented["dose"] = json!(3);
                invented["certificateId"] = json!("999");
                items.insert(0, invented);
            }
        }
    }
}

impl Rewrite {
    /// A rewrite from two fuzzer bytes: the kind, and an argument.
    pub fn from_bytes(kind: u8, arg: u8) -> Self {
        let n = u32::from(arg);
        match kind % 16 {
            0 => Self::WrapInArray(n),
            1 => Self::UnwrapArray(n),
            2 => Self::StringToValueObject(n),
            3 => Self::KeywordAlias(n),
            4 => Self::ReverseKeys(n),
            5 => Self::IssuerAsNode,
            6 => Self::EvidenceAsObject,
            7 => Self::SwapSharedIri(n),
            8 => Self::FullIriKey(n),
            9 => Self::ChangeString(n),
            10 => Self::DropKey(n),
            11 => Self::AddUndefined(n),
            12 => Self::RelativeId(n),
            13 => Self::NullValue(n),
            14 => Self::InlineContext(n),
            _ => Self::InventedEvidenceFirst,
        }
    }
}
